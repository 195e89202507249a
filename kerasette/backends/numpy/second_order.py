"""Higher-order gradients on the NumPy tape: the backward pass, recorded.

A ``value_and_grad`` nested in another whose result depends on the outer
parameters (a WGAN-GP penalty: the critic's input gradient, differentiated
again with respect to the critic's weights) runs its backward pass in
*create-graph* mode (``create_graph``): each VJP is applied with the engine's
own differentiable ops, so the gradients it returns are ``Traced`` nodes of the
enclosing tape, and this call's forward nodes join that tape too. First-order
gradients never come here: their VJPs stay plain NumPy closures.

A node's traced VJP is looked up from its (plain) VJP closure: the function it
was defined in names the op (``_RULES``), and the closure's cells hold what the
op saved (shapes, axes, masks). The rule recomputes what it needs from the
node's parents and the node itself (``tanh``: ``g * (1 - out * out)`` with
``out`` the node), so the result is differentiable in both ``g`` and the saved
values. An element-wise op whose own VJP rule is written with Python operators
only (``g / (1 + x * x)``) needs no entry: that rule runs on traced values as it
is. An op with no rule raises a ``NotImplementedError`` naming it, only where its
VJP is actually needed in create-graph mode (a node that depends on the outer
parameters, or receives a traced cotangent); elsewhere the plain VJP runs.

Rules: arithmetic (add, subtract, multiply, divide, power, mod, maximum,
minimum, where, clip, logaddexp), element-wise math and activations (exp, log,
sqrt, square, abs, trig/hyperbolic and their inverses, tanh, sigmoid, softplus,
relu, leaky_relu, silu, erf, ...; gelu, elu, selu... are derived), cast,
reductions (sum, mean, max, min, var, logsumexp, cumsum), shapes (reshape,
transpose, expand_dims, squeeze, broadcast_to, moveaxis, swapaxes, flip, tile,
pad, concatenate, stack, split, getitem, take, take_along_axis), matmul, einsum,
softmax, log_softmax, conv (groups=1), max_pool, avg_pool. Not (yet): prod,
cumprod, sort, repeat, scatter ops, segment ops, linalg decompositions, fft,
depthwise and transposed convolutions, the fused LSTM/GRU cores, custom_gradient.
"""
from __future__ import annotations

import math

import numpy as np

from . import autodiff, elementwise_ops as _E, nn, ops as O
from .autodiff import Slot, Traced

_SQRT_PI = math.sqrt(math.pi)


def create_graph(value, aux, leaves, params, tape, start, outer_gen):
    """``value_and_grad``'s nested result, ``((value, aux), grads)``, on the outer tape.

    ``leaves``: this call's leaf nodes (made from ``params``, some of which may be
    outer nodes); ``tape[start:]``: the nodes this call made. Afterwards they all
    belong to the outer call (``gen``) and stay on the tape, each leaf reading its
    outer parameter through an identity node.
    """
    gen = autodiff._gen  # this call's
    found = {}
    if type(value) is Traced and value.gen == gen:  # else not computed from the leaves
        found = _backward(value, leaves, params, tape[start:], gen)
    grads = []
    for leaf, p in zip(leaves, params):
        v = leaf.value if type(leaf) is Traced else leaf
        g = found.get(id(leaf)) if type(leaf) is Traced else None
        if g is None:
            g = np.zeros_like(v)
        elif type(g) is Traced:
            if g.value.dtype != v.dtype:
                g = O.cast(g, v.dtype)
            if g.value.shape != v.shape:
                g = O.broadcast_to(g, v.shape)
        else:
            g = np.array(np.broadcast_to(g, v.shape), dtype=v.dtype)
        grads.append(g)
        if type(leaf) is Traced and type(p) is Traced:
            leaf.parents, leaf.vjp = (p,), _identity
    for node in tape[start:]:
        node.gen = outer_gen
    return (value, aux), grads


def _identity(g):
    return (g,)


