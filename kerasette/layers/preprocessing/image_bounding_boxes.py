"""``MaxNumBoundingBoxes``: a fixed number of boxes per image, as Keras 3's layer.

Keras's image-layer data format: a tensor of images, or a dict with ``"images"``,
optionally ``"labels"``, ``"segmentation_masks"`` and ``"bounding_boxes"``, the
latter a dict of ``"boxes"`` ``(batch, num_boxes, 4)`` and ``"labels"``
``(batch, num_boxes)`` (without the batch axis for one image).
"""
from __future__ import annotations

from ... import ops
from .image_common import ImageLayer

_BOX_KEYS = ("boxes", "labels")


class MaxNumBoundingBoxes(ImageLayer):
    """Truncates or pads the boxes (and their labels) of each image to ``max_number``,
    padding with ``fill_value``; images, labels and masks pass unchanged.

    As Keras 3, a dict with ``"bounding_boxes"`` needs a ``bounding_box_format``
    (any of Keras's formats; the layer does not read the coordinates).

    Args:
        max_number: the number of boxes per image in the output.
        fill_value: the value of padded boxes and labels (default -1).
        bounding_box_format: the format of the boxes, e.g. ``"xyxy"``.
    """

    def __init__(self, max_number, fill_value=-1, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        name = f"MaxNumBoundingBoxes '{self.name}'"
        if isinstance(max_number, bool) or not isinstance(max_number, int) or max_number < 1:
            raise ValueError(f"{name}: `max_number` must be a positive int, got {max_number!r}.")
        if isinstance(fill_value, bool) or not isinstance(fill_value, (int, float)):
            raise ValueError(f"{name}: `fill_value` must be a number, got {fill_value!r}.")
        self.max_number, self.fill_value = max_number, int(fill_value)
        self.bounding_box_format = bounding_box_format

    def _fix(self, x, trailing):
        """``x`` with its box axis (``-1 - trailing``) cut or padded to ``max_number``."""
        axis = ops.ndim(x) - 1 - trailing
        n = ops.shape(x)[axis]
        if n > self.max_number:
            return ops.getitem(x, (slice(None),) * axis + (slice(0, self.max_number),))
        if n < self.max_number:
            pad = [[0, 0]] * ops.ndim(x)
            pad[axis] = [0, self.max_number - n]
            return ops.pad(x, pad, constant_values=self.fill_value)
        return x

    def call(self, inputs, training=None):
        if not isinstance(inputs, dict) or "bounding_boxes" not in inputs:
            return inputs
        name = f"MaxNumBoundingBoxes '{self.name}'"
        if self.bounding_box_format is None:
            raise ValueError(f"{name}: the input has 'bounding_boxes' but the layer has no "
                             f"`bounding_box_format`; pass one, e.g. bounding_box_format='xyxy'.")
        boxes = inputs["bounding_boxes"]
        if not isinstance(boxes, dict) or set(boxes) - set(_BOX_KEYS) or "boxes" not in boxes:
            raise ValueError(f"{name}: `bounding_boxes` must be a dict with 'boxes' and 'labels', got "
                             f"{sorted(boxes) if isinstance(boxes, dict) else type(boxes).__name__}.")
        if ops.ndim(boxes["boxes"]) not in (2, 3) or ops.shape(boxes["boxes"])[-1] != 4:
            raise ValueError(f"{name}: 'boxes' must have shape (batch, num_boxes, 4) or (num_boxes, 4), "
                             f"got {tuple(ops.shape(boxes['boxes']))}.")
        fixed = {"boxes": self._fix(boxes["boxes"], 1)}
        if "labels" in boxes:
            fixed["labels"] = self._fix(boxes["labels"], 0)
        return {**inputs, "bounding_boxes": fixed}

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, dict) or "bounding_boxes" not in input_shape:
            return input_shape
        boxes = dict(input_shape["bounding_boxes"])
        for key, trailing in (("boxes", 1), ("labels", 0)):
            if key in boxes:
                shape = list(boxes[key])
                shape[len(shape) - 1 - trailing] = self.max_number
                boxes[key] = tuple(shape)
        return {**input_shape, "bounding_boxes": boxes}

    def get_config(self):
        return {**super().get_config(), "max_number": self.max_number, "fill_value": self.fill_value,
                "bounding_box_format": self.bounding_box_format}
