"""The torch adapter against NumPy float64 references, finite differences, and the
base class's derived forms (fused LSTM/GRU vs the step-by-step scan)."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from kerasette.backends.base import Backend, conv_transpose_geometry, same_padding  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def b():
    from kerasette.backends import get
    return get("torch")


RNG = np.random.default_rng(0)


def rand(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, size=shape)


def close(b, got, want, rtol=1e-5, atol=1e-6):
    got = b.to_numpy(got) if b.is_array(got) else np.asarray(got)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def f32(b, a):
    return b.convert(np.asarray(a, np.float32))


def f64(b, a):
    return b.convert(np.asarray(a, np.float64))


def check_grad(b, fn, *arrays, eps=1e-6, rtol=1e-5, atol=1e-7):
    """Gradient of sum(fn(*params) * w) in float64 against central differences."""
    params = [f64(b, a) for a in arrays]
    w = f64(b, RNG.normal(size=b.shape(fn(*params))))

    def loss(ps):
        return b.sum(b.multiply(fn(*ps), w)), None

    (_, _), grads = b.value_and_grad(loss)(params)
    for i, a in enumerate(arrays):
        a = np.asarray(a, np.float64)
        num = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            up, down = a.copy(), a.copy()
            up[idx] += eps
            down[idx] -= eps
            ps_up = list(params)
            ps_up[i] = f64(b, up)
            ps_down = list(params)
            ps_down[i] = f64(b, down)
            num[idx] = (float(loss(ps_up)[0]) - float(loss(ps_down)[0])) / (2 * eps)
        np.testing.assert_allclose(b.to_numpy(grads[i]), num, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of argument {i}")


# ------------------------------------------------------------------ creation
def test_convert_dtypes(b):
    assert b.dtype(b.convert(1.5)) == "float32"
    assert b.dtype(b.convert([1.0, 2.0])) == "float32"
    assert b.dtype(b.convert([[1, 2]])) == "int32"  # Python ints are int32, as Keras
    assert b.dtype(b.convert(3)) == "int32"
    assert b.dtype(b.convert(True)) == "bool"
    assert b.dtype(b.convert(np.zeros(2))) == "float64"
    assert b.dtype(b.convert(np.zeros(2, np.int32))) == "int32"
    assert b.dtype(b.convert(np.zeros(2), "bfloat16")) == "bfloat16"
    assert b.dtype(b.convert([1, 2], "float16")) == "float16"
    t = b.convert(np.ones(3, np.float32))
    assert b.convert(t) is t
    assert t.device == b.device
    a = np.arange(4.0)
    t = b.convert(a)
    a[0] = 100.0
    assert float(t[0]) == 0.0  # a copy, not a view of the caller's array
    assert b.convert(a[::-1]).tolist() == a[::-1].tolist()
    assert b.shape(b.convert(np.array(2.5))) == () and b.dtype(b.convert(np.float32(2))) == "float32"
    assert b.shape(b.convert(np.array(2.5), "float32")) == ()


def test_unsupported_dtype(b):
    with pytest.raises(TypeError, match="uint16"):
        b.zeros((2,), "uint16")
    with pytest.raises(TypeError, match="uint16"):
        b.convert(np.zeros(2, np.uint16))
    assert b.dtype(b.convert(np.zeros(2, np.complex64))) == "complex64"


def test_creation(b):
    assert b.to_numpy(b.zeros((2, 3), "int32")).dtype == np.int32
    close(b, b.ones((2,)), np.ones(2))
    close(b, b.full((2, 2), 3.5), np.full((2, 2), 3.5))
    close(b, b.arange(5), np.arange(5))
    assert b.dtype(b.arange(5)) == "int32"
    close(b, b.arange(1, 2, 0.25, "float32"), np.arange(1, 2, 0.25))
    close(b, b.eye(3), np.eye(3))
    close(b, b.cast(f32(b, [1.7, -1.7]), "int32"), [1, -1])
    assert b.shape(b.zeros((2, 3))) == (2, 3) and b.ndim(b.zeros((2, 3))) == 2
    assert b.size(b.zeros((2, 3))) == 6
    assert b.to_numpy(b.convert(np.ones(2), "bfloat16")).dtype == np.float32


def test_device_env(monkeypatch):
    from kerasette.backends.torch import make_backend
    monkeypatch.setenv("KERASETTE_DEVICE", "cpu")
    assert make_backend().device == torch.device("cpu")


# ------------------------------------------------------------- element-wise
BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
    "maximum": np.maximum, "minimum": np.minimum,
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_broadcast(b, name):
    x, y = rand(2, 1, 3), rand(4, 1)
    close(b, getattr(b, name)(f32(b, x), f32(b, y)), BINARY[name](x, y))
    close(b, getattr(b, name)(f32(b, x), 0.5), BINARY[name](x, 0.5))
    close(b, getattr(b, name)(0.5, f32(b, y)), BINARY[name](0.5, y))
    assert b.dtype(getattr(b, name)(f32(b, x), 2.0)) == "float32"
    check_grad(b, lambda p, q: getattr(b, name)(p, q), x, y)
    with pytest.raises(ValueError, match=rf"{name}.*\(2, 3\).*\(4,\)"):
        getattr(b, name)(b.zeros((2, 3)), b.zeros((4,)))


def test_arith_semantics(b):
    x, y = rand(3, 4), rand(3, 4, lo=0.5, hi=2)
    close(b, b.power(f32(b, y), f32(b, x)), y ** x)
    check_grad(b, b.power, y, x)
    ix = np.array([-7, -3, 0, 5, 7])
    iy = np.array([2, 2, 3, -3, -2])
    close(b, b.floor_divide(b.convert(ix), b.convert(iy)), ix // iy)
    close(b, b.mod(b.convert(ix), b.convert(iy)), ix % iy)
    close(b, b.mod(f32(b, x), 0.7), np.mod(x, 0.7), atol=1e-5)
    close(b, b.floor_divide(f32(b, x), 0.7), np.floor_divide(x.astype(np.float32), np.float32(0.7)))
    d = b.divide(b.convert(np.array([1, 2], np.int32)), b.convert(np.array([2, 4], np.int32)))
    assert b.dtype(d) == "float32"
    close(b, d, [0.5, 0.5])
    assert b.dtype(b.add(b.convert(np.ones(2, np.float16)), 1.0)) == "float16"
    assert b.dtype(b.multiply(b.convert(np.ones(2, np.int32)), 2)) == "int32"
    # ties: the gradient goes to x where x >= y (maximum) / x <= y (minimum)
    for op in ("maximum", "minimum"):
        p = [f64(b, [1.0, 2.0, 3.0]), f64(b, [1.0, 1.0, 4.0])]
        _, g = b.value_and_grad(lambda ps: (b.sum(getattr(b, op)(ps[0], ps[1])), None))(p)
        want = [1, 1, 0] if op == "maximum" else [1, 0, 1]
        close(b, g[0], want)
        close(b, g[1], 1 - np.array(want))
    close(b, b.maximum(f32(b, [np.nan, 1.0]), f32(b, [0.0, np.nan])), [np.nan, np.nan])
    # no gradient for floor_divide; mod's is 1 for x (as Keras/JAX)
    p = [f64(b, [1.5, 2.5])]
    _, g = b.value_and_grad(lambda ps: (b.sum(b.add(b.mod(ps[0], 1.0), b.floor_divide(ps[0], 1.0))), None))(p)
    close(b, g[0], [1.0, 1.0])


UNARY = {
    "negative": (np.negative, -2, 2), "abs": (np.abs, -2, 2), "exp": (np.exp, -2, 2),
    "log": (np.log, 0.1, 3), "log1p": (np.log1p, -0.5, 2), "expm1": (np.expm1, -2, 2),
    "sqrt": (np.sqrt, 0.1, 3), "square": (np.square, -2, 2), "sin": (np.sin, -3, 3),
    "cos": (np.cos, -3, 3), "tanh": (np.tanh, -3, 3),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), -5, 5),
    "relu": (lambda x: np.maximum(x, 0), -2, 2),
    "softplus": (lambda x: np.log1p(np.exp(x)), -5, 5),
    "reciprocal": (lambda x: 1 / x, 0.5, 2), "rsqrt": (lambda x: 1 / np.sqrt(x), 0.5, 2),
    "softsign": (lambda x: x / (1 + np.abs(x)), -3, 3),
    "elu": (lambda x: np.where(x > 0, x, np.expm1(x)), -3, 3),
    "selu": (lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)), -3, 3),
    "leaky_relu": (lambda x: np.where(x >= 0, x, 0.2 * x), -3, 3),
    "relu6": (lambda x: np.clip(x, 0, 6), -2, 8),
    "silu": (lambda x: x / (1 + np.exp(-x)), -4, 4),
    "hard_sigmoid": (lambda x: np.clip(x / 6 + 0.5, 0, 1), -5, 5),
    "hard_silu": (lambda x: x * np.clip(x / 6 + 0.5, 0, 1), -5, 5),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(b, name):
    ref, lo, hi = UNARY[name]
    x = rand(3, 5, lo=lo, hi=hi)
    close(b, getattr(b, name)(f32(b, x)), ref(x))
    check_grad(b, getattr(b, name), x)


def test_unary_misc(b):
    from math import erf
    x = rand(4, 3)
    close(b, b.erf(f32(b, x)), np.vectorize(erf)(x))
    close(b, b.gelu(f32(b, x), approximate=False),
          0.5 * x * (1 + np.vectorize(erf)(x / np.sqrt(2))))
    c = np.sqrt(2 / np.pi)
    close(b, b.gelu(f32(b, x)), 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x ** 3))))
    check_grad(b, b.gelu, x)
    close(b, b.sign(f32(b, [-2.0, 0.0, 3.0])), [-1, 0, 1])
    close(b, b.round(f32(b, [0.5, 1.5, 2.5, -0.5, -1.5, 0.4])), [0, 2, 2, -0, -2, 0])
    close(b, b.floor(f32(b, x)), np.floor(x))
    close(b, b.ceil(f32(b, x)), np.ceil(x))
    close(b, b.clip(f32(b, x), -0.5, 0.5), np.clip(x, -0.5, 0.5))
    check_grad(b, lambda p: b.clip(p, -0.5, 0.5), x)
    _, g = b.value_and_grad(lambda ps: (b.sum(b.abs(ps[0])), None))([f64(b, [0.0, -1.0])])
    close(b, g[0], [0.0, -1.0])
    _, g = b.value_and_grad(lambda ps: (b.sum(b.relu(ps[0])), None))([f64(b, [0.0, 1.0])])
    close(b, g[0], [0.0, 1.0])
    assert b.dtype(b.sqrt(b.convert(np.array([4], np.int32)))) == "float32"


def test_compare_logic(b):
    x, y = rand(3, 4), rand(4)
    for name, ref in [("equal", np.equal), ("not_equal", np.not_equal), ("less", np.less),
                      ("less_equal", np.less_equal), ("greater", np.greater),
                      ("greater_equal", np.greater_equal)]:
        got = getattr(b, name)(f64(b, x), f64(b, y))
        assert b.dtype(got) == "bool"
        np.testing.assert_array_equal(b.to_numpy(got), ref(x, y))
        np.testing.assert_array_equal(b.to_numpy(getattr(b, name)(f64(b, x), 0.0)), ref(x, 0.0))
    p, q = x > 0, y > 0
    np.testing.assert_array_equal(b.to_numpy(b.logical_and(b.convert(p), b.convert(q))), p & q)
    np.testing.assert_array_equal(b.to_numpy(b.logical_or(b.convert(p), b.convert(q))), p | q)
    np.testing.assert_array_equal(b.to_numpy(b.logical_not(b.convert(p))), ~p)
    z = f32(b, [np.nan, np.inf, 1.0])
    np.testing.assert_array_equal(b.to_numpy(b.isnan(z)), [True, False, False])
    np.testing.assert_array_equal(b.to_numpy(b.isfinite(z)), [False, False, True])
    close(b, b.where(b.convert(p), f32(b, x), 0.0), np.where(p, x, 0.0))
    close(b, b.where(b.convert(p), 1.0, 0.0), np.where(p, 1.0, 0.0))
    check_grad(b, lambda s, t: b.where(b.convert(p), s, t), x, y)


# --------------------------------------------------------------- reductions
AXES = [None, 0, -1, (0, 2), (-1, 1), (0, 1, 2)]


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(b, axis, keepdims):
    x = rand(2, 3, 4)
    for name, ref in [("sum", np.sum), ("mean", np.mean), ("max", np.max), ("min", np.min),
                      ("prod", np.prod), ("var", np.var), ("std", np.std),
                      ("norm", lambda a, axis, keepdims: np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))),
                      ("logsumexp", lambda a, axis, keepdims: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims)))]:
        got = getattr(b, name)(f32(b, x), axis=axis, keepdims=keepdims)
        close(b, got, ref(x, axis=axis, keepdims=keepdims), rtol=2e-5)
    bx = x > 0
    for name, ref in [("any", np.any), ("all", np.all)]:
        got = getattr(b, name)(b.convert(bx), axis=axis, keepdims=keepdims)
        np.testing.assert_array_equal(b.to_numpy(got), ref(bx, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "var", "std", "logsumexp", "norm"])
def test_reduction_grads(b, name):
    x = rand(2, 3, 4, lo=0.5, hi=2.0)
    check_grad(b, lambda p: getattr(b, name)(p, axis=(0, 2)), x)
    check_grad(b, lambda p: getattr(b, name)(p, axis=-1, keepdims=True), x)


def test_reduction_semantics(b):
    ints = b.convert(np.array([[1, 2], [3, 5]], np.int32))
    assert b.dtype(b.mean(ints)) == "float32"
    close(b, b.mean(ints, axis=0), [2.0, 3.5])
    # max/min: ties share the gradient equally
    _, g = b.value_and_grad(lambda ps: (b.max(ps[0], axis=(0, 1)), None))([f64(b, [[1.0, 3.0], [3.0, 0.0]])])
    close(b, g[0], [[0, 0.5], [0.5, 0]])
    x = np.array([[1, 3, 3], [2, 2, 0]], np.float32)
    np.testing.assert_array_equal(b.to_numpy(b.argmax(b.convert(x), axis=-1)), [1, 0])
    np.testing.assert_array_equal(b.to_numpy(b.argmin(b.convert(x), axis=0)), [0, 1, 1])
    np.testing.assert_array_equal(b.to_numpy(b.argmax(b.convert(x > 2), axis=-1)), [1, 0])
    close(b, b.prod(b.convert(x), axis=()), x)
    close(b, b.cumsum(b.convert(x), axis=1), np.cumsum(x, axis=1))
    check_grad(b, lambda p: b.cumsum(p, axis=0), rand(3, 2))
    close(b, b.sum(b.convert(x), axis=()), x)
    close(b, b.logsumexp(f32(b, [-np.inf, -np.inf])), -np.inf)


# ---------------------------------------------------------------- shape ops
def test_shape_ops(b):
    x = rand(2, 3, 4)
    t = f32(b, x)
    close(b, b.reshape(t, (4, -1)), x.reshape(4, -1))
    close(b, b.transpose(t), x.transpose())
    close(b, b.transpose(t, (1, 0, 2)), x.transpose(1, 0, 2))
    close(b, b.expand_dims(t, -1), np.expand_dims(x, -1))
    close(b, b.expand_dims(t, (0, 4)), np.expand_dims(x, (0, 4)))
    close(b, b.squeeze(b.zeros((1, 2, 1))), np.zeros(2))
    assert b.shape(b.squeeze(b.zeros((1, 2, 1)), axis=-1)) == (1, 2)
    with pytest.raises(ValueError):
        b.squeeze(b.zeros((1, 2)), axis=1)
    close(b, b.concatenate([t, t], axis=-1), np.concatenate([x, x], -1))
    close(b, b.stack([t, t], axis=1), np.stack([x, x], 1))
    for spec in (3, [1, 2], [0, 5], (2,)):
        got, want = b.split(t, spec, axis=1 if spec == 3 else 2), np.split(x, spec, axis=1 if spec == 3 else 2)
        assert len(got) == len(want)
        for g_, w_ in zip(got, want):
            close(b, g_, w_)
    with pytest.raises(ValueError):
        b.split(t, 2, axis=1)
    close(b, b.tile(t, (2, 1, 1, 2)), np.tile(x, (2, 1, 1, 2)))
    close(b, b.tile(t, 2), np.tile(x, 2))
    close(b, b.repeat(t, 2, axis=1), np.repeat(x, 2, axis=1))
    close(b, b.repeat(t, 2), np.repeat(x, 2))
    close(b, b.pad(t, ((0, 1), (2, 0), (1, 1)), constant_values=0.5), np.pad(x, ((0, 1), (2, 0), (1, 1)), constant_values=0.5))
    close(b, b.pad(t, ((1, 2),)), np.pad(x, ((1, 2),)))
    close(b, b.pad(t, 1), np.pad(x, 1))
    close(b, b.flip(t, 1), np.flip(x, 1))
    close(b, b.flip(t, (0, 2)), np.flip(x, (0, 2)))
    close(b, b.flip(t), np.flip(x))
    y = rand(3, 1)
    close(b, b.broadcast_to(f32(b, y), (2, 3, 4)), np.broadcast_to(y, (2, 3, 4)))
    with pytest.raises(ValueError, match="broadcast_to"):
        b.broadcast_to(b.zeros((3,)), (4,))
    close(b, b.moveaxis(t, 0, -1), np.moveaxis(x, 0, -1))
    close(b, b.swapaxes(t, 0, 2), np.swapaxes(x, 0, 2))
    for g_, w_ in zip(b.unstack(t, axis=1), [x[:, i] for i in range(3)]):
        close(b, g_, w_)
    check_grad(b, lambda p: b.broadcast_to(p, (2, 3, 4)), y)
    check_grad(b, lambda p: b.pad(p, ((1, 0), (0, 2))), rand(2, 2))
    check_grad(b, lambda p: b.concatenate(b.split(p, [1], axis=1)[::-1], axis=1), rand(2, 3))
    check_grad(b, lambda p: b.tile(b.repeat(p, 2, axis=0), (1, 2)), rand(2, 2))


@pytest.mark.parametrize("key", [
    (slice(None, None, -1),), (slice(None, None, -2), slice(3, 0, -1)), (Ellipsis, slice(None, None, -3)),
    (1, None, slice(4, None, -2)), (slice(0, 2), Ellipsis, 2), (slice(5, 0, -2), slice(None), slice(1, 5, 2)),
    (slice(0, 0, -1),), 0, (Ellipsis, None), (slice(-1, -4, -1), slice(None, None, 2)),
])
def test_getitem(b, key):
    x = rand(4, 5, 6)
    close(b, b.getitem(f32(b, x), key), x[key])
    if x[key].size:
        check_grad(b, lambda p: b.getitem(p, key), x)


def test_indexing(b):
    x = rand(4, 3)
    t = f32(b, x)
    idx = np.array([[0, 3], [3, -1]])
    close(b, b.take(t, b.convert(idx), axis=0), np.take(x, idx, axis=0))
    close(b, b.take(t, b.convert(np.array([2, 0, 2], np.int32)), axis=1), np.take(x, [2, 0, 2], axis=1))
    close(b, b.take(t, b.convert(np.array([5, 0])), axis=None), np.take(x, [5, 0]))
    close(b, b.take(t, 2, axis=1), np.take(x, 2, axis=1))
    check_grad(b, lambda p: b.take(p, b.convert(np.array([1, 1, 0])), axis=0), x)
    ia = np.argsort(x, axis=1)
    close(b, b.take_along_axis(t, b.convert(ia.astype(np.int32)), axis=1), np.take_along_axis(x, ia, 1))
    check_grad(b, lambda p: b.take_along_axis(p, b.convert(ia[:, :2]), 1), x)
    rows = np.array([0, 2, 0])
    upd = rand(3, 3)
    want = x.copy()
    np.add.at(want, rows, upd)
    close(b, b.scatter_add(t, b.convert(rows), f32(b, upd)), want)
    check_grad(b, lambda p, u: b.scatter_add(p, b.convert(rows), u), x, upd)
    v, i = b.top_k(f32(b, [[1.0, 5.0, 3.0, 4.0]]), 2)
    close(b, v, [[5.0, 4.0]])
    np.testing.assert_array_equal(b.to_numpy(i), [[1, 3]])
    oh = b.one_hot(b.convert(np.array([0, 2, 5])), 3)
    close(b, oh, [[1, 0, 0], [0, 0, 1], [0, 0, 0]])


def test_linalg(b):
    x, y = rand(2, 3, 4), rand(4, 5)
    close(b, b.matmul(f32(b, x), f32(b, y)), x @ y)
    v = rand(4)
    close(b, b.matmul(f32(b, v), f32(b, y)), v @ y)
    close(b, b.einsum("bij,jk->bik", f32(b, x), f32(b, y)), np.einsum("bij,jk->bik", x, y))
    close(b, b.tensordot(f32(b, x), f32(b, y), axes=1), np.tensordot(x, y, axes=1))
    close(b, b.tensordot(f32(b, x), f32(b, x[0]), axes=([1, 2], [0, 1])),
          np.tensordot(x, x[0], axes=([1, 2], [0, 1])))
    check_grad(b, b.matmul, x, y)
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(5, 2\)"):
        b.matmul(b.zeros((2, 3)), b.zeros((5, 2)))
    close(b, b.matmul(b.convert(np.ones((2, 2), np.int32)), f32(b, np.ones((2, 2)))), np.full((2, 2), 2.0))


def test_softmax(b):
    x = rand(3, 5) * 10
    e = np.exp(x - x.max(-1, keepdims=True))
    close(b, b.softmax(f32(b, x)), e / e.sum(-1, keepdims=True))
    close(b, b.log_softmax(f32(b, x), axis=0), x - np.log(np.exp(x).sum(0, keepdims=True)))
    e = np.exp(x - x.max())
    close(b, b.softmax(f32(b, x), axis=(0, 1)), e / e.sum())
    check_grad(b, b.softmax, x)
    check_grad(b, lambda p: b.log_softmax(p, axis=0), x)


# ----------------------------------------------------------------- conv & pool
def conv_ref(x, k, strides, padding, dilation, groups=1):
    nd = x.ndim - 2
    window = k.shape[:nd]
    pads = [same_padding(x.shape[1 + i], window[i], strides[i], dilation[i]) if padding == "same"
            else (0, 0) for i in range(nd)]
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    out_sp = [(xp.shape[1 + i] - (window[i] - 1) * dilation[i] - 1) // strides[i] + 1 for i in range(nd)]
    c_out = k.shape[-1]
    cin_g, cout_g = k.shape[nd], c_out // groups
    out = np.zeros((x.shape[0], *out_sp, c_out))
    for idx in np.ndindex(*window):
        sl = tuple(slice(idx[i] * dilation[i], idx[i] * dilation[i] + (out_sp[i] - 1) * strides[i] + 1,
                         strides[i]) for i in range(nd))
        patch = xp[(slice(None),) + sl]
        for g in range(groups):
            out[..., g * cout_g:(g + 1) * cout_g] += (
                patch[..., g * cin_g:(g + 1) * cin_g] @ k[idx][:, g * cout_g:(g + 1) * cout_g])
    return out


def conv_transpose_ref(y, k, strides, padding, output_padding, dilation):
    """Scatter each input cell through the kernel, then crop as TensorFlow does."""
    nd = y.ndim - 2
    window = k.shape[:nd]
    n = y.shape[1:-1]
    eff = [(window[i] - 1) * dilation[i] + 1 for i in range(nd)]
    full = [(n[i] - 1) * strides[i] + eff[i] for i in range(nd)]
    out = np.zeros((y.shape[0], *full, k.shape[nd]))
    for idx in np.ndindex(*window):
        sl = tuple(slice(idx[i] * dilation[i], idx[i] * dilation[i] + (n[i] - 1) * strides[i] + 1,
                         strides[i]) for i in range(nd))
        out[(slice(None),) + sl] += y @ k[idx].T
    op = output_padding or (None,) * nd
    for i in range(nd):
        length, before = conv_transpose_geometry(n[i], window[i], strides[i], padding, op[i], dilation[i])
        out = np.moveaxis(out, 1 + i, 0)
        grown = np.zeros((before + length + 1 + out.shape[0],) + out.shape[1:])
        grown[:out.shape[0]] = out
        out = np.moveaxis(grown[before:before + length], 0, 1 + i)
    return out


CONV_CASES = [
    # (spatial, window, strides, dilation, groups)
    ((7,), (3,), (1,), (1,), 1),
    ((8,), (4,), (3,), (1,), 1),
    ((9,), (3,), (2,), (2,), 1),
    ((6, 7), (3, 2), (2, 1), (1, 1), 1),
    ((5, 6), (2, 3), (1, 2), (1, 1), 2),
    ((6, 6), (3, 3), (1, 1), (2, 1), 1),
    ((4, 5, 4), (2, 3, 2), (2, 1, 1), (1, 1, 1), 1),
]


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv(b, case, padding):
    spatial, window, strides, dilation, groups = case
    c_in, c_out = 4, 6
    x, k = rand(2, *spatial, c_in), rand(*window, c_in // groups, c_out)
    got = b.conv(f32(b, x), f32(b, k), strides, padding, dilation_rate=dilation)
    close(b, got, conv_ref(x, k, strides, padding, dilation, groups), rtol=1e-4, atol=1e-5)
    if np.prod(spatial) <= 42:
        check_grad(b, lambda p, q: b.conv(p, q, strides, padding, dilation_rate=dilation),
                   rand(1, *spatial, c_in), rand(*window, c_in // groups, 2 * groups))


def test_depthwise_conv(b):
    x, k = rand(2, 6, 5, 3), rand(3, 2, 3, 2)
    got = b.depthwise_conv(f32(b, x), f32(b, k), (1, 2), "same")
    want = np.concatenate([conv_ref(x[..., c:c + 1], k[:, :, c:c + 1, :], (1, 2), "same", (1, 1))
                           for c in range(3)], axis=-1)
    close(b, got, want, rtol=1e-4, atol=1e-5)


TRANSPOSE_CASES = [
    # (spatial, window, strides, dilation, output_padding)
    ((4,), (3,), (1,), (1,), None),
    ((4,), (3,), (2,), (1,), None),
    ((3,), (4,), (2,), (1,), None),
    ((3,), (2,), (3,), (1,), None),
    ((3,), (5,), (3,), (1,), None),
    ((4,), (3,), (1,), (2,), None),
    ((3,), (3,), (2,), (1,), (1,)),
    ((3,), (4,), (3,), (1,), (2,)),
    ((3, 4), (3, 2), (2, 2), (1, 1), None),
    ((3, 2), (3, 3), (2, 3), (1, 1), (1, 2)),
    ((2, 3, 2), (2, 3, 2), (2, 1, 2), (1, 1, 1), None),
]


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=str)
def test_conv_transpose(b, case, padding):
    spatial, window, strides, dilation, op = case
    y, k = rand(2, *spatial, 3), rand(*window, 2, 3)
    got = b.conv_transpose(f32(b, y), f32(b, k), strides, padding, op, dilation_rate=dilation)
    lengths = [conv_transpose_geometry(n, w, s, padding, o, d)[0]
               for n, w, s, d, o in zip(spatial, window, strides, dilation, op or (None,) * len(spatial))]
    assert b.shape(got) == (2, *lengths, 2)
    close(b, got, conv_transpose_ref(y, k, strides, padding, op, dilation), rtol=1e-4, atol=1e-5)
    check_grad(b, lambda p, q: b.conv_transpose(p, q, strides, padding, op, dilation_rate=dilation),
               rand(1, *spatial, 2), rand(*window, 2, 2))


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("case", [c for c in TRANSPOSE_CASES if c[4] is None], ids=str)
def test_conv_transpose_is_conv_adjoint(b, case, padding):
    """TensorFlow's definition: conv_transpose is the gradient of conv w.r.t. its input."""
    spatial, window, strides, dilation, _ = case
    k = rand(*window, 2, 3)
    y = rand(2, *spatial, 3)
    out = b.to_numpy(b.conv_transpose(f64(b, y), f64(b, k), strides, padding, None, dilation_rate=dilation))
    x = rand(*out.shape)
    fwd = b.to_numpy(b.conv(f64(b, x), f64(b, k), strides, padding, dilation_rate=dilation))
    if fwd.shape != y.shape:  # valid with k' < s: conv of that length gives another n
        pytest.skip("no conv of this output length gives the input length")
    np.testing.assert_allclose(np.sum(fwd * y), np.sum(x * out), rtol=1e-10)


