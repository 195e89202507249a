"""Image geometry written once on ``kerasette.ops``: every engine runs this code.

Images are handled as ``(batch, height, width, channels)``; ``to_nhwc`` /
``from_nhwc`` convert 3-D and channels-first inputs. Resizing and sampling are
the ops ``kerasette.ops.image.resize`` / ``affine_transform`` (one piece of code
for the ops and the layers): ``affine_transform`` samples with Keras 3's
convention, output pixel ``(y, x)`` reads input ``(b0*x + b1*y + b2, a0*x + a1*y +
a2)``; each interpolation tap outside the image is fixed by the fill mode (or
replaced by ``fill_value``).
"""
from __future__ import annotations

from ... import ops
from ...ops import image as image_ops

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")


def to_nhwc(x, data_format):
    """``(x as (B, H, W, C), was_unbatched)`` for a 3-D or 4-D image tensor."""
    unbatched = ops.ndim(x) == 3
    if unbatched:
        x = ops.expand_dims(x, 0)
    if data_format == "channels_first":
        x = ops.moveaxis(x, 1, -1)
    return x, unbatched


def from_nhwc(x, data_format, unbatched):
    """Inverse of ``to_nhwc``."""
    if data_format == "channels_first":
        x = ops.moveaxis(x, -1, 1)
    if unbatched:
        x = ops.squeeze(x, 0)
    return x


def spatial_axes(ndim, data_format):
    """(height axis, width axis) of a 3-D or 4-D shape."""
    return (ndim - 2, ndim - 1) if data_format == "channels_first" else (ndim - 3, ndim - 2)


def crop(x, top, left, height, width):
    """The window ``[top:top+height, left:left+width]`` of a NHWC tensor (static ints)."""
    return ops.getitem(x, (slice(None), slice(top, top + height), slice(left, left + width)))


def resize(x, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_value=0.0, antialias=False):
    """Resize a NHWC tensor to ``(height, width)``: ``kerasette.ops.image.resize``."""
    return image_ops.resize(x, (height, width), interpolation=interpolation, antialias=antialias,
                            crop_to_aspect_ratio=crop_to_aspect_ratio,
                            pad_to_aspect_ratio=pad_to_aspect_ratio, fill_value=fill_value,
                            data_format="channels_last")


# ------------------------------------------------------------------ affine
def affine_transform(x, transform, interpolation="bilinear", fill_mode="reflect", fill_value=0.0):
    """Sample a NHWC tensor through per-image affine maps (``kerasette.ops.image.affine_transform``).

    Args:
        x: ``(B, H, W, C)`` float tensor.
        transform: ``(B, 6)`` rows ``[a0, a1, a2, b0, b1, b2]`` mapping output ``(x, y)``
            to input ``(a0*x + a1*y + a2, b0*x + b1*y + b2)``.
        interpolation: ``'bilinear'`` or ``'nearest'``.
        fill_mode: one of ``FILL_MODES`` (Keras 3's meanings).
        fill_value: value outside the image for ``'constant'``.
    Returns:
        ``(B, H, W, C)``.
    """
    t = ops.cast(transform, ops.dtype(x))
    t = ops.concatenate([t, ops.zeros((ops.shape(t)[0], 2), ops.dtype(t))], axis=1)
    return image_ops.affine_transform(x, t, interpolation=interpolation, fill_mode=fill_mode,
                                      fill_value=fill_value, data_format="channels_last")


def rotation_transform(angle, height, width):
    """``(B, 6)`` maps rotating by ``angle`` (radians, ``(B,)``) about the image centre."""
    cos, sin = ops.cos(angle), ops.sin(angle)
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    a2 = ops.add(ops.subtract(cx, ops.multiply(cos, cx)), ops.multiply(sin, cy))
    b2 = ops.subtract(ops.subtract(cy, ops.multiply(sin, cx)), ops.multiply(cos, cy))
    return ops.stack([cos, ops.negative(sin), a2, sin, cos, b2], axis=1)


def translation_transform(dx, dy):
    """``(B, 6)`` maps shifting the image by ``(dx, dy)`` pixels (``(B,)`` each)."""
    one, zero = ops.ones_like(dx), ops.zeros_like(dx)
    return ops.stack([one, zero, ops.negative(dx), zero, one, ops.negative(dy)], axis=1)


def zoom_transform(zx, zy, height, width):
    """``(B, 6)`` maps sampling ``zx`` / ``zy`` times the extent about the centre (``(B,)``)."""
    zero = ops.zeros_like(zx)
    ox = ops.multiply(ops.subtract(1.0, zx), (width - 1) / 2.0)
    oy = ops.multiply(ops.subtract(1.0, zy), (height - 1) / 2.0)
    return ops.stack([zx, zero, ox, zero, zy, oy], axis=1)
