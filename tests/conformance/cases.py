"""The conformance table: at least one ``Case`` per public ``Backend`` method.

Methods whose contract is not "a value compared with a reference" (random
numbers, ``value_and_grad``, ``jit``, ``to_numpy``...) are covered by the tests
named in ``SPECIAL`` (tests in any ``test_*.py`` of this folder). ``test_coverage.py``
fails when a public Backend method is in neither.

Cases are grouped by family: this file holds the core ops; ``cases_<family>.py``
(one per mixin of ``kerasette/backends/contract/``) add theirs with ``add`` and
``SPECIAL`` from here. A case with ``keras=`` is also checked against
``keras.ops`` itself (``test_keras_oracle.py``).
"""
from __future__ import annotations

import math

import numpy as np

from . import references as R
from .harness import Case

CASES: list[Case] = []
_rng = np.random.default_rng(20240611)

F32 = np.float32
I32 = np.int32


def add(method, label, fn, ref, inputs=(), diff=(), **kw):
    inputs = tuple(np.asarray(x) if isinstance(x, np.generic) else x for x in inputs)
    CASES.append(Case(method, label, fn, ref, inputs, tuple(diff), **kw))


def u(shape, lo=-2.0, hi=2.0):
    """Uniform float32 values."""
    return _rng.uniform(lo, hi, shape).astype(F32)


def away(shape, gap=0.1, lo=-2.0, hi=2.0):
    """Uniform float32 values with |x| >= gap (away from a kink at 0)."""
    x = _rng.uniform(gap, max(abs(lo), abs(hi)), shape) * _rng.choice([-1.0, 1.0], shape)
    return np.clip(x, lo, hi).astype(F32)


def distinct(shape, spread=0.25):
    """Float32 values, all different by at least ``spread`` (no ties for max/argmax)."""
    n = int(np.prod(shape))
    return ((_rng.permutation(n) - n / 2) * spread).reshape(shape).astype(F32)


def ints(shape, lo, hi, dtype=I32):
    return _rng.integers(lo, hi, shape).astype(dtype)


def bools(shape):
    return _rng.random(shape) < 0.5


def m(name):
    """fn calling Backend.<name> with all inputs positionally."""
    return lambda b, *xs: getattr(b, name)(*xs)


# =================================================================== creation
add("zeros", "f32", lambda b: b.zeros((2, 3)), lambda: np.zeros((2, 3)), tol="exact")
add("zeros", "int32", lambda b: b.zeros((4,), "int32"), lambda: np.zeros(4, I32), tol="exact", dtype="int32")
add("zeros", "scalar-shape", lambda b: b.zeros(()), lambda: np.zeros(()), tol="exact")
add("ones", "f32", lambda b: b.ones((3, 1, 2)), lambda: np.ones((3, 1, 2)), tol="exact")
add("ones", "bool", lambda b: b.ones((2,), "bool"), lambda: np.ones(2, bool), tol="exact")
add("full", "f32", lambda b: b.full((2, 2), 1.5), lambda: np.full((2, 2), 1.5), tol="exact")
add("full", "int32", lambda b: b.full((3,), 7, "int32"), lambda: np.full(3, 7, I32), tol="exact", dtype="int32")
add("arange", "stop", lambda b: b.arange(5), lambda: np.arange(5, dtype=I32), tol="exact", dtype="int32")
add("arange", "start-stop-step", lambda b: b.arange(2, 11, 3), lambda: np.arange(2, 11, 3, dtype=I32),
    tol="exact", dtype="int32")
add("arange", "float", lambda b: b.arange(0, 1, 0.25, dtype="float32"), lambda: np.arange(0, 1, 0.25),
    tol="exact")
add("eye", "f32", lambda b: b.eye(3), lambda: np.eye(3), tol="exact")
add("eye", "int32", lambda b: b.eye(2, dtype="int32"), lambda: np.eye(2, dtype=I32), tol="exact", dtype="int32")
add("zeros_like", "keeps-dtype", m("zeros_like"), lambda x: np.zeros_like(x), [ints((2, 3), 0, 5)],
    tol="exact", dtype="int32")
add("zeros_like", "dtype", lambda b, x: b.zeros_like(x, "float32"), lambda x: np.zeros(x.shape),
    [ints((2,), 0, 5)], tol="exact")
add("ones_like", "keeps-dtype", m("ones_like"), lambda x: np.ones_like(x), [u((3, 2))], tol="exact")
add("ones_like", "dtype", lambda b, x: b.ones_like(x, "int32"), lambda x: np.ones(x.shape, I32),
    [u((2, 2))], tol="exact", dtype="int32")

# convert: inputs passed as given (raw)
add("convert", "float-list", m("convert"), lambda x: np.array(x), [[[1.5, 2.0], [3.0, -1.0]]],
    raw=True, tol="exact", dtype="float32")
add("convert", "python-float", m("convert"), lambda x: np.array(x), [2.5], raw=True, tol="exact",
    dtype="float32")
add("convert", "python-int", m("convert"), lambda x: np.array(x), [3], raw=True, tol="exact")
add("convert", "python-bool", m("convert"), lambda x: np.array(x), [True], raw=True, tol="exact")
add("convert", "np-float32", m("convert"), lambda x: x, [u((2, 3))], raw=True, tol="exact")
add("convert", "np-int32", m("convert"), lambda x: x, [ints((4,), -5, 5)], raw=True, tol="exact",
    dtype="int32")
add("convert", "np-uint8", m("convert"), lambda x: x, [ints((3,), 0, 255, np.uint8)], raw=True,
    tol="exact", dtype="uint8")
add("convert", "np-float64", m("convert"), lambda x: x, [u((3,)).astype(np.float64)], raw=True,
    tol="exact", dtype={"jax": "float32", "default": "float64"})
add("convert", "dtype-arg", lambda b, x: b.convert(x, "float16"), lambda x: np.array(x),
    [[0.5, 1.25, -2.0]], raw=True, tol="exact", dtype="float16")
add("convert", "dtype-arg-int", lambda b, x: b.convert(x, "int32"), lambda x: x.astype(I32),
    [ints((3,), -3, 3, np.int64)], raw=True, tol="exact", dtype="int32")
add("convert", "engine-passthrough", lambda b, x: b.convert(b.convert(x)), lambda x: x, [u((2,))],
    raw=True, tol="exact")

add("cast", "float-to-int-truncates", lambda b, x: b.cast(x, "int32"), lambda x: np.trunc(x).astype(I32),
    [np.array([-2.7, -0.5, 0.5, 2.7, 3.0], F32)], tol="exact", dtype="int32")
add("cast", "int-to-float", lambda b, x: b.cast(x, "float32"), lambda x: x.astype(np.float64),
    [ints((2, 3), -9, 9)], tol="exact")
add("cast", "float-to-bool", lambda b, x: b.cast(x, "bool"), lambda x: x != 0,
    [np.array([0.0, 1.5, -2.0, 0.0], F32)], tol="exact")
add("cast", "bool-to-float", lambda b, x: b.cast(x, "float32"), lambda x: x.astype(np.float64),
    [bools((5,))], tol="exact")
