"""``RandomElasticTransform``: random elastic distortions, as ``keras.layers.RandomElasticTransform``."""
from __future__ import annotations

from ... import ops
from ...ops import image as image_ops
from .image_color import _RandomColor
from .image_common import check_choice, check_range, check_value_range
from .portable_random import normal, uniform

_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


class RandomElasticTransform(_RandomColor):
    """With a probability drawn per image from ``factor``, displaces each pixel by a
    smooth random field and resamples the image (training only), then clips to
    ``value_range``.

    Keras 3's documented rule: a strength ``s`` is drawn from ``scale`` once per
    batch; the field is ``alpha * blur_sigma(sigma * N(0, 1))`` per image and axis,
    with ``alpha = 0.1 s max(H, W)`` and ``sigma = 0.05 s min(H, W)``, the blur a
    Gaussian of ``sigma`` (kernel size ``int(6 sigma_max) | 1`` for the largest
    ``sigma`` of ``scale``, zero padding). The noise is drawn in the step (portable:
    the same seed gives the same images on every engine, and it traces into a jitted
    step); Keras's draws differ. (Keras 3.15's layer returns its input unchanged: its
    transform is never called.)

    Args:
        factor: a number ``f`` (probabilities in ``[0, f]``) or a pair in ``[0, 1]``.
        scale: a number or a pair in ``[0, 1]``: the distortion strength.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_mode: ``"reflect"``, ``"constant"``, ``"nearest"``, ``"wrap"`` or ``"mirror"``.
        fill_value: the value outside the image for ``"constant"``.
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        seed, data_format: as the other random image layers.
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_range(self, "factor", factor, 0, 1)
        self.scale = check_range(self, "scale", scale, 0, 1)
        check_choice(self, "interpolation", interpolation, ("bilinear", "nearest"))
        check_choice(self, "fill_mode", fill_mode, _FILL_MODES)
        self.interpolation, self.fill_mode, self.fill_value = interpolation, fill_mode, fill_value
        self.value_range = check_value_range(self, value_range)

    def _apply(self, x, seed):
        if self.factor[1] == 0 or self.scale[1] == 0:
            return x
        b, h, w, c = ops.shape(x)
        dt = ops.dtype(x)
        u = uniform(seed, (2 * b + 1,))
        (f0, f1), (s0, s1) = self.factor, self.scale
        probability = ops.add(ops.multiply(ops.getitem(u, slice(0, b)), f1 - f0), f0)
        apply = ops.reshape(ops.less(ops.getitem(u, slice(b, 2 * b)), probability), (b, 1, 1, 1))
        strength = ops.add(ops.multiply(ops.getitem(u, 2 * b), s1 - s0), s0)
        alpha = ops.multiply(strength, 0.1 * max(h, w))
        sigma = ops.add(ops.multiply(strength, 0.05 * min(h, w)), 1e-6)
        k = int(6 * 0.05 * min(h, w) * s1) | 1
        fields = ops.multiply(normal(ops.add(seed, 15485863), (b, h, w, 2)), sigma)
        fields = image_ops.gaussian_blur(fields, (k, k), ops.stack([sigma, sigma]), data_format="channels_last")
        fields = ops.cast(ops.multiply(fields, alpha), dt)
        grid = ops.meshgrid(ops.arange(0, b, dtype=dt), ops.arange(0, h, dtype=dt), ops.arange(0, w, dtype=dt),
                            ops.arange(0, c, dtype=dt), indexing="ij")
        shift = [ops.expand_dims(ops.getitem(fields, (Ellipsis, i)), -1) for i in (1, 0)]  # dy, dx
        coords = ops.stack([grid[0], ops.add(grid[1], shift[0]), ops.add(grid[2], shift[1]), grid[3]])
        order = 1 if self.interpolation == "bilinear" else 0
        warped = image_ops.map_coordinates(x, coords, order, fill_mode=self.fill_mode, fill_value=self.fill_value)
        out = ops.where(apply, ops.cast(warped, dt), x)
        return ops.clip(out, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_mode": self.fill_mode, "fill_value": self.fill_value,
                "value_range": self.value_range, "seed": self.seed}
