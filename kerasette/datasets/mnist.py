"""MNIST handwritten digits, from Keras's ``mnist.npz`` (no download)."""
from __future__ import annotations

import numpy as np

from ._files import ORIGIN, find_file


def load_data(path="mnist.npz"):
    """Load MNIST: 60,000 training and 10,000 test 28x28 uint8 images, labels 0-9.

    Args:
        path: the file name in Keras's cache folder (``~/.keras/datasets``,
            or ``$KERAS_HOME/datasets``), or a path to the file or its folder.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``.

    Raises:
        FileNotFoundError: when the file is absent (it says where to get it).

    Example:
        >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()
    """
    file = find_file(path, "mnist.npz", f"{ORIGIN}mnist.npz", "The MNIST file mnist.npz")
    with np.load(file, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