add("cast", "float32-identity-grad", lambda b, x: b.cast(x, "float32"), lambda x: x, [u((3,))], diff=[0])
add("cast", "float16", lambda b, x: b.cast(x, "float16"), lambda x: x.astype(np.float16).astype(np.float64),
    [u((4,))], tol="exact", dtype="float16")

# introspection (Python values)
add("shape", "3d", m("shape"), lambda x: x.shape, [u((2, 1, 3))], python=True)
add("shape", "scalar", m("shape"), lambda x: x.shape, [np.array(1.0, F32)], python=True)
add("ndim", "3d", m("ndim"), lambda x: x.ndim, [u((2, 1, 3))], python=True)
add("size", "3d", m("size"), lambda x: int(x.size), [u((2, 4, 3))], python=True)
add("dtype", "float32", m("dtype"), lambda x: "float32", [u((2,))], python=True)
add("dtype", "int32", m("dtype"), lambda x: "int32", [ints((2,), 0, 3)], python=True)
add("dtype", "bool", m("dtype"), lambda x: "bool", [bools((2,))], python=True)
add("dtype", "uint8", m("dtype"), lambda x: "uint8", [ints((2,), 0, 3, np.uint8)], python=True)
add("dtype", "float16", lambda b: b.dtype(b.zeros((2,), "float16")), lambda: "float16", python=True)
add("dtype", "int8", lambda b: b.dtype(b.zeros((2,), "int8")), lambda: "int8", python=True)
add("dtype", "int16", lambda b: b.dtype(b.zeros((2,), "int16")), lambda: "int16", python=True)
add("is_array", "engine-array", m("is_array"), lambda x: True, [u((2,))], python=True)
add("is_array", "python-list", m("is_array"), lambda x: False, [[1.0, 2.0]], raw=True, python=True)

# ======================================================= element-wise binary
BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
}
for name, f in BINARY.items():
    y_gen = (lambda s: away(s, 0.5)) if name == "divide" else u
    add(name, "same-shape", m(name), f, [u((3, 4)), y_gen((3, 4))], diff=[0, 1])
    add(name, "broadcast", m(name), f, [u((3, 1, 4)), y_gen((2, 4))], diff=[0, 1])
    add(name, "broadcast-both", m(name), f, [u((2, 1)), y_gen((1, 3))], diff=[0, 1])
    add(name, "0d", m(name), f, [u((3,)), y_gen(())], diff=[0, 1])
    add(name, "python-scalar", lambda b, x, n=name: getattr(b, n)(x, 1.5), lambda x, f=f: f(x, 1.5),
        [u((2, 3))], diff=[0])
    add(name, "python-scalar-first", lambda b, x, n=name: getattr(b, n)(1.5, x), lambda x, f=f: f(1.5, x),
        [away((2, 3), 0.5)], diff=[0])
    if name != "divide":
        add(name, "int32", m(name), f, [ints((2, 3), -9, 9), ints((3,), -9, 9)], tol="exact", dtype="int32")
    add(name, "int-python-scalar", lambda b, x, n=name: getattr(b, n)(x, 2),
        lambda x, f=f: f(x, np.int32(2)), [ints((4,), -9, 9)], tol="exact",
        dtype="float32" if name == "divide" else "int32")
add("divide", "int32-gives-float32", m("divide"), np.divide, [ints((2, 3), -9, 9), ints((3,), 1, 5)],
    dtype="float32")

add("power", "same-shape", m("power"), np.power, [u((3, 4), 0.5, 2.0), u((3, 4), -1.5, 2.0)],
    diff=[0, 1], tol="trans")
add("power", "broadcast", m("power"), np.power, [u((2, 1, 3), 0.5, 2.0), u((4, 1), -1.5, 2.0)],
    diff=[0, 1], tol="trans")
add("power", "python-exponent", lambda b, x: b.power(x, 3.0), lambda x: x ** 3.0, [u((2, 3))], diff=[0],
    tol="trans")
add("power", "python-base", lambda b, x: b.power(2.0, x), lambda x: 2.0 ** x, [u((2, 3))], diff=[0],
    tol="trans")
add("power", "int32", m("power"), np.power, [ints((5,), -3, 4), ints((5,), 0, 4)], tol="exact",
    dtype="int32")


def _apart(shape, gap=0.1):
    x = u(shape)
    d = away(shape, gap, -1.0, 1.0)
    return x, (x + d).astype(F32)


for name, f in {"maximum": np.maximum, "minimum": np.minimum}.items():
    x, y = _apart((3, 4))
    add(name, "same-shape", m(name), f, [x, y], diff=[0, 1])
    x, y = _apart((3, 4))
    add(name, "broadcast", m(name), f, [x[:, None, :], y[:2]], diff=[0, 1])
    add(name, "python-scalar", lambda b, x, n=name: getattr(b, n)(x, 0.0), lambda x, f=f: f(x, 0.0),
        [away((2, 3))], diff=[0])
    add(name, "int32", m(name), f, [ints((2, 3), -9, 9), ints((3,), -9, 9)], tol="exact", dtype="int32")
add("maximum", "ties-go-to-x", m("maximum"), np.maximum,
    [np.array([1.0, 2.0, 3.0, -1.0], F32), np.array([1.0, 0.0, 5.0, -1.0], F32)], diff=[0, 1],
    ref_grad=lambda w, x, y: [w[0] * (x >= y), w[0] * (x < y)])
add("minimum", "ties-go-to-x", m("minimum"), np.minimum,
    [np.array([1.0, 2.0, 3.0, -1.0], F32), np.array([1.0, 0.0, 5.0, -1.0], F32)], diff=[0, 1],
    ref_grad=lambda w, x, y: [w[0] * (x <= y), w[0] * (x > y)])


def _fdiv_pair(shape):
    y = away(shape, 0.5, -3.0, 3.0)
    q = _rng.integers(-4, 5, shape) + _rng.uniform(0.2, 0.8, shape)
    return (q * y).astype(F32), y


add("floor_divide", "int32-negatives", m("floor_divide"), np.floor_divide,
    [ints((3, 4), -20, 20), np.array([3, -3, 7, -2], I32)], tol="exact", dtype="int32")
add("floor_divide", "float", m("floor_divide"), np.floor_divide, list(_fdiv_pair((3, 4))), tol="exact")
add("floor_divide", "python-scalar", lambda b, x: b.floor_divide(x, 4), lambda x: x // np.int32(4),
    [ints((5,), -20, 20)], tol="exact", dtype="int32")
add("mod", "int32-sign-of-y", m("mod"), np.mod, [ints((3, 4), -20, 20), np.array([3, -3, 7, -2], I32)],
    tol="exact", dtype="int32")
add("mod", "float-sign-of-y", m("mod"), np.mod, list(_fdiv_pair((3, 4))), tol="trans")
add("mod", "python-scalar", lambda b, x: b.mod(x, 3), lambda x: np.mod(x, np.int32(3)),
    [ints((6,), -9, 9)], tol="exact", dtype="int32")

