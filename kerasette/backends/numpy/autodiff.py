"""Kerasette's own reverse-mode autodiff for the NumPy engine (a tape).

* ``Traced`` wraps an ndarray with the parents it came from and a VJP closure
  ``vjp(g) -> one gradient per parent`` (``None`` where a parent is not traced).
  It exists only inside ``value_and_grad``: ops check ``type(x) is Traced`` and
  otherwise run plain NumPy with no tracing cost.
* A VJP may return a ``Slot`` instead of a dense gradient: "``g`` belongs at
  ``parent[key]``" (getitem, split, take). Slots are added in place into one
  buffer, so slicing a sequence ``T`` times costs ``O(T)``, not ``O(T^2)``.
* The tape is the list of nodes in creation order: a node's parents are always
  made before it, so walking it backwards is a topological order with no graph
  search. ``backward`` walks the part one ``value_and_grad`` made, sums repeated
  contributions, skips nodes the output does not reach, and frees the tape.
* Nesting: an inner ``value_and_grad`` shares the tape under its own ``gen``. When
  its result depends on the outer call's nodes, its backward pass is recorded on
  the outer tape instead (``second_order.create_graph``): gradients of gradients.
"""
from __future__ import annotations

import numpy as np


class Traced:
    """An ndarray on the tape: ``.value``, the parent nodes and the VJP closure."""

    __slots__ = ("value", "parents", "vjp", "grad", "owned", "gen")
    __array_ufunc__ = None  # ndarray <op> Traced defers to Traced's reflected operator
    __array_priority__ = 1000
    __hash__ = object.__hash__

    def __init__(self, value, parents=(), vjp=None):
        self.value = value
        self.parents = parents
        self.vjp = vjp
        self.grad = None  # the gradient summed so far, during backward
        self.owned = False  # grad is a buffer backward made, so may add into in place
        self.gen = _gen  # which value_and_grad made it
        if _tape is not None:
            _tape.append(self)

    shape = property(lambda self: self.value.shape)
    dtype = property(lambda self: self.value.dtype)
    ndim = property(lambda self: self.value.ndim)
    size = property(lambda self: self.value.size)

    def __len__(self):
        return len(self.value)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("A traced kerasette array (inside value_and_grad) cannot become a NumPy "
                        "array implicitly: that would cut the gradient. Use kerasette.ops "
                        "on it, or ops.convert_to_numpy / ops.stop_gradient to read its value.")

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __bool__(self):
        return bool(self.value)

    def __repr__(self):
        return f"Traced({self.value!r})"

    def __iter__(self):
        from .ops import getitem
        for i in range(len(self.value)):
            yield getitem(self, i)


class Slot:
    """A sparse gradient: ``g`` added at ``parent[key]`` (``basic``: plain indexing,
    else ``np.add.at`` so repeated indices sum)."""

    __slots__ = ("key", "g", "basic")

    def __init__(self, key, g, basic):
        self.key = key
        self.g = g
        self.basic = basic

    def add_into(self, buf):
        if self.basic:
            buf[self.key] += self.g
        else:
            np.add.at(buf, self.key, self.g)
        return buf

    def dense(self, shape):
        return self.add_into(np.zeros(shape, dtype=np.result_type(self.g)))


