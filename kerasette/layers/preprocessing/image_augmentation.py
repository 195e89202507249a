"""Random image augmentation layers: flips, crops, rotations, translations, zooms,
contrast and brightness. Each is the identity (or, for ``RandomCrop``, a centre
crop) unless called with ``training=True``; draws come from
``portable_random`` so one seed gives the same images on every engine.
"""
from __future__ import annotations

import math

from ... import ops
from . import image_geometry as geo
from .image_common import RandomImageLayer, check_choice, check_range
from .portable_random import uniform

_FLIP_MODES = ("horizontal_and_vertical", "horizontal", "vertical")


class RandomFlip(RandomImageLayer):
    """Flips each image with probability 1/2 during training (both axes together for
    ``'horizontal_and_vertical'``, as Keras 3).

    Args:
        mode: ``'horizontal_and_vertical'``, ``'horizontal'`` or ``'vertical'``.
        seed: makes the draws reproducible.
        data_format: ``'channels_last'`` (default from the config) or ``'channels_first'``.

    Example:
        >>> RandomFlip("horizontal", seed=1)(np.zeros((2, 4, 4, 3)), training=True).shape
        (2, 4, 4, 3)
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        check_choice(self, "mode", mode, _FLIP_MODES)
        self.mode = mode

    def call(self, inputs, training=True):
        if not training:
            return inputs
        x, unbatched = self._nhwc(inputs)
        flip = ops.less_equal(uniform(self.seed_generator.next(), (ops.shape(x)[0], 1, 1, 1)), 0.5)
        if self.mode != "vertical":
            x = ops.where(flip, ops.flip(x, axis=2), x)
        if self.mode != "horizontal":
            x = ops.where(flip, ops.flip(x, axis=1), x)
        return self._back(x, unbatched)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}


class RandomCrop(RandomImageLayer):
    """Crops a random ``(height, width)`` window during training (one window per batch, as
    Keras 3); at inference, or when the image is not larger, a centre crop to the aspect
    ratio resized to the target.

    Args:
        height, width: the output size.
        seed: makes the draws reproducible.
        data_format: ``'channels_last'`` (default from the config) or ``'channels_first'``.
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        for name, v in (("height", height), ("width", width)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"RandomCrop '{self.name}': `{name}` must be a positive integer, "
                                 f"got {v!r}.")
        self.height, self.width = height, width

    def call(self, inputs, training=True):
        x, unbatched = self._nhwc(inputs)
        _, in_h, in_w, _ = ops.shape(x)
        if training and in_h > self.height and in_w > self.width:
            u = uniform(self.seed_generator.next(), (2,))
            top = ops.cast(ops.multiply(ops.getitem(u, 0), float(in_h - self.height + 1)), "int32")
            left = ops.cast(ops.multiply(ops.getitem(u, 1), float(in_w - self.width + 1)), "int32")
            # a window at traced offsets: gather its rows and columns
            rows = ops.add(ops.arange(0, self.height, dtype="int32"), top)
            cols = ops.add(ops.arange(0, self.width, dtype="int32"), left)
            x = ops.take(ops.take(x, rows, axis=1), cols, axis=2)
        elif (in_h, in_w) != (self.height, self.width):
            x = geo.resize(x, self.height, self.width, "bilinear", crop_to_aspect_ratio=True)
        return self._back(x, unbatched)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h, w = geo.spatial_axes(len(shape), self.data_format)
        shape[h], shape[w] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width, "seed": self.seed}


