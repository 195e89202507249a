"""Colour augmentation layers (Keras 3): grayscale, invert, solarize, posterize,
auto-contrast, saturation, hue, colour degeneration, sharpness, Gaussian blur and
colour jitter.

All work on NHWC internally; grayscale, RGB <-> HSV and the Gaussian blur are the
ops of ``kerasette.ops.image`` (the dm_pix formulas Keras uses). Random layers draw from
``portable_random`` (one seed, same images on every engine) and are the identity
unless ``training``; ``AutoContrast`` is deterministic and always applies, as Keras.
"""
from __future__ import annotations

from ... import config, ops
from ...ops import image as image_ops
from .image_augmentation import RandomBrightness, RandomContrast
from .image_common import ImageLayer, RandomImageLayer, check_range, check_value_range, rescale
from .portable_random import uniform

GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)


def _channels(layer, x, n=3):
    if ops.shape(x)[-1] != n:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': expects RGB images ({n} channels), "
                         f"got {ops.shape(x)[-1]} channels.")


def grayscale(x):
    """``(B, H, W, 1)`` luminance of NHWC RGB images (``kerasette.ops.image.rgb_to_grayscale``)."""
    return image_ops.rgb_to_grayscale(x, data_format="channels_last")


def rgb_to_hsv(x):
    """NHWC RGB -> HSV (``kerasette.ops.image.rgb_to_hsv``, the dm_pix formulas Keras uses)."""
    return image_ops.rgb_to_hsv(x, data_format="channels_last")


def hsv_to_rgb(x):
    """Inverse of ``rgb_to_hsv`` (``kerasette.ops.image.hsv_to_rgb``)."""
    return image_ops.hsv_to_rgb(x, data_format="channels_last")


def _per_image(u, b):
    return ops.reshape(u, (b, 1, 1, 1))


class _RandomColor(RandomImageLayer):
    """Random layer: identity at inference, else ``_apply(x_nhwc, seed)``."""

    def call(self, inputs, training=True):
        if not training:
            return inputs
        x, unbatched = self._nhwc(inputs)
        x = self._apply(x, self.seed_generator.next())
        return self._back(x, unbatched)


