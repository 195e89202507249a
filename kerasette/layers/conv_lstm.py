"""Convolutional LSTM: ``ConvLSTMCell`` and the ``ConvLSTM1D/2D/3D`` layers.

An LSTM whose input and recurrent transforms are convolutions, with Keras 3's
weights: ``kernel (*kernel_size, c_in, 4 * filters)``, ``recurrent_kernel
(*kernel_size, filters, 4 * filters)``, ``bias (4 * filters,)``, gates ``i, f,
c, o``. The input convolution uses the layer's strides, padding and dilation;
the recurrent one is stride 1, ``'same'``, undilated, so the states keep the
output's spatial shape.

The layers are the generic ``RNN`` over this cell: the cell follows the
built-in cells' split step (``_project`` convolves every time step's input at
once, ``_recurrent_step`` does the rest), so masks, ``go_backwards``,
``return_sequences`` / ``return_state`` and ``initial_state`` behave exactly
as for ``LSTM``. Inside the cell the computation is channels-last (the ops
contract); ``channels_first`` inputs and states are moved around the convs.

Dropout: one input mask and one recurrent mask per call, shared by the four
gates and by every time step.
"""
from __future__ import annotations

import numpy as np

from .. import activations, constraints, initializers, ops, regularizers
from ..backends.base import conv_output_length
from ..random import SeedGenerator
from .convolutional import (from_channels_last, join_shape, positive_tuple, split_shape,
                            standardize_data_format, standardize_padding, to_channels_last)
from .layer import InputSpec, Layer, to_snake_case, unique_name
from .recurrent import RNN
from .rnn_cells import _UnitForgetBias, _lstm_gates

_CELL_ARGS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
              "activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias",
              "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
              "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
              "recurrent_dropout", "seed")


