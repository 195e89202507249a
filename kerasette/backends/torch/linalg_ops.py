"""The torch engine's linalg ops (contract: ``kerasette/backends/contract/linalg.py``)."""
from __future__ import annotations


class TorchLinalgOps:
    """Mixin of ``TorchBackend``: methods of ``contract.LinalgOps`` on PyTorch."""
