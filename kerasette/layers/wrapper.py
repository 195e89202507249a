"""``Wrapper``: the base class of layers that wrap another layer (Keras 3's)."""
from __future__ import annotations

from .layer import Layer
from .recurrent import deserialize_layer, serialize_layer


class Wrapper(Layer):
    """Base class of layers that take another layer and change how it is applied.

    It is not meant to be used on its own: ``TimeDistributed`` and
    ``SpectralNormalization`` are wrappers.

    Args:
        layer: the wrapped layer (kept as ``self.layer``; its weights are the wrapper's).

    Config: the base layer's entries plus ``layer`` (the wrapped layer, serialized).
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__} needs a Layer instance to wrap, got {layer!r}.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self._claim_backend()
            self.layer._build_input_shape = input_shape
            self.layer._build_for_shapes(input_shape)
        self.built = True

    def get_config(self):
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)
