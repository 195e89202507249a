"""Control flow and function transforms: cond, switch, while_loop, map, vectorize, custom gradients.

Part of the ops contract (see ``kerasette/backends/base.py`` for the rules).
"""
from __future__ import annotations

import abc


class ControlOps(abc.ABC):
    """Control flow and function transforms."""
