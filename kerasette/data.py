"""Feeding data to the trainer: host-side batching of arrays and other sources.

Every source becomes a ``DataSource`` whose ``epoch()`` yields batches as
``(x, y, sample_weight)`` nests of NumPy arrays (or engine arrays for engine
sources). Arrays are sliced by index: views when not shuffled, one gather per
batch when shuffled. NumPy is used here only at the data boundary.
"""
from __future__ import annotations

import math

import numpy as np

from . import config
from .layers.symbolic import flatten, map_structure
from .utils.seeding import global_rng


def to_host_array(x, what="x"):
    """A NumPy array of ``x`` (floats as floatx); a clear error for ragged or non-numeric data."""
    if hasattr(x, "_kerasette_value"):
        x = x.numpy()
    if not isinstance(x, np.ndarray):
        try:
            if hasattr(x, "detach"):
                x = x.detach().cpu().numpy()
            x = np.asarray(x)
        except ValueError as e:
            raise ValueError(f"`{what}` could not be turned into an array ({e}); ragged nested "
                             f"lists are not supported: pad them to one length first.") from None
    if x.dtype == object or x.dtype.kind in "USV":
        raise ValueError(f"`{what}` must be numeric; got an array of dtype {x.dtype} "
                         f"with shape {x.shape}.")
    if x.dtype.kind == "f" and x.dtype != np.dtype(config.floatx()):
        x = x.astype(config.floatx())
    return x


def normalize_arrays(x, what):
    """``x`` as a nest of host arrays (None stays None)."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: to_host_array(v, f"{what}['{k}']") for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and all(_is_array_object(v) for v in x):
        return [to_host_array(v, f"{what}[{i}]") for i, v in enumerate(x)]
    return to_host_array(x, what)


def _is_array_object(v):
    """An array (not a Python list): a list of these means one array per model input."""
    return v is None or (hasattr(v, "shape") and hasattr(v, "dtype")) or hasattr(v, "_kerasette_value")


def num_samples(*nests):
    """The shared first dimension of every array; ValueError naming them when they differ."""
    sizes = {}
    for name, nest in nests:
        for i, a in enumerate(flatten(nest)):
            if a is not None:
                sizes[f"{name}" if len(flatten(nest)) == 1 else f"{name}[{i}]"] = a.shape[0]
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{k}: {v} samples" for k, v in sizes.items())
        raise ValueError(f"Data cardinality is ambiguous: make sure all arrays contain the same "
                         f"number of samples. Got {detail}.")
    return next(iter(sizes.values())) if sizes else 0


def take(nest, index):
    """Rows ``index`` (a slice or an index array) of every array in the nest."""
    return map_structure(lambda a: None if a is None else a[index], nest)


def split_validation(x, y, sw, fraction):
    """Split off the last ``fraction`` of the samples (before any shuffling), as Keras does."""
    if not 0 < fraction < 1:
        raise ValueError(f"`validation_split` must be in (0, 1), got {fraction}.")
    n = num_samples(("x", x), ("y", y))
    cut = int(math.floor(n * (1.0 - fraction)))
    if cut == 0 or cut == n:
        raise ValueError(f"`validation_split={fraction}` leaves no samples for training or "
                         f"validation with {n} samples.")
    head, tail = slice(0, cut), slice(cut, n)
    return (take(x, head), take(y, head), take(sw, head)), (take(x, tail), take(y, tail), take(sw, tail))


class ArraySource:
    """Batches of in-memory arrays."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False,
                 steps_per_epoch=None):
        self.x, self.y, self.sw = x, y, sample_weight
        self.n = num_samples(("x", x), ("y", y), ("sample_weight", sample_weight))
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.num_batches = max(1, math.ceil(self.n / self.batch_size)) if self.n else 0
        self.steps = steps_per_epoch or self.num_batches
        self._pending = iter(())

    def _batches(self):
        order = None
        if self.shuffle == "batch":
            starts = np.arange(self.num_batches)
            global_rng().shuffle(starts)
        elif self.shuffle:
            order = global_rng().permutation(self.n)
            starts = np.arange(self.num_batches)
        else:
            starts = np.arange(self.num_batches)
        for b in starts:
            lo, hi = b * self.batch_size, min((b + 1) * self.batch_size, self.n)
            index = slice(lo, hi) if order is None else order[lo:hi]
            yield take(self.x, index), take(self.y, index), take(self.sw, index)

    def epoch(self):
        """Yield this epoch's batches (``steps_per_epoch`` of them, continuing across epochs)."""
        for _ in range(self.steps):
            batch = next(self._pending, None)
            if batch is None:
                self._pending = self._batches()
                batch = next(self._pending, None)
                if batch is None:
                    return
            yield batch