add("where", "same-shape", m("where"), np.where, [bools((3, 4)), u((3, 4)), u((3, 4))], diff=[1, 2])
add("where", "broadcast", m("where"), np.where, [bools((3, 1)), u((3, 4)), u((4,))], diff=[1, 2])
add("where", "python-scalar", lambda b, c, x: b.where(c, x, 0.0), lambda c, x: np.where(c, x, 0.0),
    [bools((2, 3)), u((2, 3))], diff=[1])
add("where", "int32", m("where"), np.where, [bools((4,)), ints((4,), 0, 9), ints((4,), 0, 9)],
    tol="exact", dtype="int32")

# ======================================================== element-wise unary
UNARY = [
    # name, reference, input generator, tolerance class
    ("negative", np.negative, lambda: u((3, 4)), "simple"),
    ("abs", np.abs, lambda: away((3, 4)), "simple"),
    ("sign", np.sign, lambda: away((3, 4)), "exact"),
    ("exp", np.exp, lambda: u((3, 4), -3, 3), "trans"),
    ("log", np.log, lambda: u((3, 4), 0.2, 4.0), "trans"),
    ("log1p", np.log1p, lambda: u((3, 4), -0.5, 3.0), "trans"),
    ("expm1", np.expm1, lambda: u((3, 4), -2, 2), "trans"),
    ("sqrt", np.sqrt, lambda: u((3, 4), 0.2, 4.0), "simple"),
    ("square", np.square, lambda: u((3, 4)), "simple"),
    ("sin", np.sin, lambda: u((3, 4), -3, 3), "trans"),
    ("cos", np.cos, lambda: u((3, 4), -3, 3), "trans"),
    ("tanh", np.tanh, lambda: u((3, 4), -3, 3), "trans"),
    ("erf", R.erf, lambda: u((3, 4), -2.5, 2.5), "trans"),
    ("sigmoid", R.sigmoid, lambda: u((3, 4), -5, 5), "trans"),
    ("relu", lambda x: np.maximum(x, 0), lambda: away((3, 4)), "simple"),
    ("softplus", R.softplus, lambda: u((3, 4), -5, 5), "trans"),
    ("round", np.round, lambda: (away((3, 4), 0.1, -0.4, 0.4) + ints((3, 4), -3, 3)).astype(F32), "exact"),
    ("floor", np.floor, lambda: (u((3, 4), 0.1, 0.9) + ints((3, 4), -3, 3)).astype(F32), "exact"),
    ("ceil", np.ceil, lambda: (u((3, 4), 0.1, 0.9) + ints((3, 4), -3, 3)).astype(F32), "exact"),
    # derived
    ("reciprocal", lambda x: 1.0 / x, lambda: away((3, 4), 0.3), "simple"),
    ("rsqrt", lambda x: 1.0 / np.sqrt(x), lambda: u((3, 4), 0.2, 4.0), "trans"),
    ("softsign", lambda x: x / (1 + np.abs(x)), lambda: away((3, 4)), "simple"),
    ("elu", lambda x: np.where(x > 0, x, np.expm1(x)), lambda: away((3, 4)), "trans"),
    ("selu", lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
     lambda: away((3, 4)), "trans"),
    ("leaky_relu", lambda x: np.where(x >= 0, x, 0.2 * x), lambda: away((3, 4)), "simple"),
    ("relu6", lambda x: np.clip(x, 0, 6), lambda: np.concatenate([away((6,)), u((6,), 0.1, 5.9),
                                                                 u((4,), 6.1, 9)]), "simple"),
    ("silu", lambda x: x * R.sigmoid(x), lambda: u((3, 4), -4, 4), "trans"),
    ("gelu", lambda x: 0.5 * x * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3))),
     lambda: u((3, 4), -3, 3), "trans"),
    ("hard_sigmoid", lambda x: np.clip(x / 6 + 0.5, 0, 1),
     lambda: np.concatenate([u((6,), -2.9, 2.9), u((3,), 3.1, 5), u((3,), -5, -3.1)]), "simple"),
    ("hard_silu", lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
     lambda: np.concatenate([u((6,), -2.9, 2.9), u((3,), 3.1, 5), u((3,), -5, -3.1)]), "simple"),
]
for name, f, gen, tol in UNARY:
    add(name, "grid", m(name), f, [gen()], diff=[0], tol=tol)
    add(name, "0d", m(name), f, [np.asarray(gen().ravel()[0])], tol=tol)

add("sign", "zeros", m("sign"), np.sign, [np.array([-2.0, 0.0, 3.0, -0.0], F32)], tol="exact")
add("sign", "int32", m("sign"), np.sign, [ints((5,), -3, 3)], tol="exact", dtype="int32")
add("abs", "int32", m("abs"), np.abs, [ints((5,), -3, 3)], tol="exact", dtype="int32")
add("abs", "grad-zero-at-zero", m("abs"), np.abs, [np.array([-1.0, 0.0, 2.0], F32)], diff=[0],
    ref_grad=lambda w, x: [w[0] * np.sign(x)])
add("relu", "grad-zero-at-zero", m("relu"), lambda x: np.maximum(x, 0), [np.array([-1.0, 0.0, 2.0], F32)],
    diff=[0], ref_grad=lambda w, x: [w[0] * (x > 0)])
add("negative", "int32", m("negative"), np.negative, [ints((4,), -5, 5)], tol="exact", dtype="int32")
add("square", "int32", m("square"), np.square, [ints((4,), -5, 5)], tol="exact", dtype="int32")
add("round", "half-to-even", m("round"), np.round,
    [np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49, 3.51], F32)], tol="exact")
add("expm1", "tiny", m("expm1"), np.expm1, [np.array([1e-5, -3e-6, 2e-7, 1e-3], F32)], diff=[0],
    tol="trans")
add("log1p", "tiny", m("log1p"), np.log1p, [np.array([1e-5, -3e-6, 2e-7, 1e-3], F32)], diff=[0],
    tol="trans")
LARGE = np.array([-100.0, -30.0, -5.0, 0.5, 5.0, 30.0, 100.0], F32)
add("sigmoid", "large", m("sigmoid"), R.sigmoid, [LARGE], diff=[0], tol="trans")
add("softplus", "large", m("softplus"), R.softplus, [LARGE], diff=[0], tol="trans")
add("clip", "grid", lambda b, x: b.clip(x, -0.5, 1.0), lambda x: np.clip(x, -0.5, 1.0),
    [np.concatenate([u((4,), -0.4, 0.9), u((3,), -3, -0.6), u((3,), 1.1, 3)])], diff=[0])
add("clip", "int32", lambda b, x: b.clip(x, -2, 3), lambda x: np.clip(x, -2, 3), [ints((6,), -6, 6)],
    tol="exact", dtype="int32")
add("elu", "alpha", lambda b, x: b.elu(x, alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)),
    [away((3, 4))], diff=[0], tol="trans")
add("leaky_relu", "slope", lambda b, x: b.leaky_relu(x, negative_slope=0.1),
    lambda x: np.where(x >= 0, x, 0.1 * x), [away((3, 4))], diff=[0])
