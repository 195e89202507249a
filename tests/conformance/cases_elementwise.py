"""Conformance cases for the elementwise family (``kerasette/backends/contract/elementwise.py``).

Every case with ``keras=`` is also run through ``keras.ops`` (the oracle), so the
values *and* dtypes (integer inputs to float-valued ops give float32, ``uint8``
with ``int8`` gives ``int16``...) are Keras's.
"""
from __future__ import annotations

import math
import statistics

import numpy as np

from .cases import SPECIAL, _fdiv_pair, add, away, bools, distinct, ints, m, u  # noqa: F401

F32 = np.float32
I32 = np.int32
NAN, INF = np.nan, np.inf

_erfc = np.vectorize(math.erfc, otypes=[np.float64])
_ND = statistics.NormalDist()


def _erfinv(y):
    y = np.asarray(y, np.float64)
    flat = [(_ND.inv_cdf((v + 1) / 2) / math.sqrt(2)) if -1 < v < 1 else
            (math.copysign(math.inf, v) if abs(v) == 1 else math.nan) for v in y.ravel()]
    return np.array(flat, np.float64).reshape(y.shape)


def k(name, **kw):
    """The Keras oracle: ``keras.ops.<name>`` on all inputs."""
    return lambda kops, *xs: getattr(kops, name)(*xs, **kw)


def f64(f):
    return lambda *xs: f(*(np.asarray(x, np.float64) for x in xs))


# ============================================================ float-valued unary
UNARY = [
    # name, float64 reference, float input, integer input in the domain, tolerance class
    ("arccos", np.arccos, lambda: u((3, 4), -0.9, 0.9), ints((4,), -1, 2), "trans"),
    ("arcsin", np.arcsin, lambda: u((3, 4), -0.9, 0.9), ints((4,), -1, 2), "trans"),
    ("arctan", np.arctan, lambda: u((3, 4), -3, 3), ints((4,), -3, 4), "trans"),
    ("arccosh", np.arccosh, lambda: u((3, 4), 1.2, 4), ints((4,), 1, 5), "trans"),
    ("arcsinh", np.arcsinh, lambda: u((3, 4), -3, 3), ints((4,), -3, 4), "trans"),
    ("arctanh", np.arctanh, lambda: u((3, 4), -0.9, 0.9), np.zeros(3, I32), "trans"),
    ("cosh", np.cosh, lambda: u((3, 4), -3, 3), ints((4,), -3, 4), "trans"),
    ("sinh", np.sinh, lambda: u((3, 4), -3, 3), ints((4,), -3, 4), "trans"),
    ("tan", np.tan, lambda: u((3, 4), -1.2, 1.2), ints((4,), -1, 2), "trans"),
    ("sinc", np.sinc, lambda: u((3, 4), -2, 2), ints((4,), -3, 4), "trans"),
    ("cbrt", np.cbrt, lambda: away((3, 4), 0.3, -8, 8), ints((4,), -9, 9), "trans"),
    ("exp2", np.exp2, lambda: u((3, 4), -3, 3), ints((4,), -3, 4), "trans"),
    ("log2", np.log2, lambda: u((3, 4), 0.2, 4), ints((4,), 1, 9), "trans"),
    ("log10", np.log10, lambda: u((3, 4), 0.2, 4), ints((4,), 1, 9), "trans"),
    ("erfc", _erfc, lambda: u((3, 4), -3, 3), ints((4,), -2, 3), "trans"),
    ("erfinv", _erfinv, lambda: u((3, 4), -0.95, 0.95), np.zeros(3, I32), "trans"),
    ("i0", np.i0, lambda: u((3, 4), -3, 3), ints((4,), -3, 4), "trans"),
    ("deg2rad", np.deg2rad, lambda: u((3, 4), -360, 360), ints((4,), -180, 180), "simple"),
    ("rad2deg", np.rad2deg, lambda: u((3, 4), -4, 4), ints((4,), -3, 4), "simple"),
    ("fabs", np.fabs, lambda: away((3, 4)), ints((4,), -3, 4), "simple"),
]
for name, f, gen, int_input, tol in UNARY:
    add(name, "grid", m(name), f, [gen()], diff=[0], tol=tol, keras=k(name))
    add(name, "0d", m(name), f, [np.asarray(gen().ravel()[0])], tol=tol, keras=k(name))
    add(name, "int32-gives-float32", m(name), f64(f), [int_input], tol=tol, dtype="float32",
        keras=k(name))
    add(name, "float16", m(name), lambda x, f=f: f(x).astype(np.float16).astype(np.float64),
        [gen()[0].astype(np.float16)], tol="half", dtype="float16")

