"""Recurrent layers: the generic ``RNN`` loop and ``SimpleRNN``, ``LSTM``, ``GRU``.

``RNN(cell)`` loops a cell over the time axis with ``ops.scan`` (a Python loop
on NumPy and torch, ``lax.scan`` on JAX). For the built-in cells the input
matmul is done for all time steps at once before the loop.

Fast path: ``LSTM`` and ``GRU`` hand the whole sequence to one engine op
(``ops.lstm`` / ``ops.gru``: torch's fused kernel, ``lax.scan`` on JAX) when
the options allow it -- tanh/sigmoid activations, no mask, no recurrent
dropout in training (and ``reset_after=True`` for GRU); input dropout is then
applied to the whole sequence with one mask, as Keras. Otherwise they take
the generic loop. ``use_cudnn=False`` forces the loop.

Masking follows Keras 3: at a step whose mask is False the states keep their
previous values and the output repeats the previous output (the first state),
or is zero when ``zero_output_for_mask=True`` (``Bidirectional`` sets it for
``return_sequences``).
"""
from __future__ import annotations

from .. import activations, constraints, initializers, ops, regularizers
from ..variables import Variable
from .layer import InputSpec, Layer
from .rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells, _takes
from .symbolic import flatten


class RNN(Layer):
    """Runs a recurrent cell over the time axis of ``(batch, time, features)`` inputs.

    Args:
        cell: a cell (``call(inputs, states) -> (output, new_states)`` and
            ``state_size``) or a list of cells (stacked).
        return_sequences: return every step's output ``(batch, time, units)``
            instead of the last one ``(batch, units)``.
        return_state: also return the final states: ``(output, *states)``.
        go_backwards: process the sequence in reverse; the returned sequence is in
            the processed (reversed) order, as Keras.
        stateful: each batch starts from the states the previous batch ended with
            (sample ``i`` continues sample ``i``); needs a fixed batch size (``Input(
            batch_size=...)`` or ``batch_input_shape``). ``reset_states()`` zeroes
            them. The states are threaded through the train step but are not
            weights (not saved), as in Keras.
        unroll: accepted for compatibility and ignored.
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Call arguments: ``sequences``, ``initial_state`` (a list of ``(batch, size)``
    arrays), ``mask`` (bool ``(batch, time)``), ``training``.

    Example:
        >>> out, h, c = RNN(LSTMCell(4), return_state=True)(np.zeros((2, 5, 3), "float32"))
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        super().__init__(**kwargs)
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError(f"{type(self).__name__} '{self.name}': `cell` needs a `call` method "
                             f"and a `state_size` attribute; got {cell!r}.")
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.states = None  # the state Variables of a stateful layer, made at build
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)

    # --------------------------------------------------------------- shapes
    @property
    def state_size(self):
        s = self.cell.state_size
        return list(s) if isinstance(s, (list, tuple)) else [s]

    def _flat_state_sizes(self):
        return [int(s) for s in flatten(self.state_size)]

    def _output_size(self):
        size = getattr(self.cell, "output_size", None)
        return size if size is not None else self._flat_state_sizes()[0]

    def build(self, sequences_shape, initial_state_shape=None):
        if isinstance(sequences_shape, list) and sequences_shape and isinstance(sequences_shape[0], (tuple, list)):
            sequences_shape = sequences_shape[0]
        shape = tuple(sequences_shape)
        if self.input_spec is not None:
            self.input_spec.check(shape, self.name)
        self._claim_backend()
        step_shape = (shape[0],) + shape[2:]
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._build_input_shape = step_shape
            self.cell._build_for_shapes(step_shape)
        if self.stateful:
            self._make_state_variables(shape[0])
        self.built = True

    # ------------------------------------------------------------ stateful
    def _make_state_variables(self, batch):
        if self.states is not None:
            self.reset_states()
            return
        if batch is None:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': stateful=True needs a fixed batch size, but "
                f"the input shape has none. Give it with Input(shape, batch_size=...) or, as the "
                f"first layer of a Sequential, batch_input_shape=(batch, time, features).")
        states = [Variable(s, trainable=False, name="rnn_state")
                  for s in self.get_initial_state(batch)]
        object.__setattr__(self, "states", states)  # not weights: not tracked as such
        self._state_variables.extend(states)

    def reset_states(self):
        """Zero the states of a stateful layer (a no-op otherwise)."""
        for v in self.states or ():
            v.assign(ops.zeros_like(v.value))

    reset_state = reset_states

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        units = self._output_size()
        out = (batch, steps, units) if self.return_sequences else (batch, units)
        if self.return_state:
            return (out,) + tuple((batch, s) for s in self._flat_state_sizes())
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * len(self._flat_state_sizes())
        return out

    def get_initial_state(self, batch_size):
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            return flatten(fn(batch_size=batch_size))
        return [ops.zeros((batch_size, s), self.compute_dtype) for s in self._flat_state_sizes()]

    # ------------------------------------------------------------- calling
    def call(self, sequences, initial_state=None, mask=None, training=None):
        dtype = self.compute_dtype
        if ops.dtype(sequences) != dtype:
            sequences = ops.cast(sequences, dtype)
        shape = tuple(ops.shape(sequences))
        mask = self._check_mask(mask, shape)
        if self.stateful and initial_state is None:
            initial_state = self._carried_states(shape[0])
        states = self._initial_states(initial_state, shape[0])
        outputs, last, states = self._run(sequences, states, mask, training)
        if self.stateful:
            for v, s in zip(self.states, states):
                v.assign(ops.stop_gradient(s))  # the next batch starts here: a constant
        output = outputs if self.return_sequences else last
        if self.return_state:
            return (output, *states)
        return output

    def _carried_states(self, batch):
        expected = tuple(ops.shape(self.states[0].value))[0]
        if batch != expected:
            raise ValueError(f"{type(self).__name__} '{self.name}' is stateful with batch size "
                             f"{expected}, but received a batch of {batch}: every batch must have "
                             f"{expected} samples (drop or pad the last one).")
        return [v.value for v in self.states]

    def _check_mask(self, mask, shape):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        if mask is None:
            return None
        if not ops.is_array(mask):
            import numpy as np
            mask = ops.convert(np.asarray(mask))
        mshape = tuple(ops.shape(mask))
        if mshape != tuple(shape[:2]):
            raise ValueError(f"{type(self).__name__} '{self.name}': the mask has shape {mshape}, "
                             f"which does not fit the input of shape {shape}; expected a "
                             f"(batch, time) mask of shape {tuple(shape[:2])}.")
        return mask if ops.dtype(mask) == "bool" else ops.cast(mask, "bool")

    def _initial_states(self, initial_state, batch):
        sizes = self._flat_state_sizes()
        if initial_state is None:
            states = self.get_initial_state(batch)
        else:
            states = flatten(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(states) != len(sizes):
                raise ValueError(f"{type(self).__name__} '{self.name}' expects {len(sizes)} initial "
                                 f"state(s) of sizes {sizes}, but received {len(states)}.")
        dtype = self.compute_dtype
        out = []
        for s, size in zip(states, sizes):
            if not ops.is_array(s):
                s = ops.convert(getattr(s, "_kerasette_value", lambda s=s: s)())
            if ops.dtype(s) != dtype:
                s = ops.cast(s, dtype)
            want = self._state_shape(batch, size)
            if tuple(ops.shape(s)) != want:
                raise ValueError(f"{type(self).__name__} '{self.name}': an initial state has shape "
                                 f"{tuple(ops.shape(s))}; expected {want}.")
            out.append(s)
        return out

    def _state_shape(self, batch, size):
        """The shape of one state array: ``(batch, size)``, or the cell's ``state_shape(batch)``
        where it has one (ConvLSTMCell's states are images)."""
        shape_of = getattr(self.cell, "state_shape", None)
        return (batch, size) if shape_of is None else tuple(shape_of(batch))

    def _run(self, sequences, states, mask, training):
        """(outputs (batch, time, units), last output, final flat states)."""
        return self._loop(sequences, states, mask, training)

    def _loop(self, sequences, states, mask, training):
        cell = self.cell
        batch = ops.shape(sequences)[0]
        prepared = _fix_dropout_masks(cell, batch, training)
        try:
            if getattr(cell, "_split_step", False):
                dp, rdp = cell._masks
                if dp is not None:
                    dp = [ops.expand_dims(m, 1) for m in dp]
                xs = cell._project(sequences, dp)

                def cell_step(x_t, st):
                    return cell._recurrent_step(x_t, st, rdp)
            else:
                xs = sequences
                kwargs = {"training": training} if _takes(cell, "training") else {}
                structure = self.state_size

                def cell_step(x_t, st):
                    out, new = cell.call(x_t, _pack(structure, st), **kwargs)
                    return out, new
            return self._scan(cell_step, xs, states, mask)
        finally:
            for c in prepared:
                c._masks = None

    def _scan(self, cell_step, xs, states, mask):
        xs = ops.swapaxes(xs, 0, 1)
        m = None
        if mask is not None:
            m = ops.expand_dims(ops.swapaxes(mask, 0, 1), -1)
        if self.go_backwards:
            xs = ops.flip(xs, axis=0)
            m = None if m is None else ops.flip(m, axis=0)
        prev_index = self._previous_output_index()
        zero_out = self.zero_output_for_mask

        def step(carry, inp):
            x_t, m_t = inp if m is not None else (inp, None)
            out, new = cell_step(x_t, list(carry))
            new = flatten(new)
            if m_t is not None:
                prev = ops.zeros_like(out) if zero_out else carry[prev_index]
                out = ops.where(_fit_mask(m_t, out), out, prev)
                new = [ops.where(_fit_mask(m_t, n), n, o) for n, o in zip(new, carry)]
            return tuple(new), out

        final, ys = ops.scan(step, tuple(states), xs if m is None else (xs, m))
        return ops.swapaxes(ys, 0, 1), ops.getitem(ys, -1), list(final)

    def _previous_output_index(self):
        # Keras: the first state is the previous output (stacked: the last cell's first state)
        if isinstance(self.cell, StackedRNNCells):
            sizes = [len(flatten(s if isinstance(s, (list, tuple)) else [s]))
                     for s in self.cell.state_size]
            return sum(sizes[:-1])
        return 0

    # -------------------------------------------------------------- config
    def get_config(self):
        cfg = {**super().get_config(), "return_sequences": self.return_sequences,
               "return_state": self.return_state, "go_backwards": self.go_backwards,
               "stateful": self.stateful, "unroll": self.unroll,
               "zero_output_for_mask": self.zero_output_for_mask}
        if type(self) is RNN:
            cfg["cell"] = serialize_layer(self.cell)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "cell" in config:
            config["cell"] = deserialize_layer(config["cell"], custom_objects)
        return cls(**config)


def _fix_dropout_masks(cell, batch, training):
    """Draw each built-in cell's dropout masks once for this call (outside the loop)."""
    cells = cell.cells if isinstance(cell, StackedRNNCells) else [cell]
    done = []
    for c in cells:
        if getattr(c, "_split_step", False):
            c._masks = c._dropout_masks(batch, training)
            done.append(c)
    return done


def _fit_mask(m_t, x):
    """The ``(batch, 1)`` step mask with as many axes as ``x`` (ConvLSTM's states are images)."""
    extra = ops.ndim(x) - 2
    return m_t if extra <= 0 else ops.reshape(m_t, tuple(ops.shape(m_t)) + (1,) * extra)


def _pack(structure, flat):
    """Rebuild the nested state structure of ``structure`` (sizes) from flat arrays."""
    it = iter(flat)

    def build(s):
        if isinstance(s, (list, tuple)):
            return [build(x) for x in s]
        return next(it)

    return build(list(structure))


# ------------------------------------------------------------ named layers
_CELL_ARGS = ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
              "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
              "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
              "recurrent_dropout", "seed")


