"""Element-wise math beyond the core: trigonometric and hyperbolic functions, exponents and logarithms in other bases, rounding, bitwise and logical ops, NaN/inf tests, complex parts.

Part of the ops contract (see ``kerasette/backends/base.py`` for the rules).
"""
from __future__ import annotations

import abc


class ElementwiseOps(abc.ABC):
    """Element-wise math beyond the core."""
