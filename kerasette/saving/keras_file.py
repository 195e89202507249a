"""The ``.keras`` file: Keras 3's zip archive, read and written by kerasette.

The archive holds three members (stored, uncompressed, in this order, as Keras
writes them):

* ``metadata.json``: ``keras_version`` (the Keras 3 release whose format this
  follows), ``date_saved``, and kerasette's own ``kerasette_version``,
  ``kerasette_format_version`` and ``backend``;
* ``config.json``: ``serialize_keras_object(model)`` plus ``compile_config``;
* ``model.weights.h5``: the state in Keras 3's HDF5 layout (see ``h5_weights``).

A file written here loads in Keras 3 and the other way round, for the layers
both have. Saving is atomic (see ``atomic``); every way a file can be wrong
gives a ``ValueError`` that names the file and the problem.
"""
from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import zipfile

import numpy as np

from .. import __version__, config as _config
from .serialization_lib import custom_object_scope, deserialize_keras_object, safe_mode_scope, \
    serialize_keras_object
from .atomic import atomic_path
from .compile_config import compile_from_config, get_compile_config
from .h5_weights import HDF5_SIGNATURE, model_engine, read_state, require_h5py, state_bytes

CONFIG_NAME = "config.json"
METADATA_NAME = "metadata.json"
WEIGHTS_NAME = "model.weights.h5"
KERAS_VERSION = "3.15.1"  # the Keras release whose file format is written (and tested against)
FORMAT_VERSION = 1  # kerasette's own version of the archive; a newer one is refused


class MissingFileError(FileNotFoundError, ValueError):
    """The file to load does not exist (a ``FileNotFoundError`` and, as in Keras, a ``ValueError``)."""


# ------------------------------------------------------------------ saving
def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Save ``model`` (architecture, weights, optimizer state, compile arguments) to a ``.keras`` file.

    Args:
        model: the model.
        filepath: path ending in ``.keras``.
        overwrite: when False, an existing file raises ``FileExistsError``.
        zipped: only the zipped format is written (None or True).

    The file is replaced atomically: an interrupted save leaves the previous
    file intact.

    Example:
        >>> model.save("model.keras")
        >>> restored = kerasette.saving.load_model("model.keras")
    """
    if kwargs:
        raise TypeError(f"save_model(): unexpected arguments {sorted(kwargs)}.")
    if zipped is False:
        raise ValueError("kerasette writes only the zipped `.keras` format (zipped=True).")
    filepath = os.fspath(filepath)
    if filepath.endswith((".h5", ".hdf5")):
        raise ValueError(f"Cannot save to {filepath}: the legacy HDF5 model format is not "
                         f"supported. Save the whole model as `.keras`, or only its weights with "
                         f"`model.save_weights('name.weights.h5')`.")
    if not filepath.endswith(".keras"):
        raise ValueError(f"Invalid filepath {filepath!r}: a saved model needs the `.keras` "
                         f"extension.")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} already exists (overwrite=False).")
    if not model.built:
        import warnings
        warnings.warn(f"Saving model '{model.name}', which is not built yet: the file holds no "
                      f"weights. Build the model first by calling it on data.", stacklevel=3)
    with model_engine(model):
        members = model_archive_members(model)
    with atomic_path(filepath) as tmp:
        _write_archive(tmp, members)


def model_archive_members(model):
    """``[(name, bytes)]``: the three members of ``model``'s ``.keras`` archive."""
    cfg = serialize_keras_object(model)
    compile_config = get_compile_config(model)
    if compile_config is not None:
        cfg["compile_config"] = compile_config
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "kerasette_version": __version__,
                "kerasette_format_version": FORMAT_VERSION,
                "backend": _config.backend()}
    return [(METADATA_NAME, _dumps(metadata)), (CONFIG_NAME, _dumps(cfg)),
            (WEIGHTS_NAME, state_bytes(model))]


def _dumps(obj):
    return json.dumps(obj, default=_json_default).encode("utf-8")


def _json_default(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (tuple, set)):
        return list(x)
    raise TypeError(f"Cannot save a config value of type {type(x).__name__}: {x!r}. A layer's "
                    f"get_config() must return JSON-friendly values.")


