"""``RandomPerspective``: random four-corner perspective warps, as ``keras.layers.RandomPerspective``."""
from __future__ import annotations

from ... import ops
from ...ops import image as image_ops
from .image_color import _RandomColor
from .image_common import check_choice, check_range
from .portable_random import uniform


class RandomPerspective(_RandomColor):
    """With a probability drawn per image from ``factor``, move each image corner by up
    to ``scale / 2`` of its coordinates and warp the image to match (identity at inference).

    The draws are portable (the same seed gives the same images on every engine),
    not Keras's numbers; the warp itself is ``ops.image.perspective_transform``.

    Args:
        factor: a number ``f`` (probabilities drawn in ``[0, f]``) or a range in [0, 1].
        scale: the largest relative corner move, in [0, 1].
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_value: the value of pixels read from outside the image.
        seed, data_format: as the other random image layers.
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_range(self, "factor", factor, 0, 1)
        if not 0.0 <= scale <= 1.0:
            raise ValueError(f"RandomPerspective layer '{self.name}': `scale` should be a number in [0, 1]. "
                             f"Received: scale={scale}")
        check_choice(self, "interpolation", interpolation, ("bilinear", "nearest"))
        self.scale, self.interpolation, self.fill_value = scale, interpolation, fill_value

    def _apply(self, x, seed):
        b, h, w, _ = ops.shape(x)
        u = uniform(seed, (b * 10,))
        lo, hi = self.factor
        probability = ops.add(ops.multiply(ops.getitem(u, slice(0, b)), hi - lo), lo)
        apply = ops.less(ops.getitem(u, slice(b, 2 * b)), probability)
        moves = ops.reshape(ops.multiply(ops.subtract(ops.getitem(u, slice(2 * b, 10 * b)), 0.5), self.scale),
                            (b, 4, 2))
        corners = ops.convert([[0.0, 0.0], [w - 1.0, 0.0], [0.0, h - 1.0], [w - 1.0, h - 1.0]], "float32")
        start = ops.broadcast_to(corners, (b, 4, 2))
        end = ops.add(start, ops.multiply(start, moves))
        warped = image_ops.perspective_transform(x, start, end, interpolation=self.interpolation,
                                                 fill_value=self.fill_value, data_format="channels_last")
        return ops.where(ops.reshape(apply, (b, 1, 1, 1)), ops.cast(warped, ops.dtype(x)), x)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_value": self.fill_value, "seed": self.seed}
