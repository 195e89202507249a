"""The torch engine's stats ops (contract: ``kerasette/backends/contract/stats.py``)."""
from __future__ import annotations


class TorchStatsOps:
    """Mixin of ``TorchBackend``: methods of ``contract.StatsOps`` on PyTorch."""
