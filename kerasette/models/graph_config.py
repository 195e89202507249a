"""Configs of functional and Sequential models, in Keras 3's format.

A functional config lists each layer with its ``inbound_nodes``; a node's
arguments name their tensors by ``keras_history = [layer, node, tensor]``,
where ``node`` counts only the calls that belong to this model. Rebuilding
replays the layers in order, so every tensor exists before it is read.
"""
from __future__ import annotations

from ..layers.input_layer import InputLayer
from ..layers.symbolic import KerasTensor, flatten, map_structure
from ..saving.serialization_lib import deserialize_keras_object, serialize_keras_object


def _node_indices(model):
    """``{id(node): index among the model's calls of that layer}``."""
    model_nodes = {id(s_node) for s_node in _model_nodes(model)}
    index = {}
    for layer in model.layers:
        k = 0
        for node in layer._inbound_nodes:
            if id(node) in model_nodes:
                index[id(node)] = k
                k += 1
    return index


def _model_nodes(model):
    return [t._node for t in model._input_tensors] + list(model._graph_nodes)


def _history(t, index):
    node = t._node
    return [node.layer.name, index[id(node)], t._output_index]


def functional_config(model):
    """Keras 3's ``get_config()`` of a functional model."""
    index = _node_indices(model)
    layer_configs = []
    for layer in model.layers:
        cfg = serialize_keras_object(layer)
        cfg["name"] = layer.name
        nodes = []
        for node in layer._inbound_nodes:
            if id(node) not in index or isinstance(layer, InputLayer):
                continue

            def tensor(t):
                if not isinstance(t, KerasTensor):
                    return t
                return {"class_name": "__keras_tensor__",
                        "config": {"shape": list(t.shape), "dtype": t.dtype,
                                   "keras_history": _history(t, index)}}

            nodes.append({"args": map_structure(tensor, list(node.args)),
                          "kwargs": {k: map_structure(tensor, v) for k, v in node.kwargs.items()}})
        cfg["inbound_nodes"] = nodes
        layer_configs.append(cfg)

    def ref(t):
        return _history(t, index)

    # Keras keeps the structure: one tensor is one [layer, node, tensor] ref, a list a list of refs.
    return {"name": model.name, "trainable": model.trainable, "layers": layer_configs,
            "input_layers": map_structure(ref, model._inputs_struct),
            "output_layers": map_structure(ref, model._outputs_struct)}


def functional_from_config(cls, config, custom_objects=None, make_layer=None, call_layer=None,
                           input_tensors=None):
    """Rebuild a functional model from ``functional_config``'s output (or Keras 3's).

    Layers are created first; then their calls are replayed, each as soon as
    the tensors it reads exist (a shared layer's later call may wait for
    layers listed after it). ``clone_model`` customises the rebuild:
    ``make_layer(layer_config)`` creates each non-input layer,
    ``call_layer(layer, *args, **kwargs)`` makes each call, and
    ``input_tensors`` (one per model input) replace the input layers' tensors.
    """
    created, made, pending = {}, {}, {}
    given = dict(zip([spec[0] for spec in _input_specs(config)], input_tensors or []))
    for layer_cfg in config["layers"]:
        plain = {k: v for k, v in layer_cfg.items() if k not in ("inbound_nodes", "build_config")}
        is_input = layer_cfg.get("class_name") == "InputLayer"
        layer = deserialize_keras_object(plain, custom_objects) if make_layer is None or is_input \
            else make_layer(plain)
        name = layer_cfg.get("name") or layer.name
        created[name] = layer
        made[name] = [given.get(name, layer.output_tensor)] if isinstance(layer, InputLayer) else []
        pending[name] = list(layer_cfg.get("inbound_nodes", []))

    class _Missing(Exception):
        pass

    def tensor(name, node_index, tensor_index):
        if name not in made:
            raise ValueError(f"Model config refers to an unknown layer {name!r}.")
        if node_index >= len(made[name]):
            raise _Missing
        return flatten(made[name][node_index])[tensor_index]

    def resolve(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            return tensor(*x["config"]["keras_history"])
        return x

    progress = True
    while progress and any(pending.values()):
        progress = False
        for name, nodes in pending.items():
            while nodes:
                node = nodes[0]
                try:
                    if isinstance(node, dict):
                        args = _walk(resolve, node.get("args", []))
                        kwargs = {k: _walk(resolve, v) for k, v in node.get("kwargs", {}).items()}
                    else:  # Keras 2 style: [[name, node, tensor, kwargs], ...]
                        ts = [tensor(n[0], n[1], n[2]) for n in node]
                        args = [ts[0] if len(ts) == 1 else ts]
                        kwargs = node[0][3] if node and len(node[0]) > 3 else {}
                except _Missing:
                    break
                layer = created[name]
                made[name].append(layer(*args, **kwargs) if call_layer is None
                                  else call_layer(layer, *args, **kwargs))
                nodes.pop(0)
                progress = True
    stuck = [n for n, nodes in pending.items() if nodes]
    if stuck:
        raise ValueError(f"Model config cannot be rebuilt: the inputs of layer(s) {stuck} never appear.")

    def refs(spec):
        if isinstance(spec, dict):
            return {k: refs(v) for k, v in spec.items()}
        if isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str):
            return tensor(*spec)
        return [refs(s) for s in spec]

    inputs = refs(config["input_layers"])
    outputs = refs(config["output_layers"])
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    if isinstance(outputs, list) and len(outputs) == 1:
        outputs = outputs[0]
    model = cls(inputs=inputs, outputs=outputs, name=config.get("name"))
    if "trainable" in config:
        model.trainable = config["trainable"]
    return model


def _input_specs(config):
    """``[[layer_name, node, tensor], ...]`` of the model's inputs, in order."""
    specs = config.get("input_layers", [])
    if isinstance(specs, dict):
        specs = list(specs.values())
    if specs and isinstance(specs[0], str):
        specs = [specs]
    return specs


def _walk(fn, x):
    out = fn(x)
    if out is not x:
        return out
    if isinstance(x, list):
        return [_walk(fn, v) for v in x]
    if isinstance(x, dict):
        return {k: _walk(fn, v) for k, v in x.items()}
    return x


def sequential_config(model):
    """Keras 3's ``get_config()`` of a Sequential model."""
    layers = []
    if model._input_layer is not None:
        layers.append(serialize_keras_object(model._input_layer))
    layers.extend(serialize_keras_object(layer) for layer in model._stack)
    cfg = {"name": model.name, "trainable": model.trainable, "layers": layers}
    if model._input_layer is not None:
        cfg["build_input_shape"] = list(model._input_layer.batch_shape)
    return cfg


def sequential_from_config(cls, config, custom_objects=None):
    """Rebuild a Sequential model from ``sequential_config``'s output (or Keras 2/3's)."""
    layer_cfgs = config["layers"] if isinstance(config, dict) else config
    model = cls(name=config.get("name") if isinstance(config, dict) else None)
    for layer_cfg in layer_cfgs:
        model.add(deserialize_keras_object(layer_cfg, custom_objects), rebuild=False)
    if model._input_layer is None and isinstance(config, dict) and config.get("build_input_shape"):
        model.build(tuple(config["build_input_shape"]))
    else:
        model._maybe_build_graph()
    if isinstance(config, dict) and "trainable" in config:
        model.trainable = config["trainable"]
    return model
