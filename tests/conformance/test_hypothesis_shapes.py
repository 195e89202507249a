"""Hypothesis-generated shapes: broadcast-compatible pairs for element-wise binary
ops, and (shape, axis, keepdims) for reductions. Values are drawn from a seeded
NumPy generator (cheaper than element strategies); examples per test come from
the ``kerasette`` profile in tests/conftest.py (15).
"""
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from . import references as R  # noqa: E402

BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
    "maximum": np.maximum, "minimum": np.minimum, "power": np.power,
    "greater": np.greater, "equal": np.equal, "less_equal": np.less_equal,
}


def _values(rng, shape, positive=False):
    if positive:
        return rng.uniform(0.5, 2.0, shape).astype(np.float32)
    x = rng.uniform(0.25, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return x.astype(np.float32)


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
       seed=st.integers(0, 2**31 - 1))
def test_binary_broadcasting(engine, shapes, seed):
    b = engine
    rng = np.random.default_rng(seed)
    sx, sy = shapes.input_shapes
    for name, f in BINARY.items():
        x = _values(rng, sx, positive=name == "power")
        y = _values(rng, sy)
        got = b.to_numpy(getattr(b, name)(b.convert(x), b.convert(y)))
        want = f(x.astype(np.float64), y.astype(np.float64))
        assert np.shape(got) == shapes.result_shape, f"{name}{sx, sy}: shape {np.shape(got)}"
        np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=5e-5, atol=1e-6, err_msg=f"{name}{sx, sy}")


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       seed=st.integers(0, 2**31 - 1))
def test_binary_broadcasting_gradient_sums_back(engine, shapes, seed):
    """Gradient of sum(x * y * w): unbroadcasting returns each input's own shape."""
    b = engine
    rng = np.random.default_rng(seed)
    sx, sy = shapes.input_shapes
    x, y = _values(rng, sx), _values(rng, sy)
    w = rng.standard_normal(shapes.result_shape).astype(np.float32)
    wb = b.convert(w)
    (_, _), (gx, gy) = b.value_and_grad(
        lambda p: (b.sum(b.multiply(b.multiply(p[0], p[1]), wb)), None))([b.convert(x), b.convert(y)])
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    want_gx = _unbroadcast(w * y64, sx)
    want_gy = _unbroadcast(w * x64, sy)
    assert tuple(b.shape(gx)) == tuple(sx) and tuple(b.shape(gy)) == tuple(sy)
    np.testing.assert_allclose(np.asarray(b.to_numpy(gx), np.float64), want_gx, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(b.to_numpy(gy), np.float64), want_gy, rtol=1e-4, atol=1e-5)


def _unbroadcast(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


@st.composite
def shape_axis_keepdims(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    nd = len(shape)
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = draw(st.integers(-nd, nd - 1))
    else:
        axes = draw(hnp.valid_tuple_axes(nd, min_size=1))
        axis = tuple(a % nd - nd if draw(st.booleans()) else a % nd for a in axes)  # mix negative spellings
    return shape, axis, draw(st.booleans())


REDUCE = {
    "sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod,
    "var": np.var, "std": np.std, "logsumexp": R.logsumexp,
    "norm": lambda x, axis=None, keepdims=False: np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims)),
}


@given(args=shape_axis_keepdims(), seed=st.integers(0, 2**31 - 1))
def test_reductions(engine, args, seed):
    b = engine
    shape, axis, keepdims = args
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 1.5, shape).astype(np.float32)
    xb = b.convert(x)
    for name, f in REDUCE.items():
        got = np.asarray(b.to_numpy(getattr(b, name)(xb, axis=axis, keepdims=keepdims)), np.float64)
        want = f(x.astype(np.float64), axis=axis, keepdims=keepdims)
        assert got.shape == np.shape(want), f"{name}(shape={shape}, axis={axis}, keepdims={keepdims}): {got.shape}"
        np.testing.assert_allclose(got, want, rtol=5e-5, atol=1e-5,
                                   err_msg=f"{name}(shape={shape}, axis={axis}, keepdims={keepdims})")
    flags = b.convert(x > 1.0)
    for name, f in {"any": np.any, "all": np.all}.items():
        got = np.asarray(b.to_numpy(getattr(b, name)(flags, axis=axis, keepdims=keepdims)))
        np.testing.assert_array_equal(got, f(x > 1.0, axis=axis, keepdims=keepdims),
                                      err_msg=f"{name}(axis={axis}, keepdims={keepdims})")


@given(args=shape_axis_keepdims(), seed=st.integers(0, 2**31 - 1))
def test_reduction_gradients(engine, args, seed):
    """Gradients of weighted sum/mean/max reductions broadcast back to the input shape."""
    b = engine
    shape, axis, keepdims = args
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    x = ((rng.permutation(n) - n / 2) * 0.25).reshape(shape).astype(np.float32)  # no ties for max
    out_shape = np.sum(x, axis=axis, keepdims=keepdims).shape
    w = rng.standard_normal(out_shape).astype(np.float32)
    wb = b.convert(w)
    keep = np.sum(x, axis=axis, keepdims=True).shape
    count = n // int(np.prod(keep))
    wk = w.reshape(keep).astype(np.float64)
    expected = {
        "sum": np.broadcast_to(wk, shape),
        "mean": np.broadcast_to(wk / count, shape),
        "max": np.where(x == np.max(x, axis=axis, keepdims=True), wk, 0.0),
    }
    for name, want in expected.items():
        (_, _), (g,) = b.value_and_grad(
            lambda p, n=name: (b.sum(b.multiply(getattr(b, n)(p[0], axis=axis, keepdims=keepdims), wb)), None)
        )([b.convert(x)])
        np.testing.assert_allclose(np.asarray(b.to_numpy(g), np.float64), want, rtol=1e-5, atol=1e-6,
                                   err_msg=f"grad of {name}(shape={shape}, axis={axis}, keepdims={keepdims})")


@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=4), data=st.data())
def test_argmax_argmin(engine, shape, data):
    b = engine
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31 - 1)))
    x = rng.integers(0, 3, shape).astype(np.float32)  # ties: the first index wins
    for name, f in {"argmax": np.argmax, "argmin": np.argmin}.items():
        got = np.asarray(b.to_numpy(getattr(b, name)(b.convert(x), axis=axis)))
        np.testing.assert_array_equal(got, f(x, axis=axis), err_msg=f"{name}(shape={shape}, axis={axis})")
