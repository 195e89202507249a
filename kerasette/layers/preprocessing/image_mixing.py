"""Batch-mixing and box augmentations (Keras 3): ``MixUp``, ``CutMix``, ``RandomErasing``.

Both take images, or a dict ``{"images": ..., "labels": ...}`` whose labels are mixed
with the same weights, and are the identity unless ``training``. Their draws are
portable (one seed, the same result on every engine): the partner permutation is the
rank of uniform draws (ties broken by index), and ``Beta(a, a)`` comes from Joehnk's
method with a fixed number of vectorised tries (in logs, so small ``a`` does not
underflow), falling back to 0.5 if all tries are rejected (probability below 1e-6 for
``a <= 1.5``; larger ``a`` concentrates near 0.5 anyway).
"""
from __future__ import annotations

import math

from ... import ops

from .image_common import RandomImageLayer, check_range, check_value_range
from .portable_random import uniform

_TRIES = 48


def permutation(u):
    """A permutation of ``range(n)`` from ``n`` uniform draws: each index's rank."""
    n = ops.shape(u)[0]
    a, b = ops.reshape(u, (n, 1)), ops.reshape(u, (1, n))
    idx = ops.arange(0, n, dtype="int32")
    earlier = ops.less(ops.reshape(idx, (1, n)), ops.reshape(idx, (n, 1)))
    before = ops.logical_or(ops.less(b, a), ops.logical_and(ops.equal(b, a), earlier))
    return ops.sum(ops.cast(before, "int32"), axis=1)


def beta_symmetric(seed, n, alpha):
    """``n`` draws of ``Beta(alpha, alpha)``; ``alpha`` a float or an engine scalar."""
    u = uniform(seed, (2, _TRIES, n), 1e-7, 1.0)  # (0, 1): the logs stay finite
    lx = ops.divide(ops.log(ops.getitem(u, 0)), alpha)
    ly = ops.divide(ops.log(ops.getitem(u, 1)), alpha)
    m = ops.maximum(lx, ly)
    ex, ey = ops.exp(ops.subtract(lx, m)), ops.exp(ops.subtract(ly, m))
    accept = ops.less_equal(ops.add(m, ops.log(ops.add(ex, ey))), 0.0)
    value = ops.divide(ex, ops.add(ex, ey))
    # the first accepted try: accepted tries that have no accepted try before them
    acc = ops.cast(accept, "float32")
    first = ops.logical_and(accept, ops.equal(ops.subtract(ops.cumsum(acc, axis=0), acc), 0.0))
    chosen = ops.sum(ops.where(first, value, ops.zeros_like(value)), axis=0)
    return ops.where(ops.any(accept, axis=0), chosen, 0.5)


def box_mask(ux, uy, box_w, box_h, h, w):
    """``(B, H, W)`` masks of boxes ``box_w x box_h`` (``(B,)`` floats) placed at
    ``u * (size - box)`` from the top-left, ``ux, uy`` uniform ``(B,)`` (Keras 3's boxes)."""
    b = ops.shape(ux)[0]
    x0 = ops.multiply(ux, ops.subtract(float(w), box_w))
    y0 = ops.multiply(uy, ops.subtract(float(h), box_h))
    x1, y1 = ops.add(x0, box_w), ops.add(y0, box_h)
    gx = ops.reshape(ops.arange(0, w, dtype="float32"), (1, 1, w))
    gy = ops.reshape(ops.arange(0, h, dtype="float32"), (1, h, 1))
    col = lambda v: ops.reshape(v, (b, 1, 1))  # noqa: E731
    return ops.logical_and(
        ops.logical_and(ops.greater_equal(gx, col(x0)), ops.less(gx, col(x1))),
        ops.logical_and(ops.greater_equal(gy, col(y0)), ops.less(gy, col(y1))))


class _MixLayer(RandomImageLayer):
    def call(self, inputs, training=True):
        is_dict = isinstance(inputs, dict)
        images = inputs["images"] if is_dict else inputs
        labels = inputs.get("labels") if is_dict else None
        if training and ops.ndim(images) == 4:
            x, unbatched = self._nhwc(images)
            x, weight, perm = self._mix(x, self.seed_generator.next())
            images = self._back(x, unbatched)
            if labels is not None:
                labels = ops.cast(labels, self.compute_dtype)
                w = ops.reshape(ops.cast(weight, ops.dtype(labels)), (-1,) + (1,) * (ops.ndim(labels) - 1))
                other = ops.take(labels, perm, axis=0)
                labels = ops.add(ops.multiply(w, labels), ops.multiply(ops.subtract(1.0, w), other))
        elif ops.ndim(images) not in (3, 4):
            self._nhwc(images)  # the error naming the layer
        if not is_dict:
            return images
        return {**inputs, "images": images, **({} if labels is None else {"labels": labels})}

    def compute_output_shape(self, input_shape):
        return input_shape


