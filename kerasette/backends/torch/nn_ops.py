"""The torch engine's nn ops (contract: ``kerasette/backends/contract/nn.py``)."""
from __future__ import annotations


class TorchNNOps:
    """Mixin of ``TorchBackend``: methods of ``contract.NNOps`` on PyTorch."""
