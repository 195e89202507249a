"""Format conversion, clipping, cropping, padding and affine maps of boxes (Keras 3's rules)."""
from __future__ import annotations

import math

from ... import ops

FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw",
           "rel_xyxy", "rel_yxyx", "rel_xywh", "rel_center_xywh")


def _split(boxes):
    return [ops.getitem(boxes, (Ellipsis, slice(i, i + 1))) for i in range(4)]


def _join(parts):
    return ops.concatenate(parts, axis=-1)


def _to_xyxy(kind, boxes):
    """Absolute (or jointly relative) ``kind`` -> ``xyxy``."""
    a, b, c, d = _split(boxes)
    if kind == "xyxy":
        return boxes
    if kind == "yxyx":
        return _join([b, a, d, c])
    if kind == "xywh":
        return _join([a, b, ops.add(a, c), ops.add(b, d)])
    if kind == "center_yxhw":
        a, b, c, d = b, a, d, c
    # center_xywh
    hw, hh = ops.divide(c, 2.0), ops.divide(d, 2.0)
    return _join([ops.subtract(a, hw), ops.subtract(b, hh), ops.add(a, hw), ops.add(b, hh)])


def _from_xyxy(kind, boxes):
    x1, y1, x2, y2 = _split(boxes)
    if kind == "xyxy":
        return boxes
    if kind == "yxyx":
        return _join([y1, x1, y2, x2])
    w, h = ops.subtract(x2, x1), ops.subtract(y2, y1)
    if kind == "xywh":
        return _join([x1, y1, w, h])
    cx, cy = ops.add(x1, ops.divide(w, 2.0)), ops.add(y1, ops.divide(h, 2.0))
    return _join([cx, cy, w, h]) if kind == "center_xywh" else _join([cy, cx, h, w])


