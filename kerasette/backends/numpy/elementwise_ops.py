"""The NumPy engine's elementwise ops (contract: ``kerasette/backends/contract/elementwise.py``).

Module-level functions named as the contract's methods; each differentiable op
returns ``Traced`` on traced input with its VJP next to its forward code.
Inputs are first put in Keras's dtypes (``_f``: float-valued ops; ``_same``:
``result_type``), since NumPy's own promotion differs (``arccos(int8)`` would be
float16, ``arctan2(int32, int32)`` float64).
"""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes as D
from .autodiff import Traced
from .ops import _binary, _erf, _unary, _val, cast, convert, dtype, np_dtype

_SCALARS = (int, float, bool, complex)


def _arr(x):
    """An engine array (Traced or ndarray) for ``x``: Python scalars and lists as ``convert``."""
    return x if type(x) is Traced or type(x) is np.ndarray else convert(x)


def _kind(x):
    return type(x) if type(x) in _SCALARS else dtype(x)


def _to(x, name):
    if type(x) is Traced or type(x) is np.ndarray:
        return x if dtype(x) == name else cast(x, name)
    return np.asarray(x, np_dtype(name))


def _f(x):
    """``x`` in its float dtype (ints and bools: float32)."""
    k = _kind(x)
    if isinstance(k, str) and (D.is_float(k) or D.is_complex(k)):
        return _to(x, k)
    return _to(x, D.lattice_result_type((k, float)))


def _fpair(x1, x2):
    name = D.lattice_result_type((_kind(x1), _kind(x2), float))
    return _to(x1, name), _to(x2, name)


def _same(x1, x2):
    name = D.lattice_result_type((_kind(x1), _kind(x2)))
    return _to(x1, name), _to(x2, name)


def _ints(op, x1, x2, allow_bool=True):
    x1, x2 = _same(x1, x2)
    if np.result_type(_val(x1)).kind not in ("iub" if allow_bool else "iu"):
        raise TypeError(f"{op} takes integer{' or bool' if allow_bool else ''} arrays; "
                        f"got dtype {dtype(x1)}.")
    return _val(x1), _val(x2)


def _float_unary(name, f, d):
    base = _unary(name, f, d)

    def op(x):
        return base(_f(x))

    op.__name__ = name
    return op


def _float_binary(name, f, rx, ry):
    base = _binary(name, f, rx, ry)

    def op(x1, x2):
        return base(*_fpair(x1, x2))

    op.__name__ = name
    return op


def _in_dtype(f):
    """``f`` computed in float64, returned in the input's float dtype."""
    def g(x):
        x = np.asarray(x)
        out = np.asarray(f(x.astype(np.float64))).astype(x.dtype)
        return out[()] if out.ndim == 0 else out
    return g


_SQRT_PI = math.sqrt(math.pi)
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _erfc64(x):
    # erfc's continued fraction for |x| >= 2 (no cancellation in the tail); 1 - erf below
    x = np.asarray(x, np.float64)
    out = 1.0 - np.asarray(_erf(x), np.float64)
    a = np.abs(x)
    big = a >= 2.0
    if np.any(big):
        xl = a[big]
        f = xl.copy()
        for k in range(60, 0, -1):
            f = xl + (k / 2) / f
        tail = np.exp(-xl * xl) / (_SQRT_PI * f)
        out[big] = np.where(x[big] > 0, tail, 2.0 - tail)
    return out


def _erfinv64(y):
    y = np.asarray(y, np.float64)
    # Giles' single-precision approximation, then two Newton steps on erf in float64
    w = -np.log(np.maximum((1.0 - y) * (1.0 + y), 1e-300))
    small = w < 5.0
    ws = np.where(small, w - 2.5, np.sqrt(w) - 3.0)
    cs = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
          -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
    cl = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
          -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
    ps, pl = np.full_like(y, cs[0]), np.full_like(y, cl[0])
    for a, b in zip(cs[1:], cl[1:]):
        ps = ps * ws + a
        pl = pl * ws + b
    x = np.where(small, ps, pl) * y
    inside = np.abs(y) < 1
    for _ in range(2):
        xi = np.where(inside, x, 0.0)
        err = np.asarray(_erf(xi), np.float64) - y
        x = np.where(inside, xi - err / ((2 / _SQRT_PI) * np.exp(-xi * xi)), x)
    x = np.where(y == 1, np.inf, np.where(y == -1, -np.inf, x))
    return np.where(np.abs(y) > 1, np.nan, x)


def _i1_64(x):
    # the power series of I1; all terms have x's sign, so no cancellation
    x = np.asarray(x, np.float64)
    h = x / 2
    term = h.copy()
    total = h.copy()
    q = h * h
    for k in range(1, 200):
        term = term * q / (k * (k + 1))
        total = total + term
        if np.all(np.abs(term) <= 1e-17 * np.abs(total)):
            break
    return total


def _sinc_d(g, x, o):
    safe = np.where(x == 0, 1, x)
    return g * np.where(x == 0, 0, (np.cos(np.pi * x) - o) / safe)


