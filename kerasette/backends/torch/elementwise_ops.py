"""The torch engine's elementwise ops (contract: ``kerasette/backends/contract/elementwise.py``)."""
from __future__ import annotations


class TorchElementwiseOps:
    """Mixin of ``TorchBackend``: methods of ``contract.ElementwiseOps`` on PyTorch."""
