"""The jax engine's elementwise ops (contract: ``kerasette/backends/contract/elementwise.py``)."""
from __future__ import annotations


class JaxElementwiseOps:
    """Mixin of ``JaxBackend``: methods of ``contract.ElementwiseOps`` on JAX."""