class _NamedRNN(RNN):
    """An RNN layer that owns its cell (SimpleRNN, LSTM, GRU)."""

    _cell_class = None
    _cell_name = None
    _extra_args = ()

    def __init__(self, units, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, activity_regularizer=None, use_cudnn="auto",
                 **kwargs):
        cell_kwargs = {k: kwargs.pop(k) for k in list(kwargs)
                       if k in _CELL_ARGS + self._extra_args + ("implementation",)}
        cell = self._cell_class(units, dtype=kwargs.get("dtype"),
                                trainable=kwargs.get("trainable", True), name=self._cell_name,
                                **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"{type(self).__name__} '{self.name}': `use_cudnn` must be 'auto', "
                             f"True or False, got {use_cudnn!r}.")
        self.use_cudnn = use_cudnn
        self.input_spec = InputSpec(ndim=3)

    def __getattr__(self, name):
        # units, activation, dropout, ...: the cell's (as Keras's properties)
        if name in _CELL_ARGS + self._extra_args:
            cell = self.__dict__.get("cell")
            if cell is not None:
                return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _fused_ok(self, mask, training):
        """Whether this call can take the whole-layer engine op."""
        cell = self.cell
        ok = (mask is None and cell.activation is activations.tanh
              and cell.recurrent_activation is activations.sigmoid
              and not (training and cell.recurrent_dropout > 0) and self._fused_extra_ok())
        if self.use_cudnn is True and not ok:
            raise ValueError(f"{type(self).__name__} '{self.name}': use_cudnn=True, but this call "
                             f"cannot use the fused kernel (it needs tanh/sigmoid activations, "
                             f"no mask and no recurrent dropout in training). "
                             f"Pass use_cudnn='auto' to fall back to the loop.")
        return ok and self.use_cudnn is not False

    def _fused_extra_ok(self):
        return True

    def _dropped_sequences(self, sequences, training):
        cell = self.cell
        if training and 0 < cell.dropout < 1:
            dp, _ = cell._dropout_masks(ops.shape(sequences)[0], training)
            return ops.multiply(sequences, ops.expand_dims(dp[0], 1))
        return sequences

    def get_config(self):
        cell = self.cell
        cfg = {**super().get_config(), "units": cell.units,
               "activation": activations.serialize(cell.activation),
               "use_bias": cell.use_bias,
               "kernel_initializer": initializers.serialize(cell.kernel_initializer),
               "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
               "bias_initializer": initializers.serialize(cell.bias_initializer),
               "kernel_regularizer": regularizers.serialize(cell.kernel_regularizer),
               "recurrent_regularizer": regularizers.serialize(cell.recurrent_regularizer),
               "bias_regularizer": regularizers.serialize(cell.bias_regularizer),
               "activity_regularizer": regularizers.serialize(self.activity_regularizer),
               "kernel_constraint": constraints.serialize(cell.kernel_constraint),
               "recurrent_constraint": constraints.serialize(cell.recurrent_constraint),
               "bias_constraint": constraints.serialize(cell.bias_constraint),
               "dropout": cell.dropout, "recurrent_dropout": cell.recurrent_dropout,
               "seed": cell.seed}
        if hasattr(cell, "recurrent_activation"):
            cfg["recurrent_activation"] = activations.serialize(cell.recurrent_activation)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config.pop("cell", None)
        return cls(**config)