add("gelu", "exact-erf", lambda b, x: b.gelu(x, approximate=False),
    lambda x: 0.5 * x * (1 + R.erf(x / math.sqrt(2))), [u((3, 4), -3, 3)], diff=[0], tol="trans")

# ================================================= comparison and logic
CMP = {"equal": np.equal, "not_equal": np.not_equal, "less": np.less, "less_equal": np.less_equal,
       "greater": np.greater, "greater_equal": np.greater_equal}
for name, f in CMP.items():
    add(name, "broadcast-ties", m(name), f, [ints((3, 4), 0, 3).astype(F32), ints((4,), 0, 3).astype(F32)],
        tol="exact")
    add(name, "int32", m(name), f, [ints((2, 3), 0, 3), ints((2, 1), 0, 3)], tol="exact")
    add(name, "python-scalar", lambda b, x, n=name: getattr(b, n)(x, 1.0), lambda x, f=f: f(x, 1.0),
        [ints((5,), 0, 3).astype(F32)], tol="exact")
add("logical_and", "broadcast", m("logical_and"), np.logical_and, [bools((3, 4)), bools((4,))], tol="exact")
add("logical_or", "broadcast", m("logical_or"), np.logical_or, [bools((3, 4)), bools((3, 1))], tol="exact")
add("logical_not", "bool", m("logical_not"), np.logical_not, [bools((3, 4))], tol="exact")
SPECIALS = np.array([0.0, np.nan, np.inf, -np.inf, -1.5, 3.0], F32)
add("isnan", "specials", m("isnan"), np.isnan, [SPECIALS], tol="exact")
add("isfinite", "specials", m("isfinite"), np.isfinite, [SPECIALS], tol="exact")

# ================================================================= reductions
AXES = [(None, False), (None, True), (1, False), (-1, True), ((0, 2), False), ((-1, 0), True)]
REDUCE = {
    "sum": (np.sum, lambda: u((2, 3, 4))),
    "mean": (np.mean, lambda: u((2, 3, 4))),
    "max": (np.max, lambda: distinct((2, 3, 4))),
    "min": (np.min, lambda: distinct((2, 3, 4))),
    "prod": (np.prod, lambda: u((2, 3, 4), 0.5, 1.5)),
    "var": (np.var, lambda: u((2, 3, 4))),
    "std": (np.std, lambda: u((2, 3, 4))),
    "logsumexp": (R.logsumexp, lambda: u((2, 3, 4), -3, 3)),
    "norm": (lambda x, axis=None, keepdims=False: np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims)),
             lambda: away((2, 3, 4), 0.2)),
}


def _axis_label(axis, keepdims):
    a = "none" if axis is None else str(axis).replace(" ", "")
    return f"axis={a}" + ("-keepdims" if keepdims else "")


DERIVED_AXES = [(None, False), (-1, True), ((0, 2), False)]  # derived from sum/mean/max: fewer variants
for name, (f, gen) in REDUCE.items():
    tol = "trans" if name in ("logsumexp", "std", "norm") else "reduce"
    for axis, keep in (DERIVED_AXES if name in ("var", "std", "logsumexp", "norm") else AXES):
        add(name, _axis_label(axis, keep),
            lambda b, x, n=name, a=axis, k=keep: getattr(b, n)(x, axis=a, keepdims=k),
            lambda x, f=f, a=axis, k=keep: f(x, axis=a, keepdims=k), [gen()], diff=[0], tol=tol)
    add(name, "default-args", m(name), f, [gen()], diff=[0], tol=tol)

add("sum", "int32", lambda b, x: b.sum(x, axis=0), lambda x: np.sum(x, axis=0), [ints((3, 4), -5, 5)],
    tol="exact")
add("mean", "int32-gives-float32", lambda b, x: b.mean(x, axis=-1), lambda x: np.mean(x, axis=-1),
    [ints((3, 4), -5, 5)], dtype="float32")
add("max", "ties-share-grad", lambda b, x: b.max(x, axis=1), lambda x: np.max(x, axis=1),
    [np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], F32)], diff=[0],
    ref_grad=lambda w, x: [w[0][:, None] * (x == x.max(1, keepdims=True)) / (x == x.max(1, keepdims=True)).sum(1, keepdims=True)])
add("min", "ties-share-grad", lambda b, x: b.min(x), lambda x: np.min(x),
    [np.array([[1.0, 3.0, 0.0], [0.0, 2.0, 0.0]], F32)], diff=[0],
    ref_grad=lambda w, x: [w[0] * (x == x.min()) / (x == x.min()).sum()])
add("max", "int32", lambda b, x: b.max(x, axis=-1), lambda x: np.max(x, axis=-1), [ints((3, 4), -5, 5)],
    tol="exact", dtype="int32")
add("logsumexp", "large-and-neg-inf", lambda b, x: b.logsumexp(x, axis=-1), lambda x: R.logsumexp(x, axis=-1),
    [np.array([[1000.0, 1000.0, 999.0], [-np.inf, -np.inf, -np.inf], [-np.inf, 0.0, 1.0]], F32)],
    tol="trans")

for name, f in {"argmax": np.argmax, "argmin": np.argmin}.items():
    for axis in (-1, 0, 1):
        add(name, f"axis={axis}-ties-first", lambda b, x, n=name, a=axis: getattr(b, n)(x, axis=a),
            lambda x, f=f, a=axis: f(x, axis=a), [ints((3, 4, 5), 0, 3).astype(F32)], tol="exact",
            dtype="int32")
    add(name, "default-axis-flattened", m(name), lambda x, f=f: f(x), [distinct((4, 5))], tol="exact",
        dtype="int32", keras=lambda k, x, n=name: getattr(k, n)(x))

for name, f in {"any": np.any, "all": np.all}.items():
    for axis, keep in [(None, False), (1, False), ((0, 2), True), (-1, False), (None, True)]:
        add(name, _axis_label(axis, keep), lambda b, x, n=name, a=axis, k=keep: getattr(b, n)(x, axis=a, keepdims=k),
            lambda x, f=f, a=axis, k=keep: f(x, axis=a, keepdims=k),
            [_rng.random((2, 3, 4)) < (0.2 if name == "any" else 0.8)], tol="exact")
    add(name, "float-truth", lambda b, x, n=name: getattr(b, n)(x, axis=0),
        lambda x, f=f: f(x != 0, axis=0), [np.array([[0.0, 1.0, 0.0], [0.0, 2.0, -1.0]], F32)], tol="exact")

for axis in (0, -1, 1):
    add("cumsum", f"axis={axis}", lambda b, x, a=axis: b.cumsum(x, axis=a), lambda x, a=axis: np.cumsum(x, axis=a),
        [u((2, 3, 4))], diff=[0], tol="reduce")
add("cumsum", "default-axis-flattened", m("cumsum"), lambda x: np.cumsum(x), [u((4, 2))], diff=[0], tol="reduce",
    keras=lambda k, x: k.cumsum(x))
add("cumsum", "int32", lambda b, x: b.cumsum(x, axis=0), lambda x: np.cumsum(x, axis=0), [ints((4,), 0, 5)],
    tol="exact", dtype="int32")