add("sinc", "at-zero", m("sinc"), np.sinc, [np.array([0.0, 1.0, -0.5, 2.5], F32)], tol="trans",
    keras=k("sinc"))
add("erfc", "right-tail", m("erfc"), _erfc, [np.array([2.5, 4.0, 6.0, 9.0, -5.0], F32)], tol="trans",
    keras=k("erfc"))
add("erfinv", "edges", m("erfinv"), _erfinv, [np.array([-1.0, 1.0, 1.5, 0.0, 0.999], F32)],
    tol="trans", keras=k("erfinv"))
add("i0", "large", m("i0"), np.i0, [np.array([8.0, -12.0, 20.0], F32)], diff=[0], tol="trans",
    keras=k("i0"))

# ================================================================ rounding, signs
_halves = np.array([-2.7, -2.5, -0.5, -0.0, 0.3, 1.5, 2.9], F32)
add("trunc", "float", m("trunc"), np.trunc, [_halves], tol="exact", keras=k("trunc"))
add("trunc", "int32-unchanged", m("trunc"), lambda x: x, [ints((5,), -9, 9)], tol="exact",
    dtype="int32", keras=k("trunc"))
add("trunc", "zero-grad", m("trunc"), np.trunc, [(u((6,), 0.1, 0.9) + ints((6,), -3, 3)).astype(F32)],
    diff=[0], tol="exact")
add("signbit", "negative-zero", m("signbit"), np.signbit,
    [np.array([-1.5, -0.0, 0.0, 2.0, -INF, INF], F32)], tol="exact", keras=k("signbit"))
add("signbit", "int32", m("signbit"), np.signbit, [ints((6,), -5, 5)], tol="exact", keras=k("signbit"))
add("heaviside", "zeros-take-x2", m("heaviside"), np.heaviside,
    [np.array([[-1.5, 0.0, 2.0], [0.0, -0.1, 3.0]], F32), np.array([0.5, 0.25, 0.75], F32)],
    diff=[1], keras=k("heaviside"))
add("heaviside", "python-scalar", lambda b, x: b.heaviside(x, 0.5), lambda x: np.heaviside(x, 0.5),
    [np.array([-1.0, 0.0, 1.0], F32)], keras=lambda kops, x: kops.heaviside(x, 0.5))
add("heaviside", "int32-gives-float32", m("heaviside"), f64(np.heaviside),
    [ints((5,), -2, 3), ints((5,), 0, 3)], dtype="float32", keras=k("heaviside"))

