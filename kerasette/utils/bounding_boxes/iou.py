"""Intersection over union of boxes (Keras 3's ``compute_iou`` and ``compute_ciou``)."""
from __future__ import annotations

import math

from ... import config, ops
from .converters import _split, convert_format


def _size(image_shape, op, bounding_box_format):
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError(f"{op}: a relative `bounding_box_format` ({bounding_box_format!r}) needs "
                         f"`image_shape`, got None.")
    return (None, None) if image_shape is None else tuple(image_shape)[:2]


def compute_iou(boxes1, boxes2, bounding_box_format, use_masking=False, mask_val=-1, image_shape=None):
    """Pairwise IoU: ``(N, M)`` for ``(N, 4)`` and ``(M, 4)`` boxes, ``(B, N, M)`` when either
    is batched ``(B, ., 4)``. With ``use_masking``, pairs where either box has all
    coordinates negative (padding) get ``mask_val``."""
    for arg, boxes in (("boxes1", boxes1), ("boxes2", boxes2)):
        if ops.ndim(boxes) not in (2, 3):
            raise ValueError(f"compute_iou: `{arg}` must have shape (num_boxes, 4) or (batch, num_boxes, 4), "
                             f"got {tuple(ops.shape(boxes))}.")
    height, width = _size(image_shape, "compute_iou", bounding_box_format)
    b1 = ops.expand_dims(convert_format(boxes1, bounding_box_format, "xyxy", height, width), -2)  # (.., N, 1, 4)
    b2 = ops.expand_dims(convert_format(boxes2, bounding_box_format, "xyxy", height, width), -3)  # (.., 1, M, 4)
    (x1a, y1a, x2a, y2a), (x1b, y1b, x2b, y2b) = _split(b1), _split(b2)
    iw = ops.maximum(ops.subtract(ops.minimum(x2a, x2b), ops.maximum(x1a, x1b)), 0.0)
    ih = ops.maximum(ops.subtract(ops.minimum(y2a, y2b), ops.maximum(y1a, y1b)), 0.0)
    inter = ops.squeeze(ops.multiply(iw, ih), -1)
    area1 = ops.squeeze(ops.multiply(ops.subtract(x2a, x1a), ops.subtract(y2a, y1a)), -1)
    area2 = ops.squeeze(ops.multiply(ops.subtract(x2b, x1b), ops.subtract(y2b, y1b)), -1)
    union = ops.subtract(ops.add(area1, area2), inter)
    iou = ops.divide(inter, ops.add(union, config.epsilon()))
    if not use_masking:
        return iou
    background = ops.logical_or(ops.less(ops.max(b1, axis=-1), 0.0), ops.less(ops.max(b2, axis=-1), 0.0))
    return ops.where(background, ops.cast(mask_val, ops.dtype(iou)), iou)


def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """Complete IoU of matching boxes (elementwise, broadcast over leading axes): IoU minus the
    squared centre distance over the squared enclosing diagonal minus the aspect-ratio term
    ``alpha v``, with Keras 3's epsilons."""
    eps = config.epsilon()
    height, width = _size(image_shape, "compute_ciou", bounding_box_format)
    b1 = convert_format(boxes1, bounding_box_format, "xyxy", height, width)
    b2 = convert_format(boxes2, bounding_box_format, "xyxy", height, width)
    (x1a, y1a, x2a, y2a), (x1b, y1b, x2b, y2b) = _split(b1), _split(b2)
    w1, h1 = ops.subtract(x2a, x1a), ops.add(ops.subtract(y2a, y1a), eps)
    w2, h2 = ops.subtract(x2b, x1b), ops.add(ops.subtract(y2b, y1b), eps)
    inter = ops.multiply(ops.maximum(ops.subtract(ops.minimum(x2a, x2b), ops.maximum(x1a, x1b)), 0.0),
                         ops.maximum(ops.subtract(ops.minimum(y2a, y2b), ops.maximum(y1a, y1b)), 0.0))
    union = ops.add(ops.subtract(ops.add(ops.multiply(w1, h1), ops.multiply(w2, h2)), inter), eps)
    iou = ops.divide(inter, ops.add(union, eps))
    cw = ops.subtract(ops.maximum(x2a, x2b), ops.minimum(x1a, x1b))
    ch = ops.subtract(ops.maximum(y2a, y2b), ops.minimum(y1a, y1b))
    diagonal = ops.add(ops.add(ops.square(cw), ops.square(ch)), eps)
    dx = ops.subtract(ops.divide(ops.add(x1a, x2a), 2.0), ops.divide(ops.add(x1b, x2b), 2.0))
    dy = ops.subtract(ops.divide(ops.add(y1a, y2a), 2.0), ops.divide(ops.add(y1b, y2b), 2.0))
    distance = ops.add(ops.square(dx), ops.square(dy))
    v = ops.multiply(4.0 / math.pi ** 2,
                     ops.square(ops.subtract(ops.arctan(ops.divide(w2, h2)), ops.arctan(ops.divide(w1, h1)))))
    alpha = ops.divide(v, ops.add(ops.subtract(v, iou), 1.0 + eps))
    ciou = ops.subtract(iou, ops.add(ops.divide(distance, diagonal), ops.multiply(v, alpha)))
    return ops.squeeze(ciou, -1)
