"""Batch-mixing augmentations (Keras 3): ``MixUp`` and ``CutMix``.

Both take images, or a dict ``{"images": ..., "labels": ...}`` whose labels are mixed
with the same weights, and are the identity unless ``training``. Their draws are
portable (one seed, the same result on every engine): the partner permutation is the
rank of uniform draws (ties broken by index), and ``Beta(a, a)`` comes from Joehnk's
method with a fixed number of vectorised tries (in logs, so small ``a`` does not
underflow), falling back to 0.5 if all tries are rejected (probability below 1e-6 for
``a <= 1.5``; larger ``a`` concentrates near 0.5 anyway).
"""
from __future__ import annotations

from ... import ops
from .image_common import RandomImageLayer, check_range
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
        x0 = ops.multiply(ops.getitem(u, 1), ops.subtract(float(w), cw))
        y0 = ops.multiply(ops.getitem(u, 2), ops.subtract(float(h), ch))
        x1, y1 = ops.add(x0, cw), ops.add(y0, ch)
        gx = ops.reshape(ops.arange(0, w, dtype="float32"), (1, 1, w))
        gy = ops.reshape(ops.arange(0, h, dtype="float32"), (1, h, 1))
        col = lambda v: ops.reshape(v, (b, 1, 1))  # noqa: E731
        inside = ops.logical_and(
            ops.logical_and(ops.greater_equal(gx, col(x0)), ops.less(gx, col(x1))),
            ops.logical_and(ops.greater_equal(gy, col(y0)), ops.less(gy, col(y1))))
        mixed = ops.where(ops.expand_dims(inside, -1), ops.take(x, perm, axis=0), x)
        weight = ops.cast(ops.subtract(1.0, ops.divide(ops.multiply(cw, ch), float(w * h))), dt)
        return mixed, weight, perm

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}
