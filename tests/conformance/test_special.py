"""Contracts that are not "a value against a reference": random numbers, the
functional gradient, jit, conversions to and from NumPy, dtypes.

Random tests check shape, dtype, determinism for one seed, and moments with a
5-sigma band on 20,000 draws (a false failure is ~1e-6 per check).
"""
import math

import numpy as np
import pytest

from kerasette.backends.base import DTYPES

N = 20_000
SIGMAS = 5.0


def _np(b, x):
    return np.asarray(b.to_numpy(x))


# ------------------------------------------------------------------- random
def test_random_uniform(engine):
    b = engine
    x = b.random_uniform((100, 200), seed=3, minval=-1.0, maxval=3.0)
    assert b.shape(x) == (100, 200) and b.dtype(x) == "float32"
    a = _np(b, x).astype(np.float64)
    assert a.min() >= -1.0 and a.max() < 3.0
    # uniform on [-1, 3): mean 1, variance 16/12
    assert abs(a.mean() - 1.0) < SIGMAS * math.sqrt(16 / 12 / N)
    assert abs(a.var() - 16 / 12) < 0.05
    np.testing.assert_array_equal(a, _np(b, b.random_uniform((100, 200), seed=3, minval=-1.0, maxval=3.0)))
    assert not np.array_equal(a, _np(b, b.random_uniform((100, 200), seed=4, minval=-1.0, maxval=3.0)))
    assert b.dtype(b.random_uniform((3,), seed=1, dtype="float16")) == "float16"


def test_random_normal(engine):
    b = engine
    x = b.random_normal((N,), seed=11, mean=2.0, stddev=3.0)
    assert b.shape(x) == (N,) and b.dtype(x) == "float32"
    a = _np(b, x).astype(np.float64)
    assert abs(a.mean() - 2.0) < SIGMAS * 3.0 / math.sqrt(N)
    assert abs(a.std() - 3.0) < SIGMAS * 3.0 / math.sqrt(2 * N)
    np.testing.assert_array_equal(a, _np(b, b.random_normal((N,), seed=11, mean=2.0, stddev=3.0)))
    assert not np.array_equal(a, _np(b, b.random_normal((N,), seed=12, mean=2.0, stddev=3.0)))
    assert b.shape(b.random_normal((2, 3, 4), seed=0)) == (2, 3, 4)


def test_truncated_normal(engine):
    b = engine
    x = b.truncated_normal((N,), seed=5, mean=1.0, stddev=2.0)
    assert b.shape(x) == (N,) and b.dtype(x) == "float32"
    a = _np(b, x).astype(np.float64)
    assert a.min() >= 1.0 - 2 * 2.0 - 1e-5 and a.max() <= 1.0 + 2 * 2.0 + 1e-5, "outside 2 stddev"
    # a normal truncated to +-2 sigma has std 0.87962566 * sigma
    assert abs(a.mean() - 1.0) < SIGMAS * 2.0 / math.sqrt(N)
    assert abs(a.std() - 0.87962566 * 2.0) < 0.03
    np.testing.assert_array_equal(a, _np(b, b.truncated_normal((N,), seed=5, mean=1.0, stddev=2.0)))


def test_bernoulli(engine):
    b = engine
    x = b.bernoulli((N,), 0.3, seed=9)
    assert b.shape(x) == (N,) and b.dtype(x) == "float32"
    a = _np(b, x)
    assert set(np.unique(a)) <= {0.0, 1.0}
    assert abs(a.mean() - 0.3) < SIGMAS * math.sqrt(0.3 * 0.7 / N)
    np.testing.assert_array_equal(a, _np(b, b.bernoulli((N,), 0.3, seed=9)))
    assert b.dtype(b.bernoulli((4,), 0.5, seed=1, dtype="int32")) == "int32"


def test_random_seed_array_under_jit(engine):
    """Seeds may be 0-d integer engine arrays, also inside a compiled step (Dropout)."""
    b = engine
    draw = b.jit(lambda s: b.random_uniform((64,), s))
    s5 = b.convert(np.array(5, np.int32))
    first = _np(b, draw(s5))
    np.testing.assert_array_equal(first, _np(b, draw(b.convert(np.array(5, np.int32)))))
    assert not np.array_equal(first, _np(b, draw(b.convert(np.array(6, np.int32)))))
    eager = _np(b, b.random_uniform((64,), b.convert(np.array(5, np.int32))))
    np.testing.assert_array_equal(eager, _np(b, b.random_uniform((64,), b.convert(np.array(5, np.int32)))))


