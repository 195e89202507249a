"""Linear algebra (decompositions, solves, norms) and signal processing (FFTs, STFT).

Part of the ops contract (see ``kerasette/backends/base.py`` for the rules).
"""
from __future__ import annotations

import abc


class LinalgOps(abc.ABC):
    """Linear algebra (decompositions, solves, norms) and signal processing (FFTs, STFT)."""
