"""Conformance cases for the control family (``kerasette/backends/contract/control.py``).

Values against float64 references, gradients (taken through ``jit(value_and_grad)``,
so on JAX through the traced ``lax`` primitives) against finite differences, and
Keras itself where it computes the same thing. jit-vs-eager agreement, traced
predicates and error cases are in ``test_control.py`` (``SPECIAL``).
"""
from __future__ import annotations

import numpy as np

from .cases import SPECIAL, add, away, bools, distinct, ints, m, u  # noqa: F401

I32 = np.int32


# ------------------------------------------------------------------- cond
def _cond(b, x):
    return b.cond(b.greater(b.sum(x), 0.0), lambda: b.sin(x), lambda: b.multiply(b.cos(x), 2.0))


def _cond_ref(x):
    return np.sin(x) if x.sum() > 0 else np.cos(x) * 2.0


def _cond_keras(k, x):
    return k.cond(k.sum(x) > 0, lambda: k.sin(x), lambda: k.cos(x) * 2.0)


add("cond", "true-branch", _cond, _cond_ref, [u((3, 4), 0.1, 1.0)], diff=[0], tol="trans", keras=_cond_keras)
add("cond", "false-branch", _cond, _cond_ref, [u((3, 4), -1.0, -0.1)], diff=[0], tol="trans", keras=_cond_keras)
add("cond", "python-bool-tuple-out",
    lambda b, x: b.cond(False, lambda: (x, x), lambda: (b.square(x), b.exp(x))),
    lambda x: (x ** 2, np.exp(x)), [u((2, 3))], diff=[0], tol="trans",
    keras=lambda k, x: k.cond(False, lambda: (x, x), lambda: (k.square(x), k.exp(x))))


# ----------------------------------------------------------------- switch
def _switch(b, i, x, y):
    return b.switch(i, [lambda v, w: b.sin(v), lambda v, w: b.multiply(v, w), lambda v, w: b.exp(w)], x, y)


def _switch_ref(i, x, y):
    i = min(max(int(i), 0), 2)
    return [np.sin(x), x * y, np.exp(y)][i]


def _switch_keras(k, i, x, y):
    return k.switch(i, [lambda v, w: k.sin(v), lambda v, w: v * w, lambda v, w: k.exp(w)], x, y)


for _label, _i in [("index-1", 1), ("index-0", 0), ("clamped-high", 7), ("clamped-low", -2)]:
    add("switch", _label, _switch, _switch_ref, [np.asarray(_i, I32), u((3,)), u((3,))], diff=[1, 2],
        tol="trans", keras=_switch_keras)


# ------------------------------------------------------------- while_loop
def _while(b, x):
    return b.while_loop(lambda i, v: b.less(i, 3), lambda i, v: (b.add(i, 1), b.add(b.multiply(v, 1.5), b.sin(v))),
                        (b.convert(0, "int32"), x))


def _while_ref(x):
    v = x
    for _ in range(3):
        v = v * 1.5 + np.sin(v)
    return np.int32(3), v


add("while_loop", "counter-tuple", _while, _while_ref, [u((2, 3))], tol="trans",
    keras=lambda k, x: k.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * 1.5 + k.sin(v)), (0, x)))


def _while_max(b, x):
    # stops on the value test before maximum_iterations, differentiable on every engine
    return b.while_loop(lambda v: b.less(b.sum(b.abs(v)), 20.0), lambda v: b.add(b.multiply(v, 1.7), 0.1), x,
                        maximum_iterations=10)


def _while_max_ref(x):
    v, n = x, 0
    while n < 10 and np.abs(v).sum() < 20.0:
        v, n = v * 1.7 + 0.1, n + 1
    return v


# Keras's JAX while_loop is lax.while_loop (not reverse-differentiable): the Keras
# oracle checks values only, in the diff-free copies
add("while_loop", "value-test-with-maximum-iterations", _while_max, _while_max_ref, [u((2, 2), 0.5, 1.0)],
    diff=[0], tol="reduce")
add("while_loop", "value-test-with-maximum-iterations-keras", _while_max, _while_max_ref,
    [u((2, 2), 0.5, 1.0)], tol="reduce",
    keras=lambda k, x: k.while_loop(lambda v: k.sum(k.abs(v)) < 20.0, lambda v: v * 1.7 + 0.1, x,
                                    maximum_iterations=10))
add("while_loop", "maximum-iterations-stops",
    lambda b, x: b.while_loop(lambda v: True, lambda v: b.sin(v), x, maximum_iterations=3),
    lambda x: np.sin(np.sin(np.sin(x))), [u((4,))], diff=[0], tol="trans")


# ---------------------------------------------------------- fori / scan
add("fori_loop", "index-as-float",
    lambda b, x: b.fori_loop(1, 4, lambda i, v: b.add(b.multiply(v, b.cast(i, "float32")), b.sin(v)), x),
    lambda x: (lambda v: v)(_fori_ref(x)), [u((3,))], diff=[0], tol="trans",
    keras=lambda k, x: k.fori_loop(1, 4, lambda i, v: v * k.cast(i, "float32") + k.sin(v), x))