# ============================================================ float-valued binary
BINARY = [
    ("arctan2", np.arctan2, lambda s: (u(s), away(s, 0.3)), "trans"),
    ("hypot", np.hypot, lambda s: (away(s, 0.3), away(s, 0.3)), "simple"),
    ("logaddexp", np.logaddexp, lambda s: (u(s, -5, 5), u(s, -5, 5)), "trans"),
    ("logaddexp2", np.logaddexp2, lambda s: (u(s, -5, 5), u(s, -5, 5)), "trans"),
]
for name, f, gen, tol in BINARY:
    add(name, "same-shape", m(name), f, list(gen((3, 4))), diff=[0, 1], tol=tol, keras=k(name))
    a, b_ = gen((3, 4))
    add(name, "broadcast", m(name), f, [a[:, None, :], b_[:2]], diff=[0, 1], tol=tol, keras=k(name))
    add(name, "python-scalar", lambda b, x, n=name: getattr(b, n)(x, 1.5), lambda x, f=f: f(x, 1.5),
        [gen((4,))[0]], diff=[0], tol=tol, keras=lambda kops, x, n=name: getattr(kops, n)(x, 1.5))
    add(name, "int32-gives-float32", m(name), f64(f), [ints((4,), 1, 5), ints((4,), -3, 3)], tol=tol,
        dtype="float32", keras=k(name))
    add(name, "float16-with-int32", m(name), lambda x, y, f=f: f(x, y).astype(np.float16),
        [gen((4,))[0].astype(np.float16), ints((4,), 1, 3)], tol="half", dtype="float16",
        keras=k(name))
add("arctan2", "quadrants", m("arctan2"), np.arctan2,
    [np.array([1.0, 1.0, -1.0, -1.0, 0.0, 0.0], F32), np.array([1.0, -1.0, 1.0, -1.0, -1.0, 1.0], F32)],
    tol="trans", keras=k("arctan2"))
add("logaddexp", "large", m("logaddexp"), np.logaddexp,
    [np.array([100.0, -100.0, 80.0], F32), np.array([99.0, -101.0, -80.0], F32)], diff=[0, 1],
    tol="trans", keras=k("logaddexp"))

add("nextafter", "up-and-down", m("nextafter"),
    lambda x, y: np.nextafter(x.astype(F32), y.astype(F32)).astype(np.float64),
    [np.array([1.0, 1.0, 0.0, -2.0], F32), np.array([2.0, 0.0, 1.0, -3.0], F32)], tol="exact",
    keras=k("nextafter"))
add("nextafter", "int32-gives-float32", m("nextafter"),
    lambda x, y: np.nextafter(x.astype(F32), y.astype(F32)).astype(np.float64),
    [np.array([1, 2, 3], I32), np.array([3, 0, 3], I32)], tol="exact", dtype="float32",
    keras=k("nextafter"))

add("ldexp", "float-int", m("ldexp"), lambda x, e: np.ldexp(x, e), [u((3, 4)), ints((4,), -3, 4)],
    diff=[0], keras=k("ldexp"))
add("ldexp", "int-int-gives-float32", m("ldexp"), lambda x, e: np.ldexp(x.astype(np.float64), e),
    [ints((4,), -5, 5), ints((4,), 0, 4)], tol="exact", dtype="float32", keras=k("ldexp"))
add("ldexp", "large-exponents", m("ldexp"), lambda x, e: np.ldexp(x, e),
    [np.array([0.5, 1.5, 3.0, 1.0], F32), np.array([128, -120, 100, -125], I32)], tol="exact",
    keras=k("ldexp"))
add("ldexp", "python-int", lambda b, x: b.ldexp(x, 3), lambda x: np.ldexp(x, 3), [u((4,))], diff=[0],
    keras=lambda kops, x: kops.ldexp(x, 3))

_y0 = np.array([[0.0, 2.0, -0.5], [1.5, 0.0, 4.0]], F32)
add("divide_no_nan", "zeros-give-zero", m("divide_no_nan"),
    lambda x, y: np.where(y == 0, 0.0, x / np.where(y == 0, 1.0, y)), [u((2, 3)), _y0], diff=[0],
    keras=k("divide_no_nan"))
add("divide_no_nan", "grad-both", m("divide_no_nan"), np.divide, [u((2, 3)), away((2, 3), 0.5)],
    diff=[0, 1], keras=k("divide_no_nan"))
add("divide_no_nan", "int32-gives-float32", m("divide_no_nan"),
    lambda x, y: np.where(y == 0, 0.0, x / np.where(y == 0, 1, y)),
    [ints((5,), -5, 5), np.array([0, 2, -3, 0, 1], I32)], dtype="float32", keras=k("divide_no_nan"))

