"""Array ops of the NumPy engine, each with its VJP next to its forward code.

Every op checks ``type(x) is Traced`` on its array arguments; plain ndarrays go
straight to NumPy. A traced op returns ``Traced(out, parents, vjp)`` where
``parents`` holds the traced inputs (``None`` for the others) and ``vjp(g)``
returns one gradient per parent. Ops without a gradient (comparisons, floor,
argmax...) return plain ndarrays even on traced input, which cuts the tape.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from ..base import DTYPES, standardize_dtype
from ..contract.arrays import _floatx
from .autodiff import Slot, Traced, unbroadcast

F32 = np.dtype("float32")
F64 = np.dtype("float64")
I32 = np.dtype("int32")
I64 = np.dtype("int64")
_NP_DTYPES = {n: np.dtype(n) for n in DTYPES if n != "bfloat16"}
try:  # bfloat16 on NumPy comes from ml_dtypes (a dependency; the engine works without it)
    import ml_dtypes as _ml_dtypes
    _NP_DTYPES["bfloat16"] = np.dtype(_ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover
    pass
_NAMES = {dt: n for n, dt in _NP_DTYPES.items()}
BF16 = _NP_DTYPES.get("bfloat16")  # ml_dtypes' bfloat16 (kind "V": test it by identity)
_DT_CACHE = {}


def np_dtype(dtype):
    """The NumPy dtype for any dtype spelling; TypeError for one NumPy cannot hold."""
    try:
        return _DT_CACHE[dtype]
    except (KeyError, TypeError):
        pass
    name = standardize_dtype(dtype)
    if name not in _NP_DTYPES:
        raise TypeError(f"The numpy engine cannot hold dtype {name!r}; use float16, float32 or float64"
                        " (bfloat16 needs the `ml_dtypes` package).")
    dt = _NP_DTYPES[name]
    try:
        _DT_CACHE[dtype] = dt
    except TypeError:
        pass
    return dt


def _val(x):
    return x.value if type(x) is Traced else x


def _ax(axis):
    return tuple(axis) if type(axis) is list else axis


def _demote(out, x, y=None):
    # float64 appears only when a float64 array came in; otherwise (ints / Python
    # floats meeting) the result is float32, as on the other engines.
    if (getattr(out, "dtype", None) is F64 and getattr(x, "dtype", None) is not F64
            and getattr(y, "dtype", None) is not F64):
        return out.astype(F32)
    return out


def _bcast_error(op, x, y, err):
    try:
        np.broadcast_shapes(np.shape(x), np.shape(y))
    except ValueError:
        return ValueError(f"{op}: cannot broadcast shapes {np.shape(x)} and {np.shape(y)} together.")
    return err


# ----------------------------------------------------------------- creation
def convert(x, dtype=None):
    if dtype is not None:
        dt = np_dtype(dtype)
        if type(x) is Traced:
            return cast(x, dt)
        if type(x) in (list, tuple) and _has_traced(x):
            return cast(stack([convert(v) for v in x]), dt)
        return np.asarray(x, dtype=dt)
    t = type(x)
    if t is np.ndarray or t is Traced:
        return x
    if isinstance(x, np.generic):
        return np.asarray(x)
    if (t is list or t is tuple) and _has_traced(x):
        return stack([convert(v) for v in x])
    out = np.asarray(x)
    if out.dtype is F64 and not hasattr(x, "dtype"):
        out = out.astype(F32)
    elif out.dtype == I64 and not hasattr(x, "dtype") and _fits_int32(out):
        out = out.astype(I32)  # Python ints are int32, as Keras
    return out


def _fits_int32(a):
    return a.size == 0 or (int(a.min()) >= -2 ** 31 and int(a.max()) < 2 ** 31)


def _has_traced(xs):
    return builtins.any(type(v) is Traced or (type(v) in (list, tuple) and _has_traced(v)) for v in xs)


def to_numpy(x):
    return x.value if type(x) is Traced else np.asarray(x)


def zeros(shape, dtype=None):
    return np.zeros(shape, np_dtype(dtype or _floatx()))


def ones(shape, dtype=None):
    return np.ones(shape, np_dtype(dtype or _floatx()))


def full(shape, fill_value, dtype=None):
    dt = np_dtype(dtype or _floatx())
    if type(fill_value) is Traced:
        return broadcast_to(cast(fill_value, dt), tuple(shape) if not isinstance(shape, int) else (shape,))
    return np.full(shape, fill_value, dt)


def zeros_like(x, dtype=None):
    x = _val(x)
    return np.zeros(np.shape(x), np_dtype(dtype) if dtype is not None else np.result_type(x))


def ones_like(x, dtype=None):
    x = _val(x)
    return np.ones(np.shape(x), np_dtype(dtype) if dtype is not None else np.result_type(x))


def _all_ints(*vals):
    return builtins.all(v is None or isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                        or np.ndim(v) == 0 and np.result_type(v).kind in "iu" for v in vals)


def arange(start, stop=None, step=None, dtype=None):
    start, stop, step = _val(start), _val(stop), _val(step)
    if dtype is None:
        dtype = "int32" if _all_ints(start, stop, step) else _floatx()
    if stop is None:
        start, stop = 0, start
    return np.arange(start, stop, 1 if step is None else step, dtype=np_dtype(dtype))


def eye(N, M=None, k=0, dtype=None):
    return np.eye(N, M, k, dtype=np_dtype(dtype or _floatx()))


def cast(x, dtype):
    dt = np_dtype(dtype)
    if type(x) is Traced:
        xv = x.value
        out = xv.astype(dt)
        if dt.kind != "f" and dt is not BF16:
            return out
        src = xv.dtype
        return Traced(out, (x,), lambda g: (g.astype(src, copy=False),))
    if type(x) is np.ndarray:
        return x.astype(dt, copy=False)
    return np.asarray(x, dtype=dt)


def shape(x):
    t = type(x)
    if t is np.ndarray:
        return x.shape
    if t is Traced:
        return x.value.shape
    return tuple(np.shape(x))


def dtype(x):
    x = _val(x)
    try:
        return _NAMES[x.dtype]
    except AttributeError:
        return _NAMES[convert(x).dtype]
    except KeyError:
        return standardize_dtype(x.dtype)


def is_array(x):
    t = type(x)
    return t is np.ndarray or t is Traced or isinstance(x, (np.ndarray, np.number, np.bool_))


def ndim(x):
    return np.ndim(_val(x))


def size(x):
    return int(np.size(_val(x)))


# ----------------------------------------------------------- element-wise binary
def _binary(name, f, rx, ry):
    """Binary op with NumPy broadcasting; ``rx/ry(g, x, y, out)`` are the VJP rules."""

    def op(x, y):
        tx = type(x) is Traced
        ty = type(y) is Traced
        if not (tx or ty):
            try:
                out = f(x, y)
            except ValueError as e:
                raise _bcast_error(name, x, y, e) from None
            return _demote(out, x, y) if out.dtype is F64 else out
        xv = x.value if tx else x
        yv = y.value if ty else y
        try:
            out = f(xv, yv)
        except ValueError as e:
            raise _bcast_error(name, xv, yv, e) from None
        if out.dtype is F64:
            out = _demote(out, xv, yv)
        xs = xv.shape if type(xv) is np.ndarray else np.shape(xv)
        ys = yv.shape if type(yv) is np.ndarray else np.shape(yv)

        def vjp(g):
            return (unbroadcast(rx(g, xv, yv, out), xs) if tx else None,
                    unbroadcast(ry(g, xv, yv, out), ys) if ty else None)

        return Traced(out, (x if tx else None, y if ty else None), vjp)

    def lower(out, x, y):
        """The replay recorder's plain-array form of one traced call (``replay.py``):
        ``fwd(x, y) -> out`` and ``bwd(g, x, y, out) -> vjp(g)``, for arguments of
        the recorded signature (the same shapes, dtypes and tracedness)."""
        tx, ty = type(x) is Traced, type(y) is Traced
        to_x = _reducer(np.shape(x.value if tx else x), out.value.shape)
        to_y = _reducer(np.shape(y.value if ty else y), out.value.shape)

        def bwd(g, xv, yv, out):
            return (to_x(rx(g, xv, yv, out)) if tx else None,
                    to_y(ry(g, xv, yv, out)) if ty else None)

        if getattr(f(x.value if tx else x, y.value if ty else y), "dtype", None) is F64:
            return (lambda xv, yv: _demote(f(xv, yv), xv, yv)), bwd
        return f, bwd  # the signature fixes the result dtype: no float64 to demote

    op.__name__ = name
    op.lower = lower
    if isinstance(f, np.ufunc):  # replay may write the result into a dead first argument
        op.into = lambda x, y, out=None: f(x, y, out=out)
        op.ufunc = f  # and call f itself where it gives the op's dtype (no float64 demoted)
    return op


def _reducer(shape, full):
    """``unbroadcast(g, shape)`` for a ``g`` of shape ``full`` known ahead (the axes to
    sum found once); any other ``g`` goes through ``unbroadcast``."""
    if shape == full:
        return lambda g: g if type(g) is np.ndarray and g.shape == full else unbroadcast(g, shape)
    nd = len(full) - len(shape)
    axes = tuple(range(nd)) + tuple(i + nd for i, n in enumerate(shape) if n == 1 and full[i + nd] != 1)
    if not axes:
        return lambda g: unbroadcast(g, shape)
    add = np.add.reduce

    def to(g):
        if type(g) is np.ndarray and g.shape == full:
            return add(g, axis=axes, keepdims=True).reshape(shape)
        return unbroadcast(g, shape)

    return to


def _pow_dx(g, x, y, out):
    if isinstance(y, (int, float)):
        if y == 0:
            return np.zeros_like(g)
        if y == 1:
            return g
        if y == 2:
            return g * (2 * x)
    return g * (y * np.power(x, y - 1))


def _pow_dy(g, x, y, out):
    pos = x > 0
    return g * np.where(pos, out * np.log(np.where(pos, x, 1)), 0)


add = _binary("add", np.add, lambda g, x, y, o: g, lambda g, x, y, o: g)
subtract = _binary("subtract", np.subtract, lambda g, x, y, o: g, lambda g, x, y, o: -g)
multiply = _binary("multiply", np.multiply, lambda g, x, y, o: g * y, lambda g, x, y, o: g * x)
divide = _binary("divide", np.true_divide, lambda g, x, y, o: g / y, lambda g, x, y, o: -g * o / y)
power = _binary("power", np.power, _pow_dx, _pow_dy)
maximum = _binary("maximum", np.maximum, lambda g, x, y, o: g * (x >= y), lambda g, x, y, o: g * (x < y))
minimum = _binary("minimum", np.minimum, lambda g, x, y, o: g * (x <= y), lambda g, x, y, o: g * (x > y))


def _nograd_binary(name, f):
    def op(x, y):
        if type(x) is Traced:
            x = x.value
        if type(y) is Traced:
            y = y.value
        try:
            out = f(x, y)
        except ValueError as e:
            raise _bcast_error(name, x, y, e) from None
        return _demote(out, x, y) if out.dtype is F64 else out

    op.__name__ = name
    return op


floor_divide = _nograd_binary("floor_divide", np.floor_divide)
mod = _binary("mod", np.mod, lambda g, x, y, o: g, lambda g, x, y, o: -g * np.floor(x / y))
equal = _nograd_binary("equal", np.equal)
not_equal = _nograd_binary("not_equal", np.not_equal)
less = _nograd_binary("less", np.less)
less_equal = _nograd_binary("less_equal", np.less_equal)
greater = _nograd_binary("greater", np.greater)
greater_equal = _nograd_binary("greater_equal", np.greater_equal)
logical_and = _nograd_binary("logical_and", np.logical_and)
logical_or = _nograd_binary("logical_or", np.logical_or)


def where(condition, x, y):
    c = _val(condition)
    tx = type(x) is Traced
    ty = type(y) is Traced
    xv = x.value if tx else x
    yv = y.value if ty else y
    try:
        out = _demote(np.where(c, xv, yv), xv, yv)
    except ValueError:
        raise ValueError(f"where: cannot broadcast shapes {np.shape(c)}, {np.shape(xv)} and "
                         f"{np.shape(yv)} together.") from None
    if not (tx or ty):
        return out
    xs, ys = np.shape(xv), np.shape(yv)

    def vjp(g):
        return (unbroadcast(np.where(c, g, 0), xs) if tx else None,
                unbroadcast(np.where(c, 0, g), ys) if ty else None)

    return Traced(out, (x if tx else None, y if ty else None), vjp)


# ------------------------------------------------------------ element-wise unary
def _unary(name, f, d):
    """Unary op; ``d(g, x, out)`` is its VJP rule (None: no gradient)."""
    if d is None:
        def op(x):
            return f(x.value if type(x) is Traced else x)
    else:
        def op(x):
            if type(x) is Traced:
                xv = x.value
                out = f(xv)
                return Traced(out, (x,), lambda g: (d(g, xv, out),))
            return f(x)

        op.lower = lambda out, x: (f, lambda g, xv, out: (d(g, xv, out),))  # see _binary
    if isinstance(f, np.ufunc):  # see _binary
        op.into = lambda x, out=None: f(x, out=out)
        op.ufunc = f
    op.__name__ = name
    return op


def _float_input(x):
    """Integer/bool input of an activation as float32 (Keras's rule); float input unchanged."""
    if type(x) is Traced or (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        return x
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def _sigmoid(x):
    # 1 / (1 + exp(-x)) is exact at both ends; exp overflowing to inf gives 0
    t = np.empty_like(x, dtype=None if np.result_type(x).kind == "f" else F32)
    np.negative(x, out=t)
    with np.errstate(over="ignore"):
        np.exp(t, out=t)
    t += 1
    return np.reciprocal(t, out=t)


_SQRT_PI = math.sqrt(math.pi)


def _erf(x):
    # float64 throughout: a power series for |x| < 2 and erfc's continued fraction
    # beyond (both accurate to ~1e-15), then back to x's float dtype.
    x = np.asarray(x)
    out_dtype = x.dtype if x.dtype.kind == "f" else F32
    xd = x.astype(F64)
    a = np.abs(xd)
    out = np.empty_like(xd)
    small = a < 2.0
    xs = xd[small]
    x2 = xs * xs
    p = xs.copy()
    total = xs.copy()
    for n in range(1, 40):
        p *= -x2 / n
        total += p / (2 * n + 1)
    out[small] = total * (2 / _SQRT_PI)
    xl = a[~small]
    f = xl.copy()
    for k in range(60, 0, -1):
        f = xl + (k / 2) / f
    out[~small] = np.sign(xd[~small]) * (1 - np.exp(-xl * xl) / (_SQRT_PI * f))
    return out.astype(out_dtype)[()] if out.ndim == 0 else out.astype(out_dtype)


negative = _unary("negative", np.negative, lambda g, x, o: -g)
abs = _unary("abs", np.abs, lambda g, x, o: g * np.sign(x))
sign = _unary("sign", np.sign, None)
exp = _unary("exp", np.exp, lambda g, x, o: g * o)
log = _unary("log", np.log, lambda g, x, o: g / x)
log1p = _unary("log1p", np.log1p, lambda g, x, o: g / (1 + x))
expm1 = _unary("expm1", np.expm1, lambda g, x, o: g * (o + 1))
sqrt = _unary("sqrt", np.sqrt, lambda g, x, o: g / (2 * o))
square = _unary("square", np.square, lambda g, x, o: g * (2 * x))
sin = _unary("sin", np.sin, lambda g, x, o: g * np.cos(x))
cos = _unary("cos", np.cos, lambda g, x, o: -g * np.sin(x))
tanh = _unary("tanh", np.tanh, lambda g, x, o: g * (1 - o * o))
erf = _unary("erf", _erf, lambda g, x, o: g * ((2 / _SQRT_PI) * np.exp(-x * x)))
sigmoid = _unary("sigmoid", _sigmoid, lambda g, x, o: g * (o * (1 - o)))
relu = _unary("relu", lambda x: np.maximum(x, 0), lambda g, x, o: g * (x > 0))
relu.into = lambda x, out=None: np.maximum(x, 0, out=out)
softplus = _unary("softplus", lambda x: np.logaddexp(x, 0), lambda g, x, o: g * _sigmoid(x))


def round(x, decimals=0):
    return np.round(_val(x), decimals)


floor = _unary("floor", np.floor, None)
ceil = _unary("ceil", np.ceil, None)
logical_not = _unary("logical_not", np.logical_not, None)
isnan = _unary("isnan", np.isnan, None)
isfinite = _unary("isfinite", np.isfinite, None)


def clip(x, min_value, max_value):
    lo, hi = _val(min_value), _val(max_value)
    if type(x) is Traced:
        xv = x.value
        out = np.clip(xv, lo, hi)

        def vjp(g):
            inside = np.ones(np.shape(xv), bool) if lo is None else (xv >= lo)
            if hi is not None:
                inside = inside & (xv <= hi)
            return (g * inside,)

        return Traced(out, (x,), vjp)
    return np.clip(x, lo, hi)


def reciprocal(x):
    return divide(1, x)


def rsqrt(x):
    return divide(1, sqrt(x))


def silu(x):
    x = _float_input(x)
    if type(x) is Traced:
        xv = x.value
        s = _sigmoid(xv)
        return Traced(xv * s, (x,), lambda g: (g * (s * (1 + xv * (1 - s))),))
    return x * _sigmoid(x)


def leaky_relu(x, negative_slope=0.2):
    x = _float_input(x)
    if type(x) is Traced:
        xv = x.value
        pos = xv >= 0
        out = np.where(pos, xv, xv * negative_slope)
        return Traced(out, (x,), lambda g: (np.where(pos, g, g * negative_slope),))
    return np.where(x >= 0, x, x * negative_slope)


# --------------------------------------------------------------- reductions
def _expand(g, axis, nd):
    """Put back, as length-1 axes, the ``axis`` a non-keepdims reduction removed."""
    if axis is None:
        shape = (1,) * nd
    else:
        shape = list(np.shape(g))
        for a in sorted(a % nd for a in ((axis,) if type(axis) is int else axis)):
            shape.insert(a, 1)
    return g.reshape(shape) if type(g) is np.ndarray else np.reshape(g, shape)


def _spread(g, shape):
    """``g`` broadcast to ``shape`` for a VJP: a writable array when small (cheaper to
    make than a view, and not copied again at the end), a read-only view when large."""
    if math.prod(shape) <= 4096:
        return np.full(shape, g, dtype=np.result_type(g))
    return np.broadcast_to(g, shape)


def _reduce_sum(x, axis, keepdims):
    if type(x) is np.ndarray:
        return np.add.reduce(x, axis=axis, keepdims=keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


def sum(x, axis=None, keepdims=False):
    axis = _ax(axis)
    if type(x) is Traced:
        xv = x.value
        out = _reduce_sum(xv, axis, keepdims)
        shp = xv.shape

        def vjp(g):
            return (_spread(g if keepdims else _expand(g, axis, len(shp)), shp),)

        return Traced(out, (x,), vjp)
    return _reduce_sum(x, axis, keepdims)


def _spreader(out, axis, keepdims, shp, n=None):
    """A reduction's VJP for replay (``_binary``'s lower): ``g`` (divided by ``n``)
    spread back to ``shp``, its expanded shape found once for ``g`` of ``out``'s shape."""
    full = np.shape(out)
    kshape = full if keepdims else np.shape(_expand(np.zeros(full), axis, len(shp)))
    small = math.prod(shp) <= 4096

    def bwd(g, *rest):
        if n is not None:
            g = g / n
        if getattr(g, "shape", None) != full:  # (an ndarray or a NumPy scalar: its own reshape)
            return (_spread(g if keepdims else _expand(g, axis, len(shp)), shp),)
        g = g.reshape(kshape)
        if small:  # _spread's np.full, in its two steps
            buf = np.empty(shp, dtype=g.dtype)
            np.copyto(buf, g, casting="unsafe")
            return (buf,)
        return (np.broadcast_to(g, shp),)

    return bwd


def _sum_lower(out, x, axis=None, keepdims=False):  # see _binary's lower
    axis = _ax(axis)
    return ((lambda xv, *_: _reduce_sum(xv, axis, keepdims)),
            _spreader(out.value, axis, keepdims, x.value.shape))


sum.lower = _sum_lower


def _mean(x, axis, keepdims):
    if type(x) is np.ndarray and (x.dtype is F32 or x.dtype is F64) and x.size:
        out = np.add.reduce(x, axis=axis, keepdims=keepdims)
        return out / (x.size // np.size(out)), x.size // np.size(out)
    out = np.mean(x, axis=axis, keepdims=keepdims)
    return out, np.size(x) // builtins.max(np.size(out), 1)


def mean(x, axis=None, keepdims=False):
    axis = _ax(axis)
    if type(x) is Traced:
        xv = x.value
        out, n = _mean(xv, axis, keepdims)
        shp = xv.shape

        def vjp(g):
            g = g / n
            return (_spread(g if keepdims else _expand(g, axis, len(shp)), shp),)

        return Traced(out, (x,), vjp)
    return _demote(_mean(x, axis, keepdims)[0], x)


def _mean_lower(out, x, axis=None, keepdims=False):  # see _binary's lower
    axis = _ax(axis)
    xv = x.value
    n = _mean(xv, axis, keepdims)[1]  # shapes only
    fwd = (lambda xv, *_: _mean(xv, axis, keepdims)[0])
    if type(xv) is np.ndarray and (xv.dtype is F32 or xv.dtype is F64) and xv.size:
        add = np.add.reduce  # _mean's fast path, with its count found once

        def fwd(xv, *_):
            return add(xv, axis=axis, keepdims=keepdims) / n
    return fwd, _spreader(out.value, axis, keepdims, xv.shape, n)


mean.lower = _mean_lower


def _extremum(name, f):
    def op(x, axis=None, keepdims=False):
        axis = _ax(axis)
        if type(x) is Traced:
            xv = x.value
            out = f(xv, axis=axis, keepdims=keepdims)
            nd = xv.ndim

            def vjp(g):
                outk = out if keepdims else _expand(out, axis, nd)
                gk = g if keepdims else _expand(g, axis, nd)
                mask = xv == outk
                count = np.sum(mask, axis=axis, keepdims=True, dtype=np.result_type(g))
                return (mask * (gk / count),)

            return Traced(out, (x,), vjp)
        return f(x, axis=axis, keepdims=keepdims)

    op.__name__ = name
    return op


_max = _extremum("max", np.max)
_min = _extremum("min", np.min)


def max(x, axis=None, keepdims=False, initial=None):
    out = _max(x, axis, keepdims)
    return out if initial is None else maximum(out, initial)


def min(x, axis=None, keepdims=False, initial=None):
    out = _min(x, axis, keepdims)
    return out if initial is None else minimum(out, initial)


_WIDEN = frozenset(np.dtype(n) for n in ("bool", "int8", "int16", "int32", "uint8"))
I32 = np.dtype("int32")


def prod(x, axis=None, keepdims=False, dtype=None):
    axis = _ax(axis)
    if dtype is not None:
        x = cast(x, dtype)
    elif _val(x).dtype in _WIDEN:  # NumPy would widen to int64; Keras gives int32
        return np.prod(_val(x), axis=axis, keepdims=keepdims, dtype=I32)
    if type(x) is Traced:
        xv = x.value
        out = np.prod(xv, axis=axis, keepdims=keepdims)

        def vjp(g):
            nd = xv.ndim
            gk = g if keepdims else _expand(g, axis, nd)
            axes = tuple(range(nd)) if axis is None else tuple(
                a % nd for a in (axis if isinstance(axis, tuple) else (axis,)))
            rest = [a for a in range(nd) if a not in axes]
            xt = np.transpose(xv, rest + list(axes))
            flat = xt.reshape(xt.shape[:len(rest)] + (-1,))
            ones = np.ones(flat.shape[:-1] + (1,), flat.dtype)
            left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
            right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
            others = (left * right).reshape(xt.shape)
            others = np.transpose(others, np.argsort(rest + list(axes)))
            return (gk * others,)

        return Traced(out, (x,), vjp)
    return np.prod(x, axis=axis, keepdims=keepdims)


def argmax(x, axis=None, keepdims=False):
    return np.argmax(_val(x), axis=axis, keepdims=keepdims).astype(I32)


def argmin(x, axis=None, keepdims=False):
    return np.argmin(_val(x), axis=axis, keepdims=keepdims).astype(I32)


def any(x, axis=None, keepdims=False):
    return np.any(_val(x), axis=_ax(axis), keepdims=keepdims)


def all(x, axis=None, keepdims=False):
    return np.all(_val(x), axis=_ax(axis), keepdims=keepdims)


def cumulative_input(x, axis, dtype, np_fn):
    """What cumsum/cumprod share: ``(x, axis, None)`` after the dtype cast and flattening
    for ``axis=None``, or ``(x, axis, result)`` for integer/bool input (no gradient; bool
    gives int32 and other integers keep their dtype, where NumPy would widen to int64)."""
    if dtype is not None:
        x = cast(x, dtype)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    xv = _val(x)
    if xv.dtype.kind in "biu":
        return x, axis, np_fn(xv, axis=axis, dtype=I32 if xv.dtype.kind == "b" else xv.dtype)
    return x, axis, None


def cumsum(x, axis=None, dtype=None):
    x, axis, done = cumulative_input(x, axis, dtype, np.cumsum)
    if done is not None:
        return done
    if type(x) is Traced:
        xv = x.value
        out = np.cumsum(xv, axis=axis)
        return Traced(out, (x,), lambda g: (np.flip(np.cumsum(np.flip(g, axis), axis), axis),))
    return np.cumsum(x, axis=axis)


def logsumexp(x, axis=None, keepdims=False):
    axis = _ax(axis)
    xv = _val(x)
    m = np.max(xv, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    outk = np.log(np.sum(np.exp(xv - m), axis=axis, keepdims=True)) + m
    out = outk if keepdims else np.squeeze(outk, axis=axis)
    if type(x) is Traced:
        nd = xv.ndim

        def vjp(g):
            gk = g if keepdims else _expand(g, axis, nd)
            return (gk * np.exp(xv - outk),)

        return Traced(out, (x,), vjp)
    return out


def var(x, axis=None, keepdims=False):
    axis = _ax(axis)
    if type(x) is Traced:
        xv = x.value
        mu = np.mean(xv, axis=axis, keepdims=True)
        c = xv - mu
        out = np.mean(c * c, axis=axis, keepdims=keepdims)
        n = xv.size // builtins.max(np.size(out), 1)
        nd = xv.ndim

        def vjp(g):
            gk = g if keepdims else _expand(g, axis, nd)
            return (gk * (c * (2 / n)),)

        return Traced(out, (x,), vjp)
    return _demote(np.var(x, axis=axis, keepdims=keepdims), x)


# ----------------------------------------------------------------- shape ops
def reshape(x, shape):
    if type(x) is Traced:
        xv = x.value
        s = xv.shape
        return Traced(np.reshape(xv, shape), (x,), lambda g: (np.reshape(g, s),))
    return np.reshape(x, shape)


def transpose(x, axes=None):
    axes = _ax(axes)
    if type(x) is Traced:
        xv = x.value
        inv = None if axes is None else tuple(np.argsort([a % xv.ndim for a in axes]))
        return Traced(np.transpose(xv, axes), (x,), lambda g: (np.transpose(g, inv),))
    return np.transpose(x, axes)


def expand_dims(x, axis):
    axis = _ax(axis)
    if type(x) is Traced:
        xv = x.value
        s = xv.shape
        return Traced(np.expand_dims(xv, axis), (x,), lambda g: (np.reshape(g, s),))
    return np.expand_dims(x, axis)


def squeeze(x, axis=None):
    axis = _ax(axis)
    if type(x) is Traced:
        xv = x.value
        s = xv.shape
        return Traced(np.squeeze(xv, axis), (x,), lambda g: (np.reshape(g, s),))
    return np.squeeze(x, axis)


def concatenate(xs, axis=0):
    xs = list(xs)
    traced = [type(v) is Traced for v in xs]
    vals = [v.value if t else v for v, t in zip(xs, traced)]
    out = np.concatenate(vals, axis=axis)
    if not builtins.any(traced):
        return out
    offsets = np.cumsum([np.shape(v)[axis] for v in vals])[:-1]

    def vjp(g):
        parts = np.split(g, offsets, axis=axis)
        return tuple(p if t else None for p, t in zip(parts, traced))

    return Traced(out, tuple(v if t else None for v, t in zip(xs, traced)), vjp)


def stack(xs, axis=0):
    xs = list(xs)
    traced = [type(v) is Traced for v in xs]
    vals = [v.value if t else v for v, t in zip(xs, traced)]
    out = np.stack(vals, axis=axis)
    if not builtins.any(traced):
        return out
    ax = axis % out.ndim
    pre = (slice(None),) * ax

    def vjp(g):
        return tuple(g[pre + (i,)] if t else None for i, t in enumerate(traced))

    return Traced(out, tuple(v if t else None for v, t in zip(xs, traced)), vjp)


def split(x, indices_or_sections, axis=0):
    if type(x) is not Traced:
        return np.split(x, indices_or_sections, axis=axis)
    xv = x.value
    parts = np.split(xv, indices_or_sections, axis=axis)
    pre = (slice(None),) * (axis % xv.ndim)
    out, start = [], 0
    for p in parts:
        stop = start + p.shape[axis]
        key = pre + (slice(start, stop),)
        out.append(Traced(p, (x,), lambda g, key=key: (Slot(key, g, True),)))
        start = stop
    return out


def unstack(x, num=None, axis=0):
    if num is not None and num != shape(x)[axis]:
        raise ValueError(f"unstack: num={num} but axis {axis} of shape {shape(x)} has length "
                         f"{shape(x)[axis]}.")
    if type(x) is not Traced:
        return list(np.moveaxis(x, axis, 0))
    pre = (slice(None),) * (axis % x.value.ndim)
    return [getitem(x, pre + (i,)) for i in range(x.value.shape[axis])]


def tile(x, repeats):
    reps = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    if type(x) is not Traced:
        return np.tile(x, reps)
    xv = x.value
    out = np.tile(xv, reps)
    n = builtins.max(len(reps), xv.ndim)
    reps = (1,) * (n - len(reps)) + reps
    xs = (1,) * (n - xv.ndim) + xv.shape

    def vjp(g):
        inter = [d for pair in zip(reps, xs) for d in pair]
        g = np.reshape(g, inter).sum(axis=tuple(range(0, 2 * n, 2)))
        return (g.reshape(xv.shape),)

    return Traced(out, (x,), vjp)


def repeat(x, repeats, axis=None):
    repeats = _val(repeats)
    if np.ndim(repeats) > 0 and np.size(repeats) != 1:  # one count per element: a gather
        if axis is None:
            x, axis = reshape(x, (-1,)), 0
        n = shape(x)[axis]
        if np.size(repeats) != n:
            raise ValueError(f"repeat: {np.size(repeats)} repeats for an axis of length {n}.")
        return take(x, np.repeat(np.arange(n), np.asarray(repeats).reshape(-1)), axis=axis)
    if np.ndim(repeats) > 0:
        repeats = int(np.asarray(repeats).reshape(-1)[0])
    if type(x) is not Traced:
        return np.repeat(x, repeats, axis=axis)
    xv = x.value
    out = np.repeat(xv, repeats, axis=axis)
    r = int(repeats)

    def vjp(g):
        if axis is None:
            return (np.reshape(g, (-1, r)).sum(1).reshape(xv.shape),)
        a = axis % xv.ndim
        s = xv.shape[:a] + (xv.shape[a], r) + xv.shape[a + 1:]
        return (np.reshape(g, s).sum(a + 1),)

    return Traced(out, (x,), vjp)


def pad_pairs(pad_width, ndim):
    """``pad_width`` (an int, one pair, or one pair per axis) as an ``(ndim, 2)`` int array."""
    try:
        return np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (ndim, 2))
    except (ValueError, TypeError):
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit an array of {ndim} axes; give "
                         f"an int, one (before, after) pair, or one pair per axis.") from None


def pad_index_map(shape, pw, mode):
    """Flat source index of every element of ``x`` padded with ``mode``
    (``'reflect'``/``'symmetric'``): the padding is then a gather."""
    if mode not in ("reflect", "symmetric"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect' or 'symmetric', got {mode!r}.")
    return np.pad(np.arange(math.prod(shape)).reshape(shape), pw, mode=mode)


def pad(x, pad_width, mode="constant", constant_values=None):
    xv = _val(x)
    pw = pad_pairs(pad_width, np.ndim(xv))
    if mode != "constant":
        if constant_values is not None:
            raise ValueError(f"pad: constant_values is only for mode='constant', got mode={mode!r}.")
        idx = pad_index_map(np.shape(xv), pw, mode)
        return take(x, idx) if type(x) is Traced else np.ravel(xv)[idx]
    out = np.pad(xv, pw, constant_values=0 if constant_values is None else _val(constant_values))
    if type(x) is not Traced:
        return out
    key = tuple(slice(int(b), int(b) + n) for (b, _), n in zip(pw, xv.shape))
    return Traced(out, (x,), lambda g: (g[key],))


def _is_basic(key):
    for k in key if type(key) is tuple else (key,):
        if not (k is None or k is Ellipsis or type(k) is int or type(k) is slice
                or isinstance(k, np.integer)):
            return False
    return True


def getitem(x, key):
    if type(key) is tuple:
        key = tuple(k.value if type(k) is Traced else k for k in key)
    elif type(key) is Traced:
        key = key.value
    if type(x) is Traced:
        basic = _is_basic(key)
        return Traced(x.value[key], (x,), lambda g: (Slot(key, g, basic),))
    return x[key]


def flip(x, axis=None):
    axis = _ax(axis)
    if type(x) is Traced:
        return Traced(np.flip(x.value, axis), (x,), lambda g: (np.flip(g, axis),))
    return np.flip(x, axis)


def broadcast_to(x, shape):
    shape = tuple(shape) if not isinstance(shape, int) else (shape,)
    if type(x) is Traced:
        xv = x.value
        s = np.shape(xv)
        if s == shape:
            return x
        return Traced(np.broadcast_to(xv, shape), (x,), lambda g: (unbroadcast(g, s),))
    if type(x) is np.ndarray and x.shape == shape:
        return x
    return np.broadcast_to(x, shape)


def moveaxis(x, source, destination):
    if type(x) is Traced:
        xv = x.value
        return Traced(np.moveaxis(xv, source, destination), (x,),
                      lambda g: (np.moveaxis(g, destination, source),))
    return np.moveaxis(x, source, destination)


def swapaxes(x, axis1, axis2):
    if type(x) is Traced:
        return Traced(np.swapaxes(x.value, axis1, axis2), (x,),
                      lambda g: (np.swapaxes(g, axis1, axis2),))
    return np.swapaxes(x, axis1, axis2)


# ------------------------------------------------------------------ indexing
def _fill_value(dt):
    if dt.kind == "f":
        return np.nan
    if dt.kind == "i":
        return np.iinfo(dt).min
    if dt.kind == "u":
        return np.iinfo(dt).max
    return True


def _checked_indices(idx, n):
    """(indices with negatives wrapped and out-of-range ones set to 0, mask of the
    out-of-range ones or None): Keras's (JAX's) "fill" mode."""
    idx = np.asarray(idx)
    if idx.dtype.kind not in "iu":
        idx = idx.astype(np.int64)
    if idx.size == 0 or (idx.min() >= 0 and idx.max() < n):
        return idx, None
    idx = np.where(idx < 0, idx + n, idx)
    bad = (idx < 0) | (idx >= n)
    if not bad.any():
        return idx, None
    return np.where(bad, 0, idx), bad


def _filled(out, bad, dt):
    return where(bad, np.asarray(_fill_value(dt), dt), out)


def take(x, indices, axis=None):
    xv = _val(x)
    nd = np.ndim(xv)
    if axis is not None and not -nd <= axis < nd:
        raise ValueError(f"take: axis {axis} is out of range for shape {np.shape(xv)}.")
    idx, bad = _checked_indices(_val(indices), np.size(xv) if axis is None else np.shape(xv)[axis])
    out = _take(x, idx, axis)
    if bad is None:
        return out
    if axis is not None:
        a = axis % nd
        bad = bad.reshape((1,) * a + bad.shape + (1,) * (nd - a - 1))
    return _filled(out, bad, np.result_type(xv))


def _take(x, idx, axis):
    if type(x) is not Traced:
        return np.take(x, idx, axis=axis)
    xv = x.value
    out = np.take(xv, idx, axis=axis)
    if axis is None:
        def vjp(g):
            flat = np.zeros(xv.size, np.result_type(g))
            np.add.at(flat, np.ravel(idx), np.ravel(g))
            return (flat.reshape(xv.shape),)
    elif axis % xv.ndim == 0 and 4 * np.size(idx) * (xv.size // (xv.shape[0] or 1)) >= xv.size:
        def vjp(g):  # gathered rows about as large as x (an embedding): dense is cheaper
            return (_scatter_rows(xv.shape, idx, g),)
    else:
        key = (slice(None),) * (axis % xv.ndim) + (np.asarray(idx),)

        def vjp(g):
            return (Slot(key, g, False),)

    return Traced(out, (x,), vjp)


def _scatter_rows(shape, idx, g):
    """The gradient of ``take(x, idx, axis=0)``: the rows of ``g`` summed into zeros of
    x's ``shape`` by one ``np.add.at`` over flat element indices (ufunc.at's fast 1-D path,
    several times faster than indexing rows; the same additions in the same order)."""
    row = math.prod(shape[1:])
    out = np.zeros(math.prod(shape), np.result_type(g))
    flat = np.asarray(idx, np.intp).reshape(-1, 1) * row + np.arange(row, dtype=np.intp)
    np.add.at(out, flat.reshape(-1), np.ascontiguousarray(g, out.dtype).reshape(-1))
    return out.reshape(shape)


def take_along_axis(x, indices, axis=None):
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    xv = _val(x)
    idx, bad = _checked_indices(_val(indices), np.shape(xv)[axis])
    out = _take_along_axis(x, idx, axis)
    return out if bad is None else _filled(out, bad, np.result_type(xv))


def _take_along_axis(x, idx, axis):
    if type(x) is not Traced:
        return np.take_along_axis(x, idx, axis=axis)
    xv = x.value
    out = np.take_along_axis(xv, idx, axis=axis)
    nd = xv.ndim
    a = axis % nd
    key = tuple(idx if i == a else np.arange(xv.shape[i]).reshape((-1,) + (1,) * (nd - 1 - i))
                for i in range(nd))
    return Traced(out, (x,), lambda g: (Slot(key, g, False),))


def scatter_add(x, indices, updates):
    idx = np.asarray(_val(indices))
    tx = type(x) is Traced
    tu = type(updates) is Traced
    xv = x.value if tx else x
    uv = updates.value if tu else updates
    out = np.array(xv, copy=True)
    np.add.at(out, idx, uv)
    if not (tx or tu):
        return out
    us = np.shape(uv)
    return Traced(out, (x if tx else None, updates if tu else None),
                  lambda g: (g if tx else None, unbroadcast(g[idx], us) if tu else None))


def top_k(x, k, sorted=True):
    xv = _val(x)
    key = xv if xv.dtype.kind == "f" else xv.astype(np.int64)
    idx = np.argsort(-key, axis=-1, kind="stable")[..., :k].astype(I32)
    return take_along_axis(x, idx, -1), idx


# ------------------------------------------------------------ linear algebra
def _swap(a):
    return np.swapaxes(a, -1, -2)


def matmul(x, y):
    xd, yd = np.result_type(_val(x)), np.result_type(_val(y))
    if BF16 is not None and (xd is BF16 or yd is BF16):
        # bfloat16 has no BLAS kernel: multiply in float32 (as the hardware accumulates)
        out_dt = BF16 if xd is yd else np.promote_types(xd, yd)
        return cast(matmul(cast(x, F32), cast(y, F32)), out_dt)
    tx = type(x) is Traced
    ty = type(y) is Traced
    xv = x.value if tx else x
    yv = y.value if ty else y
    # (..., m, k) @ (k, n): the batch folded into m, one GEMM (NumPy would run one per matrix)
    fold = np.ndim(xv) > 2 and np.ndim(yv) == 2 and xv.shape[-1] == yv.shape[0]
    try:
        if fold:
            out = np.reshape(np.reshape(xv, (-1, xv.shape[-1])) @ yv, xv.shape[:-1] + yv.shape[1:])
        else:
            out = np.matmul(xv, yv)
    except ValueError:
        raise ValueError(f"matmul: shapes {np.shape(xv)} and {np.shape(yv)} do not align.") from None
    if not (tx or ty):
        return out

    def vjp(g):
        if xv.ndim == 2 and yv.ndim == 2:  # the common case: one GEMM each
            return (g @ yv.T if tx else None), (xv.T @ g if ty else None)
        if fold:
            g2 = np.reshape(g, (-1, g.shape[-1]))
            return ((g2 @ yv.T).reshape(xv.shape) if tx else None,
                    np.reshape(xv, (-1, xv.shape[-1])).T @ g2 if ty else None)
        x2 = xv[None, :] if xv.ndim == 1 else xv
        y2 = yv[:, None] if yv.ndim == 1 else yv
        if xv.ndim == 1 and yv.ndim == 1:
            g = np.reshape(g, (1, 1))
        elif xv.ndim == 1:
            g = np.expand_dims(g, -2)
        elif yv.ndim == 1:
            g = np.expand_dims(g, -1)
        gx = gy = None
        if tx:
            if y2.ndim == 2 or x2.ndim >= y2.ndim and x2.shape[:-2] == y2.shape[:-2]:
                gx = np.matmul(g, _swap(y2))
            else:
                gx = unbroadcast(np.matmul(g, _swap(y2)), x2.shape)
            gx = np.reshape(gx, xv.shape)
        if ty:
            if y2.ndim == 2 and x2.ndim > 2:
                # (..., m, k) @ (k, n): fold the batch into m, one GEMM
                gy = np.reshape(x2, (-1, x2.shape[-1])).T @ np.reshape(g, (-1, g.shape[-1]))
            else:
                gy = unbroadcast(np.matmul(_swap(x2), g), y2.shape)
            gy = np.reshape(gy, yv.shape)
        return gx, gy

    return Traced(out, (x if tx else None, y if ty else None), vjp)


def _matmul_lower(out, x, y):
    """See ``_binary``'s lower: the two-matrix case (one GEMM each way); None otherwise."""
    tx, ty = type(x) is Traced, type(y) is Traced
    xv, yv = (x.value if tx else x), (y.value if ty else y)
    if (type(xv) is not np.ndarray or type(yv) is not np.ndarray or xv.ndim != 2 or yv.ndim != 2
            or (BF16 is not None and BF16 in (xv.dtype, yv.dtype))):
        return None
    return np.matmul, lambda g, xv, yv, out: ((g @ yv.T if tx else None), (xv.T @ g if ty else None))


matmul.lower = _matmul_lower
matmul.fresh = True  # its result is a new buffer (replay may reuse it: see _binary's into)
# replay calls np.matmul itself on two plain float matrices (what matmul runs for them)
matmul.direct = lambda x, y: np.matmul if (
    type(x) is np.ndarray and type(y) is np.ndarray and x.ndim == 2 and y.ndim == 2
    and not (BF16 is not None and BF16 in (x.dtype, y.dtype))) else None


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _einsum_explicit(subscripts, shapes):
    """(input terms, output term) with '...' and an implicit output spelled out."""
    s = subscripts.replace(" ", "")
    ins, out = s.split("->") if "->" in s else (s, None)
    ins = ins.split(",")
    ell = ""
    if "..." in s:
        free = [c for c in _LETTERS if c not in s]
        e = builtins.max([len(sh) - (len(t) - 3) for t, sh in zip(ins, shapes) if "..." in t] + [0])
        ell = "".join(free[:e])
        ins = [t.replace("...", ell[e - (len(sh) - (len(t) - 3)):]) if "..." in t else t
               for t, sh in zip(ins, shapes)]
        if out is not None:
            out = out.replace("...", ell)
    if out is None:
        joined = "".join(ins)
        out = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1 and c not in ell))
    return ins, out


def einsum(subscripts, *operands):
    traced = [type(v) is Traced for v in operands]
    vals = [v.value if t else v for v, t in zip(operands, traced)]
    out = np.einsum(subscripts, *vals, optimize=len(vals) > 1)
    if not builtins.any(traced):
        return out
    ins, out_term = _einsum_explicit(subscripts, [np.shape(v) for v in vals])

    def vjp(g):
        grads = []
        for i, t in enumerate(traced):
            if not t:
                grads.append(None)
                continue
            term = ins[i]
            shp = np.shape(vals[i])
            size = dict(zip(term, shp))
            uniq = "".join(dict.fromkeys(term))  # a repeated index ("ii") reads a diagonal
            others = [ins[j] for j in range(len(vals)) if j != i]
            avail = set(out_term).union(*others)
            keep = "".join(c for c in uniq if c in avail)
            gi = np.einsum(",".join([out_term] + others) + "->" + keep, g,
                           *[vals[j] for j in range(len(vals)) if j != i], optimize=True)
            ushp = tuple(size[c] for c in uniq)
            if keep != uniq:
                gi = np.reshape(gi, [size[c] if c in avail else 1 for c in uniq])
                gi = np.broadcast_to(gi, ushp)
            if uniq != term:  # put it back on the diagonal, zeros elsewhere
                full = np.zeros(shp, np.result_type(gi))
                np.einsum(term + "->" + uniq, full)[...] = gi  # a writeable diagonal view
                gi = full
            grads.append(unbroadcast(gi, shp))
        return tuple(grads)

    return Traced(out, tuple(v if t else None for v, t in zip(operands, traced)), vjp)


# ---------------------------------------------------------------- operators
def _r(f):
    r = lambda a, b: f(b, a)  # noqa: E731
    lower = getattr(f, "lower", None)
    if lower is not None:  # replay's plain form (see _binary): f's, arguments swapped
        def r_lower(out, a, b):
            pair = lower(out, b, a)
            if pair is None:
                return None
            fwd, bwd = pair
            return (lambda a, b: fwd(b, a)), (lambda g, a, b, o: bwd(g, b, a, o))

        r.lower = r_lower
    return r


Traced.__add__ = add
Traced.__radd__ = _r(add)
Traced.__sub__ = subtract
Traced.__rsub__ = _r(subtract)
Traced.__mul__ = multiply
Traced.__rmul__ = _r(multiply)
Traced.__truediv__ = divide
Traced.__rtruediv__ = _r(divide)
Traced.__floordiv__ = floor_divide
Traced.__rfloordiv__ = _r(floor_divide)
Traced.__mod__ = mod
Traced.__rmod__ = _r(mod)
Traced.__pow__ = power
Traced.__rpow__ = _r(power)
Traced.__matmul__ = matmul
Traced.__rmatmul__ = _r(matmul)
Traced.__neg__ = negative
Traced.__pos__ = lambda a: a
Traced.__abs__ = abs
Traced.__eq__ = equal
Traced.__ne__ = not_equal
Traced.__lt__ = less
Traced.__le__ = less_equal
Traced.__gt__ = greater
Traced.__ge__ = greater_equal
Traced.__getitem__ = getitem
Traced.T = property(lambda a: transpose(a))
Traced.reshape = lambda a, *s: reshape(a, s[0] if len(s) == 1 else s)
Traced.transpose = lambda a, *axes: transpose(a, (axes[0] if len(axes) == 1 else axes) or None)
Traced.astype = cast
Traced.sum = sum
Traced.mean = mean
Traced.max = max
Traced.min = min
Traced.squeeze = squeeze
