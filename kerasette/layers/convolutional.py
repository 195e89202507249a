"""Convolution layers: ConvND, SeparableConvND, DepthwiseConvND, ConvNDTranspose.

Weights follow Keras's layout and order: ``kernel (*window, c_in // groups, filters)``
and ``bias (filters,)``; transposed ``kernel (*window, filters, c_in)``; depthwise
``kernel (*window, c_in, depth_multiplier)``; separable ``depthwise_kernel``,
``pointwise_kernel (1, ..., c_in * depth_multiplier, filters)``, ``bias``.
Computation is channels-last (the ops contract); a ``channels_first`` layer moves
the channel axis to the end and back around the op.
"""
from __future__ import annotations

from .. import activations, config, constraints, initializers, ops, regularizers
from ..backends.base import conv_output_length, normalize_tuple
from .layer import InputSpec, Layer


# ------------------------------------------------------------------ helpers
def standardize_data_format(value):
    """'channels_last' or 'channels_first'; None means ``config.image_data_format()``."""
    value = (value or config.image_data_format()).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"`data_format` must be 'channels_last' or 'channels_first', got {value!r}.")
    return value


def standardize_padding(value, allow_causal=False):
    """'valid' or 'same' (or 'causal' where allowed), case-insensitive."""
    value = str(value).lower()
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if value not in allowed:
        raise ValueError(f"`padding` must be one of {allowed}, got {value!r}.")
    return value


def positive_tuple(value, n, name, allow_zero=False):
    """``normalize_tuple`` that also rejects zero (unless allowed) and negative entries."""
    value = normalize_tuple(value, n, name)
    if any(v < 0 or (v == 0 and not allow_zero) for v in value):
        raise ValueError(f"`{name}` must hold {'non-negative' if allow_zero else 'positive'} "
                         f"integers, got {value}.")
    return value


def to_channels_last(x, data_format):
    return ops.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def from_channels_last(x, data_format):
    return ops.moveaxis(x, -1, 1) if data_format == "channels_first" else x


def split_shape(shape, data_format):
    """(spatial dims, channels) of a full input shape."""
    shape = tuple(shape)
    if data_format == "channels_first":
        return shape[2:], shape[1]
    return shape[1:-1], shape[-1]


def join_shape(batch, spatial, channels, data_format):
    if data_format == "channels_first":
        return (batch, channels) + tuple(spatial)
    return (batch,) + tuple(spatial) + (channels,)


def check_rank(layer, shape):
    """Raise the InputSpec error (naming the layer and the shape) before building."""
    if layer.input_spec is not None:
        layer.input_spec.check(tuple(shape), layer.name)


def _channel_spec(rank, data_format, channels):
    axis = 1 if data_format == "channels_first" else -1
    return InputSpec(ndim=rank + 2, axes={axis: channels})


def _known_channels(layer, shape, data_format):
    _, c = split_shape(shape, data_format)
    if c is None:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': the channel dimension of the input "
                         f"must be known, got shape {tuple(shape)} ({data_format}).")
    return c


