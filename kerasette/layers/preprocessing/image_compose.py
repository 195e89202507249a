"""``RandAugment`` and ``AugMix``: Keras 3's policies built from the augmentation layers.

Each policy owns one instance of each augmentation layer (Keras's list and
arguments, derived from ``factor``); a random choice among them is made with
``ops.where`` over all candidates (so it traces into a jitted step), and every
draw is portable (``portable_random``): one seed gives the same images on
every engine, not Keras's numbers.
"""
from __future__ import annotations

from ... import ops
from .image_augmentation import RandomBrightness, RandomContrast, RandomRotation, RandomShear, RandomTranslation
from .image_color import (AutoContrast, RandomColorDegeneration, RandomPosterization, RandomSharpness,
                          Solarization)
from .image_common import RandomImageLayer, check_choice, check_range, check_value_range
from .image_equalization import Equalization
from .portable_random import gamma, uniform


def _augmentations(factor, value_range, interpolation, data_format):
    """``name -> (class, kwargs)`` of Keras's augmentation layers for ``factor`` ``(lo, hi)``."""
    vr = {"value_range": value_range}
    return {
        "random_shear": (RandomShear, {"x_factor": factor, "y_factor": factor, "interpolation": interpolation}),
        "random_translation": (RandomTranslation, {"height_factor": factor, "width_factor": factor,
                                                   "interpolation": interpolation}),
        "random_rotation": (RandomRotation, {"factor": factor, "interpolation": interpolation}),
        "random_brightness": (RandomBrightness, {"factor": factor, **vr}),
        "random_color_degeneration": (RandomColorDegeneration, {"factor": factor, **vr}),
        "random_contrast": (RandomContrast, {"factor": factor, **vr}),
        "random_sharpness": (RandomSharpness, {"factor": factor, **vr}),
        "random_posterization": (RandomPosterization, {"factor": max(1, int(8 * factor[1])), **vr}),
        "solarization": (Solarization, {"addition_factor": factor, "threshold_factor": factor, **vr}),
        "auto_contrast": (AutoContrast, vr),
        "equalization": (Equalization, vr),
    }


class _Policy(RandomImageLayer):
    """Owns the augmentation layers ``names`` (attributes of those names)."""

    def __init__(self, names, value_range, factor, interpolation, seed, data_format, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = check_value_range(self, value_range)
        self.factor = check_range(self, "factor", factor, 0, 1)
        check_choice(self, "interpolation", interpolation, ("bilinear", "nearest"))
        self.interpolation = interpolation
        specs = _augmentations(self.factor, self.value_range, interpolation, self.data_format)
        self._names = tuple(names)
        for k, name in enumerate(self._names):
            cls, kw = specs[name]
            if cls not in (AutoContrast, Equalization):  # distinct streams per layer
                kw = {**kw, "seed": None if seed is None else seed + 1 + k}
            setattr(self, name, cls(data_format=self.data_format, name=f"{self.name}_{name}", **kw))

    def build(self, input_shape=None):
        for name in self._names:
            layer = getattr(self, name)
            if not layer.built:
                layer.build(input_shape)
        super().build(input_shape)

    def _pick(self, x, index, choices):
        """``x`` through layer ``index`` (a scalar; ``len(choices)`` or more keeps ``x``)."""
        out = x
        for k, name in enumerate(choices):
            out = ops.where(ops.equal(index, k), getattr(self, name)(x, training=True), out)
        return out

    def _check_int(self, arg, value, low):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{type(self).__name__} '{self.name}': `{arg}` must be an int >= {low}, "
                             f"got {value!r}.")
        return value

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range, "factor": self.factor,
                "interpolation": self.interpolation, "seed": self.seed}