# ================================================================== shape ops
add("reshape", "minus-one", lambda b, x: b.reshape(x, (3, -1)), lambda x: x.reshape(3, -1), [u((2, 3, 2))],
    diff=[0])
add("reshape", "to-scalar", lambda b, x: b.reshape(x, ()), lambda x: x.reshape(()), [u((1, 1))], diff=[0])
add("reshape", "list-shape", lambda b, x: b.reshape(x, [2, 1, 6]), lambda x: x.reshape(2, 1, 6),
    [u((4, 3))], diff=[0])
add("transpose", "reverse", m("transpose"), np.transpose, [u((2, 3, 4))], diff=[0])
add("transpose", "perm", lambda b, x: b.transpose(x, (1, 2, 0)), lambda x: np.transpose(x, (1, 2, 0)),
    [u((2, 3, 4))], diff=[0])
add("transpose", "negative-perm", lambda b, x: b.transpose(x, (-1, 0, 1)), lambda x: np.transpose(x, (2, 0, 1)),
    [u((2, 3, 4))], diff=[0])
for axis in (0, 1, -1, -3):
    add("expand_dims", f"axis={axis}", lambda b, x, a=axis: b.expand_dims(x, a),
        lambda x, a=axis: np.expand_dims(x, a), [u((2, 3))], diff=[0])
add("squeeze", "all", m("squeeze"), np.squeeze, [u((1, 3, 1, 2))], diff=[0])
add("squeeze", "axis", lambda b, x: b.squeeze(x, axis=2), lambda x: np.squeeze(x, 2), [u((1, 3, 1, 2))], diff=[0])
add("squeeze", "negative-axis", lambda b, x: b.squeeze(x, axis=-4), lambda x: np.squeeze(x, -4),
    [u((1, 3, 1, 2))], diff=[0])
add("squeeze", "tuple-axis", lambda b, x: b.squeeze(x, axis=(0, 2)), lambda x: np.squeeze(x, (0, 2)),
    [u((1, 3, 1, 2))], diff=[0])
add("concatenate", "axis=0", lambda b, x, y, z: b.concatenate([x, y, z]), lambda x, y, z: np.concatenate([x, y, z]),
    [u((2, 3)), u((1, 3)), u((3, 3))], diff=[0, 1, 2])
add("concatenate", "axis=-1", lambda b, x, y: b.concatenate((x, y), axis=-1),
    lambda x, y: np.concatenate([x, y], -1), [u((2, 2, 3)), u((2, 2, 1))], diff=[0, 1])
add("concatenate", "int32", lambda b, x, y: b.concatenate([x, y], axis=1), lambda x, y: np.concatenate([x, y], 1),
    [ints((2, 2), 0, 5), ints((2, 3), 0, 5)], tol="exact", dtype="int32")
add("stack", "axis=0", lambda b, x, y: b.stack([x, y]), lambda x, y: np.stack([x, y]), [u((2, 3)), u((2, 3))],
    diff=[0, 1])
add("stack", "axis=-1", lambda b, x, y, z: b.stack((x, y, z), axis=-1), lambda x, y, z: np.stack([x, y, z], -1),
    [u((2, 3)), u((2, 3)), u((2, 3))], diff=[0, 1, 2])
add("split", "sections", lambda b, x: b.split(x, 2, axis=1), lambda x: np.split(x, 2, axis=1), [u((3, 4))],
    diff=[0])
add("split", "indices", lambda b, x: b.split(x, [1, 3], axis=-1), lambda x: np.split(x, [1, 3], axis=-1),
    [u((2, 5))], diff=[0])
add("split", "default-axis", lambda b, x: b.split(x, 3), lambda x: np.split(x, 3), [u((6, 2))], diff=[0])
add("tile", "per-axis", lambda b, x: b.tile(x, (2, 3)), lambda x: np.tile(x, (2, 3)), [u((2, 3))], diff=[0])
add("tile", "more-reps-than-dims", lambda b, x: b.tile(x, (2, 1, 2)), lambda x: np.tile(x, (2, 1, 2)),
    [u((2, 3))], diff=[0])
add("repeat", "axis", lambda b, x: b.repeat(x, 3, axis=1), lambda x: np.repeat(x, 3, axis=1), [u((2, 3))], diff=[0])
add("repeat", "axis-none", lambda b, x: b.repeat(x, 2), lambda x: np.repeat(x, 2), [u((2, 3))], diff=[0])
add("repeat", "negative-axis", lambda b, x: b.repeat(x, 2, axis=-2), lambda x: np.repeat(x, 2, axis=-2),
    [u((2, 3))], diff=[0])
add("pad", "zeros", lambda b, x: b.pad(x, ((1, 2), (0, 1))), lambda x: np.pad(x, ((1, 2), (0, 1))),
    [u((2, 3))], diff=[0])
add("pad", "constant", lambda b, x: b.pad(x, ((0, 0), (2, 1), (1, 0)), constant_values=1.5),
    lambda x: np.pad(x, ((0, 0), (2, 1), (1, 0)), constant_values=1.5), [u((2, 2, 2))], diff=[0])
add("pad", "int32", lambda b, x: b.pad(x, ((1, 1),)), lambda x: np.pad(x, ((1, 1),)), [ints((3,), 1, 5)],
    tol="exact", dtype="int32")
GETITEM_KEYS = {
    "int": 1,
    "negative-int": -1,
    "slices-steps": (slice(1, 3), slice(None, None, 2)),
    "ellipsis-newaxis": (Ellipsis, None, 2),
    "mixed": (-1, Ellipsis, slice(0, 3)),
    "step-offset": (slice(None), slice(1, None, 2), 0),
    "negative-step": (slice(None, None, -1), slice(3, 0, -2)),
}
for label, key in GETITEM_KEYS.items():
    add("getitem", label, lambda b, x, k=key: b.getitem(x, k), lambda x, k=key: x[k], [u((4, 5, 6))], diff=[0])
add("flip", "axis-int", lambda b, x: b.flip(x, axis=1), lambda x: np.flip(x, 1), [u((2, 3, 4))], diff=[0])
add("flip", "axis-tuple", lambda b, x: b.flip(x, axis=(0, -1)), lambda x: np.flip(x, (0, -1)), [u((2, 3, 4))],
    diff=[0])
add("flip", "axis-none", m("flip"), np.flip, [u((2, 3))], diff=[0])
add("broadcast_to", "leading", lambda b, x: b.broadcast_to(x, (2, 3, 4)), lambda x: np.broadcast_to(x, (2, 3, 4)),
    [u((3, 1))], diff=[0])
add("broadcast_to", "scalar", lambda b, x: b.broadcast_to(x, (2, 2)), lambda x: np.broadcast_to(x, (2, 2)),
    [np.asarray(u(()))], diff=[0])
add("moveaxis", "forward", lambda b, x: b.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1), [u((2, 3, 4))],
    diff=[0])
add("moveaxis", "backward", lambda b, x: b.moveaxis(x, -1, 1), lambda x: np.moveaxis(x, -1, 1), [u((2, 3, 4))],
    diff=[0])