# ========================================================== remainders, extrema
add("fmod", "float-sign-of-x1", m("fmod"), np.fmod, list(_fdiv_pair((3, 4))), diff=[0, 1], tol="trans",
    keras=k("fmod"))
add("fmod", "int32", m("fmod"), np.fmod, [ints((3, 4), -20, 20), np.array([3, -3, 7, -2], I32)],
    tol="exact", dtype="int32", keras=k("fmod"))
add("fmod", "uint8-int8-gives-int16", m("fmod"), np.fmod,
    [ints((4,), 0, 200, np.uint8), np.array([3, -3, 7, -2], np.int8)], tol="exact", dtype="int16",
    keras=k("fmod"))
add("fmod", "python-int", lambda b, x: b.fmod(x, 3), lambda x: np.fmod(x, np.int32(3)),
    [ints((6,), -9, 9)], tol="exact", dtype="int32", keras=lambda kops, x: kops.fmod(x, 3))

_nx = np.array([1.0, NAN, 3.0, NAN, -2.0], F32)
_ny = np.array([2.0, 5.0, NAN, NAN, -4.0], F32)
for name, f in (("fmax", np.fmax), ("fmin", np.fmin)):
    add(name, "ignores-nan", m(name), f, [_nx, _ny], tol="exact", keras=k(name))
    x = u((3, 4))
    add(name, "grad", m(name), f, [x, (x + away((3, 4), 0.1, -1, 1)).astype(F32)], diff=[0, 1],
        keras=k(name))
    add(name, "int32", m(name), f, [ints((2, 3), -9, 9), ints((3,), -9, 9)], tol="exact",
        dtype="int32", keras=k(name))
    add(name, "python-scalar", lambda b, x, n=name: getattr(b, n)(x, 0.5), lambda x, f=f: f(x, 0.5),
        [_nx], tol="exact", keras=lambda kops, x, n=name: getattr(kops, n)(x, 0.5))

_g1 = np.array([-12, 18, 0, 7, 100, -9], I32)
_g2 = np.array([8, -27, 5, 0, 75, -6], I32)
add("gcd", "signs-and-zeros", m("gcd"), np.gcd, [_g1, _g2], tol="exact", dtype="int32", keras=k("gcd"))
add("gcd", "broadcast-python-int", lambda b, x: b.gcd(x, 6), lambda x: np.gcd(x, 6), [_g1],
    tol="exact", dtype="int32", keras=lambda kops, x: kops.gcd(x, 6))
add("lcm", "signs-and-zeros", m("lcm"), np.lcm, [_g1, _g2], tol="exact", dtype="int32", keras=k("lcm"))
add("lcm", "int8", m("lcm"), np.lcm, [np.array([4, -6, 3], np.int8), np.array([6, 4, 5], np.int8)],
    tol="exact", dtype="int8", keras=k("lcm"))

# ================================================================ logic and tests
_special = np.array([1.0, -INF, INF, NAN, 0.0, -2.5], F32)
add("logical_xor", "bools", m("logical_xor"), np.logical_xor, [bools((3, 4)), bools((4,))], tol="exact",
    keras=k("logical_xor"))
add("logical_xor", "numbers", m("logical_xor"), np.logical_xor,
    [np.array([0.0, 1.5, -2.0, 0.0], F32), np.array([0, 0, 3, 4], I32)], tol="exact",
    keras=k("logical_xor"))
for name in ("isinf", "isposinf", "isneginf"):
    f = getattr(np, name)
    add(name, "special-values", m(name), f, [_special], tol="exact", keras=k(name))
    add(name, "int32", m(name), f, [ints((4,), -5, 5)], tol="exact", keras=k(name))
add("isreal", "float", m("isreal"), np.isreal, [_special], tol="exact", keras=k("isreal"))
add("isreal", "complex", m("isreal"), np.isreal,
    [np.array([1 + 0j, 1 + 2j, -3 + 0j, 0 - 1j], np.complex64)], tol="exact", keras=k("isreal"))

