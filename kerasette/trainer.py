"""The training loop: ``compile``, ``fit``, ``evaluate``, ``predict`` and the pure steps.

The train step is one pure function of explicit values::

    (trainable, non_trainable, optimizer_vars, metric_vars, x, y, sample_weight)
        -> (trainable, non_trainable, optimizer_vars, metric_vars)

Inside it, values are bound into the model's ``Variable``s (``bind_values``) so
layer, optimizer and metric code reads and assigns them as usual; the new
values are read back before the binding ends. The engine's ``jit`` compiles it
(``jax.jit`` with donated buffers; on NumPy, one recording per batch signature
replayed as straight-line code, ``backends/numpy/replay.py``); after each step the host stores the new
values in the variables, and reads numbers back (``float``) only when the
progress bar refreshes or an epoch ends. Its forward pass is ``stateless_call``;
gradients come from the engine's ``value_and_grad`` (the flat form under
``ops.value_and_grad``); the optimizer and metrics run under bound values.

Keras 3's overridable hooks (``train_step``, ``test_step``, ``predict_step``,
``compute_loss``, ``compute_metrics``, ``get_metrics_result``, ``reset_metrics``,
``metrics``): when a model overrides one, or keeps metrics of its own, ``fit`` /
``evaluate`` / ``predict`` call its ``<kind>_step(data)`` instead of the fused
step (``_uses_hooks``). The default ``train_step`` is written with the public
pieces (``stateless_call``, ``compute_loss``, ``ops.value_and_grad``,
``optimizer.apply``, ``compute_metrics``) and reaches the fused step's weights;
the fused step stays for models that override nothing because it is faster
(about 30% on NumPy/PyTorch for a small MLP: one binding per group, no per-step
variable lists, no ``stateless_apply`` -- whose purity forbids the optimizers'
in-place fast path). On JAX a stateful user step is compiled into one ``jax.jit``
with every variable bound in; JAX's stateless form ``train_step(state, data) ->
(logs, state)`` is accepted on every engine.
"""
from __future__ import annotations

import itertools
import re
import warnings

import numpy as np

from . import callbacks as callbacks_mod
from . import config, ops
from .compile_utils import CompiledLossAndMetrics, flat_outputs, match_targets
from .distribution import multiprocess, placement
from .data import (check_count, class_weight_to_sample_weights, make_source, normalize_arrays,
                   split_validation, unpack)
from .layers.layer import clear_call_losses, collect_losses
from .layers.symbolic import flatten, map_structure
from .utils.packing import pack_x_y_sample_weight, unpack_x_y_sample_weight
from .optimizers.loss_scale import LossScaleOptimizer
from .variables import bind_values, distinct, get_values

_TAKES_TRAINING = {}  # model class -> whether its compute_loss takes `training`

# The overridable hooks, per kind of step: a model overriding one of them runs its
# steps through them (``_uses_hooks``); otherwise fit keeps its fused built-in step.
_HOOKS = {
    "train": ("train_step", "compute_loss", "compute_metrics", "get_metrics_result",
              "reset_metrics"),
    "test": ("test_step", "compute_loss", "compute_metrics", "get_metrics_result",
             "reset_metrics"),
    "predict": ("predict_step",),
}


