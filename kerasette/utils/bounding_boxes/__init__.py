"""``kerasette.utils.bounding_boxes``: Keras 3's bounding-box helpers (``keras.utils.bounding_boxes``).

Boxes are arrays whose last axis holds 4 coordinates in one of Keras's formats
(``formats.FORMATS``); ``(N, 4)`` or ``(batch, N, 4)``. Written on ``kerasette.ops``,
so they run on every engine and inside a traced step.
"""
from .converters import affine_transform, clip_to_image_size, convert_format, crop, pad  # noqa: F401
from .deltas import decode_deltas_to_boxes, encode_box_to_deltas  # noqa: F401
from .iou import compute_ciou, compute_iou  # noqa: F401

__all__ = ["affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou", "convert_format", "crop",
           "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]