_c1 = np.array([1.0, 1.0, INF, INF, NAN, 0.0, 1e-9, 100.0], F32)
_c2 = np.array([1.0 + 1e-6, 1.1, INF, -INF, NAN, 1e-9, 0.0, 100.001], F32)
add("isclose", "defaults", m("isclose"), np.isclose, [_c1, _c2], tol="exact", keras=k("isclose"))
add("isclose", "equal-nan-rtol-atol",
    lambda b, x, y: b.isclose(x, y, rtol=1e-3, atol=1e-2, equal_nan=True),
    lambda x, y: np.isclose(x, y, rtol=1e-3, atol=1e-2, equal_nan=True), [_c1, _c2], tol="exact",
    keras=k("isclose", rtol=1e-3, atol=1e-2, equal_nan=True))
add("isclose", "int32-broadcast", m("isclose"), np.isclose, [ints((2, 3), 0, 3), ints((3,), 0, 3)],
    tol="exact", keras=k("isclose"))
add("allclose", "true", m("allclose"), lambda x, y: np.array(np.allclose(x, y)),
    [np.array([1.0, 2.0, 3.0], F32), np.array([1.0, 2.0 + 1e-6, 3.0], F32)], tol="exact",
    keras=k("allclose"))
add("allclose", "false", m("allclose"), lambda x, y: np.array(np.allclose(x, y)), [_c1, _c2],
    tol="exact", keras=k("allclose"))
add("allclose", "equal-nan", lambda b, x, y: b.allclose(x, y, equal_nan=True),
    lambda x, y: np.array(np.allclose(x, y, equal_nan=True)), [_c1[[0, 2, 4]], _c2[[0, 2, 4]]],
    tol="exact", keras=k("allclose", equal_nan=True))

add("nan_to_num", "defaults", m("nan_to_num"), lambda x: np.nan_to_num(x.astype(F32)).astype(np.float64),
    [_special], tol="exact", keras=k("nan_to_num"))
add("nan_to_num", "values", lambda b, x: b.nan_to_num(x, nan=1.5, posinf=9.0, neginf=-9.0),
    lambda x: np.nan_to_num(x, nan=1.5, posinf=9.0, neginf=-9.0), [_special], tol="exact",
    keras=k("nan_to_num", nan=1.5, posinf=9.0, neginf=-9.0))
add("nan_to_num", "float16", m("nan_to_num"),
    lambda x: np.nan_to_num(x.astype(np.float16)).astype(np.float64), [_special.astype(np.float16)],
    tol="exact", dtype="float16", keras=k("nan_to_num"))
add("nan_to_num", "int32-unchanged", m("nan_to_num"), lambda x: x, [ints((4,), -5, 5)], tol="exact",
    dtype="int32", keras=k("nan_to_num"))
add("nan_to_num", "grad", m("nan_to_num"), lambda x: x, [u((3, 4))], diff=[0])

_sat = np.array([-1e10, -300.5, -1.7, 0.5, 200.7, 300.2, 1e10, INF, -INF, NAN], F32)


def _sat_ref(dtype):
    def ref(x):
        lo, hi = (np.iinfo(dtype).min, np.iinfo(dtype).max)
        return np.clip(np.nan_to_num(x, nan=0.0), lo, hi).astype(dtype)
    return ref


for dt in ("uint8", "int8", "int16", "int32"):
    add("saturate_cast", f"float32-to-{dt}", lambda b, x, dt=dt: b.saturate_cast(x, dt), _sat_ref(dt),
        [_sat], tol="exact", dtype=dt, keras=k("saturate_cast", dtype=dt))
add("saturate_cast", "float32-to-float16", lambda b, x: b.saturate_cast(x, "float16"),
    lambda x: np.clip(x, -65504, 65504).astype(np.float16).astype(np.float64), [_sat], tol="exact",
    dtype="float16", keras=k("saturate_cast", dtype="float16"))
