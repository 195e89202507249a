"""``SymbolicOp``: the layer behind operators on symbolic tensors (``x + y``, ``x[:, 0]``)."""
from __future__ import annotations

from .. import ops
from .layer import Layer


class SymbolicOp(Layer):
    """Applies ``kerasette.ops.<op>`` to its inputs; made by ``KerasTensor`` operators."""

    def __init__(self, op, key=None, **kwargs):
        super().__init__(**kwargs)
        self.op = op
        self.key = _decode_key(key)

    def call(self, *args):
        if self.op == "getitem":
            return ops.getitem(args[0], self.key)
        return getattr(ops, self.op)(*args)

    def get_config(self):
        return {**super().get_config(), "op": self.op, "key": _encode_key(self.key)}


def _encode_key(key):
    """A JSON-friendly form of an indexing key (ints, slices, None, Ellipsis)."""
    if isinstance(key, tuple):
        return {"tuple": [_encode_key(k) for k in key]}
    if isinstance(key, slice):
        return {"slice": [key.start, key.stop, key.step]}
    if key is Ellipsis:
        return {"ellipsis": True}
    return key


def _decode_key(key):
    if isinstance(key, dict):
        if "tuple" in key:
            return tuple(_decode_key(k) for k in key["tuple"])
        if "slice" in key:
            return slice(*key["slice"])
        if "ellipsis" in key:
            return Ellipsis
    return key