def _backward(root, leaves, params, nodes, gen):
    """Cotangents of ``root`` at each leaf (``{id(leaf): g}``), computed with
    differentiable ops wherever they carry a dependence on the outer tape."""
    dep = {id(leaf) for leaf, p in zip(leaves, params) if type(p) is Traced}
    for node in nodes:  # which nodes depend on the outer tape
        for p in node.parents:
            if p is not None and (p.gen != gen or id(p) in dep):
                dep.add(id(node))
                break
    cot = {id(root): np.ones_like(root.value)}
    for node in reversed(nodes):
        g = cot.get(id(node))
        if g is None or node.vjp is None:
            continue  # not reached, or a leaf
        del cot[id(node)]
        if type(g) is Traced or id(node) in dep:
            pgs = traced_vjp(node, g)
        else:
            pgs = node.vjp(g)
        for p, pg in zip(node.parents, pgs):
            if p is None or pg is None or p.gen != gen:
                continue
            if type(pg) is Slot:
                pg = _scatter(pg.g, pg.key, p.value.shape, pg.basic)
            prev = cot.get(id(p))
            cot[id(p)] = pg if prev is None else O.add(prev, pg)
    return cot


def _cells(fn):
    """What a closure saved: its free variables and its defaulted arguments, by name."""
    code = fn.__code__
    c = dict(zip(code.co_freevars, (cell.cell_contents for cell in fn.__closure__ or ())))
    defaults = getattr(fn, "__defaults__", None) or ()
    if defaults:
        c.update(zip(code.co_varnames[code.co_argcount - len(defaults):code.co_argcount], defaults))
    return c


def traced_vjp(node, g):
    """The node's VJP applied to ``g`` with differentiable ops (one entry per parent)."""
    vjp = node.vjp
    c = _cells(vjp)
    name = op_name(vjp, c)
    rule = _RULES.get(name)
    if rule is None:
        head = vjp.__qualname__.split(".")[0]
        rule = _unary_rule if head == "_unary" else _binary_rule if head == "_binary" else None
    if rule is None:
        _missing(name)
    return rule(node, g, c)


def _missing(name):
    raise NotImplementedError(
        f"Higher-order gradients on the NumPy engine: the op {name!r} has no second-order "
        f"rule (its gradient cannot be differentiated again on this engine's tape). Use "
        f"the torch or jax engine (KERASETTE_BACKEND=torch or jax) for this computation, "
        f"or write it with ops that have one (see kerasette/backends/numpy/second_order.py).")


def op_name(vjp, c=None):
    """The op whose VJP closure ``vjp`` is (e.g. ``'tanh'``, ``'matmul'``)."""
    c = _cells(vjp) if c is None else c
    head = vjp.__qualname__.split(".")[0]
    if head == "_binary":
        return _NAME_OF.get(c.get("rx"), "binary op")
    if head == "_unary":
        return _NAME_OF.get(c.get("d"), "unary op")
    if head == "_extremum":
        return "max/min"
    return head.lstrip("_")  # "_conv" -> "conv", "_lstm_core" -> "lstm_core"


def _arg(node, i, c, name):
    """The op's ``i``-th input: its traced parent, else the saved constant."""
    p = node.parents[i]
    return c[name] if p is None else p


# ------------------------------------------------------------------ helpers
def _scatter(g, key, shape, basic):
    """``zeros(shape)`` with ``g`` added at ``key`` (a getitem's VJP), differentiable in ``g``."""
    gv = g.value if type(g) is Traced else g
    buf = np.zeros(shape, np.result_type(gv))
    Slot(key, gv, basic).add_into(buf)
    if type(g) is not Traced:
        return buf
    return Traced(buf, (g,), lambda h: (h[key],))


def _unbroadcast(g, shape):
    """``autodiff.unbroadcast`` with differentiable ops."""
    gs = O.shape(g)
    if gs == tuple(shape):
        return g
    nd = len(gs) - len(shape)
    axes = tuple(range(nd)) + tuple(i + nd for i, n in enumerate(shape) if n == 1 and gs[i + nd] != 1)
    if axes:
        g = O.sum(g, axis=axes, keepdims=True)
    return O.reshape(g, shape)


def _expand(g, axis, nd):
    """``ops._expand`` with differentiable ops: the axes a reduction removed, put back."""
    if axis is None:
        return O.reshape(g, (1,) * nd)
    shape = list(O.shape(g))
    for a in sorted(a % nd for a in ((axis,) if type(axis) is int else axis)):
        shape.insert(a, 1)
    return O.reshape(g, tuple(shape))


# -------------------------------------------------------------- binary ops
def _pow_dx(g, x, y, out, c):
    yv = c["yv"]
    if isinstance(yv, (int, float)) and node_free(y):
        if yv == 0:
            return O.zeros_like(g)
        if yv == 1:
            return g
        if yv == 2:
            return O.multiply(g, O.multiply(x, 2))
    return O.multiply(g, O.multiply(y, O.power(x, O.subtract(y, 1))))


