"""The torch engine's image ops (contract: ``kerasette/backends/contract/image.py``).

None so far: every image op is derived in the contract; an override belongs here only
where torch has a native form with the same numbers (``F.grid_sample`` and
``F.interpolate`` use other conventions than Keras-on-JAX's).
"""
from __future__ import annotations


class TorchImageOps:
    """Mixin of ``TorchBackend``: methods of ``contract.ImageOps`` on PyTorch."""
