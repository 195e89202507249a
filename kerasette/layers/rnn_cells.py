"""Recurrent cells: SimpleRNNCell, LSTMCell, GRUCell and StackedRNNCells.

A cell computes one time step: ``call(inputs, states, training=None) ->
(output, new_states)``, with Keras 3's weight layout (``kernel (in, gates *
units)``, ``recurrent_kernel (units, gates * units)``, gates ``i, f, c, o`` for
LSTM and ``z, r, h`` for GRU). The ``RNN`` layer loops a cell over time.

Each built-in cell splits its step in two so the loop can do the input half
for every time step at once: ``_project(x, dp)`` (the input matmul and bias,
valid for one step ``(batch, in)`` or a whole sequence ``(batch, time, in)``)
and ``_recurrent_step(zx, states, rdp)`` (everything that needs the state).
Dropout masks are drawn once per layer call, outside the time loop, and are
the same at every time step (as Keras).
"""
from __future__ import annotations

import numpy as np

from .. import activations, constraints, initializers, ops, regularizers
from ..random import SeedGenerator
from .layer import Layer
from .symbolic import flatten


class _CellBase(Layer):
    """Shared arguments, dropout masks and config of the built-in cells."""

    _gates = 1
    _split_step = True  # the RNN loop calls _project once and _recurrent_step per step

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        kwargs.pop("implementation", None)  # Keras's implementation switch: one form here
        super().__init__(**kwargs)
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"{type(self).__name__} '{self.name}': `units` must be a positive "
                             f"integer, got {units!r}.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.output_size = self.units
        self._masks = None  # (input masks, recurrent masks) fixed by the RNN layer for one call

    # ------------------------------------------------------------- weights
    def _build_weights(self, input_shape, bias_shape, bias_initializer=None):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': the last dimension of the "
                             f"input must be known, got shape {tuple(input_shape)}.")
        g = self._gates
        self.kernel = self.add_weight((in_dim, g * self.units), self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight((self.units, g * self.units),
                                                self.recurrent_initializer, name="recurrent_kernel",
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = (self.add_weight(bias_shape, bias_initializer or self.bias_initializer,
                                     name="bias", regularizer=self.bias_regularizer,
                                     constraint=self.bias_constraint)
                     if self.use_bias else None)
        if self.dropout > 0 or self.recurrent_dropout > 0:
            self._claim_backend()
            self.seed_generator = SeedGenerator(self.seed, name=f"{self.name}_seed")
        self.built = True

    # ------------------------------------------------------------- dropout
    def _dropout_masks(self, batch, training):
        """``(dp, rdp)``: lists of scaled keep-masks (one, or one per gate as Keras's
        implementation 1 when recurrent dropout is on), or None when not dropping."""
        if not training or (self.dropout == 0 and self.recurrent_dropout == 0):
            return None, None
        n = self._gates if self.recurrent_dropout > 0 else 1
        dtype = self.compute_dtype
        in_dim = self.kernel.shape[0]

        def draw(shape, rate):
            keep = 1.0 - rate
            return [ops.multiply(ops.bernoulli(shape, keep, self.seed_generator.next(), dtype=dtype),
                                 1.0 / keep) for _ in range(n)]

        dp = draw((batch, in_dim), self.dropout) if 0 < self.dropout < 1 else None
        rdp = draw((batch, self.units), self.recurrent_dropout) if 0 < self.recurrent_dropout < 1 else None
        return dp, rdp

    def _masks_for(self, inputs, training):
        if self._masks is not None:
            return self._masks
        return self._dropout_masks(ops.shape(inputs)[0], training)

    # ------------------------------------------------------------ one step
    def _times(self, x, w, masks, gates=None):
        """``x @ w``, each gate's block of ``w`` fed ``x`` times its own mask when
        ``masks`` holds one per gate."""
        if masks is None:
            return ops.matmul(x, w)
        if len(masks) == 1:
            return ops.matmul(ops.multiply(x, masks[0]), w)
        blocks = ops.split(w, gates or self._gates, axis=-1)
        return ops.concatenate([ops.matmul(ops.multiply(x, m), k) for m, k in zip(masks, blocks)],
                               axis=-1)

    def _input_bias(self):
        return None if self.bias is None else self.bias.value

    def _project(self, x, dp=None):
        """Input half of a step, for one step or a whole sequence (masks broadcast)."""
        z = self._times(x, self.kernel.value, dp)
        b = self._input_bias()
        return z if b is None else ops.add(z, b)

    def call(self, inputs, states, training=None):
        dp, rdp = self._masks_for(inputs, training)
        nested = isinstance(states, (list, tuple))
        states = [s if ops.is_array(s) else ops.convert(getattr(s, "_kerasette_value", lambda s=s: s)(),
                                                        self.compute_dtype)
                  for s in (states if nested else [states])]
        out, new = self._recurrent_step(self._project(inputs, dp), states, rdp)
        if not nested and len(new) == 1:
            return out, new[0]
        return out, new

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ops.zeros((batch_size, s), self.compute_dtype) for s in sizes]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed}


