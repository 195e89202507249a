"""``timeseries_dataset_from_array`` and ``split_dataset``: host arrays as ``HostDataset``s,
with Keras 3's window arithmetic, split sizes and shuffling seeds."""
from __future__ import annotations

import random

import numpy as np

from .host_dataset import HostDataset


def _positive_int(value, name, bound=None, what="the length of the data"):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"`{name}` must be a positive int, got {value!r}.")
    if bound is not None and value >= bound:
        raise ValueError(f"`{name}` must be lower than {what} ({bound}), got {name}={value}.")


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None,
                                  end_index=None, format="tf"):
    """Sliding windows over ``data`` as a dataset of ``(windows, targets)`` batches.

    Window ``i`` starts at ``start_index + p_i`` (``p_i = i * sequence_stride``) and
    holds ``sequence_length`` rows spaced ``sampling_rate`` apart, all before
    ``end_index``; its target is ``targets[start_index + p_i]``. With ``shuffle``
    the windows come in a random order (``RandomState(seed)`` permutes them, as
    Keras does). Returns a ``HostDataset``; ``format`` is accepted for
    compatibility.

    Example:
        >>> ds = timeseries_dataset_from_array(x[:-10], x[10:], sequence_length=10)
        >>> model.fit(ds, epochs=3)
    """
    data = np.asarray(data)
    n = len(data)
    if start_index is not None and not 0 <= start_index < n:
        raise ValueError(f"`start_index` must be 0 or greater and lower than the length of the data "
                         f"({n}), got {start_index}.")
    if end_index is not None and not (0 < end_index < n and (start_index or 0) < end_index):
        raise ValueError(f"`end_index` must be higher than `start_index` ({start_index or 0}) and 0, and "
                         f"lower than the length of the data ({n}), got {end_index}.")
    _positive_int(sequence_length, "sequence_length")
    _positive_int(sampling_rate, "sampling_rate", n)
    _positive_int(sequence_stride, "sequence_stride", n)
    if batch_size is not None:
        _positive_int(batch_size, "batch_size")
    start = start_index or 0
    stop = end_index or n
    num_seqs = stop - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride)
    if shuffle:
        np.random.RandomState(np.random.randint(1_000_000) if seed is None else seed).shuffle(positions)
    offsets = np.arange(sequence_length) * sampling_rate
    window = data[start:stop]
    target = None if targets is None else targets[start:stop]
    if target is None:
        ds = HostDataset(len(positions), lambda i: window[positions[i] + offsets])
    else:
        ds = HostDataset(len(positions), lambda i: (window[positions[i] + offsets], target[positions[i]]))
    return ds if batch_size is None else ds.batch(batch_size)


def _as_samples(dataset):
    """``(length, getter)`` of a dataset given as an array, a tuple/list/dict of arrays, or a sequence."""
    if isinstance(dataset, HostDataset) or (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")
                                            and not isinstance(dataset, (np.ndarray, tuple, list, dict))):
        return len(dataset), dataset.__getitem__, None
    if isinstance(dataset, (tuple, list, dict)):
        ds = HostDataset.from_tensor_slices(dataset)
        return len(ds), ds.__getitem__, dataset
    if hasattr(dataset, "shape"):
        arr = np.asarray(dataset)
        return len(arr), arr.__getitem__, arr
    raise TypeError(f"split_dataset takes an array, a tuple/list/dict of arrays or a sized dataset; "
                    f"got {type(dataset).__name__}.")


def _split_sizes(left_size, right_size, total):
    if left_size is None and right_size is None:
        raise TypeError("split_dataset: give `left_size` or `right_size` (or both).")
    sizes = []
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is None:
            sizes.append(None)
        elif type(size) is float:
            if not 0 < size < 1:
                raise ValueError(f"`{name}` as a float must be in (0, 1), got {size}.")
            sizes.append(round(size * total))
        elif isinstance(size, (int, np.integer)) and not isinstance(size, bool):
            if not 0 < size < total:
                raise ValueError(f"`{name}` as an int must be in (0, {total}), got {size}.")
            sizes.append(int(size))
        else:
            raise TypeError(f"`{name}` must be an int or a float, got {type(size).__name__} {size!r}.")
    left, right = sizes
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"left_size + right_size = {left + right} exceeds the {total} samples.")
    if left == 0 or right == 0:
        raise ValueError(f"With {total} samples, left_size={left} and right_size={right}: one side would "
                         "be empty.")
    return left, right


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None, preferred_backend=None):
    """Split a dataset into two ``HostDataset``s of samples (``left``, ``right``).

    Sizes are counts (ints) or fractions (floats) as in Keras; with ``shuffle``
    the samples are permuted first by Python's ``random.Random(seed)`` (Keras's
    order for the same seed). Batch the halves with ``.batch(n)``.

    Example:
        >>> train, val = split_dataset((x, y), left_size=0.8, shuffle=True, seed=1)
        >>> model.fit(train.batch(32), validation_data=val.batch(32))
    """
    total, get, _ = _as_samples(dataset)
    order = list(range(total))
    if shuffle:
        random.Random(random.randint(0, 10**6) if seed is None else seed).shuffle(order)
    left, right = _split_sizes(left_size, right_size, total)
    left_idx, right_idx = order[:left], order[total - right:]
    return (HostDataset(left, lambda i: get(left_idx[i])), HostDataset(right, lambda i: get(right_idx[i])))