add("swapaxes", "pair", lambda b, x: b.swapaxes(x, 0, 2), lambda x: np.swapaxes(x, 0, 2), [u((2, 3, 4))], diff=[0])
add("swapaxes", "negative", lambda b, x: b.swapaxes(x, -1, -2), lambda x: np.swapaxes(x, -1, -2), [u((2, 3, 4))],
    diff=[0])
add("unstack", "axis=0", m("unstack"), lambda x: list(x), [u((3, 2))], diff=[0])
add("unstack", "axis=-1", lambda b, x: b.unstack(x, axis=-1), lambda x: [x[..., i] for i in range(x.shape[-1])],
    [u((2, 3, 2))], diff=[0])

# =================================================================== indexing
add("take", "axis=0-repeated", lambda b, x, i: b.take(x, i, axis=0), lambda x, i: np.take(x, i, axis=0),
    [u((3, 4)), np.array([0, 2, 2, 1], I32)], diff=[0])
add("take", "axis=1", lambda b, x, i: b.take(x, i, axis=1), lambda x, i: np.take(x, i, axis=1),
    [u((2, 4, 3)), np.array([3, 0], I32)], diff=[0])
add("take", "axis=-1-2d-indices", lambda b, x, i: b.take(x, i, axis=-1), lambda x, i: np.take(x, i, axis=-1),
    [u((2, 5)), np.array([[0, 4], [4, 4], [1, 2]], I32)], diff=[0])
add("take", "axis-none", lambda b, x, i: b.take(x, i), lambda x, i: np.take(x, i),
    [u((3, 4)), np.array([[0, 11], [5, 5]], I32)], diff=[0])
add("take", "embedding", lambda b, x, i: b.take(x, i, axis=0), lambda x, i: np.take(x, i, axis=0),
    [u((6, 3)), ints((2, 5), 0, 6)], diff=[0])
add("take_along_axis", "axis=1", lambda b, x, i: b.take_along_axis(x, i, axis=1),
    lambda x, i: np.take_along_axis(x, i, axis=1), [u((3, 4)), ints((3, 2), 0, 4)], diff=[0])
add("take_along_axis", "axis=0", lambda b, x, i: b.take_along_axis(x, i, axis=0),
    lambda x, i: np.take_along_axis(x, i, axis=0), [u((3, 4)), ints((5, 4), 0, 3)], diff=[0])
add("take_along_axis", "axis=-1-3d", lambda b, x, i: b.take_along_axis(x, i, axis=-1),
    lambda x, i: np.take_along_axis(x, i, axis=-1), [u((2, 3, 4)), ints((2, 3, 1), 0, 4)], diff=[0])


def _scatter_ref(x, i, up):
    out = x.copy()
    np.add.at(out, i, up)
    return out


add("scatter_add", "rows-repeated", m("scatter_add"), _scatter_ref,
    [u((5, 3)), np.array([0, 2, 0, 4], I32), u((4, 3))], diff=[0, 2])
add("scatter_add", "1d", m("scatter_add"), _scatter_ref, [u((6,)), np.array([1, 1, 3], I32), u((3,))],
    diff=[0, 2])
add("scatter_add", "3d", m("scatter_add"), _scatter_ref, [u((4, 2, 2)), np.array([3, 3], I32), u((2, 2, 2))],
    diff=[0, 2])


def _top_k_ref(x, k):
    idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, idx, -1), idx


add("top_k", "2d", lambda b, x: b.top_k(x, 2), lambda x: _top_k_ref(x, 2), [distinct((3, 6))], diff=[0])
add("top_k", "1d", lambda b, x: b.top_k(x, 3, sorted=True), lambda x: _top_k_ref(x, 3), [distinct((7,))], diff=[0])
add("one_hot", "out-of-range", lambda b, i: b.one_hot(i, 4), lambda i: (i[..., None] == np.arange(4)).astype(F32),
    [np.array([0, 2, 1, 3, -1, 4], I32)], tol="exact", dtype="float32")
add("one_hot", "2d-int32", lambda b, i: b.one_hot(i, 3, dtype="int32"),
    lambda i: (i[..., None] == np.arange(3)).astype(I32), [ints((2, 4), 0, 3)], tol="exact", dtype="int32")

# ============================================================= linear algebra
add("matmul", "2d", m("matmul"), np.matmul, [u((3, 4)), u((4, 5))], diff=[0, 1], tol="reduce")
add("matmul", "batch-broadcast", m("matmul"), np.matmul, [u((2, 1, 3, 4)), u((5, 4, 2))], diff=[0, 1],
    tol="reduce")
add("matmul", "matrix-vector", m("matmul"), np.matmul, [u((3, 4)), u((4,))], diff=[0, 1], tol="reduce")
add("matmul", "vector-matrix", m("matmul"), np.matmul, [u((4,)), u((2, 4, 3))], diff=[0, 1], tol="reduce")
add("matmul", "int32", m("matmul"), np.matmul, [ints((2, 3), -3, 3), ints((3, 2), -3, 3)], tol="exact",
    dtype="int32")
EINSUM = {
    "ij,jk->ik": [(3, 4), (4, 2)],
    "bij,bkj->bik": [(2, 3, 4), (2, 5, 4)],
    "ij->": [(3, 4)],
    "i,i->": [(5,)] * 2,
    "ij->ji": [(2, 3)],
    "bhqd,bhkd->bhqk": [(1, 2, 3, 4), (1, 2, 5, 4)],
    "i,j->ij": [(3,), (2,)],
    "ii->i": [(3, 3)],  # repeated indices: diagonals
    "ii->": [(4, 4)],
    "iij,jk->ik": [(3, 3, 2), (2, 4)],
}
for sub, shapes in EINSUM.items():
    add("einsum", sub, lambda b, *xs, s=sub: b.einsum(s, *xs), lambda *xs, s=sub: np.einsum(s, *xs),
        [u(s) for s in shapes], diff=range(len(shapes)), tol="reduce")
TENSORDOT = {
    "axes=2-default": ((2, 3, 4), (3, 4, 2), 2),
    "axes=1": ((2, 3), (3, 4), 1),
    "axes=pairs": ((3, 2, 4), (2, 3, 5), ([1, 0], [0, 1])),
    "axes=negative": ((2, 3, 4), (4, 2), ([-1], [0])),
    "axes=0-outer": ((2,), (3,), 0),
}
for label, (sx, sy, axes) in TENSORDOT.items():
    add("tensordot", label, lambda b, x, y, a=axes: b.tensordot(x, y, axes=a) if a != 2 else b.tensordot(x, y),
        lambda x, y, a=axes: np.tensordot(x, y, axes=a), [u(sx), u(sy)], diff=[0, 1], tol="reduce")

# ================================================================ neural ops
for name, f in {"softmax": R.softmax, "log_softmax": R.log_softmax}.items():
    add(name, "last-axis", m(name), f, [u((3, 5), -3, 3)], diff=[0], tol="trans")
    add(name, "axis=1", lambda b, x, n=name: getattr(b, n)(x, axis=1), lambda x, f=f: f(x, axis=1),
        [u((2, 3, 4), -3, 3)], diff=[0], tol="trans")
    add(name, "large", m(name), f, [np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, 0.0]], F32)],
        diff=[0], tol="trans")

