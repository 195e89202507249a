"""The NumPy engine's nn ops (contract: ``kerasette/backends/contract/nn.py``).

Module-level functions named as the contract's methods; each differentiable op
returns ``Traced`` on traced input with its VJP next to its forward code.
"""
from __future__ import annotations