def _pow_dy(g, x, y, out, c):
    pos = c["xv"] > 0
    return O.multiply(g, O.where(pos, O.multiply(out, O.log(O.where(pos, x, 1))), 0))


def node_free(v):
    return type(v) is not Traced


_BINARY = {  # name -> (d/dx, d/dy), each (g, x, y, out, cells) -> contribution
    "add": (lambda g, x, y, o, c: g, lambda g, x, y, o, c: g),
    "subtract": (lambda g, x, y, o, c: g, lambda g, x, y, o, c: O.negative(g)),
    "multiply": (lambda g, x, y, o, c: O.multiply(g, y), lambda g, x, y, o, c: O.multiply(g, x)),
    "divide": (lambda g, x, y, o, c: O.divide(g, y),
               lambda g, x, y, o, c: O.negative(O.divide(O.multiply(g, o), y))),
    "power": (_pow_dx, _pow_dy),
    "maximum": (lambda g, x, y, o, c: O.multiply(g, c["xv"] >= c["yv"]),
                lambda g, x, y, o, c: O.multiply(g, c["xv"] < c["yv"])),
    "minimum": (lambda g, x, y, o, c: O.multiply(g, c["xv"] <= c["yv"]),
                lambda g, x, y, o, c: O.multiply(g, c["xv"] > c["yv"])),
    "logaddexp": (lambda g, x, y, o, c: O.multiply(g, O.exp(O.subtract(x, o))),
                  lambda g, x, y, o, c: O.multiply(g, O.exp(O.subtract(y, o)))),
    "mod": (lambda g, x, y, o, c: g,
            lambda g, x, y, o, c: O.multiply(O.negative(g), np.floor(c["xv"] / c["yv"]))),
}


def _binary_rule(node, g, c):
    name = op_name(node.vjp, c)
    x, y = _arg(node, 0, c, "xv"), _arg(node, 1, c, "yv")
    if name in _BINARY:
        dx, dy = _BINARY[name]
        gx = dx(g, x, y, node, c) if c["tx"] else None
        gy = dy(g, x, y, node, c) if c["ty"] else None
    else:
        gx = _operator_rule(name, c["rx"], g, x, y, node) if c["tx"] else None
        gy = _operator_rule(name, c["ry"], g, x, y, node) if c["ty"] else None
    return (None if gx is None else _unbroadcast(gx, c["xs"]),
            None if gy is None else _unbroadcast(gy, c["ys"]))


def _operator_rule(name, d, *args):
    """An element-wise op's own VJP rule run on traced values: exact where it is
    written with Python operators only (``g / (1 + x * x)``); a NumPy function on a
    traced value raises TypeError, reported as a missing second-order rule."""
    try:
        return d(*args)
    except TypeError:
        _missing(name)


_UNARY = {  # name -> (g, x, out, cells) -> contribution
    "negative": lambda g, x, o, c: O.negative(g),
    "abs": lambda g, x, o, c: O.multiply(g, np.sign(c["xv"])),
    "exp": lambda g, x, o, c: O.multiply(g, o),
    "log": lambda g, x, o, c: O.divide(g, x),
    "log1p": lambda g, x, o, c: O.divide(g, O.add(x, 1)),
    "expm1": lambda g, x, o, c: O.multiply(g, O.add(o, 1)),
    "sqrt": lambda g, x, o, c: O.divide(g, O.multiply(o, 2)),
    "square": lambda g, x, o, c: O.multiply(g, O.multiply(x, 2)),
    "sin": lambda g, x, o, c: O.multiply(g, O.cos(x)),
    "cos": lambda g, x, o, c: O.negative(O.multiply(g, O.sin(x))),
    "tanh": lambda g, x, o, c: O.multiply(g, O.subtract(1, O.multiply(o, o))),
    "erf": lambda g, x, o, c: O.multiply(g, O.multiply(O.exp(O.negative(O.multiply(x, x))),
                                                       2 / _SQRT_PI)),
    "sigmoid": lambda g, x, o, c: O.multiply(g, O.multiply(o, O.subtract(1, o))),
    "relu": lambda g, x, o, c: O.multiply(g, c["xv"] > 0),
    "softplus": lambda g, x, o, c: O.multiply(g, O.sigmoid(x)),
    "sinh": lambda g, x, o, c: O.multiply(g, _E.cosh(x)),
    "cosh": lambda g, x, o, c: O.multiply(g, _E.sinh(x)),
    "arcsin": lambda g, x, o, c: O.divide(g, O.sqrt(O.subtract(1, O.multiply(x, x)))),
    "arccos": lambda g, x, o, c: O.negative(O.divide(g, O.sqrt(O.subtract(1, O.multiply(x, x))))),
    "arcsinh": lambda g, x, o, c: O.divide(g, O.sqrt(O.add(O.multiply(x, x), 1))),
    "arccosh": lambda g, x, o, c: O.divide(g, O.sqrt(O.subtract(O.multiply(x, x), 1))),
}