def pool_ref(x, window, strides, padding, kind):
    nd = x.ndim - 2
    pads = [same_padding(x.shape[1 + i], window[i], strides[i]) if padding == "same" else (0, 0)
            for i in range(nd)]
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=fill)
    mask = np.pad(np.ones(x.shape[1:-1]), pads)
    out_sp = [(xp.shape[1 + i] - window[i]) // strides[i] + 1 for i in range(nd)]
    out = np.zeros((x.shape[0], *out_sp, x.shape[-1]))
    for o in np.ndindex(*out_sp):
        sl = tuple(slice(o[i] * strides[i], o[i] * strides[i] + window[i]) for i in range(nd))
        patch = xp[(slice(None),) + sl + (slice(None),)]
        axes = tuple(range(1, nd + 1))
        out[(slice(None),) + o] = patch.max(axis=axes) if kind == "max" else patch.sum(axis=axes) / mask[sl].sum()
    return out


POOL_CASES = [((7,), (2,), None), ((7,), (3,), (2,)), ((6, 5), (2, 2), None), ((5, 7), (3, 2), (2, 1)),
              ((6, 6), (3, 3), (2, 2)), ((4, 5, 3), (2, 3, 2), (1, 2, 2)), ((6, 6), (4, 4), (1, 1))]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_pool(b, case, padding, kind):
    spatial, window, strides = case
    x = rand(2, *spatial, 3)
    fn = b.max_pool if kind == "max" else b.avg_pool
    got = fn(f32(b, x), window, strides, padding)
    close(b, got, pool_ref(x, window, strides or window, padding, kind), rtol=1e-5, atol=1e-6)
    check_grad(b, lambda p: fn(p, window, strides, padding), rand(1, *spatial, 2))


def ctc_ref(labels, logits, label_lengths, logit_lengths, blank=0):
    out = []
    for lab, lg, ll, tl in zip(labels, logits, label_lengths, logit_lengths):
        lp = lg - np.log(np.exp(lg).sum(-1, keepdims=True))
        ext = [blank]
        for c in lab[:ll]:
            ext += [c, blank]
        s = len(ext)
        alpha = np.full(s, -np.inf)
        alpha[0] = lp[0, blank]
        if s > 1:
            alpha[1] = lp[0, ext[1]]
        for t in range(1, tl):
            new = np.full(s, -np.inf)
            for j in range(s):
                cands = [alpha[j]] + ([alpha[j - 1]] if j >= 1 else [])
                if j >= 2 and ext[j] != blank and ext[j] != ext[j - 2]:
                    cands.append(alpha[j - 2])
                new[j] = np.logaddexp.reduce(cands) + lp[t, ext[j]]
            alpha = new
        out.append(-np.logaddexp.reduce(alpha[-2:] if s > 1 else alpha[-1:]))
    return np.array(out)


def test_ctc_loss(b):
    labels = np.array([[1, 2, 2], [3, 1, 0], [1, 1, 1]])
    label_lengths = np.array([3, 2, 3])
    logit_lengths = np.array([6, 4, 3])  # the last one cannot align (needs 5 steps)
    logits = rand(3, 6, 4)
    got = b.ctc_loss(b.convert(labels), f32(b, logits), b.convert(label_lengths), b.convert(logit_lengths))
    want = ctc_ref(labels, logits, label_lengths, logit_lengths)
    close(b, got, want, rtol=1e-5, atol=1e-5)
    assert np.isinf(b.to_numpy(got)[2])
    check_grad(b, lambda p: b.ctc_loss(b.convert(labels[:2]), p, b.convert(label_lengths[:2]),
                                       b.convert(logit_lengths[:2])), rand(2, 6, 4), rtol=1e-4)


# ------------------------------------------------------------------ recurrence
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("with_bias", [True, False])
def test_lstm_fused_matches_scan(b, go_backwards, with_bias):
    batch, time, feat, units = 3, 5, 4, 6
    arrays = [rand(batch, time, feat), rand(batch, units), rand(batch, units),
              rand(feat, 4 * units) * 0.5, rand(units, 4 * units) * 0.5, rand(4 * units) * 0.5]
    for conv, tol in ((f32, 1e-5), (f64, 1e-12)):
        ts = [conv(b, a) for a in arrays]
        if not with_bias:
            ts[5] = None
        fused = b.lstm(*ts, go_backwards=go_backwards)
        derived = Backend.lstm(b, *ts, go_backwards=go_backwards)
        for f_, d_ in zip(fused, derived):
            close(b, f_, b.to_numpy(d_), rtol=tol, atol=tol)

    def run(fn):
        def loss(ps):
            out, h, c = fn(b, *ps[:5], ps[5] if with_bias else None, go_backwards=go_backwards)
            return b.add(b.add(b.sum(b.multiply(out, out)), b.sum(h)), b.sum(b.multiply(c, 3.0))), None
        return b.value_and_grad(loss)([f64(b, a) for a in arrays])[1]

    for g_f, g_d in zip(run(type(b).lstm), run(Backend.lstm)):
        close(b, g_f, b.to_numpy(g_d), rtol=1e-10, atol=1e-12)
    check_grad(b, lambda *ps: b.lstm(*ps, go_backwards=go_backwards)[0],
               rand(2, 3, 2), rand(2, 2), rand(2, 2), rand(2, 8), rand(2, 8), rand(8))


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("with_bias", [True, False])
def test_gru_fused_matches_scan(b, go_backwards, with_bias):
    batch, time, feat, units = 3, 5, 4, 6
    arrays = [rand(batch, time, feat), rand(batch, units),
              rand(feat, 3 * units) * 0.5, rand(units, 3 * units) * 0.5, rand(2, 3 * units) * 0.5]
    for conv, tol in ((f32, 1e-5), (f64, 1e-12)):
        ts = [conv(b, a) for a in arrays]
        if not with_bias:
            ts[4] = None
        fused = b.gru(*ts, go_backwards=go_backwards)
        derived = Backend.gru(b, *ts, go_backwards=go_backwards)
        for f_, d_ in zip(fused, derived):
            close(b, f_, b.to_numpy(d_), rtol=tol, atol=tol)

    def run(fn):
        def loss(ps):
            out, h = fn(b, *ps[:4], ps[4] if with_bias else None, go_backwards=go_backwards)
            return b.add(b.sum(b.multiply(out, out)), b.sum(b.multiply(h, 3.0))), None
        return b.value_and_grad(loss)([f64(b, a) for a in arrays])[1]

    for g_f, g_d in zip(run(type(b).gru), run(Backend.gru)):
        close(b, g_f, b.to_numpy(g_d), rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ random
def test_random(b):
    u1 = b.random_uniform((1000,), 7, -1.0, 3.0)
    u2 = b.random_uniform((1000,), b.convert(7), -1.0, 3.0)
    np.testing.assert_array_equal(b.to_numpy(u1), b.to_numpy(u2))
    u = b.to_numpy(u1)
    assert u.min() >= -1 and u.max() < 3 and abs(u.mean() - 1) < 0.2
    assert not np.array_equal(u, b.to_numpy(b.random_uniform((1000,), 8, -1.0, 3.0)))
    z = b.to_numpy(b.random_normal((4000,), 3, 2.0, 0.5))
    assert abs(z.mean() - 2) < 0.05 and abs(z.std() - 0.5) < 0.05
    assert b.dtype(b.random_normal((2,), 3, dtype="float64")) == "float64"
    tn = b.to_numpy(b.truncated_normal((4000,), 1))
    assert np.abs(tn).max() <= 2.0 + 1e-5
    br = b.to_numpy(b.bernoulli((4000,), 0.3, 5))
    assert set(np.unique(br)) <= {0.0, 1.0} and abs(br.mean() - 0.3) < 0.05
    b.random_uniform((2,), -3)  # negative seeds work


# ------------------------------------------------------------------ control
def test_value_and_grad(b):
    def fn(ps, scale):
        w, unused = ps
        out = b.multiply(w, scale)
        return b.sum(b.square(out)), {"out": out, "pair": (out, 3)}

    w = f32(b, [1.0, -2.0])
    (value, aux), grads = b.value_and_grad(fn)([w, b.zeros((2, 2))], 3.0)
    close(b, value, 45.0)
    close(b, grads[0], 18 * np.array([1.0, -2.0]))
    close(b, grads[1], np.zeros((2, 2)))
    assert not value.requires_grad and not aux["out"].requires_grad and aux["pair"][1] == 3
    assert not w.requires_grad  # params are not modified
    (value, _), grads = b.value_and_grad(lambda ps: (b.sum(b.ones((2,))), None))([w])
    close(b, grads[0], [0.0, 0.0])


def test_scan_and_control(b):
    xs = f32(b, rand(4, 2))

    def step(carry, x):
        c = b.add(carry, x)
        return c, (c, b.multiply(x, 2.0))

    carry, (ys, zs) = b.scan(step, b.zeros((2,)), xs)
    close(b, carry, b.to_numpy(xs).sum(0))
    close(b, ys, np.cumsum(b.to_numpy(xs), 0))
    close(b, zs, 2 * b.to_numpy(xs))
    carry, ys = b.scan(lambda c, x: ((c[0] + x[0], c[1]), x[1]), (b.zeros(()), b.ones(())),
                       (f32(b, [1.0, 2.0]), f32(b, [3.0, 4.0])))
    close(b, carry[0], 3.0)
    close(b, ys, [3.0, 4.0])
    check_grad(b, lambda c0, x: b.scan(lambda c, xt: (b.multiply(c, xt), c), c0, x)[1], rand(2), rand(3, 2))
    assert b.jit(step) is step
    p = [f64(b, [2.0])]
    _, g = b.value_and_grad(lambda ps: (b.sum(b.multiply(ps[0], b.stop_gradient(ps[0]))), None))(p)
    close(b, g[0], [2.0])
    assert b.fori_loop(0, 3, lambda i, v: b.add(v, i), b.zeros(())).item() == 3


def test_ops_namespace_error_message(b):
    from kerasette import config, ops
    previous = config._active
    config.set_backend("torch")
    try:
        with pytest.raises(ValueError, match=r"\(2, 3\).*\(5, 2\)"):
            ops.matmul(b.zeros((2, 3)), b.zeros((5, 2)))
        with pytest.raises(ValueError, match=r"conv"):
            ops.conv(b.zeros((1, 4, 3)), b.zeros((2, 5, 4)))
    finally:
        config._active = previous