arccos = _float_unary("arccos", np.arccos, lambda g, x, o: -g / np.sqrt(1 - x * x))
arcsin = _float_unary("arcsin", np.arcsin, lambda g, x, o: g / np.sqrt(1 - x * x))
arctan = _float_unary("arctan", np.arctan, lambda g, x, o: g / (1 + x * x))
arccosh = _float_unary("arccosh", np.arccosh, lambda g, x, o: g / np.sqrt(x * x - 1))
arcsinh = _float_unary("arcsinh", np.arcsinh, lambda g, x, o: g / np.sqrt(x * x + 1))
arctanh = _float_unary("arctanh", np.arctanh, lambda g, x, o: g / (1 - x * x))
cosh = _float_unary("cosh", np.cosh, lambda g, x, o: g * np.sinh(x))
sinh = _float_unary("sinh", np.sinh, lambda g, x, o: g * np.cosh(x))
tan = _float_unary("tan", np.tan, lambda g, x, o: g * (1 + o * o))
sinc = _float_unary("sinc", np.sinc, _sinc_d)
cbrt = _float_unary("cbrt", np.cbrt, lambda g, x, o: g / (3 * o * o))
exp2 = _float_unary("exp2", np.exp2, lambda g, x, o: g * o * _LN2)
log2 = _float_unary("log2", np.log2, lambda g, x, o: g / (x * _LN2))
log10 = _float_unary("log10", np.log10, lambda g, x, o: g / (x * _LN10))
erfc = _float_unary("erfc", _in_dtype(_erfc64),
                    lambda g, x, o: g * (-(2 / _SQRT_PI) * np.exp(-x * x)))
erfinv = _float_unary("erfinv", _in_dtype(_erfinv64),
                      lambda g, x, o: g * ((_SQRT_PI / 2) * np.exp(o.astype(np.float64) ** 2)).astype(o.dtype))
i0 = _float_unary("i0", _in_dtype(np.i0), lambda g, x, o: g * _in_dtype(_i1_64)(x))


def _atan2_d1(g, y, x, o):
    return g * x / (x * x + y * y)


def _atan2_d2(g, y, x, o):
    return -g * y / (x * x + y * y)


arctan2 = _float_binary("arctan2", np.arctan2, _atan2_d1, _atan2_d2)
hypot = _float_binary("hypot", np.hypot, lambda g, x, y, o: g * x / o, lambda g, x, y, o: g * y / o)
logaddexp = _float_binary("logaddexp", np.logaddexp, lambda g, x, y, o: g * np.exp(x - o),
                          lambda g, x, y, o: g * np.exp(y - o))


def nextafter(x1, x2):
    x1, x2 = _fpair(x1, x2)
    return np.nextafter(_val(x1), _val(x2))


def trunc(x):
    x = _arr(x)
    if np.result_type(_val(x)).kind not in "fc":
        return x if type(x) is not Traced else x.value
    return np.trunc(_val(x))


def signbit(x):
    return np.signbit(_val(_arr(x)))


_fmod = _binary("fmod", np.fmod, lambda g, x, y, o: g, lambda g, x, y, o: -g * np.trunc(x / y))


def fmod(x1, x2):
    x1, x2 = _same(x1, x2)
    if np.result_type(_val(x1)).kind == "b":
        x1, x2 = cast(x1, "int32"), cast(x2, "int32")
    return _fmod(x1, x2)


def gcd(x1, x2):
    return np.gcd(*_ints("gcd", x1, x2, allow_bool=False))


def lcm(x1, x2):
    return np.lcm(*_ints("lcm", x1, x2, allow_bool=False))


def bitwise_and(x, y):
    return np.bitwise_and(*_ints("bitwise_and", x, y))


def bitwise_or(x, y):
    return np.bitwise_or(*_ints("bitwise_or", x, y))


def bitwise_xor(x, y):
    return np.bitwise_xor(*_ints("bitwise_xor", x, y))


def bitwise_not(x):
    xv = np.asarray(_val(_arr(x)))
    if xv.dtype.kind not in "iub":
        raise TypeError(f"bitwise_not takes integer or bool arrays; got dtype {dtype(xv)}.")
    return np.invert(xv)


def _shift(op, f, x, y):
    x, y = _ints(op, x, y)
    if x.dtype.kind == "b":
        x, y = x.astype(np.int32), y.astype(np.int32)
    return f(x, y)


def bitwise_left_shift(x, y):
    return _shift("bitwise_left_shift", np.left_shift, x, y)


def bitwise_right_shift(x, y):
    return _shift("bitwise_right_shift", np.right_shift, x, y)


# ------------------------------------------------------------------- complex
def _is_complex(x):
    return np.result_type(_val(x)).kind == "c"


def real(x):
    x = _arr(x)
    return np.real(_val(x)) if _is_complex(x) else x


def imag(x):
    x = _arr(x)
    return np.imag(_val(x)) if _is_complex(x) else np.zeros_like(_val(x))


def conj(x):
    x = _arr(x)
    return np.conj(_val(x)) if _is_complex(x) else x


def angle(x):
    x = _arr(x)
    if _is_complex(x):
        xv = np.asarray(_val(x))
        return np.angle(xv).astype(xv.real.dtype)
    xv = np.asarray(_val(_f(x)))
    return np.angle(xv).astype(xv.dtype)


def view_as_complex(x):
    xv = np.asarray(_val(x))
    if xv.ndim == 0 or xv.shape[-1] != 2 or xv.dtype.kind != "f":
        raise ValueError(f"view_as_complex takes a float array whose last axis has length 2; got "
                         f"shape {xv.shape} and dtype {dtype(xv)}.")
    ct = np.complex128 if xv.dtype == np.float64 else np.complex64
    out = np.empty(xv.shape[:-1], ct)
    out.real = xv[..., 0]
    out.imag = xv[..., 1]
    return out


def view_as_real(x):
    xv = np.asarray(_val(x))
    if xv.dtype.kind != "c":
        raise ValueError(f"view_as_real takes a complex array; got dtype {dtype(xv)}.")
    return np.stack([xv.real, xv.imag], axis=-1)
