"""The jax engine's nn ops (contract: ``kerasette/backends/contract/nn.py``)."""
from __future__ import annotations


class JaxNNOps:
    """Mixin of ``JaxBackend``: methods of ``contract.NNOps`` on JAX."""
