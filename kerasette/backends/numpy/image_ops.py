"""The NumPy engine's image ops (contract: ``kerasette/backends/contract/image.py``).

Module-level functions named as the contract's methods; each differentiable op
returns ``Traced`` on traced input with its VJP next to its forward code.

None so far: every image op is derived in the contract from ``take``, ``where``,
``matmul``, ``depthwise_conv``, ... whose VJPs the tape already has.
"""
from __future__ import annotations
