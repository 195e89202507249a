"""``kerasette.ops.linalg``: Keras 3's ``keras.ops.linalg`` namespace (linear algebra).

The same functions as ``kerasette.ops`` under Keras's namespace; each name is
looked up on ``kerasette.ops`` when first used.
"""
from __future__ import annotations

from ._namespace import namespace_getattr

NAMES = (
    'cholesky', 'cholesky_inverse', 'det', 'eig', 'eigh', 'inv', 'jvp', 'lstsq',
    'lu_factor', 'matrix_rank', 'norm', 'pinv', 'qr', 'solve', 'solve_triangular', 'svd'
)

__getattr__, __dir__ = namespace_getattr(__name__, NAMES)
__all__ = list(NAMES)