# ------------------------------------------------------------ value_and_grad
def test_value_and_grad_unused_param_gets_zeros(engine):
    b = engine
    x = b.convert(np.array([1.0, 2.0, 3.0], np.float32))
    unused = b.convert(np.ones((2, 2), np.float32))

    def f(params):
        return b.sum(b.square(params[0])), None

    (value, aux), grads = b.value_and_grad(f)([x, unused])
    assert float(_np(b, value)) == pytest.approx(14.0)
    assert aux is None
    assert len(grads) == 2
    np.testing.assert_allclose(_np(b, grads[0]), [2.0, 4.0, 6.0], rtol=1e-6)
    assert b.shape(grads[1]) == (2, 2)
    np.testing.assert_array_equal(_np(b, grads[1]), np.zeros((2, 2)))


def test_value_and_grad_aux_passes_through(engine):
    b = engine
    x = b.convert(np.array([1.0, -2.0], np.float32))

    def f(params):
        y = b.multiply(params[0], 3.0)
        return b.sum(y), {"y": y, "pair": (b.square(params[0]), b.sum(y))}

    (value, aux), grads = b.value_and_grad(f)([x])
    assert set(aux) == {"y", "pair"} and isinstance(aux["pair"], (tuple, list)) and len(aux["pair"]) == 2
    np.testing.assert_allclose(_np(b, aux["y"]), [3.0, -6.0])
    np.testing.assert_allclose(_np(b, aux["pair"][0]), [1.0, 4.0])
    assert float(_np(b, aux["pair"][1])) == pytest.approx(-3.0)
    assert float(_np(b, value)) == pytest.approx(-3.0)
    np.testing.assert_allclose(_np(b, grads[0]), [3.0, 3.0])
    assert b.dtype(grads[0]) == "float32"


