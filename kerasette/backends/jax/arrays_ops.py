"""The jax engine's arrays ops (contract: ``kerasette/backends/contract/arrays.py``)."""
from __future__ import annotations


class JaxArrayOps:
    """Mixin of ``JaxBackend``: methods of ``contract.ArrayOps`` on JAX."""