class SimpleRNN(_NamedRNN):
    """Fully connected RNN whose output is fed back as its state.

    Args:
        units: output size. activation: default ``'tanh'``.
        use_bias, *_initializer (recurrent: ``'orthogonal'``), *_regularizer,
        *_constraint, dropout, recurrent_dropout, seed: as ``SimpleRNNCell``.
        return_sequences, return_state, go_backwards, stateful, unroll: as ``RNN``.

    Weights: ``kernel (in, units)``, ``recurrent_kernel (units, units)``, ``bias (units,)``.

    Example:
        >>> SimpleRNN(4)(np.zeros((2, 5, 3), "float32")).shape
        (2, 4)
    """

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"

    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(units, activation=activation, **kwargs)

    def _fused_ok(self, mask, training):
        return False


class LSTM(_NamedRNN):
    """Long Short-Term Memory layer (Hochreiter 1997), Keras's gate order ``i, f, c, o``.

    Args:
        units: output size. activation: ``'tanh'``; recurrent_activation: ``'sigmoid'``.
        unit_forget_bias: start the forget-gate bias at 1 (default True).
        use_bias, *_initializer, *_regularizer, *_constraint, dropout,
        recurrent_dropout, seed: as ``LSTMCell``.
        return_sequences, return_state, go_backwards, stateful, unroll: as ``RNN``.
        use_cudnn: ``'auto'`` (fused engine kernel when possible), True, False (loop).

    Weights: ``kernel (in, 4u)``, ``recurrent_kernel (u, 4u)``, ``bias (4u,)``.
    With ``return_state``: ``(output, h, c)``.

    Example:
        >>> seq, h, c = LSTM(4, return_sequences=True, return_state=True)(np.zeros((2, 5, 3), "float32"))
    """

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"
    _extra_args = ("recurrent_activation", "unit_forget_bias")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         unit_forget_bias=unit_forget_bias, **kwargs)

    def _run(self, sequences, states, mask, training):
        if not self._fused_ok(mask, training):
            return self._loop(sequences, states, mask, training)
        cell = self.cell
        x = self._dropped_sequences(sequences, training)
        bias = None if cell.bias is None else cell.bias.value
        out, h, c = ops.lstm(x, states[0], states[1], cell.kernel.value,
                             cell.recurrent_kernel.value, bias, self.go_backwards)
        return out, h, [h, c]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.cell.unit_forget_bias}