class SimpleRNNCell(_CellBase):
    """One step of a fully connected RNN: ``h = activation(x @ kernel + h_prev @ recurrent_kernel + bias)``.

    Args:
        units: size of the output and state.
        activation: default ``'tanh'``.
        use_bias, *_initializer (recurrent: ``'orthogonal'``), *_regularizer,
        *_constraint: as Keras.
        dropout / recurrent_dropout: fraction of inputs / states dropped in training.
        seed: makes the dropout masks reproducible.

    Weights: ``kernel (in, units)``, ``recurrent_kernel (units, units)``, ``bias (units,)``.

    Example:
        >>> rnn = RNN(SimpleRNNCell(4))
    """

    _gates = 1

    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.state_size = self.units

    def build(self, input_shape):
        self._build_weights(input_shape, (self.units,))

    def _recurrent_step(self, zx, states, rdp=None):
        h = self.activation(ops.add(zx, self._times(states[0], self.recurrent_kernel.value, rdp)))
        return h, [h]


def _lstm_gates(z, c, act, rec):
    """``(h, c)`` from the pre-activations ``z`` (gates ``i, f, c, o`` on the last axis) and
    the previous carry ``c``; shared by ``LSTMCell`` and ``ConvLSTMCell``."""
    i, f, g, o = ops.split(z, 4, axis=-1)
    c = ops.add(ops.multiply(rec(f), c), ops.multiply(rec(i), act(g)))
    return ops.multiply(rec(o), act(c)), c


class _UnitForgetBias:
    """Zeros-style bias with the forget-gate block set to one (LSTM's ``unit_forget_bias``)."""

    def __init__(self, base, units):
        self.base, self.units = base, units

    def __call__(self, shape, dtype=None):
        u = self.units
        parts = [self.base((u,), dtype), np.ones((u,), dtype=dtype or "float32"),
                 self.base((2 * u,), dtype)]
        return np.concatenate([np.asarray(p) for p in parts]).astype(dtype or "float32")


