"""The JAX adapter against NumPy float64 references.

Values at float32 tolerance; gradients (JAX, float32) against central finite
differences of the float64 NumPy reference; the key ops again under ``jit``.
The file imports no ``jax``: everything goes through the adapter.
(No ``__init__.py`` here on purpose: a test package named ``jax`` would shadow JAX.)
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from kerasette.backends import base

pytest.importorskip("jax")

from kerasette.backends import get  # noqa: E402


@pytest.fixture(scope="module")
def b():
    return get("jax")


RNG = np.random.default_rng(0)
RTOL, ATOL = 1e-5, 1e-5
GRAD_RTOL, GRAD_ATOL = 2e-3, 2e-4


def rand(*shape, low=None):
    a = RNG.standard_normal(shape)
    return np.abs(a) + low if low is not None else a


def as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def fd_grad(ref, args, argnum, weights, eps=1e-6):
    """d sum(w * ref(args)) / d args[argnum] by central differences (float64)."""
    args = [np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in args]
    x = args[argnum]
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = sum(np.sum(w * o) for w, o in zip(weights, as_list(ref(*args))))
        x[idx] = old - eps
        down = sum(np.sum(w * o) for w, o in zip(weights, as_list(ref(*args))))
        x[idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g


def check(b, op, ref, args, grad=(0,), rtol=RTOL, atol=ATOL):
    """``op(b, *engine_args)`` vs ``ref(*float64 args)``; gradients of the listed argnums."""
    expected = as_list(ref(*args))
    jargs = [b.convert(a) if isinstance(a, np.ndarray) else a for a in args]
    got = as_list(op(b, *jargs))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        gn = b.to_numpy(g)
        assert gn.shape == np.shape(e), (gn.shape, np.shape(e))
        np.testing.assert_allclose(gn.astype(np.float64) if gn.dtype != bool else gn, e,
                                   rtol=rtol, atol=atol)
    if not grad:
        return
    weights = [RNG.standard_normal(np.shape(e)) for e in expected]

    def loss(params, *rest):
        full = list(jargs)
        for i, p in zip(grad, params):
            full[i] = p
        outs = as_list(op(b, *full))
        total = sum(b.sum(b.multiply(o, b.convert(w, "float32"))) for o, w in zip(outs, weights))
        return total, None

    (_, _), grads = b.value_and_grad(loss)([jargs[i] for i in grad])
    assert isinstance(grads, list) and len(grads) == len(grad)
    for i, gj in zip(grad, grads):
        np.testing.assert_allclose(b.to_numpy(gj), fd_grad(ref, args, i, weights),
                                   rtol=GRAD_RTOL, atol=GRAD_ATOL, err_msg=f"grad of arg {i}")


# ------------------------------------------------------------ element-wise
def _erf(x):
    return np.vectorize(math.erf)(x)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _elu(x, a=1.0):
    return np.where(x > 0, x, a * np.expm1(np.minimum(x, 0)))


UNARY = {
    "negative": (lambda b, x: b.negative(x), np.negative, None),
    "abs": (lambda b, x: b.abs(x), np.abs, None),
    "exp": (lambda b, x: b.exp(x), np.exp, None),
    "log": (lambda b, x: b.log(x), np.log, 0.5),
    "log1p": (lambda b, x: b.log1p(x), np.log1p, 0.1),
    "expm1": (lambda b, x: b.expm1(x), np.expm1, None),
    "sqrt": (lambda b, x: b.sqrt(x), np.sqrt, 0.5),
    "square": (lambda b, x: b.square(x), np.square, None),
    "sin": (lambda b, x: b.sin(x), np.sin, None),
    "cos": (lambda b, x: b.cos(x), np.cos, None),
    "tanh": (lambda b, x: b.tanh(x), np.tanh, None),
    "erf": (lambda b, x: b.erf(x), _erf, None),
    "sigmoid": (lambda b, x: b.sigmoid(x), _sigmoid, None),
    "relu": (lambda b, x: b.relu(x), lambda x: np.maximum(x, 0), None),
    "softplus": (lambda b, x: b.softplus(x), lambda x: np.logaddexp(0, x), None),
    "reciprocal": (lambda b, x: b.reciprocal(x), lambda x: 1 / x, 0.5),
    "rsqrt": (lambda b, x: b.rsqrt(x), lambda x: 1 / np.sqrt(x), 0.5),
    "softsign": (lambda b, x: b.softsign(x), lambda x: x / (1 + np.abs(x)), None),
    "elu": (lambda b, x: b.elu(x, 0.7), lambda x: _elu(x, 0.7), None),
    "selu": (lambda b, x: b.selu(x),
             lambda x: 1.0507009873554805 * _elu(x, 1.6732632423543772), None),
    "leaky_relu": (lambda b, x: b.leaky_relu(x), lambda x: np.where(x >= 0, x, 0.2 * x), None),
    "relu6": (lambda b, x: b.relu6(x * 4), lambda x: np.clip(x * 4, 0, 6), None),
    "silu": (lambda b, x: b.silu(x), lambda x: x * _sigmoid(x), None),
    "gelu_tanh": (lambda b, x: b.gelu(x),
                  lambda x: 0.5 * x * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3))), None),
    "gelu_erf": (lambda b, x: b.gelu(x, approximate=False),
                 lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))), None),
    "hard_sigmoid": (lambda b, x: b.hard_sigmoid(x * 4), lambda x: np.clip(x * 4 / 6 + 0.5, 0, 1), None),
    "hard_silu": (lambda b, x: b.hard_silu(x * 4),
                  lambda x: x * 4 * np.clip(x * 4 / 6 + 0.5, 0, 1), None),
    "clip": (lambda b, x: b.clip(x, -0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7), None),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(b, name):
    op, ref, low = UNARY[name]
    check(b, op, ref, [rand(3, 4, low=low)])


@pytest.mark.parametrize("name,ref", [("sign", np.sign), ("round", np.round),
                                      ("floor", np.floor), ("ceil", np.ceil)])
def test_zero_gradient_unary(b, name, ref):
    x = np.array([-2.5, -1.5, -0.4, 0.0, 0.5, 1.5, 2.5, 3.7])
    check(b, lambda b, x: getattr(b, name)(x), ref, [x], grad=())
    (_, _), (g,) = b.value_and_grad(lambda p: (b.sum(getattr(b, name)(p[0])), None))([b.convert(x)])
    assert np.all(b.to_numpy(g) == 0)


BINARY = {
    "add": (np.add, None), "subtract": (np.subtract, None), "multiply": (np.multiply, None),
    "divide": (np.divide, 0.5), "power": (np.power, 0.5),
    "maximum": (np.maximum, None), "minimum": (np.minimum, None),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_broadcasting(b, name):
    ref, low = BINARY[name]
    check(b, lambda b, x, y: getattr(b, name)(x, y), ref, [rand(3, 4, low=low), rand(4, low=low)],
          grad=(0, 1))
    check(b, lambda b, x, y: getattr(b, name)(x, y), ref, [rand(2, 1, 3, low=low), rand(4, 1, low=low)],
          grad=(0, 1))


def test_python_scalars_take_the_array_dtype(b):
    x = b.convert(np.ones(3, np.float32))
    assert b.dtype(b.add(x, 2.5)) == "float32"
    assert b.dtype(b.multiply(b.convert(np.ones(3), "bfloat16"), 2.0)) == "bfloat16"
    assert b.dtype(b.add(b.convert(np.ones(3, np.int32)), 2)) == "int32"
    assert b.dtype(b.divide(b.convert(np.arange(3)), 2)) == "float32"
    assert b.dtype(b.mean(b.convert(np.arange(3)))) == "float32"


def test_floor_divide_mod_where(b):
    x, y = np.array([-7.0, -3.5, 5.0, 7.0]), np.array([2.0, -2.0, 3.0, -3.0])
    check(b, lambda b, x, y: b.floor_divide(x, y), np.floor_divide, [x, y], grad=())
    check(b, lambda b, x, y: b.mod(x, y), np.mod, [x, y], grad=())
    xi, yi = x.astype(np.int32), y.astype(np.int32)
    np.testing.assert_array_equal(b.to_numpy(b.mod(b.convert(xi), b.convert(yi))), np.mod(xi, yi))
    cond = RNG.standard_normal((3, 4)) > 0
    check(b, lambda b, c, x, y: b.where(c, x, y), np.where, [cond, rand(3, 4), rand(4)], grad=(1, 2))


def test_comparisons_and_logic(b):
    x, y = np.array([1.0, 2.0, 3.0, np.nan]), np.array([2.0, 2.0, 1.0, 0.0])
    for name in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal"):
        got = b.to_numpy(getattr(b, name)(b.convert(x), b.convert(y)))
        assert got.dtype == bool
        np.testing.assert_array_equal(got, getattr(np, name)(x, y))
    p, q = np.array([True, True, False, False]), np.array([True, False, True, False])
    for name in ("logical_and", "logical_or"):
        np.testing.assert_array_equal(b.to_numpy(getattr(b, name)(b.convert(p), b.convert(q))),
                                      getattr(np, name)(p, q))
    np.testing.assert_array_equal(b.to_numpy(b.logical_not(b.convert(p))), ~p)
    z = np.array([1.0, np.nan, np.inf, -np.inf])
    np.testing.assert_array_equal(b.to_numpy(b.isnan(b.convert(z))), np.isnan(z))
    np.testing.assert_array_equal(b.to_numpy(b.isfinite(b.convert(z))), np.isfinite(z))


def test_kink_gradients(b):
    """The tie and kink rules the contract spells out."""
    def grad(f, x):
        (_, _), (g,) = b.value_and_grad(lambda p: (b.sum(f(p[0])), None))([b.convert(np.asarray(x))])
        return b.to_numpy(g)
    x = [-1.0, 0.0, 1.0, 2.0]
    np.testing.assert_array_equal(grad(b.abs, x), [-1, 0, 1, 1])
    np.testing.assert_array_equal(grad(b.relu, x), [0, 0, 1, 1])
    np.testing.assert_array_equal(grad(lambda t: b.maximum(t, 1.0), x), [0, 0, 1, 1])
    np.testing.assert_array_equal(grad(lambda t: b.maximum(1.0, t), x), [0, 0, 0, 1])
    np.testing.assert_array_equal(grad(lambda t: b.minimum(t, 1.0), x), [1, 1, 1, 0])
    np.testing.assert_array_equal(grad(lambda t: b.minimum(1.0, t), x), [1, 1, 0, 0])
    np.testing.assert_array_equal(grad(lambda t: b.clip(t, 0.0, 1.0), x), [0, 1, 1, 0])
    np.testing.assert_allclose(grad(b.max, [1.0, 3.0, 3.0]), [0, 0.5, 0.5])
    np.testing.assert_allclose(grad(b.min, [1.0, 1.0, 3.0]), [0.5, 0.5, 0])
    nan = b.to_numpy(b.maximum(b.convert([np.nan, 1.0]), b.convert([0.0, np.nan])))
    assert np.isnan(nan).all()


# ---------------------------------------------------------------- reductions
AXES = [None, 0, -1, (0, 2)]


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name,ref", [
    ("sum", np.sum), ("mean", np.mean), ("max", np.max), ("min", np.min), ("prod", np.prod),
    ("var", np.var), ("std", np.std),
    ("logsumexp", lambda x, axis=None, keepdims=False:
        np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))),
    ("norm", lambda x, axis=None, keepdims=False:
        np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))),
])
def test_reductions(b, name, ref, axis, keepdims):
    check(b, lambda b, x: getattr(b, name)(x, axis=axis, keepdims=keepdims),
          lambda x: ref(x, axis=axis, keepdims=keepdims), [rand(2, 3, 4)])


def test_logsumexp_extremes(b):
    x = np.array([[1000.0, 1000.0], [-np.inf, -np.inf], [-1000.0, 0.0]])
    got = b.to_numpy(b.logsumexp(b.convert(x), axis=1))
    np.testing.assert_allclose(got, [1000 + np.log(2), -np.inf, 0.0], rtol=1e-6)


def test_arg_and_bool_reductions(b):
    x = np.array([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]])
    for name in ("argmax", "argmin"):
        for axis in (0, 1, -1):
            got = b.to_numpy(getattr(b, name)(b.convert(x), axis=axis))
            np.testing.assert_array_equal(got, getattr(np, name)(x, axis=axis))
            assert got.dtype.kind == "i"
    m = x > 4
    for name in ("any", "all"):
        for axis in (None, 0, 1):
            for kd in (False, True):
                np.testing.assert_array_equal(
                    b.to_numpy(getattr(b, name)(b.convert(m), axis=axis, keepdims=kd)),
                    getattr(np, name)(m, axis=axis, keepdims=kd))
    for axis in (0, 1, -1):
        check(b, lambda b, t: b.cumsum(t, axis=axis), lambda t: np.cumsum(t, axis=axis), [rand(3, 4)])


# ------------------------------------------------------------------ shape ops
SHAPE_CASES = {
    "reshape": (lambda b, x: b.reshape(x, (4, -1)), lambda x: x.reshape(4, -1)),
    "transpose": (lambda b, x: b.transpose(x), lambda x: x.T),
    "transpose_axes": (lambda b, x: b.transpose(x, (1, 2, 0)), lambda x: x.transpose(1, 2, 0)),
    "expand_dims": (lambda b, x: b.expand_dims(x, -2), lambda x: np.expand_dims(x, -2)),
    "squeeze": (lambda b, x: b.squeeze(b.reshape(x, (2, 1, 3, 1, 4))),
                lambda x: np.squeeze(x.reshape(2, 1, 3, 1, 4))),
    "squeeze_axis": (lambda b, x: b.squeeze(b.reshape(x, (2, 1, 3, 1, 4)), 1),
                     lambda x: np.squeeze(x.reshape(2, 1, 3, 1, 4), 1)),
    "concatenate": (lambda b, x: b.concatenate([x, b.square(x)], axis=1),
                    lambda x: np.concatenate([x, x * x], axis=1)),
    "stack": (lambda b, x: b.stack([x, b.square(x)], axis=-1), lambda x: np.stack([x, x * x], -1)),
    "split": (lambda b, x: b.split(x, 2, axis=2), lambda x: np.split(x, 2, axis=2)),
    "split_points": (lambda b, x: b.split(x, [1, 3], axis=-1), lambda x: np.split(x, [1, 3], axis=-1)),
    "tile": (lambda b, x: b.tile(x, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3))),
    "repeat": (lambda b, x: b.repeat(x, 2, axis=1), lambda x: np.repeat(x, 2, axis=1)),
    "repeat_flat": (lambda b, x: b.repeat(x, 3), lambda x: np.repeat(x, 3)),
    "pad": (lambda b, x: b.pad(x, ((1, 0), (0, 2), (1, 1)), constant_values=0.5),
            lambda x: np.pad(x, ((1, 0), (0, 2), (1, 1)), constant_values=0.5)),
    "getitem_int": (lambda b, x: b.getitem(x, 1), lambda x: x[1]),
    "getitem_slices": (lambda b, x: b.getitem(x, (slice(None), slice(None, None, -2), slice(1, 3))),
                       lambda x: x[:, ::-2, 1:3]),
    "getitem_none_ellipsis": (lambda b, x: b.getitem(x, (None, Ellipsis, -1)), lambda x: x[None, ..., -1]),
    "flip": (lambda b, x: b.flip(x, axis=1), lambda x: np.flip(x, axis=1)),
    "flip_tuple": (lambda b, x: b.flip(x, axis=(0, 2)), lambda x: np.flip(x, axis=(0, 2))),
    "flip_all": (lambda b, x: b.flip(x), lambda x: np.flip(x)),
    "broadcast_to": (lambda b, x: b.broadcast_to(b.getitem(x, (0, slice(0, 1))), (5, 3, 4)),
                     lambda x: np.broadcast_to(x[0, 0:1], (5, 3, 4))),
    "moveaxis": (lambda b, x: b.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1)),
    "swapaxes": (lambda b, x: b.swapaxes(x, 0, 2), lambda x: np.swapaxes(x, 0, 2)),
    "unstack": (lambda b, x: b.unstack(x, axis=1), lambda x: [x[:, i] for i in range(3)]),
}


@pytest.mark.parametrize("name", sorted(SHAPE_CASES))
def test_shape_ops(b, name):
    op, ref = SHAPE_CASES[name]
    check(b, op, ref, [rand(2, 3, 4)])


# ------------------------------------------------------------------- indexing
def test_take(b):
    idx = np.array([[2, 0], [2, -1]])
    check(b, lambda b, x: b.take(x, b.convert(idx)), lambda x: np.take(x, idx), [rand(3, 4)])
    for axis in (0, 1, -1):
        i = np.array([1, 1, 0])
        check(b, lambda b, x: b.take(x, b.convert(i), axis=axis), lambda x: np.take(x, i, axis=axis),
              [rand(3, 4, 2)])


def test_take_along_axis(b):
    x = rand(3, 4)
    idx = np.argsort(x, axis=1)[:, ::-1][:, :2].copy()
    idx[0, 1] = idx[0, 0]  # a repeated index
    check(b, lambda b, t: b.take_along_axis(t, b.convert(idx), axis=1),
          lambda t: np.take_along_axis(t, idx, axis=1), [x])


def test_scatter_add(b):
    idx = np.array([0, 2, 0, 3])

    def ref(x, u):
        out = x.copy()
        np.add.at(out, idx, u)
        return out
    check(b, lambda b, x, u: b.scatter_add(x, b.convert(idx), u), ref, [rand(5, 3), rand(4, 3)],
          grad=(0, 1))


def test_top_k(b):
    x = rand(3, 6)
    vals, idx = b.top_k(b.convert(x), 3)
    order = np.argsort(-x, axis=-1)[:, :3]
    np.testing.assert_array_equal(b.to_numpy(idx), order)
    check(b, lambda b, t: b.top_k(t, 3)[0], lambda t: np.take_along_axis(t, order, -1), [x])


def test_one_hot(b):
    idx = np.array([[0, 3], [-1, 4]])
    got = b.to_numpy(b.one_hot(b.convert(idx), 4))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, (idx[..., None] == np.arange(4)).astype(np.float32))
    assert b.dtype(b.one_hot(b.convert(idx), 4, dtype="int32")) == "int32"


# ------------------------------------------------------------- linear algebra
def test_matmul_einsum_tensordot(b):
    check(b, lambda b, x, y: b.matmul(x, y), np.matmul, [rand(2, 1, 3, 4), rand(5, 4, 2)], grad=(0, 1))
    check(b, lambda b, x, y: b.matmul(x, y), np.matmul, [rand(4), rand(4, 3)], grad=(0, 1))
    check(b, lambda b, x, y: b.einsum("bij,jk->bki", x, y), lambda x, y: np.einsum("bij,jk->bki", x, y),
          [rand(2, 3, 4), rand(4, 5)], grad=(0, 1))
    for axes in (1, ((0, 2), (1, 0)), 0):
        check(b, lambda b, x, y: b.tensordot(x, y, axes),
              lambda x, y: np.tensordot(x, y, axes),
              [rand(3, 2, 4), rand(4, 3)] if axes != ((0, 2), (1, 0)) else [rand(3, 2, 4), rand(4, 3, 5)],
              grad=(0, 1))


# ---------------------------------------------------------------- neural ops
def test_softmax(b):
    def sm(x, axis):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    for axis in (-1, 0, 1):
        check(b, lambda b, x: b.softmax(x, axis), lambda x: sm(x, axis), [rand(2, 3, 4)])
        check(b, lambda b, x: b.log_softmax(x, axis), lambda x: np.log(sm(x, axis)), [rand(2, 3, 4)])
    big = np.array([[1000.0, 0.0, -1000.0]])
    np.testing.assert_allclose(b.to_numpy(b.softmax(b.convert(big))), [[1, 0, 0]], atol=1e-7)
    np.testing.assert_allclose(b.to_numpy(b.log_softmax(b.convert(big))), [[0, -1000, -2000]])


def _pads(spatial, window, strides, dilation, padding):
    if padding == "same":
        return [base.same_padding(n, k, s, d) for n, k, s, d in zip(spatial, window, strides, dilation)]
    return [(0, 0)] * len(spatial)


def np_conv(x, k, strides, padding, dilation, groups=1):
    n = x.ndim - 2
    s, d = base.normalize_tuple(strides, n, "s"), base.normalize_tuple(dilation, n, "d")
    window = k.shape[:n]
    xp = np.pad(x, [(0, 0)] + _pads(x.shape[1:-1], window, s, d, padding) + [(0, 0)])
    out_sp = [(xp.shape[i + 1] - (window[i] - 1) * d[i] - 1) // s[i] + 1 for i in range(n)]
    cin, cout = x.shape[-1], k.shape[-1]
    cg, og = cin // groups, cout // groups
    out = np.zeros((x.shape[0], *out_sp, cout))
    for pos in itertools.product(*[range(w) for w in window]):
        sl = tuple(slice(p * d[i], p * d[i] + s[i] * (out_sp[i] - 1) + 1, s[i]) for i, p in enumerate(pos))
        patch = xp[(slice(None),) + sl]
        for g in range(groups):
            out[..., g * og:(g + 1) * og] += patch[..., g * cg:(g + 1) * cg] @ k[pos][:, g * og:(g + 1) * og]
    return out


def np_conv_transpose(x, k, strides, padding, output_padding, dilation):
    """Scatter each input pixel times the kernel, then keep the contract's window."""
    n = x.ndim - 2
    s, d = base.normalize_tuple(strides, n, "s"), base.normalize_tuple(dilation, n, "d")
    op = (None,) * n if output_padding is None else base.normalize_tuple(output_padding, n, "o")
    window = k.shape[:n]
    kd = [(w - 1) * di + 1 for w, di in zip(window, d)]
    lengths = x.shape[1:-1]
    full_sp = [(m - 1) * si + kk for m, si, kk in zip(lengths, s, kd)]
    full = np.zeros((x.shape[0], *full_sp, k.shape[-2]))
    for pos in itertools.product(*[range(w) for w in window]):
        sl = tuple(slice(p * d[i], p * d[i] + s[i] * (lengths[i] - 1) + 1, s[i]) for i, p in enumerate(pos))
        full[(slice(None),) + sl] += x @ k[pos].T
    # Keras 3's lengths; 'same' crops the left as TF's 'same' conv pads it
    starts, outs = [], []
    for m, w, si, di, o, kk in zip(lengths, window, s, d, op, kd):
        if padding == "valid":
            starts.append(0)
            outs.append((m - 1) * si + (max(kk, si) if o is None else kk + o))
        elif o is None:
            starts.append(base.same_padding(m * si, w, si, di)[0])
            outs.append(m * si)
        else:
            total = kk + kk % 2 - 2 + o
            starts.append(kk - 1 - min((total + 1) // 2, kk - 1))
            outs.append((m - 1) * si + kk % 2 + o)
    full = np.pad(full, [(0, 0)] + [(0, max(0, st + ln - f)) for st, ln, f in zip(starts, outs, full_sp)]
                  + [(0, 0)])
    return full[(slice(None),) + tuple(slice(st, st + ln) for st, ln in zip(starts, outs))]


CONV_CASES = [
    # (x shape, kernel shape, strides, padding, dilation, groups)
    ((2, 7, 3), (3, 3, 4), 1, "valid", 1, 1),
    ((2, 7, 3), (4, 3, 2), 2, "same", 1, 1),
    ((1, 8, 2), (3, 2, 2), 1, "same", 2, 1),
    ((2, 5, 6, 3), (3, 3, 3, 4), 1, "same", 1, 1),
    ((2, 6, 5, 3), (2, 3, 3, 2), (2, 1), "same", 1, 1),
    ((1, 7, 7, 2), (3, 3, 2, 3), 2, "valid", 1, 1),
    ((1, 7, 6, 2), (3, 2, 2, 2), 1, "same", (2, 1), 1),
    ((1, 5, 5, 4), (3, 3, 2, 6), 1, "same", 1, 2),
    ((1, 4, 5, 4, 2), (2, 3, 2, 2, 3), (1, 2, 1), "same", 1, 1),
    ((1, 5, 4, 4, 2), (3, 2, 2, 2, 2), 1, "valid", 1, 1),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv(b, case):
    xs, ks, s, p, d, g = case
    check(b, lambda b, x, k: b.conv(x, k, s, p, dilation_rate=d), lambda x, k: np_conv(x, k, s, p, d, g),
          [rand(*xs), rand(*ks)], grad=(0, 1), atol=1e-4)


def test_depthwise_conv(b):
    x, k = rand(1, 5, 5, 2), rand(3, 3, 2, 2)

    def ref(x, k):
        # output channel c * mult + m sees input channel c only
        return np_conv(x, k.reshape(3, 3, 1, 4), 1, "same", 1, groups=2)
    check(b, lambda b, x, k: b.depthwise_conv(x, k, 1, "same"), ref, [x, k], grad=(0, 1), atol=1e-4)


CONV_T_CASES = [
    # (x shape, kernel (*window, c_out, c_in), strides, padding, output_padding, dilation)
    ((2, 4, 3), (3, 2, 3), 2, "valid", None, 1),
    ((2, 4, 3), (3, 2, 3), 2, "same", None, 1),
    ((1, 5, 2), (4, 3, 2), 2, "same", None, 1),
    ((1, 5, 2), (2, 3, 2), 3, "valid", None, 1),
    ((1, 5, 2), (2, 3, 2), 3, "same", None, 1),
    ((1, 4, 2), (3, 2, 2), 1, "same", None, 2),
    ((1, 3, 4, 3), (3, 3, 2, 3), 2, "same", None, 1),
    ((1, 3, 4, 3), (3, 3, 2, 3), 2, "valid", None, 1),
    ((1, 3, 4, 3), (3, 3, 2, 3), 2, "same", 1, 1),
    ((1, 3, 4, 3), (3, 2, 2, 3), (2, 3), "valid", (1, 2), 1),
    ((1, 4, 2), (4, 2, 2), 2, "same", 0, 1),
    ((1, 4, 2), (4, 2, 2), 2, "same", 1, 1),
    ((1, 4, 2), (3, 2, 2), 3, "same", 2, 1),
    ((1, 4, 3, 2), (2, 3, 2, 2), (1, 2), "same", None, (2, 1)),
    ((1, 2, 3, 2, 2), (2, 3, 2, 2, 2), 2, "same", None, 1),
]


@pytest.mark.parametrize("case", CONV_T_CASES, ids=str)
def test_conv_transpose(b, case):
    xs, ks, s, p, op, d = case
    check(b, lambda b, x, k: b.conv_transpose(x, k, s, p, op, dilation_rate=d),
          lambda x, k: np_conv_transpose(x, k, s, p, op, d),
          [rand(*xs), rand(*ks)], grad=(0, 1), atol=1e-4)


@pytest.mark.parametrize("case", [c for c in CONV_T_CASES if c[4] is None])
def test_conv_transpose_is_the_gradient_of_conv(b, case):
    xs, ks, s, p, _, d = case
    x, k = b.convert(rand(*xs)), b.convert(rand(*ks))
    out = b.conv_transpose(x, k, s, p, None, dilation_rate=d)
    y0 = b.zeros(b.shape(out))
    # the forward conv maps out's shape back to x's shape (when stride <= window)
    if b.shape(b.conv(y0, k, s, p, dilation_rate=d)) != b.shape(x):
        pytest.skip("the contract's output length is not a conv preimage here")
    (_, _), (g,) = b.value_and_grad(lambda q: (b.sum(b.multiply(b.conv(q[0], k, s, p, dilation_rate=d), x)), None))([y0])
    np.testing.assert_allclose(b.to_numpy(out), b.to_numpy(g), rtol=1e-5, atol=1e-5)


def np_pool(x, pool, strides, padding, kind):
    n = x.ndim - 2
    pool = base.normalize_tuple(pool, n, "p")
    strides = pool if strides is None else base.normalize_tuple(strides, n, "s")
    pads = [(0, 0)] + _pads(x.shape[1:-1], pool, strides, (1,) * n, padding) + [(0, 0)]
    fill = -np.inf if kind == "max" else np.nan
    xp = np.pad(x, pads, constant_values=fill)
    out_sp = [(xp.shape[i + 1] - pool[i]) // strides[i] + 1 for i in range(n)]
    out = np.zeros((x.shape[0], *out_sp, x.shape[-1]))
    for o in itertools.product(*[range(m) for m in out_sp]):
        win = xp[(slice(None),) + tuple(slice(oi * si, oi * si + pi) for oi, si, pi in zip(o, strides, pool))]
        win = win.reshape(x.shape[0], -1, x.shape[-1])
        out[(slice(None),) + o] = win.max(axis=1) if kind == "max" else np.nanmean(win, axis=1)
    return out


POOL_CASES = [
    ((2, 7, 3), 2, None, "valid"), ((2, 7, 3), 3, 2, "same"), ((1, 6, 2), 2, 1, "same"),
    ((2, 5, 5, 2), 2, None, "valid"), ((2, 5, 5, 2), 2, None, "same"), ((1, 6, 7, 2), (3, 2), (2, 1), "same"),
    ((1, 5, 5, 2), 3, 2, "valid"), ((1, 4, 5, 3, 2), 2, (2, 1, 2), "same"),
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_pool(b, kind, case):
    xs, pool, strides, padding = case
    op = b.max_pool if kind == "max" else b.avg_pool
    check(b, lambda b, x: op(x, pool, strides, padding), lambda x: np_pool(x, pool, strides, padding, kind),
          [rand(*xs)])


# ---------------------------------------------------------------- recurrence
def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_lstm(x, h, c, k, rk, bias, go_backwards):
    steps = range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])
    ys = []
    for t in steps:
        i, f, g, o = np.split(x[:, t] @ k + h @ rk + bias, 4, axis=-1)
        c = _np_sigmoid(f) * c + _np_sigmoid(i) * np.tanh(g)
        h = _np_sigmoid(o) * np.tanh(c)
        ys.append(h)
    return np.stack(ys, 1), h, c


def np_gru(x, h, k, rk, bias, go_backwards):
    steps = range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])
    ys = []
    for t in steps:
        xz, xr, xh = np.split(x[:, t] @ k + bias[0], 3, axis=-1)
        hz, hr, hh = np.split(h @ rk + bias[1], 3, axis=-1)
        z, r = _np_sigmoid(xz + hz), _np_sigmoid(xr + hr)
        h = z * h + (1 - z) * np.tanh(xh + r * hh)
        ys.append(h)
    return np.stack(ys, 1), h


@pytest.mark.parametrize("go_backwards", [False, True])
def test_lstm(b, go_backwards):
    args = [rand(2, 4, 3), rand(2, 2), rand(2, 2), rand(3, 8) * 0.5, rand(2, 8) * 0.5, rand(8) * 0.1]
    check(b, lambda b, *a: b.lstm(*a, go_backwards=go_backwards),
          lambda *a: np_lstm(*a, go_backwards), args, grad=(0, 1, 2, 3, 4, 5))


@pytest.mark.parametrize("go_backwards", [False, True])
def test_gru(b, go_backwards):
    args = [rand(2, 4, 3), rand(2, 2), rand(3, 6) * 0.5, rand(2, 6) * 0.5, rand(2, 6) * 0.1]
    check(b, lambda b, *a: b.gru(*a, go_backwards=go_backwards),
          lambda *a: np_gru(*a, go_backwards), args, grad=(0, 1, 2, 3, 4))


# ------------------------------------------------------------------ creation
def test_creation_and_dtypes(b):
    assert b.name == "jax"
    assert b.dtype(b.convert(1.5)) == "float32"
    assert b.dtype(b.convert([1.0, 2.0])) == "float32"
    assert b.dtype(b.convert(3)) == "int32"
    assert b.dtype(b.convert(True)) == "bool"
    assert b.dtype(b.convert(np.zeros(2))) == "float32"  # float64 without x64
    assert b.dtype(b.convert(np.zeros(2, np.uint8))) == "uint8"
    assert b.dtype(b.convert(np.zeros(2, np.float16))) == "float16"
    assert b.dtype(b.convert(np.arange(2))) == "int32"
    for name in base.DTYPES:
        got = b.dtype(b.cast(b.convert(np.array([1.7, -1.7, 0.0])), name))
        assert got == {"float64": "float32", "int64": "int32", "complex128": "complex64"}.get(name, name)
    np.testing.assert_array_equal(b.to_numpy(b.cast(b.convert([1.7, -1.7]), "int32")), [1, -1])
    with pytest.raises(TypeError, match="uint16"):
        b.cast(b.convert([1.0]), "uint16")
    with pytest.raises(TypeError, match="uint16"):
        b.zeros((2,), "uint16")
    x = b.convert(np.ones((2, 3), np.float32))
    assert b.convert(x) is x
    assert b.is_array(x) and not b.is_array(np.ones(2)) and not b.is_array(1.0)
    assert b.shape(x) == (2, 3) and all(type(d) is int for d in b.shape(x))
    assert b.ndim(x) == 2 and b.size(x) == 6
    assert isinstance(b.to_numpy(x), np.ndarray)
    for got, exp in [
        (b.zeros((2, 3)), np.zeros((2, 3), np.float32)), (b.ones((2,), "int32"), np.ones(2, np.int32)),
        (b.full((2, 2), 3.5), np.full((2, 2), 3.5, np.float32)), (b.eye(3), np.eye(3, dtype=np.float32)),
        (b.arange(5), np.arange(5, dtype=np.int32)), (b.arange(1, 7, 2), np.arange(1, 7, 2, dtype=np.int32)),
        (b.arange(0, 1, 0.25, dtype="float32"), np.arange(0, 1, 0.25, dtype=np.float32)),
        (b.zeros_like(x, "int32"), np.zeros((2, 3), np.int32)), (b.ones_like(x), np.ones((2, 3), np.float32)),
    ]:
        got = b.to_numpy(got)
        assert got.dtype == exp.dtype, (got.dtype, exp.dtype)
        np.testing.assert_array_equal(got, exp)


def test_shape_errors(b):
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        b.add(b.ones((3,)), b.ones((4,)))
    for name in ("multiply", "maximum", "power", "less", "logical_and", "mod"):
        with pytest.raises(ValueError):
            getattr(b, name)(b.ones((2, 3)), b.ones((2,)))
    with pytest.raises((ValueError, TypeError), match=r"\(3,\).*\(4,\)"):
        b.matmul(b.ones((2, 3)), b.ones((4, 2)))
    with pytest.raises(ValueError):
        b.conv(b.ones((1, 5, 5, 3)), b.ones((3, 3, 3, 2)), padding="full")


# --------------------------------------------------------------------- random
def test_random(b):
    u = b.to_numpy(b.random_uniform((2000,), 7, -2.0, 3.0))
    assert u.dtype == np.float32 and u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.15
    np.testing.assert_array_equal(u, b.to_numpy(b.random_uniform((2000,), 7, -2.0, 3.0)))
    assert not np.array_equal(u, b.to_numpy(b.random_uniform((2000,), 8, -2.0, 3.0)))
    n = b.to_numpy(b.random_normal((4000,), 1, mean=1.0, stddev=2.0))
    assert abs(n.mean() - 1) < 0.15 and abs(n.std() - 2) < 0.15
    t = b.to_numpy(b.truncated_normal((4000,), 2, mean=1.0, stddev=0.5))
    assert t.min() >= 0.0 - 1e-6 and t.max() <= 2.0 + 1e-6 and abs(t.mean() - 1) < 0.05
    bern = b.to_numpy(b.bernoulli((4000,), 0.3, 3))
    assert set(np.unique(bern)) <= {0.0, 1.0} and abs(bern.mean() - 0.3) < 0.05
    assert b.dtype(b.random_uniform((2,), 1, dtype="bfloat16")) == "bfloat16"
    assert b.dtype(b.random_normal((2,), 1, dtype="float64")) == "float32"
    # a traced seed gives the numbers the Python int gives
    seed = b.convert(5, "int32")
    for draw in (lambda s: b.random_uniform((3, 2), s), lambda s: b.random_normal((3,), s),
                 lambda s: b.truncated_normal((3,), s), lambda s: b.bernoulli((9,), 0.5, s)):
        np.testing.assert_array_equal(b.to_numpy(b.jit(draw)(seed)), b.to_numpy(draw(5)))


# -------------------------------------------------------------------- control
def test_value_and_grad_contract(b):
    w, unused = b.convert(np.array([1.0, 2.0, 3.0])), b.convert(np.ones((2, 2)))

    def fn(params, x):
        y = b.multiply(params[0], x)
        return b.sum(b.square(y)), {"y": y, "n": [b.stop_gradient(y)]}

    (value, aux), grads = b.value_and_grad(fn)([w, unused], b.convert(np.array([1.0, 1.0, 2.0])))
    assert isinstance(grads, list) and len(grads) == 2
    np.testing.assert_allclose(float(value), 1 + 4 + 36)
    np.testing.assert_allclose(b.to_numpy(aux["y"]), [1, 2, 6])
    np.testing.assert_allclose(b.to_numpy(grads[0]), [2, 4, 24])
    np.testing.assert_array_equal(b.to_numpy(grads[1]), np.zeros((2, 2)))
    (_, _), (g,) = b.value_and_grad(lambda p: (b.sum(b.multiply(b.stop_gradient(p[0]), p[0])), None))([w])
    np.testing.assert_allclose(b.to_numpy(g), [1, 2, 3])


def test_scan_and_fori_loop(b):
    xs = rand(5, 3)

    def step(carry, x):
        s, (p,) = carry
        s = b.add(s, x)
        return [s, [b.multiply(p, x)]], (s, b.sum(x))   # lists back for tuples: rebuilt

    init = (b.zeros((3,)), (b.ones((3,)),))
    (s, (p,)), (ys, sums) = b.scan(step, init, b.convert(xs))
    np.testing.assert_allclose(b.to_numpy(s), xs.sum(0), rtol=1e-5)
    np.testing.assert_allclose(b.to_numpy(p), xs.prod(0), rtol=1e-5)
    np.testing.assert_allclose(b.to_numpy(ys), np.cumsum(xs, 0), rtol=1e-5)
    np.testing.assert_allclose(b.to_numpy(sums), xs.sum(1), rtol=1e-5)
    # a tuple of xs, and the gradient through carry and xs
    check(b, lambda b, a, x: b.scan(lambda c, t: (b.multiply(b.add(c, t[0]), t[1]), c), a, (x, b.tanh(x)))[0],
          lambda a, x: _np_scan(a, x), [rand(3), rand(4, 3)], grad=(0, 1))
    out = b.fori_loop(0, 4, lambda i, v: b.add(b.multiply(v, 2.0), b.cast(i, "float32")), b.zeros((2,)))
    np.testing.assert_allclose(b.to_numpy(out), [11.0, 11.0])   # ((0*2+0)*2+1)*2+2)*2+3
    check(b, lambda b, v: b.fori_loop(0, 3, lambda i, t: b.sin(t), v), lambda v: np.sin(np.sin(np.sin(v))),
          [rand(3)])


def _np_scan(a, x):
    for t in x:
        a = (a + t) * np.tanh(t)
    return a


def test_ops_under_jit(b):
    """The key ops traced by jit give the eager values (shapes stay Python ints)."""
    x, k, kt = b.convert(rand(2, 6, 6, 3)), b.convert(rand(3, 3, 3, 4)), b.convert(rand(3, 3, 2, 4))

    def f(x, k, kt, seed):
        assert all(type(d) is int for d in b.shape(x))
        y = b.relu(b.conv(x, k, 2, "same", dilation_rate=1))
        y = b.conv_transpose(y, kt, 2, "same")
        z = b.max_pool(x, 2, 1, "same") + b.avg_pool(x, 3, 2, "same")[:, :1, :1]
        noise = b.random_normal(b.shape(y), seed)
        logits = b.reshape(y, (b.shape(y)[0], -1))
        return (b.add(y, noise), z, b.log_softmax(logits), b.top_k(logits, 3)[1],
                b.scatter_add(b.zeros((4, 2)), b.convert([1, 1, 3]), b.ones((3, 2))),
                b.clip(b.maximum(x, 0.1), -1.0, 1.0))

    eager = f(x, k, kt, 3)
    jitted = b.jit(f)(x, k, kt, b.convert(3, "int32"))
    for e, j in zip(eager, jitted):
        np.testing.assert_allclose(b.to_numpy(j), b.to_numpy(e), rtol=1e-5, atol=1e-5)


def test_recurrent_train_step_under_jit_with_donation(b):
    x = b.convert(rand(2, 5, 3))
    params = [b.convert(rand(3, 8) * 0.5), b.convert(rand(2, 8) * 0.5), b.convert(np.zeros(8)),
              b.convert(rand(2, 6) * 0.5), b.convert(rand(2, 6) * 0.5), b.convert(np.zeros((2, 6)))]

    def loss(p, x):
        ys, h, c = b.lstm(x, b.zeros((2, 2)), b.zeros((2, 2)), p[0], p[1], p[2])
        zs, h2 = b.gru(ys, h, p[3], p[4], p[5], go_backwards=True)
        return b.mean(b.square(zs)), h2

    def train_step(p, x):
        (value, _), grads = b.value_and_grad(loss)(p, x)
        return [b.subtract(w, b.multiply(g, 0.1)) for w, g in zip(p, grads)], value

    eager_p, eager_v = train_step(params, x)
    step = b.jit(train_step, donate_argnums=(0,))
    jit_p, jit_v = step([b.convert(b.to_numpy(w)) for w in params], x)
    np.testing.assert_allclose(float(jit_v), float(eager_v), rtol=1e-5)
    for e, j in zip(eager_p, jit_p):
        np.testing.assert_allclose(b.to_numpy(j), b.to_numpy(e), rtol=1e-5, atol=1e-6)
    jit_p2, v2 = step(jit_p, x)
    assert float(v2) < float(jit_v)


def test_ctc_loss(b):
    labels = b.convert(np.array([[1, 2], [1, 1]]), "int32")
    logits = b.convert(rand(2, 5, 3))
    lens, tlens = b.convert(np.array([2, 2]), "int32"), b.convert(np.array([5, 4]), "int32")
    eager = b.ctc_loss(labels, logits, lens, tlens)
    jitted = b.jit(b.ctc_loss)(labels, logits, lens, tlens)
    np.testing.assert_allclose(b.to_numpy(jitted), b.to_numpy(eager), rtol=1e-5)
    assert np.all(np.isfinite(b.to_numpy(eager)))


def test_gradients_under_jit(b):
    """Pooling, conv and the recurrent scans differentiate inside jit as they do eagerly."""
    x, k = b.convert(rand(2, 6, 5, 3)), b.convert(rand(3, 3, 3, 2))

    def loss(p, seed):
        y = b.conv(p[0], p[1], 1, "same")
        y = b.max_pool(y, 2, 1, "same") + b.avg_pool(y, 3, 1, "same")
        y = b.conv_transpose(y, p[1], 2, "same")
        drop = b.bernoulli(b.shape(y), 0.8, seed)
        return b.mean(b.square(b.multiply(y, drop))), None

    eager = b.value_and_grad(loss)([x, k], 4)
    jitted = b.jit(b.value_and_grad(loss))([x, k], b.convert(4, "int32"))
    np.testing.assert_allclose(float(jitted[0][0]), float(eager[0][0]), rtol=1e-5)
    for e, j in zip(eager[1], jitted[1]):
        np.testing.assert_allclose(b.to_numpy(j), b.to_numpy(e), rtol=1e-4, atol=1e-6)
