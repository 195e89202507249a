"""The jax engine's image ops (contract: ``kerasette/backends/contract/image.py``)."""
from __future__ import annotations


class JaxImageOps:
    """Mixin of ``JaxBackend``: methods of ``contract.ImageOps`` on JAX."""
