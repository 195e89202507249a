"""Host-side array helpers with Keras's semantics: ``to_categorical``, ``normalize``."""
from __future__ import annotations

import numpy as np


def to_categorical(y, num_classes=None):
    """One-hot encode integer class labels (NumPy, float32).

    A trailing axis of length 1 is dropped first, so ``(n, 1)`` labels give
    ``(n, num_classes)``, as Keras.

    Args:
        y: array-like of integers in ``[0, num_classes)``.
        num_classes: number of classes; ``None`` infers ``max(y) + 1``.

    Returns:
        A float32 array of shape ``y.shape + (num_classes,)`` (after the drop).

    Example:
        >>> to_categorical([0, 2], 3)
        array([[1., 0., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    y = np.asarray(y)
    if y.dtype.kind == "f":
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError("to_categorical expects integer class labels; received non-integer values.")
    y = y.astype("int64")
    shape = y.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = y.reshape(-1)
    if not num_classes:
        num_classes = int(flat.max()) + 1 if flat.size else 0
    num_classes = int(num_classes)
    if flat.size and (flat.min() < 0 or flat.max() >= num_classes):
        raise ValueError(f"to_categorical: labels must lie in [0, {num_classes}); "
                         f"received values from {flat.min()} to {flat.max()}.")
    out = np.zeros((flat.size, num_classes), dtype="float32")
    out[np.arange(flat.size), flat] = 1.0
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Divide ``x`` by its ``order``-norm along ``axis`` (zero norms count as 1).

    NumPy arrays (and array-likes) are handled in NumPy and return NumPy. An
    engine array goes through ``kerasette.ops`` (L2 only), Keras's form
    ``x * min(rsqrt(sum(x ** 2)), 1 / epsilon)``.

    Args:
        x: the array.
        axis: the axis the norm runs over.
        order: the norm order (``np.linalg.norm``'s ``ord``).

    Returns:
        The normalized array.

    Example:
        >>> normalize(np.array([[3.0, 4.0]]))
        array([[0.6, 0.8]])
    """
    if not isinstance(x, (np.ndarray, np.generic, list, tuple, int, float)):
        from .. import config, ops
        if config.active().is_array(getattr(x, "value", x)):
            if order != 2:
                raise ValueError(f"normalize on engine arrays supports order=2 only; received order={order}.")
            inv = ops.rsqrt(ops.sum(ops.square(x), axis=axis, keepdims=True))
            return ops.multiply(x, ops.minimum(inv, 1.0 / config.epsilon()))
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis if axis is not None else -1)
