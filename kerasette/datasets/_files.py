"""Where the dataset files live, and reading them safely. Nothing is ever downloaded.

Files are looked up as Keras caches them: ``$KERAS_HOME/datasets/`` (default
``~/.keras/datasets/``, or ``/tmp/.keras/datasets/`` when the home folder is
not writable), or at a path the caller gives. A missing file raises
``FileNotFoundError`` naming the file, where to download it from, and where to
put it.
"""
from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def keras_home():
    """Keras's base folder: ``$KERAS_HOME``, else ``~/.keras`` (``/tmp/.keras`` if ``~`` is read-only)."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


def cache_dir(subdir=None):
    """Keras's dataset cache folder (``<keras_home>/datasets[/subdir]``)."""
    folder = os.path.join(keras_home(), "datasets")
    return folder if subdir is None else os.path.join(folder, subdir)


def _candidates(path, default, subdir=None):
    """Places to look for a file: an explicit path (file or folder), else the cache."""
    path = os.fspath(path) if path is not None else default
    if os.path.isabs(path) or os.path.dirname(path) or os.path.exists(path):
        if os.path.isdir(path):
            return [os.path.join(path, default)]
        return [path]
    return [os.path.join(cache_dir(subdir), path)]


def find_file(path, default, origin, what, subdir=None, extra=()):
    """The first existing file among ``path``'s candidates (and ``extra``); else a clear error."""
    candidates = _candidates(path, default, subdir) + list(extra)
    for c in candidates:
        if os.path.isfile(c):
            return c
    raise missing_error(what, candidates, origin)


def missing_error(what, candidates, origin):
    where = "\n  ".join(candidates)
    return FileNotFoundError(
        f"{what} not found; looked for:\n  {where}\n"
        f"kerasette never downloads data. Download it from {origin} and save it as "
        f"{candidates[0]} (Keras's cache folder is $KERAS_HOME/datasets, by default "
        f"~/.keras/datasets), or pass its location as `path=`.")


_ALLOWED_GLOBALS = frozenset({
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
})


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays (and builtin containers) only: a tampered file cannot run code."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"Refusing to load `{module}.{name}` from a dataset file; "
                                     "the file may be corrupted or malicious.")


def _read_npy(buffer):
    try:
        return np.lib.format.read_array(buffer, allow_pickle=False)
    except ValueError:  # an object array (ragged sequences): pickled
        buffer.seek(0)
        major, _ = np.lib.format.read_magic(buffer)
        if major == 1:
            np.lib.format.read_array_header_1_0(buffer)
        else:
            np.lib.format.read_array_header_2_0(buffer)
        return RestrictedUnpickler(buffer).load()


def load_npz(path):
    """An ``.npz`` file as a dict of arrays; object arrays are unpickled with ``RestrictedUnpickler``."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    out[member[:-4]] = _read_npy(io.BytesIO(raw.read()))
    return out


def shuffled_split(x, y, test_split, seed):
    """``(x_train, y_train), (x_test, y_test)``: ``x``/``y`` shuffled by NumPy's
    ``RandomState(seed)`` and cut at ``1 - test_split``, as Keras's loaders do."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         "and 1 (exclusive of 1).")
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