class RandomGrayscale(_RandomColor):
    """Converts each RGB image to grayscale (kept as 3 equal channels) with probability
    ``factor`` during training.

    Args:
        factor: probability in ``[0, 1]`` (default 0.5).
        data_format, seed: as the other image layers. (Keras 3 leaves ``seed`` out of the
            config; so does this layer.)
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 <= factor <= 1:
            raise ValueError(f"RandomGrayscale '{self.name}': `factor` must be a number in [0, 1], "
                             f"got {factor!r}.")
        self.factor = factor

    def _apply(self, x, seed):
        _channels(self, x)
        pick = ops.less(_per_image(uniform(seed, (ops.shape(x)[0],)), ops.shape(x)[0]), float(self.factor))
        return ops.where(pick, ops.broadcast_to(grayscale(x), ops.shape(x)), x)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomInvert(_RandomColor):
    """Replaces ``x`` by ``value_range[1] - x`` with a per-image probability drawn from
    ``factor`` (a number ``f`` reads as ``(0, f)``, as Keras 3: ``(1.0, 1.0)`` always inverts).

    Args:
        factor: a number or pair in ``[0, 1]`` (default 1.0).
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        seed, data_format: as the other image layers.
    """

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_range(self, "factor", factor, 0, 1)
        self.value_range = check_value_range(self, value_range, sort=False)

    def _apply(self, x, seed):
        b = ops.shape(x)[0]
        u = uniform(seed, (2, b))
        lo, hi = self.factor
        prob = ops.add(ops.multiply(ops.getitem(u, 0), hi - lo), lo)
        flip = _per_image(ops.less(ops.getitem(u, 1), prob), b)
        return ops.where(flip, ops.subtract(float(self.value_range[1]), x), x)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}


class Solarization(_RandomColor):
    """Solarizes during training: on the ``[0, 255]`` scale, adds a per-image offset, clips,
    and replaces each value ``v >= threshold`` by ``255 - v``.

    Offsets and thresholds are drawn uniformly from ``factor * 255`` (a number ``f`` reads as
    ``(0, f)``). Keras 3 scales only the upper end of each range by 255; here both ends are,
    so a pair ``(t, t)`` gives the fixed threshold ``255 t`` (the same as Keras whenever the
    lower end is 0).

    Args:
        addition_factor: a number or pair in ``[0, 1]`` (default 0).
        threshold_factor: a number or pair in ``[0, 1]`` (default 0: every pixel inverted).
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        seed: makes the draws reproducible.
    """

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None,
                 **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = check_range(self, "addition_factor", addition_factor, 0, 1)
        self.threshold_factor = check_range(self, "threshold_factor", threshold_factor, 0, 1)
        self.value_range = check_value_range(self, value_range)

    def _apply(self, x, seed):
        b = ops.shape(x)[0]
        u = uniform(seed, (2, b))
        (a0, a1), (t0, t1) = self.addition_factor, self.threshold_factor
        add = _per_image(ops.multiply(ops.add(ops.multiply(ops.getitem(u, 0), a1 - a0), a0), 255.0), b)
        thr = _per_image(ops.multiply(ops.add(ops.multiply(ops.getitem(u, 1), t1 - t0), t0), 255.0), b)
        y = ops.clip(ops.add(rescale(x, self.value_range, (0, 255)), add), 0.0, 255.0)
        y = ops.where(ops.less(y, thr), y, ops.subtract(255.0, y))
        return rescale(y, (0, 255), self.value_range)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "addition_factor": self.addition_factor, "threshold_factor": self.threshold_factor,
                "seed": self.seed}


class RandomPosterization(_RandomColor):
    """Keeps ``bits`` bits of each channel (on the ``[0, 255]`` scale) during training.

    ``bits`` is drawn per image from ``[low, high)`` of ``factor`` (a number ``f`` reads as
    ``(1, f)``, as Keras 3), or is ``low`` when ``low == high``.

    Args:
        factor: an int or pair of ints in ``[1, 8]``.
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        data_format, seed: as the other image layers.
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        vals = factor if isinstance(factor, (tuple, list)) else [factor]
        if any(isinstance(v, bool) or not isinstance(v, int) for v in vals):
            raise ValueError(f"RandomPosterization '{self.name}': `factor` must be an int or a pair "
                             f"of ints in [1, 8], got {factor!r}.")
        self.factor = tuple(int(v) for v in check_range(self, "factor", factor, 1, 8))
        self.value_range = check_value_range(self, value_range)

    def _apply(self, x, seed):
        b = ops.shape(x)[0]
        lo, hi = self.factor
        bits = ops.floor(ops.add(ops.multiply(uniform(seed, (b,)), float(hi - lo)), float(lo))) \
            if lo != hi else ops.full((b,), float(lo), "float32")
        step = _per_image(ops.cast(ops.power(2.0, ops.subtract(8.0, bits)), ops.dtype(x)), b)
        y = ops.floor(ops.clip(rescale(x, self.value_range, (0, 255)), 0.0, 255.0))
        y = ops.multiply(ops.floor(ops.divide(y, step)), step)
        return rescale(y, (0, 255), self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}


class AutoContrast(ImageLayer):
    """Stretches each image channel so its minimum maps to ``value_range[0]`` and its
    maximum to ``value_range[1]`` (constant channels are left as they are). Deterministic:
    applies in training and at inference, as Keras 3.

    Args:
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
    """

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = check_value_range(self, value_range, sort=False)

    def call(self, inputs, training=None):
        x, unbatched = self._nhwc(inputs)
        y = rescale(x, self.value_range, (0, 255))
        low = ops.min(y, axis=(1, 2), keepdims=True)
        high = ops.max(y, axis=(1, 2), keepdims=True)
        ok = ops.greater(high, low)
        scale = ops.divide(255.0, ops.where(ok, ops.subtract(high, low), ops.ones_like(high)))
        y = ops.clip(ops.multiply(ops.subtract(y, low), scale), 0.0, 255.0)
        y = ops.where(ok, rescale(y, (0, 255), self.value_range), x)
        return self._back(y, unbatched)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range}


class _FactorColor(_RandomColor):
    """Colour layer with ``factor`` (Keras bounds) and ``value_range``; draw per image."""

    _BOUNDS = (-1, 1)
    _SORT = True

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_range(self, "factor", factor, *self._BOUNDS)
        self.value_range = check_value_range(self, value_range, sort=self._SORT)

    def _draw(self, seed, b):
        lo, hi = self.factor
        return ops.add(ops.multiply(uniform(seed, (b,)), hi - lo), lo)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}


