"""``PyDataset`` (alias ``Sequence``): batches produced by Python code, read by index.

``fit`` reads ``dataset[i]`` for ``i`` in ``range(len(dataset))`` each epoch (in
a shuffled order when ``shuffle=True``) and calls ``on_epoch_begin`` /
``on_epoch_end`` around the epoch. ``workers``, ``use_multiprocessing`` and
``max_queue_size`` are accepted for Keras compatibility; kerasette reads the
batches in the training thread.
"""
from __future__ import annotations

import itertools


class PyDataset:
    """Base class for a dataset of batches written in Python, as ``keras.utils.PyDataset``.

    Implement ``__len__`` (the number of batches; or the ``num_batches``
    property, ``None`` for an infinite dataset) and ``__getitem__(index)``
    returning a whole batch: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``.
    Optionally implement ``on_epoch_begin`` / ``on_epoch_end``.

    Args:
        workers: accepted for Keras compatibility (batches are read in order
            in the training thread).
        use_multiprocessing: accepted for Keras compatibility; ignored.
        max_queue_size: accepted for Keras compatibility; ignored.

    Example:
        >>> class Batches(PyDataset):
        ...     def __init__(self, x, y, batch_size, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.x, self.y, self.batch_size = x, y, batch_size
        ...     def __len__(self):
        ...         return math.ceil(len(self.x) / self.batch_size)
        ...     def __getitem__(self, i):
        ...         lo = i * self.batch_size
        ...         return self.x[lo:lo + self.batch_size], self.y[lo:lo + self.batch_size]
        >>> model.fit(Batches(x, y, 32), epochs=3)
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    @property
    def workers(self):
        return getattr(self, "_workers", 1)

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        return getattr(self, "_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        return getattr(self, "_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """The batch at position ``index``."""
        raise NotImplementedError(f"{type(self).__name__} must implement `__getitem__(index)`.")

    @property
    def num_batches(self):
        """The number of batches (``len(self)``), or None for an infinite dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__} must implement `__len__` or the "
                                  "`num_batches` property.")

    def __iter__(self):
        try:
            n = self.num_batches
        except NotImplementedError:
            n = None
        for index in (range(n) if n is not None else itertools.count()):
            yield self[index]

    def on_epoch_begin(self):
        """Called at the beginning of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch."""


Sequence = PyDataset
