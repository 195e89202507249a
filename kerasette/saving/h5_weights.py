"""Model state in Keras 3's HDF5 layout (``*.weights.h5``, and ``model.weights.h5`` in a ``.keras``).

Keras 3 walks a model and stores each object's own variables under the
attribute path that reaches it::

    vars                          the model's own variables (attrs: name)
    layers/<key>/vars/0..n        each of ``model.layers``; <key> is the snake_case
                                  class name, numbered within the list
                                  (``dense``, ``dense_1``, ...)
    layers/lstm/cell/vars/0..2    a sub-layer, under its attribute name
    layers/functional/layers/...  a nested model
    optimizer/vars/0..n           ``optimizer.variables`` (iterations, learning rate, slots)

A layer's own variables are its trainable ones, then its non-trainable ones,
in creation order. The walk follows Keras: a functional or Sequential model
lists ``layers`` first, then every object visits its attributes in sorted
order (private ones last), skipping the base class's own attributes, and an
object reached twice is stored once, at its first path.

Loading validates the whole file against the model before assigning
anything, so a failed load leaves the model unchanged.
"""
from __future__ import annotations

import contextlib
import io
import os
import warnings

import numpy as np

from ..layers.layer import Layer
from ..optimizers.base import Optimizer
from ..utils.registry import snake_case

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def require_h5py():
    """The ``h5py`` module, or an ImportError saying how to install it."""
    try:
        import h5py
    except ImportError as e:
        raise ImportError("Saving and loading weights needs h5py, which is not installed. "
                          "Install it with `pip install h5py` (or `pip install kerasette[saving]`).") from e
    return h5py


@contextlib.contextmanager
def model_engine(model):
    """Make the engine ``model`` was built on the active one inside the block.

    A model belongs to its engine; saving or loading it while another engine is
    active works on the model's own (its optimizer checks the active engine).
    """
    from .. import config
    engine = getattr(model, "_backend", None)
    previous = config._active
    if engine is not None:
        config._active = engine
    try:
        yield
    finally:
        config._active = previous


# ------------------------------------------------------------------ the walk
def _name_key(name):
    return f"~{name}" if name.startswith("_") else name


_SKIP = {}


def _skipset(obj):
    """Attribute names the walk ignores: those of kerasette's own base classes."""
    from ..models import Model, Sequential
    kind = "model" if isinstance(obj, Model) else "layer"
    if kind not in _SKIP:
        if kind == "layer":
            names = set(dir(Layer(name="__kerasette_saving_probe__")))
        else:
            names = set(dir(Model(name="__kerasette_saving_probe__"))) | \
                set(dir(Sequential(name="__kerasette_saving_probe__")))
            names -= {"layers", "optimizer"}
            # set only on functional models (the probe has no graph); the layers are in `layers`
            names |= {"_graph", "_graph_layers", "_graph_nodes", "_input_tensors",
                      "_output_tensors", "_inputs_struct", "_outputs_struct"}
        _SKIP[kind] = frozenset(names)
    return _SKIP[kind]


def _is_saveable(x):
    return isinstance(x, (Layer, Optimizer))


def _class_key(obj):
    """The snake_case class name Keras numbers list entries by."""
    from ..models import Model, Sequential
    cls = type(obj)
    if cls is Model and getattr(obj, "_graph", None) is not None:
        return "functional"  # Keras's class for functional models
    if cls is Sequential:
        return "sequential"
    return snake_case(cls.__name__)


def _children(obj):
    from ..models import Model, Sequential
    if isinstance(obj, Sequential) or (isinstance(obj, Model) and obj._graph is not None):
        yield "layers", obj.layers
    skip = _skipset(obj)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for attr in sorted(dir(obj), key=_name_key):
            if attr.startswith("__") or attr in skip:
                continue
            try:
                child = getattr(obj, attr)
            except Exception:  # noqa: BLE001 -- a property that cannot answer holds no state
                continue
            yield attr, child


def walk(model):
    """``[(path, object)]``: every layer and optimizer reachable from ``model``, in Keras's order."""
    out, visited = [], set()
    _visit(model, "", out, visited)
    return out


def _join(path, name):
    return f"{path}/{name}" if path else name