# ----------------------------------------------------------- regular conv
class BaseConv(Layer):
    """N-D convolution (cross-correlation) with optional bias and activation.

    Args:
        rank: number of spatial axes (1, 2 or 3).
        filters: number of output channels.
        kernel_size: int or tuple of ``rank`` ints.
        strides: int or tuple; strides > 1 cannot combine with dilation > 1.
        padding: 'valid', 'same' (TensorFlow's split, extra at the end), or
            'causal' (Conv1D only: left padding by ``(k - 1) * dilation``).
        data_format: 'channels_last' (default) or 'channels_first'.
        dilation_rate: int or tuple.
        groups: input and output channels split into ``groups`` independent blocks.
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as Keras.

    Weights: ``kernel (*kernel_size, c_in // groups, filters)``, ``bias (filters,)``.
    """

    _allow_causal = False

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        cls = type(self).__name__
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{cls} '{self.name}': `filters` must be a positive integer, got {filters!r}.")
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{cls} '{self.name}': `groups` must be a positive integer, got {groups!r}.")
        if filters % groups:
            raise ValueError(f"{cls} '{self.name}': `filters` ({filters}) must be divisible by "
                             f"`groups` ({groups}).")
        self.filters = filters
        self.groups = groups
        self.kernel_size = positive_tuple(kernel_size, rank, "kernel_size")
        self.strides = positive_tuple(strides, rank, "strides")
        self.dilation_rate = positive_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(padding, allow_causal=self._allow_causal)
        self.data_format = standardize_data_format(data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{cls} '{self.name}': strides > 1 cannot be combined with dilation_rate > 1; "
                             f"got strides={self.strides}, dilation_rate={self.dilation_rate}.")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    # geometry -----------------------------------------------------------------
    def _out_length(self, n, k, s, d):
        if n is None:
            return None
        if self.padding == "causal":
            return -(-n // s)
        return conv_output_length(n, k, s, self.padding, d)

    def _out_spatial(self, input_shape):
        spatial, _ = split_shape(input_shape, self.data_format)
        out = tuple(self._out_length(n, k, s, d) for n, k, s, d
                    in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': the kernel {self.kernel_size} "
                f"(dilation_rate={self.dilation_rate}, strides={self.strides}) does not fit the input's "
                f"spatial shape {tuple(spatial)} with padding='{self.padding}': the output size "
                f"{out} would be non-positive. Input shape: {tuple(input_shape)}.")
        return out

    def _out_channels(self, c_in):
        return self.filters

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape)
        _, c = split_shape(input_shape, self.data_format)
        return join_shape(input_shape[0], self._out_spatial(input_shape), self._out_channels(c),
                          self.data_format)

    # weights ------------------------------------------------------------------
    def build(self, input_shape):
        check_rank(self, input_shape)
        c_in = _known_channels(self, input_shape, self.data_format)
        if c_in % self.groups:
            raise ValueError(f"{type(self).__name__} '{self.name}': the input's {c_in} channels must be "
                             f"divisible by groups={self.groups} (input shape {tuple(input_shape)}).")
        self._dynamic_spatial = any(n is None for n in split_shape(input_shape, self.data_format)[0])
        self._out_spatial(input_shape)
        self._build_weights(c_in)
        self.input_spec = _channel_spec(self.rank, self.data_format, c_in)
        self.built = True

    def _build_weights(self, c_in):
        self.kernel = self.add_weight(self.kernel_size + (c_in // self.groups, self.filters),
                                      self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._add_bias(self.filters)

    def _add_bias(self, size):
        self.bias = (self.add_weight((size,), self.bias_initializer, name="bias",
                                     regularizer=self.bias_regularizer, constraint=self.bias_constraint)
                     if self.use_bias else None)

    # compute ------------------------------------------------------------------
    def _op(self, x):
        if self.padding == "causal":
            pad = (self.kernel_size[0] - 1) * self.dilation_rate[0]
            x = ops.pad(x, ((0, 0), (pad, 0), (0, 0)))
            padding = "valid"
        else:
            padding = self.padding
        return ops.conv(x, self.kernel.value, self.strides, padding, "channels_last", self.dilation_rate)

    def call(self, inputs):
        if self._dynamic_spatial:
            self._out_spatial(ops.shape(inputs))
        x = to_channels_last(inputs, self.data_format)
        y = self._op(x)
        if self.bias is not None:
            y = ops.add(y, self.bias.value)
        y = from_channels_last(y, self.data_format)
        return self.activation(y) if self.activation is not activations.linear else y

    def _common_config(self):
        return {"kernel_size": self.kernel_size, "strides": self.strides, "padding": self.padding,
                "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "bias_constraint": constraints.serialize(self.bias_constraint)}

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, **self._common_config(),
                "groups": self.groups,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint)}



class Conv1D(BaseConv):
    """1-D convolution over ``(batch, steps, channels)``; ``padding`` may be 'causal'.

    Example:
        >>> Conv1D(4, 3, padding="causal")(np.zeros((2, 10, 3))).shape
        (2, 10, 4)
    """

    _allow_causal = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
                         **kwargs)


class Conv2D(BaseConv):
    """2-D convolution over ``(batch, height, width, channels)``.

    Example:
        >>> Conv2D(8, 3, padding="same", activation="relu")(np.zeros((2, 5, 5, 3))).shape
        (2, 5, 5, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
                         **kwargs)


class Conv3D(BaseConv):
    """3-D convolution over ``(batch, d1, d2, d3, channels)``."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
                         **kwargs)