def _map_hsv_channel(x, index, fn):
    """``x`` (RGB, channels last) with HSV channel ``index`` replaced by ``fn`` of it."""
    hsv = rgb_to_hsv(x)
    channels = [ops.getitem(hsv, (Ellipsis, k)) for k in range(3)]
    channels[index] = fn(channels[index])
    return hsv_to_rgb(ops.stack(channels, axis=-1))


class RandomSaturation(_FactorColor):
    """Scales each image's HSV saturation by ``f / (1 - f)`` for ``f`` drawn from ``factor``
    (0.5 keeps the image, 0 makes it gray, 1 saturates it), as Keras 3: saturation is
    clipped to ``value_range``.

    Args:
        factor: a number ``f`` (``[-f, f]``) or a pair in ``[-1, 1]``.
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        data_format, seed: as the other image layers.
    """

    def _apply(self, x, seed):
        _channels(self, x)
        b = ops.shape(x)[0]
        f = self._draw(seed, b)
        f = ops.reshape(ops.divide(f, ops.add(ops.subtract(1.0, f), config.epsilon())), (b, 1, 1))
        lo, hi = float(self.value_range[0]), float(self.value_range[1])
        return _map_hsv_channel(x, 1, lambda s: ops.clip(ops.multiply(s, ops.cast(f, ops.dtype(x))),
                                                         lo, hi))


class RandomHue(_FactorColor):
    """Rotates each image's hue by ``+-f / 2`` turns, ``f`` drawn from ``factor`` and the
    sign at random (so ``(1.0, 1.0)`` always shifts by half a turn), as Keras 3.

    Args:
        factor: a number ``f`` (``[0, f]``) or a pair in ``[0, 1]``.
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        data_format, seed: as the other image layers.
    """

    _BOUNDS = (0, 1)
    _SORT = False

    def _apply(self, x, seed):
        _channels(self, x)
        b = ops.shape(x)[0]
        u = uniform(seed, (2, b))
        lo, hi = self.factor
        sign = ops.where(ops.greater(ops.getitem(u, 0), 0.5), -1.0, 1.0)
        delta = ops.multiply(ops.multiply(sign, ops.add(ops.multiply(ops.getitem(u, 1), hi - lo), lo)), 0.5)
        shift = ops.reshape(ops.cast(delta, ops.dtype(x)), (b, 1, 1))

        def rotate(h):
            h = ops.add(h, shift)
            h = ops.where(ops.greater(h, 1.0), ops.subtract(h, 1.0), h)
            return ops.where(ops.less(h, 0.0), ops.add(h, 1.0), h)

        y = _map_hsv_channel(rescale(x, self.value_range, (0, 1)), 0, rotate)
        return rescale(ops.clip(y, 0.0, 1.0), (0, 1), self.value_range)


class RandomColorDegeneration(_FactorColor):
    """Blends each image towards its grayscale version by a factor drawn from ``factor``
    (0 keeps it, 1 is fully gray), clipped to ``value_range``, as Keras 3.

    Args:
        factor: a number ``f`` (``[-f, f]``) or a pair in ``[-1, 1]``.
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        data_format, seed: as the other image layers.
    """

    def _apply(self, x, seed):
        _channels(self, x)
        b = ops.shape(x)[0]
        f = _per_image(ops.cast(self._draw(seed, b), ops.dtype(x)), b)
        y = ops.add(x, ops.multiply(f, ops.subtract(grayscale(x), x)))
        return ops.clip(y, float(self.value_range[0]), float(self.value_range[1]))