CONV = [
    # label, x shape, kernel shape, kwargs
    ("1d-valid", (2, 7, 3), (3, 3, 4), {}),
    ("1d-same-stride2-even-kernel", (2, 8, 2), (4, 2, 3), dict(strides=2, padding="same")),
    ("1d-same-dilation2", (1, 9, 2), (3, 2, 2), dict(padding="same", dilation_rate=2)),
    ("1d-valid-stride3", (1, 10, 2), (2, 2, 2), dict(strides=3)),
    ("2d-valid-strides21", (2, 6, 5, 3), (3, 2, 3, 4), dict(strides=(2, 1))),
    ("2d-same-stride2-odd", (2, 7, 6, 2), (3, 3, 2, 3), dict(strides=2, padding="same")),
    ("2d-same-stride1", (1, 5, 4, 2), (2, 3, 2, 2), dict(padding="same")),
    ("2d-valid-groups2", (1, 5, 5, 4), (3, 3, 2, 6), dict(groups=2)),
    ("2d-same-groups4-dilation", (1, 6, 6, 4), (2, 2, 1, 4), dict(groups=4, padding="same", dilation_rate=(2, 1))),
    ("2d-valid-dilation", (1, 7, 6, 2), (2, 3, 2, 2), dict(dilation_rate=(3, 2))),
    ("3d-same-strides", (1, 4, 5, 4, 2), (2, 3, 2, 2, 3), dict(strides=(1, 2, 1), padding="same")),
    ("3d-valid", (2, 3, 4, 3, 1), (2, 2, 2, 1, 2), {}),
]
for label, xs, ks, kw in CONV:
    # Keras's ops.conv infers groups from the kernel; the reference takes it explicitly
    add("conv", label, lambda b, x, k, kw=kw: b.conv(x, k, **{a: v for a, v in kw.items() if a != "groups"}),
        lambda x, k, kw=kw: R.conv(x, k, **kw),
        [u(xs), u(ks, -1, 1)], diff=[0, 1], tol="heavy")

DEPTHWISE = [
    ("2d-valid-mult2", (2, 5, 5, 3), (3, 3, 3, 2), {}),
    ("2d-same-stride2", (1, 6, 5, 2), (3, 2, 2, 3), dict(strides=2, padding="same")),
    ("1d-same-dilation", (2, 7, 3), (3, 3, 1), dict(padding="same", dilation_rate=2)),
]
for label, xs, ks, kw in DEPTHWISE:
    add("depthwise_conv", label, lambda b, x, k, kw=kw: b.depthwise_conv(x, k, **kw),
        lambda x, k, kw=kw: R.depthwise_conv(x, k, **kw), [u(xs), u(ks, -1, 1)], diff=[0, 1], tol="heavy")

# kernel (*window, c_out, c_in)
CONV_T = [
    ("1d-valid-s1", (2, 5, 3), (3, 2, 3), {}),
    ("1d-valid-s2", (2, 4, 3), (3, 2, 3), dict(strides=2)),
    ("1d-same-s1-even-kernel", (1, 5, 2), (4, 3, 2), dict(padding="same")),
    ("1d-same-s2", (2, 4, 2), (3, 2, 2), dict(strides=2, padding="same")),
    ("1d-same-s2-even-kernel", (1, 4, 2), (4, 2, 2), dict(strides=2, padding="same")),
    ("1d-valid-s2-outpad1", (1, 4, 2), (3, 2, 2), dict(strides=2, output_padding=1)),
    ("1d-valid-s1-dilation2", (1, 5, 2), (3, 2, 2), dict(dilation_rate=2)),
    ("2d-same-s2", (1, 3, 4, 2), (3, 3, 3, 2), dict(strides=2, padding="same")),
    ("2d-valid-s21", (2, 3, 3, 2), (2, 3, 2, 2), dict(strides=(2, 1))),
    ("2d-same-s1", (1, 4, 3, 3), (3, 2, 2, 3), dict(padding="same")),
    ("3d-same-s2", (1, 2, 3, 2, 2), (2, 2, 3, 2, 2), dict(strides=2, padding="same")),
    # Keras 3's less obvious lengths: kernel shorter than the stride, and 'same'
    # with output_padding ((n-1)*s + k'%2 + op, not n*s + op); see
    # references.conv_transpose_geometry
    ("1d-valid-kernel-lt-stride-keras-rule", (1, 4, 2), (1, 2, 2), dict(strides=2)),
    ("1d-same-s2-outpad1-keras-rule", (1, 4, 2), (3, 2, 2), dict(strides=2, padding="same", output_padding=1)),
    ("2d-same-s2-outpad-keras-rule", (1, 3, 3, 2), (4, 3, 2, 2),
     dict(strides=2, padding="same", output_padding=(1, 0))),
]
for label, xs, ks, kw in CONV_T:
    add("conv_transpose", label, lambda b, x, k, kw=kw: b.conv_transpose(x, k, **kw),
        lambda x, k, kw=kw: R.conv_transpose(x, k, **kw), [u(xs), u(ks, -1, 1)], diff=[0, 1], tol="heavy")

POOL = [
    ("2d-valid-default-strides", (2, 4, 6, 3), 2, {}),
    ("2d-same-stride2", (1, 5, 7, 2), 3, dict(strides=2, padding="same")),
    ("1d-same-stride1", (2, 5, 2), 2, dict(strides=1, padding="same")),
    ("1d-valid-stride2", (1, 9, 2), 3, dict(strides=2)),
    ("2d-valid-rect", (1, 5, 7, 1), (2, 3), dict(strides=(1, 2))),
    ("2d-same-rect", (1, 4, 5, 2), (3, 2), dict(strides=(2, 1), padding="same")),
    ("3d-valid", (1, 4, 4, 4, 1), 2, {}),
    ("3d-same", (1, 3, 4, 3, 1), 2, dict(padding="same")),
]
for label, xs, pool, kw in POOL:
    add("max_pool", label, lambda b, x, p=pool, kw=kw: b.max_pool(x, p, **kw),
        lambda x, p=pool, kw=kw: R.max_pool(x, p, **kw), [distinct(xs, 0.1)], diff=[0], tol="heavy")
    add("avg_pool", label, lambda b, x, p=pool, kw=kw: b.avg_pool(x, p, **kw),
        lambda x, p=pool, kw=kw: R.avg_pool(x, p, **kw), [u(xs)], diff=[0], tol="heavy")
add("max_pool", "same-all-negative", lambda b, x: b.max_pool(x, 3, strides=2, padding="same"),
    lambda x: R.max_pool(x, 3, strides=2, padding="same"), [(distinct((1, 5, 5, 1), 0.1) - 10).astype(F32)],
    diff=[0], tol="heavy")

# CTC: blank 0, sample 1 has a repeated label and a shorter logit length
CTC_LABELS = np.array([[1, 2, 0], [3, 3, 1]], I32)
add("ctc_loss", "blank0", lambda b, lab, lo, ll, tl: b.ctc_loss(lab, lo, ll, tl), R.ctc_loss,
    [CTC_LABELS, u((2, 7, 4)), np.array([2, 3], I32), np.array([7, 6], I32)], diff=[1], tol="heavy")
