"""Neural-network ops beyond the core: activations, normalizations, attention, losses, rearranging channels.

Part of the ops contract (see ``kerasette/backends/base.py`` for the rules).
"""
from __future__ import annotations

import abc


class NNOps(abc.ABC):
    """Neural-network ops beyond the core."""