def unpack(data):
    """Split a batch tuple ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    if isinstance(data, tuple):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
    return data, None, None


class IterableSource:
    """Batches from a generator, a ``PyDataset``-style sequence or any iterable of batches.

    Each item is ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``. A
    sequence (``__len__`` and ``__getitem__``) is re-read every epoch; a
    one-shot iterator continues where it stopped and needs ``steps_per_epoch``
    to bound an epoch.
    """

    def __init__(self, data, steps_per_epoch=None, shuffle=False):
        self.data = data
        self.is_sequence = hasattr(data, "__getitem__") and hasattr(data, "__len__")
        self.shuffle = shuffle
        self.steps = steps_per_epoch
        if self.steps is None and self.is_sequence:
            self.steps = len(data)
        self._iterator = None
        self.num_batches = self.steps

    def _fresh(self):
        if self.is_sequence:
            order = np.arange(len(self.data))
            if self.shuffle:
                global_rng().shuffle(order)
            return (self.data[int(i)] for i in order)
        if self._iterator is None or hasattr(self.data, "__iter__") and iter(self.data) is not self.data:
            return iter(self.data)
        return self._iterator

    def epoch(self):
        if self._iterator is None or self.is_sequence or self.steps is None:
            self._iterator = self._fresh()
        count = 0
        while self.steps is None or count < self.steps:
            try:
                item = next(self._iterator)
            except StopIteration:
                self._iterator = self._fresh()
                if self.steps is None or count == 0 and self.is_sequence:
                    return
                try:
                    item = next(self._iterator)
                except StopIteration:
                    return
            count += 1
            x, y, sw = unpack(tuple(item) if isinstance(item, (tuple, list)) and
                              len(item) in (2, 3) and not isinstance(item, list) else item)
            yield _host_nest(x), _host_nest(y), _host_nest(sw)
        if hasattr(self.data, "on_epoch_end"):
            self.data.on_epoch_end()


def _host_nest(x):
    if x is None:
        return None
    return map_structure(lambda a: a if _is_engine_like(a) else to_host_array(a), x)


def _is_engine_like(a):
    b = config.active()
    return b.is_array(a)


def make_source(x, y=None, sample_weight=None, batch_size=None, shuffle=False,
                steps_per_epoch=None):
    """Pick the right ``DataSource`` for what the user passed to ``fit``/``evaluate``/``predict``."""
    if _is_array_like(x):
        if batch_size is None:
            batch_size = 32
        x = normalize_arrays(x, "x")
        y = normalize_arrays(y, "y")
        sample_weight = normalize_arrays(sample_weight, "sample_weight")
        return ArraySource(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
    if y is not None:
        raise ValueError("`y` must not be given when `x` is a generator, a dataset or an iterable "
                         "of batches: those yield (x, y) themselves.")
    if batch_size is not None and not hasattr(x, "__getitem__"):
        pass
    if not (hasattr(x, "__iter__") or hasattr(x, "__next__") or hasattr(x, "__getitem__")):
        raise ValueError(f"Unrecognized data type for `x`: {type(x).__name__}. Expected NumPy "
                         f"arrays, lists/dicts of arrays, a generator, a PyDataset or an iterable "
                         f"of batches.")
    return IterableSource(x, steps_per_epoch, shuffle)


def _is_array_like(x):
    if isinstance(x, (np.ndarray, list, tuple, dict, int, float)):
        if isinstance(x, (list, tuple)) and x and not isinstance(x[0], (np.ndarray, list, tuple, int, float, np.number)) \
                and not hasattr(x[0], "shape"):
            return False
        return True
    if hasattr(x, "_kerasette_value"):
        return True
    if hasattr(x, "shape") and hasattr(x, "dtype") and not hasattr(x, "__next__"):
        return True
    return False
