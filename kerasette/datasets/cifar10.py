"""CIFAR-10, from the ``cifar-10-batches-py`` pickles: extracted, or inside the ``.tar.gz``."""
from __future__ import annotations

from ._cifar import assemble, load_batch, locate, read_batches  # noqa: F401

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_FOLDER = "cifar-10-batches-py"
_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
_ARCHIVES = ("cifar-10-python.tar.gz", "cifar-10-batches-py.tar.gz", "cifar-10-batches-py-target.tar.gz")


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
    location = locate(path, _FOLDER, "test_batch", _ARCHIVES,
                      "The CIFAR-10 data (cifar-10-batches-py)", ORIGIN)
    batches = read_batches(location, _BATCHES)
    return assemble(batches[:5], batches[5:])
