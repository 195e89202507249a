"""The ``Layer`` base: weights, lazy building, eager and symbolic calls.

``__call__`` builds the layer from the first input's shape, checks the input
against ``input_spec``, routes ``training``/``mask`` to ``call`` when it takes
them, and, given ``KerasTensor``s, records a ``Node`` instead of computing.
"""
from __future__ import annotations

import collections
import inspect
import itertools
import threading
import warnings

from .. import config, dtype_policies
from ..backends.base import standardize_dtype
from ..distribution import placement
from ..random import SeedGenerator
from ..variables import _FLOATS
from ..variables import AUTOCAST as _AUTOCAST
from ..variables import Variable, distinct
from .layer_api import LayerAPI
from .symbolic import KerasTensor, Node, any_symbolic, flatten, map_structure

_name_counts = collections.defaultdict(int)
_ENGINE_TYPES = {}  # adapter -> its array types, learned on first calls (never KerasTensor)
_FLAG_TYPES = frozenset({bool, type(None)})
_context = threading.local()
_warned_input_shape = []
_LOSSES_ADDED = [False]  # some layer has called add_loss (then top-level model calls clear)


def unique_name(base):
    """``base``, then ``base_1``, ``base_2``… within this session."""
    n = _name_counts[base]
    _name_counts[base] += 1
    return base if n == 0 else f"{base}_{n}"


def clear_session(free_memory=True):
    """Reset layer-name counters, ``get_uid`` and the global dtype policy (as
    ``keras.backend.clear_session``); ``free_memory`` also runs Python's garbage collector."""
    _name_counts.clear()
    config._policy[0] = None
    from ..utils.graph_utils import reset_uids
    reset_uids()
    if free_memory:
        import gc
        gc.collect()


def to_snake_case(name):
    """``'Conv2D'`` -> ``'conv2d'``, ``'MaxPooling2D'`` -> ``'max_pooling2d'`` (Keras's rule)."""
    from ..utils.registry import snake_case
    return snake_case(name)


def current_training():
    """The ``training`` flag of the outermost layer call in progress, or None."""
    return getattr(_context, "training", None)