class ConvLSTMCell(Layer):
    """One step of a convolutional LSTM over ``rank`` spatial axes.

    Args:
        rank: 1, 2 or 3 spatial axes.
        filters: channels of the output and of each state.
        kernel_size, strides, padding ('valid' or 'same'), data_format,
            dilation_rate: of the input convolution (strides > 1 cannot combine
            with dilation_rate > 1).
        activation: default ``'tanh'``; recurrent_activation: default ``'sigmoid'``.
        unit_forget_bias: start the forget-gate bias at 1.
        use_bias, *_initializer (recurrent: ``'orthogonal'``), *_regularizer,
        *_constraint: as Keras.
        dropout / recurrent_dropout: fraction of inputs / states dropped in training.
        seed: makes the dropout masks reproducible.

    States: ``[h, c]``, each ``(batch, *out_spatial, filters)`` (channels-last).

    Example:
        >>> rnn = RNN(ConvLSTMCell(2, filters=4, kernel_size=3, padding="same"))
    """

    _split_step = True  # the RNN loop calls _project once and _recurrent_step per step

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        owner = kwargs.pop("_owner", None)  # the ConvLSTM layer that errors should name
        super().__init__(**kwargs)
        where = owner or f"{type(self).__name__} '{self.name}'"
        if rank not in (1, 2, 3):
            raise ValueError(f"{where}: `rank` must be 1, 2 or 3, got {rank!r}.")
        if not isinstance(filters, (int, np.integer)) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f"{where}: `filters` must be a positive integer, got {filters!r}.")
        self.rank = rank
        self.filters = int(filters)
        try:
            self.kernel_size = positive_tuple(kernel_size, rank, "kernel_size")
            self.strides = positive_tuple(strides, rank, "strides")
            self.dilation_rate = positive_tuple(dilation_rate, rank, "dilation_rate")
            self.padding = standardize_padding(padding)
            self.data_format = standardize_data_format(data_format)
        except (ValueError, TypeError) as e:
            raise type(e)(f"{where}: {e}") from None
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{where}: strides > 1 cannot be combined with dilation_rate > 1; got "
                             f"strides={self.strides}, dilation_rate={self.dilation_rate}.")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        for arg, value in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not isinstance(value, (int, float, np.floating)) or not 0 <= value <= 1:
                raise ValueError(f"{where}: `{arg}` must be a float in [0, 1], got {value!r}.")
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self.seed = seed
        self.state_size = [self.filters, self.filters]  # channels; the full shapes: state_shape
        self.output_size = self.filters
        self._where = where
        self._masks = None  # (input masks, recurrent masks) fixed by the RNN layer for one call

    # --------------------------------------------------------------- shapes
    def _out_spatial(self, spatial):
        return tuple(conv_output_length(n, k, s, self.padding, d)
                     for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def compute_output_shape(self, input_shape):
        spatial, _ = split_shape(input_shape, self.data_format)
        return join_shape(input_shape[0], self._out_spatial(spatial), self.filters, self.data_format)

    def state_shape(self, batch):
        """The shape of ``h`` and of ``c`` for ``batch`` samples, in ``data_format``."""
        return join_shape(batch, self._state_spatial, self.filters, self.data_format)

    def build(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != self.rank + 2:
            raise ValueError(f"{self._where}: expected one step of rank {self.rank + 2} "
                             f"(batch, *spatial, channels), got shape {shape}.")
        spatial, channels = split_shape(shape, self.data_format)
        if any(n is None for n in spatial) or channels is None:
            raise ValueError(f"{self._where}: the spatial and channel dimensions of the input must be "
                             f"known; got step shape {shape} ({self.data_format}).")
        out = self._out_spatial(spatial)
        if any(o <= 0 for o in out):
            raise ValueError(f"{self._where}: the kernel {self.kernel_size} (dilation "
                             f"{self.dilation_rate}) is larger than the input's spatial shape "
                             f"{tuple(spatial)} with padding='{self.padding}'; the output would be empty.")
        self._in_step = tuple(shape[1:])
        self._state_spatial = out
        f4 = 4 * self.filters
        self.kernel = self.add_weight(self.kernel_size + (channels, f4), self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(self.kernel_size + (self.filters, f4),
                                                self.recurrent_initializer, name="recurrent_kernel",
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            init = (_UnitForgetBias(self.bias_initializer, self.filters) if self.unit_forget_bias
                    else self.bias_initializer)
            self.bias = self.add_weight((f4,), init, name="bias", regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        if self.dropout > 0 or self.recurrent_dropout > 0:
            self._claim_backend()
            self.seed_generator = SeedGenerator(self.seed, name=f"{self.name}_seed")
        self.built = True

    # ------------------------------------------------------------- dropout
    def _dropout_masks(self, batch, training):
        """``(dp, rdp)``: one-element lists of scaled keep-masks, or None when not dropping.
        ``dp`` has the input step's layout; ``rdp`` the channels-last state's."""
        if not training or (self.dropout == 0 and self.recurrent_dropout == 0):
            return None, None
        dtype = self.compute_dtype

        def draw(shape, rate):
            keep = 1.0 - rate
            return [ops.multiply(ops.bernoulli(shape, keep, self.seed_generator.next(), dtype=dtype),
                                 1.0 / keep)]

        state = (batch,) + self._state_spatial + (self.filters,)
        dp = draw((batch,) + self._in_step, self.dropout) if 0 < self.dropout < 1 else None
        rdp = draw(state, self.recurrent_dropout) if 0 < self.recurrent_dropout < 1 else None
        return dp, rdp

    # ------------------------------------------------------------ one step
    def _project(self, x, dp=None):
        """The input convolution (and bias) of one step ``(batch, *step)`` or of a whole
        sequence ``(batch, time, *step)``; the result is channels-last."""
        if dp is not None:
            x = ops.multiply(x, dp[0])
        shape = tuple(ops.shape(x))
        lead, step = shape[:len(shape) - self.rank - 1], shape[len(shape) - self.rank - 1:]
        x = to_channels_last(ops.reshape(x, (-1,) + step), self.data_format)
        z = ops.conv(x, self.kernel.value, self.strides, self.padding, "channels_last", self.dilation_rate)
        if self.bias is not None:
            z = ops.add(z, self.bias.value)
        return ops.reshape(z, lead + tuple(ops.shape(z))[1:])

    def _recurrent_step(self, zx, states, rdp=None):
        h = to_channels_last(states[0], self.data_format)
        c = to_channels_last(states[1], self.data_format)
        h_in = h if rdp is None else ops.multiply(h, rdp[0])
        z = ops.add(zx, ops.conv(h_in, self.recurrent_kernel.value, 1, "same", "channels_last"))
        h, c = _lstm_gates(z, c, self.activation, self.recurrent_activation)
        h = from_channels_last(h, self.data_format)
        c = from_channels_last(c, self.data_format)
        return h, [h, c]

    def call(self, inputs, states, training=None):
        masks = self._masks if self._masks is not None else \
            self._dropout_masks(ops.shape(inputs)[0], training)
        dp, rdp = masks
        return self._recurrent_step(self._project(inputs, dp), list(states), rdp)

    def get_initial_state(self, batch_size=None):
        shape = self.state_shape(batch_size)
        return [ops.zeros(shape, self.compute_dtype), ops.zeros(shape, self.compute_dtype)]

    def get_config(self):
        # Keras's keys, plus ``rank`` so that the cell alone can be rebuilt from its config
        return {**super().get_config(), "rank": self.rank, **_cell_config(self)}


def _cell_config(cell):
    return {"filters": cell.filters, "kernel_size": cell.kernel_size, "strides": cell.strides,
            "padding": cell.padding, "data_format": cell.data_format,
            "dilation_rate": cell.dilation_rate,
            "activation": activations.serialize(cell.activation),
            "recurrent_activation": activations.serialize(cell.recurrent_activation),
            "use_bias": cell.use_bias,
            "kernel_initializer": initializers.serialize(cell.kernel_initializer),
            "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
            "bias_initializer": initializers.serialize(cell.bias_initializer),
            "unit_forget_bias": cell.unit_forget_bias,
            "kernel_regularizer": regularizers.serialize(cell.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(cell.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(cell.bias_regularizer),
            "kernel_constraint": constraints.serialize(cell.kernel_constraint),
            "recurrent_constraint": constraints.serialize(cell.recurrent_constraint),
            "bias_constraint": constraints.serialize(cell.bias_constraint),
            "dropout": cell.dropout, "recurrent_dropout": cell.recurrent_dropout, "seed": cell.seed}


class ConvLSTM(RNN):
    """A convolutional LSTM over ``(batch, time, *spatial, channels)`` sequences.

    Args:
        rank: spatial axes of each step (1, 2 or 3).
        filters, kernel_size, strides, padding, data_format, dilation_rate,
        activation, recurrent_activation, use_bias, *_initializer,
        unit_forget_bias, *_regularizer, *_constraint, dropout,
        recurrent_dropout, seed: as ``ConvLSTMCell``.
        return_sequences, return_state, go_backwards, stateful, unroll (ignored):
        as ``RNN``.

    With ``return_state``: ``(output, h, c)``; ``initial_state`` takes ``[h, c]``.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False, **kwargs):
        if not kwargs.get("name"):
            kwargs["name"] = unique_name(to_snake_case(type(self).__name__))
        cell = ConvLSTMCell(
            rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            _owner=f"{type(self).__name__} '{kwargs['name']}'")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=rank + 3)

    def __getattr__(self, name):
        # filters, kernel_size, dropout, ...: the cell's (as Keras's properties)
        if name in _CELL_ARGS:
            cell = self.__dict__.get("cell")
            if cell is not None:
                return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        step = (batch,) + tuple(sequences_shape[2:])
        state = tuple(self.cell.compute_output_shape(step))
        out = (batch, steps) + state[1:] if self.return_sequences else state
        if self.return_state:
            return out, state, state
        return out

    def get_config(self):
        return {**super().get_config(), **_cell_config(self.cell),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config.pop("cell", None)
        return cls(**config)


class ConvLSTM1D(ConvLSTM):
    """1-D convolutional LSTM over ``(batch, time, steps, channels)``.

    Example:
        >>> ConvLSTM1D(4, 3, padding="same")(np.zeros((2, 5, 8, 3), "float32")).shape
        (2, 8, 4)
    """

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(1, filters, kernel_size, *args, **kwargs)


class ConvLSTM2D(ConvLSTM):
    """2-D convolutional LSTM over ``(batch, time, height, width, channels)``.

    Example:
        >>> seq, h, c = ConvLSTM2D(4, 3, return_sequences=True, return_state=True)(
        ...     np.zeros((2, 5, 8, 8, 3), "float32"))
        >>> seq.shape, h.shape
        ((2, 5, 6, 6, 4), (2, 6, 6, 4))
    """

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(2, filters, kernel_size, *args, **kwargs)


class ConvLSTM3D(ConvLSTM):
    """3-D convolutional LSTM over ``(batch, time, d1, d2, d3, channels)``."""

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(3, filters, kernel_size, *args, **kwargs)


__all__ = ["ConvLSTMCell", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
