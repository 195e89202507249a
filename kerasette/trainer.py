"""The training loop: ``compile``, ``fit``, ``evaluate``, ``predict`` and the pure steps.

The train step is one pure function of explicit values::

    (trainable, non_trainable, optimizer_vars, metric_vars, x, y, sample_weight)
        -> (trainable, non_trainable, optimizer_vars, metric_vars)

Inside it, values are bound into the model's ``Variable``s (``bind_values``) so
layer, optimizer and metric code reads and assigns them as usual; the new
values are read back before the binding ends. The engine's ``jit`` compiles it
(``jax.jit`` with donated buffers); after each step the host stores the new
values in the variables, and reads numbers back (``float``) only when the
progress bar refreshes or an epoch ends.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import callbacks as callbacks_mod
from . import config, ops
from .compile_utils import CompiledLossAndMetrics, flat_outputs, match_targets
from .data import (class_weight_to_sample_weights, make_source, normalize_arrays,
                   split_validation, unpack)
from .layers.layer import clear_call_losses, collect_losses
from .layers.symbolic import map_structure
from .variables import bind_values, get_values


class Trainer:
    """Mixin giving ``Model`` its training API (Keras 3's signatures)."""

    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self._steps = {}

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
            jit_compile: ``'auto'`` compiles where the engine compiles (JAX); ``True``
                also asks PyTorch for ``torch.compile``; ``False`` never.
        """
        from . import optimizers
        self.optimizer = optimizers.get(optimizer)
        names = self._output_names_for_compile()
        self._compile_args = (loss, loss_weights, metrics, weighted_metrics)
        self._compiled = CompiledLossAndMetrics(loss, loss_weights, metrics, weighted_metrics, names)
        self.loss = loss
        self.run_eagerly = bool(run_eagerly)
        self.jit_compile = jit_compile
        self.compiled = True
        self._steps = {}

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
        """The compiled loss trackers and metrics (after the first batch)."""
        return self._compiled.all_metrics if self.compiled else []

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
        preds = flat_outputs(y_pred)
        c = self._compiled
        ys = match_targets(y, c.output_names)
        sws = sw if isinstance(sw, list) and not c.single else [sw] * len(preds)
        if isinstance(sw, dict):
            sws = [sw.get(n) for n in c.output_names]
        total, parts = c.compute_loss(ys, preds, sws)
        extra = collect_losses(layers)
        clear_call_losses(layers)
        if extra:
            reg = extra[0]
            for r in extra[1:]:
                reg = ops.add(reg, r)
            total = reg if total is None else ops.add(total, reg)
        if total is None:
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

        def loss_fn(params, nt_values, x, y, sw):
            with bind_values(trainable, params), bind_values(non_trainable, nt_values):
                total, parts, ys, preds, sws = self._forward_loss(x, y, sw, True, layers)
                new_nt = get_values(non_trainable)
            return total, (parts, preds, new_nt)

        grad_fn = b.value_and_grad(loss_fn)

        def step(state, x, y, sw):
            t_vals, nt_vals, o_vals, m_vals = state
            (total, (parts, preds, new_nt)), grads = grad_fn(t_vals, nt_vals, x, y, sw)
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

        return self._compile_step(step), (trainable, non_trainable, opt_vars, metric_vars)

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

        return self._compile_step(step, donate=False), (model_vars, metric_vars)

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

        return self._compile_step(step, donate=False), (model_vars, carried)

    def _compile_step(self, step, donate=True):
        b = config.active()
        if getattr(self, "run_eagerly", False) or getattr(self, "jit_compile", "auto") is False:
            return step
        if self._has_host_layers():
            return step  # lookups and text processing run on the host: nothing to compile
        if b.name == "jax":
            return b.jit(step, donate_argnums=(0,) if donate else ())
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
            self._steps[kind] = maker()
        return self._steps[kind]

    def _run_step(self, kind, *data):
        fn, groups = self._get_step(kind)
        state = tuple(get_values(g) for g in groups)
        out = fn(state, *data)
        if kind == "predict":
            out, new = out
            for v, x in zip(groups[1], new):
                v._value = x
            return out
        for g, values in zip(groups, out):
            for v, x in zip(g, values):
                v._value = x
        return None

    # ------------------------------------------------------ data to engine
    def _to_engine(self, nest):
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
        far cheaper than converting each array first)."""
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

    def _prepare_first_batch(self, x, y):
        """Build the model and the metrics on the first batch (shapes known only now)."""
        if self.compiled and self._compiled.metrics is None:
            y_pred = self(x, training=False)
            self._clear_call_losses()
            preds = flat_outputs(y_pred)
            ys = match_targets(y, self._compiled.output_names)
            self._compiled.build_metrics(ys, preds)
        if self.optimizer is not None and not getattr(self.optimizer, "built", False):
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
        source = make_source(x, y, sample_weight, batch_size, shuffle, steps_per_epoch,
                             class_weight=class_weight)
        val_source = None
        if validation_data is not None:
            vx, vy, vsw = _unpack_validation(validation_data)
            val_source = make_source(vx, vy, vsw, validation_batch_size or batch_size or 32, False,
                                     validation_steps)
        verbose = 1 if verbose == "auto" else verbose
        cbs = callbacks_mod.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                         model=self, verbose=verbose, epochs=epochs,
                                         steps=source.num_batches if source.steps is None else source.steps)
        self.stop_training = False
        cbs.on_train_begin()
        # a callback (BackupAndRestore) may have restored a later starting epoch
        initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch
        self._initial_epoch = None
        logs = {}
        feed = self._feeder()
        for epoch in range(initial_epoch, epochs):
            self._compiled.reset()
            cbs.on_epoch_begin(epoch)
            step = -1
            for step, (bx, by, bsw) in enumerate(source.epoch()):
                cbs.on_train_batch_begin(step)
                if step == 0 and epoch == initial_epoch:
                    self._prepare_first_batch(self._to_engine(bx), self._to_engine(by))
                self._run_step("train", feed(bx), feed(by), feed(bsw))
                cbs.on_train_batch_end(step, _LazyLogs(self._compiled))
                if self.stop_training:
                    break
            if step < 0:
                if epoch > initial_epoch:
                    _warn_ran_out()
                    break
                raise ValueError("The training data produced no batch: it is empty.")
            logs = self._compiled.results()
            if val_source is not None and _due(epoch, validation_freq):
                val_logs = self._evaluate_source(val_source, cbs, in_fit=True)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
            if source.steps is not None and getattr(source, "exhausted", False) and epoch + 1 < epochs:
                _warn_ran_out()
                break
        cbs.on_train_end(logs)
        return self.history

    # ------------------------------------------------------------ evaluate
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics on the data: a float (no metrics), ``[loss, *metrics]``, or a dict."""
        self._require_compiled("evaluate")
        source = make_source(x, y, sample_weight, batch_size, False, steps)
        verbose = 1 if verbose == "auto" else verbose
        cbs = callbacks_mod.CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                         verbose=verbose, steps=source.steps)
        logs = self._evaluate_source(source, cbs, in_fit=False)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def _evaluate_source(self, source, cbs, in_fit):
        c = self._compiled
        saved = [v._value for v in c.variables] if in_fit else None
        c.reset()
        (cbs.on_test_begin if not in_fit else (lambda: None))()
        any_batch = False
        feed = self._feeder()
        for step, (bx, by, bsw) in enumerate(source.epoch()):
            if not any_batch:
                self._prepare_first_batch(self._to_engine(bx), self._to_engine(by))
            any_batch = True
            if not in_fit:
                cbs.on_test_batch_begin(step)
            self._run_step("test", feed(bx), feed(by), feed(bsw))
            if not in_fit:
                cbs.on_test_batch_end(step, _LazyLogs(c))
        if not any_batch:
            raise ValueError("The evaluation data produced no batch: it is empty.")
        logs = c.results()
        if not in_fit:
            cbs.on_test_end(logs)
        if saved is not None:
            for v, x in zip(c.variables, saved):
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
        for step, (bx, _, _) in enumerate(source.epoch()):
            if not self.built or self._needs_first_call():
                self(self._to_engine(bx), training=False)
                self._clear_call_losses()
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
        self._prepare_first_batch(bx, by)
        self._compiled.reset()
        self._run_step("train", bx, by, bsw)
        return self._batch_result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss and metrics on one batch."""
        self._require_compiled("test_on_batch")
        bx, by, bsw = (self._to_engine(normalize_arrays(a, n)) for a, n in
                       ((x, "x"), (y, "y"), (sample_weight, "sample_weight")))
        self._prepare_first_batch(bx, by)
        self._compiled.reset()
        self._run_step("test", bx, by, bsw)
        return self._batch_result(return_dict)

    def predict_on_batch(self, x):
        """Outputs for one batch, as NumPy."""
        b = config.active()
        bx = self._to_engine(normalize_arrays(x, "x"))
        if not self.built or self._needs_first_call():
            self(bx, training=False)
        out = self._run_step("predict", bx)
        return map_structure(lambda t: np.asarray(b.to_numpy(t)), out)

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