def _fori_ref(x):
    v = x
    for i in range(1, 4):
        v = v * i + np.sin(v)
    return v


def _scan_rev(b, c0, xs):
    return b.scan(lambda c, x: (b.add(b.multiply(c, 0.5), x), b.multiply(c, x)), c0, xs, reverse=True)


def _scan_rev_ref(c0, xs):
    c, ys = c0, [None] * len(xs)
    for t in range(len(xs) - 1, -1, -1):
        ys[t] = c * xs[t]
        c = c * 0.5 + xs[t]
    return c, np.stack(ys)


add("scan", "reverse", _scan_rev, _scan_rev_ref, [u((3,)), u((4, 3))], diff=[0, 1], tol="reduce",
    keras=lambda k, c0, xs: k.scan(lambda c, x: (c * 0.5 + x, c * x), c0, xs, reverse=True))
add("scan", "length-no-xs",
    lambda b, c0: b.scan(lambda c, x: (b.sin(c), b.multiply(c, 2.0)), c0, None, length=3),
    lambda c0: (np.sin(np.sin(np.sin(c0))), np.stack([c0 * 2, np.sin(c0) * 2, np.sin(np.sin(c0)) * 2])),
    [u((2,))], diff=[0], tol="trans",
    keras=lambda k, c0: k.scan(lambda c, x: (k.sin(c), c * 2.0), c0, None, length=3))
add("scan", "dict-xs-unroll",
    lambda b, c0, a, w: b.scan(lambda c, x: (b.add(c, b.multiply(x["a"], x["w"])), None), c0,
                               {"w": w, "a": a}, unroll=2)[0],
    lambda c0, a, w: c0 + (a * w).sum(0), [u((2,)), u((5, 2)), u((5, 2))], diff=[0, 1, 2], tol="reduce",
    keras=lambda k, c0, a, w: k.scan(lambda c, x: (c + x["a"] * x["w"], None), c0, {"w": w, "a": a}, unroll=2)[0])


# -------------------------------------------------------------- map family
add("map", "dict-input",
    lambda b, x, y: b.map(lambda d: b.multiply(d["x"], b.sum(d["y"])), {"x": x, "y": y}),
    lambda x, y: x * y.sum(1, keepdims=True), [u((4, 3)), u((4, 2))], diff=[0, 1], tol="reduce",
    keras=lambda k, x, y: k.map(lambda d: d["x"] * k.sum(d["y"]), {"x": x, "y": y}))
add("vectorized_map", "array",
    lambda b, x, w: b.vectorized_map(lambda r: b.matmul(w, r), x),
    lambda x, w: x @ w.T, [u((5, 3)), u((2, 3))], diff=[0, 1], tol="reduce",
    keras=lambda k, x, w: k.vectorized_map(lambda r: k.matmul(w, r), x))
add("vectorized_map", "tuple-elements",
    lambda b, x, y: b.vectorized_map(lambda t: b.multiply(b.sin(t[0]), t[1]), (x, y)),
    lambda x, y: np.sin(x) * y, [u((4, 2)), u((4, 2))], diff=[0, 1], tol="trans",
    keras=lambda k, x, y: k.vectorized_map(lambda t: k.sin(t[0]) * t[1], (x, y)))
add("vectorize", "signature-matvec",
    lambda b, a, v: b.vectorize(lambda p, q: b.matmul(p, q), signature="(m,n),(n)->(m)")(a, v),
    lambda a, v: a @ v, [u((2, 3, 4)), u((4,))], diff=[0, 1], tol="reduce",
    keras=lambda k, a, v: k.vectorize(lambda p, q: k.matmul(p, q), signature="(m,n),(n)->(m)")(a, v))
add("vectorize", "elementwise-broadcast",
    lambda b, x, y: b.vectorize(lambda p, q: b.add(b.sin(p), b.multiply(p, q)))(x, y),
    lambda x, y: np.sin(x) + x * y, [u((2, 3)), u((3,))], diff=[0, 1], tol="trans",
    keras=lambda k, x, y: k.vectorize(lambda p, q: k.sin(p) + p * q)(x, y))
add("vectorize", "two-outputs-excluded",
    lambda b, x, s: b.vectorize(lambda p, scale: (b.sum(p) * scale, b.max(p)), excluded={1},
                                signature="(n)->(),()")(x, 3.0),
    lambda x, s: (x.sum(-1) * 3.0, x.max(-1)), [distinct((2, 4)), np.float32(0)], diff=[0], tol="reduce",
    keras=lambda k, x, s: k.vectorize(lambda p, scale: (k.sum(p) * scale, k.max(p)), excluded={1},
                                      signature="(n)->(),()")(x, 3.0))


# ------------------------------------------------------- associative_scan
def _lin(k):
    # the linear recurrence h_t = a_t h_{t-1} + b_t as an associative (non-commutative) combine
    return lambda e1, e2: (k.multiply(e1[0], e2[0]), k.add(k.multiply(e2[0], e1[1]), e2[1]))