class Trainer:
    """Mixin giving ``Model`` its training API (Keras 3's signatures)."""

    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self._steps = {}
        self.loss = None
        self.run_eagerly = False
        self.jit_compile = "auto"
        self.steps_per_execution = 1
        self.train_function = self.test_function = self.predict_function = None

    # ------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configure the model for training.

        Args:
            optimizer: name or ``Optimizer``.
            loss: name, function or ``Loss``; a list or dict for several outputs.
            loss_weights: weights of the per-output losses in the total.
            metrics: names or ``Metric``s; per output as a list of lists or a dict.
            run_eagerly: skip ``jit`` (debugging).
            jit_compile: ``'auto'`` compiles where the engine compiles (JAX) and records
                the step once per batch signature to replay it (NumPy); ``True`` also asks
                PyTorch for ``torch.compile``; ``False`` never.
            auto_scale_loss: under the ``"mixed_float16"`` policy, wrap the optimizer
                in a ``LossScaleOptimizer`` (Keras's rule).
        """
        from . import optimizers
        self.optimizer = optimizers.get(optimizer)
        if auto_scale_loss and self.optimizer is not None and \
                optimizers.loss_scale.needs_loss_scaling(self.dtype_policy.name) and \
                not isinstance(self.optimizer, optimizers.LossScaleOptimizer):
            self.optimizer = optimizers.LossScaleOptimizer(self.optimizer,
                                                           name="loss_scale_optimizer")
        names = self._output_names_for_compile()
        unnamed = False
        if names == ["output"] and isinstance(loss, (list, tuple)) and len(loss) > 1 and \
                getattr(self, "_graph", None) is None and not hasattr(self, "_stack"):
            # a subclassed model's outputs are only known from its calls: as Keras, count them
            # from the losses given (checked against the first batch) and name logs by loss
            names, unnamed = [f"output_{i}" for i in range(len(loss))], True
        self._compile_args = (loss, loss_weights, metrics, weighted_metrics)
        self._compiled = CompiledLossAndMetrics(loss, loss_weights, metrics, weighted_metrics, names,
                                                unnamed_outputs=unnamed)
        self.loss = loss
        self.run_eagerly = bool(run_eagerly)
        self.jit_compile = jit_compile
        self.steps_per_execution = steps_per_execution
        self.compiled = True
        self._steps = {}
        self.train_function = self.test_function = self.predict_function = None

    def _output_names_for_compile(self):
        names = getattr(self, "output_names", None) or []
        struct = getattr(self, "_outputs_struct", None) if getattr(self, "_graph", None) else None
        if isinstance(struct, dict) and len(struct) > 1 and len(struct) == len(names):
            return sorted(struct, key=str)  # Keras: a dict of outputs is named by its keys
        if not names:
            return ["output"]
        if len(set(names)) != len(names):
            return [f"output_{i}" for i in range(len(names))] if len(names) > 1 else names
        return names

    @property
    def metrics(self):
        """Every metric the model tracks, Keras's order: the compiled loss tracker, the
        per-output loss trackers, the compiled metrics (after the first batch), then the
        ``Metric`` objects set as attributes of the model (``self.loss_tracker =
        Mean(name="loss")``) and of its layers (nested models' compiled ones excepted)."""
        out = list(self._compiled.all_metrics) if self.compiled else []
        for layer in self._flatten_layers():
            for m in layer.__dict__.get("_metrics", ()):
                if all(m is not o for o in out):
                    out.append(m)
        return out

    @property
    def metrics_variables(self):
        """The state variables of ``metrics``, in order (the ``metrics_variables`` of the
        stateless steps)."""
        return distinct(v for m in self.metrics for v in m.variables)

    def reset_metrics(self):
        """Reset the state of every metric in ``metrics``."""
        for m in self.metrics:
            m.reset_state()

    # ------------------------------------------------- Keras 3's overridable hooks
    @property
    def losses(self):
        """The losses of the last call (``add_loss``) plus the weight-regularization
        penalties; inside the default steps, the losses ``stateless_call`` returned."""
        override = self.__dict__.get("_losses_override")
        if override is not None:
            return list(override)
        return collect_losses(self._flatten_layers())

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss of a batch: the compiled losses of ``(y, y_pred)`` plus
        ``self.losses`` (``add_loss`` and regularization). Override to customize.

        With several outputs, each output's loss tracker (``<output>_loss``) is
        updated here too, as Keras's compiled loss does. With no loss at all the
        result is 0 (Keras's JAX backend; its other backends raise).
        """
        del x, training
        total = None
        if self.compiled and y_pred is not None and y is not None:
            c = self._compiled
            preds = flat_outputs(y_pred)
            ys = match_targets(y, c.output_names)
            total, parts = c.compute_loss(ys, preds, _spread_weights(sample_weight, c))
            if total is not None and c.output_loss_trackers:
                n = _batch_size(preds[0])
                for i, tracker in zip(c._tracked_outputs, c.output_loss_trackers):
                    if parts[i] is not None:
                        tracker.update_with_weight(parts[i], n)
        for extra in self.losses:
            total = extra if total is None else ops.add(total, extra)
        if total is None:
            return ops.zeros((), config.floatx())
        return total

    def _compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """``compute_loss``, also for overrides written before it took ``training``."""
        cls = type(self)
        takes = _TAKES_TRAINING.get(cls)
        if takes is None:
            import inspect
            takes = _TAKES_TRAINING[cls] = \
                "training" in inspect.signature(self.compute_loss).parameters
        if takes:
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def stateless_compute_loss(self, trainable_variables, non_trainable_variables,
                               metrics_variables, x=None, y=None, y_pred=None,
                               sample_weight=None, training=True):
        """``compute_loss`` from explicit values: returns ``(loss, (trainable_variables,
        non_trainable_variables, metrics_variables))`` with the updated values."""
        tv, ntv, mv = (self.trainable_variables, self.non_trainable_variables,
                       self.metrics_variables)
        return self._stateless_compute_loss_on(tv, ntv, mv, trainable_variables,
                                               non_trainable_variables, metrics_variables, x, y,
                                               y_pred, sample_weight, training)

    def _stateless_compute_loss_on(self, tv, ntv, mv, trainable_variables,
                                   non_trainable_variables, metrics_variables, x, y, y_pred,
                                   sample_weight, training):
        """``stateless_compute_loss`` with the variable lists given."""
        _check_counts(self, "trainable_variables", tv, trainable_variables)
        _check_counts(self, "non_trainable_variables", ntv, non_trainable_variables)
        _check_counts(self, "metrics_variables", mv, metrics_variables)
        with bind_values(tv + ntv + mv, list(trainable_variables) + list(non_trainable_variables)
                         + list(metrics_variables)):
            loss = self._compute_loss(x, y, y_pred, sample_weight, training=training)
            new_nt, new_m = get_values(ntv), get_values(mv)
        return loss, (list(trainable_variables), new_nt, new_m)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with a batch; returns ``get_metrics_result()``.

        The loss trackers are updated by the steps, not here (as Keras)."""
        del x
        if self.compiled:
            c = self._compiled
            preds = flat_outputs(y_pred)
            ys = match_targets(y, c.output_names)
            if c.metrics is None:
                c.build_metrics(ys, preds)
            sws = _spread_weights(sample_weight, c)
            for i, metric, weighted in c.metrics:
                if ys[i] is not None:
                    metric.update_state(ys[i], preds[i], sample_weight=sws[i] if weighted else None)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """``{name: current result}`` of every metric in ``metrics`` (a metric whose
        result is a dict contributes its entries). Values stay engine scalars, so
        this runs inside a compiled step; fit reads them on the host when needed."""
        out = {}
        for m in self._metrics_in_log_order():
            r = m.result()
            if isinstance(r, dict):
                out.update(r)
            else:
                out[m.name] = r
        return out

    def _metrics_in_log_order(self):
        """``metrics`` with the compiled metrics of a several-output model sorted by name
        (the order of the built-in step's logs and of ``evaluate``'s list)."""
        found = self.metrics
        if not self.compiled or self._compiled.single or not self._compiled.metrics:
            return found
        compiled = [m for _, m, _ in self._compiled.metrics]
        ids = {id(m) for m in compiled}
        ordered = iter(sorted(compiled, key=lambda m: m.name))
        return [next(ordered) if id(m) in ids else m for m in found]

    def _compute_loss_and_updates(self, groups, trainable_values, non_trainable_values,
                                  metrics_values, x, y, sample_weight, training):
        """The pure forward of the default steps: ``(loss, (y_pred, new non-trainable
        values, new metric values))`` -- ``stateless_call``, then ``compute_loss`` with
        the call's losses (``_losses_override``) and the metric values bound.
        ``groups``: (trainable, non-trainable, metrics variables, flat layers)."""
        tv, ntv, mv, layers = groups
        y_pred, new_nt, losses = self._stateless_call_on(
            tv, ntv, layers, trainable_values, non_trainable_values, (x,),
            {"training": training}, True)
        self.__dict__["_losses_override"] = losses
        try:
            loss, (_, new_nt, new_m) = self._stateless_compute_loss_on(
                tv, ntv, mv, trainable_values, new_nt, metrics_values, x, y, y_pred,
                sample_weight, training)
        finally:
            self.__dict__["_losses_override"] = None
        return loss, (y_pred, new_nt, new_m)

    def train_step(self, data):
        """One training step on ``data`` (``(x, y[, sample_weight])``); returns the logs.

        Written with the public pieces: ``stateless_call`` and ``compute_loss`` under
        ``ops.value_and_grad``, ``optimizer.apply``, the loss tracker and
        ``compute_metrics``. Override it (Keras 3's signature) and ``fit`` calls yours,
        compiled on JAX into one ``jax.jit``. On JAX the stateless form
        ``train_step(self, state, data) -> (logs, state)`` is accepted too (on every
        engine), ``state = (trainable, non_trainable, optimizer, metrics variables)``.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        layers = self._flatten_layers()
        trainable = self.trainable_variables
        ids = {id(v) for v in trainable}
        non_trainable = [v for v in self.variables if id(v) not in ids]
        metrics_vars = self.metrics_variables
        groups = (trainable, non_trainable, metrics_vars, layers)

        def loss_fn(t_vals, nt_vals, m_vals):
            loss, aux = self._compute_loss_and_updates(groups, t_vals, nt_vals, m_vals, x, y,
                                                       sample_weight, training=True)
            return self.optimizer.scale_loss(loss), (loss,) + tuple(aux)

        (_, (loss, y_pred, new_nt, new_m)), grads = ops.value_and_grad(loss_fn, has_aux=True)(
            get_values(trainable), get_values(non_trainable), get_values(metrics_vars))
        for v, value in zip(non_trainable, new_nt):
            v.assign(value)
        for v, value in zip(metrics_vars, new_m):
            v.assign(value)
        if trainable:
            self.optimizer.apply(grads, trainable)
            for layer in layers:
                for v, con in layer._constraints:
                    v.assign(con(v.value))
        self._track_loss(loss, x)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """One evaluation step on ``data``; returns the logs (see ``train_step``). The
        stateless form is ``test_step(self, state, data) -> (logs, state)`` with
        ``state = (trainable, non_trainable, metrics variables)``."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._clear_call_losses()
        y_pred = self(x, training=False)
        loss = self._compute_loss(x, y, y_pred, sample_weight, training=False)
        self._clear_call_losses()
        self._track_loss(loss, x)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs for one batch ``data`` (``x``, or a tuple whose first item
        is ``x``). Stateless form: ``predict_step(self, state, data) -> (outputs,
        non_trainable_variables)`` with ``state = (trainable, non_trainable)``."""
        x, _, _ = unpack_x_y_sample_weight(data)
        out = self(x, training=False)
        self._clear_call_losses()
        return out

    def _track_loss(self, loss, x):
        if self.compiled:
            self._compiled.loss_tracker.update_with_weight(loss, _batch_size(flatten(x)[0]))

    def zero_grad(self, set_to_none=True):
        """PyTorch's idiom (torch engine only): make the trainable variables leaf
        tensors that collect ``.grad`` and clear their gradients, so that
        ``loss.backward()`` then ``[v.value.grad for v in self.trainable_weights]``
        works inside a ``train_step``."""
        b = config.active()
        mark = getattr(b, "_mark_grad_leaves", None)
        if mark is None:
            raise RuntimeError(_torch_idiom_message(b.name))
        mark(self.trainable_variables)

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def _require_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"You must call `compile()` before `{what}()`.")

    # --------------------------------------------------------- the steps
    def _state_vars(self):
        trainable = self.trainable_variables
        ids = {id(v) for v in trainable}
        non_trainable = [v for v in self.variables if id(v) not in ids]
        return trainable, non_trainable

    def _forward_loss(self, x, y, sw, training, layers=None):
        """Forward pass and total loss with the variables' current (bound) values.

        ``layers``: ``self._flatten_layers()``, when the caller has it already.
        """
        if layers is None:
            layers = self._flatten_layers()
        clear_call_losses(layers)
        y_pred = self(x, training=training)
        extra = collect_losses(layers)
        clear_call_losses(layers)
        return self._loss_of(y_pred, y, sw, extra)

    def _loss_of(self, y_pred, y, sw, extra):
        """The compiled losses of ``y_pred`` plus the ``extra`` losses (``add_loss``,
        regularization): ``(total, per-output parts, ys, preds, sample weights)``."""
        preds = flat_outputs(y_pred)
        c = self._compiled
        ys = match_targets(y, c.output_names)
        sws = sw if isinstance(sw, list) and not c.single else [sw] * len(preds)
        if isinstance(sw, dict):
            sws = [sw.get(n) for n in c.output_names]
        total, parts = c.compute_loss(ys, preds, sws)
        if extra:
            reg = extra[0]
            for r in extra[1:]:
                reg = ops.add(reg, r)
            total = reg if total is None else ops.add(total, reg)
        if total is None:
            if y is None and any(loss is not None for loss in c.losses):
                raise ValueError(f"Model '{self.name}' was compiled with a loss but the data has no targets: "
                                 "`y` is missing. Pass `y` to fit()/evaluate(), or have the dataset "
                                 "yield (x, y) batches.")
            raise ValueError("The model has no loss to optimize: pass `loss` to `compile()`, "
                             "or add losses with `add_loss` in a layer.")
        return total, parts, ys, preds, sws

    def _make_train_step(self):
        b = config.active()
        trainable, non_trainable = self._state_vars()
        opt = self.optimizer
        c = self._compiled
        opt_vars = opt.variables
        metric_vars = c.variables
        layers = self._flatten_layers()
        constraints = [(v, con) for layer in layers for v, con in layer._constraints]

        training = {"training": True}

        def loss_fn(params, nt_values, x, y, sw):
            # ``stateless_call`` (with the variable lists made once, above)
            y_pred, new_nt, extra = self._stateless_call_on(
                trainable, non_trainable, layers, params, nt_values, (x,), training, True)
            total, parts, ys, preds, sws = self._loss_of(y_pred, y, sw, extra)
            return opt.scale_loss(total), (total, parts, preds, new_nt)

        grad_fn = b.value_and_grad(loss_fn)
        # a LossScaleOptimizer's own state (its scale) comes first in its variables
        scale_vars = opt._variables if isinstance(opt, LossScaleOptimizer) else []

        def step(state, x, y, sw):
            t_vals, nt_vals, o_vals, m_vals = state
            with bind_values(scale_vars, o_vals[:len(scale_vars)]):  # the loss scale is state
                (_, (total, parts, preds, new_nt)), grads = grad_fn(t_vals, nt_vals, x, y, sw)
            with bind_values(trainable, t_vals), bind_values(opt_vars, o_vals):
                opt.apply(grads, trainable)
                for v, con in constraints:
                    v.assign(con(v.value))
                new_t, new_o = get_values(trainable), get_values(opt_vars)
            ys = match_targets(y, c.output_names)
            sws = _spread_weights(sw, c)
            with bind_values(metric_vars, m_vals):
                c.update_metrics(total, parts, ys, preds, sws, ops.shape(preds[0])[0])
                new_m = get_values(metric_vars)
            return new_t, new_nt, new_o, new_m

        groups = (trainable, non_trainable, opt_vars, metric_vars)
        return self._compile_step(step, out_groups=groups), groups

    def _carried_vars(self):
        """State that inference changes too: the states of stateful layers (RNNs)."""
        return [v for layer in self._flatten_layers() for v in layer._state_variables]

    def _make_test_step(self):
        trainable, non_trainable = self._state_vars()
        model_vars = trainable + non_trainable
        c = self._compiled
        metric_vars = c.variables
        carries = bool(self._carried_vars())

        def step(state, x, y, sw):
            v_vals, m_vals = state
            with bind_values(model_vars, v_vals):
                total, parts, ys, preds, sws = self._forward_loss(x, y, sw, False)
                if carries:
                    v_vals = get_values(model_vars)
            with bind_values(metric_vars, m_vals):
                c.update_metrics(total, parts, ys, preds, _spread_weights(sw, c), ops.shape(preds[0])[0])
                new_m = get_values(metric_vars)
            return v_vals, new_m

        return self._compile_step(step, donate=False, out_groups=(model_vars, metric_vars)), \
            (model_vars, metric_vars)

    def _make_predict_step(self):
        """``(state, x) -> (outputs, new values of the carried state)``; the second
        group (the carried variables) is written back by ``_run_step``."""
        trainable, non_trainable = self._state_vars()
        model_vars = trainable + non_trainable
        carried = self._carried_vars()

        def step(state, x):
            with bind_values(model_vars, state[0]):
                out = self(x, training=False)
                new = get_values(carried)
            self._clear_call_losses()
            return out, new

        return self._compile_step(step, donate=False, out_groups=(None, carried)), (model_vars, carried)

    def _compile_step(self, step, donate=True, out_groups=None):
        """``step`` compiled where the engine compiles; ``out_groups`` (the variables
        each output updates) keeps a distributed model's layouts through the step."""
        b = config.active()
        if getattr(self, "run_eagerly", False) or getattr(self, "jit_compile", "auto") is False:
            return step
        if self._has_host_layers():
            if b.name == "numpy":
                _warn_once("The NumPy engine runs the steps of a model with host-side layers "
                           "(StringLookup, TextVectorization...) eagerly: they cannot be recorded "
                           "and replayed.")
            return step  # lookups and text processing run on the host: nothing to compile
        if b.name == "jax":
            if out_groups is not None:
                step = placement.constrain_step(self, step, out_groups)
            return b.jit(step, donate_argnums=(0,) if donate else ())
        if b.name == "numpy":  # recorded once per batch signature, then replayed (numpy/replay.py)
            return b.jit(step)
        if getattr(self, "jit_compile", "auto") is True:
            if _accepts_compile(b):
                return b.jit(step, compile=True)
            _warn_once(f"jit_compile=True: the {b.name} engine has no compiler; "
                       f"the steps run eagerly.")
        return step

    def _get_step(self, kind):
        if kind not in self._steps:
            maker = {"train": self._make_train_step, "test": self._make_test_step,
                     "predict": self._make_predict_step}[kind]
            placement.prepare(self)  # a distributed model's variables onto the mesh
            self._steps[kind] = maker()
        return self._steps[kind]

    def _run_step(self, kind, *data):
        fn, groups = self._get_step(kind)
        state = tuple([[v._value for v in g] for g in groups])  # get_values of each group
        out = fn(state, *data)
        if kind == "predict":
            out, new = out
            for v, x in zip(groups[1], new):
                v._value = x
            return out
        for g, values in zip(groups, out):
            for v, x in zip(g, values):
                v._value = x
        if multiprocess.active() is not None:  # the processes' metrics and statistics, combined
            multiprocess.sync_step_state(groups[-1], state[-1], groups[1] if kind == "train" else ())
        return None

    # ------------------------------------------------- steps through the hooks
    def _uses_hooks(self, kind):
        """Whether ``kind``'s step must go through the overridable hooks: a hook is
        overridden, ``metrics`` is, or the model tracks metrics of its own."""
        cls = type(self)
        if any(getattr(cls, h) is not getattr(Trainer, h) for h in _HOOKS[kind]):
            return True
        if kind == "predict":
            return False
        if cls.metrics is not Trainer.metrics:
            return True
        return any(layer.__dict__.get("_metrics") for layer in self._flatten_layers())

    def _hook_runner(self, kind):
        key = "hooks:" + kind
        if key not in self._steps:
            self._steps[key] = self._make_hook_runner(kind)
        return self._steps[key]

    def _make_hook_runner(self, kind):
        """``run(data) -> logs`` (train/test) or ``outputs`` (predict) calling the
        model's ``<kind>_step``. Stateful form: eager on NumPy/PyTorch; on JAX one
        ``jax.jit`` with every variable's value bound in and read back (the state the
        step creates on first use is found first by one abstract trace; buffers are
        not donated). Stateless form (``step(state, data)``): the state groups in,
        new ones out, jitted on JAX."""
        import inspect
        b = config.active()
        user = getattr(self, f"{kind}_step")
        n_params = len([p for p in inspect.signature(user).parameters.values()
                        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
        compiled = b.name == "jax" and not getattr(self, "run_eagerly", False) and \
            getattr(self, "jit_compile", "auto") is not False and not self._has_host_layers()
        if n_params >= 2:
            return self._make_stateless_runner(kind, user, b, compiled)

        def eager(data):
            self._clear_call_losses()
            try:
                return self._check_logs(kind, self._call_user_step(user, data, b))
            finally:
                self._clear_call_losses()
                if getattr(b, "_grad_leaves", False):
                    b._unmark_grad_leaves(self.trainable_variables)

        if not compiled:
            return eager
        holder = {}

        def make_pure(variables):
            def pure(values, data):
                with bind_values(variables, values):
                    out = eager(data)
                    return out, get_values(variables)
            return pure

        def run(data):
            fn = holder.get("fn")
            if fn is None:
                # First call: one abstract trace creates the state the step makes on
                # first use (optimizer slots, metric variables) with concrete initial
                # values; everything it assigned is undone. Then one jit over it all.
                from .stateless_scope import StatelessScope
                variables = self._hook_state_variables(kind)
                with StatelessScope():
                    b._discover(make_pure(variables), get_values(variables), data)
                holder["vars"] = variables = self._hook_state_variables(kind)
                placement.prepare(self)  # a distributed model's variables onto the mesh
                holder["fn"] = fn = b.jit(make_pure(variables))
            variables = holder["vars"]
            out, new = fn(get_values(variables), data)
            for v, x in zip(variables, new):
                v._value = x
            return out

        return run

    def _call_user_step(self, user, data, b):
        try:
            return user(data)
        except AttributeError as e:
            text = str(e)
            if b.name != "torch" and re.search(r"attribute '?(backward|grad)\b", text):
                raise AttributeError(_torch_idiom_message(b.name) + f" ({e})") from e
            raise
        except RuntimeError as e:
            if b.name == "torch" and "does not require grad" in str(e):
                raise RuntimeError(f"{e}. In a train_step using `loss.backward()`, call "
                                   "`self.zero_grad()` first: it makes the trainable variables "
                                   "leaf tensors that collect `.grad`.") from e
            raise

    def _optimizers(self):
        """``self.optimizer`` and every other optimizer the model holds as an attribute
        (a GAN's two), in a fixed order."""
        from .optimizers.base import Optimizer
        out = []
        candidates = [self.optimizer] + list(self.__dict__.values())
        for value in candidates:
            items = value if isinstance(value, (list, tuple)) else [value]
            for o in items:
                if isinstance(o, Optimizer) and all(o is not p for p in out):
                    out.append(o)
        return out

    def _hook_state_variables(self, kind):
        """Everything a ``kind`` step may change: the model's variables, (train) the
        optimizers' and the metrics' state; each variable once."""
        groups = [self.variables]
        if kind != "predict":
            groups.append(self.metrics_variables)
        if kind == "train":
            groups.extend(o.variables for o in self._optimizers())
        return distinct(itertools.chain(*groups))

    def _stateless_groups(self, kind):
        groups = [self.trainable_variables, self.non_trainable_variables]
        if kind == "train":
            groups.append(self.optimizer.variables)
        if kind != "predict":
            groups.append(self.metrics_variables)
        return groups

    def _make_stateless_runner(self, kind, user, b, compiled):
        fn = b.jit(user) if compiled else user
        what = {"train": "(trainable_variables, non_trainable_variables, optimizer_variables, "
                         "metrics_variables)",
                "test": "(trainable_variables, non_trainable_variables, metrics_variables)",
                "predict": "(trainable_variables, non_trainable_variables)"}[kind]

        def run(data):
            groups = self._stateless_groups(kind)
            state = tuple(get_values(g) for g in groups)
            out = fn(state, data)
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise ValueError(f"The stateless {kind}_step(state, data) of model '{self.name}' "
                                 f"must return a pair; got {type(out).__name__}.")
            result, new_state = out
            self._check_logs(kind, result)
            if kind == "predict":
                new_groups = [groups[1]]
                new_state = [new_state]
            else:
                new_groups = groups
                if not isinstance(new_state, (tuple, list)) or len(new_state) != len(groups):
                    raise ValueError(f"The stateless {kind}_step(state, data) of model "
                                     f"'{self.name}' must return (logs, state) with state = "
                                     f"{what}.")
            for g, values in zip(new_groups, new_state):
                if len(values) != len(g):
                    raise ValueError(f"The stateless {kind}_step of model '{self.name}' returned "
                                     f"{len(values)} values for a group of {len(g)} variables; "
                                     f"state is {what}.")
                for v, x in zip(g, values):
                    v._value = x
            return result

        return run

    def _run_hooks(self, kind, bx, by=None, bsw=None):
        """One step through the hooks."""
        if kind == "predict" or multiprocess.active() is None:
            return self._hook_runner(kind)(pack_x_y_sample_weight(bx, by, bsw))
        before = {id(v): v._value for v in self.metrics_variables}
        logs = self._hook_runner(kind)(pack_x_y_sample_weight(bx, by, bsw))
        metric_vars = self.metrics_variables  # metrics built by the step started from zeros
        old = [before.get(id(v), ops.zeros_like(v._value)) for v in metric_vars]
        multiprocess.sync_step_state(metric_vars, old,
                                     self.non_trainable_variables if kind == "train" else ())
        return logs

    def _check_logs(self, kind, out):
        """Train/test logs must be a dict."""
        if kind != "predict" and not isinstance(out, dict):
            raise TypeError(f"Model '{self.name}': {kind}_step must return a dict of logs "
                            f"(e.g. {{'loss': loss}} or self.get_metrics_result()); it returned "
                            f"{type(out).__name__}.")
        return out

    def _prepare_hooks(self, x, y, kind):
        """Before the first step through the hooks: build the model when it can be called
        on ``x``; a stateless step also needs the optimizer and the compiled metrics."""
        import inspect
        user = getattr(self, f"{kind}_step")
        stateless = len([p for p in inspect.signature(user).parameters.values()
                         if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]) >= 2
        if stateless or not self.built or not self._layers_built():
            try:
                self._prepare_first_batch(x, y, build_optimizer=stateless)
            except (NotImplementedError, TypeError, ValueError):
                # a model without ``call`` (a GAN's), or whose step feeds it other data:
                # the stateful step builds what it uses on its first run
                if stateless:
                    raise
        elif stateless and self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)

    def _logs_or_metrics(self, logs):
        """Keras's epoch logs: the metrics' results when the step's logs have the same
        names, else the last step's logs; as Python floats."""
        try:
            metric_logs = self.get_metrics_result()
        except Exception:  # noqa: BLE001 - a metric never updated (built lazily)
            metric_logs = None
        if isinstance(logs, dict) and metric_logs is not None and set(logs) == set(metric_logs):
            logs = metric_logs
        return _pythonify(logs)

    # ------------------------------------------------------ data to engine
    def _to_engine(self, nest):
        if nest is None:
            return None
        b = config._active or config.active()
        if type(nest) is np.ndarray and nest.dtype.kind not in "USO":  # the common case
            return b.convert(nest)
        return map_structure(lambda a: a if a is None or self._keeps_on_host(a) or b.is_array(a)
                             else b.convert(a), nest)

    def _has_host_layers(self):
        return any(getattr(layer, "_runs_on_host", False) for layer in self._flatten_layers())

    def _keeps_on_host(self, a):
        """Whether ``a`` is a string array, which stays on the host for a model with
        host-side layers (StringLookup, TextVectorization); for any other model it is
        an error, raised before the first step."""
        if not _is_host_strings(a):
            return False
        if not self._has_host_layers():
            raise ValueError(f"The model's inputs must be numeric; got an array of dtype {a.dtype} "
                             f"with shape {a.shape}. Strings need a StringLookup or "
                             f"TextVectorization layer at the start of the model.")
        return True

    def _feeder(self):
        """How host batches reach the compiled steps: as engine arrays, except that a
        jitted JAX step takes NumPy arrays as they are (``jax.jit`` moves them in C++,
        far cheaper than converting each array first). Under a distribution, split
        over the mesh's batch axis (``placement.feeder``)."""
        return placement.feeder(self, self._plain_feeder())

    def _plain_feeder(self):
        b = config.active()
        if b.name != "jax" or getattr(self, "run_eagerly", False) or \
                getattr(self, "jit_compile", "auto") is False:
            return self._to_engine

        def leaf(a):
            if a is None or b.is_array(a) or (type(a) is np.ndarray and a.dtype.kind not in "USO"):
                return a
            return a if self._keeps_on_host(a) else b.convert(a)

        return lambda nest: nest if type(nest) is np.ndarray and nest.dtype.kind not in "USO" \
            else map_structure(leaf, nest)

    def _prepare_first_batch(self, x, y, build_optimizer=True):
        """Build the model and the metrics on the first batch (shapes known only now)."""
        if not build_optimizer and (not self.built or not self._layers_built()) and \
                self.compiled and self._compiled.metrics is not None:
            self(x, training=False)
            self._clear_call_losses()
        if self.compiled and self._compiled.metrics is None:
            y_pred = self(x, training=False)
            self._clear_call_losses()
            preds = flat_outputs(y_pred)
            names = self._compiled.output_names
            if self._compiled.unnamed_outputs and len(preds) != len(names):
                raise ValueError(f"Model '{self.name}' returns {len(preds)} outputs, but compile() was given "
                                 f"{len(names)} losses (one per output).")
            ys = match_targets(y, names)
            self._compiled.build_metrics(ys, preds)
        if build_optimizer and self.optimizer is not None and \
                not getattr(self.optimizer, "built", False):
            self.optimizer.build(self.trainable_variables)

    # --------------------------------------------------------------- fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train the model for ``epochs`` epochs; returns a ``History``.

        ``x``/``y``: NumPy arrays (or lists/dicts of them for several inputs or
        outputs), or a generator / ``PyDataset`` / iterable yielding batches.
        """
        self._require_compiled("fit")
        if validation_split and validation_data is None:
            if not _is_arrays(x):
                raise ValueError("`validation_split` is only supported for array inputs; "
                                 "pass `validation_data` instead.")
            x, y, sample_weight = (normalize_arrays(x, "x"), normalize_arrays(y, "y"),
                                   normalize_arrays(sample_weight, "sample_weight"))
            (x, y, sample_weight), validation_data = split_validation(x, y, sample_weight, validation_split)
        check_count(validation_batch_size, "validation_batch_size")
        source = multiprocess.shard_source(make_source(
            x, y, sample_weight, batch_size, shuffle, steps_per_epoch, class_weight=class_weight,
            steps_name="steps_per_epoch"))
        if config.max_epochs() is not None:
            epochs = min(epochs, config.max_epochs())
        val_source = None
        if validation_data is not None:
            vx, vy, vsw = _unpack_validation(validation_data)
            val_source = multiprocess.shard_source(make_source(
                vx, vy, vsw, validation_batch_size or batch_size or 32, False, validation_steps,
                steps_name="validation_steps"))
        verbose = 1 if verbose == "auto" else verbose
        cbs = callbacks_mod.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                         model=self, verbose=verbose, epochs=epochs,
                                         steps=source.num_batches if source.steps is None else source.steps)
        self.stop_training = False
        cbs.on_train_begin()
        # a callback (BackupAndRestore) may have restored a later starting point: an epoch,
        # and the batches of it already trained (their metric values restored too)
        initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch
        initial_step = getattr(self, "_initial_step", None) or 0
        self._initial_epoch = self._initial_step = None
        # data-parallel: rank 0's starting point and shuffle state for every process
        initial_epoch, initial_step = multiprocess.agree_on_start(initial_epoch, initial_step)
        logs = {}
        feed = self._feeder()
        hooks = self._uses_hooks("train")
        prepared = False
        for epoch in range(initial_epoch, epochs):
            skip = initial_step if epoch == initial_epoch else 0
            if skip:
                pass  # resumed mid-epoch: the restored running metric values go on
            elif hooks:
                self.reset_metrics()
            else:
                self._compiled.reset()
            cbs.on_epoch_begin(epoch)
            step = -1
            step_logs = None
            for step, (bx, by, bsw) in enumerate(source.epoch()):
                if step < skip:
                    continue  # trained before the interruption; drawn to replay the shuffle
                if not prepared:  # build what the first batch's shapes decide (metrics...)
                    if hooks:
                        self._prepare_hooks(self._to_engine(bx), self._to_engine(by), "train")
                    else:
                        self._prepare_first_batch(self._to_engine(bx), self._to_engine(by))
                    multiprocess.sync_model(self)
                    prepared = True
                cbs.on_train_batch_begin(step)
                if hooks:
                    step_logs = self._run_hooks("train", feed(bx), feed(by), feed(bsw))
                    cbs.on_train_batch_end(step, _StepLogs(step_logs))
                else:
                    self._run_step("train", feed(bx), feed(by), feed(bsw))
                    cbs.on_train_batch_end(step, _LazyLogs(self._compiled))
                if self.stop_training:
                    break
            if step < 0:
                if epoch > initial_epoch:
                    _warn_ran_out()
                    break
                raise ValueError("The training data produced no batch: it is empty.")
            logs = self._logs_or_metrics(step_logs) if hooks else self._compiled.results()
            if val_source is not None and _due(epoch, validation_freq):
                val_logs = self._evaluate_source(val_source, cbs, in_fit=True)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
            if source.steps is not None and getattr(source, "exhausted", False) and epoch + 1 < epochs:
                _warn_ran_out()
                break
        if epochs > initial_epoch and getattr(self.optimizer, "use_ema", False) and self.optimizer.built:
            self.optimizer.finalize_variable_values(self.trainable_variables)  # as Keras: end on the EMA
        cbs.on_train_end(logs)
        return self.history

    # ------------------------------------------------------------ evaluate
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics on the data: a float (no metrics), ``[loss, *metrics]``, or a dict."""
        self._require_compiled("evaluate")
        source = multiprocess.shard_source(make_source(x, y, sample_weight, batch_size, False, steps))
        verbose = 1 if verbose == "auto" else verbose
        cbs = callbacks_mod.CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                         verbose=verbose, steps=source.steps)
        logs = self._evaluate_source(source, cbs, in_fit=False)
        if return_dict:
            return logs
        values = self._ordered_values(logs)
        return values[0] if len(values) == 1 else values

    def _ordered_values(self, logs):
        """``evaluate``'s list: the logs' values in their order (``get_metrics_result``'s,
        that of the built-in logs, or the order a custom step gave)."""
        return list(logs.values())

    def _evaluate_source(self, source, cbs, in_fit):
        c = self._compiled
        hooks = self._uses_hooks("test")
        tracked = self.metrics_variables if hooks else c.variables
        saved = [v._value for v in tracked] if in_fit else None
        if hooks:
            self.reset_metrics()
        else:
            c.reset()
        cbs.on_test_begin()
        any_batch = False
        feed = self._feeder()
        step_logs = None
        for step, (bx, by, bsw) in enumerate(source.epoch()):
            cbs.on_test_batch_begin(step)
            if hooks:
                if not any_batch:
                    self._prepare_hooks(self._to_engine(bx), self._to_engine(by), "test")
                    if not in_fit:
                        multiprocess.sync_model(self)
                any_batch = True
                step_logs = self._run_hooks("test", feed(bx), feed(by), feed(bsw))
                cbs.on_test_batch_end(step, _StepLogs(step_logs))
                continue
            if not any_batch:
                self._prepare_first_batch(self._to_engine(bx), self._to_engine(by))
                if not in_fit:
                    multiprocess.sync_model(self)
            any_batch = True
            self._run_step("test", feed(bx), feed(by), feed(bsw))
            cbs.on_test_batch_end(step, _LazyLogs(c))
        if not any_batch:
            raise ValueError("The evaluation data produced no batch: it is empty.")
        logs = self._logs_or_metrics(step_logs) if hooks else c.results()
        cbs.on_test_end(logs)
        if saved is not None:
            for v, x in zip(tracked, saved):
                v._value = x
        return logs

    # ------------------------------------------------------------- predict
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for ``x`` in batches, as NumPy (a list or dict for several outputs)."""
        source = make_source(x, None, None, batch_size, False, steps)
        verbose = 1 if verbose == "auto" else verbose
        cbs = callbacks_mod.CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                         verbose=verbose, steps=source.steps)
        cbs.on_predict_begin()
        chunks = []
        b = config.active()
        feed = self._feeder()
        hooks = self._uses_hooks("predict")
        for step, (bx, _, _) in enumerate(source.epoch()):
            if hooks:
                if step == 0:
                    self._prepare_hooks(self._to_engine(bx), None, "predict")
                cbs.on_predict_batch_begin(step)
                out = self._run_hooks("predict", feed(bx))
                chunks.append(map_structure(lambda t: np.asarray(b.to_numpy(t)), out))
                cbs.on_predict_batch_end(step, {"outputs": out})
                continue
            if not self.built or self._needs_first_call():
                self(self._to_engine(bx), training=False)
                self._clear_call_losses()
            if step == 0:
                multiprocess.sync_model(self)
            cbs.on_predict_batch_begin(step)
            out = self._run_step("predict", feed(bx))
            chunks.append(map_structure(lambda t: np.asarray(b.to_numpy(t)), out))
            cbs.on_predict_batch_end(step, {"outputs": out})
        cbs.on_predict_end()
        if not chunks:
            raise ValueError("The data given to predict() produced no batch: it is empty.")
        return _concat_structures(chunks)

    def _needs_first_call(self):
        return getattr(self, "_graph", None) is None and not self.weights and not self._layers_built()

    def _layers_built(self):
        return all(l.built for l in self._flatten_layers(include_self=False))

    # ------------------------------------------------------------ on_batch
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient step on one batch; returns the running logs like ``evaluate``."""
        self._require_compiled("train_on_batch")
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("Arguments `sample_weight` and `class_weight` cannot be "
                                 "specified at the same time.")
            sample_weight = class_weight_to_sample_weights(normalize_arrays(y, "y"), class_weight)
        bx, by, bsw = (self._to_engine(normalize_arrays(a, n)) for a, n in
                       ((x, "x"), (y, "y"), (sample_weight, "sample_weight")))
        if self._uses_hooks("train"):
            self._prepare_hooks(bx, by, "train")
            self.reset_metrics()
            return self._hook_result(self._run_hooks("train", bx, by, bsw), return_dict)
        self._prepare_first_batch(bx, by)
        self._compiled.reset()
        self._run_step("train", bx, by, bsw)
        return self._batch_result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss and metrics on one batch."""
        self._require_compiled("test_on_batch")
        bx, by, bsw = (self._to_engine(normalize_arrays(a, n)) for a, n in
                       ((x, "x"), (y, "y"), (sample_weight, "sample_weight")))
        if self._uses_hooks("test"):
            self._prepare_hooks(bx, by, "test")
            self.reset_metrics()
            return self._hook_result(self._run_hooks("test", bx, by, bsw), return_dict)
        self._prepare_first_batch(bx, by)
        self._compiled.reset()
        self._run_step("test", bx, by, bsw)
        return self._batch_result(return_dict)

    def predict_on_batch(self, x):
        """Outputs for one batch, as NumPy."""
        b = config.active()
        bx = self._to_engine(normalize_arrays(x, "x"))
        if self._uses_hooks("predict"):
            self._prepare_hooks(bx, None, "predict")
            out = self._run_hooks("predict", bx)
            return map_structure(lambda t: np.asarray(b.to_numpy(t)), out)
        if not self.built or self._needs_first_call():
            self(bx, training=False)
        out = self._run_step("predict", bx)
        return map_structure(lambda t: np.asarray(b.to_numpy(t)), out)

    def _hook_result(self, logs, return_dict):
        logs = self._logs_or_metrics(logs)
        if return_dict:
            return logs
        values = self._ordered_values(logs)
        return values[0] if len(values) == 1 else values

    def _batch_result(self, return_dict):
        logs = self._compiled.results()
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values


class _LazyLogs(dict):
    """Batch logs whose values are read from the device only when asked for."""

    def __init__(self, compiled):
        super().__init__()
        self._compiled = compiled
        self._filled = False

    def _fill(self):
        if not self._filled:
            self._filled = True
            super().update(self._compiled.results())

    def __getitem__(self, k):
        self._fill()
        return super().__getitem__(k)

    def get(self, k, default=None):
        self._fill()
        return super().get(k, default)

    def items(self):
        self._fill()
        return super().items()

    def keys(self):
        self._fill()
        return super().keys()

    def values(self):
        self._fill()
        return super().values()

    def __iter__(self):
        self._fill()
        return super().__iter__()

    def __len__(self):
        self._fill()
        return super().__len__()

    def __contains__(self, k):
        self._fill()
        return super().__contains__(k)

    def copy(self):
        self._fill()
        return dict(self)


class _StepLogs(_LazyLogs):
    """The logs a ``train_step``/``test_step`` returned, read as floats when asked for."""

    def __init__(self, logs):
        dict.__init__(self)
        self._raw = logs
        self._filled = False

    def _fill(self):
        if not self._filled:
            self._filled = True
            dict.update(self, _pythonify(self._raw))


def _pythonify(logs):
    """Logs as Python floats where a value converts (nested dicts flattened), as Keras."""
    out = {}
    for k, v in (logs or {}).items():
        if isinstance(v, dict):
            out.update(_pythonify(v))
            continue
        try:
            if not isinstance(v, (int, float)):
                v = ops.convert_to_numpy(v)
            v = float(v)
        except (TypeError, ValueError):
            pass
        out[k] = v
    return out


def _batch_size(x):
    shape = ops.shape(x)
    return shape[0] if len(shape) else 1


def _check_counts(model, what, variables, values):
    if len(values) != len(variables):
        raise ValueError(f"Argument `{what}` of model '{model.name}' must be a list of tensors "
                         f"corresponding 1:1 to {type(model).__name__}().{what}. Received list "
                         f"with length {len(values)}, but expected {len(variables)} variables.")


def _torch_idiom_message(engine):
    return (f"`self.zero_grad()`, `loss.backward()` and `variable.value.grad` are PyTorch's idiom "
            f"and need the torch engine; on the {engine} engine arrays carry no `.grad`. Write "
            "the step engine-neutrally: `loss, grads = kerasette.ops.value_and_grad(loss_fn)"
            "(trainable_values)` with `self.stateless_call(...)` in `loss_fn`, then "
            "`self.optimizer.apply(grads, self.trainable_variables)`.")


def _spread_weights(sw, c):
    if isinstance(sw, dict):
        return [sw.get(n) for n in c.output_names]
    if isinstance(sw, list) and not c.single:
        return sw
    return [sw] * len(c.output_names)


_WARNED = set()


def _is_host_strings(a):
    """NumPy string (or object) arrays stay on the host for the preprocessing layers."""
    return isinstance(a, np.ndarray) and a.dtype.kind in "USO"


def _warn_once(message):
    if message not in _WARNED:
        _WARNED.add(message)
        warnings.warn(message, RuntimeWarning, stacklevel=4)


def _accepts_compile(b):
    import inspect
    return "compile" in inspect.signature(b.jit).parameters


def _is_arrays(x):
    return isinstance(x, (np.ndarray, list, tuple, dict)) or hasattr(x, "shape")


def _unpack_validation(data):
    if isinstance(data, tuple) and len(data) in (2, 3):
        return unpack(data)
    if isinstance(data, list) and len(data) in (2, 3):
        warnings.warn("`validation_data` should be a tuple (x_val, y_val); got a list.", stacklevel=3)
        return unpack(tuple(data))
    return data, None, None


def _due(epoch, freq):
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return (epoch + 1) in freq


def _warn_ran_out():
    warnings.warn("Your input ran out of data; interrupting training. Make sure that your "
                  "dataset or generator can generate at least `steps_per_epoch * epochs` "
                  "batches.", stacklevel=3)


def _concat_structures(chunks):
    first = chunks[0]
    if isinstance(first, dict):
        return {k: np.concatenate([c[k] for c in chunks]) for k in first}
    if isinstance(first, (list, tuple)):
        return [np.concatenate([c[i] for c in chunks]) for i in range(len(first))]
    return np.concatenate(chunks)
