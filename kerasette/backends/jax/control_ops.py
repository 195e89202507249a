"""The jax engine's control ops (contract: ``kerasette/backends/contract/control.py``)."""
from __future__ import annotations


class JaxControlOps:
    """Mixin of ``JaxBackend``: methods of ``contract.ControlOps`` on JAX."""
