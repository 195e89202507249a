"""``Rescaling``: ``x * scale + offset`` (Keras 3's arguments and config)."""
from __future__ import annotations

import numpy as np

from ... import config, ops
from ..layer import Layer


def _serialize(value):
    """Scalars as they are; arrays the way Keras writes NumPy values in a config."""
    if isinstance(value, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": value.tolist(), "dtype": str(value.dtype)}}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _deserialize(value):
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        return np.array(value["config"]["value"], dtype=value["config"]["dtype"])
    return value


class Rescaling(Layer):
    """Multiplies inputs by ``scale`` and adds ``offset``, e.g. ``1/255`` to map
    pixels into [0, 1], or ``scale=1/127.5, offset=-1`` into [-1, 1].

    Args:
        scale: a float, or an array broadcast against the last axes (the
            channels axis first with ``channels_first`` images).
        offset: a float or array added after scaling (default 0).

    Example:
        >>> Rescaling(1 / 255)(np.array([[0.0, 255.0]]))  # -> [[0., 1.]]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        dtype = self.compute_dtype
        scale = np.asarray(self.scale, dtype=dtype)
        offset = np.asarray(self.offset, dtype=dtype)
        if scale.ndim > 0 and config.image_data_format() == "channels_first":
            scale = scale.reshape(scale.shape + (1,) * (3 - scale.ndim))
        scale = ops.convert(scale) if scale.ndim else float(scale)
        offset = ops.convert(offset) if offset.ndim else float(offset)
        return ops.add(ops.multiply(ops.cast(inputs, dtype), scale), offset)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "scale": _serialize(self.scale), "offset": _serialize(self.offset)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["scale"] = _deserialize(config["scale"])
        config["offset"] = _deserialize(config.get("offset", 0.0))
        return cls(**config)
