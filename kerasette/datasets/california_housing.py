"""California housing prices, from Keras's ``california_housing.npz``."""
from __future__ import annotations

import numpy as np

from ._files import ORIGIN, find_file, shuffled_split


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Load the California housing data: 8 features per block group, median values in $.

    Args:
        version: ``"large"`` (all 20,640 samples) or ``"small"`` (the first 600).
        path: the file name in Keras's cache folder (``~/.keras/datasets``,
            or ``$KERAS_HOME/datasets``), or a path to the file or its folder.
        test_split: the fraction of the (shuffled) data kept as the test set.
        seed: the shuffling seed.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``.

    Raises:
        FileNotFoundError: when the file is absent (it says where to get it).
    """
    if version not in ("small", "large"):
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version!r}")
    file = find_file(path, "california_housing.npz", f"{ORIGIN}california_housing.npz",
                     "The California housing file california_housing.npz")
    with np.load(file, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffled_split(x, y, test_split, seed)
