"""The torch engine's arrays ops (contract: ``kerasette/backends/contract/arrays.py``)."""
from __future__ import annotations


class TorchArrayOps:
    """Mixin of ``TorchBackend``: methods of ``contract.ArrayOps`` on PyTorch."""
