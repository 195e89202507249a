"""The jax engine's linalg ops (contract: ``kerasette/backends/contract/linalg.py``)."""
from __future__ import annotations


class JaxLinalgOps:
    """Mixin of ``JaxBackend``: methods of ``contract.LinalgOps`` on JAX."""
