"""The NumPy adapter on its own: values against plain float64 NumPy, every VJP
against central finite differences (float64 inputs), dtype rules, the tape."""
from __future__ import annotations

import math

import numpy as np
import pytest

from kerasette.backends import get
from kerasette.backends.base import conv_transpose_geometry, same_padding
from kerasette.backends.numpy.autodiff import Traced

B = get("numpy")
RNG = np.random.default_rng(0)


def rnd(*shape, lo=-1.0, hi=1.0):
    return np.asarray(RNG.uniform(lo, hi, shape))


def pos(*shape):
    return np.asarray(RNG.uniform(0.5, 2.0, shape))


def distinct(*shape):
    n = math.prod(shape)
    return np.asarray((RNG.permutation(n).reshape(shape) / n - 0.5) * 2 + 1 / (4 * n))


def fd_check(f, inputs, diff, eps=1e-6, rtol=1e-5, atol=1e-7):
    """Gradient of sum(f(...) * W) by value_and_grad versus central differences."""
    inputs = [np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
              for a in inputs]
    outs = f(*inputs)
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    ws = [RNG.normal(size=np.shape(B.to_numpy(o))) for o in outs]

    def loss_plain(*xs):
        os_ = f(*xs)
        os_ = os_ if isinstance(os_, (list, tuple)) else [os_]
        return sum(float(np.sum(np.asarray(B.to_numpy(o), np.float64) * w))
                   for o, w in zip(os_, ws) if B.dtype(o).startswith("float"))

    def fn(params):
        xs = list(inputs)
        for i, p in zip(diff, params):
            xs[i] = p
        os_ = f(*xs)
        os_ = os_ if isinstance(os_, (list, tuple)) else [os_]
        total = 0.0
        for o, w in zip(os_, ws):
            if B.dtype(o).startswith("float"):
                total = B.add(total, B.sum(B.multiply(o, w)))
        return total, os_

    (val, aux), grads = B.value_and_grad(fn)([inputs[i] for i in diff])
    np.testing.assert_allclose(float(val), loss_plain(*inputs), rtol=1e-10, atol=1e-10)
    for i, g in zip(diff, grads):
        assert g.shape == inputs[i].shape and g.dtype == inputs[i].dtype
        num = np.zeros_like(inputs[i])
        for j in np.ndindex(inputs[i].shape):
            xp = [a.copy() if k == i else a for k, a in enumerate(inputs)]
            xm = [a.copy() if k == i else a for k, a in enumerate(inputs)]
            xp[i][j] += eps
            xm[i][j] -= eps
            num[j] = (loss_plain(*xp) - loss_plain(*xm)) / (2 * eps)
        np.testing.assert_allclose(g, num, rtol=rtol, atol=atol * max(1, np.abs(num).max()),
                                   err_msg=f"gradient of input {i}")


def conv_ref(x, k, strides, padding, dilation, groups=1):
    """Direct (loop) N-D cross-correlation in float64."""
    nsp = x.ndim - 2
    s = (strides,) * nsp if isinstance(strides, int) else strides
    d = (dilation,) * nsp if isinstance(dilation, int) else dilation
    win = k.shape[:nsp]
    if padding == "same":
        pads = [same_padding(n, kk, ss, dd) for n, kk, ss, dd in zip(x.shape[1:-1], win, s, d)]
        x = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    outs = [(n - (kk - 1) * dd - 1) // ss + 1 for n, kk, ss, dd in zip(x.shape[1:-1], win, s, d)]
    cg, cout = k.shape[-2], k.shape[-1]
    og = cout // groups
    y = np.zeros((x.shape[0], *outs, cout))
    for o in np.ndindex(*outs):
        for kk in np.ndindex(*win):
            idx = tuple(oi * si + ki * di for oi, si, ki, di in zip(o, s, kk, d))
            patch = x[(slice(None),) + idx]  # (N, C)
            for gi in range(groups):
                y[(slice(None),) + o + (slice(gi * og, (gi + 1) * og),)] += \
                    patch[:, gi * cg:(gi + 1) * cg] @ k[kk][:, gi * og:(gi + 1) * og]
    return y


def pool_ref(x, size, strides, padding, kind):
    nsp = x.ndim - 2
    s = strides or size
    spatial = x.shape[1:-1]
    pads = ([same_padding(n, k, st) for n, k, st in zip(spatial, size, s)]
            if padding == "same" else [(0, 0)] * nsp)
    outs = [(n + b + a - k) // st + 1 for n, (b, a), k, st in zip(spatial, pads, size, s)]
    y = np.zeros((x.shape[0], *outs, x.shape[-1]))
    for o in np.ndindex(*outs):
        sl = tuple(slice(max(oi * st - b, 0), min(oi * st - b + k, n))
                   for oi, st, (b, _), k, n in zip(o, s, pads, size, spatial))
        w = x[(slice(None),) + sl + (slice(None),)].reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None),) + o] = w.max(1) if kind == "max" else w.mean(1)
    return y


