"""``model.export(path, format="onnx")`` from a model on any engine.

The route: the model is rebuilt on the torch engine (its config and weights; a model
already on torch is used as it is), its inference call is traced by ``torch.onnx``
(``kerasette/backends/torch/onnx_export.py``) and written with a free batch axis.
The packages come with ``pip install kerasette[onnx]``.
"""
from __future__ import annotations

import importlib
import io
import os

from .. import config

DEFAULT_OPSET = 18
_EXTRA = "pip install kerasette[onnx]"


def require_onnx():
    """Raise ImportError naming the extra when ``torch`` or ``onnx`` is missing."""
    for package in ("torch", "onnx"):
        try:
            importlib.import_module(package)
        except ImportError as e:
            raise ImportError(f"ONNX export needs the `{package}` package, which is not "
                              f"installed: `{_EXTRA}`.") from e


def export_onnx(model, filepath, input_signature=None, verbose=True, opset_version=DEFAULT_OPSET,
                **kwargs):
    """Write ``model``'s inference computation (``training=False``) as an ONNX file.

    Inputs are named after the model's inputs, outputs after its outputs; axis 0
    (the batch) is free. Raises ValueError naming the layer that cannot be
    exported, and ImportError naming ``kerasette[onnx]`` when packages are missing.
    """
    if kwargs:
        raise TypeError(f"export(format='onnx'): unexpected arguments {sorted(kwargs)}.")
    require_onnx()
    filepath = os.fspath(filepath)
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built yet; call it on data (or build it) "
                         f"before exporting it.")
    for layer in model._flatten_layers():
        if getattr(layer, "_runs_on_host", False):
            raise ValueError(f"Cannot export model '{model.name}' to ONNX: layer '{layer.name}' "
                             f"({type(layer).__name__}) runs on the host (strings or lookups), "
                             f"outside the traced tensor computation. Export the model without "
                             f"it and apply it before the ONNX model.")
    torch_engine = _backends().get("torch")
    shapes = _input_shapes(model, input_signature)
    _check_time_axes(model, shapes)
    previous = config._active
    config._active = torch_engine
    try:
        twin = model if model._backend is torch_engine else _rebuild_on(model, torch_engine)
        examples = [torch_engine.zeros(tuple(2 if d is None else d for d in s), dt)
                    for s, dt in shapes]
        names_in = _unique_names([n for n, _ in _named(model, "input", len(shapes))])
        struct = getattr(model, "_inputs_struct", None)

        def call(*xs):
            inputs = _restructure(struct, list(xs)) if struct is not None else \
                (xs[0] if len(xs) == 1 else list(xs))
            from ..layers.symbolic import flatten
            return tuple(flatten(twin(inputs, training=False)))

        from ..layers.symbolic import flatten
        n_out = len(flatten(call(*examples)))
        names_out = _unique_names([n for n, _ in _named(model, "output", n_out)])
        from ..backends.torch import onnx_export
        try:
            onnx_export.export(call, examples, filepath, names_in, names_out, opset_version,
                               [[0] + [i for i, d in enumerate(s) if d is None and i]
                                for s, _ in shapes])
        except Exception as e:  # noqa: BLE001 -- re-raised naming the layer at fault
            layer = _failing_layer(e) or _first_unexportable(twin, torch_engine, opset_version)
            where = f"layer '{layer.name}' ({type(layer).__name__})" if layer is not None \
                else f"model '{model.name}'"
            raise ValueError(f"Cannot export model '{model.name}' to ONNX: {where} cannot be "
                             f"exported (torch.onnx: {type(e).__name__}: {e}).") from e
    finally:
        config._active = previous
    _normalize_graph(filepath)
    if verbose:
        print(f"Saved ONNX model '{model.name}' to {filepath}")


def _normalize_graph(filepath):
    """Rewrite what the torch tracer writes but ONNX forbids: negative ``Transpose``
    axes (``perm``) become positive."""
    import onnx
    proto = onnx.load(filepath)
    changed = False
    for node in proto.graph.node:
        if node.op_type != "Transpose":
            continue
        for attr in node.attribute:
            if attr.name == "perm" and any(p < 0 for p in attr.ints):
                fixed = [p % len(attr.ints) for p in attr.ints]
                del attr.ints[:]
                attr.ints.extend(fixed)
                changed = True
    if changed:
        onnx.save(proto, filepath)


def _backends():
    from .. import backends
    return backends


def _input_shapes(model, input_signature):
    """``[(shape, dtype)]`` of the inputs, from ``input_signature`` or the model."""
    if input_signature is not None:
        from ..layers.symbolic import flatten
        out = []
        for spec in flatten(input_signature):
            shape = getattr(spec, "shape", spec)
            out.append((tuple(shape), getattr(spec, "dtype", None) or config.floatx()))
        return out
    tensors = getattr(model, "_input_tensors", None)
    if getattr(model, "_graph", None) is not None and tensors:
        return [(tuple(t.shape), t.dtype or config.floatx()) for t in tensors]
    shape = getattr(model, "_build_input_shape", None)
    if shape is None:
        raise ValueError(f"Cannot export model '{model.name}': its input shape is unknown. "
                         f"Pass `input_signature=[(None, ...)]`.")
    if isinstance(shape, list) and shape and isinstance(shape[0], (tuple, list)):
        return [(tuple(s), config.floatx()) for s in shape]
    return [(tuple(shape), config.floatx())]


