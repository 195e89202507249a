"""Adaptive pooling: AdaptiveAveragePoolingND and AdaptiveMaxPoolingND (N = 1, 2, 3).

The output has a fixed spatial size whatever the input's. Bin ``i`` of an axis
of length ``L`` pooled to ``n`` cells covers ``[floor(i * L / n), ceil((i + 1) *
L / n))`` (PyTorch's and Keras 3's edges), so bins may overlap and differ in
length by one.

One implementation serves every rank: a box is a product of intervals, so the
max (or mean) over it is the max (or mean) taken one axis after another. Along
an axis, the bins are gathered with ``ops.take`` into a ``(n, widest bin)``
block; cells past a bin's end are masked out (-inf for max, weight 0 for mean).
The index tables are NumPy constants built from the static lengths.
"""
from __future__ import annotations

import numpy as np

from .. import ops
from .convolutional import (check_rank, from_channels_last, join_shape, split_shape,
                            standardize_data_format, to_channels_last)
from .layer import InputSpec, Layer


def adaptive_bins(length, size):
    """(indices ``(size, width)``, valid ``(size, width)`` bools) of the bins of one axis.

    Invalid cells repeat the bin's first index so every index is in range.
    """
    i = np.arange(size)
    starts = (i * length) // size
    ends = -((-(i + 1) * length) // size)
    width = int((ends - starts).max())
    idx = starts[:, None] + np.arange(width)[None, :]
    valid = idx < ends[:, None]
    return np.where(valid, idx, starts[:, None]), valid


def _normalize_output_size(layer_name, cls_name, output_size, rank):
    if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
        out = (int(output_size),) * rank
    elif isinstance(output_size, (tuple, list)) and len(output_size) == rank and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in output_size):
        out = tuple(int(v) for v in output_size)
    else:
        raise TypeError(f"{cls_name} '{layer_name}': `output_size` must be an integer or a tuple of "
                        f"{rank} integers, got {output_size!r}.")
    if any(v <= 0 for v in out):
        raise ValueError(f"{cls_name} '{layer_name}': `output_size` must hold positive integers, "
                         f"got {output_size!r}.")
    return out


class BaseAdaptivePooling(Layer):
    """Pools ``rank`` spatial axes to a fixed ``output_size`` (max or mean per bin).

    Args:
        rank: number of spatial axes (1, 2 or 3).
        output_size: int or tuple of ``rank`` ints, the output's spatial shape.
        data_format: 'channels_last' (default) or 'channels_first'.
    """

    _mode = "max"

    def __init__(self, rank, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.output_size = _normalize_output_size(self.name, type(self).__name__, output_size, rank)
        try:
            self.data_format = standardize_data_format(data_format)
        except ValueError as e:
            raise ValueError(f"{type(self).__name__} '{self.name}': {e}") from None
        self.input_spec = InputSpec(ndim=rank + 2)
        self._tables = {}

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape)
        _, c = split_shape(input_shape, self.data_format)
        return join_shape(input_shape[0], self.output_size, c, self.data_format)

    def build(self, input_shape):
        check_rank(self, input_shape)
        self.built = True

    def _table(self, length, size, dtype):
        key = (length, size, dtype)
        if key not in self._tables:
            idx, valid = adaptive_bins(length, size)
            if self._mode == "max":
                fill = np.where(valid, 0.0, -np.inf)  # added: masks cells past the bin's end
            else:
                fill = valid / valid.sum(axis=1, keepdims=True)  # multiplied: the bin's mean
            self._tables[key] = (idx.reshape(-1), fill.astype(dtype))
        return self._tables[key]

    def call(self, inputs):
        x = to_channels_last(inputs, self.data_format)
        dtype = ops.dtype(x)
        for axis, size in enumerate(self.output_size, start=1):
            shape = tuple(ops.shape(x))
            length = shape[axis]
            idx, fill = self._table(length, size, dtype)
            width = fill.shape[1]
            # (..., size * width, ...) -> (..., size, width, ...)
            g = ops.take(x, ops.convert(idx.astype("int32")), axis=axis)
            g = ops.reshape(g, shape[:axis] + (size, width) + shape[axis + 1:])
            f = ops.convert(fill.reshape((size, width) + (1,) * (len(shape) - axis - 1)))
            if self._mode == "max":
                x = ops.max(ops.add(g, f), axis=axis + 1)
            else:
                x = ops.sum(ops.multiply(g, f), axis=axis + 1)
        return from_channels_last(x, self.data_format)

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}


class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    """Max over each of ``output_size`` bins of the steps of ``(batch, steps, channels)``.

    Example:
        >>> AdaptiveMaxPooling1D(3)(np.zeros((2, 7, 4), "float32")).shape
        (2, 3, 4)
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(1, output_size, data_format, **kwargs)


class AdaptiveMaxPooling2D(BaseAdaptivePooling):
    """Max over each of the ``output_size`` bins of ``(batch, height, width, channels)``."""

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(2, output_size, data_format, **kwargs)


class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    """Max over each of the ``output_size`` bins of ``(batch, d1, d2, d3, channels)``."""

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(3, output_size, data_format, **kwargs)


class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """Mean over each of ``output_size`` bins of the steps of ``(batch, steps, channels)``.

    Example:
        >>> AdaptiveAveragePooling1D(3)(np.zeros((2, 7, 4), "float32")).shape
        (2, 3, 4)
    """

    _mode = "average"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(1, output_size, data_format, **kwargs)


class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    """Mean over each of the ``output_size`` bins of ``(batch, height, width, channels)``."""

    _mode = "average"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(2, output_size, data_format, **kwargs)


class AdaptiveAveragePooling3D(BaseAdaptivePooling):
    """Mean over each of the ``output_size`` bins of ``(batch, d1, d2, d3, channels)``."""

    _mode = "average"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(3, output_size, data_format, **kwargs)


__all__ = ["AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
           "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"]
