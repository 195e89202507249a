"""CIFAR-10, from the ``cifar-10-batches-py`` pickles: extracted, or inside the ``.tar.gz``."""
from __future__ import annotations

import os
import tarfile

import numpy as np

from .. import config
from ._files import RestrictedUnpickler, cache_dir, missing_error

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_FOLDER = "cifar-10-batches-py"
_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
_ARCHIVES = ("cifar-10-python.tar.gz", "cifar-10-batches-py.tar.gz", "cifar-10-batches-py-target.tar.gz")


def _decode(d):
    return {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}


def load_batch(file, label_key="labels"):
    """One CIFAR batch pickle (a path or an open binary file): ``(data (n, 3, 32, 32), labels)``."""
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as f:
            d = RestrictedUnpickler(f, encoding="bytes").load()
    else:
        d = RestrictedUnpickler(file, encoding="bytes").load()
    d = _decode(d)
    data = np.asarray(d["data"], dtype="uint8")
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]


def _locate(path):
    """A folder holding the batch files, or a .tar.gz holding them."""
    if path is not None:
        path = os.fspath(path)
        options = [path, os.path.join(path, _FOLDER)] + [os.path.join(path, a) for a in _ARCHIVES]
    else:
        base = cache_dir()
        options = [os.path.join(base, "cifar-10-batches-py-target", _FOLDER),  # Keras 3
                   os.path.join(base, _FOLDER)] + [os.path.join(base, a) for a in _ARCHIVES]
    for o in options:
        if os.path.isdir(o) and os.path.isfile(os.path.join(o, "test_batch")):
            return o
        if os.path.isfile(o) and tarfile.is_tarfile(o):
            return o
    raise missing_error("The CIFAR-10 data (cifar-10-batches-py)", options, ORIGIN)


def _read_all(location):
    if os.path.isdir(location):
        return [load_batch(os.path.join(location, name)) for name in _BATCHES]
    with tarfile.open(location, "r:*") as tar:
        members = {os.path.basename(m.name): m for m in tar.getmembers() if m.isfile()}
        missing = [n for n in _BATCHES if n not in members]
        if missing:
            raise ValueError(f"{location} does not hold the CIFAR-10 batch(es) {missing}.")
        return [load_batch(tar.extractfile(members[name])) for name in _BATCHES]


def load_data(path=None):
    """Load CIFAR-10: 50,000 + 10,000 32x32 RGB uint8 images, labels 0-9 of shape ``(n, 1)``.

    Args:
        path: the ``cifar-10-batches-py`` folder, a folder holding it, or the
            ``cifar-10-python.tar.gz`` archive (read without extracting).
            Default: Keras's cache, ``~/.keras/datasets/`` (or
            ``$KERAS_HOME/datasets/``), where Keras 3 extracts to
            ``cifar-10-batches-py-target/cifar-10-batches-py``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``; images are
        ``(n, 32, 32, 3)`` with ``image_data_format() == 'channels_last'``,
        else ``(n, 3, 32, 32)``.

    Raises:
        FileNotFoundError: when the data is absent (it says where to get it).
    """
    batches = _read_all(_locate(path))
    x_train = np.concatenate([b[0] for b in batches[:5]]).astype("uint8")
    y_train = np.concatenate([np.asarray(b[1]) for b in batches[:5]]).astype("uint8")
    x_test, y_test = batches[5]
    x_test = np.asarray(x_test).astype(x_train.dtype)
    y_train = y_train.reshape(len(y_train), 1)
    y_test = np.asarray(y_test).astype(y_train.dtype).reshape(len(y_test), 1)
    if config.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
