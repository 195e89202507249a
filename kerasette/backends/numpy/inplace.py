"""In-place multi-array updates for the optimizers' fast path (``Backend.inplace``).

Not part of the ops contract: an optional object the built-in optimizers use,
when an engine offers it, to update weights and slots they own in place instead
of allocating every intermediate (``optimizers/base.py``, ``_rule_inplace``).
Each method takes lists of arrays of one dtype; ``s`` is a Python number or a
0-d array. The results are those of the pure rule up to float rounding.
"""
from __future__ import annotations

import numpy as np


class NumpyInPlace:
    """``xs[i] op= ...`` on ndarrays with ``out=``, one temporary at most per array."""

    @staticmethod
    def owns(x):
        """True when ``x`` is a plain writable ndarray (not a traced or read-only view)."""
        return type(x) is np.ndarray and x.flags.writeable

    @staticmethod
    def mul_(xs, s):
        for x in xs:
            np.multiply(x, s, out=x)

    @staticmethod
    def add_(xs, ys, s=None):
        for x, y in zip(xs, ys):
            if s is None:
                np.add(x, y, out=x)
            else:
                x += np.multiply(y, s, dtype=x.dtype)

    @staticmethod
    def addcmul_(xs, ys, zs, s):
        for x, y, z in zip(xs, ys, zs):
            t = np.multiply(y, z)
            t *= s
            x += t

    @staticmethod
    def addcdiv_(xs, ys, zs, s):
        for x, y, z in zip(xs, ys, zs):
            t = np.multiply(y, s, dtype=x.dtype)
            t /= z
            x += t

    @staticmethod
    def add(xs, s):
        """New arrays ``xs[i] + s``."""
        return [np.add(x, s, dtype=x.dtype) for x in xs]

    @staticmethod
    def add_scalar_(xs, s):
        for x in xs:
            np.add(x, s, out=x)

    @staticmethod
    def sqrt(xs):
        """New arrays ``sqrt(xs[i])``."""
        return [np.sqrt(x) for x in xs]

    @staticmethod
    def sqrt_(xs):
        for x in xs:
            np.sqrt(x, out=x)
