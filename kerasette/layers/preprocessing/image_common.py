"""What the image preprocessing layers share: argument checks, the layout, seeds."""
from __future__ import annotations

from ... import config, ops
from ...random import SeedGenerator
from ..layer import Layer
from . import image_geometry as geo


def check_choice(layer, name, value, choices):
    if value not in choices:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': `{name}` must be one of "
                         f"{list(choices)}, got {value!r}.")


def check_range(layer, name, factor, low, high, what=None):
    """``(lower, upper)`` from a number ``f`` (``[-|f|, |f|]`` clipped at ``low``) or a pair,
    each value checked to lie in ``[low, high]`` (Keras 3's rule)."""
    bad = ValueError(f"{type(layer).__name__} '{layer.name}': `{name}` must be a number or a pair of "
                     f"numbers in [{low}, {high}]{what or ''}, got {factor!r}.")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or any(not isinstance(v, (int, float)) for v in factor):
            raise bad
        if any(v < low or v > high for v in factor):
            raise bad
        return tuple(sorted(float(v) for v in factor))
    if isinstance(factor, bool) or not isinstance(factor, (int, float)):
        raise bad
    if factor < low or factor > high:
        raise bad
    f = abs(float(factor))
    return max(-f, float(low)), f


class ImageLayer(Layer):
    """An image layer with a ``data_format``; 3-D (one image) or 4-D (batch) inputs."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or config.image_data_format()
        check_choice(self, "data_format", self.data_format, ("channels_last", "channels_first"))

    def _nhwc(self, inputs):
        if ops.ndim(inputs) not in (3, 4):
            raise ValueError(f"{type(self).__name__} '{self.name}': expected a 3-D (one image) or "
                             f"4-D (batch) input, got shape {tuple(ops.shape(inputs))}.")
        x = inputs
        if ops.dtype(x) != self.compute_dtype:
            x = ops.cast(x, self.compute_dtype)
        return geo.to_nhwc(x, self.data_format)

    def _back(self, x, unbatched):
        return geo.from_nhwc(x, self.data_format, unbatched)

    def _hw(self, shape):
        h, w = geo.spatial_axes(len(shape), self.data_format)
        return shape[h], shape[w]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class RandomImageLayer(ImageLayer):
    """An image layer that draws (from its own ``SeedGenerator``) only when ``training``."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.seed = seed

    def build(self, input_shape=None):
        if getattr(self, "seed_generator", None) is None:
            self._claim_backend()
            self.seed_generator = SeedGenerator(self.seed, name=f"{self.name}_seed")
        self.built = True


def check_value_range(layer, value_range, sort=True):
    """``value_range`` as a list ``[low, high]`` (sorted unless ``sort=False``, as Keras)."""
    if (not isinstance(value_range, (tuple, list)) or len(value_range) != 2
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value_range)):
        raise ValueError(f"{type(layer).__name__} '{layer.name}': `value_range` must be a pair "
                         f"(low, high), got {value_range!r}.")
    return sorted(value_range) if sort else value_range


def rescale(x, source, target):
    """Map values linearly from the interval ``source`` onto ``target``."""
    (s0, s1), (t0, t1) = (float(v) for v in source), (float(v) for v in target)
    if (s0, s1) == (t0, t1):
        return x
    return ops.add(ops.multiply(ops.subtract(x, s0), (t1 - t0) / (s1 - s0)), t0)