class InputSpec:
    """Constraints on a layer's input: ``ndim``/``min_ndim``/``max_ndim``,
    ``axes`` ({axis: size}), ``shape`` (None entries free)."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.name = name

    def check(self, shape, layer_name):
        """Raise ValueError naming the layer when ``shape`` breaks the spec."""
        nd = len(shape)
        expect = None
        if self.ndim is not None and nd != self.ndim:
            expect = f"ndim={self.ndim}"
        elif self.min_ndim is not None and nd < self.min_ndim:
            expect = f"min_ndim={self.min_ndim}"
        elif self.max_ndim is not None and nd > self.max_ndim:
            expect = f"max_ndim={self.max_ndim}"
        if expect:
            raise ValueError(f"Input 0 of layer '{layer_name}' is incompatible with the layer: "
                             f"expected {expect}, found ndim={nd}. Full shape received: {tuple(shape)}")
        for axis, size in self.axes.items():
            got = shape[axis] if -nd <= axis < nd else None
            if size is not None and got is not None and got != size:
                raise ValueError(f"Input 0 of layer '{layer_name}' is incompatible with the layer: "
                                 f"expected axis {axis} of the input shape to have value {size}, "
                                 f"but received input with shape {tuple(shape)}")
        if self.shape is not None:
            for want, got in zip(self.shape, shape):
                if want is not None and got is not None and want != got:
                    raise ValueError(f"Input 0 of layer '{layer_name}' is incompatible with the layer: "
                                     f"expected shape={self.shape}, found shape={tuple(shape)}")


class Layer(LayerAPI):
    """Base class of every layer (and of ``Model``).

    Subclasses create weights in ``build(input_shape)`` with ``add_weight`` and
    compute in ``call(inputs, training=None, mask=None)`` using only
    ``kerasette.ops``.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: unique name; derived from the class name when omitted.
        dtype: a dtype name or a ``DTypePolicy`` (``"mixed_float16"``...): weights
            in its ``variable_dtype``, computations in its ``compute_dtype``
            (default: the global policy, ``config.dtype_policy()``).
        autocast: cast floating inputs to ``compute_dtype``, and read float
            weights in it inside ``call`` (Keras's autocasting).
        input_shape / batch_input_shape / input_dim: Keras 2-style shape hints;
            a ``Sequential`` uses them to build its first layer.
    """

    _convert_input_args = True  # models leave their inputs to their layers (as Keras)

    def __init__(self, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        d = self.__dict__
        d["_layers"] = []
        d["_trainable_variables"] = []
        d["_non_trainable_variables"] = []
        d["_seed_generators"] = []
        d["_state_variables"] = []  # threaded through the steps, not weights (RNN states)
        d["_regularized"] = []
        d["_constraints"] = []
        d["_call_losses"] = []
        d["_metrics"] = []  # Metric objects set as attributes (custom loss trackers)
        d["_inbound_nodes"] = []
        d["_trainable"] = bool(trainable)
        self.built = False
        self._backend = None
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        # the policy given (None: the global one -- followed while none is set, as floatx)
        self._dtype = dtype_policies.get(dtype) if dtype is not None else config._policy[0]
        self.autocast = bool(autocast)
        self.supports_masking = getattr(self, "supports_masking", False)
        self.input_spec = getattr(self, "input_spec", None)
        from .. import regularizers
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._batch_input_shape = _pop_input_shape(kwargs, type(self).__name__)
        kwargs.pop("weights", None)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unrecognized keyword arguments {sorted(kwargs)}")
        params = inspect.signature(self.call).parameters
        self._call_takes_training = "training" in params
        self._call_takes_mask = "mask" in params
        self._build_takes_shape = len(inspect.signature(self.build).parameters) > 0

    # ---------------------------------------------------------- tracking
    def __setattr__(self, name, value):
        if isinstance(value, Layer) and name not in ("_outer",):
            if value not in self._layers:
                self._layers.append(value)
                self._adopt(value)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Layer) for v in value):
            for v in value:
                if v not in self._layers:
                    self._layers.append(v)
                    self._adopt(v)
        elif isinstance(value, Variable):
            self._track_variable(value)
        elif isinstance(value, SeedGenerator):
            if value not in self._seed_generators:
                self._seed_generators.append(value)
        elif getattr(type(value), "_kerasette_metric", False):
            metrics = self.__dict__.setdefault("_metrics", [])
            if all(value is not m for m in metrics):
                metrics.append(value)
        object.__setattr__(self, name, value)

    def _track_variable(self, v):
        target = self._trainable_variables if v.trainable else self._non_trainable_variables
        if not any(v is w for w in self._trainable_variables + self._non_trainable_variables):
            target.append(v)

    @property
    def dtype_policy(self):
        """The layer's ``DTypePolicy``."""
        return self._dtype if self._dtype is not None else config.dtype_policy()

    @dtype_policy.setter
    def dtype_policy(self, value):
        self.__dict__["_dtype"] = dtype_policies.get(value)

    @property
    def dtype(self):
        """The dtype of the layer's weights (``dtype_policy.variable_dtype``, as Keras)."""
        p = self._dtype
        return p._variable_dtype if p is not None else config.floatx()

    @property
    def compute_dtype(self):
        """The dtype of the layer's computations (float16 under ``"mixed_float16"``)."""
        p = self._dtype
        return p._compute_dtype if p is not None else config.floatx()

    @property
    def variable_dtype(self):
        """The dtype of the layer's weights."""
        return self.dtype

    @property
    def input_dtype(self):
        """The dtype floating inputs are cast to (``compute_dtype``)."""
        return self.compute_dtype

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self.__dict__["_trainable"] = bool(value)
        for layer in self._layers:
            layer.trainable = value

    # ------------------------------------------------------------ weights
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None, autocast=True):
        """Create a weight ``Variable`` owned by this layer.

        ``initializer`` is a name, an initializer object or a callable
        ``(shape, dtype)``; the default is glorot_uniform for floats, zeros else.
        """
        from .. import constraints, initializers, regularizers
        shape = tuple(int(s) for s in (shape or ()))
        dtype = standardize_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.startswith(("float", "bfloat")) else "zeros"
        init = initializers.get(initializer)
        self._claim_backend()
        v = Variable(init, shape=shape, dtype=dtype, trainable=trainable, autocast=autocast,
                     name=name or "variable")
        v.path = f"{self.name}/{v.name}"
        placement.place_new(v)  # laid out on the mesh when a distribution is active
        self._track_variable(v)
        reg = regularizers.get(regularizer)
        if reg is not None:
            self._regularized.append((v, reg))
        con = constraints.get(constraint)
        if con is not None:
            self._constraints.append((v, con))
        return v

    def add_variable(self, *args, **kwargs):
        """Alias of ``add_weight`` (Keras 3 name)."""
        return self.add_weight(*args, **kwargs)

    def _claim_backend(self):
        b = config.active()
        if self._backend is None:
            self._backend = b
        elif self._backend is not b:
            raise RuntimeError(_engine_message(self, b))

    @property
    def weights(self):
        """Own weights (trainable first), then sub-layers', without duplicates."""
        return distinct(itertools.chain(self._trainable_variables, self._non_trainable_variables,
                                        *(layer.weights for layer in self._layers)))

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return distinct(itertools.chain(self._trainable_variables,
                                        *(layer.trainable_weights for layer in self._layers)))

    @property
    def non_trainable_weights(self):
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    trainable_variables = trainable_weights

    @property
    def variables(self):
        """Weights plus the state of seed generators and of stateful layers (everything
        the train step threads; only the weights are saved)."""
        return distinct(itertools.chain(self.weights, *(
            [g.state for g in layer._seed_generators] + layer._state_variables
            for layer in self._flatten_layers())))

    @property
    def non_trainable_variables(self):
        trainable = {id(w) for w in self.trainable_weights}
        return [v for v in self.variables if id(v) not in trainable]

    def _flatten_layers(self, include_self=True):
        """This layer and every nested layer, depth first, each once."""
        out, seen, stack = [], set(), [self] if include_self else list(reversed(self._layers))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._layers))
        return out

    def get_weights(self):
        """The weights as NumPy arrays, in ``weights`` order."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights):
        """Assign NumPy arrays to ``weights`` (same order, same shapes)."""
        params = self.weights
        if len(weights) != len(params):
            raise ValueError(f"Layer '{self.name}' expects {len(params)} weight arrays "
                             f"({[w.path for w in params]}), got {len(weights)}.")
        import numpy as np
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(w.shape) != v.shape:
                raise ValueError(f"Layer '{self.name}': weight {v.path!r} has shape {v.shape}, "
                                 f"but the array given has shape {tuple(w.shape)}.")
            v.assign(w.astype(v.dtype, copy=False) if v.dtype != "bfloat16" else w)

    def count_params(self):
        """Number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError(f"Layer '{self.name}' is not built yet; call it on data or build it first.")
        total = 0
        for w in self.weights:
            n = 1
            for d in w.shape:
                n *= d
            total += n
        return total

    # -------------------------------------------------------------- losses
    def add_loss(self, loss):
        """Add a scalar loss (e.g. an activity penalty) computed during ``call``.

        The losses of a model's previous call are forgotten when the model is
        called again from outside any model (Keras's rule), so ``model.losses``
        holds the last call's."""
        self._call_losses.append(loss)
        _LOSSES_ADDED[0] = True
        from ..stateless_scope import current_scope
        scope = current_scope()
        if scope is not None and scope.collect_losses:
            scope.add_loss(loss)

    @property
    def metrics(self):
        """The ``Metric`` objects set as attributes of this layer and its sub-layers."""
        out = list(self._metrics)
        for layer in self._flatten_layers(include_self=False):
            out.extend(m for m in layer._metrics if all(m is not o for o in out))
        return out

    @property
    def metrics_variables(self):
        """The state variables of ``metrics``, in order."""
        return [v for m in self.metrics for v in m.variables]

    @property
    def losses(self):
        """Weight-regularization penalties (from current values) plus losses added by the last call."""
        return collect_losses(self._flatten_layers())

    def _clear_call_losses(self):
        clear_call_losses(self._flatten_layers())

    # ---------------------------------------------------------- stateless
    def stateless_call(self, trainable_variables, non_trainable_variables, *args,
                       return_losses=False, **kwargs):
        """Call the layer with explicit variable values, leaving its variables unchanged.

        Args:
            trainable_variables: one array per ``self.trainable_variables``, in order.
            non_trainable_variables: one array per ``self.non_trainable_variables``.
            *args, **kwargs: the call's arguments (``training=True`` ...).
            return_losses: also return the losses added during the call (and the
                weight-regularization penalties at the given values).

        Returns:
            ``(outputs, new non_trainable values)``, plus ``losses`` when
            ``return_losses`` (Keras 3's signature). Pure: it can run inside
            ``ops.value_and_grad`` and a jitted step on every engine.
        """
        if not self.built:
            raise ValueError(f"To call stateless_call, {type(self).__name__} '{self.name}' must be "
                             "built (i.e. its variables must have been already created). You can "
                             "build it by calling it on some data.")
        layers = self._flatten_layers()
        tv = self.trainable_variables
        ids = {id(v) for v in tv}
        ntv = [v for v in self.variables if id(v) not in ids]
        return self._stateless_call_on(tv, ntv, layers, trainable_variables,
                                       non_trainable_variables, args, kwargs, return_losses)

    def _stateless_call_on(self, tv, ntv, layers, trainable_values, non_trainable_values, args,
                           kwargs, return_losses):
        """``stateless_call`` with the variable lists (and flat layers) given."""
        _check_stateless_values(self, "trainable_variables", tv, trainable_values)
        _check_stateless_values(self, "non_trainable_variables", ntv, non_trainable_values)
        clear_call_losses(layers)
        from ..variables import bind_values, get_values
        with bind_values(tv, _raw_values(trainable_values)), \
                bind_values(ntv, _raw_values(non_trainable_values)):
            outputs = self(*args, **kwargs)
            new_nt = get_values(ntv)
            losses = collect_losses(layers) if return_losses else None
            clear_call_losses(layers)
        if return_losses:
            return outputs, new_nt, losses
        return outputs, new_nt

    # ----------------------------------------------------------- building
    def build(self, input_shape=None):
        """Create the layer's weights for ``input_shape`` (batch dim included)."""
        self.built = True

    def _build_for_shapes(self, shapes):
        if self._build_takes_shape:
            self.build(shapes)
        else:
            self.build()
        self.built = True

    def build_from_config(self, build_config):
        if build_config and "input_shape" in build_config and not self.built:
            self._build_for_shapes(_as_shape(build_config["input_shape"]))

    def get_build_config(self):
        shape = getattr(self, "_build_input_shape", None)
        return {"input_shape": shape} if shape is not None else None

    # -------------------------------------------------------------- calling
    def call(self, inputs, *args, **kwargs):
        """The computation; override in subclasses."""
        return inputs

    def __call__(self, *args, **kwargs):
        b = config._active or config.active()
        # hot path: one engine array in, flags (training, mask=None) as keywords
        if (len(args) == 1 and type(args[0]) in _ENGINE_TYPES.get(b, ()) and self.built
                and all(type(v) in _FLAG_TYPES for v in kwargs.values())):
            if self._backend is not b and self._backend is not None:
                raise RuntimeError(_engine_message(self, b))
            first = args[0]
            if self.autocast and self._convert_input_args:
                p = self._dtype
                cd = p._compute_dtype if p is not None else config._settings["floatx"]
                try:
                    xd = b.dtype(first)
                except TypeError:  # host strings (preprocessing layers) are never cast
                    xd = cd
                if xd != cd and xd in _FLOATS and cd in _FLOATS:
                    args = (b.cast(first, cd),)
            if self.input_spec is not None:
                _check_specs(self, tuple(b.shape(first)))
        else:
            if any_symbolic((args, kwargs)):
                return self._symbolic_call(args, kwargs)
            if self._backend is not None and self._backend is not b:
                raise RuntimeError(_engine_message(self, b))
            args = list(args)
            if args:
                args[0] = _convert_inputs(b, args[0])
                first = args[0]
            else:
                key = "inputs" if "inputs" in kwargs else next(iter(kwargs))
                kwargs[key] = _convert_inputs(b, kwargs[key])
                first = kwargs[key]
            if b.is_array(first):
                _ENGINE_TYPES.setdefault(b, set()).add(type(first))
            if self.autocast and self._convert_input_args:
                args, kwargs = _autocast_inputs(b, args, kwargs, self.compute_dtype)
            if not self.built:
                shapes = map_structure(lambda t: tuple(b.shape(t)), first)
                self._build_input_shape = shapes
                self._build_for_shapes(shapes)
            if self.input_spec is not None:
                _check_specs(self, map_structure(lambda t: tuple(b.shape(t)), first))
        outer = getattr(_context, "training", None)
        training = kwargs.get("training")
        if self._call_takes_training:
            if training is None:
                if outer is not None:
                    kwargs["training"] = outer
            elif outer is None:
                _context.training = bool(training)
        else:
            kwargs.pop("training", None)
        if not self._call_takes_mask:
            kwargs.pop("mask", None)
        scope = _AUTOCAST[0]
        p = self._dtype
        if scope is None and (p is None or p._compute_dtype == p._variable_dtype):
            want = None  # the common case: nothing to autocast
        else:
            want = _variable_autocast(self, scope)
        try:
            if want is scope:
                out = self.call(*args, **kwargs)
            else:
                _AUTOCAST[0] = want
                try:
                    out = self.call(*args, **kwargs)
                finally:
                    _AUTOCAST[0] = scope
        finally:
            if outer is None:
                _context.training = None
        if self.activity_regularizer is not None:
            for o in flatten(out):
                self.add_loss(self.activity_regularizer(o) / b.cast(b.shape(o)[0], b.dtype(o)))
        return out

    def _symbolic_call(self, args, kwargs):
        first = args[0] if args else next(iter(kwargs.values()))
        shapes = map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else tuple(t.shape), first)
        if not self.built:
            self._claim_backend_if_needed()
            self._build_input_shape = shapes
            self._build_for_shapes(shapes)
        if self.input_spec is not None:
            _check_specs(self, shapes)
        outputs = self.compute_output_spec(*args, **kwargs)
        outputs = map_structure(lambda t: t if isinstance(t, KerasTensor) else KerasTensor(t.shape), outputs)
        node = Node(self, args, kwargs, outputs)
        self._inbound_nodes.append(node)
        return outputs

    def _claim_backend_if_needed(self):
        pass

    def compute_output_shape(self, input_shape):
        """Output shape(s) for ``input_shape``; derived by a trial call unless overridden."""
        return map_structure(lambda t: t.shape, self._trial_output_spec(input_shape))

    def compute_output_spec(self, *args, **kwargs):
        """``KerasTensor``(s) describing the output of ``call`` on symbolic inputs."""
        first = args[0] if args else next(iter(kwargs.values()))
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            shapes = map_structure(lambda t: t.shape, first)
            out_shapes = self.compute_output_shape(shapes)
            return _shapes_to_tensors(out_shapes, self.compute_dtype)
        return self._trial_output_spec(None, args, kwargs)

    def _trial_output_spec(self, input_shape, args=None, kwargs=None):
        """Run ``call`` on zeros twice (unknown dims as 2, then 3); dims that move are None."""
        b = config.active()
        if args is None:
            args = (map_structure(lambda s: KerasTensor(s), input_shape),)
            kwargs = {}
        results = []
        cast_to = self.compute_dtype if (self.autocast and self._convert_input_args
                                         and _is_float(self.compute_dtype)) else None
        for fill in (2, 3):
            def concrete(t, fill=fill):
                if not isinstance(t, KerasTensor):
                    return t
                shape = tuple(fill if d is None else d for d in t.shape)
                dtype = t.dtype if t.dtype else "float32"
                if cast_to is not None and _is_float(dtype):
                    dtype = cast_to  # as __call__'s input autocasting
                return b.zeros(shape, dtype)
            cargs = map_structure(concrete, list(args))
            ckw = {k: map_structure(concrete, v) for k, v in kwargs.items()}
            if not self._call_takes_training:
                ckw.pop("training", None)
            elif "training" not in ckw:
                ckw["training"] = False
            if not self._call_takes_mask:
                ckw.pop("mask", None)
            scope = _AUTOCAST[0]
            _AUTOCAST[0] = _variable_autocast(self, scope)
            try:
                results.append(self.call(*cargs, **ckw))
            finally:
                _AUTOCAST[0] = scope
        self._clear_call_losses()

        def merge(r2, r3):
            s2, s3 = tuple(b.shape(r2)), tuple(b.shape(r3))
            shape = tuple(d2 if d2 == d3 else None for d2, d3 in zip(s2, s3))
            return KerasTensor(shape, b.dtype(r2))

        return _zip_map(merge, results[0], results[1])

    def compute_mask(self, inputs, previous_mask=None):
        """The output mask: the input mask when the layer supports masking, else None."""
        return previous_mask if self.supports_masking else None

    # ------------------------------------------------------------- graph info
    def _node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called on a symbolic input, "
                                 f"so it has no {what}.")
        tensors = getattr(self._inbound_nodes[0], attr)
        return tensors[0] if len(tensors) == 1 else tensors

    @property
    def input(self):
        """The symbolic input of the layer's first call."""
        return self._node_attr("input_tensors", "input")

    @property
    def output(self):
        """The symbolic output of the layer's first call."""
        node = self._inbound_nodes[0] if self._inbound_nodes else None
        if node is None:
            raise AttributeError(f"Layer '{self.name}' has never been called on a symbolic input, "
                                 f"so it has no output.")
        return node.outputs

    # ------------------------------------------------------------ config
    def get_config(self):
        """Constructor arguments that recreate the layer (weights excluded)."""
        cfg = {"name": self.name, "trainable": self.trainable,
               "dtype": dtype_policies.serialize(self.dtype_policy)}
        if self._batch_input_shape is not None:
            cfg["batch_input_shape"] = self._batch_input_shape
        return cfg

    @classmethod
    def from_config(cls, config):
        """Recreate a layer from ``get_config()``'s output."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# ---------------------------------------------------------------- helpers
def collect_losses(layers):
    """The call losses and regularization penalties of ``layers`` (a flat list)."""
    out = []
    for layer in layers:
        if layer._call_losses:
            out.extend(layer._call_losses)
        for v, reg in layer._regularized:
            out.append(reg(v.value))
    return out


def clear_call_losses(layers):
    """Forget the losses added by the last call of each of ``layers``."""
    for layer in layers:
        if layer._call_losses:
            layer._call_losses.clear()


def _raw_values(values):
    return [v._value if isinstance(v, Variable) else v for v in values]


def _check_stateless_values(layer, what, variables, values):
    """Counts and shapes of the values given to ``stateless_call`` (errors name both)."""
    if len(values) != len(variables):
        raise ValueError(f"Argument `{what}` of {type(layer).__name__} '{layer.name}'.stateless_call "
                         f"must be a list of tensors corresponding 1:1 to "
                         f"{type(layer).__name__}().{what}. Received list with length "
                         f"{len(values)}, but expected {len(variables)} variables.")
    for v, x in zip(variables, values):
        shape = getattr(x, "shape", None)
        if shape is not None and shape != v._value.shape and \
                tuple(shape) != tuple(v._value.shape):
            raise ValueError(f"{type(layer).__name__} '{layer.name}'.stateless_call: the value "
                             f"given for variable {v.path!r} has shape {tuple(shape)}, but the "
                             f"variable has shape {v.shape}.")


def _engine_message(layer, active):
    return (f"Layer '{layer.name}' was built on the {layer._backend.name} engine, but the active engine "
            f"is {active.name}. Build the model under {active.name}, and move weights with "
            f"get_weights()/set_weights() or a saved file.")


def _is_float(dtype):
    return dtype in _FLOATS


def _needs_cast(b, x, dtype):
    """Whether ``x`` (an engine array) is a float array of a dtype other than ``dtype``."""
    try:
        d = b.dtype(x)
    except TypeError:  # host strings (preprocessing layers) are never cast
        return False
    return d != dtype and d in _FLOATS and dtype in _FLOATS


def _autocast_inputs(b, args, kwargs, dtype):
    """Float engine arrays in ``args``/``kwargs`` cast to ``dtype`` (Keras's input autocast)."""
    if not _is_float(dtype):
        return args, kwargs

    def cast(x):
        return b.cast(x, dtype) if b.is_array(x) and _needs_cast(b, x, dtype) else x

    args = [map_structure(cast, a) if a is not None else a for a in args]
    kwargs = {k: (v if k in ("training", "mask") or v is None or isinstance(v, (bool, int, float, str))
                  else map_structure(cast, v)) for k, v in kwargs.items()}
    return args, kwargs


def _variable_autocast(layer, scope):
    """The dtype float variables are read in during ``layer.call`` (None: their own),
    given the enclosing ``scope`` (Keras's AutocastScope rules)."""
    compute = layer.compute_dtype
    if scope is not None:
        if not layer.autocast or not _is_float(compute):
            return None
        return compute if scope != compute else scope
    if compute != layer.variable_dtype and _is_float(compute):
        return compute
    return None


def _pop_input_shape(kwargs, cls_name):
    shape = None
    if "batch_input_shape" in kwargs:
        shape = kwargs.pop("batch_input_shape")
        shape = tuple(shape) if shape is not None else None
    if "batch_shape" in kwargs:
        shape = tuple(kwargs.pop("batch_shape"))
    if "input_shape" in kwargs:
        s = kwargs.pop("input_shape")
        if s is not None:
            shape = (kwargs.get("batch_size"),) + tuple(s)
    if "input_dim" in kwargs:
        d = kwargs.pop("input_dim")
        if d is not None:
            shape = (kwargs.get("batch_size"), d)
    kwargs.pop("batch_size", None)
    if shape is not None and not _warned_input_shape:
        _warned_input_shape.append(True)
        warnings.warn(f"{cls_name}: passing `input_shape`/`input_dim` to a layer is deprecated; "
                      "prefer an `Input(shape)` object as the first layer of a model.",
                      DeprecationWarning, stacklevel=4)
    return shape


def _convert_inputs(b, x):
    if isinstance(x, (list, tuple)):
        return type(x)(_convert_inputs(b, t) for t in x)
    if isinstance(x, dict):
        return {k: _convert_inputs(b, v) for k, v in x.items()}
    if x is None or b.is_array(x):
        return x
    if hasattr(x, "_kerasette_value"):
        return x._kerasette_value()
    import numpy as np
    a = np.asarray(x)
    if a.dtype == np.float64:
        a = a.astype(config.floatx())
    if a.dtype.kind in "US":  # strings stay on the host, for the preprocessing layers
        return a
    if a.dtype == object:
        raise ValueError(f"Cannot use an input of object dtype (ragged or non-numeric): {type(x).__name__}.")
    return b.convert(a)


def _check_specs(layer, shapes):
    specs = layer.input_spec
    if isinstance(specs, (list, tuple)):
        shape_list = shapes if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (tuple, list)) else [shapes]
        for spec, s in zip(specs, shape_list):
            if spec is not None:
                spec.check(s, layer.name)
    elif isinstance(shapes, tuple) and (not shapes or not isinstance(shapes[0], (tuple, list))):
        specs.check(shapes, layer.name)


def _as_shape(s):
    if isinstance(s, list) and s and isinstance(s[0], (list, tuple)):
        return [tuple(x) for x in s]
    return tuple(s) if s is not None else None


def _is_shape(s):
    return isinstance(s, tuple) and all(d is None or isinstance(d, int) for d in s)


def _shapes_to_tensors(shapes, dtype):
    if _is_shape(shapes):
        return KerasTensor(shapes, dtype)
    if isinstance(shapes, dict):
        return {k: _shapes_to_tensors(v, dtype) for k, v in shapes.items()}
    if isinstance(shapes, list) and shapes and all(d is None or isinstance(d, int) for d in shapes):
        return KerasTensor(tuple(shapes), dtype)
    return type(shapes)(_shapes_to_tensors(s, dtype) for s in shapes)


def _zip_map(fn, a, b):
    if isinstance(a, (list, tuple)):
        return type(a)(_zip_map(fn, x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return {k: _zip_map(fn, a[k], b[k]) for k in a}
    if a is None:
        return None
    return fn(a, b)