def _unary_rule(node, g, c):
    name = op_name(node.vjp, c)
    if name in _UNARY:
        return (_UNARY[name](g, node.parents[0], node, c),)
    return (_operator_rule(name, c["d"], g, node.parents[0], node),)


# ---------------------------------------------------------- other op rules
def _where(node, g, c):
    cond = c["condition"] if "condition" in c else c["c"]
    return (_unbroadcast(O.where(cond, g, 0), c["xs"]) if c["tx"] else None,
            _unbroadcast(O.where(cond, 0, g), c["ys"]) if c["ty"] else None)


def _clip(node, g, c):
    xv, lo, hi = c["xv"], c["lo"], c["hi"]
    inside = np.ones(np.shape(xv), bool) if lo is None else (xv >= lo)
    if hi is not None:
        inside = inside & (xv <= hi)
    return (O.multiply(g, inside),)


def _silu(node, g, c):
    x = node.parents[0]
    s = O.sigmoid(x)
    return (O.multiply(g, O.multiply(s, O.add(1, O.multiply(x, O.subtract(1, s))))),)


def _sum(node, g, c):
    g = g if c["keepdims"] else _expand(g, c["axis"], len(c["shp"]))
    return (O.broadcast_to(g, c["shp"]),)


def _mean(node, g, c):
    g = O.divide(g, c["n"])
    g = g if c["keepdims"] else _expand(g, c["axis"], len(c["shp"]))
    return (O.broadcast_to(g, c["shp"]),)


def _extremum(node, g, c):
    xv, out, axis, nd = c["xv"], c["out"], c["axis"], c["nd"]
    outk = out if c["keepdims"] else _expand(out, axis, nd)
    mask = xv == outk
    count = np.sum(mask, axis=axis, keepdims=True, dtype=xv.dtype)
    gk = g if c["keepdims"] else _expand(g, axis, nd)
    return (O.multiply(mask, O.divide(gk, count)),)


def _logsumexp(node, g, c):
    axis, nd = c["axis"], c["nd"]
    gk, outk = (g, node) if c["keepdims"] else (_expand(g, axis, nd), _expand(node, axis, nd))
    return (O.multiply(gk, O.exp(O.subtract(node.parents[0], outk))),)


def _var(node, g, c):
    x, axis, nd = node.parents[0], c["axis"], c["nd"]
    centred = O.subtract(x, O.mean(x, axis=axis, keepdims=True))
    gk = g if c["keepdims"] else _expand(g, axis, nd)
    return (O.multiply(gk, O.multiply(centred, 2 / c["n"])),)


def _concatenate(node, g, c):
    parts = O.split(g, c["offsets"], axis=c["axis"])
    return tuple(p if t else None for p, t in zip(parts, c["traced"]))


def _stack(node, g, c):
    return tuple(O.getitem(g, c["pre"] + (i,)) if t else None for i, t in enumerate(c["traced"]))


def _tile(node, g, c):
    n, reps, xs = c["n"], c["reps"], c["xs"]
    inter = [d for pair in zip(reps, xs) for d in pair]
    g = O.sum(O.reshape(g, inter), axis=tuple(range(0, 2 * n, 2)))
    return (O.reshape(g, c["xv"].shape),)


