"""Layer wrappers for sequences: ``Bidirectional`` and ``TimeDistributed``.

``TimeDistributed`` is a ``Wrapper`` (as in Keras 3); ``Bidirectional`` is a plain
``Layer`` (as in Keras 3): it holds two layers and no ``layer`` attribute."""
from __future__ import annotations

from .. import ops
from .layer import Layer
from .recurrent import clone_layer, deserialize_layer, serialize_layer
from .wrapper import Wrapper

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _build_sublayer(layer, shape):
    if not layer.built:
        layer._build_input_shape = shape
        layer._build_for_shapes(shape)


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy of it backwards, and merges the two.

    Args:
        layer: an RNN layer (``LSTM``, ``GRU``, ``SimpleRNN``, ``RNN``); the
            forward copy is made from its config (so ``layer`` itself is not used).
        merge_mode: ``'concat'`` (default), ``'sum'``, ``'mul'``, ``'ave'`` or None
            (return both outputs as a list).
        backward_layer: an explicit backward layer (``go_backwards=True``).

    Weights: the forward layer's, then the backward layer's. The backward
    sequence is flipped back to the input's time order before merging.

    Example:
        >>> Bidirectional(LSTM(4, return_sequences=True))(np.zeros((2, 5, 3), "float32")).shape
        (2, 5, 8)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional needs a Layer instance to wrap, got {layer!r}.")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"Bidirectional: `backward_layer` must be a Layer, got {backward_layer!r}.")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: invalid merge_mode {merge_mode!r}; expected one of "
                             f"'concat', 'sum', 'mul', 'ave' or None.")
        if "batch_input_shape" not in kwargs and "input_shape" not in kwargs and \
                getattr(layer, "_batch_input_shape", None) is not None:
            kwargs["batch_input_shape"] = layer._batch_input_shape  # Keras 2: shape on the inner layer
        super().__init__(**kwargs)
        base = layer.name[len("forward_"):] if layer.name.startswith("forward_") else layer.name
        self.forward_layer = clone_layer(layer, name=f"forward_{base}")
        if backward_layer is None:
            bname = layer.name[len("backward_"):] if layer.name.startswith("backward_") else layer.name
            self.backward_layer = clone_layer(layer, name=f"backward_{bname}",
                                              go_backwards=not layer.go_backwards)
        else:
            self.backward_layer = backward_layer
        fwd, bwd = self.forward_layer, self.backward_layer
        if getattr(fwd, "go_backwards", None) == getattr(bwd, "go_backwards", None):
            raise ValueError(f"Bidirectional '{self.name}': the forward and backward layers must have "
                             f"different `go_backwards`; both have {fwd.go_backwards}.")
        for attr in ("return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr):
                raise ValueError(f"Bidirectional '{self.name}': forward and backward layers must "
                                 f"share `{attr}`; got {getattr(fwd, attr)} and {getattr(bwd, attr)}.")
        for sub in (fwd, bwd):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = fwd.return_sequences
        self.return_state = fwd.return_state
        self.stateful = bool(getattr(fwd, "stateful", False))
        self.supports_masking = True
        self.input_spec = fwd.input_spec
        self._initial_weights = weights

    def reset_states(self):
        """Zero the states of stateful forward and backward layers."""
        for sub in (self.forward_layer, self.backward_layer):
            getattr(sub, "reset_states", lambda: None)()

    reset_state = reset_states

    def build(self, sequences_shape, initial_state_shape=None):
        shape = tuple(sequences_shape)
        if self.input_spec is not None:
            self.input_spec.check(shape, self.name)
        self._claim_backend()
        _build_sublayer(self.forward_layer, shape)
        _build_sublayer(self.backward_layer, shape)
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None
        self.built = True

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        out = self.forward_layer.compute_output_shape(sequences_shape)
        states = ()
        if self.return_state:
            out, states = out[0], tuple(out[1:])
        if self.merge_mode == "concat":
            out = tuple(out[:-1]) + (None if out[-1] is None else 2 * out[-1],)
            result = [out]
        elif self.merge_mode is None:
            result = [tuple(out), tuple(out)]
        else:
            result = [tuple(out)]
        if self.return_state:
            return tuple(result) + states + states
        return result[0] if len(result) == 1 else result

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if training is not None:
            kwargs["training"] = training
        if mask is not None:
            kwargs["mask"] = mask[0] if isinstance(mask, (list, tuple)) else mask
        fwd_state = bwd_state = None
        if initial_state is not None:
            states = list(initial_state)
            half = len(states) // 2
            fwd_state, bwd_state = states[:half], states[half:]
        y = self.forward_layer(sequences, initial_state=fwd_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=bwd_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.flip(y_rev, axis=1)
        mode = self.merge_mode
        if mode == "concat":
            out = ops.concatenate([y, y_rev], axis=-1)
        elif mode == "sum":
            out = ops.add(y, y_rev)
        elif mode == "ave":
            out = ops.multiply(ops.add(y, y_rev), 0.5)
        elif mode == "mul":
            out = ops.multiply(y, y_rev)
        else:
            out = [y, y_rev]
        if self.return_state:
            return (tuple(out) if mode is None else (out,)) + states
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        if self.return_sequences:
            out = [mask, mask] if self.merge_mode is None else [mask]
        else:
            out = [None, None] if self.merge_mode is None else [None]
        if self.return_state:
            n = len(self.forward_layer._flat_state_sizes()) if hasattr(self.forward_layer, "_flat_state_sizes") else 0
            return out + [None] * (2 * n)
        return out[0] if len(out) == 1 else out

    def get_config(self):
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize_layer(self.forward_layer),
                "backward_layer": serialize_layer(self.backward_layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"], custom_objects)
        return cls(**config)


class TimeDistributed(Wrapper):
    """Applies a layer to every time step of ``(batch, time, ...)`` inputs.

    The time axis is folded into the batch (one call of ``layer`` on
    ``(batch * time, ...)``), so the wrapped layer's weights are shared across steps.

    Args:
        layer: the layer to apply (e.g. ``Dense``).

    Example:
        >>> TimeDistributed(Dense(8))(np.zeros((2, 5, 3), "float32")).shape
        (2, 5, 8)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _child_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(f"TimeDistributed '{self.name}' needs an input of at least 3 "
                             f"dimensions (batch, time, ...), got shape {input_shape}.")
        return (input_shape[0],) + tuple(input_shape[2:])

    def build(self, input_shape):
        self._claim_backend()
        _build_sublayer(self.layer, self._child_shape(tuple(input_shape)))
        self.built = True

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_shape(tuple(input_shape)))
        return (child[0], input_shape[1]) + tuple(child[1:])

    def call(self, inputs, training=None, mask=None):
        shape = tuple(ops.shape(inputs))
        if len(shape) < 3:
            self._child_shape(shape)
        b, t = shape[0], shape[1]
        kwargs = {}
        if training is not None and self.layer._call_takes_training:
            kwargs["training"] = training
        if mask is not None:
            mshape = tuple(ops.shape(mask))
            if len(mshape) < 2 or mshape[:2] != (b, t):
                raise ValueError(f"TimeDistributed '{self.name}': the mask has shape {mshape}, which "
                                 f"does not fit the input of shape {shape}; its first two "
                                 f"dimensions must be ({b}, {t}).")
            if self.layer._call_takes_mask:
                kwargs["mask"] = ops.reshape(mask, (b * t,) + mshape[2:])
        y = self.layer(ops.reshape(inputs, (b * t,) + shape[2:]), **kwargs)
        return ops.reshape(y, (b, t) + tuple(ops.shape(y))[1:])
