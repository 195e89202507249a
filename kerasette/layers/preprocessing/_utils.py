"""Helpers shared by the preprocessing layers: argument checks, categorical
encoding with ``kerasette.ops``, and reading ``adapt`` data on the host."""
from __future__ import annotations

import numpy as np

from ... import config, ops


def check_choice(layer_cls, arg, value, allowed):
    """ValueError naming the layer, the argument and the allowed values."""
    if value not in allowed:
        raise ValueError(f"{layer_cls}: invalid value for argument `{arg}`: {value!r}. "
                         f"Expected one of {list(allowed)}.")


def refuse_sparse(layer_cls, sparse):
    if sparse:
        raise ValueError(f"{layer_cls}: `sparse=True` is not supported: kerasette has no sparse "
                         f"tensors on any engine. Received: sparse={sparse!r}")


def encode_categorical(indices, output_mode, depth, dtype, count_weights=None):
    """Keras's categorical encoding of integer ``indices`` (an engine array).

    ``'int'``: cast only. ``'one_hot'``: indicator vectors on a new last axis
    (a trailing axis of size 1 is replaced). ``'multi_hot'`` / ``'count'``:
    per sample (axis 1 when the input has a batch axis), whether / how often
    each index occurs, ``count_weights`` weighting each occurrence.
    """
    if output_mode == "int":
        return ops.cast(indices, dtype)
    shape = tuple(ops.shape(indices))
    if len(shape) == 0:
        indices = ops.expand_dims(indices, -1)
        shape = (1,)
    if output_mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            indices = ops.reshape(indices, shape[:-1])
        return ops.one_hot(indices, depth, dtype=dtype)
    axis = 1 if len(shape) > 1 else 0
    if output_mode == "multi_hot":
        return ops.max(ops.one_hot(indices, depth, dtype=dtype), axis=axis)
    if count_weights is not None:
        dtype = ops.dtype(count_weights)
    encoded = ops.one_hot(indices, depth, dtype=dtype)
    if count_weights is not None:
        encoded = ops.multiply(encoded, ops.expand_dims(count_weights, -1))
    return ops.sum(encoded, axis=axis)


def categorical_output_shape(input_shape, output_mode, depth):
    """The output shape of ``encode_categorical`` for ``input_shape``."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) > 1:
        return (input_shape[0],) + input_shape[2:] + (depth,)
    return (depth,)


def to_host(x):
    """A NumPy array from an engine array, a NumPy array, a list or a scalar."""
    if isinstance(x, np.ndarray):
        return x
    b = config._active
    if b is not None and b.is_array(x):
        return np.asarray(b.to_numpy(x))
    if hasattr(x, "numpy") and not isinstance(x, (list, tuple)):
        return np.asarray(x.numpy())
    return np.asarray(x)


def iter_batches(layer, data):
    """The batches of ``adapt`` data: one array, or each item of an iterable
    (a ``(x, y)`` tuple gives its ``x``)."""
    if isinstance(data, (np.ndarray, str, bytes)) or hasattr(data, "shape") or \
            (isinstance(data, (list, tuple)) and (not data or not _is_batch(data[0]))):
        yield to_host(data)
        return
    if not hasattr(data, "__iter__"):
        raise TypeError(f"{layer}: `adapt` takes a NumPy array, an engine array, a list, or an "
                        f"iterable of batches; received {type(data).__name__}.")
    for batch in data:
        if isinstance(batch, tuple) and batch:
            batch = batch[0]
        yield to_host(batch)


def _is_batch(item):
    return isinstance(item, (np.ndarray, tuple)) or hasattr(item, "shape")