# ------------------------------------------------------------------- values
UNARY = {
    "negative": (np.negative, rnd), "abs": (np.abs, rnd), "exp": (np.exp, rnd),
    "log": (np.log, pos), "log1p": (np.log1p, pos), "expm1": (np.expm1, rnd),
    "sqrt": (np.sqrt, pos), "square": (np.square, rnd), "sin": (np.sin, rnd),
    "cos": (np.cos, rnd), "tanh": (np.tanh, rnd),
    "erf": (np.vectorize(math.erf), lambda *s: rnd(*s, lo=-4, hi=4)),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), lambda *s: rnd(*s, lo=-30, hi=30)),
    "relu": (lambda x: np.maximum(x, 0), rnd),
    "softplus": (lambda x: np.log1p(np.exp(x)), lambda *s: rnd(*s, lo=-20, hi=20)),
    "reciprocal": (lambda x: 1 / x, pos), "rsqrt": (lambda x: 1 / np.sqrt(x), pos),
    "silu": (lambda x: x / (1 + np.exp(-x)), rnd), "softsign": (lambda x: x / (1 + abs(x)), rnd),
    "elu": (lambda x: np.where(x > 0, x, np.expm1(x)), rnd),
    "leaky_relu": (lambda x: np.where(x >= 0, x, 0.2 * x), rnd),
    "gelu": (lambda x: 0.5 * x * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3))), rnd),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name):
    ref, gen = UNARY[name]
    x = gen(3, 4)
    out = getattr(B, name)(x.astype(np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref(x.astype(np.float32).astype(np.float64)), rtol=2e-6, atol=1e-6)
    fd_check(getattr(B, name), [x], [0])


def test_erf_precision():
    x = np.concatenate([np.linspace(-7, 7, 2001), [0, 1e-8, -1e-5, 1.999999, 2.0, 2.000001]])
    np.testing.assert_allclose(B.erf(x), [math.erf(v) for v in x], rtol=1e-13, atol=1e-15)


BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
    "maximum": np.maximum, "minimum": np.minimum, "power": np.power,
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((2, 1, 4), (3, 1)), ((4,), ())])
def test_binary(name, shapes):
    x, y = (pos(*shapes[0]), pos(*shapes[1])) if name in ("power", "divide") else \
        (distinct(*shapes[0]), np.asarray(distinct(*shapes[1]) + 0.01))
    out = getattr(B, name)(x.astype(np.float32), y.astype(np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, BINARY[name](x.astype(np.float32).astype(np.float64),
                                                 y.astype(np.float32).astype(np.float64)), rtol=2e-6)
    fd_check(getattr(B, name), [x, y], [0, 1])


def test_binary_broadcast_error_names_op():
    with pytest.raises(ValueError, match=r"add.*\(2,\).*\(3,\)"):
        B.add(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="matmul"):
        B.matmul(np.ones((2, 3)), np.ones((2, 3)))


def test_dtype_rules():
    f32 = np.ones(3, np.float32)
    assert B.add(f32, 1.0).dtype == np.float32
    assert B.multiply(2.0, f32).dtype == np.float32
    assert B.divide(np.arange(3), 2).dtype == np.float32
    assert B.divide(np.arange(3, dtype=np.int32), np.arange(1, 4)).dtype == np.float32
    assert B.mean(np.arange(4)).dtype == np.float32
    assert B.add(np.ones(3), 1.0).dtype == np.float64
    assert B.convert(1.5).dtype == np.float32
    assert B.convert([1.0, 2.0]).dtype == np.float32
    assert B.convert(3).dtype == np.int32  # Python ints are int32, as Keras
    assert B.convert(True).dtype == np.bool_
    assert B.convert(np.ones(2)).dtype == np.float64
    assert B.dtype(B.convert(1.5)) == "float32"
    assert B.dtype(np.ones(2, np.int32)) == "int32"
    assert B.cast(np.array([-1.7, 1.7]), "int32").tolist() == [-1, 1]
    assert B.dtype(B.zeros((2,), "bfloat16")) == "bfloat16"  # through ml_dtypes
    assert B.sqrt(f32).dtype == np.float32
    assert B.softmax(f32).dtype == np.float32


# ---------------------------------------------------------------- reductions
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "logsumexp", "var", "std", "norm"])
@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, False), ((0, 2), True), (-1, True)])
def test_reductions(name, axis, keepdims):
    x = distinct(2, 3, 4) + 2.0 if name == "prod" else distinct(2, 3, 4)
    ref = {"logsumexp": lambda a, axis, keepdims: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims)),
           "norm": lambda a, axis, keepdims: np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))
           }.get(name) or getattr(np, name)
    f = lambda a: getattr(B, name)(a, axis=axis, keepdims=keepdims)  # noqa: E731
    np.testing.assert_allclose(f(x), ref(x, axis=axis, keepdims=keepdims), rtol=1e-12)
    fd_check(f, [x], [0])