class RandAugment(_Policy):
    """Applies ``num_ops`` augmentations in a row, each picked at random (one pick per
    batch, as Keras 3) among shear, translation, rotation, brightness, colour
    degeneration, contrast, sharpness, posterization, solarization, auto-contrast and
    equalization, all of strength ``factor``. Identity at inference.

    Args:
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        num_ops: how many augmentations in a row (default 2).
        factor: a number ``f`` (``(0, f)``) or a pair in ``[0, 1]``: the strength of each.
        interpolation: ``"bilinear"`` or ``"nearest"`` for the geometric ones.
        seed, data_format: as the other random image layers.
    """

    _NAMES = ("random_shear", "random_translation", "random_rotation", "random_brightness",
              "random_color_degeneration", "random_contrast", "random_sharpness", "random_posterization",
              "solarization", "auto_contrast", "equalization")

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(self._NAMES, value_range, factor, interpolation, seed, data_format, **kwargs)
        self.num_ops = self._check_int("num_ops", num_ops, 0)

    def call(self, inputs, training=True):
        x = ops.cast(inputs, self.compute_dtype)
        if not training or self.num_ops == 0:
            return x
        picks = ops.cast(ops.floor(ops.multiply(uniform(self.seed_generator.next(), (self.num_ops,)),
                                                float(len(self._NAMES)))), "int32")
        for i in range(self.num_ops):
            x = self._pick(x, ops.getitem(picks, i), self._NAMES)
        return x

    def get_config(self):
        return {**super().get_config(), "num_ops": self.num_ops}


class AugMix(_Policy):
    """Mixes ``num_chains`` augmented copies of each batch with Dirichlet(``alpha``) weights,
    then blends the mix with the batch by a Beta(``alpha``, ``alpha``) weight, clipped to
    ``value_range`` (Keras 3's rule). Each chain applies ``chain_depth`` steps, each a
    random augmentation or none (one pick per batch and step, drawn in the step, where
    Keras picks with Python's ``random`` when the layer is traced). Identity at inference.

    Args:
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        num_chains, chain_depth: the number of chains and of steps per chain (default 3, 3).
        factor: a number ``f`` (``(0, f)``) or a pair in ``[0, 1]``: the strength of each step.
        alpha: the Dirichlet and Beta concentration (> 0).
        all_ops: also brightness, colour degeneration, contrast and sharpness (default True).
        interpolation: ``"bilinear"`` or ``"nearest"`` for the geometric steps.
        seed, data_format: as the other random image layers.
    """

    _BASE = ("random_shear", "random_translation", "random_rotation", "random_posterization", "solarization",
             "auto_contrast", "equalization")
    _MORE = ("random_brightness", "random_color_degeneration", "random_contrast", "random_sharpness")

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        names = self._BASE + (self._MORE if all_ops else ())
        super().__init__(names, value_range, factor, interpolation, seed, data_format, **kwargs)
        self.num_chains = self._check_int("num_chains", num_chains, 1)
        self.chain_depth = self._check_int("chain_depth", chain_depth, 1)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"AugMix '{self.name}': `alpha` must be a number > 0, got {alpha!r}.")
        self.alpha, self.all_ops = alpha, bool(all_ops)

    def call(self, inputs, training=True):
        x = ops.cast(inputs, self.compute_dtype)
        if not training:
            return x
        seed = self.seed_generator.next()
        g = gamma(seed, (self.num_chains + 2,), float(self.alpha))
        chains = ops.getitem(g, slice(0, self.num_chains))
        weights = ops.divide(chains, ops.sum(chains))
        keep = ops.divide(ops.getitem(g, self.num_chains), ops.add(ops.getitem(g, self.num_chains),
                                                                  ops.getitem(g, self.num_chains + 1)))
        n = len(self._names)
        picks = ops.cast(ops.floor(ops.multiply(uniform(ops.add(seed, 104729), (self.num_chains, self.chain_depth)),
                                                float(n + 1))), "int32")  # n: no augmentation
        mixed = ops.zeros_like(x)
        for c in range(self.num_chains):
            y = x
            for d in range(self.chain_depth):
                y = self._pick(y, ops.getitem(picks, (c, d)), self._names)
            mixed = ops.add(mixed, ops.multiply(y, ops.cast(ops.getitem(weights, c), ops.dtype(x))))
        keep = ops.cast(keep, ops.dtype(x))
        out = ops.add(ops.multiply(keep, x), ops.multiply(ops.subtract(1.0, keep), mixed))
        return ops.clip(out, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self):
        return {**super().get_config(), "num_chains": self.num_chains, "chain_depth": self.chain_depth,
                "alpha": self.alpha, "all_ops": self.all_ops}
