"""Boston housing prices, from Keras's ``boston_housing.npz``."""
from __future__ import annotations

import numpy as np

from ._files import ORIGIN, find_file, shuffled_split


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Load the Boston housing data: 506 samples of 13 features, prices in k$.

    Args:
        path: the file name in Keras's cache folder (``~/.keras/datasets``,
            or ``$KERAS_HOME/datasets``), or a path to the file or its folder.
        test_split: the fraction of the (shuffled) data kept as the test set.
        seed: the shuffling seed.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``.

    Raises:
        FileNotFoundError: when the file is absent (it says where to get it).
    """
    file = find_file(path, "boston_housing.npz", f"{ORIGIN}boston_housing.npz",
                     "The Boston housing file boston_housing.npz")
    with np.load(file, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return shuffled_split(x, y, test_split, seed)