def test_max_ties_share_and_prod_zero():
    x = np.array([[1.0, 3.0, 3.0], [0.0, 2.0, 5.0]])
    (_, _), (g,) = B.value_and_grad(lambda p: (B.sum(B.max(p[0], axis=1)), None))([x])
    np.testing.assert_allclose(g, [[0, 0.5, 0.5], [0, 0, 1]])
    (_, _), (g,) = B.value_and_grad(lambda p: (B.sum(B.prod(p[0], axis=1)), None))([x])
    np.testing.assert_allclose(g, [[9, 3, 3], [10, 0, 0]])


def test_cumsum_argmax_misc():
    x = distinct(3, 4)
    np.testing.assert_allclose(B.cumsum(x, axis=1), np.cumsum(x, 1))
    fd_check(lambda a: B.cumsum(a, axis=0), [x], [0])
    assert B.argmax(np.array([1, 3, 3])) == 1 and B.argmin(np.array([2, 0, 0])) == 1
    assert B.any(np.array([0, 1])) and not B.all(np.array([0, 1]))


# ------------------------------------------------------------------ shapes
SHAPE_OPS = [
    ("reshape", lambda a: B.reshape(a, (4, -1))),
    ("transpose", lambda a: B.transpose(a, (2, 0, 1))),
    ("transpose_none", lambda a: B.transpose(a)),
    ("expand_dims", lambda a: B.expand_dims(a, 1)),
    ("squeeze", lambda a: B.squeeze(B.reshape(a, (2, 1, 12)), axis=1)),
    ("concatenate", lambda a: B.concatenate([a, B.square(a), np.ones((2, 3, 4))], axis=1)),
    ("stack", lambda a: B.stack([a, B.exp(a)], axis=-1)),
    ("split", lambda a: B.split(a, [1, 3], axis=2)),
    ("split_eq", lambda a: B.split(a, 3, axis=1)),
    ("tile", lambda a: B.tile(a, (2, 1, 3))),
    ("tile_more", lambda a: B.tile(a, (2, 1, 1, 2))),
    ("repeat", lambda a: B.repeat(a, 3, axis=1)),
    ("repeat_none", lambda a: B.repeat(a, 2)),
    ("pad", lambda a: B.pad(a, ((1, 0), (0, 2), (1, 1)), constant_values=1.5)),
    ("getitem", lambda a: B.getitem(a, (slice(None), slice(2, None, -2), None, Ellipsis))),
    ("getitem_int", lambda a: B.getitem(a, (1, Ellipsis, slice(0, 4, 3)))),
    ("flip", lambda a: B.flip(a, axis=(0, 2))),
    ("broadcast_to", lambda a: B.broadcast_to(B.getitem(a, (slice(None), slice(0, 1))), (3, 2, 2, 4))),
    ("moveaxis", lambda a: B.moveaxis(a, 0, -1)),
    ("swapaxes", lambda a: B.swapaxes(a, 0, 2)),
    ("unstack", lambda a: B.unstack(a, axis=1)),
    ("take", lambda a: B.take(a, np.array([[0, 2], [2, 2]]), axis=1)),
    ("take_flat", lambda a: B.take(a, np.array([0, 5, 5, -1]))),
    ("take_along_axis", lambda a: B.take_along_axis(a, np.array([[[0], [2], [2]]] * 2), axis=2)),
    ("scatter_add", lambda a: B.scatter_add(a, np.array([1, 0, 1]), B.multiply(a[:1], 2.0) + np.zeros((3, 3, 4)))),
    ("top_k", lambda a: B.top_k(a, 2)),
    ("where", lambda a: B.where(a > 0, a, B.square(a))),
    ("clip", lambda a: B.clip(a, -0.3, 0.5)),
    ("one_hot_mul", lambda a: B.multiply(a, B.one_hot(np.array([1, 0, 3]), 4))),
    ("operators", lambda a: (-a + 1.0) * a / 2.0 - a ** 2 + (2.0 - a) @ np.ones((4, 2)) @ np.ones((2, 4)) + a.T.T),
    ("getitem_op", lambda a: a[1][0:2, ::-1]),
]