# -------------------------------------------------------------- depthwise conv
class BaseDepthwiseConv(BaseConv):
    """Depthwise convolution: each input channel convolved with its own
    ``depth_multiplier`` filters; output channels ``c_in * depth_multiplier``,
    channel-major (channel ``c`` gives outputs ``c * m ... c * m + m - 1``).

    Weights: ``kernel (*kernel_size, c_in, depth_multiplier)``, ``bias (c_in * depth_multiplier,)``.
    """

    def __init__(self, rank, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError(f"{type(self).__name__}: `depth_multiplier` must be a positive integer, "
                             f"got {depth_multiplier!r}.")
        super().__init__(rank, 1, kernel_size, strides, padding, data_format, dilation_rate, 1,
                         activation, use_bias, depthwise_initializer, bias_initializer,
                         depthwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, bias_constraint, **kwargs)
        self.depth_multiplier = depth_multiplier
        self.filters = None

    def _out_channels(self, c_in):
        return None if c_in is None else c_in * self.depth_multiplier

    def _build_weights(self, c_in):
        self.kernel = self.add_weight(self.kernel_size + (c_in, self.depth_multiplier),
                                      self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._add_bias(c_in * self.depth_multiplier)

    def _op(self, x):
        return ops.depthwise_conv(x, self.kernel.value, self.strides, self.padding, "channels_last",
                                  self.dilation_rate)

    def get_config(self):
        return {**Layer.get_config(self), "depth_multiplier": self.depth_multiplier,
                **self._common_config(),
                "depthwise_initializer": initializers.serialize(self.kernel_initializer),
                "depthwise_regularizer": regularizers.serialize(self.kernel_regularizer),
                "depthwise_constraint": constraints.serialize(self.kernel_constraint)}


class DepthwiseConv1D(BaseDepthwiseConv):
    """1-D depthwise convolution over ``(batch, steps, channels)``."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, **kwargs):
        super().__init__(1, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, **kwargs)


class DepthwiseConv2D(BaseDepthwiseConv):
    """2-D depthwise convolution over ``(batch, height, width, channels)``.

    Example:
        >>> DepthwiseConv2D(3, depth_multiplier=2)(np.zeros((2, 5, 5, 3))).shape
        (2, 3, 3, 6)
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), **kwargs):
        super().__init__(2, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, **kwargs)


# -------------------------------------------------------------- separable conv
class BaseSeparableConv(BaseConv):
    """Depthwise convolution followed by a pointwise (1x1) convolution to ``filters``.

    Weights: ``depthwise_kernel (*kernel_size, c_in, depth_multiplier)``,
    ``pointwise_kernel ((1,) * rank + (c_in * depth_multiplier, filters))``, ``bias (filters,)``.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError(f"{type(self).__name__}: `depth_multiplier` must be a positive integer, "
                             f"got {depth_multiplier!r}.")
        super().__init__(rank, filters, kernel_size, strides, padding, data_format, dilation_rate, 1,
                         activation, use_bias, depthwise_initializer, bias_initializer,
                         depthwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, bias_constraint, **kwargs)
        self.depth_multiplier = depth_multiplier
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def _build_weights(self, c_in):
        mid = c_in * self.depth_multiplier
        self.depthwise_kernel = self.add_weight(self.kernel_size + (c_in, self.depth_multiplier),
                                                self.kernel_initializer, name="depthwise_kernel",
                                                regularizer=self.kernel_regularizer,
                                                constraint=self.kernel_constraint)
        self.pointwise_kernel = self.add_weight((1,) * self.rank + (mid, self.filters),
                                                self.pointwise_initializer, name="pointwise_kernel",
                                                regularizer=self.pointwise_regularizer,
                                                constraint=self.pointwise_constraint)
        self._add_bias(self.filters)

    def _op(self, x):
        y = ops.depthwise_conv(x, self.depthwise_kernel.value, self.strides, self.padding,
                               "channels_last", self.dilation_rate)
        pointwise = self.pointwise_kernel.value
        return ops.matmul(y, ops.reshape(pointwise, ops.shape(pointwise)[-2:]))

    def get_config(self):
        return {**Layer.get_config(self), "depth_multiplier": self.depth_multiplier,
                "filters": self.filters, **self._common_config(),
                "depthwise_initializer": initializers.serialize(self.kernel_initializer),
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "depthwise_regularizer": regularizers.serialize(self.kernel_regularizer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                "depthwise_constraint": constraints.serialize(self.kernel_constraint),
                "pointwise_constraint": constraints.serialize(self.pointwise_constraint)}


class SeparableConv1D(BaseSeparableConv):
    """1-D depthwise-separable convolution over ``(batch, steps, channels)``."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, **kwargs)