class GRU(_NamedRNN):
    """Gated Recurrent Unit (Cho et al. 2014), Keras's gate order ``z, r, h``.

    Args:
        units: output size. activation: ``'tanh'``; recurrent_activation: ``'sigmoid'``.
        reset_after: reset gate after the recurrent matmul (default True; bias
            ``(2, 3u)``) or before (bias ``(3u,)``).
        use_bias, *_initializer, *_regularizer, *_constraint, dropout,
        recurrent_dropout, seed: as ``GRUCell``.
        return_sequences, return_state, go_backwards, stateful, unroll: as ``RNN``.
        use_cudnn: ``'auto'`` (fused engine kernel when possible), True, False (loop).

    Weights: ``kernel (in, 3u)``, ``recurrent_kernel (u, 3u)``, ``bias``.

    Example:
        >>> GRU(4)(np.zeros((2, 5, 3), "float32")).shape
        (2, 4)
    """

    _cell_class = GRUCell
    _cell_name = "gru_cell"
    _extra_args = ("recurrent_activation", "reset_after")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", reset_after=True,
                 **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         reset_after=reset_after, **kwargs)

    def _fused_extra_ok(self):
        return self.cell.reset_after

    def _run(self, sequences, states, mask, training):
        if not self._fused_ok(mask, training):
            return self._loop(sequences, states, mask, training)
        cell = self.cell
        x = self._dropped_sequences(sequences, training)
        bias = None if cell.bias is None else cell.bias.value
        out, h = ops.gru(x, states[0], cell.kernel.value, cell.recurrent_kernel.value, bias,
                         self.go_backwards)
        return out, h, [h]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.cell.reset_after}