def _visit(obj, path, out, visited):
    if id(obj) in visited:
        return
    visited.add(id(obj))
    out.append((path, obj))
    if isinstance(obj, Optimizer):
        return
    for attr, child in _children(obj):
        if _is_saveable(child):
            _visit(child, _join(path, attr), out, visited)
        elif isinstance(child, (list, tuple, dict)):
            _visit_container(child, _join(path, attr), out, visited, set())


def _visit_container(container, path, out, visited, seen):
    if id(container) in seen:
        return
    seen.add(id(container))
    used = {}
    items = list(container.values()) if isinstance(container, dict) else container
    for item in items:
        if _is_saveable(item):
            _visit(item, _join(path, _unique(_class_key(item), used)), out, visited)
        elif isinstance(item, (list, tuple, dict)):
            _visit_container(item, _join(path, _unique("container", used)), out, visited, seen)


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def own_variables(obj):
    """The variables Keras stores for ``obj`` itself, in order."""
    if isinstance(obj, Optimizer):
        return obj.variables
    return list(obj._trainable_variables) + list(obj._non_trainable_variables)


def _vars_path(path):
    return _join(path, "vars")


# ----------------------------------------------------------------- writing
def write_state(model, h5file):
    """Store ``model``'s variables (and its optimizer's) into an open ``h5py.File``."""
    for path, obj in walk(model):
        group = h5file.create_group(_vars_path(path))
        group.attrs["name"] = str(obj.name)
        for i, v in enumerate(own_variables(obj)):
            value = v.numpy()
            if value.dtype.name == "bfloat16":
                ds = group.create_dataset(str(i), data=value)  # opaque 2-byte type, as Keras
                ds.attrs["dtype"] = "bfloat16"
            else:
                group.create_dataset(str(i), data=value)


def state_bytes(model):
    """The HDF5 file of ``model``'s state, as bytes."""
    h5py = require_h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        write_state(model, f)
    return buffer.getvalue()


# ----------------------------------------------------------------- reading
def _read_dataset(ds):
    if ds.attrs.get("dtype") == "bfloat16":
        import ml_dtypes  # installed with the engines that use bfloat16
        return np.array(ds, dtype=ml_dtypes.bfloat16)
    return np.asarray(ds[()])


def read_state(model, h5file, source, skip_mismatch=False):
    """Assign the variables stored in ``h5file`` to ``model`` (and its optimizer).

    Every layer's variable count and shapes are checked before anything is
    assigned. ``source`` names the file in error messages.
    """
    if "model_weights" in h5file or "layer_names" in h5file.attrs:
        raise ValueError(f"{source} is a legacy Keras 2 HDF5 file (written by `model.save('x.h5')` "
                         f"or Keras 2's `save_weights`). kerasette reads Keras 3's formats only: "
                         f"load it in Keras and save it again as `.keras` or `.weights.h5`.")
    _maybe_build_optimizer(model, h5file)
    assignments, problems = [], []
    for path, obj in walk(model):
        group_path = _vars_path(path)
        group = h5file[group_path] if group_path in h5file else {}
        variables = own_variables(obj)
        keys = list(group.keys())
        if isinstance(obj, Optimizer):
            pairs = _optimizer_pairs(obj, group, keys, variables, source)
            assignments.extend(pairs)
            continue
        if len(keys) != len(variables):
            problems.append(
                f"layer '{obj.name}' ({type(obj).__name__}, at '{group_path}') has "
                f"{len(variables)} variable(s) {[v.name for v in variables]}, but the file has "
                f"{len(keys)} there")
            continue
        for i, v in enumerate(variables):
            ds = group[str(i)]
            if tuple(ds.shape) != tuple(v.shape):
                problems.append(
                    f"layer '{obj.name}' ({type(obj).__name__}): variable '{v.name}' has shape "
                    f"{tuple(v.shape)} in the model but shape {tuple(ds.shape)} in the file "
                    f"(at '{group_path}/{i}')")
                continue
            assignments.append((v, ds))
    if problems:
        message = (f"Cannot load weights from {source} into model '{model.name}': "
                   + "; ".join(problems) + ".")
        if not skip_mismatch:
            raise ValueError(message)
        warnings.warn(message + " Those layers were skipped (skip_mismatch=True).", stacklevel=3)
    for v, ds in assignments:
        v.assign(_read_dataset(ds))


