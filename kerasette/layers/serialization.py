"""``layers.serialize`` / ``layers.deserialize``: a layer to Keras 3's config dict and back."""
from __future__ import annotations


def serialize(layer):
    """Keras 3's ``{"module", "class_name", "config", "registered_name"}`` dict of ``layer``.

    Example:
        >>> layers.deserialize(layers.serialize(layers.Dense(2))).units
        2
    """
    from .layer import Layer
    from ..saving.serialization_lib import serialize_keras_object
    if not isinstance(layer, Layer):
        raise TypeError(f"layers.serialize expects a Layer, got {type(layer).__name__}.")
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A new layer from ``serialize``'s dict (or Keras 3's); ``custom_objects`` maps names
    to classes that are not registered. Raises ValueError when the dict holds no layer."""
    from .layer import Layer
    from ..saving.serialization_lib import deserialize_keras_object
    layer = deserialize_keras_object(config, custom_objects)
    if not isinstance(layer, Layer):
        raise ValueError(f"layers.deserialize: the config describes a {type(layer).__name__}, "
                         f"not a layer: {config!r:.200}")
    return layer
