"""Reusable array buffers for the NumPy engine's kernels.

A kernel that needs a large work or result array asks ``buffer(shape, dtype)``
instead of ``np.empty``: a fresh large allocation costs page faults on every
step (the allocator hands freed memory back to the system), a reused one does
not. A buffer is handed out again only when nothing outside this pool holds a
reference to it (no result, view, closure or tape node), so reuse can never
overwrite a live value. Per thread, a few buffers per shape, recent shapes only.
"""
from __future__ import annotations

import sys
import threading

import numpy as np

_MIN_BYTES = 1 << 16  # below this, np.empty is as fast
_PER_KEY = 2  # one in use by the tape or a caller, one being filled
_KEYS = 16
_local = threading.local()


def buffer(shape, dtype):
    """An uninitialized C-contiguous array of ``shape``/``dtype`` (like ``np.empty``)."""
    dtype = np.dtype(dtype)
    shape = tuple(shape)
    if dtype.itemsize * int(np.prod(shape, dtype=np.int64)) < _MIN_BYTES:
        return np.empty(shape, dtype)
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = {}
    key = (shape, dtype)
    arrays = pool.pop(key, None)
    if arrays is None:
        arrays = []
        if len(pool) >= _KEYS:  # forget the least recently used shape
            del pool[next(iter(pool))]
    pool[key] = arrays  # most recently used last
    for a in arrays:
        # references: the list, the loop variable, getrefcount's argument
        if sys.getrefcount(a) == 3:
            return a
    a = np.empty(shape, dtype)
    if len(arrays) < _PER_KEY:
        arrays.append(a)
    return a