def _matmul(node, g, c):
    x, y = _arg(node, 0, c, "xv"), _arg(node, 1, c, "yv")
    xv, yv = c["xv"], c["yv"]
    x2 = O.expand_dims(x, 0) if xv.ndim == 1 else x
    y2 = O.expand_dims(y, -1) if yv.ndim == 1 else y
    if xv.ndim == 1 and yv.ndim == 1:
        g = O.reshape(g, (1, 1))
    elif xv.ndim == 1:
        g = O.expand_dims(g, -2)
    elif yv.ndim == 1:
        g = O.expand_dims(g, -1)
    gx = gy = None
    if c["tx"]:
        gx = O.reshape(_unbroadcast(O.matmul(g, O.swapaxes(y2, -1, -2)), O.shape(x2)), xv.shape)
    if c["ty"]:
        if np.ndim(yv) == 2 and np.ndim(xv) > 2:  # fold the batch: one GEMM
            k, n = yv.shape
            gy = O.matmul(O.transpose(O.reshape(x2, (-1, k))), O.reshape(g, (-1, n)))
        else:
            gy = O.reshape(_unbroadcast(O.matmul(O.swapaxes(x2, -1, -2), g), O.shape(y2)), yv.shape)
    return gx, gy


def _einsum(node, g, c):
    ins, out_term, vals, traced = c["ins"], c["out_term"], c["vals"], c["traced"]
    operands = [p if p is not None else v for p, v in zip(node.parents, vals)]
    grads = []
    for i, t in enumerate(traced):
        if not t:
            grads.append(None)
            continue
        term, shp = ins[i], np.shape(vals[i])
        if len(set(term)) != len(term):
            raise NotImplementedError(
                "Higher-order gradients on the NumPy engine: einsum with a repeated index in one "
                f"operand ({term!r}, a diagonal) has no second-order rule; use the torch or jax engine.")
        size = dict(zip(term, shp))
        others = [ins[j] for j in range(len(vals)) if j != i]
        avail = set(out_term).union(*others)
        keep = "".join(ch for ch in term if ch in avail)
        gi = O.einsum(",".join([out_term] + others) + "->" + keep, g,
                      *[operands[j] for j in range(len(vals)) if j != i])
        if keep != term:
            gi = O.reshape(gi, tuple(size[ch] if ch in avail else 1 for ch in term))
            gi = O.broadcast_to(gi, shp)
        grads.append(_unbroadcast(gi, shp))
    return tuple(grads)


def _softmax(node, g, c):
    axis = c["axis"]
    return (O.multiply(node, O.subtract(g, O.sum(O.multiply(g, node), axis=axis, keepdims=True))),)


def _log_softmax(node, g, c):
    axis = c["axis"]
    return (O.subtract(g, O.multiply(O.exp(node), O.sum(g, axis=axis, keepdims=True))),)


def _conv(node, g, c):
    """Convolution (groups=1): the kernel gradient from differentiable patches of
    the input, the input gradient as the patches' adjoint (shifted slices summed)."""
    if c["groups"] != 1:
        raise NotImplementedError("Higher-order gradients on the NumPy engine: the op 'conv' with "
                                  "groups > 1 has no second-order rule; use the torch or jax engine.")
    n, m, c_out, kk, ch = c["n"], c["m"], c["c_out"], c["kk"], c["c"]
    window, s, d, out_sp, pads = c["window"], c["s"], c["d"], c["out_sp"], c["pads"]
    x, kernel = _arg(node, 0, c, "xv"), _arg(node, 1, c, "kv")
    g2 = O.reshape(g, (m, c_out))
    slices = list(nn._offset_slices(window, s, d, out_sp))
    gx = gk = None
    if c["tk"]:
        xp = O.pad(x, [(0, 0)] + [tuple(p) for p in pads] + [(0, 0)]) if any(b or a for b, a in pads) else x
        cols = O.reshape(O.stack([O.getitem(xp, sl) for _, sl in slices], axis=-2), (m, kk * ch))
        gk = O.reshape(O.matmul(O.transpose(cols), g2), c["kv"].shape)
    if c["tx"]:
        w2 = O.reshape(kernel, (kk * ch, c_out))
        dcols = O.reshape(O.matmul(g2, O.transpose(w2)), (n,) + tuple(out_sp) + (kk, ch))
        pre = (slice(None),) * (1 + len(window))
        gxp = None
        for t, (_, sl) in enumerate(slices):
            part = _scatter(O.getitem(dcols, pre + (t,)), sl, c["xp_shape"], True)
            gxp = part if gxp is None else O.add(gxp, part)
        spatial = c["xv"].shape[1:-1]
        gx = O.getitem(gxp, (slice(None),) + tuple(slice(b, b + k) for (b, _), k in zip(pads, spatial)))
    return gx, gk