add("saturate_cast", "int32-to-uint8", lambda b, x: b.saturate_cast(x, "uint8"),
    lambda x: np.clip(x, 0, 255).astype(np.uint8), [np.array([-5, 0, 77, 255, 300, 70000], I32)],
    tol="exact", dtype="uint8", keras=k("saturate_cast", dtype="uint8"))
add("saturate_cast", "int32-to-float16", lambda b, x: b.saturate_cast(x, "float16"),
    lambda x: np.clip(x, -65504, 65504).astype(np.float16).astype(np.float64),
    [np.array([-70000, -5, 300, 70000], I32)], tol="exact", dtype="float16",
    keras=k("saturate_cast", dtype="float16"))
add("saturate_cast", "float32-to-bool", lambda b, x: b.saturate_cast(x, "bool"),
    lambda x: np.clip(x, 0, 1).astype(bool), [_sat], tol="exact", dtype="bool",
    keras=k("saturate_cast", dtype="bool"))

# ========================================================================= bitwise
_b1 = np.array([12, -7, 0, 255, 1024, -1], I32)
_b2 = np.array([10, 3, -1, 15, 1023, 6], I32)
for name, f in (("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
                ("bitwise_xor", np.bitwise_xor)):
    add(name, "int32", m(name), f, [_b1, _b2], tol="exact", dtype="int32", keras=k(name))
    add(name, "uint8-int8-gives-int16", m(name), lambda x, y, f=f: f(x.astype(np.int16), y),
        [np.array([200, 7, 0], np.uint8), np.array([-3, 5, 127], np.int8)], tol="exact", dtype="int16",
        keras=k(name))
    add(name, "bool", m(name), f, [bools((5,)), bools((5,))], tol="exact", keras=k(name))
    add(name, "python-int", lambda b, x, n=name: getattr(b, n)(x, 6), lambda x, f=f: f(x, 6), [_b1],
        tol="exact", dtype="int32", keras=lambda kops, x, n=name: getattr(kops, n)(x, 6))
add("bitwise_not", "int32", m("bitwise_not"), np.invert, [_b1], tol="exact", dtype="int32",
    keras=k("bitwise_not"))
add("bitwise_not", "uint8", m("bitwise_not"), np.invert, [np.array([0, 7, 255], np.uint8)], tol="exact",
    dtype="uint8", keras=k("bitwise_invert"))
add("bitwise_not", "bool", m("bitwise_not"), np.invert, [bools((5,))], tol="exact", keras=k("bitwise_not"))
_s = np.array([0, 1, 2, 3, 5, 7], I32)
add("bitwise_left_shift", "int32", m("bitwise_left_shift"), np.left_shift, [_b1, _s], tol="exact",
    dtype="int32", keras=k("bitwise_left_shift"))
add("bitwise_left_shift", "int8-wraps", m("bitwise_left_shift"), np.left_shift,
    [np.array([1, 3, -1, 64], np.int8), np.array([7, 6, 2, 1], np.int8)], tol="exact", dtype="int8",
    keras=k("left_shift"))
add("bitwise_right_shift", "int32-arithmetic", m("bitwise_right_shift"), np.right_shift, [_b1, _s],
    tol="exact", dtype="int32", keras=k("bitwise_right_shift"))
add("bitwise_right_shift", "python-int", lambda b, x: b.bitwise_right_shift(x, 2),
    lambda x: np.right_shift(x, 2), [_b1], tol="exact", dtype="int32",
    keras=lambda kops, x: kops.right_shift(x, 2))
add("bitwise_left_shift", "bool-gives-int32", m("bitwise_left_shift"),
    lambda x, y: np.left_shift(x.astype(I32), y.astype(I32)), [bools((5,)), bools((5,))], tol="exact",
    dtype="int32", keras=k("bitwise_left_shift"))

# ========================================================================= complex
# complex arrays are made inside the op from (..., 2) float arrays: view_as_complex / polar
_z = u((3, 2))
add("view_as_complex", "float32", m("view_as_complex"), lambda x: x[..., 0] + 1j * x[..., 1], [_z],
    tol="exact", dtype="complex64", keras=k("view_as_complex"))
add("view_as_real", "round-trip", lambda b, x: b.view_as_real(b.view_as_complex(x)), lambda x: x,
    [u((2, 3, 2))], tol="exact", keras=lambda kops, x: kops.view_as_real(kops.view_as_complex(x)))
add("real", "complex", lambda b, x: b.real(b.view_as_complex(x)), lambda x: x[..., 0], [_z],
    tol="exact", keras=lambda kops, x: kops.real(kops.view_as_complex(x)))
add("real", "float-identity", m("real"), lambda x: x, [u((3,))], diff=[0], keras=k("real"))
add("real", "int32", m("real"), lambda x: x, [ints((3,), -3, 3)], tol="exact", dtype="int32",
    keras=k("real"))
add("imag", "complex", lambda b, x: b.imag(b.view_as_complex(x)), lambda x: x[..., 1], [_z],
    tol="exact", keras=lambda kops, x: kops.imag(kops.view_as_complex(x)))
add("imag", "float-gives-zeros", m("imag"), np.zeros_like, [u((3,))], tol="exact", keras=k("imag"))
add("conj", "complex", lambda b, x: b.view_as_real(b.conj(b.view_as_complex(x))),
    lambda x: np.stack([x[..., 0], -x[..., 1]], -1), [_z], tol="exact",
    keras=lambda kops, x: kops.view_as_real(kops.conj(kops.view_as_complex(x))))
add("conj", "float-identity", m("conj"), lambda x: x, [u((3,))], diff=[0], keras=k("conjugate"))
add("angle", "complex", lambda b, x: b.angle(b.view_as_complex(x)), lambda x: np.arctan2(x[..., 1], x[..., 0]),
    [_z], tol="trans", keras=lambda kops, x: kops.angle(kops.view_as_complex(x)))
add("angle", "real", m("angle"), np.angle, [np.array([-2.0, 0.0, 3.0, -0.5], F32)], tol="trans",
    keras=k("angle"))
add("angle", "int32-gives-float32", m("angle"), lambda x: np.angle(x.astype(np.float64)),
    [np.array([-2, 0, 3], I32)], tol="trans", dtype="float32", keras=k("angle"))
add("polar", "parts", lambda b, r, t: b.view_as_real(b.polar(r, t)),
    lambda r, t: np.stack([r * np.cos(t), r * np.sin(t)], -1), [u((2, 3), 0.1, 2), u((2, 3), -3, 3)],
    tol="trans", keras=lambda kops, r, t: kops.view_as_real(kops.polar(r, t)))
add("polar", "dtype", lambda b, r, t: b.polar(r, t), lambda r, t: r * np.exp(1j * t),
    [np.array([1.0, 0.0], F32), np.array([0.0, 1.0], F32)], tol="exact", dtype="complex64",
    keras=k("polar"))
add("isreal", "polar", lambda b, r, t: b.isreal(b.polar(r, t)), lambda r, t: t == 0,
    [np.array([1.0, 2.0, 1.0], F32), np.array([0.0, 1.0, 0.0], F32)], tol="exact",
    keras=lambda kops, r, t: kops.isreal(kops.polar(r, t)))

# ===================================================================== result_type
for dts, want in [(("int8", "uint8"), "int16"), (("float16", int), "float16"), ((int, float), "float32"),
                  (("bfloat16", "float16"), "float32"), (("int64", "uint64"), "float32"),
                  (("bool", int), "int32"), (("int32", "float64"), "float32"), ((), "float32")]:
    add("result_type", "-".join(getattr(d, "__name__", d) for d in dts) or "none",
        lambda b, dts=dts: b.result_type(*dts), lambda want=want: want, python=True)

# ================================================================ mod's gradient
add("mod", "grad-as-jax", m("mod"), np.mod, list(_fdiv_pair((3, 4))), diff=[0, 1], tol="trans",
    keras=k("mod"))