class SeparableConv2D(BaseSeparableConv):
    """2-D depthwise-separable convolution over ``(batch, height, width, channels)``.

    Example:
        >>> SeparableConv2D(4, 3, depth_multiplier=2)(np.zeros((2, 5, 5, 3))).shape
        (2, 3, 3, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, **kwargs)


# -------------------------------------------------------------- transposed conv
def transpose_output_length(n, k, s, padding, output_padding, d):
    """Keras's output length of a transposed convolution along one axis."""
    if n is None:
        return None
    kd = (k - 1) * d + 1
    if padding == "valid":
        extra = max(kd, s) - kd if output_padding is None else output_padding
        return (n - 1) * s + kd + extra
    if output_padding is None:
        return n * s
    return (n - 1) * s + kd % 2 + output_padding


class BaseConvTranspose(BaseConv):
    """N-D transposed convolution (the gradient of a convolution w.r.t. its input).

    Output length per axis, as Keras: 'valid': ``(n - 1) * s + max(k', s)``;
    'same': ``n * s``; with ``output_padding`` p: 'valid' ``(n - 1) * s + k' + p``,
    'same' ``(n - 1) * s + k' % 2 + p`` (``k' = (k - 1) * dilation + 1``).

    Weights: ``kernel (*kernel_size, filters, c_in)``, ``bias (filters,)``.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, **kwargs):
        super().__init__(rank, filters, kernel_size, strides, padding, data_format, dilation_rate, 1,
                         **kwargs)
        if output_padding is None:
            self.output_padding = None
        else:
            self.output_padding = positive_tuple(output_padding, rank, "output_padding", allow_zero=True)
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(f"{type(self).__name__} '{self.name}': `output_padding` "
                                 f"{self.output_padding} must be smaller than `strides` {self.strides} "
                                 f"on every axis.")

    def _out_spatial(self, input_shape):
        spatial, _ = split_shape(input_shape, self.data_format)
        ops_ = self.output_padding or (None,) * self.rank
        return tuple(transpose_output_length(n, k, s, self.padding, p, d) for n, k, s, p, d
                     in zip(spatial, self.kernel_size, self.strides, ops_, self.dilation_rate))

    def _build_weights(self, c_in):
        self.kernel = self.add_weight(self.kernel_size + (self.filters, c_in), self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._add_bias(self.filters)

    def _op(self, x):
        kernel = self.kernel.value
        if self.padding == "same" and self.output_padding is None:
            return ops.conv_transpose(x, kernel, self.strides, "same", None, "channels_last", self.dilation_rate)
        if self.padding == "valid":
            extra = self.output_padding or tuple(
                max((k - 1) * d + 1, s) - ((k - 1) * d + 1)
                for k, s, d in zip(self.kernel_size, self.strides, self.dilation_rate))
            return ops.conv_transpose(x, kernel, self.strides, "valid", extra, "channels_last", self.dilation_rate)
        # 'same' with output_padding: Keras keeps a window of the full ('valid') result
        starts, lengths, extra = [], [], []
        for n, k, s, d, p in zip(ops.shape(x)[1:-1], self.kernel_size, self.strides,
                                 self.dilation_rate, self.output_padding):
            kd = (k - 1) * d + 1
            pad_len = kd + kd % 2 - 2 + p
            start = kd - 1 - min(pad_len // 2 + pad_len % 2, kd - 1)
            length = (n - 1) * s + kd % 2 + p
            starts.append(start)
            lengths.append(length)
            extra.append(max(0, start + length - ((n - 1) * s + kd)))
        full = ops.conv_transpose(x, kernel, self.strides, "valid", tuple(extra), "channels_last",
                                  self.dilation_rate)
        key = (slice(None),) + tuple(slice(a, a + L) for a, L in zip(starts, lengths)) + (slice(None),)
        return ops.getitem(full, key)

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("groups")
        return {**cfg, "output_padding": self.output_padding}


class Conv1DTranspose(BaseConvTranspose):
    """1-D transposed convolution over ``(batch, steps, channels)``."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, **kwargs)


class Conv2DTranspose(BaseConvTranspose):
    """2-D transposed convolution over ``(batch, height, width, channels)``.

    Example:
        >>> Conv2DTranspose(4, 3, strides=2, padding="same")(np.zeros((2, 5, 5, 3))).shape
        (2, 10, 10, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, **kwargs)


class Conv3DTranspose(BaseConvTranspose):
    """3-D transposed convolution over ``(batch, d1, d2, d3, channels)``."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1, 1), **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, **kwargs)


# Keras's aliases
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D

__all__ = ["Conv1D", "Conv2D", "Conv3D", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
           "SeparableConv2D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
           "Convolution1D", "Convolution2D", "Convolution3D", "Convolution1DTranspose",
           "Convolution2DTranspose", "Convolution3DTranspose", "SeparableConvolution1D",
           "SeparableConvolution2D"]
