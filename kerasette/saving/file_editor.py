"""``KerasFileEditor``: inspect and edit the weights of a ``.keras`` or ``.weights.h5``
file (kerasette's or Keras 3's) without building the model, then write them back as
a ``.weights.h5`` file.

The file's weights are read into ``weights_dict``: nested dicts following the
HDF5 layout with the ``vars`` groups folded into their owner, e.g.
``{"layers": {"dense": {"0": kernel, "1": bias}}, "optimizer": {...}}``. Objects
are named by a path (``"layers/dense"``) or, when the name occurs once in the
file, by their last name alone (``"dense"``).
"""
from __future__ import annotations

import collections
import json
import os

import numpy as np

from .h5_weights import open_weights_h5, own_variables, require_h5py, walk


class KerasFileEditor:
    """Inspect, edit and resave the weights of a saved model (Keras 3's class).

    Args:
        filepath: a ``.keras`` archive or a ``.weights.h5`` file.

    Attributes:
        weights_dict: the weights, as described in the module docstring.
        object_metadata: ``{"/layers/dense": {"name": "dense"}}``: the attributes of
            the file's groups.
        config / metadata: the ``.keras`` archive's config and metadata (None for a
            ``.weights.h5`` file).

    Example:
        >>> editor = KerasFileEditor("model.keras")
        >>> editor.delete_object("layers/dense_2")
        >>> editor.add_object("layers/einsum_dense", weights={"0": kernel, "1": bias})
        >>> editor.save("edited.weights.h5")
    """

    def __init__(self, filepath):
        from .keras_file import CONFIG_NAME, METADATA_NAME, WEIGHTS_NAME, check_exists, \
            open_archive, read_member
        import io
        self.filepath = os.fspath(filepath)
        self.config = self.metadata = None
        if self.filepath.endswith(".keras"):
            with open_archive(self.filepath) as (zf, metadata):
                self.config = json.loads(read_member(zf, CONFIG_NAME, self.filepath))
                self.metadata = metadata if METADATA_NAME in zf.namelist() else None
                source = io.BytesIO(read_member(zf, WEIGHTS_NAME, self.filepath))
        elif self.filepath.endswith(".weights.h5"):
            check_exists(self.filepath)
            source = self.filepath
        else:
            raise ValueError(f"Invalid filename: expected a `.keras` or `.weights.h5` extension. "
                             f"Received: filepath={self.filepath}")
        self.object_metadata = {}
        with open_weights_h5(source, self.filepath) as f:
            self.weights_dict = self._read_group(f, "")
        print(f"Keras model file '{self.filepath}'")
        if self.metadata:
            print(f"Saved with Keras {self.metadata.get('keras_version', '?')} - date: "
                  f"{self.metadata.get('date_saved', '?')}")

    # ------------------------------------------------------------ reading
    def _read_group(self, group, path):
        import h5py
        if group.attrs:
            self.object_metadata[path] = {k: _plain(v) for k, v in group.attrs.items()}
        out = collections.OrderedDict()
        for key in group.keys():
            link = group.get(key, getclass=True, getlink=True)
            if link in (h5py.ExternalLink, h5py.SoftLink):
                raise ValueError(f"{self.filepath}: refusing the HDF5 {link.__name__} at "
                                 f"'{path}/{key}' (a weights file holds no links).")
            item = group[key]
            if isinstance(item, h5py.Group):
                if key == "vars":
                    if item.attrs:
                        self.object_metadata[path] = {k: _plain(v) for k, v in item.attrs.items()}
                    for name, ds in item.items():
                        out[name] = _read_dataset(ds, f"{path}/vars/{name}", self.filepath)
                    continue
                sub = self._read_group(item, f"{path}/{key}")
                if sub:
                    out[key] = sub
            elif isinstance(item, h5py.Dataset):
                out[key] = _read_dataset(item, f"{path}/{key}", self.filepath)
        return out

    # ------------------------------------------------------------ showing
    def summary(self):
        """Print the weight structure of the file (objects, then weight shapes and dtypes)."""
        print("Weights structure")
        for line in _tree_lines(self.weights_dict, self.object_metadata, "", ""):
            print("  " + line)

    def weights_summary(self):
        """Same as ``summary()`` (the name Keras's error messages use)."""
        self.summary()

    def compare(self, reference_model):
        """List every difference between the file's weights and ``reference_model``'s.

        Returns:
            ``{"status": "success" | "error", "error_count": int, "match_count": int}``;
            each mismatch (an object or weight on one side only, a shape that differs)
            is printed.
        """
        print("Running comparison")
        reference = _model_spec(reference_model)
        errors, matches = _compare(self.weights_dict, reference, "", "saved file", "reference model")
        errors += _compare(reference, self.weights_dict, "", "reference model", "saved file",
                           shapes=False)[0]
        print("─" * 21)
        if errors:
            print(f"Found {errors} error{'s' if errors != 1 else ''}: saved file is not compatible "
                  f"with the reference model")
        else:
            print("Comparison successful: saved file is compatible with the reference model")
            print(f"    Found {matches} matching weight{'s' if matches != 1 else ''}")
        return {"status": "error" if errors else "success", "error_count": errors,
                "match_count": matches}

    # ------------------------------------------------------------ editing
    def rename_object(self, object_name, new_name):
        """Rename an object (``"dense_2"`` or ``"layers/dense_2"``) to ``new_name`` (a leaf name)."""
        if "/" in new_name:
            raise ValueError(f"Argument `new_name` should be a leaf name, not a full path name. "
                             f"Received: new_name='{new_name}'")

        def rename(owner, key):
            if new_name in owner:
                raise ValueError(f"Cannot rename '{object_name}' to '{new_name}': that name is "
                                 f"already taken there.")
            items = [(new_name if k == key else k, v) for k, v in owner.items()]
            owner.clear()
            owner.update(items)
        self._edit(object_name, rename)

    def delete_object(self, object_name):
        """Remove an object (``"dense_2"`` or ``"layers/dense_2"``) and all its weights."""
        self._edit(object_name, lambda owner, key: owner.pop(key))

    def add_object(self, object_path, weights):
        """Add a new object at ``object_path`` (e.g. ``"layers/dense_2"``) holding ``weights``
        (``{"0": kernel, "1": bias}``); the path's parents must exist."""
        weights = _check_weights(weights)
        *parents, leaf = object_path.split("/")
        node = self.weights_dict
        for i, p in enumerate(parents):
            if not isinstance(node.get(p), dict):
                raise ValueError(f"Path '{'/'.join(parents[:i + 1])}' not found in the file.")
            node = node[p]
        if leaf in node:
            raise ValueError(f"'{object_path}' already exists in the file; delete it first or use "
                             f"add_weights.")
        node[leaf] = weights

    def delete_weight(self, object_name, weight_name):
        """Remove the weight ``weight_name`` (e.g. ``"0"``) of an object."""
        def delete(owner, key):
            if weight_name not in owner[key] or isinstance(owner[key][weight_name], dict):
                raise ValueError(f"Weight {weight_name} not found in object {object_name}. Weights "
                                 f"found: {[k for k, v in owner[key].items() if not isinstance(v, dict)]}")
            owner[key].pop(weight_name)
        self._edit(object_name, delete)

    def add_weights(self, object_name, weights):
        """Add (or replace) weights ``{"2": value, ...}`` of an existing object."""
        weights = _check_weights(weights)
        self._edit(object_name, lambda owner, key: owner[key].update(weights))

    def _edit(self, object_name, fn):
        """Find the object (a path, or a name that occurs once) and run ``fn(owner, key)``."""
        if "/" in object_name:
            *parents, leaf = object_name.split("/")
            node = self.weights_dict
            for p in parents:
                node = node.get(p) if isinstance(node, dict) else None
                if not isinstance(node, dict):
                    break
            if not isinstance(node, dict) or not isinstance(node.get(leaf), dict):
                raise ValueError(f"Path '{object_name}' not found in the file.")
            return fn(node, leaf)
        found = [owner for owner in _dicts(self.weights_dict)
                 if isinstance(owner.get(object_name), dict)]
        if len(found) > 1:
            raise ValueError(f"Name '{object_name}' occurs more than once in the file; pass a "
                             f"complete path (see `editor.summary()`).")
        if not found:
            raise ValueError(f"Source name '{object_name}' does not appear in the file. Use "
                             f"`editor.summary()` to list all objects.")
        return fn(found[0], object_name)

    # ------------------------------------------------------------ writing
    def save(self, filepath):
        """Write the edited weights to ``filepath`` (a ``.weights.h5`` file, Keras 3's layout:
        each object's weights in its ``vars`` group), atomically."""
        from .atomic import atomic_path
        filepath = os.fspath(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError(f"Invalid `filepath` argument: expected a `.weights.h5` extension. "
                             f"Received: filepath={filepath}")
        h5py = require_h5py()
        with atomic_path(filepath) as tmp:
            with h5py.File(tmp, "w") as f:
                self._write(f, self.weights_dict, "")

    def resave_weights(self, filepath):
        """Same as ``save(filepath)``."""
        self.save(filepath)

    def _write(self, f, node, path):
        arrays = {k: v for k, v in node.items() if not isinstance(v, dict)}
        if arrays or path == "":
            group = f.require_group(f"{path}/vars" if path else "vars")
            name = self.object_metadata.get(path, {}).get("name")
            if name is not None:
                group.attrs["name"] = name
            for key, value in arrays.items():
                ds = group.create_dataset(key, data=np.asarray(value))
                if getattr(np.asarray(value).dtype, "name", "") == "bfloat16":
                    ds.attrs["dtype"] = "bfloat16"
        for key, value in node.items():
            if isinstance(value, dict):
                self._write(f, value, f"{path}/{key}")


# ---------------------------------------------------------------- helpers
def _plain(value):
    return value.decode() if isinstance(value, bytes) else value.item() if hasattr(value, "item") \
        else value


def _read_dataset(ds, where, filepath):
    if ds.external or ds.is_virtual:
        raise ValueError(f"{filepath}: refusing the dataset at '{where}', which points outside "
                         f"the file.")
    from .h5_weights import _read_dataset as read
    return read(ds)


def _check_weights(weights):
    if not isinstance(weights, dict):
        raise ValueError(f"Argument `weights` should be a dict where keys are weight names "
                         f"(usually '0', '1', etc.) and values are NumPy arrays. Received: "
                         f"type(weights)={type(weights)}")
    return {str(k): np.asarray(v) for k, v in weights.items()}


def _dicts(node):
    yield node
    for value in node.values():
        if isinstance(value, dict):
            yield from _dicts(value)


def _tree_lines(node, metadata, path, prefix):
    items = list(node.items())
    for i, (key, value) in enumerate(items):
        last = i == len(items) - 1
        connector = "└─ " if last else "├─ "
        if isinstance(value, dict):
            name = metadata.get(f"{path}/{key}", {}).get("name")
            yield f"{prefix}{connector}{key}" + (f" ('{name}')" if name is not None else "")
            yield from _tree_lines(value, metadata, f"{path}/{key}", prefix + ("    " if last else "│   "))
        else:
            yield f"{prefix}{connector}{key}: shape={tuple(value.shape)}, dtype={value.dtype}"


def _model_spec(model):
    """``reference_model``'s weights as nested dicts of shapes, in the file's layout."""
    from .h5_weights import model_engine
    spec = collections.OrderedDict()
    with model_engine(model):
        for path, obj in walk(model):
            variables = own_variables(obj)
            if not variables:
                continue
            node = spec
            for part in [p for p in path.split("/") if p]:
                node = node.setdefault(part, collections.OrderedDict())
            for i, v in enumerate(variables):
                node[str(i)] = _Shape(tuple(v.shape))
    return spec


class _Shape:
    """A weight's shape standing in for its value in a reference spec."""

    def __init__(self, shape):
        self.shape = shape


def _compare(target, reference, path, target_name, ref_name, shapes=True):
    """``(errors, matches)``: what ``reference`` holds and ``target`` lacks (or holds with
    another shape), each printed."""
    errors = matches = 0
    for key, ref in reference.items():
        where = f"{path}/{key}"
        if key not in target:
            errors += 1
            kind = "Object" if isinstance(ref, dict) else "Weight"
            print(f"...{kind} {where} present in {ref_name}, missing from {target_name}")
            if isinstance(ref, dict):
                print(f"    In {ref_name}, {where} contains the following keys: {list(ref)}")
        elif isinstance(ref, dict):
            if not isinstance(target[key], dict):
                errors += 1
                print(f"...{where} is an object in {ref_name} but a weight in {target_name}")
                continue
            e, m = _compare(target[key], ref, where, target_name, ref_name, shapes)
            errors, matches = errors + e, matches + m
        elif shapes:
            if tuple(target[key].shape) != tuple(ref.shape):
                errors += 1
                print(f"...Weight shape mismatch for {where}\n    In {ref_name}: "
                      f"shape={tuple(ref.shape)}\n    In {target_name}: shape={tuple(target[key].shape)}")
            else:
                matches += 1
    return errors, matches