class MixUp(_MixLayer):
    """MixUp: each image (and label) becomes ``w * x + (1 - w) * x[partner]`` with
    ``w ~ Beta(alpha, alpha)`` per image and a random partner permutation (training only).

    Args:
        alpha: the Beta distribution's parameter (default 0.2).
        data_format, seed: as the other image layers.
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"MixUp '{self.name}': `alpha` must be a positive number, got {alpha!r}.")
        self.alpha = alpha

    def _mix(self, x, seed):
        b = ops.shape(x)[0]
        s = ops.cast(ops.multiply(uniform(seed, (2,)), 2.0 ** 24), "int32")
        perm = permutation(uniform(ops.getitem(s, 0), (b,)))
        weight = ops.cast(beta_symmetric(ops.getitem(s, 1), b, float(self.alpha)), ops.dtype(x))
        w = ops.reshape(weight, (b, 1, 1, 1))
        mixed = ops.add(ops.multiply(w, x), ops.multiply(ops.subtract(1.0, w), ops.take(x, perm, axis=0)))
        return mixed, weight, perm

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "seed": self.seed}


class CutMix(_MixLayer):
    """CutMix: pastes a random box of a partner image into each image (training only,
    batched inputs). The box side ratio is ``sqrt(1 - w)``, ``w ~ Beta(a, a)`` with ``a``
    drawn once per batch from ``factor``; labels mix by the box's area, as Keras 3.

    Args:
        factor: a number ``f`` (``[0, f]``) or a pair in ``[0, 1]`` (default 1.0).
        seed, data_format: as the other image layers.
    """

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_range(self, "factor", factor, 0, 1)

    def _mix(self, x, seed):
        b, h, w, _ = ops.shape(x)
        dt = ops.dtype(x)
        s = ops.cast(ops.multiply(uniform(seed, (3,)), 2.0 ** 24), "int32")
        lo, hi = self.factor
        u = uniform(ops.getitem(s, 0), (3, b))
        alpha = ops.add(ops.add(ops.multiply(ops.getitem(u, 0), hi - lo), lo), 1e-6)
        ratio = ops.sqrt(ops.subtract(1.0, beta_symmetric(ops.getitem(s, 1), b, alpha)))
        perm = permutation(uniform(ops.getitem(s, 2), (b,)))
        cw, ch = ops.multiply(ratio, float(w)), ops.multiply(ratio, float(h))
        inside = box_mask(ops.getitem(u, 1), ops.getitem(u, 2), cw, ch, h, w)
        mixed = ops.where(ops.expand_dims(inside, -1), ops.take(x, perm, axis=0), x)
        weight = ops.cast(ops.subtract(1.0, ops.divide(ops.multiply(cw, ch), float(w * h))), dt)
        return mixed, weight, perm

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}


class RandomErasing(RandomImageLayer):
    """Erases a random box in each image with a per-image probability drawn from
    ``factor`` (training only). The box's width and height are ``sqrt(s)`` of the image's,
    ``s`` drawn from ``scale`` for each; it is filled with ``fill_value`` (a number or one
    per channel) or, when ``None``, one random normal value times ``value_range[1]``,
    clipped to ``value_range``, as Keras 3.

    Args:
        factor: a number ``f`` (``[0, f]``) or a pair in ``[0, 1]`` (default 1.0).
        scale: a number or pair in ``[0, 1]`` (default ``(0.02, 0.33)``).
        fill_value: ``None``, a number, or a list of 3 numbers.
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        seed, data_format: as the other image layers.
    """

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_range(self, "factor", factor, 0, 1)
        self.scale = check_range(self, "scale", scale, 0, 1)
        fills = fill_value if isinstance(fill_value, (tuple, list)) else [fill_value]
        if fill_value is not None and (
                (isinstance(fill_value, (tuple, list)) and len(fill_value) != 3)
                or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in fills)):
            raise ValueError(f"RandomErasing '{self.name}': `fill_value` must be None, a number or "
                             f"a list of 3 numbers, got {fill_value!r}.")
        self.fill_value = fill_value
        self.value_range = check_value_range(self, value_range, sort=False)

    def call(self, inputs, training=True):
        if not training:
            return inputs
        x, unbatched = self._nhwc(inputs)
        b, h, w, c = ops.shape(x)
        u = uniform(self.seed_generator.next(), (6, b))
        (s0, s1), (f0, f1) = self.scale, self.factor
        side = ops.sqrt(ops.add(ops.multiply(ops.getitem(u, 0), s1 - s0), s0))
        side_y = ops.sqrt(ops.add(ops.multiply(ops.getitem(u, 1), s1 - s0), s0))
        inside = box_mask(ops.getitem(u, 2), ops.getitem(u, 3), ops.multiply(side, float(w)),
                          ops.multiply(side_y, float(h)), h, w)
        prob = ops.add(ops.multiply(ops.getitem(u, 4), f1 - f0), f0)
        erase = ops.logical_and(inside, ops.reshape(ops.less(ops.getitem(u, 5), prob), (b, 1, 1)))
        if self.fill_value is None:  # one standard normal draw (Box-Muller), as Keras
            g = uniform(ops.getitem(ops.cast(ops.multiply(u, 2.0 ** 24), "int32"), (0, 0)), (2,),
                        1e-7, 1.0)
            z = ops.multiply(ops.sqrt(ops.multiply(ops.log(ops.getitem(g, 0)), -2.0)),
                             ops.cos(ops.multiply(ops.getitem(g, 1), 2.0 * math.pi)))
            fill = ops.multiply(z, float(self.value_range[1]))
        else:
            vals = self.fill_value if isinstance(self.fill_value, (tuple, list)) else [self.fill_value] * c
            fill = ops.convert_to_tensor([float(v) for v in vals], ops.dtype(x))
        fill = ops.cast(ops.clip(fill, float(self.value_range[0]), float(self.value_range[1])), ops.dtype(x))
        x = ops.where(ops.expand_dims(erase, -1), ops.add(ops.zeros_like(x), fill), x)
        return self._back(x, unbatched)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "fill_value": self.fill_value, "value_range": self.value_range, "seed": self.seed}
