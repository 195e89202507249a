"""Image geometry written once on ``kerasette.ops``: every engine runs this code.

Images are handled as ``(batch, height, width, channels)``; ``to_nhwc`` /
``from_nhwc`` convert 3-D and channels-first inputs. Resizing is separable
(source indices and weights are computed on the host from the static sizes, as
``jax.image.resize`` without antialiasing: half-pixel centres, edges clamped).
``affine_transform`` samples with Keras 3's convention: output pixel ``(y, x)``
reads input ``(b0*x + b1*y + b2, a0*x + a1*y + a2)``; each interpolation tap
outside the image is fixed by the fill mode (or replaced by ``fill_value``).
"""
from __future__ import annotations

import math

from ... import ops

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")


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


def aspect_crop_box(in_h, in_w, out_h, out_w):
    """(top, left, height, width): the largest centred window with ``out_h / out_w``'s aspect."""
    h = max(min(in_h, int(float(in_w * out_h) / out_w)), 1)
    w = max(min(in_w, int(float(in_h * out_w) / out_h)), 1)
    return int(float(in_h - h) / 2), int(float(in_w - w) / 2), h, w


def aspect_pad(in_h, in_w, out_h, out_w):
    """(rows, cols) added on each side so the image has ``out_h / out_w``'s aspect."""
    h = max(in_h, int(float(in_w * out_h) / out_w))
    w = max(in_w, int(float(in_h * out_w) / out_h))
    return int(float(h - in_h) / 2), int(float(w - in_w) / 2)


def _resize_axis(x, axis, size, interpolation):
    n = ops.shape(x)[axis]
    if n == size:
        return x
    scale = n / size
    if interpolation == "nearest":
        idx = [min(int(math.floor((o + 0.5) * scale)), n - 1) for o in range(size)]
        return ops.take(x, ops.convert_to_tensor(idx, "int32"), axis=axis)
    lo, hi, w = [], [], []
    for o in range(size):
        src = min(max((o + 0.5) * scale - 0.5, 0.0), n - 1.0)
        i = int(src)
        lo.append(i)
        hi.append(min(i + 1, n - 1))
        w.append(src - i)
    shape = [1] * ops.ndim(x)
    shape[axis] = size
    w = ops.reshape(ops.convert_to_tensor(w, ops.dtype(x)), tuple(shape))
    a = ops.take(x, ops.convert_to_tensor(lo, "int32"), axis=axis)
    b = ops.take(x, ops.convert_to_tensor(hi, "int32"), axis=axis)
    return ops.add(a, ops.multiply(ops.subtract(b, a), w))


def resize(x, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_value=0.0):
    """Resize a NHWC tensor to ``(height, width)`` (no antialiasing)."""
    _, in_h, in_w, _ = ops.shape(x)
    if crop_to_aspect_ratio:
        x = crop(x, *aspect_crop_box(in_h, in_w, height, width))
    elif pad_to_aspect_ratio:
        ph, pw = aspect_pad(in_h, in_w, height, width)
        if ph or pw:
            x = ops.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)), constant_values=fill_value)
    x = _resize_axis(x, 1, height, interpolation)
    return _resize_axis(x, 2, width, interpolation)


# ------------------------------------------------------------------ affine
def _fix(i, n, fill_mode):
    """(index in [0, n) as float, validity mask or None) for integer-valued float taps."""
    if fill_mode == "wrap":
        return ops.mod(i, float(n)), None
    if fill_mode == "reflect":  # d c b a | a b c d | d c b a
        m = ops.mod(i, 2.0 * n)
        return ops.where(ops.greater_equal(m, float(n)), ops.subtract(2.0 * n - 1.0, m), m), None
    clipped = ops.clip(i, 0.0, n - 1.0)
    if fill_mode == "nearest":
        return clipped, None
    return clipped, ops.logical_and(ops.greater_equal(i, 0.0), ops.less_equal(i, n - 1.0))


def _gather(flat, base, yi, xi, h, w, c, fill_mode, fill_value):
    y, y_ok = _fix(yi, h, fill_mode)
    x, x_ok = _fix(xi, w, fill_mode)
    idx = ops.add(ops.add(ops.multiply(ops.cast(y, "int32"), w), ops.cast(x, "int32")), base)
    shape = tuple(ops.shape(idx))
    vals = ops.reshape(ops.take(flat, ops.reshape(idx, (-1,)), axis=0), shape + (c,))
    if y_ok is None:
        return vals
    ok = ops.expand_dims(ops.logical_and(y_ok, x_ok), -1)
    return ops.where(ok, vals, ops.cast(fill_value, ops.dtype(vals)))


def affine_transform(x, transform, interpolation="bilinear", fill_mode="reflect", fill_value=0.0):
    """Sample a NHWC tensor through per-image affine maps.

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
    bsz, h, w, c = ops.shape(x)
    dt = ops.dtype(x)
    t = ops.cast(transform, dt)
    a0, a1, a2, b0, b1, b2 = (ops.reshape(ops.getitem(t, (slice(None), k)), (bsz, 1, 1))
                              for k in range(6))
    xs = ops.reshape(ops.arange(0, w, dtype=dt), (1, 1, w))
    ys = ops.reshape(ops.arange(0, h, dtype=dt), (1, h, 1))
    src_x = ops.add(ops.add(ops.multiply(a0, xs), ops.multiply(a1, ys)), a2)
    src_y = ops.add(ops.add(ops.multiply(b0, xs), ops.multiply(b1, ys)), b2)
    flat = ops.reshape(x, (bsz * h * w, c))
    base = ops.reshape(ops.multiply(ops.arange(0, bsz, dtype="int32"), h * w), (bsz, 1, 1))
    args = (h, w, c, fill_mode, fill_value)
    if interpolation == "nearest":
        return _gather(flat, base, ops.floor(ops.add(src_y, 0.5)), ops.floor(ops.add(src_x, 0.5)),
                       *args)
    y0, x0 = ops.floor(src_y), ops.floor(src_x)
    wy = ops.expand_dims(ops.subtract(src_y, y0), -1)
    wx = ops.expand_dims(ops.subtract(src_x, x0), -1)
    y1, x1 = ops.add(y0, 1.0), ops.add(x0, 1.0)
    top = ops.add(ops.multiply(_gather(flat, base, y0, x0, *args), ops.subtract(1.0, wx)),
                  ops.multiply(_gather(flat, base, y0, x1, *args), wx))
    bottom = ops.add(ops.multiply(_gather(flat, base, y1, x0, *args), ops.subtract(1.0, wx)),
                     ops.multiply(_gather(flat, base, y1, x1, *args), wx))
    return ops.add(ops.multiply(top, ops.subtract(1.0, wy)), ops.multiply(bottom, wy))


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
