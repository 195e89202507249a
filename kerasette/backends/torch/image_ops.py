"""The torch engine's image ops (contract: ``kerasette/backends/contract/image.py``)."""
from __future__ import annotations


class TorchImageOps:
    """Mixin of ``TorchBackend``: methods of ``contract.ImageOps`` on PyTorch."""