class _AffineLayer(RandomImageLayer):
    """A random affine warp with Keras 3's fill modes and interpolations."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        check_choice(self, "fill_mode", fill_mode, geo.FILL_MODES)
        check_choice(self, "interpolation", interpolation, geo.INTERPOLATIONS)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def call(self, inputs, training=True):
        if not training:
            return inputs
        x, unbatched = self._nhwc(inputs)
        bsz, h, w, _ = ops.shape(x)
        transform = self._transform(self.seed_generator.next(), bsz, h, w)
        x = geo.affine_transform(x, transform, self.interpolation, self.fill_mode, self.fill_value)
        return self._back(x, unbatched)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode, "fill_value": self.fill_value,
                "interpolation": self.interpolation, "seed": self.seed}


class RandomRotation(_AffineLayer):
    """Rotates each image by a random angle of ``factor * 2 pi`` during training.

    Args:
        factor: a number ``f`` (angles in ``[-f, f]`` turns) or a pair ``(low, high)``,
            values in ``[-1, 1]``.
        fill_mode: ``'reflect'``, ``'wrap'``, ``'constant'`` or ``'nearest'``.
        interpolation: ``'bilinear'`` or ``'nearest'``.
        seed: makes the draws reproducible.
        fill_value: the value outside the image for ``'constant'``.
        data_format: ``'channels_last'`` (default from the config) or ``'channels_first'``.

    Example:
        >>> RandomRotation(0.25, seed=1)(np.zeros((2, 8, 8, 3)), training=True).shape
        (2, 8, 8, 3)
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = check_range(self, "factor", factor, -1, 1)

    def _transform(self, seed, bsz, h, w):
        lo, hi = self.factor
        angle = uniform(seed, (bsz,), lo * 2 * math.pi, hi * 2 * math.pi)
        return geo.rotation_transform(angle, h, w)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomTranslation(_AffineLayer):
    """Shifts each image by random fractions of its height and width during training.

    Args:
        height_factor, width_factor: a number ``f`` (shifts in ``[-f, f]`` of the size) or a
            pair ``(low, high)``, values in ``[-1, 1]``.
        fill_mode, interpolation, seed, fill_value, data_format: as ``RandomRotation``.
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_range = check_range(self, "height_factor", height_factor, -1, 1)
        self.width_range = check_range(self, "width_factor", width_factor, -1, 1)
        self.height_factor, self.width_factor = height_factor, width_factor

    def _transform(self, seed, bsz, h, w):
        u = uniform(seed, (2, bsz))
        (hl, hh), (wl, wh) = self.height_range, self.width_range
        dy = ops.multiply(ops.add(ops.multiply(ops.getitem(u, 0), hh - hl), hl), float(h))
        dx = ops.multiply(ops.add(ops.multiply(ops.getitem(u, 1), wh - wl), wl), float(w))
        return geo.translation_transform(dx, dy)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomZoom(_AffineLayer):
    """Zooms each image by random amounts during training: a sampled extent of
    ``1 + f`` times the image (``f < 0`` zooms in, ``f > 0`` zooms out), as Keras 3.

    Args:
        height_factor: a number ``f`` (``[-f, f]``) or a pair ``(low, high)``, in ``[-1, 1]``.
        width_factor: the same for the width; ``None`` keeps the aspect (one draw for both).
        fill_mode, interpolation, seed, fill_value, data_format: as ``RandomRotation``.
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_range = check_range(self, "height_factor", height_factor, -1, 1)
        self.width_range = (None if width_factor is None
                            else check_range(self, "width_factor", width_factor, -1, 1))
        self.height_factor, self.width_factor = height_factor, width_factor

    def _transform(self, seed, bsz, h, w):
        u = uniform(seed, (2, bsz))
        hl, hh = self.height_range
        zy = ops.add(ops.multiply(ops.getitem(u, 0), hh - hl), 1.0 + hl)
        if self.width_range is None:
            zx = zy
        else:
            wl, wh = self.width_range
            zx = ops.add(ops.multiply(ops.getitem(u, 1), wh - wl), 1.0 + wl)
        return geo.zoom_transform(zx, zy, h, w)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class _ColorLayer(RandomImageLayer):
    def __init__(self, factor, value_range, seed, low, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_range(self, "factor", factor, low, 1)
        if (not isinstance(value_range, (tuple, list)) or len(value_range) != 2
                or any(not isinstance(v, (int, float)) for v in value_range)):
            raise ValueError(f"{type(self).__name__} '{self.name}': `value_range` must be a pair "
                             f"(low, high), got {value_range!r}.")
        self.value_range = value_range

    def call(self, inputs, training=True):
        if not training:
            return inputs
        x, unbatched = self._nhwc(inputs)
        draw = uniform(self.seed_generator.next(), (ops.shape(x)[0], 1, 1, 1))
        x = ops.clip(self._adjust(x, draw), float(min(self.value_range)), float(max(self.value_range)))
        return self._back(x, unbatched)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}