def _lin_ref(a, bb, reverse=False):
    if reverse:
        a, bb = a[::-1], bb[::-1]
    h, acc_a, hs, As = np.zeros_like(bb[0]), np.ones_like(a[0]), [], []
    for t in range(len(a)):
        h = a[t] * h + bb[t]
        acc_a = acc_a * a[t]
        hs.append(h)
        As.append(acc_a)
    As, hs = np.stack(As), np.stack(hs)
    return (As[::-1], hs[::-1]) if reverse else (As, hs)


for _n in (1, 5, 8):
    add("associative_scan", f"add-n{_n}", lambda b, x: b.associative_scan(b.add, x),
        lambda x: np.cumsum(x, 0), [u((_n, 2))], diff=[0], tol="reduce",
        keras=lambda k, x: k.associative_scan(k.add, x))
add("associative_scan", "multiply-axis1-reverse",
    lambda b, x: b.associative_scan(b.multiply, x, reverse=True, axis=1),
    lambda x: np.flip(np.cumprod(np.flip(x, 1), 1), 1), [u((2, 7), 0.5, 1.5)], diff=[0], tol="reduce",
    keras=lambda k, x: k.associative_scan(k.multiply, x, reverse=True, axis=1))
for _rev in (False, True):
    add("associative_scan", f"linear-recurrence-pytree{'-reverse' if _rev else ''}",
        lambda b, a, c, rev=_rev: b.associative_scan(_lin(b), (a, c), reverse=rev),
        lambda a, c, rev=_rev: _lin_ref(a, c, rev), [u((6, 2), 0.5, 1.2), u((6, 2))], diff=[0, 1],
        tol="reduce", keras=lambda k, a, c, rev=_rev: k.associative_scan(_lin(k), (a, c), reverse=rev))


# ---------------------------------------------------------- custom_gradient
def _softplus_custom(k):
    @k.custom_gradient
    def softplus(x):
        e = k.exp(x)

        def grad(*args, upstream=None):  # Keras's documented form: works with either convention
            if upstream is None:
                (upstream,) = args
            return k.multiply(upstream, k.divide(e, k.add(e, 1.0)))

        return k.log(k.add(e, 1.0)), grad

    return softplus


add("custom_gradient", "softplus-true-grad", lambda b, x: _softplus_custom(b)(x), lambda x: np.log1p(np.exp(x)),
    [u((3, 2))], diff=[0], tol="trans", keras=lambda k, x: _softplus_custom(k)(x))


def _straight_through(k):
    @k.custom_gradient
    def st_round(x):
        return k.round(x), lambda upstream: upstream  # JAX-style grad_fn(upstream)

    return st_round


add("custom_gradient", "straight-through-round", lambda b, x: _straight_through(b)(b.multiply(x, 3.0)),
    lambda x: np.round(x * 3.0), [u((4,)) + np.float32(0.013)], diff=[0], tol="simple",
    ref_grad=lambda ws, x: [ws[0] * 3.0], keras=lambda k, x: _straight_through(k)(x * 3.0))


def _two_in_two_out(k):
    @k.custom_gradient
    def f(x, y):
        def grad(x_, y_, upstream):  # PyTorch-style grad_fn(*args, upstream=...)
            g1, g2 = upstream
            return (k.add(k.multiply(g1, y_), g2), k.multiply(g1, x_))

        return (k.multiply(x, y), k.add(x, 0.0)), grad

    return f


add("custom_gradient", "two-inputs-two-outputs-torch-style", lambda b, x, y: _two_in_two_out(b)(x, y),
    lambda x, y: (x * y, x), [u((3,)), u((3,))], diff=[0, 1], tol="simple")


# --------------------------------------------------------------------- jvp
add("jvp", "sin-times-x",
    lambda b, x, t: b.jvp(lambda v: b.multiply(b.sin(v), v), (x,), (t,)),
    lambda x, t: (np.sin(x) * x, (np.cos(x) * x + np.sin(x)) * t), [u((2, 3)), u((2, 3))], tol="trans",
    keras=lambda k, x, t: k.jvp(lambda v: k.sin(v) * v, (x,), (t,)))
add("jvp", "two-primals-aux",
    lambda b, x, y, tx, ty: b.jvp(lambda p, q: (b.matmul(p, q), b.sum(p)), (x, y), (tx, ty), has_aux=True),
    lambda x, y, tx, ty: (x @ y, tx @ y + x @ ty, x.sum()), [u((2, 3)), u((3, 2)), u((2, 3)), u((3, 2))],
    tol="reduce",
    keras=lambda k, x, y, tx, ty: k.jvp(lambda p, q: (k.matmul(p, q), k.sum(p)), (x, y), (tx, ty), has_aux=True))

SPECIAL.update({
    "cond": ["test_cond_traced_predicate_under_jit", "test_control_jit_matches_eager"],
    "while_loop": ["test_while_loop_under_jit_traced_bound", "test_control_jit_matches_eager"],
    "custom_gradient": ["test_custom_gradient_under_jit"],
})
