"""The jax engine's image ops (contract: ``kerasette/backends/contract/image.py``).

None so far: every image op is derived in the contract (and matches ``jax.image`` /
``jax.scipy.ndimage``, which Keras on JAX calls, to float32 rounding).
"""
from __future__ import annotations


class JaxImageOps:
    """Mixin of ``JaxBackend``: methods of ``contract.ImageOps`` on JAX."""
