"""Reshaping layers: Permute, RepeatVector, UpSamplingND, ZeroPaddingND, CroppingND.

(Flatten and Reshape live in ``core.py``.)
"""
from __future__ import annotations

from .. import ops
from .convolutional import check_rank, positive_tuple, standardize_data_format
from .layer import InputSpec, Layer


def _pairs(value, rank, name, cls):
    """Per-axis (before, after) pairs from an int, ``rank`` ints or ``rank`` pairs (Keras's forms)."""
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{cls}: `{name}` cannot be negative, got {value}.")
        return ((value, value),) * rank
    value = tuple(value)
    if rank == 1:
        return (positive_tuple(value if len(value) == 2 else value * 2, 2, name, allow_zero=True),)
    if len(value) != rank:
        raise ValueError(f"{cls}: `{name}` must have {rank} entries (one per spatial axis), got {value}.")
    return tuple(positive_tuple(v, 2, name, allow_zero=True) for v in value)


def _spatial_axes(rank, data_format):
    start = 2 if data_format == "channels_first" else 1
    return tuple(range(start, start + rank))


class Permute(Layer):
    """Permutes the non-batch axes: ``dims`` is a permutation of ``1..ndim-1``.

    Example:
        >>> Permute((2, 1))(np.zeros((2, 3, 4))).shape
        (2, 4, 3)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute '{self.name}': `dims` must be a permutation of "
                             f"1..{len(self.dims)}, got {self.dims}.")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def build(self, input_shape):
        check_rank(self, input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape)
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Repeats a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            raise ValueError(f"RepeatVector '{self.name}': `n` must be a positive integer, got {n!r}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def build(self, input_shape):
        check_rank(self, input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape)
        return (input_shape[0], self.n, input_shape[1])

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def get_config(self):
        return {**super().get_config(), "n": self.n}


# ----------------------------------------------------------------- up-sampling
class _SpatialLayer(Layer):
    """A layer acting on ``rank`` spatial axes of a channels-last/first input."""

    def __init__(self, rank, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        check_rank(self, input_shape)
        self.compute_output_shape(input_shape)
        self.built = True

    def _new_length(self, i, n):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape)
        out = list(input_shape)
        for i, axis in enumerate(_spatial_axes(self.rank, self.data_format)):
            out[axis] = None if input_shape[axis] is None else self._new_length(i, input_shape[axis])
        return tuple(out)


class _UpSampling(_SpatialLayer):
    def __init__(self, rank, size, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(rank, data_format, **kwargs)
        self.size = positive_tuple(size, rank, "size")
        self.interpolation = str(interpolation).lower()
        if self.interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"{type(self).__name__} '{self.name}': `interpolation` must be 'nearest' "
                             f"or 'bilinear', got {interpolation!r}.")

    def _new_length(self, i, n):
        return n * self.size[i]

    def call(self, inputs):
        x = inputs
        for axis, f in zip(_spatial_axes(self.rank, self.data_format), self.size):
            if f == 1:
                continue
            x = ops.repeat(x, f, axis=axis) if self.interpolation == "nearest" else _linear(x, f, axis)
        return x


def _linear(x, factor, axis):
    """Linear up-sampling by ``factor`` along ``axis``, half-pixel centres, edges clamped
    (as ``jax.image.resize(..., 'bilinear')`` and TensorFlow's ``half_pixel_centers``)."""
    n = ops.shape(x)[axis]
    lo, hi, w = [], [], []
    for o in range(n * factor):
        src = min(max((o + 0.5) / factor - 0.5, 0.0), n - 1.0)
        i = int(src)
        lo.append(i)
        hi.append(min(i + 1, n - 1))
        w.append(src - i)
    shape = [1] * ops.ndim(x)
    shape[axis] = n * factor
    w = ops.reshape(ops.convert_to_tensor(w, ops.dtype(x)), tuple(shape))
    a = ops.take(x, ops.convert_to_tensor(lo, "int32"), axis=axis)
    b = ops.take(x, ops.convert_to_tensor(hi, "int32"), axis=axis)
    return ops.add(a, ops.multiply(ops.subtract(b, a), w))


class UpSampling1D(_UpSampling):
    """Repeats each step ``size`` times: ``(batch, steps, c)`` -> ``(batch, steps * size, c)``."""

    def __init__(self, size=2, **kwargs):
        super().__init__(1, size, "channels_last", **kwargs)

    def get_config(self):
        return {**Layer.get_config(self), "size": self.size[0]}


class UpSampling2D(_UpSampling):
    """Up-samples height and width by ``size``; 'nearest' repeats rows and columns,
    'bilinear' interpolates with half-pixel centres.

    Example:
        >>> UpSampling2D((2, 3))(np.zeros((2, 4, 4, 3))).shape
        (2, 8, 12, 3)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(2, size, data_format, interpolation, **kwargs)

    def get_config(self):
        return {**Layer.get_config(self), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    """Repeats each cell ``size`` times along the three spatial axes."""

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(3, size, data_format, **kwargs)

    def get_config(self):
        return {**Layer.get_config(self), "size": self.size, "data_format": self.data_format}


# ------------------------------------------------------------------ padding
class _ZeroPadding(_SpatialLayer):
    def __init__(self, rank, padding, data_format=None, **kwargs):
        super().__init__(rank, data_format, **kwargs)
        self.padding = _pairs(padding, rank, "padding", type(self).__name__)

    def _new_length(self, i, n):
        return n + sum(self.padding[i])

    def call(self, inputs):
        widths = [(0, 0)] * (self.rank + 2)
        for axis, p in zip(_spatial_axes(self.rank, self.data_format), self.padding):
            widths[axis] = p
        return ops.pad(inputs, tuple(widths))

    def get_config(self):
        padding = self.padding[0] if self.rank == 1 else self.padding
        return {**super().get_config(), "padding": padding, "data_format": self.data_format}


class ZeroPadding1D(_ZeroPadding):
    """Zeros added at the start and end of the steps axis (``padding``: int or (before, after))."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(1, padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Zero rows and columns around an image.

    ``padding``: int, ``(sym_h, sym_w)`` or ``((top, bottom), (left, right))``.

    Example:
        >>> ZeroPadding2D(((1, 0), (2, 1)))(np.zeros((2, 4, 4, 3))).shape
        (2, 5, 7, 3)
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(2, padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Zeros around a volume; ``padding``: int, 3 ints or 3 (before, after) pairs."""

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, padding, data_format, **kwargs)


# ------------------------------------------------------------------ cropping
class _Cropping(_SpatialLayer):
    def __init__(self, rank, cropping, data_format=None, **kwargs):
        super().__init__(rank, data_format, **kwargs)
        self.cropping = _pairs(cropping, rank, "cropping", type(self).__name__)

    def _new_length(self, i, n):
        out = n - sum(self.cropping[i])
        if out <= 0:
            raise ValueError(f"{type(self).__name__} '{self.name}': cropping {self.cropping} leaves nothing "
                             f"of a spatial axis of length {n}; each axis's crops must sum to less "
                             f"than its length.")
        return out

    def call(self, inputs):
        shape = ops.shape(inputs)
        key = [slice(None)] * (self.rank + 2)
        for i, (axis, (a, b)) in enumerate(zip(_spatial_axes(self.rank, self.data_format), self.cropping)):
            key[axis] = slice(a, a + self._new_length(i, shape[axis]))
        return ops.getitem(inputs, tuple(key))

    def get_config(self):
        cropping = self.cropping[0] if self.rank == 1 else self.cropping
        cfg = {**super().get_config(), "cropping": cropping}
        if self.rank > 1:
            cfg["data_format"] = self.data_format
        return cfg


class Cropping1D(_Cropping):
    """Drops ``cropping = (start, end)`` steps from ``(batch, steps, channels)``."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(1, cropping, "channels_last", **kwargs)


class Cropping2D(_Cropping):
    """Crops an image: ``cropping`` int, ``(sym_h, sym_w)`` or ``((top, bottom), (left, right))``.

    Example:
        >>> Cropping2D(((1, 0), (1, 1)))(np.zeros((2, 5, 5, 3))).shape
        (2, 4, 3, 3)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(2, cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crops a volume: ``cropping`` int, 3 ints or 3 (before, after) pairs."""

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, cropping, data_format, **kwargs)


__all__ = ["Permute", "RepeatVector", "UpSampling1D", "UpSampling2D", "UpSampling3D",
           "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D"]
