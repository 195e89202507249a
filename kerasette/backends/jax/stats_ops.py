"""The jax engine's stats ops (contract: ``kerasette/backends/contract/stats.py``)."""
from __future__ import annotations


class JaxStatsOps:
    """Mixin of ``JaxBackend``: methods of ``contract.StatsOps`` on JAX."""
