"""``SymbolicOp``: the layer behind operators on symbolic tensors (``x + y``, ``x[:, 0]``)."""
from __future__ import annotations

from .. import ops
from .layer import Layer


class SymbolicOp(Layer):
    """Applies ``kerasette.ops.<op>`` to its inputs; made by ``KerasTensor`` operators."""

    def __init__(self, op, key=None, **kwargs):
        super().__init__(**kwargs)
        self.op = op
        self.key = key

    def call(self, *args):
        if self.op == "getitem":
            return ops.getitem(args[0], self.key)
        return getattr(ops, self.op)(*args)

    def get_config(self):
        return {**super().get_config(), "op": self.op}