class LSTMCell(_CellBase):
    """One step of a Long Short-Term Memory layer, Keras's gate order ``i, f, c, o``.

    Args:
        units: size of the output and of each state (``h``, ``c``).
        activation: default ``'tanh'``; recurrent_activation: default ``'sigmoid'``.
        unit_forget_bias: start the forget-gate bias at 1.
        use_bias, *_initializer, *_regularizer, *_constraint, dropout,
        recurrent_dropout, seed: as ``SimpleRNNCell``.

    Weights: ``kernel (in, 4u)``, ``recurrent_kernel (u, 4u)``, ``bias (4u,)``.
    States: ``[h, c]``.
    """

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]

    def build(self, input_shape):
        init = _UnitForgetBias(self.bias_initializer, self.units) if self.unit_forget_bias else None
        self._build_weights(input_shape, (4 * self.units,), init)

    def _recurrent_step(self, zx, states, rdp=None):
        h, c = states[0], states[1]
        z = ops.add(zx, self._times(h, self.recurrent_kernel.value, rdp))
        h, c = _lstm_gates(z, c, self.activation, self.recurrent_activation)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_CellBase):
    """One step of a Gated Recurrent Unit, Keras's gate order ``z, r, h``.

    Args:
        units: size of the output and state.
        activation: default ``'tanh'``; recurrent_activation: default ``'sigmoid'``.
        reset_after: apply the reset gate after the recurrent matmul (default,
            cuDNN-compatible; bias ``(2, 3u)``: input bias, recurrent bias) or
            before it (bias ``(3u,)``).
        use_bias, *_initializer, *_regularizer, *_constraint, dropout,
        recurrent_dropout, seed: as ``SimpleRNNCell``.

    Weights: ``kernel (in, 3u)``, ``recurrent_kernel (u, 3u)``, ``bias``.
    """

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 reset_after=True, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        self.state_size = self.units

    def build(self, input_shape):
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._build_weights(input_shape, shape)

    def _input_bias(self):
        if self.bias is None:
            return None
        b = self.bias.value
        return ops.getitem(b, 0) if self.reset_after else b

    def _recurrent_step(self, zx, states, rdp=None):
        h = states[0]
        u = self.units
        rk = self.recurrent_kernel.value
        xz, xr, xh = ops.split(zx, 3, axis=-1)
        act, rec = self.activation, self.recurrent_activation
        if self.reset_after:
            inner = self._times(h, rk, rdp)
            if self.bias is not None:
                inner = ops.add(inner, ops.getitem(self.bias.value, 1))
            hz, hr, hh = ops.split(inner, 3, axis=-1)
            z = rec(ops.add(xz, hz))
            r = rec(ops.add(xr, hr))
            cand = act(ops.add(xh, ops.multiply(r, hh)))
        else:
            rk_zr = ops.getitem(rk, (slice(None), slice(0, 2 * u)))
            rk_h = ops.getitem(rk, (slice(None), slice(2 * u, 3 * u)))
            zr_masks = None if rdp is None else (rdp[:2] if len(rdp) == 3 else rdp)
            hz, hr = ops.split(self._times(h, rk_zr, zr_masks, gates=2), 2, axis=-1)
            z = rec(ops.add(xz, hz))
            r = rec(ops.add(xr, hr))
            h_for_h = h if rdp is None else ops.multiply(h, rdp[-1])
            cand = act(ops.add(xh, ops.matmul(ops.multiply(r, h_for_h), rk_h)))
        h = ops.add(ops.multiply(z, h), ops.multiply(ops.subtract(1.0, z), cand))
        return h, [h]

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}


class StackedRNNCells(Layer):
    """Several cells run as one: each step feeds the output of a cell to the next.

    Args:
        cells: a list of cells (objects with ``call(inputs, states)`` and ``state_size``).

    States are the cells' states in order (one list per cell).

    Example:
        >>> rnn = RNN(StackedRNNCells([LSTMCell(8), LSTMCell(4)]))
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError(f"StackedRNNCells '{self.name}': every cell needs `call` and "
                                 f"`state_size`; got {cell!r}.")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        if size is None:
            s = last.state_size
            size = s[0] if isinstance(s, (list, tuple)) else s
        return size

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._build_input_shape = shape
                cell._build_for_shapes(shape)
            size = getattr(cell, "output_size", None)
            if size is None:
                s = cell.state_size
                size = s[0] if isinstance(s, (list, tuple)) else s
            shape = (shape[0], size)
        self.built = True

    def get_initial_state(self, batch_size=None):
        out = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                s = fn(batch_size=batch_size)
                out.append(list(s) if isinstance(s, (list, tuple)) else [s])
            else:
                sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
                out.append([ops.zeros((batch_size, d), self.compute_dtype) for d in sizes])
        return out

    def call(self, inputs, states, training=None):
        new_states = []
        x = inputs
        for cell, s in zip(self.cells, states):
            s = list(s) if isinstance(s, (list, tuple)) else [s]
            kwargs = {"training": training} if _takes(cell, "training") else {}
            x, ns = cell.call(x, s, **kwargs)
            new_states.append(list(ns) if isinstance(ns, (list, tuple)) else [ns])
        return x, new_states

    def get_config(self):
        from .recurrent import serialize_layer
        return {**super().get_config(), "cells": [serialize_layer(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .recurrent import deserialize_layer
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def _takes(obj, arg):
    import inspect
    try:
        return arg in inspect.signature(obj.call).parameters
    except (TypeError, ValueError):
        return False


def flat_states(states):
    """The arrays of a (possibly nested) state structure, in order."""
    return flatten(states)
