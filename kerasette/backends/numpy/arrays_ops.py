"""The NumPy engine's arrays ops (contract: ``kerasette/backends/contract/arrays.py``).

Module-level functions named as the contract's methods; each differentiable op
returns ``Traced`` on traced input with its VJP next to its forward code.
"""
from __future__ import annotations
