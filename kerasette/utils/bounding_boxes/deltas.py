"""Boxes as deltas from anchors and back (Keras 3's ``encode_box_to_deltas`` / ``decode_deltas_to_boxes``)."""
from __future__ import annotations

from ... import config, ops
from .converters import convert_format

_ENCODINGS = ("center_xywh", "center_yxhw")


def _check(op, arg, encoding, variance, image_shape):
    if encoding not in _ENCODINGS:
        raise ValueError(f"{op}: `{arg}` must be one of {list(_ENCODINGS)}, got {encoding!r}.")
    if variance is not None:
        variance = ops.convert(variance, "float32")
        if tuple(ops.shape(variance))[-1:] != (4,):
            raise ValueError(f"{op}: `variance` must hold 4 numbers, got shape {tuple(ops.shape(variance))}.")
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]
    return variance, height, width


def _halves(x):
    return ops.getitem(x, (Ellipsis, slice(0, 2))), ops.getitem(x, (Ellipsis, slice(2, 4)))


def encode_box_to_deltas(anchors, boxes, anchor_format, box_format, encoding_format="center_yxhw",
                         variance=None, image_shape=None):
    """Deltas of ``boxes`` from ``anchors`` (both converted to ``encoding_format``): centre
    offsets over the anchor size and log size ratios (sizes floored at epsilon), divided by
    ``variance`` if given. ``image_shape`` ``(height, width, channels)`` serves relative formats."""
    variance, height, width = _check("encode_box_to_deltas", "encoding_format", encoding_format, variance,
                                     image_shape)
    a_c, a_s = _halves(convert_format(anchors, anchor_format, encoding_format, height, width))
    b_c, b_s = _halves(convert_format(boxes, box_format, encoding_format, height, width))
    a_s, b_s = ops.maximum(a_s, config.epsilon()), ops.maximum(b_s, config.epsilon())
    deltas = ops.concatenate([ops.divide(ops.subtract(b_c, a_c), a_s), ops.log(ops.divide(b_s, a_s))], axis=-1)
    return deltas if variance is None else ops.divide(deltas, variance)


def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format, box_format, encoded_format="center_yxhw",
                           variance=None, image_shape=None):
    """The inverse of ``encode_box_to_deltas``, returning boxes in ``box_format``; ``anchors``
    and ``boxes_delta`` may be dicts of levels (the same keys), decoded level by level."""
    variance, height, width = _check("decode_deltas_to_boxes", "encoded_format", encoded_format, variance,
                                     image_shape)

    def level(anchor, delta):
        a_c, a_s = _halves(convert_format(anchor, anchor_format, encoded_format, height, width))
        if variance is not None:
            delta = ops.multiply(delta, variance)
        d_c, d_s = _halves(delta)
        box = ops.concatenate([ops.add(ops.multiply(d_c, a_s), a_c), ops.multiply(ops.exp(d_s), a_s)], axis=-1)
        return convert_format(box, encoded_format, box_format, height, width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {key: level(anchor, boxes_delta[key]) for key, anchor in anchors.items()}
    return level(anchors, boxes_delta)