class RandomContrast(_ColorLayer):
    """Scales each image's deviation from its per-channel mean by a random factor during
    training, then clips to ``value_range``.

    Keras 3 reads ``factor`` with bounds ``[0, 1]``, so a number ``f`` becomes ``(0, f)`` and
    the contrast factor is drawn from ``[1 - 0, 1 + f]``; kept as is for compatibility.

    Args:
        factor: a number or a pair in ``[0, 1]``.
        value_range: ``(low, high)`` of the pixel values (default ``(0, 255)``).
        seed: makes the draws reproducible.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor, value_range, seed, 0, **kwargs)

    def _adjust(self, x, draw):
        lo, hi = self.factor
        scale = ops.add(ops.multiply(draw, hi + lo), 1.0 - lo)
        mean = ops.mean(x, axis=(1, 2), keepdims=True)
        return ops.add(ops.multiply(ops.subtract(x, mean), scale), mean)


class RandomBrightness(_ColorLayer):
    """Adds a random ``factor * (high - low)`` offset per image during training, then clips
    to ``value_range``.

    Args:
        factor: a number ``f`` (``[-f, f]``) or a pair, values in ``[-1, 1]``.
        value_range: ``(low, high)`` of the pixel values (default ``(0, 255)``).
        seed: makes the draws reproducible.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor, value_range, seed, -1, **kwargs)
        self.value_range = sorted(value_range)

    def _adjust(self, x, draw):
        lo, hi = self.factor
        span = self.value_range[1] - self.value_range[0]
        return ops.add(x, ops.multiply(ops.add(ops.multiply(draw, hi - lo), lo), float(span)))


class RandomShear(_AffineLayer):
    """Shears each image during training: output ``(x, y)`` reads input
    ``(x + sx * y, sy * x + y)`` (no centring, as Keras 3), with ``sx`` and ``sy`` drawn from
    ``x_factor`` / ``y_factor`` and one random sign per image for both.

    Args:
        x_factor, y_factor: a number ``f`` (``[-f, f]``) or a pair ``(low, high)``, values in
            ``[0, 1]`` (default 0: no shear on that axis).
        interpolation, fill_mode, fill_value, data_format, seed: as ``RandomRotation``.
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        # the ranges; the config keeps the arguments (Keras stores ``(-f, f)``, which its
        # own ``from_config`` then rejects)
        self.x_range = self._shear_range("x_factor", x_factor)
        self.y_range = self._shear_range("y_factor", y_factor)
        self.x_factor, self.y_factor = x_factor, y_factor

    def _shear_range(self, name, factor):
        lo, hi = check_range(self, name, factor, 0, 1)
        return (lo, hi) if isinstance(factor, (tuple, list)) else (-hi, hi)

    def _transform(self, seed, bsz, h, w):
        u = uniform(seed, (3, bsz))
        sign = ops.where(ops.greater(ops.getitem(u, 0), 0.5), -1.0, 1.0)
        (xl, xh), (yl, yh) = self.x_range, self.y_range
        sx = ops.multiply(ops.add(ops.multiply(ops.getitem(u, 1), xh - xl), xl), sign)
        sy = ops.multiply(ops.add(ops.multiply(ops.getitem(u, 2), yh - yl), yl), sign)
        one, zero = ops.ones_like(sx), ops.zeros_like(sx)
        return ops.stack([one, sx, zero, sy, one, zero], axis=1)

    def get_config(self):
        return {**super().get_config(), "x_factor": self.x_factor, "y_factor": self.y_factor}
