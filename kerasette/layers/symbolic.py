"""Symbolic tensors for the functional API.

A ``KerasTensor`` carries a shape (``None`` for unknown dims), a dtype and the
``Node`` (one call of one layer) that produced it. A functional ``Model`` walks
these nodes back from its outputs once, at construction.
"""
from __future__ import annotations

import itertools

_ids = itertools.count()


class Node:
    """One call of ``layer``: the symbolic inputs it took and the outputs it made.

    ``args``/``kwargs`` keep the call's structure with ``KerasTensor``s in place,
    so replaying the node substitutes values for them.
    """

    def __init__(self, layer, args, kwargs, outputs):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.input_tensors = [t for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]
        self.outputs = outputs
        self.output_tensors = [t for t in flatten(outputs) if isinstance(t, KerasTensor)]
        for i, t in enumerate(self.output_tensors):
            t._node = self
            t._output_index = i

    @property
    def parent_nodes(self):
        return [t._node for t in self.input_tensors if t._node is not None]


class KerasTensor:
    """A placeholder with a shape and dtype, standing for a value in a graph."""

    def __init__(self, shape, dtype="float32", name=None, sparse=False):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.name = name
        self._node = None
        self._output_index = 0
        self._id = next(_ids)

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __len__(self):
        raise TypeError("A symbolic KerasTensor has no length; use `.shape`.")

    def __iter__(self):
        raise TypeError("A symbolic KerasTensor cannot be iterated over; use layers or `.shape`.")

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor has no truth value.")

    # Operators build small layers so `x + y` works in functional graphs.
    def _binary(self, other, op, reverse=False):
        from .op_layer import SymbolicOp
        a, b = (other, self) if reverse else (self, other)
        return SymbolicOp(op)(a, b)

    def __add__(self, o): return self._binary(o, "add")
    def __radd__(self, o): return self._binary(o, "add", True)
    def __sub__(self, o): return self._binary(o, "subtract")
    def __rsub__(self, o): return self._binary(o, "subtract", True)
    def __mul__(self, o): return self._binary(o, "multiply")
    def __rmul__(self, o): return self._binary(o, "multiply", True)
    def __truediv__(self, o): return self._binary(o, "divide")
    def __rtruediv__(self, o): return self._binary(o, "divide", True)
    def __pow__(self, o): return self._binary(o, "power")
    def __matmul__(self, o): return self._binary(o, "matmul")

    def __neg__(self):
        from .op_layer import SymbolicOp
        return SymbolicOp("negative")(self)

    def __getitem__(self, key):
        from .op_layer import SymbolicOp
        return SymbolicOp("getitem", key=key)(self)


def flatten(structure):
    """Leaves of a nest of lists, tuples and dicts (dicts in key order)."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure, key=str) for leaf in flatten(structure[k])]
    return [structure]


def map_structure(fn, structure):
    """``structure`` with ``fn`` applied to each leaf (lists, tuples, dicts kept)."""
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def any_symbolic(structure):
    """True when a ``KerasTensor`` is among the leaves."""
    if isinstance(structure, KerasTensor):
        return True
    if isinstance(structure, (list, tuple)):
        return any(any_symbolic(s) for s in structure)
    if isinstance(structure, dict):
        return any(any_symbolic(s) for s in structure.values())
    return False
