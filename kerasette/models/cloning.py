"""``clone_model``, ``model_from_json``: new models from an existing one's structure."""
from __future__ import annotations

import json

from ..saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from .graph_config import functional_config, functional_from_config
from .model import Model
from .sequential import Sequential


def _default_clone(layer):
    return layer.__class__.from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False,
                **kwargs):
    """A new model with the structure of ``model`` and freshly initialized weights.

    Args:
        model: a ``Sequential``, functional or subclassed model.
        input_tensors: tensors (``Input``s) to build the clone on instead of new inputs.
        clone_function: ``layer -> new layer`` (default: ``from_config(get_config())``);
            return the same layer to share it between the models.
        call_function: ``(layer, *args, **kwargs) -> outputs``, used to call each layer
            when a functional model is rebuilt (e.g. to insert layers around it).
        recursive: apply ``clone_function`` inside nested models too.

    Returns:
        The clone (weights are not copied: use ``set_weights``).

    Example:
        >>> twin = clone_model(model, clone_function=lambda l: l.__class__.from_config(
        ...     {**l.get_config(), "trainable": False}))
    """
    if kwargs:
        raise ValueError(f"clone_model got unexpected arguments: {sorted(kwargs)}.")
    user_function = clone_function
    clone_function = clone_function or _default_clone
    if recursive:
        inner = clone_function

        def clone_function(layer):
            if isinstance(layer, Model):
                return clone_model(layer, clone_function=user_function, call_function=call_function,
                                   recursive=True)
            return inner(layer)
    if isinstance(model, Sequential):
        layers = [clone_function(layer) for layer in model.layers]
        if input_tensors is not None:
            tensors = list(input_tensors) if isinstance(input_tensors, (list, tuple)) else [input_tensors]
            if len(tensors) != 1:
                raise ValueError(f"A Sequential model has one input; got {len(tensors)} input tensors.")
            x = tensors[0]
            for layer in layers:
                x = layer(x) if call_function is None else call_function(layer, x)
            return Model(tensors[0], x, name=model.name)
        clone = Sequential(name=model.name)
        if model._input_layer is not None:
            from ..layers import Input
            clone.add(Input(batch_shape=model._input_layer.batch_shape, dtype=model._input_layer.dtype))
        for layer in layers:
            clone.add(layer)
        return clone
    if getattr(model, "_graph", None) is not None:
        originals = {layer.name: layer for layer in model.layers}
        tensors = None
        if input_tensors is not None:
            tensors = list(input_tensors) if isinstance(input_tensors, (list, tuple)) else [input_tensors]
            if len(tensors) != len(model.inputs):
                raise ValueError(f"Model {model.name!r} has {len(model.inputs)} inputs; got {len(tensors)} "
                                 "input tensors.")
        config = {k: v for k, v in functional_config(model).items() if k != "trainable"}  # keep clones' flags
        return functional_from_config(type(model), config,
                                      make_layer=lambda cfg: clone_function(originals[cfg["config"]["name"]]),
                                      call_layer=call_function, input_tensors=tensors)
    if user_function is not None or input_tensors is not None or call_function is not None:
        raise ValueError(f"clone_model of the subclassed model {model.name!r} can only use the defaults: "
                         "clone_function, input_tensors and call_function need a functional or "
                         "Sequential model.")
    return model.__class__.from_config(model.get_config())


def model_from_json(json_string, custom_objects=None):
    """A model from ``model.to_json()``'s output (or Keras 3's), with new weights.

    Malformed JSON raises ``ValueError`` naming the line and column.
    """
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as e:
        raise ValueError(f"model_from_json: the string is not valid JSON: {e.msg} at line {e.lineno}, "
                         f"column {e.colno} (character {e.pos}).") from None
    return deserialize_keras_object(config, custom_objects=custom_objects)


def model_to_json(model, **kwargs):
    """``model``'s architecture as a JSON string (``json.dumps`` keyword arguments pass through)."""
    return json.dumps(serialize_keras_object(model), **kwargs)