@pytest.mark.parametrize("name,f", SHAPE_OPS, ids=[n for n, _ in SHAPE_OPS])
def test_shape_ops_grad(name, f):
    x = distinct(2, 3, 4)
    fd_check(f, [x], [0])


def test_shape_values():
    x = distinct(2, 3, 4)
    np.testing.assert_array_equal(B.tile(x, (2, 1, 3)), np.tile(x, (2, 1, 3)))
    np.testing.assert_array_equal(B.getitem(x, (slice(None), slice(2, None, -2), None, Ellipsis)),
                                  x[:, 2::-2, None, ...])
    v, i = B.top_k(np.array([[1.0, 3.0, 3.0, 2.0]]), 3)
    assert i.tolist() == [[1, 2, 3]] and v.tolist() == [[3.0, 3.0, 2.0]]
    np.testing.assert_array_equal(B.scatter_add(np.zeros((3, 2)), np.array([0, 0, 2]), np.ones((3, 2))),
                                  [[2, 2], [0, 0], [1, 1]])
    assert [p.shape for p in B.split(x, [1, 3], axis=2)] == [(2, 3, 1), (2, 3, 2), (2, 3, 1)]


# ---------------------------------------------------------- linear algebra
@pytest.mark.parametrize("sx,sy", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)),
                                   ((2, 1, 3, 4), (3, 4, 2)), ((3, 4), (2, 4, 5)),
                                   ((4,), (4,)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,))])
def test_matmul(sx, sy):
    x, y = rnd(*sx), rnd(*sy)
    np.testing.assert_allclose(B.matmul(x, y), np.matmul(x, y))
    fd_check(B.matmul, [x, y], [0, 1])


