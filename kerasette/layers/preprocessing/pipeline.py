"""``Pipeline``: a plain layer that applies a list of layers in order (Keras 3)."""
from __future__ import annotations

from ..layer import Layer


class Pipeline(Layer):
    """Applies ``layers`` one after the other; ``training`` is passed to each layer that
    takes it (default ``True``, as Keras 3's image layers).

    Unlike ``Sequential`` it is not a model: no ``compile``/``fit``, just a layer.

    Args:
        layers: a list of layers.
        name: the layer's name.

    Example:
        >>> Pipeline([RandomFlip(seed=1), RandomRotation(0.1, seed=2)])(images).shape
    """

    def __init__(self, layers, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(layers, (list, tuple)) or any(not hasattr(l, "call") for l in layers):
            raise ValueError(f"Pipeline '{self.name}': `layers` must be a list of layers, "
                             f"got {layers!r}.")
        self._pipeline_layers = list(layers)

    @property
    def layers(self):
        return self._pipeline_layers

    def call(self, inputs, training=True):
        x = inputs
        for layer in self._pipeline_layers:
            x = layer(x, training=training) if training is not None else layer(x)
        return x

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._pipeline_layers:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    def get_config(self):
        from ..recurrent import serialize_layer
        return {"name": self.name, "layers": [serialize_layer(l) for l in self._pipeline_layers]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..recurrent import deserialize_layer
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(f"Pipeline: the config needs a `layers` list of serialized layers, "
                             f"got {layers!r}.")
        config = {**config, "layers": [deserialize_layer(l, custom_objects) for l in layers]}
        return cls(**config)
