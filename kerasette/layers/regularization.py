"""Regularization layers: SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
AlphaDropout, ActivityRegularization (``Dropout`` itself lives in ``core``).

Random layers draw from a ``SeedGenerator`` made at build time: the same
``seed`` gives the same masks on the same engine, and inside the pure train
step the generator's state is threaded like any non-trainable variable.
"""
from __future__ import annotations

import math

from .. import config, ops, regularizers
from ..random import SeedGenerator
from .core import Dropout, _noise_shape
from .layer import InputSpec, Layer


def _check_rate(layer, name, value, high_inclusive):
    ok = 0 <= value <= 1 if high_inclusive else 0 <= value < 1
    if not ok:
        interval = "[0, 1]" if high_inclusive else "[0, 1)"
        raise ValueError(f"{type(layer).__name__} '{layer.name}': `{name}` must be in {interval}, "
                         f"got {value!r}.")


class _SeededLayer(Layer):
    """A layer that owns one ``SeedGenerator`` when ``active`` (made in build)."""

    def _make_seed_generator(self, active):
        if active and getattr(self, "seed_generator", None) is None:
            self._claim_backend()
            self.seed_generator = SeedGenerator(self.seed, name=f"{self.name}_seed")

    def build(self, input_shape=None):
        self._make_seed_generator(self._active())
        self.built = True

    def compute_output_shape(self, input_shape):
        return input_shape


class _SpatialDropout(Dropout):
    """Drops whole feature maps: one keep/drop draw per (sample, channel)."""

    _ndim = None

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = data_format or config.image_data_format()
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{type(self).__name__} '{self.name}': `data_format` must be "
                             f"'channels_last' or 'channels_first', got {data_format!r}.")
        self.input_spec = InputSpec(ndim=self._ndim)

    def _noise_shape(self, shape):
        if self.data_format == "channels_first":
            return (shape[0], shape[1]) + (1,) * (len(shape) - 2)
        return (shape[0],) + (1,) * (len(shape) - 2) + (shape[-1],)

    def get_config(self):
        # Keras 3's spatial dropouts take only these arguments (no `trainable`, no `noise_shape`).
        return {"name": self.name, "dtype": self.dtype, "rate": self.rate, "seed": self.seed,
                "data_format": self.data_format}


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of ``(batch, steps, channels)`` inputs.

    Args:
        rate: fraction of channels to drop, in ``[0, 1)``.
        seed: makes the masks reproducible.

    Example:
        >>> SpatialDropout1D(0.5, seed=1)(np.ones((2, 4, 3)), training=True)
    """

    _ndim = 3

    def __init__(self, rate, seed=None, **kwargs):
        kwargs.pop("data_format", None)
        super().__init__(rate, data_format="channels_last", seed=seed, **kwargs)

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("data_format", None)
        return cfg


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole feature maps of 4-D inputs (``data_format`` picks the channel axis).

    Args:
        rate: fraction of channels to drop, in ``[0, 1)``.
        data_format: ``'channels_last'`` (default from the config) or ``'channels_first'``.
        seed: makes the masks reproducible.
    """

    _ndim = 4


class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole feature volumes of 5-D inputs (``data_format`` picks the channel axis).

    Args:
        rate: fraction of channels to drop, in ``[0, 1)``.
        data_format: ``'channels_last'`` (default from the config) or ``'channels_first'``.
        seed: makes the masks reproducible.
    """

    _ndim = 5


class GaussianNoise(_SeededLayer):
    """Adds zero-mean Gaussian noise of ``stddev`` during training (identity in inference).

    Args:
        stddev: standard deviation of the noise, in ``[0, 1]`` (as Keras 3).
        seed: makes the noise reproducible.

    Example:
        >>> GaussianNoise(0.1, seed=3)(np.zeros((2, 3)), training=True)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_rate(self, "stddev", stddev, True)
        self.stddev = float(stddev)
        self.seed = seed
        self.supports_masking = True

    def _active(self):
        return self.stddev > 0

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        noise = ops.random_normal(ops.shape(inputs), self.seed_generator.next(), 0.0, self.stddev,
                                  dtype=ops.dtype(inputs))
        return ops.add(inputs, noise)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class _RateLayer(_SeededLayer):
    """A seeded layer with a ``rate`` in ``[0, 1)``; it draws only when ``rate > 0``."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_rate(self, "rate", rate, False)
        self.rate = float(rate)
        self.seed = seed
        self.supports_masking = True

    def _active(self):
        return self.rate > 0


class GaussianDropout(_RateLayer):
    """Multiplies inputs by Gaussian noise of mean 1 and stddev ``sqrt(rate / (1 - rate))``
    during training (identity in inference).

    Args:
        rate: drop probability of the equivalent dropout, in ``[0, 1)``.
        seed: makes the noise reproducible.
    """

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = ops.random_normal(ops.shape(inputs), self.seed_generator.next(), 1.0, stddev,
                                  dtype=ops.dtype(inputs))
        return ops.multiply(inputs, noise)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class AlphaDropout(_RateLayer):
    """Dropout that keeps the mean and variance of SELU activations.

    Dropped units are set to ``-scale * alpha`` (SELU's negative saturation),
    then everything is affinely corrected: ``a * x + b`` with
    ``a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5``, ``b = -a * alpha_p * rate``.

    Args:
        rate: fraction to drop, in ``[0, 1)``.
        noise_shape: shape of the keep mask (None entries follow the input).
        seed: makes the masks reproducible.
    """

    _ALPHA = 1.6732632423543772848170429916717
    _SCALE = 1.0507009873554804934193349852946

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.noise_shape = noise_shape

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = _noise_shape(ops.shape(inputs), self.noise_shape)
        u = ops.random_uniform(shape, self.seed_generator.next(), dtype=ops.dtype(inputs))
        kept = ops.cast(ops.greater_equal(u, self.rate), ops.dtype(inputs))
        alpha_p = -self._ALPHA * self._SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = ops.add(ops.multiply(inputs, kept), ops.multiply(ops.subtract(1.0, kept), alpha_p))
        return ops.add(ops.multiply(x, a), b)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class ActivityRegularization(Layer):
    """Identity that adds ``l1 * sum(|x|) + l2 * sum(x ** 2)`` (divided by the batch size,
    as Keras 3) to the layer's losses on every call.

    Args:
        l1: L1 factor.
        l2: L2 factor.

    Example:
        >>> layer = ActivityRegularization(l2=0.01)
        >>> _ = layer(np.ones((2, 3)))
        >>> layer.losses   # [0.03]
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}