def _optimizer_group(h5file):
    return h5file["optimizer/vars"] if "optimizer/vars" in h5file else None


def _maybe_build_optimizer(model, h5file):
    """Build a compiled model's optimizer when the file holds built optimizer state."""
    opt = getattr(model, "optimizer", None)
    group = _optimizer_group(h5file)
    if not isinstance(opt, Optimizer) or opt.built or group is None or not model.built:
        return
    if len(group.keys()) > len(opt.variables):
        opt.build(model.trainable_variables)


def _optimizer_pairs(opt, group, keys, variables, source):
    n = len(keys)
    if n == 0:
        return []
    if n != len(variables):
        base = [v for v in variables if v is opt._iterations or v is opt._learning_rate_var]
        if n == len(base) and all(tuple(group[str(i)].shape) == tuple(v.shape) for i, v in enumerate(base)):
            variables = base  # the optimizer was saved before its first step
        else:
            warnings.warn(f"Skipping variable loading for optimizer '{opt.name}': it has "
                          f"{len(variables)} variables, whereas the optimizer saved in {source} "
                          f"has {n}.", stacklevel=4)
            return []
    pairs = []
    for i, v in enumerate(variables):
        ds = group[str(i)]
        if tuple(ds.shape) != tuple(v.shape):
            raise ValueError(f"Cannot load optimizer state from {source}: variable '{v.name}' of "
                             f"optimizer '{opt.name}' has shape {tuple(v.shape)}, but the file has "
                             f"shape {tuple(ds.shape)} (at 'optimizer/vars/{i}').")
        pairs.append((v, ds))
    return pairs


# --------------------------------------------------------------- weights files
def open_weights_h5(source, filepath):
    """``h5py.File(source, "r")`` (a path or a file-like object holding ``filepath``'s
    weights); damaged data is a ``ValueError`` naming ``filepath``."""
    h5py = require_h5py()
    try:
        return h5py.File(source, "r")
    except OSError as e:
        raise ValueError(f"Cannot read weights from {filepath}: the HDF5 data is damaged or "
                         f"truncated ({e}).") from e


def save_weights(model, filepath, overwrite=True):
    """Write ``model``'s weights (and optimizer state) to ``filepath`` (``*.weights.h5``).

    Args:
        model: a built model.
        filepath: must end in ``.weights.h5`` (Keras 3's rule).
        overwrite: when False, an existing file raises ``FileExistsError``.

    Example:
        >>> model.save_weights("ckpt.weights.h5")
    """
    from .atomic import atomic_path
    filepath = os.fspath(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built yet, so it has no weights to save; "
                         f"call it on data or build it first.")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} already exists (overwrite=False).")
    h5py = require_h5py()
    with model_engine(model), atomic_path(filepath) as tmp:
        with h5py.File(tmp, "w") as f:
            write_state(model, f)


def load_weights(model, filepath, skip_mismatch=False):
    """Load weights saved by ``save_weights`` (or inside a ``.keras`` file) into ``model``.

    Args:
        model: a built model with the same architecture.
        filepath: a ``.weights.h5`` file or a ``.keras`` archive (from kerasette or Keras 3).
        skip_mismatch: warn and skip layers whose variables do not match,
            instead of raising.

    Raises:
        ValueError: a layer's variable count or shape differs from the file's
            (the message names the layer and both shapes), or the file is not
            a weights file.

    Example:
        >>> model.load_weights("ckpt.weights.h5")
    """
    from .keras_file import check_exists, open_archive, WEIGHTS_NAME
    filepath = os.fspath(filepath)
    check_exists(filepath)
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built yet: build it (call it on data, or "
                         f"give it an Input) before loading weights into it.")
    with open(filepath, "rb") as f:
        head = f.read(8)
    if head.startswith(b"PK"):
        with open_archive(filepath) as (zf, _):
            data = zf.read(WEIGHTS_NAME)
        handle = io.BytesIO(data)
    elif head == HDF5_SIGNATURE:
        handle = filepath
    else:
        raise ValueError(f"{filepath} is neither an HDF5 weights file nor a .keras archive "
                         f"(it starts with {head!r}).")
    with open_weights_h5(handle, filepath) as f, model_engine(model):
        read_state(model, f, filepath, skip_mismatch=skip_mismatch)
