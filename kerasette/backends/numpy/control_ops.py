"""The NumPy engine's control ops (contract: ``kerasette/backends/contract/control.py``).

Module-level functions named as the contract's methods; each differentiable op
returns ``Traced`` on traced input with its VJP next to its forward code.
Branches and loops are the contract's eager Python forms: the tape records the
path actually taken.
"""
from __future__ import annotations

import numpy as np

from ... import tree
from ..contract.control import _value, call_grad_fn
from .autodiff import Traced, value_and_grad


def _plain(x):
    return x.value if type(x) is Traced else x


def custom_gradient(f):
    """``f(*args) -> (out, grad_fn)``: on traced input, each output leaf is a tape
    node whose VJP is ``grad_fn`` (``f`` itself runs on plain arrays, so nothing
    inside it is recorded)."""
    def wrapped(*args, **kwargs):
        args = [_value(a) for a in args]
        traced = [type(a) is Traced for a in args]
        plain = [_plain(a) for a in args]
        out, grad_fn = f(*plain, **kwargs)
        if not any(traced):
            return tree.map_structure(_plain, out)
        leaves = [np.asarray(_plain(x)) for x in tree.flatten(out)]
        parents = tuple(a for a, t in zip(args, traced) if t)

        def make_vjp(k):
            def vjp(g):
                # grad_fn is linear in upstream: feed this leaf's cotangent, zeros elsewhere
                ups = [g if j == k else np.zeros_like(leaf) for j, leaf in enumerate(leaves)]
                grads = call_grad_fn(grad_fn, plain, tree.pack_sequence_as(out, ups))
                return tuple(None if gr is None else np.asarray(_plain(gr), dtype=a.value.dtype).reshape(a.shape)
                             for gr, a, t in zip(grads, args, traced) if t)
            return vjp

        nodes = [Traced(leaf, parents, make_vjp(k)) if leaf.dtype.kind == "f" else leaf
                 for k, leaf in enumerate(leaves)]
        return tree.pack_sequence_as(out, nodes)

    return wrapped


def jvp(fun, primals, tangents, has_aux=False):
    """``(fun(*primals), J @ tangents[, aux])`` from reverse passes: one per output
    element (the tape has no forward mode)."""
    primals, tangents = tuple(primals), tuple(tangents)
    flat_p = [np.asarray(_plain(_value(p))) for p in tree.flatten(primals)]
    flat_t = [np.asarray(_plain(_value(t))) for t in tree.flatten(tangents)]
    if len(flat_p) != len(flat_t):
        raise ValueError(f"ops.jvp: {len(flat_p)} primal arrays but {len(flat_t)} tangent arrays.")
    for p, t in zip(flat_p, flat_t):
        if p.shape != t.shape:
            raise ValueError(f"ops.jvp: a tangent of shape {t.shape} for a primal of shape {p.shape}.")

    def call(flat):
        res = fun(*tree.pack_sequence_as(primals, list(flat)))
        return res if has_aux else (res, None)

    out, aux = call(flat_p)
    out_leaves = [np.asarray(_plain(o)) for o in tree.flatten(out)]
    t_out = []
    for k, leaf in enumerate(out_leaves):
        if leaf.dtype.kind != "f":
            t_out.append(np.zeros(leaf.shape, dtype=leaf.dtype))
            continue
        acc = np.zeros(leaf.size, dtype=leaf.dtype)
        for i in range(leaf.size):
            def scalar(params, k=k, i=i):
                from .ops import getitem, reshape
                o = tree.flatten(call(params)[0])[k]
                return getitem(reshape(o, (-1,)), i), None

            _, grads = value_and_grad(scalar)(flat_p)
            acc[i] = sum(float(np.vdot(np.asarray(g, dtype=np.float64), t.astype(np.float64)))
                         for g, t in zip(grads, flat_t) if np.asarray(g).dtype.kind == "f")
        t_out.append(acc.reshape(leaf.shape))
    out = tree.pack_sequence_as(out, out_leaves)
    t_out = tree.pack_sequence_as(out, t_out)
    return (out, t_out, aux) if has_aux else (out, t_out)
