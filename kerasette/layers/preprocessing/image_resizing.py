"""Deterministic image layers: ``Resizing`` and ``CenterCrop``."""
from __future__ import annotations

from ... import ops
from . import image_geometry as geo
from .image_common import ImageLayer, check_choice


def _check_size(layer, height, width):
    for name, v in (("height", height), ("width", width)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{type(layer).__name__} '{layer.name}': `{name}` must be a positive "
                             f"integer, got {v!r}.")


def _with_hw(layer, input_shape, height, width):
    shape = list(input_shape)
    h, w = geo.spatial_axes(len(shape), layer.data_format)
    shape[h], shape[w] = height, width
    return tuple(shape)


class Resizing(ImageLayer):
    """Resizes images to ``(height, width)``.

    Args:
        height, width: the output size.
        interpolation: ``'bilinear'`` (half-pixel centres), ``'nearest'``, ``'bicubic'``,
            ``'lanczos3'`` or ``'lanczos5'`` (``kerasette.ops.image.resize``).
        crop_to_aspect_ratio: crop the largest centred window of the target aspect first.
        pad_to_aspect_ratio: pad the short side evenly with ``fill_value`` first.
        fill_mode: only ``'constant'`` (as Keras 3).
        fill_value: the padding value.
        antialias: widen the kernel when downsampling (not for ``'nearest'``).
        data_format: ``'channels_last'`` (default from the config) or ``'channels_first'``.

    Example:
        >>> Resizing(8, 8)(np.zeros((2, 4, 4, 3))).shape
        (2, 8, 8, 3)
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        _check_size(self, height, width)
        check_choice(self, "interpolation", interpolation, geo.RESIZE_INTERPOLATIONS)
        check_choice(self, "fill_mode", fill_mode, ("constant",))
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(f"Resizing '{self.name}': only one of `crop_to_aspect_ratio` and "
                             "`pad_to_aspect_ratio` can be True.")
        self.height, self.width = height, width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def call(self, inputs):
        x, unbatched = self._nhwc(inputs)
        x = geo.resize(x, self.height, self.width, self.interpolation, self.crop_to_aspect_ratio,
                       self.pad_to_aspect_ratio, self.fill_value, self.antialias)
        return self._back(x, unbatched)

    def compute_output_shape(self, input_shape):
        return _with_hw(self, input_shape, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation, "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


def center_crop(x, height, width):
    """Centre window of a NHWC tensor; a smaller image is cropped to the aspect and resized."""
    in_h, in_w = ops.shape(x)[1], ops.shape(x)[2]
    if in_h >= height and in_w >= width:
        return geo.crop(x, (in_h - height) // 2, (in_w - width) // 2, height, width)
    return geo.resize(x, height, width, "bilinear", crop_to_aspect_ratio=True)


class CenterCrop(ImageLayer):
    """Crops the central ``(height, width)`` window (an image smaller than that is cropped to
    the target aspect ratio and resized, as Keras 3).

    Args:
        height, width: the output size.
        data_format: ``'channels_last'`` (default from the config) or ``'channels_first'``.

    Example:
        >>> CenterCrop(2, 2)(np.zeros((1, 4, 4, 3))).shape
        (1, 2, 2, 3)
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        _check_size(self, height, width)
        self.height, self.width = height, width

    def call(self, inputs):
        x, unbatched = self._nhwc(inputs)
        return self._back(center_crop(x, self.height, self.width), unbatched)

    def compute_output_shape(self, input_shape):
        return _with_hw(self, input_shape, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
