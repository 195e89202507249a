"""CIFAR-100, from the ``cifar-100-python`` pickles: extracted, or inside the ``.tar.gz``."""
from __future__ import annotations

from ._cifar import assemble, locate, read_batches

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
_FOLDER = "cifar-100-python"
_ARCHIVES = ("cifar-100-python.tar.gz", "cifar-100-python-target.tar.gz")


def load_data(label_mode="fine", path=None):
    """Load CIFAR-100: 50,000 + 10,000 32x32 RGB uint8 images, labels of shape ``(n, 1)``.

    Args:
        label_mode: ``"fine"`` (100 classes) or ``"coarse"`` (20 superclasses).
        path: the ``cifar-100-python`` folder, a folder holding it, or the
            ``cifar-100-python.tar.gz`` archive. Default: Keras's cache
            (``~/.keras/datasets/``, or ``$KERAS_HOME/datasets/``), where Keras 3
            extracts to ``cifar-100-python-target/cifar-100-python``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``; uint8 images ``(n, 32, 32, 3)`` with
        ``image_data_format() == 'channels_last'``, else ``(n, 3, 32, 32)``;
        int64 labels, as Keras 3 returns them.

    Raises:
        FileNotFoundError: when the data is absent (it says where to get it).
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of "fine", "coarse". Received: label_mode={label_mode!r}.')
    location = locate(path, _FOLDER, "test", _ARCHIVES, "The CIFAR-100 data (cifar-100-python)", ORIGIN)
    train, test = read_batches(location, ["train", "test"], label_key=f"{label_mode}_labels")
    # Keras 3 returns CIFAR-100 labels as int64 (its docstring says uint8): follow what it does
    return assemble([train], [test], label_dtype="int64")
