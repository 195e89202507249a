"""Building, reshaping and indexing arrays beyond the core: ranges, triangles, stacking and splitting variants, slices and scatters, window functions.

Part of the ops contract (see ``kerasette/backends/base.py`` for the rules).
"""
from __future__ import annotations

import abc


class ArrayOps(abc.ABC):
    """Building, reshaping and indexing arrays beyond the core."""
