"""One global NumPy ``Generator`` behind every initializer and seed.

``set_random_seed(s)`` reseeds it (and Python's ``random``), so the same seed
gives bit-identical initial weights on every engine: initializers draw here in
NumPy, then convert.
"""
from __future__ import annotations

import random as _py_random

import numpy as np

_rng = np.random.default_rng()


def set_random_seed(seed):
    """Seed kerasette's generator and Python's ``random`` for reproducible runs."""
    global _rng
    seed = int(seed)
    _rng = np.random.default_rng(seed)
    _py_random.seed(seed)


def global_rng() -> np.random.Generator:
    """The generator initializers and seed generators draw from."""
    return _rng


def draw_seed() -> int:
    """A fresh integer seed drawn from the global generator."""
    return int(_rng.integers(0, 2**31 - 1))