add("ctc_loss", "blank-last", lambda b, lab, lo, ll, tl: b.ctc_loss(lab, lo, ll, tl, mask_index=4),
    lambda lab, lo, ll, tl: R.ctc_loss(lab, lo, ll, tl, blank_index=4),
    [np.array([[0, 1, 1], [3, 2, 0]], I32), u((2, 6, 5)), np.array([3, 2], I32), np.array([6, 5], I32)],
    diff=[1], tol="heavy")
add("ctc_loss", "impossible-is-inf", lambda b, lab, lo, ll, tl: b.ctc_loss(lab, lo, ll, tl), R.ctc_loss,
    [np.array([[1, 1], [2, 0]], I32), u((2, 2, 3)), np.array([2, 1], I32), np.array([2, 2], I32)], tol="heavy")

# ================================================================ recurrence
B, T, FEAT, UNITS = 2, 3, 3, 2
for label, bias, back in [("bias", True, False), ("go-backwards", True, True), ("no-bias", False, False)]:
    ins = [u((B, T, FEAT)), u((B, UNITS), -1, 1), u((B, UNITS), -1, 1), u((FEAT, 4 * UNITS), -1, 1),
           u((UNITS, 4 * UNITS), -1, 1)] + ([u((4 * UNITS,), -1, 1)] if bias else [])
    add("lstm", label,
        lambda b, x, h, c, k, rk, *bs, back=back: b.lstm(x, h, c, k, rk, bs[0] if bs else None, go_backwards=back),
        lambda x, h, c, k, rk, *bs, back=back: R.lstm(x, h, c, k, rk, bs[0] if bs else None, back),
        ins, diff=range(len(ins)), tol="heavy")
    ins = [u((B, T, FEAT)), u((B, UNITS), -1, 1), u((FEAT, 3 * UNITS), -1, 1), u((UNITS, 3 * UNITS), -1, 1)] + (
        [u((2, 3 * UNITS), -1, 1)] if bias else [])
    add("gru", label,
        lambda b, x, h, k, rk, *bs, back=back: b.gru(x, h, k, rk, bs[0] if bs else None, go_backwards=back),
        lambda x, h, k, rk, *bs, back=back: R.gru(x, h, k, rk, bs[0] if bs else None, back),
        ins, diff=range(len(ins)), tol="heavy")


def _scan_cumprod(b, init, xs):
    return b.scan(lambda c, x: (b.multiply(c, x), b.multiply(c, x)), init, xs)


def _scan_cumprod_ref(init, xs):
    ys = init * np.cumprod(xs, axis=0)
    return ys[-1], ys


add("scan", "cumulative-product", _scan_cumprod, _scan_cumprod_ref, [u((3,), 0.5, 1.5), u((4, 3), 0.5, 1.5)],
    diff=[0, 1], tol="reduce")


def _scan_rnn(b, h0, xs, w):
    return b.scan(lambda h, x: (b.tanh(b.add(b.matmul(h, w), x)),) * 2, h0, xs)


def _scan_rnn_ref(h0, xs, w):
    h, ys = h0, []
    for x in xs:
        h = np.tanh(h @ w + x)
        ys.append(h)
    return h, np.stack(ys)


add("scan", "rnn-closure-param", _scan_rnn, _scan_rnn_ref, [u((2, 3), -1, 1), u((4, 2, 3), -1, 1), u((3, 3), -1, 1)],
    diff=[0, 1, 2], tol="heavy")


def _scan_nested(b, a0, s0, xs, zs):
    def step(carry, inp):
        a, (s,) = carry
        x, z = inp
        a = b.add(b.multiply(a, 0.5), x)
        s = b.add(s, b.sum(b.multiply(a, z)))
        return (a, (s,)), (a, b.multiply(s, 2.0))
    return b.scan(step, (a0, (s0,)), (xs, zs))


def _scan_nested_ref(a0, s0, xs, zs):
    a, s, ya, ys = a0, s0, [], []
    for x, z in zip(xs, zs):
        a = a * 0.5 + x
        s = s + np.sum(a * z)
        ya.append(a)
        ys.append(s * 2.0)
    return ((a, (s,)), (np.stack(ya), np.stack(ys)))


add("scan", "nested-carry-tuple-xs", _scan_nested, _scan_nested_ref,
    [u((2,)), np.asarray(u(())), u((3, 2)), u((3, 2))], diff=[0, 1, 2, 3], tol="reduce")


def _fori(b, x, v0):
    return b.fori_loop(0, 4, lambda i, v: b.add(b.multiply(v, 0.9), b.getitem(x, i)), v0)


def _fori_ref(x, v0):
    v = v0
    for i in range(4):
        v = v * 0.9 + x[i]
    return v


add("fori_loop", "uses-index", _fori, _fori_ref, [u((5, 3)), u((3,))], diff=[0, 1], tol="reduce")
add("fori_loop", "offset-bounds", lambda b, v: b.fori_loop(2, 5, lambda i, v: b.multiply(v, v), v),
    lambda v: v ** 8, [u((3,), 0.8, 1.1)], diff=[0], tol="trans")

add("stop_gradient", "blocks-grad", lambda b, x: b.multiply(x, b.stop_gradient(x)), lambda x: x * x,
    [u((3, 4))], diff=[0], ref_grad=lambda w, x: [w[0] * x])
add("stop_gradient", "value", m("stop_gradient"), lambda x: x, [u((3,))], diff=[0],
    ref_grad=lambda w, x: [np.zeros_like(x)])
add("jit", "elementwise", lambda b, x: b.jit(lambda y: b.multiply(b.sin(y), 2.0))(x), lambda x: 2 * np.sin(x),
    [u((3, 4))], diff=[0], tol="trans")

# Methods covered by dedicated tests in test_special.py instead of table cases.
SPECIAL = {
    "random_uniform": ["test_random_uniform", "test_random_seed_array_under_jit"],
    "random_normal": ["test_random_normal"],
    "truncated_normal": ["test_truncated_normal"],
    "bernoulli": ["test_bernoulli"],
    "value_and_grad": ["test_value_and_grad_unused_param_gets_zeros", "test_value_and_grad_aux_passes_through",
                       "test_value_and_grad_extra_args_and_reuse"],
    "jit": ["test_jit_matches_eager", "test_jit_of_value_and_grad", "test_jit_donate_argnums"],
    "to_numpy": ["test_to_numpy"],
    "zeros": ["test_every_dtype_is_held_or_refused"],
    "is_array": ["test_is_array_foreign"],
    "stop_gradient": ["test_stop_gradient_in_value_and_grad"],
    "scan": ["test_scan_matches_loop_under_jit"],
}


# The families' cases (each module calls ``add`` and may extend ``SPECIAL``).
from . import (cases_arrays, cases_control, cases_elementwise, cases_image,  # noqa: E402,F401
               cases_linalg, cases_nn, cases_stats)