# ---------------------------------------------------------- serialization
def _saving():
    """The model-saving helpers (registered custom classes, scopes), when present."""
    try:
        from ..saving import serialization_lib as serialization
    except ImportError:  # pragma: no cover - the saving module is optional here
        return None
    return serialization


def serialize_layer(layer):
    """Keras 3's ``{'module', 'class_name', 'config', 'registered_name'}`` for a layer or cell."""
    saving = _saving()
    if saving is not None and hasattr(saving, "serialize_keras_object"):
        return saving.serialize_keras_object(layer)
    cls = type(layer)
    builtin = cls.__module__.startswith("kerasette.")
    return {"module": "keras.layers" if builtin else cls.__module__, "class_name": cls.__name__,
            "config": layer.get_config(), "registered_name": None if builtin else cls.__name__}


def deserialize_layer(config, custom_objects=None):
    """A layer (or cell) from ``serialize_layer``'s dict; ``custom_objects`` first."""
    if not isinstance(config, dict) or "class_name" not in config:
        if hasattr(config, "call"):
            return config  # already an object
        raise ValueError(f"Cannot deserialize layer config {config!r}: expected a dict with "
                         f"'class_name' and 'config'.")
    saving = _saving()
    if saving is not None and hasattr(saving, "deserialize_keras_object"):
        return saving.deserialize_keras_object(config, custom_objects)
    from .. import layers as _layers
    custom_objects = custom_objects or {}
    name = config.get("registered_name") or config["class_name"]
    cls = custom_objects.get(name) or custom_objects.get(config["class_name"]) \
        or getattr(_layers, config["class_name"], None)
    if cls is None:
        raise ValueError(f"Unknown layer class {config['class_name']!r}: pass it in custom_objects.")
    inner = dict(config.get("config") or {})
    import inspect
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(inner, custom_objects=custom_objects)
    return cls.from_config(inner)


def clone_layer(layer, **overrides):
    """A fresh, unbuilt copy of ``layer`` from its config, with ``overrides`` applied."""
    cfg = layer.get_config()
    cfg.pop("batch_input_shape", None)
    cfg.update(overrides)
    custom = {type(layer).__name__: type(layer)}
    cell = getattr(layer, "cell", None)
    if cell is not None:
        for c in getattr(cell, "cells", [cell]):
            custom[type(c).__name__] = type(c)
        custom[type(cell).__name__] = type(cell)
    return deserialize_layer({"class_name": type(layer).__name__, "config": cfg,
                              "registered_name": type(layer).__name__}, custom)
