"""Reductions and statistics beyond the core: sorting and searching, nan-reductions, quantiles, histograms, set membership, segment reductions.

Part of the ops contract (see ``kerasette/backends/base.py`` for the rules).
"""
from __future__ import annotations

import abc


class StatsOps(abc.ABC):
    """Reductions and statistics beyond the core."""
