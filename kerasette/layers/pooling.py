"""Pooling layers: MaxPoolingND, AveragePoolingND, GlobalMaxPoolingND, GlobalAveragePoolingND.

Windowed pooling runs channels-last (the ops contract); ``channels_first``
inputs are moved to channels-last and back around the op. Global pooling
reduces the spatial axes in place.
"""
from __future__ import annotations

from .. import ops
from ..backends.base import conv_output_length
from .convolutional import (check_rank, from_channels_last, join_shape, positive_tuple, split_shape,
                            standardize_data_format, standardize_padding, to_channels_last)
from .layer import InputSpec, Layer


class BasePooling(Layer):
    """Max or average pooling over ``rank`` spatial axes.

    Args:
        pool_size: int or tuple of ``rank`` ints, the window.
        strides: int or tuple; None means ``pool_size``.
        padding: 'valid' or 'same' ('same' windows at the border count only real cells).
        data_format: 'channels_last' (default) or 'channels_first'.
    """

    _mode = "max"

    def __init__(self, rank, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.pool_size = positive_tuple(pool_size, rank, "pool_size")
        self.strides = self.pool_size if strides is None else positive_tuple(strides, rank, "strides")
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _out_spatial(self, input_shape):
        spatial, _ = split_shape(input_shape, self.data_format)
        out = tuple(None if n is None else conv_output_length(n, k, s, self.padding)
                    for n, k, s in zip(spatial, self.pool_size, self.strides))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': the pooling window {self.pool_size} is larger "
                f"than the input's spatial shape {tuple(spatial)} with padding='{self.padding}' "
                f"(input shape {tuple(input_shape)}); the output would be empty. Use a smaller "
                f"pool_size or padding='same'.")
        return out

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape)
        _, c = split_shape(input_shape, self.data_format)
        return join_shape(input_shape[0], self._out_spatial(input_shape), c, self.data_format)

    def build(self, input_shape):
        check_rank(self, input_shape)
        self._dynamic_spatial = any(n is None for n in split_shape(input_shape, self.data_format)[0])
        self._out_spatial(input_shape)
        self.built = True

    def call(self, inputs):
        if self._dynamic_spatial:
            self._out_spatial(ops.shape(inputs))
        x = to_channels_last(inputs, self.data_format)
        pool = ops.max_pool if self._mode == "max" else ops.avg_pool
        y = pool(x, self.pool_size, self.strides, self.padding, "channels_last")
        return from_channels_last(y, self.data_format)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(BasePooling):
    """Max pooling over ``(batch, steps, channels)``."""

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(1, pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(BasePooling):
    """Max pooling over ``(batch, height, width, channels)``.

    Example:
        >>> MaxPooling2D()(np.zeros((2, 8, 8, 3))).shape
        (2, 4, 4, 3)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(2, pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(BasePooling):
    """Max pooling over ``(batch, d1, d2, d3, channels)``."""

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(3, pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(BasePooling):
    """Average pooling over ``(batch, steps, channels)``."""

    _mode = "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(1, pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(BasePooling):
    """Average pooling over ``(batch, height, width, channels)``."""

    _mode = "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(2, pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(BasePooling):
    """Average pooling over ``(batch, d1, d2, d3, channels)``."""

    _mode = "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(3, pool_size, strides, padding, data_format, **kwargs)


# ---------------------------------------------------------------- global pooling
class BaseGlobalPooling(Layer):
    """Max or mean over every spatial axis.

    Args:
        data_format: 'channels_last' (default) or 'channels_first'.
        keepdims: keep the spatial axes with length 1.
    """

    _mode = "max"

    def __init__(self, rank, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.data_format = standardize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return tuple(range(start, start + self.rank))

    def build(self, input_shape):
        check_rank(self, input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape)
        _, c = split_shape(input_shape, self.data_format)
        if self.keepdims:
            return join_shape(input_shape[0], (1,) * self.rank, c, self.data_format)
        return (input_shape[0], c)

    def call(self, inputs):
        reduce = ops.max if self._mode == "max" else ops.mean
        return reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Maximum over the steps of ``(batch, steps, channels)``."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)


class GlobalMaxPooling2D(BaseGlobalPooling):
    """Maximum over height and width of ``(batch, height, width, channels)``."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, data_format, keepdims, **kwargs)


class GlobalMaxPooling3D(BaseGlobalPooling):
    """Maximum over the three spatial axes of ``(batch, d1, d2, d3, channels)``."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format, keepdims, **kwargs)


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean over the steps of ``(batch, steps, channels)``; masked steps are left out.

    Call args:
        mask: optional ``(batch, steps)`` booleans, True where a step counts.

    Example:
        >>> GlobalAveragePooling1D()(np.ones((2, 3, 4))).shape
        (2, 4)
    """

    _mode = "average"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        axis = self._axes()[0]
        keep = ops.expand_dims(ops.cast(mask, "bool"), 2 if self.data_format == "channels_last" else 1)
        total = ops.sum(ops.where(keep, inputs, ops.zeros_like(inputs)), axis=axis, keepdims=self.keepdims)
        count = ops.sum(ops.cast(keep, ops.dtype(inputs)), axis=axis, keepdims=self.keepdims)
        return ops.divide(total, count)

    def compute_mask(self, inputs, previous_mask=None):
        return None


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Mean over height and width of ``(batch, height, width, channels)``."""

    _mode = "average"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, data_format, keepdims, **kwargs)


class GlobalAveragePooling3D(BaseGlobalPooling):
    """Mean over the three spatial axes of ``(batch, d1, d2, d3, channels)``."""

    _mode = "average"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format, keepdims, **kwargs)


# Keras's aliases
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
MaxPool3D = MaxPooling3D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
AvgPool3D = AveragePooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
           "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
           "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
           "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D",
           "GlobalAvgPool2D", "GlobalAvgPool3D"]
