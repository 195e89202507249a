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
        for i in range(len(self.value)):
            yield self[i]


_BASE_ATTRS = frozenset(vars(Traced))  # the operators ops.py adds are the others


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
        g = (np.add.reduce if type(g) is np.ndarray else np.sum)(g, axis=axes, keepdims=True)
    return g.reshape(shape)


_tape = None  # the nodes made while a value_and_grad runs, in creation order
_gen = 0  # the innermost running value_and_grad (0: none)
_last_gen = 0


def backward(root, leaves, order, log=None):
    """Gradients of the scalar ``root`` with respect to each leaf (None: not reached).

    ``order``: the nodes this ``value_and_grad`` made (the tape), parents before
    children; gradients flow only between them, and they are freed afterwards.
    Each node holds its summed gradient (``grad``) while the walk runs.
    ``log``: a list that receives, per node whose VJP runs, ``(node, [(i, parent,
    how)...])`` with how each parent's gradient was summed (the recorder's use).
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
        if log is not None:
            log.append((node, []))
        for i, (p, pg) in enumerate(zip(node.parents, node.vjp(g))):
            if p is None or pg is None or p.gen != gen:
                continue
            prev = p.grad
            slot = type(pg) is Slot
            if prev is None:
                if slot:
                    p.grad = pg.dense(p.value.shape)
                    p.owned = True
                else:
                    p.grad = pg
                how = "first"
            elif p.owned:
                if slot:
                    pg.add_into(prev)
                else:
                    prev += pg
                how = "add"
            else:
                if slot:
                    p.grad = pg.add_into(np.array(prev, dtype=np.result_type(prev, pg.g)))
                else:
                    p.grad = np.asarray(prev + pg)
                p.owned = True
                how = "new"
            if log is not None:
                log[-1][1].append((i, p, how, slot))
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


class Frame:
    """One running ``value_and_grad``: the tape state to restore and its leaves."""

    __slots__ = ("outer", "outer_gen", "tape", "start", "params", "values", "leaves", "outer_dep")


def enter(params):
    """Open a ``value_and_grad``: a fresh generation, the leaves as new tape nodes.
    Returns ``(frame, leaves)``; ``finish(frame, value, aux)`` closes it."""
    global _tape, _gen, _last_gen
    f = Frame()
    outer = f.outer = _tape
    f.outer_gen = _gen
    f.tape = _tape = [] if outer is None else outer
    f.start = len(f.tape)
    f.params = params
    _last_gen += 1
    _gen = _last_gen
    try:
        f.outer_dep = None  # an outer-tape node this (nested) call depends on
        if outer is not None:
            f.outer_dep = next((p for p in params if type(p) is Traced and p.gen != 0), None)
        f.values = [p.value if type(p) is Traced else np.asarray(p) for p in params]
        f.leaves = [Traced(v) if v.dtype.kind == "f" else v for v in f.values]
    except BaseException:
        abort(f)
        raise
    return f, f.leaves


def abort(f):
    """Close ``f`` without a result (``fn`` raised): drop its nodes, restore the tape."""
    global _tape, _gen
    del f.tape[f.start:]
    _tape, _gen = f.outer, f.outer_gen


def finish(f, value, aux, log=None):
    """Close ``f``: backward from ``value``; returns ``((value, aux), grads)``.
    ``log``: see ``backward``."""
    leaves, values, tape, start = f.leaves, f.values, f.tape, f.start
    outer_dep = f.outer_dep
    try:
        traced = [leaf for leaf in leaves if type(leaf) is Traced]
        if f.outer is not None and outer_dep is None:
            outer_dep = _outer_dependency(tape[start:], _gen)
        if type(value) is Traced and value.value.size != 1:
            raise ValueError(f"value_and_grad: fn must return a scalar value, got shape "
                             f"{value.value.shape}.")
        if outer_dep is not None:
            # The result depends on an enclosing value_and_grad's parameters: the backward
            # pass itself is recorded on the outer tape (second_order.py), whose nodes stay.
            from .second_order import create_graph
            result = create_graph(value, aux, leaves, f.params, tape, start, f.outer_gen)
            f.start = len(tape)
            return result
        if type(value) is Traced:
            found = backward(value, traced, tape[start:], log)
            value = value.value
        else:
            found = [None] * len(traced)
    finally:
        abort(f)
    return results(value, aux, leaves, values, found)


def results(value, aux, leaves, values, found):
    """``((value, aux), grads)`` from the leaves' summed gradients ``found`` (one per
    traced leaf, None: not reached); see ``leaf_grads``."""
    return (value, unwrap(aux)), leaf_grads(leaves, values, found)


def leaf_grads(leaves, values, found):
    """One gradient per parameter: zeros where not reached, else a writable array of
    its parameter's shape and dtype (a copy where two would share one buffer)."""
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
    return grads


# The recorder (``replay.py``) swaps these for recording wrappers while it records.
hooks = {"enter": enter, "finish": finish}


def value_and_grad(fn):
    """``g(params, *args) -> ((value, aux), grads)``; see ``Backend.value_and_grad``."""

    def wrapped(params, *args):
        f, leaves = hooks["enter"](params)
        try:
            value, aux = fn(leaves, *args)
        except BaseException:
            abort(f)
            raise
        return hooks["finish"](f, value, aux)

    return wrapped


def _outer_dependency(nodes, gen):
    """A node of an enclosing tape that one of ``nodes`` (this call's) reads, or None."""
    for node in nodes:
        for p in node.parents:
            if p is not None and p.gen != gen:
                return p
    return None