def _check_time_axes(model, shapes):
    """A recurrent layer is traced step by step: its sequence length must be fixed."""
    from ..layers.recurrent import RNN
    free = [s for s, _ in shapes if None in tuple(s)[1:]]
    rnn = next((l for l in model._flatten_layers() if isinstance(l, RNN)), None)
    if free and rnn is not None:
        raise ValueError(f"Cannot export model '{model.name}' to ONNX with a free sequence "
                         f"length (input shape {free[0]}): layer '{rnn.name}' "
                         f"({type(rnn).__name__}) is traced step by step. Pass "
                         f"`input_signature=[(None, timesteps, ...)]` with the length to export.")


def _named(model, what, n):
    names = getattr(model, f"{what}_names", None) or []
    if len(names) != n:
        names = [what] if n == 1 else [f"{what}_{i}" for i in range(n)]
    return [(name, i) for i, name in enumerate(names)]


def _unique_names(names):
    seen, out = {}, []
    for n in names:
        seen[n] = seen.get(n, -1) + 1
        out.append(n if seen[n] == 0 else f"{n}_{seen[n]}")
    return out


def _restructure(struct, flat):
    if isinstance(struct, dict):
        keys = sorted(struct, key=str)
        return {k: flat[i] for i, k in enumerate(keys)}
    if isinstance(struct, (list, tuple)):
        return list(flat)
    return flat[0]


def _rebuild_on(model, engine):
    """A twin of ``model`` on ``engine``: its config, then its weights through Keras's
    HDF5 layout (as ``load_model`` does)."""
    from ..saving.h5_weights import model_engine, read_state, require_h5py, state_bytes
    from ..saving.serialization_lib import deserialize_keras_object, safe_mode_scope, \
        serialize_keras_object
    with model_engine(model):
        cfg = serialize_keras_object(model)
        state = state_bytes(model)
    cfg.pop("compile_config", None)
    own_classes = {type(layer).__name__: type(layer) for layer in model._flatten_layers()}
    try:
        with safe_mode_scope(False):  # the user's own in-process model, Lambdas included
            twin = deserialize_keras_object(cfg, own_classes)
    except (ValueError, TypeError) as e:
        raise ValueError(f"Cannot export model '{model.name}' (built on the {model._backend.name} "
                         f"engine) to ONNX: it is rebuilt on the torch engine from its config, "
                         f"which failed ({e}). Build the model on the torch engine "
                         f"(KERASETTE_BACKEND=torch) and export it there.") from e
    with require_h5py().File(io.BytesIO(state), "r") as f:
        read_state(twin, f, f"model '{model.name}'")
    return twin


def _first_unexportable(model, engine, opset_version):
    """The first layer of a functional model (nested models searched) that cannot be
    exported on its own, or None: each node is traced alone on zeros of its input shapes."""
    from ..backends.torch import onnx_export
    from ..layers.symbolic import KerasTensor, flatten, map_structure
    from ..models import Model
    for node in getattr(model, "_graph_nodes", None) or []:
        tensors, layer = node.input_tensors, node.layer

        def call(*xs, node=node, tensors=tensors, layer=layer):
            lookup = {t._id: x for t, x in zip(tensors, xs)}
            sub = lambda t: lookup[t._id] if isinstance(t, KerasTensor) else t  # noqa: E731
            kwargs = {k: map_structure(sub, v) for k, v in node.kwargs.items()}
            if layer._call_takes_training:
                kwargs["training"] = False
            return tuple(flatten(layer(*map_structure(sub, list(node.args)), **kwargs)))

        examples = [engine.zeros(tuple(2 if d is None else d for d in t.shape),
                                 t.dtype or config.floatx()) for t in tensors]
        try:
            n_out = len(call(*examples))
            onnx_export.export(call, examples, io.BytesIO(), [f"i{i}" for i in range(len(examples))],
                               [f"o{i}" for i in range(n_out)], opset_version,
                               [[0]] * len(examples))
        except Exception:  # noqa: BLE001 -- this is the layer at fault (or inside it)
            inner = _first_unexportable(layer, engine, opset_version) \
                if isinstance(layer, Model) else None
            return inner or layer
    return None


def _failing_layer(error):
    """The innermost kerasette layer (not a model) whose code was running when ``error``
    was raised, or None."""
    from ..layers.layer import Layer
    from ..models import Model
    found = None
    tb = error.__traceback__
    while tb is not None:
        obj = tb.tb_frame.f_locals.get("self")
        if isinstance(obj, Layer) and not isinstance(obj, Model):
            found = obj
        tb = tb.tb_next
    if found is None and error.__cause__ is not None and error.__cause__ is not error:
        return _failing_layer(error.__cause__)
    return found

