"""Images on the host, as ``keras.utils``: ``load_img``, ``img_to_array``,
``array_to_img``, ``save_img``. Pillow reads and writes the files (``pip install
pillow``); arrays are NumPy, channels-last unless ``data_format`` says otherwise."""
from __future__ import annotations

import os
import warnings

import numpy as np

from .. import config

INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _pil():
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("Reading and writing images needs Pillow: pip install pillow") from e
    return Image


def _data_format(data_format):
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"`data_format` must be 'channels_last' or 'channels_first', got {data_format!r}.")
    return data_format


def _resample(image_module, interpolation):
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Invalid interpolation {interpolation!r}; supported: {', '.join(INTERPOLATIONS)}.")
    return getattr(image_module.Resampling, interpolation.upper())


def _crop_to_aspect(img, height, width):
    """The largest centred crop of ``img`` with the aspect ratio ``width / height``."""
    w, h = img.size
    crop_w, crop_h = min(w, h * width // height), min(h, w * height // width)
    left, top = (w - crop_w) // 2, (h - crop_h) // 2
    return img.crop((left, top, left + crop_w, top + crop_h))


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """Load an image file as a PIL image.

    Args:
        path: a path (str or ``pathlib.Path``) or a binary file object.
        color_mode: ``"rgb"``, ``"rgba"`` or ``"grayscale"``.
        target_size: ``(height, width)`` to resize to, or None (keep the size).
        interpolation: ``nearest``, ``bilinear``, ``bicubic``, ``hamming``, ``box`` or ``lanczos``.
        keep_aspect_ratio: crop the centre to the target's aspect ratio before resizing.

    Returns:
        A ``PIL.Image.Image``.

    Example:
        >>> x = img_to_array(load_img("cat.jpg", target_size=(224, 224)))
    """
    image_module = _pil()
    modes = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}
    if color_mode not in modes:
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba", got {color_mode!r}.')
    if isinstance(path, (str, os.PathLike)):
        name = os.fspath(path)
        try:
            img = image_module.open(name)
            img.load()
        except FileNotFoundError:
            raise
        except Exception as e:  # noqa: BLE001 -- PIL raises many types for damaged files
            raise ValueError(f"Cannot read the image file {name!r}: {e}") from e
    elif hasattr(path, "read"):
        img = image_module.open(path)
    else:
        raise TypeError(f"path should be a path or a binary file object, got {type(path).__name__}.")
    want = modes[color_mode]
    if img.mode != want and not (want == "L" and img.mode in ("I;16", "I")):
        img = img.convert(want)
    if target_size is not None:
        height, width = target_size
        if img.size != (width, height):
            if keep_aspect_ratio:
                img = _crop_to_aspect(img, height, width)
            img = img.resize((width, height), _resample(image_module, interpolation))
    return img


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image as a 3-D NumPy array ``(height, width, channels)`` (channels first
    with ``data_format="channels_first"``), of ``dtype`` (default floatx)."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 2:
        x = x[..., None]
    elif x.ndim != 3:
        raise ValueError(f"Unsupported image shape {x.shape}: expected (height, width[, channels]).")
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3-D array as a PIL image: 1 channel gives grayscale, 3 RGB, 4 RGBA.

    With ``scale``, values are shifted and stretched to 0-255 first.
    """
    image_module = _pil()
    data_format = _data_format(data_format)
    x = np.asarray(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError(f"Expected an image array of rank 3 (one image), got shape {x.shape}.")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x = x / top
        x = x * 255
    channels = x.shape[2]
    if channels == 4:
        return image_module.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return image_module.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:  # 32-bit signed integer grayscale
            return image_module.fromarray(x[:, :, 0].astype("int32"), "I")
        return image_module.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels} (image shape {x.shape}); use 1, 3 or 4.")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save a 3-D array as an image file (format from ``file_format`` or the extension).

    Extra keyword arguments go to ``PIL.Image.save`` (e.g. ``quality=90``).
    """
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format == "jpg" or file_format == "jpeg" or (
            file_format is None and str(path).lower().endswith((".jpg", ".jpeg")))):
        warnings.warn("The JPEG format does not support RGBA images; converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    if file_format == "jpg":
        file_format = "jpeg"
    img.save(path, format=file_format, **kwargs)