@pytest.mark.parametrize("spec,shapes", [("ij,jk->ik", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
                                         ("ij->j", [(3, 4)]), ("i,j->ij", [(3,), (4,)]),
                                         ("...ij,jk", [(2, 3, 4), (4, 5)]), ("ij,ij,j->i", [(3, 4), (3, 4), (4,)]),
                                         ("ii->i", [(3, 3)]), ("iij,jk->ik", [(3, 3, 2), (2, 4)])])
def test_einsum(spec, shapes):
    xs = [rnd(*s) for s in shapes]
    np.testing.assert_allclose(B.einsum(spec, *xs), np.einsum(spec, *xs))
    fd_check(lambda *a: B.einsum(spec, *a), xs, list(range(len(xs))))


def test_tensordot():
    x, y = rnd(2, 3, 4), rnd(3, 4, 5)
    np.testing.assert_allclose(B.tensordot(x, y, 2), np.tensordot(x, y, 2))
    fd_check(lambda a, b: B.tensordot(a, b, ([1, 2], [0, 1])), [x, y], [0, 1])


# ------------------------------------------------------------- neural ops
def test_softmaxes():
    x = rnd(3, 5) * 5
    e = np.exp(x - x.max(-1, keepdims=True))
    np.testing.assert_allclose(B.softmax(x), e / e.sum(-1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(B.log_softmax(x, axis=0), x - np.log(np.exp(x).sum(0, keepdims=True)), rtol=1e-12)
    fd_check(lambda a: B.softmax(a, axis=0), [x], [0])
    fd_check(B.log_softmax, [x], [0])


CONVS = [
    ((2, 7, 3), (3, 3, 4), 1, "valid", 1, 1),
    ((2, 7, 4), (3, 2, 6), 2, "same", 1, 2),
    ((1, 6, 5, 2), (3, 2, 2, 3), (2, 1), "same", 1, 1),
    ((1, 7, 6, 2), (2, 3, 2, 2), 1, "valid", (2, 1), 1),
    ((1, 6, 6, 3), (3, 3, 1, 6), 1, "same", 1, 3),
    ((1, 5, 4, 4, 2), (2, 2, 3, 2, 2), (2, 1, 2), "same", 1, 1),
    ((2, 8, 8, 2), (3, 3, 2, 3), 3, "same", 2, 1),
]


@pytest.mark.parametrize("xs,ks,s,p,d,g", CONVS)
def test_conv(xs, ks, s, p, d, g):
    x, k = rnd(*xs), rnd(*ks)
    out = B.conv(x, k, s, p, dilation_rate=d)
    np.testing.assert_allclose(out, conv_ref(x, k, s, p, d, g), rtol=1e-12, atol=1e-12)
    fd_check(lambda a, b: B.conv(a, b, s, p, dilation_rate=d), [x, k], [0, 1])
    assert B.conv(x.astype(np.float32), k.astype(np.float32), s, p, dilation_rate=d).dtype == np.float32


def test_depthwise_conv():
    x, k = rnd(1, 5, 5, 3), rnd(3, 3, 3, 2)
    out = B.depthwise_conv(x, k, 1, "same")
    ref = np.concatenate([conv_ref(x[..., c:c + 1], k[:, :, c:c + 1, :], 1, "same", 1) for c in range(3)], -1)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    fd_check(lambda a, b: B.depthwise_conv(a, b, 2, "valid"), [x, k], [0, 1])


@pytest.mark.parametrize("xs,ks,s,p,op,d", [
    ((2, 4, 3), (3, 2, 3), 2, "valid", None, 1),
    ((2, 4, 3), (3, 2, 3), 2, "same", None, 1),
    ((1, 3, 4, 2), (3, 2, 3, 2), (2, 1), "valid", (1, 0), 1),
    ((1, 3, 3, 2), (4, 4, 2, 2), 2, "same", None, 1),
    ((1, 3, 3, 2), (3, 3, 2, 2), 1, "same", None, 2),
    ((1, 3, 2), (2, 3, 2), 3, "valid", None, 1),
])
def test_conv_transpose(xs, ks, s, p, op, d):
    x, k = rnd(*xs), rnd(*ks)
    out = B.conv_transpose(x, k, s, p, op, dilation_rate=d)
    nsp = len(xs) - 2
    st = (s,) * nsp if isinstance(s, int) else s
    opp = op or (None,) * nsp
    want = [conv_transpose_geometry(n, kk, ss, p, o, d)[0] for n, ss, kk, o in zip(xs[1:-1], st, ks[:nsp], opp)]
    assert out.shape == (xs[0], *want, ks[-2])
    # it is the adjoint of conv: <conv_transpose(x), z> == <x, conv(z)>
    z = rnd(*out.shape)
    lhs = np.sum(out * z)
    kc = k  # conv kernel (*window, c_in=c_out_t, c_out=c_in_t)
    if p == "same" and any(o for o in opp):
        pytest.skip("adjoint identity needs the output_padding cells cropped")
    rhs = np.sum(x * B.conv(z, kc, s, p, dilation_rate=d))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10)
    fd_check(lambda a, b: B.conv_transpose(a, b, s, p, op, dilation_rate=d), [x, k], [0, 1])


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("xs,size,s,p", [
    ((2, 7, 3), (2,), None, "valid"), ((2, 7, 3), (3,), (2,), "same"),
    ((1, 5, 6, 2), (2, 2), None, "same"), ((1, 5, 6, 2), (3, 2), (1, 2), "valid"),
    ((1, 4, 5, 3, 2), (2, 2, 2), (1, 2, 1), "same"),
])
def test_pool(kind, xs, size, s, p):
    x = distinct(*xs)
    f = (lambda a: B.max_pool(a, size, s, p)) if kind == "max" else (lambda a: B.avg_pool(a, size, s, p))
    np.testing.assert_allclose(f(x), pool_ref(x, size, s, p, kind), rtol=1e-12)
    fd_check(f, [x], [0])
    assert f(x.astype(np.float32)).dtype == np.float32


def test_lstm_gru_scan_grads():
    x = rnd(2, 3, 4)
    h0, c0 = rnd(2, 5), rnd(2, 5)
    k, rk, b = rnd(4, 20) * 0.5, rnd(5, 20) * 0.5, rnd(20) * 0.1
    fd_check(lambda *a: B.lstm(*a)[0], [x, h0, c0, k, rk, b], [0, 1, 2, 3, 4, 5])
    fd_check(lambda *a: B.lstm(*a, go_backwards=True)[1], [x, h0, c0, k, rk, b], [0, 3])
    kg, rkg, bg = rnd(4, 15) * 0.5, rnd(5, 15) * 0.5, rnd(2, 15) * 0.1
    fd_check(lambda *a: B.gru(*a)[0], [x, h0, kg, rkg, bg], [0, 1, 2, 3, 4])


def test_scan_tuple():
    xs = (rnd(4, 3), rnd(4, 3))

    def step(carry, x):
        a, b = x
        return (carry[0] * a + b, carry[1]), [carry[0] * 2.0, b]

    def f(c, a, b):
        (c1, _), (y1, y2) = B.scan(step, (c, np.ones(3)), (a, b))
        return c1, y1, y2

    fd_check(f, [rnd(3), *xs], [0, 1, 2])


# ------------------------------------------------------------- the tape
def test_value_and_grad_contract():
    w, u = np.ones((2, 2), np.float32), np.ones(3, np.float32)

    def fn(params, x):
        out = B.sum(B.matmul(x, params[0]))
        return out, {"out": [out, B.exp(params[0])], "n": 3}

    (v, aux), grads = B.value_and_grad(fn)([w, u], np.ones((1, 2), np.float32))
    assert float(v) == 4.0 and type(aux["out"][0]) is not Traced and aux["n"] == 3
    assert isinstance(aux["out"][1], np.ndarray)
    assert grads[0].dtype == np.float32 and grads[0].tolist() == [[1, 1], [1, 1]]
    assert grads[1].tolist() == [0, 0, 0] and grads[0].flags.writeable
    # stop_gradient cuts; ints carry no gradient; the same node used twice sums
    (v, _), (g,) = B.value_and_grad(lambda p: (B.sum(p[0] * B.stop_gradient(p[0]) + p[0]), None))([u])
    assert g.tolist() == [2, 2, 2]
    (v, _), (g,) = B.value_and_grad(lambda p: (B.sum(B.cast(B.cast(p[0], "int32"), "float32")), None))([u])
    assert g.tolist() == [0, 0, 0]


def test_traced_array_protocol():
    def fn(params):
        p = params[0]
        assert p.shape == (3,) and p.ndim == 1 and p.dtype == np.float32 and len(p) == 3
        assert B.is_array(p) and B.shape(p) == (3,) and B.dtype(p) == "float32"
        np.testing.assert_array_equal(B.to_numpy(p), [1, 2, 3])
        with pytest.raises(TypeError, match="traced"):
            np.asarray(p)
        q = np.ones(3, np.float32) + p  # ndarray on the left defers to Traced
        assert type(q) is Traced and type(p > 1) is np.ndarray
        a, b, c = p
        return a + b * c, None

    (v, _), (g,) = B.value_and_grad(fn)([np.array([1.0, 2.0, 3.0], np.float32)])
    assert float(v) == 7 and g.tolist() == [1, 3, 2]


def test_deep_graph_no_recursion():
    def fn(params):
        x = params[0]
        for _ in range(5000):
            x = x * 1.0001
        return B.sum(x), None

    (_, _), (g,) = B.value_and_grad(fn)([np.ones(2)])
    np.testing.assert_allclose(g, [1.0001 ** 5000] * 2)


def test_nested_value_and_grad_keeps_the_outer_tape():
    """An inner value_and_grad (its own leaves) inside an outer one: each gets its own
    gradients, and the inner one leaves the outer's nodes intact (closure included)."""
    def inner(params, outer_x):
        return B.sum(B.square(params[0]) * outer_x), None

    def outer(params):
        x = params[0] * 2.0  # an outer node the inner function closes over
        (v, _), (gy,) = B.value_and_grad(inner)([np.array([3.0], np.float32)], x)
        assert float(v) == 9.0 * 2.0 * 5.0 and B.stop_gradient(gy).tolist() == [2 * 3.0 * 10.0]
        return B.sum(x * x), None

    (v, _), (g,) = B.value_and_grad(outer)([np.array([5.0], np.float32)])
    assert float(v) == 100.0 and g.tolist() == [40.0]  # d(4 p^2)/dp = 8 p
    # nothing is left on a tape afterwards: a plain op builds no node
    assert type(B.add(np.ones(2, np.float32), 1.0)) is np.ndarray


def test_random_and_misc():
    a = B.random_uniform((3, 4), 7)
    assert a.dtype == np.float32 and np.array_equal(a, B.random_uniform((3, 4), np.array(7)))
    assert not np.array_equal(a, B.random_uniform((3, 4), 8))
    u = B.random_uniform((1000,), 1, -2.0, 3.0, "float64")
    assert u.dtype == np.float64 and u.min() >= -2 and u.max() < 3
    n = B.random_normal((4000,), 3, 1.0, 2.0)
    assert n.dtype == np.float32 and abs(n.mean() - 1) < 0.15 and abs(n.std() - 2) < 0.15
    t = B.truncated_normal((4000,), 3)
    assert np.abs(t).max() <= 2.0
    assert B.jit(len, compile=False) is len  # jit itself records and replays (test_numpy_replay.py)
    assert B.arange(5).dtype == np.int32 and B.eye(3).dtype == np.float32
    assert B.full((2,), 3.0, "int32").tolist() == [3, 3]
