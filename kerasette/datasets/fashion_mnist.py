"""Fashion-MNIST, from the four gzipped IDX files Keras caches in ``datasets/fashion-mnist``."""
from __future__ import annotations

import gzip
import os

import numpy as np

from ._files import ORIGIN, cache_dir, missing_error

FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")


def load_data(path=None):
    """Load Fashion-MNIST: 60,000 + 10,000 28x28 uint8 grayscale images, labels 0-9.

    Args:
        path: the folder holding the four ``.gz`` files; default Keras's
            cache folder ``~/.keras/datasets/fashion-mnist`` (or
            ``$KERAS_HOME/datasets/fashion-mnist``).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``.

    Raises:
        FileNotFoundError: when a file is absent (it says where to get it).
    """
    folder = os.fspath(path) if path is not None else cache_dir("fashion-mnist")
    paths = [os.path.join(folder, name) for name in FILES]
    for p, name in zip(paths, FILES):
        if not os.path.isfile(p):
            raise missing_error(f"The Fashion-MNIST file {name}", [p], ORIGIN + name)
    with gzip.open(paths[0], "rb") as f:
        y_train = np.frombuffer(f.read(), np.uint8, offset=8)
    with gzip.open(paths[1], "rb") as f:
        x_train = np.frombuffer(f.read(), np.uint8, offset=16).reshape(len(y_train), 28, 28)
    with gzip.open(paths[2], "rb") as f:
        y_test = np.frombuffer(f.read(), np.uint8, offset=8)
    with gzip.open(paths[3], "rb") as f:
        x_test = np.frombuffer(f.read(), np.uint8, offset=16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
