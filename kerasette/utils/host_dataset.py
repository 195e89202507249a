"""``HostDataset``: the dataset object kerasette's data utilities return.

Keras 3 returns ``tf.data.Dataset`` objects from ``image_dataset_from_directory``,
``timeseries_dataset_from_array``, ``split_dataset``...; kerasette has no
TensorFlow, so it returns this small host-side dataset instead: a ``PyDataset``
(``fit``/``evaluate``/``predict`` take it directly) with the ``tf.data`` methods
book code calls on such objects (``batch``, ``unbatch``, ``shuffle``, ``map``,
``take``, ``skip``, ``prefetch``, ``cache``, ``as_numpy_iterator``). Elements
are nests (tuples, dicts) of NumPy arrays, read lazily by index.
"""
from __future__ import annotations

import math

import numpy as np

from .py_dataset import PyDataset


def _stack(items):
    first = items[0]
    if isinstance(first, tuple):
        return tuple(_stack([it[k] for it in items]) for k in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack([it[k] for it in items]) for k in first}
    if isinstance(first, str):
        return np.array(items, dtype=object)
    return np.stack([np.asarray(it) for it in items])


def _rows(batch, n):
    """The ``n`` elements of a stacked batch (the inverse of ``_stack``)."""
    if isinstance(batch, tuple):
        parts = [_rows(b, n) for b in batch]
        return [tuple(p[i] for p in parts) for i in range(n)]
    if isinstance(batch, dict):
        parts = {k: _rows(v, n) for k, v in batch.items()}
        return [{k: parts[k][i] for k in parts} for i in range(n)]
    return [batch[i] for i in range(n)]


def _batch_len(batch):
    while isinstance(batch, (tuple, dict)):
        batch = next(iter(batch.values())) if isinstance(batch, dict) else batch[0]
    return len(batch)


class HostDataset(PyDataset):
    """A finite dataset of elements read by index: ``len(ds)`` elements, ``ds[i]`` the i-th.

    Build one with ``HostDataset.from_tensor_slices((x, y))`` or from a getter;
    each method returns a new dataset and leaves this one unchanged.
    """

    def __init__(self, length, getter, batched=False, parent=None):
        super().__init__()
        self._length = int(length)
        self._getter = getter
        self._batched = batched  # elements are batches (fit reads them as such)
        self._parent = parent
        self._epoch = 0

    # -- building
    @classmethod
    def from_tensor_slices(cls, data):
        """One element per row of the arrays in ``data`` (an array, a tuple or a dict of arrays)."""
        if isinstance(data, list):
            data = tuple(data)
        leaves = list(data.values()) if isinstance(data, dict) else list(data) if isinstance(
            data, tuple) else [data]
        leaves = [np.asarray(v) if not hasattr(v, "shape") else v for v in leaves]
        sizes = {len(v) for v in leaves}
        if len(sizes) != 1:
            raise ValueError(f"from_tensor_slices: the arrays have different lengths {sorted(sizes)}.")
        if isinstance(data, dict):
            arrays = dict(zip(data, leaves))
            getter = lambda i: {k: v[i] for k, v in arrays.items()}  # noqa: E731
        elif isinstance(data, tuple):
            getter = lambda i: tuple(v[i] for v in leaves)  # noqa: E731
        else:
            getter = leaves[0].__getitem__
        return cls(sizes.pop(), getter)

    # -- the PyDataset protocol
    def __len__(self):
        return self._length

    def __getitem__(self, index):
        if not -self._length <= index < self._length:
            raise IndexError(f"index {index} is out of range for a dataset of {self._length} elements.")
        return self._getter(index % self._length)

    def __iter__(self):
        for i in range(self._length):
            yield self[i]
        self.on_epoch_end()

    def on_epoch_end(self):
        """Advance the epoch: a ``shuffle`` draws a new order for the next pass."""
        self._epoch += 1
        if self._parent is not None:
            self._parent.on_epoch_end()

    # -- tf.data-style methods
    def batch(self, batch_size, drop_remainder=False):
        """Elements grouped into stacked batches of ``batch_size`` (the last one may be smaller)."""
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive int, got {batch_size!r}.")
        n = self._length // batch_size if drop_remainder else math.ceil(self._length / batch_size)

        def get(i):
            lo = i * batch_size
            return _stack([self[j] for j in range(lo, min(lo + batch_size, self._length))])
        return HostDataset(n, get, batched=True, parent=self)

    def unbatch(self):
        """The elements of each batch, one by one."""
        sizes = [_batch_len(self[i]) for i in range(self._length)]
        starts = np.cumsum([0] + sizes)

        def get(i):
            b = int(np.searchsorted(starts, i, side="right") - 1)
            return _rows(self[b], sizes[b])[i - starts[b]]
        return HostDataset(int(starts[-1]), get, parent=self)

    def shuffle(self, buffer_size=None, seed=None, reshuffle_each_iteration=True):
        """The elements in a random order, a new one each epoch (a full shuffle:
        ``buffer_size`` is accepted for tf.data compatibility)."""
        base = np.random.randint(2**31) if seed is None else int(seed)
        out = HostDataset(self._length, None, batched=self._batched, parent=self)
        orders = {}

        def get(i):
            epoch = out._epoch if reshuffle_each_iteration else 0
            if epoch not in orders:
                orders.clear()
                orders[epoch] = np.random.RandomState((base + epoch) % 2**32).permutation(self._length)
            return self[int(orders[epoch][i])]
        out._getter = get
        return out

    def map(self, fn, num_parallel_calls=None):
        """``fn`` applied to each element (tuples are unpacked into arguments, as tf.data)."""
        def get(i):
            e = self[i]
            return fn(*e) if isinstance(e, tuple) else fn(e)
        return HostDataset(self._length, get, batched=self._batched, parent=self)

    def take(self, count):
        """The first ``count`` elements (all of them when ``count`` is -1)."""
        n = self._length if count == -1 else min(int(count), self._length)
        return HostDataset(n, self.__getitem__, batched=self._batched, parent=self)

    def skip(self, count):
        """All but the first ``count`` elements."""
        count = min(int(count), self._length)
        return HostDataset(self._length - count, lambda i: self[i + count], batched=self._batched,
                           parent=self)

    def prefetch(self, buffer_size=None):
        """This dataset (reading is synchronous; accepted for tf.data compatibility)."""
        return self

    def cache(self, filename=""):
        """This dataset with each element kept in memory after its first read."""
        store = {}

        def get(i):
            if i not in store:
                store[i] = self[i]
            return store[i]
        return HostDataset(self._length, get, batched=self._batched, parent=self)

    def cardinality(self):
        """The number of elements."""
        return self._length

    def as_numpy_iterator(self):
        """An iterator over the elements (already NumPy)."""
        return iter(self)