def _scale(boxes, sx, sy):
    """Multiply the x coordinates (and widths) by ``sx``, the y ones by ``sy`` (xyxy)."""
    x1, y1, x2, y2 = _split(boxes)
    return _join([ops.multiply(x1, sx), ops.multiply(y1, sy), ops.multiply(x2, sx), ops.multiply(y2, sy)])


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Boxes (or the ``"boxes"`` of a dict, updated in place and returned) converted from
    format ``source`` to ``target`` (case-insensitive, one of ``FORMATS``), cast to ``dtype``.

    ``height`` and ``width`` (of the image) are needed when exactly one side is relative
    (``rel_*``, coordinates divided by the image size).
    """
    if isinstance(boxes, dict):
        boxes["boxes"] = convert_format(boxes["boxes"], source, target, height, width, dtype)
        return boxes
    shape = tuple(ops.shape(boxes))
    if not shape or shape[-1] != 4:
        raise ValueError(f"convert_format: `boxes` must have a last axis of 4, got shape {shape}.")
    source, target = str(source).lower(), str(target).lower()
    for arg, value in (("source", source), ("target", target)):
        if value not in FORMATS:
            raise ValueError(f"convert_format: `{arg}` must be one of {list(FORMATS)}, got {value!r}.")
    rel_s, rel_t = source.startswith("rel_"), target.startswith("rel_")
    if (rel_s or rel_t) and (height is None or width is None):
        raise ValueError(f"convert_format: `height` and `width` are needed to convert from {source!r} to "
                         f"{target!r}; got height={height}, width={width}.")
    boxes = ops.cast(boxes, dtype)
    if source == target:
        return boxes
    if rel_s and rel_t:
        rel_s = rel_t = False
    xyxy = _to_xyxy(source.replace("rel_", "", 1), boxes)
    if rel_s:
        xyxy = _scale(xyxy, ops.cast(width, dtype), ops.cast(height, dtype))
    if rel_t:
        xyxy = _scale(xyxy, ops.divide(1.0, ops.cast(width, dtype)), ops.divide(1.0, ops.cast(height, dtype)))
    return _from_xyxy(target.replace("rel_", "", 1), xyxy)


def _xyxy_only(op, bounding_box_format, allowed=("xyxy",)):
    if bounding_box_format not in allowed:
        raise NotImplementedError(f"{op}: `bounding_box_format` {bounding_box_format!r} is not supported "
                                  f"(as in Keras 3: {list(allowed)} only); convert with convert_format first.")


def _clip_xyxy(boxes, x_high, y_high):
    x1, y1, x2, y2 = _split(boxes)
    return _join([ops.clip(x1, 0, x_high), ops.clip(y1, 0, y_high), ops.clip(x2, 0, x_high),
                  ops.clip(y2, 0, y_high)])


def clip_to_image_size(bounding_boxes, height=None, width=None, bounding_box_format="xyxy"):
    """The dict ``bounding_boxes`` (``"boxes"``, optional ``"labels"``) with its boxes clipped
    to the image (``[0, width] x [0, height]``, or ``[0, 1]`` for ``"rel_xyxy"``); labels of
    boxes left with no area become -1, as Keras 3."""
    _xyxy_only("clip_to_image_size", bounding_box_format, ("xyxy", "rel_xyxy"))
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError("clip_to_image_size: `height` and `width` are needed for format 'xyxy', got "
                         f"height={height}, width={width}.")
    boxes = bounding_boxes["boxes"]
    if bounding_box_format == "xyxy":
        boxes = _clip_xyxy(boxes, ops.cast(width, ops.dtype(boxes)), ops.cast(height, ops.dtype(boxes)))
    else:
        boxes = _clip_xyxy(boxes, 1.0, 1.0)
    result = {**bounding_boxes, "boxes": boxes}
    if bounding_boxes.get("labels") is not None:
        x1, y1, x2, y2 = _split(boxes)
        area = ops.squeeze(ops.multiply(ops.subtract(x2, x1), ops.subtract(y2, y1)), axis=-1)
        labels = bounding_boxes["labels"]
        result["labels"] = ops.where(ops.greater(area, 0), labels, ops.cast(-1, ops.dtype(labels)))
    return result


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """``xyxy`` boxes moved by ``(-left, -top)`` and clipped to the ``height`` x ``width`` crop."""
    _xyxy_only("crop", bounding_box_format)
    x1, y1, x2, y2 = _split(boxes)
    moved = _join([ops.subtract(x1, left), ops.subtract(y1, top), ops.subtract(x2, left), ops.subtract(y2, top)])
    return _clip_xyxy(moved, width, height)


def pad(boxes, top, left, height=None, width=None, bounding_box_format="xyxy"):
    """``xyxy`` boxes moved by ``(left, top)`` (the image padded above and on the left)."""
    _xyxy_only("pad", bounding_box_format)
    x1, y1, x2, y2 = _split(boxes)
    return _join([ops.add(x1, left), ops.add(y1, top), ops.add(x2, left), ops.add(y2, top)])


def _inverse_affine(angle, translate_x, translate_y, scale, shear_x, shear_y, height, width, center_x,
                    center_y):
    """``(B, 2, 3)`` maps of points, the inverse of torchvision's affine (angles in degrees)."""
    deg = math.pi / 180.0
    rot = ops.multiply(ops.negative(angle), deg)
    sx, sy = ops.multiply(ops.negative(shear_x), deg), ops.multiply(ops.negative(shear_y), deg)
    cx, cy = center_x * (width - 1), center_y * (height - 1)
    ox = ops.add(cx, ops.multiply(ops.negative(translate_x), width - 1))
    oy = ops.add(cy, ops.multiply(ops.negative(translate_y), height - 1))
    cos_sy, tan_sx = ops.cos(sy), ops.tan(sx)
    a = ops.divide(ops.cos(ops.subtract(rot, sy)), cos_sy)
    b = ops.add(ops.multiply(a, tan_sx), ops.sin(rot))
    c = ops.negative(ops.divide(ops.sin(ops.subtract(rot, sy)), cos_sy))
    d = ops.subtract(ops.cos(rot), ops.multiply(c, tan_sx))
    m00, m01 = ops.multiply(d, scale), ops.multiply(ops.negative(b), scale)
    m10, m11 = ops.multiply(ops.negative(c), scale), ops.multiply(a, scale)
    m02 = ops.subtract(ops.subtract(cx, ops.multiply(m00, ox)), ops.multiply(m01, oy))
    m12 = ops.subtract(ops.subtract(cy, ops.multiply(m10, ox)), ops.multiply(m11, oy))
    return m00, m01, m02, m10, m11, m12


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y, height, width,
                     center_x=None, center_y=None, bounding_box_format="xyxy"):
    """``(B, N, 4)`` ``xyxy`` boxes through per-image affine maps (each argument ``(B,)``):
    rotation ``angle`` and shears in degrees, translations as fractions of the image
    size, about the centre ``(center_x, center_y)`` (fractions, default 0.5). Each box
    becomes the bounding box of its four mapped corners (Keras 3's rule)."""
    _xyxy_only("affine_transform", bounding_box_format)
    if ops.ndim(boxes) != 3 or ops.shape(boxes)[-1] != 4:
        raise ValueError(f"affine_transform: `boxes` must have shape (batch, num_boxes, 4), got "
                         f"{tuple(ops.shape(boxes))}.")
    angle = ops.convert(angle, "float32")
    m = [ops.reshape(v, (-1, 1, 1)) for v in _inverse_affine(
        angle, translate_x, translate_y, scale, shear_x, shear_y, height, width,
        0.5 if center_x is None else center_x, 0.5 if center_y is None else center_y)]
    boxes = ops.cast(boxes, ops.dtype(angle))
    x1, y1, x2, y2 = _split(boxes)
    xs = ops.concatenate([x1, x2, x2, x1], axis=-1)  # (B, N, 4) corner x
    ys = ops.concatenate([y1, y1, y2, y2], axis=-1)
    nx = ops.add(ops.add(ops.multiply(m[0], xs), ops.multiply(m[1], ys)), m[2])
    ny = ops.add(ops.add(ops.multiply(m[3], xs), ops.multiply(m[4], ys)), m[5])
    return ops.stack([ops.min(nx, axis=-1), ops.min(ny, axis=-1), ops.max(nx, axis=-1), ops.max(ny, axis=-1)],
                     axis=-1)