def _pool(node, g, c, mask=None):
    """Pooling's input gradient: each window offset's share of ``g`` put back in place."""
    xp, out_sp, pads, xv = c["xp"], c["out_sp"], c["pads"], c["xv"]
    gxp = O.zeros_like(xp) if 0 in out_sp else None
    if gxp is None:
        share = O.divide(g, c["count"]) if mask is None else g
        free = np.ones(c["out"].shape, bool) if mask is not None else None
        for _, sl in nn._offset_slices(c["window"], c["s"], c["ones"], out_sp):
            part = share
            if mask is not None:  # the first maximum of each window takes the gradient
                hit = (xp[sl] == c["out"]) & free
                free &= ~hit
                part = O.multiply(share, hit)
            part = _scatter(part, sl, xp.shape, True)
            gxp = part if gxp is None else O.add(gxp, part)
    if not any(b or a for b, a in pads):
        return (gxp,)
    return (O.getitem(gxp, (slice(None),) + tuple(slice(b, b + k) for (b, _), k
                                                  in zip(pads, xv.shape[1:-1]))),)


def _take(node, g, c):
    if "key" in c:
        return (Slot(c["key"], g, False),)
    xv = c["xv"]
    flat = _scatter(O.reshape(g, (-1,)), np.ravel(c["idx"]), (xv.size,), False)
    return (O.reshape(flat, xv.shape),)


def _leaky_relu(node, g, c):
    return (O.where(c["pos"], g, O.multiply(g, c["negative_slope"])),)


_RULES = {
    "where": _where,
    "clip": _clip,
    "silu": _silu,
    "leaky_relu": _leaky_relu,
    "cast": lambda node, g, c: (O.cast(g, c["src"]),),
    "sum": _sum,
    "mean": _mean,
    "max/min": _extremum,
    "logsumexp": _logsumexp,
    "var": _var,
    "cumsum": lambda node, g, c: (O.flip(O.cumsum(O.flip(g, c["axis"]), c["axis"]), c["axis"]),),
    "reshape": lambda node, g, c: (O.reshape(g, c["s"]),),
    "expand_dims": lambda node, g, c: (O.reshape(g, c["s"]),),
    "squeeze": lambda node, g, c: (O.reshape(g, c["s"]),),
    "transpose": lambda node, g, c: (O.transpose(g, c["inv"]),),
    "flip": lambda node, g, c: (O.flip(g, c["axis"]),),
    "moveaxis": lambda node, g, c: (O.moveaxis(g, c["destination"], c["source"]),),
    "swapaxes": lambda node, g, c: (O.swapaxes(g, c["axis1"], c["axis2"]),),
    "broadcast_to": lambda node, g, c: (_unbroadcast(g, c["s"]),),
    "concatenate": _concatenate,
    "stack": _stack,
    "tile": _tile,
    "split": lambda node, g, c: (Slot(c["key"], g, True),),
    "getitem": lambda node, g, c: (Slot(c["key"], g, c["basic"]),),
    "take_along_axis": lambda node, g, c: (Slot(c["key"], g, False),),
    "pad": lambda node, g, c: (O.getitem(g, c["key"]),),
    "copy": lambda node, g, c: (g,),
    "matmul": _matmul,
    "einsum": _einsum,
    "softmax": _softmax,
    "conv": _conv,
    "avg_pool": _pool,
    "max_pool": lambda node, g, c: _pool(node, g, c, mask=True),
    "take": _take,
    "log_softmax": _log_softmax,
    # this module's own nodes (third order and beyond)
    "scatter": lambda node, g, c: (O.getitem(g, c["key"]),),
    "identity": lambda node, g, c: (g,),
}
_RULES.update({name: _binary_rule for name in _BINARY})
_RULES.update({name: _unary_rule for name in _UNARY})


def _names_of_rule_functions():
    """The per-op rule functions of ``_unary``/``_binary`` ops -> the op's public name."""
    names = {}
    for module in (O, _E, nn):
        for name, f in vars(module).items():
            while callable(f) and getattr(f, "__closure__", None):
                c = _cells(f)
                for k in ("rx", "d"):
                    if callable(c.get(k)):
                        names.setdefault(c[k], name.lstrip("_"))
                f = c.get("base")
    return names


_NAME_OF = _names_of_rule_functions()
