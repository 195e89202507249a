"""The torch engine's control ops (contract: ``kerasette/backends/contract/control.py``)."""
from __future__ import annotations


class TorchControlOps:
    """Mixin of ``TorchBackend``: methods of ``contract.ControlOps`` on PyTorch."""