def unbroadcast(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, back to ``shape``."""
    gs = g.shape if type(g) is np.ndarray else np.shape(g)
    if gs == shape:
        return g
    nd = len(gs) - len(shape)
    axes = tuple(range(nd)) + tuple(i + nd for i, n in enumerate(shape) if n == 1 and gs[i + nd] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    return g.reshape(shape)


_tape = None  # the nodes made while a value_and_grad runs, in creation order
_gen = 0  # the innermost running value_and_grad (0: none)
_last_gen = 0


def backward(root, leaves, order):
    """Gradients of the scalar ``root`` with respect to each leaf (None: not reached).

    ``order``: the nodes this ``value_and_grad`` made (the tape), parents before
    children; gradients flow only between them, and they are freed afterwards.
    Each node holds its summed gradient (``grad``) while the walk runs.
    """
    gen = _gen
    if root.gen != gen:  # not computed from this call's leaves
        return [None] * len(leaves)
    root.grad = np.ones_like(root.value)
    for node in reversed(order):
        g = node.grad
        if g is None or node.vjp is None:
            continue  # not reached, or a leaf (keeps its gradient)
        node.grad = None
        for p, pg in zip(node.parents, node.vjp(g)):
            if p is None or pg is None or p.gen != gen:
                continue
            prev = p.grad
            if prev is None:
                if type(pg) is Slot:
                    p.grad = pg.dense(p.value.shape)
                    p.owned = True
                else:
                    p.grad = pg
            elif p.owned:
                if type(pg) is Slot:
                    pg.add_into(prev)
                else:
                    prev += pg
            else:
                if type(pg) is Slot:
                    p.grad = pg.add_into(np.array(prev, dtype=np.result_type(prev, pg.g)))
                else:
                    p.grad = np.asarray(prev + pg)
                p.owned = True
    found = [leaf.grad for leaf in leaves]
    for node in order:  # free the tape
        node.parents = ()
        node.vjp = None
        node.grad = None
    return found


def unwrap(tree):
    """``tree`` with every Traced replaced by its ndarray (lists, tuples, dicts)."""
    t = type(tree)
    if t is Traced:
        return tree.value
    if t is list:
        return [unwrap(v) for v in tree]
    if t is dict:
        return {k: unwrap(v) for k, v in tree.items()}
    if isinstance(tree, tuple):
        items = [unwrap(v) for v in tree]
        return t(*items) if hasattr(tree, "_fields") else t(items)
    return tree


def value_and_grad(fn):
    """``g(params, *args) -> ((value, aux), grads)``; see ``Backend.value_and_grad``."""

    def wrapped(params, *args):
        global _tape, _gen, _last_gen
        outer, outer_gen = _tape, _gen
        tape = _tape = [] if outer is None else outer
        start = len(tape)
        _last_gen += 1
        _gen = _last_gen
        outer_dep = None  # an outer-tape node this (nested) call depends on
        keep = False  # create-graph mode: this call's nodes join the outer tape
        try:
            if outer is not None:
                outer_dep = next((p for p in params if type(p) is Traced and p.gen != 0), None)
            values = [p.value if type(p) is Traced else np.asarray(p) for p in params]
            leaves = [Traced(v) if v.dtype.kind == "f" else v for v in values]
            value, aux = fn(leaves, *args)
            traced = [leaf for leaf in leaves if type(leaf) is Traced]
            if outer is not None and outer_dep is None:
                outer_dep = _outer_dependency(tape[start:], _gen)
            if type(value) is Traced and value.value.size != 1:
                raise ValueError(f"value_and_grad: fn must return a scalar value, got shape "
                                 f"{value.value.shape}.")
            if outer_dep is not None:
                # The result depends on an enclosing value_and_grad's parameters: the
                # backward pass itself is recorded on the outer tape (second_order.py).
                from .second_order import create_graph
                result = create_graph(value, aux, leaves, params, tape, start, outer_gen)
                keep = True
                return result
            if type(value) is Traced:
                found = backward(value, traced, tape[start:])
                value = value.value
            else:
                found = [None] * len(traced)
        finally:
            if not keep:
                del tape[start:]
            _tape, _gen = outer, outer_gen
        found = iter(found)
        grads, seen = [], set()
        for leaf, v in zip(leaves, values):
            g = next(found) if type(leaf) is Traced else None
            if g is None:
                g = np.zeros_like(v)
            else:
                if type(g) is Slot:
                    g = g.dense(v.shape)
                if (g.dtype != v.dtype or not g.flags.writeable or id(g) in seen
                        or np.shape(g) != v.shape):
                    g = np.array(np.broadcast_to(g, v.shape), dtype=v.dtype)
            seen.add(id(g))
            grads.append(g)
        return (value, unwrap(aux)), grads

    return wrapped


def _outer_dependency(nodes, gen):
    """A node of an enclosing tape that one of ``nodes`` (this call's) reads, or None."""
    for node in nodes:
        for p in node.parents:
            if p is not None and p.gen != gen:
                return p
    return None