def _write_archive(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            _write_member(zf, name, data)


def _write_member(zf, name, data):
    zf.writestr(name, data)


# ----------------------------------------------------------------- loading
def check_exists(filepath):
    """Raise a clear error when ``filepath`` is missing or is a folder."""
    if not os.path.exists(filepath):
        raise MissingFileError(f"File not found: {filepath} (no such file; check the path and the "
                               f"working directory {os.getcwd()}).")
    if os.path.isdir(filepath):
        raise ValueError(f"{filepath} is a folder, not a `.keras` or `.weights.h5` file.")


@contextlib.contextmanager
def open_archive(filepath):
    """Open and validate a ``.keras`` archive; yields ``(zipfile, metadata)``."""
    check_exists(filepath)
    if not zipfile.is_zipfile(filepath):
        raise ValueError(_not_a_zip_message(filepath))
    try:
        zf = zipfile.ZipFile(filepath, "r")
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(f"{filepath} is not a readable .keras file: the zip archive is damaged "
                         f"({e}).") from e
    with zf:
        names = zf.namelist()
        if CONFIG_NAME not in names:
            raise ValueError(f"{filepath} is a zip archive but not a saved model: it has no "
                             f"{CONFIG_NAME} (it holds {names[:8]}).")
        metadata = {}
        if METADATA_NAME in names:
            try:
                metadata = json.loads(read_member(zf, METADATA_NAME, filepath))
            except ValueError as e:
                raise ValueError(f"{filepath}: {METADATA_NAME} is not valid JSON ({e}).") from e
        _check_version(metadata, filepath)
        if WEIGHTS_NAME not in names:
            other = [n for n in names if n.startswith("model.weights")]
            detail = (f"its weights are stored as {other[0]}, a format kerasette does not read"
                      if other else f"it has no {WEIGHTS_NAME}")
            raise ValueError(f"Cannot load {filepath}: {detail}.")
        yield zf, metadata


def read_member(zf, name, filepath):
    """The bytes of one archive member; a damaged member raises ValueError naming the file."""
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise ValueError(f"{filepath} is damaged: cannot read {name} from the archive ({e}).") from e


def _not_a_zip_message(filepath):
    with open(filepath, "rb") as f:
        head = f.read(8)
    size = os.path.getsize(filepath)
    if size == 0:
        return f"{filepath} is empty (0 bytes): it is not a .keras file."
    if head.startswith(b"PK\x03\x04"):
        return (f"{filepath} starts like a .keras zip archive but its end is missing: the file "
                f"is truncated or damaged ({size} bytes).")
    if head == HDF5_SIGNATURE:
        return (f"{filepath} is an HDF5 file, not a .keras archive: load a `.weights.h5` file "
                f"with `model.load_weights()`; legacy Keras 2 `.h5` models are not supported.")
    return f"{filepath} is not a .keras file: it is not a zip archive (it starts with {head!r})."


def _check_version(metadata, filepath):
    fmt = metadata.get("kerasette_format_version")
    if fmt is not None and _as_int(fmt) > FORMAT_VERSION:
        raise ValueError(f"{filepath} was written by a newer kerasette "
                         f"({metadata.get('kerasette_version', '?')}) in file format version {fmt}; "
                         f"this kerasette ({__version__}) reads format version {FORMAT_VERSION} or "
                         f"older. Upgrade kerasette to load it.")
    version = str(metadata.get("keras_version", "3"))
    major = _as_int(version.split(".")[0])
    if major > 3:
        raise ValueError(f"{filepath} was written by Keras {version}, a newer file format than "
                         f"this kerasette reads (Keras 3's).")


def _as_int(x):
    try:
        return int(x)
    except (TypeError, ValueError):
        return 0


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``model.save('x.keras')`` (by kerasette or Keras 3).

    Args:
        filepath: path to a ``.keras`` file.
        custom_objects: ``{name: class or function}`` for custom layers, losses
            and metrics that are not registered with
            ``register_keras_serializable``.
        compile: re-compile the model with the saved optimizer (and its state),
            loss and metrics.
        safe_mode: refuse (True, the default) or allow (False) rebuilding
            ``Lambda`` functions stored as Python bytecode; allow it only for
            files you trust.

    Returns:
        The model, built on the active engine, with its weights (and, when
        compiled, its optimizer state) restored.

    Raises:
        ValueError: the file is missing, truncated, not a ``.keras`` file, from
            a newer format, or names a class that cannot be found (the message
            says how to register it).

    Example:
        >>> model = kerasette.models.load_model("model.keras")
    """
    filepath = os.fspath(filepath)
    with open_archive(filepath) as (zf, _):
        config_text = read_member(zf, CONFIG_NAME, filepath)
        weights = read_member(zf, WEIGHTS_NAME, filepath)
    try:
        cfg = json.loads(config_text)
    except ValueError as e:
        raise ValueError(f"{filepath}: {CONFIG_NAME} is not valid JSON ({e}).") from e
    if not isinstance(cfg, dict) or "class_name" not in cfg:
        raise ValueError(f"{filepath}: {CONFIG_NAME} does not describe a model (no 'class_name').")
    compile_config = cfg.pop("compile_config", None)
    with custom_object_scope(custom_objects or {}), safe_mode_scope(safe_mode):
        try:
            model = deserialize_keras_object(cfg, custom_objects)
        except (ValueError, TypeError) as e:
            raise type(e)(f"Cannot rebuild the model saved in {filepath}: {e}") from e
        if not hasattr(model, "compile"):
            raise ValueError(f"{filepath} holds a single {type(model).__name__} layer "
                             f"({cfg.get('class_name')!r}), not a model: load_model only rebuilds models. "
                             "Wrap the layer in a Sequential or functional Model before saving it.")
        if compile and compile_config:
            compile_from_config(model, compile_config, custom_objects)
    h5py = require_h5py()
    try:
        f = h5py.File(io.BytesIO(weights), "r")
    except OSError as e:
        raise ValueError(f"{filepath} is damaged: {WEIGHTS_NAME} is not a readable HDF5 file "
                         f"({e}).") from e
    with f:
        if not model.built:
            if _has_datasets(f):
                raise ValueError(f"Cannot load the weights in {filepath}: model '{model.name}' "
                                 f"could not be built from its config (a subclassed model needs "
                                 f"`build()` to work from `get_build_config()`).")
            return model  # saved before it was built: there are no weights to restore
        read_state(model, f, filepath)
    return model


def _has_datasets(h5file):
    found = []
    h5file.visititems(lambda name, obj: found.append(name) if hasattr(obj, "shape") else None)
    return bool(found)