class RandomSharpness(_FactorColor):
    """Sharpens (or blurs) each image: ``x + (1 - 2f) * (smooth(x) - x)`` with ``f`` drawn
    from ``factor`` (0.5 keeps the image, 0 is the smoothed image), where ``smooth`` is
    Keras's 3x3 kernel (centre 5/13, others 1/13, zero padding); clipped to ``value_range``.

    Args:
        factor: a number ``f`` (``[0, f]``) or a pair in ``[0, 1]``.
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        data_format, seed: as the other image layers.
    """

    _BOUNDS = (0, 1)

    def _apply(self, x, seed):
        b, c = ops.shape(x)[0], ops.shape(x)[-1]
        s = _per_image(ops.cast(ops.multiply(self._draw(seed, b), 2.0), ops.dtype(x)), b)
        a, m = 1.0 / 13.0, 5.0 / 13.0
        k = [[[[v]] * c for v in row] for row in ((a, a, a), (a, m, a), (a, a, a))]
        smooth = ops.depthwise_conv(x, ops.convert_to_tensor(k, ops.dtype(x)), 1, "same", "channels_last")
        y = ops.add(x, ops.multiply(ops.subtract(1.0, s), ops.subtract(smooth, x)))
        return ops.clip(y, float(self.value_range[0]), float(self.value_range[1]))


class RandomColorJitter(RandomImageLayer):
    """Random brightness, contrast, saturation and hue, applied in that order (each only
    when its factor is given), as Keras 3.

    Args:
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        brightness_factor, contrast_factor, saturation_factor, hue_factor: the factors of
            ``RandomBrightness``, ``RandomContrast``, ``RandomSaturation``, ``RandomHue``.
        seed, data_format: as the other image layers.
    """

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = check_value_range(self, value_range, sort=False)
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        parts = [(RandomBrightness, brightness_factor), (RandomContrast, contrast_factor),
                 (RandomSaturation, saturation_factor), (RandomHue, hue_factor)]
        self._parts = [cls(f, value_range=value_range, seed=seed, data_format=self.data_format,
                           name=f"{self.name}_{cls.__name__.lower()}")
                       for cls, f in parts if f is not None]

    def call(self, inputs, training=True):
        if not training:
            return inputs
        x = inputs
        for part in self._parts:
            x = part(x, training=True)
        return x

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "brightness_factor": self.brightness_factor, "contrast_factor": self.contrast_factor,
                "saturation_factor": self.saturation_factor, "hue_factor": self.hue_factor,
                "seed": self.seed}


class RandomGaussianBlur(_RandomColor):
    """Blurs each image with probability drawn from ``factor`` (training only): a separable
    Gaussian of ``kernel_size`` (odd; a pair is ``(width, height)``) with ``sigma`` drawn
    once per batch for each axis (a number ``s`` reads as ``(0, s)``), zero padding,
    clipped to ``value_range``, as Keras 3.

    Args:
        factor: a number ``f`` (``[0, f]``) or a pair in ``[0, 1]`` (default 1.0).
        kernel_size: an odd int or a pair of odd ints (default 3).
        sigma: a number or a pair in ``[0, 1]`` (default 1.0).
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        data_format, seed: as the other image layers.
    """

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255), data_format=None,
                 seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_range(self, "factor", factor, 0, 1)
        sizes = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size, kernel_size)
        if len(sizes) != 2 or any(isinstance(k, bool) or not isinstance(k, int) or k < 1 or k % 2 == 0
                                  for k in sizes):
            raise ValueError(f"RandomGaussianBlur '{self.name}': `kernel_size` must be an odd positive "
                             f"int or a pair of them, got {kernel_size!r}.")
        self.kernel_size = tuple(sizes)
        self.sigma = check_range(self, "sigma", sigma, 0, 1)
        self.value_range = check_value_range(self, value_range, sort=False)

    def _apply(self, x, seed):
        b, dt = ops.shape(x)[0], ops.dtype(x)
        u = uniform(seed, (2 * b + 2,))
        (f0, f1), (s0, s1) = self.factor, self.sigma
        prob = ops.add(ops.multiply(ops.getitem(u, slice(0, b)), f1 - f0), f0)
        apply = _per_image(ops.less(ops.getitem(u, slice(b, 2 * b)), prob), b)
        sig = ops.cast(ops.add(ops.add(ops.multiply(ops.getitem(u, slice(2 * b, 2 * b + 2)), s1 - s0), s0),
                               1e-6), dt)
        y = image_ops.gaussian_blur(x, self.kernel_size, sig, data_format="channels_last")
        y = ops.clip(y, float(self.value_range[0]), float(self.value_range[1]))
        return ops.where(apply, y, ops.clip(x, float(self.value_range[0]), float(self.value_range[1])))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "kernel_size": self.kernel_size,
                "sigma": self.sigma, "value_range": self.value_range, "seed": self.seed}