def test_value_and_grad_extra_args_and_reuse(engine):
    """``*args`` reach ``fn`` and carry no gradient; a param used twice sums its paths;
    the returned function can be called again with new values."""
    b = engine

    def f(params, data, target):
        w, c = params
        pred = b.add(b.matmul(data, w), b.multiply(c, c))
        return b.mean(b.square(b.subtract(pred, target))), pred

    g = b.value_and_grad(f)
    rng = np.random.default_rng(0)
    data, target = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    for trial in range(2):
        w, c = rng.standard_normal((3, 2)), rng.standard_normal(())
        (value, pred), (gw, gc) = g([b.convert(w.astype(np.float32)), b.convert(np.float32(c))],
                                    b.convert(data.astype(np.float32)), b.convert(target.astype(np.float32)))
        r = data @ w + c * c - target
        assert float(_np(b, value)) == pytest.approx(np.mean(r ** 2), rel=1e-5)
        np.testing.assert_allclose(_np(b, pred), data @ w + c * c, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(_np(b, gw), data.T @ (2 * r / r.size), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(_np(b, gc), np.sum(2 * r / r.size) * 2 * c, rtol=1e-4, atol=1e-6)
        assert b.shape(gc) == ()


def test_stop_gradient_in_value_and_grad(engine):
    b = engine
    x = b.convert(np.array([1.0, 2.0], np.float32))
    (_, _), (g,) = b.value_and_grad(lambda p: (b.sum(b.stop_gradient(b.square(p[0]))), None))([x])
    np.testing.assert_array_equal(_np(b, g), [0.0, 0.0])
    (_, _), (g,) = b.value_and_grad(
        lambda p: (b.sum(b.add(p[0], b.stop_gradient(b.multiply(p[0], 5.0)))), None))([x])
    np.testing.assert_array_equal(_np(b, g), [1.0, 1.0])


# ---------------------------------------------------------------------- jit
def test_jit_matches_eager(engine):
    b = engine

    def f(x, y):
        return b.add(b.tanh(b.matmul(x, y)), 1.0), b.sum(x)

    x = b.convert(np.arange(6, dtype=np.float32).reshape(2, 3) / 6)
    y = b.convert(np.ones((3, 2), np.float32))
    jf = b.jit(f)
    for _ in range(2):  # second call hits the compiled cache where there is one
        (o1, s1), (o2, s2) = f(x, y), jf(x, y)
        np.testing.assert_allclose(_np(b, o2), _np(b, o1), rtol=1e-6)
        np.testing.assert_allclose(_np(b, s2), _np(b, s1), rtol=1e-6)


def test_jit_of_value_and_grad(engine):
    """The train-step pattern: a compiled function that takes gradients inside."""
    b = engine

    def step(params, x):
        (loss, _), grads = b.value_and_grad(lambda p, x: (b.sum(b.square(b.multiply(p[0], x))), None))(params, x)
        return [b.subtract(p, b.multiply(g, 0.1)) for p, g in zip(params, grads)], loss

    w = b.convert(np.array([1.0, -1.0, 2.0], np.float32))
    x = b.convert(np.array([1.0, 2.0, 0.5], np.float32))
    new, loss = b.jit(step)([w], x)
    assert float(_np(b, loss)) == pytest.approx(1 + 4 + 1)
    np.testing.assert_allclose(_np(b, new[0]), [1 - 0.2, -1 + 0.8, 2 - 0.1], rtol=1e-6)


def test_jit_donate_argnums(engine):
    b = engine
    step = b.jit(lambda s, x: b.add(s, x), donate_argnums=(0,))
    s = b.convert(np.zeros(3, np.float32))
    x = b.convert(np.ones(3, np.float32))
    for _ in range(3):
        s = step(s, x)
    np.testing.assert_array_equal(_np(b, s), [3.0, 3.0, 3.0])


def test_scan_matches_loop_under_jit(engine):
    b = engine
    xs = b.convert(np.arange(1, 5, dtype=np.float32))
    f = b.jit(lambda xs: b.scan(lambda c, x: (b.add(c, x), b.multiply(c, 2.0)), b.zeros(()), xs))
    carry, ys = f(xs)
    assert float(_np(b, carry)) == 10.0
    np.testing.assert_array_equal(_np(b, ys), [0.0, 2.0, 6.0, 12.0])


# ------------------------------------------------------------- conversions
def test_to_numpy(engine):
    b = engine
    src = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = b.to_numpy(b.convert(src))
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_array_equal(out, src)
    assert isinstance(b.to_numpy(b.convert(np.array([1, 2], np.int32))), np.ndarray)
    # detached from the tape: a gradient's value and an aux value read back
    (_, aux), (g,) = b.value_and_grad(lambda p: (b.sum(p[0]), b.multiply(p[0], 2.0)))([b.convert(src)])
    np.testing.assert_array_equal(b.to_numpy(aux), 2 * src)
    np.testing.assert_array_equal(b.to_numpy(g), np.ones_like(src))


def test_is_array_foreign(engine):
    b = engine
    assert b.is_array(b.convert(np.ones(2, np.float32)))
    assert not b.is_array([1.0, 2.0]) and not b.is_array(1.5) and not b.is_array(None)
    if b.name != "numpy":
        assert not b.is_array(np.ones(2, np.float32)), "a NumPy array is not a torch/jax array"


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_is_held_or_refused(engine, dtype):
    """Each dtype name either round-trips through zeros/ones/cast/dtype, or raises
    TypeError naming it (base.py: "A dtype an engine cannot hold raises TypeError"),
    except JAX's documented narrowing of 64-bit dtypes to 32-bit (as Keras on JAX)."""
    b = engine
    must_hold = {"float16", "float32", "int8", "int16", "int32", "uint8", "bool"}
    if b.name == "jax" and dtype in ("float64", "int64", "complex128"):
        narrow = {"float64": "float32", "int64": "int32", "complex128": "complex64"}[dtype]
        assert b.dtype(b.zeros((2,), dtype)) == narrow
        assert b.dtype(b.cast(b.convert(np.ones(2, np.float32)), dtype)) == narrow
        return
    try:
        z = b.zeros((2,), dtype)
    except TypeError as e:
        assert dtype not in must_hold, f"{b.name} refused {dtype}"
        assert dtype in str(e), f"TypeError for {dtype} does not name it: {e}"
        return
    assert b.dtype(z) == dtype, f"zeros(dtype={dtype!r}) gave {b.dtype(z)} on {b.name}"
    assert b.dtype(b.ones((3,), dtype)) == dtype
    assert b.dtype(b.cast(b.convert(np.ones(2, np.float32)), dtype)) == dtype
    assert b.dtype(b.full((1,), 1, dtype)) == dtype
