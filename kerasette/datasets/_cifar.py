"""The CIFAR pickles shared by CIFAR-10 and CIFAR-100: found extracted or inside a ``.tar.gz``."""
from __future__ import annotations

import os
import tarfile

import numpy as np

from .. import config
from ._files import RestrictedUnpickler, cache_dir, missing_error


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


def locate(path, folder, sentinel, archives, what, origin):
    """A folder holding the batch files (``sentinel`` among them), or a ``.tar.gz`` holding them.

    ``path``: the folder, a folder holding it, or an archive; default Keras's
    cache, where Keras 3 extracts to ``<folder>-target/<folder>`` (Keras 2: ``<folder>``).
    """
    if path is not None:
        path = os.fspath(path)
        options = [path, os.path.join(path, folder)] + [os.path.join(path, a) for a in archives]
    else:
        base = cache_dir()
        options = [os.path.join(base, f"{folder}-target", folder),
                   os.path.join(base, folder)] + [os.path.join(base, a) for a in archives]
    for o in options:
        if os.path.isdir(o) and os.path.isfile(os.path.join(o, sentinel)):
            return o
        if os.path.isfile(o) and tarfile.is_tarfile(o):
            return o
    raise missing_error(what, options, origin)


def read_batches(location, names, label_key="labels"):
    """``[(data, labels)]`` for the batch files ``names`` in a folder or a ``.tar.gz``."""
    if os.path.isdir(location):
        return [load_batch(os.path.join(location, name), label_key) for name in names]
    with tarfile.open(location, "r:*") as tar:
        members = {os.path.basename(m.name): m for m in tar.getmembers() if m.isfile()}
        missing = [n for n in names if n not in members]
        if missing:
            raise ValueError(f"{location} does not hold the CIFAR batch(es) {missing}.")
        return [load_batch(tar.extractfile(members[name]), label_key) for name in names]


def assemble(train, test, label_dtype="uint8"):
    """``(x_train, y_train), (x_test, y_test)`` from lists of batches, as Keras lays them out:
    uint8 images ``(n, 32, 32, 3)`` (``(n, 3, 32, 32)`` when channels_first), labels ``(n, 1)``
    of ``label_dtype``."""
    x_train = np.concatenate([b[0] for b in train]).astype("uint8")
    y_train = np.concatenate([np.asarray(b[1]) for b in train]).astype(label_dtype).reshape(-1, 1)
    x_test = np.concatenate([b[0] for b in test]).astype("uint8")
    y_test = np.concatenate([np.asarray(b[1]) for b in test]).astype(label_dtype).reshape(-1, 1)
    if config.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
