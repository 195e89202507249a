"""Element-wise math beyond the core: trigonometric and hyperbolic functions, exponents and logarithms in other bases, rounding, bitwise and logical ops, NaN/inf tests, complex parts.

Part of the ops contract (see ``kerasette/backends/base.py`` for the rules).

Dtypes follow Keras 3 (``kerasette/backends/dtypes.py``): two inputs meet at
their ``result_type`` (a JAX-like lattice; Python scalars are weak); a
float-valued op (``arccos``, ``arctan2``, ``hypot``...) gives that type raised
to a float, so integer and bool inputs give ``float32`` and ``float16`` stays
``float16``. Engines keep float64/int64 where they hold them (JAX narrows).
The helpers ``_float``, ``_float_pair`` and ``_same_pair`` below put inputs
into those dtypes; each engine's primitive starts with one of them.
Complex arrays have no gradient on any engine here.
"""
from __future__ import annotations

import abc
import math

from .. import dtypes as D


def _largest_at_most(n, dtype):
    """The largest value of float ``dtype`` that is <= the integer ``n`` (n >= 0)."""
    bits = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}[dtype]
    if n < 2 ** bits:
        return float(n)
    step = 2 ** (n.bit_length() - bits)
    return float(n // step * step)


class ElementwiseOps(abc.ABC):
    """Element-wise math beyond the core."""

    # ------------------------------------------------------------ dtype helpers
    def _kind(self, x):
        """The dtype of ``x`` for promotion: a name, or ``int``/``float``/``bool``/
        ``complex`` for a Python scalar (weak)."""
        t = type(x)
        if t in (int, float, bool, complex):
            return t
        return self.dtype(x) if self.is_array(x) else self.dtype(self.convert(x))

    def _to(self, x, dtype):
        if self.is_array(x):
            return x if self.dtype(x) == dtype else self.cast(x, dtype)
        return self.convert(x, dtype)

    def _float(self, x):
        """``x`` as an array of its float dtype (ints and bools: float32; float and complex kept)."""
        k = self._kind(x)
        if isinstance(k, str) and (D.is_float(k) or D.is_complex(k)):
            return self._to(x, k)
        return self._to(x, self._promoted(k, to_float=True))

    def result_type(self, *dtypes):
        """The dtype Keras 3 gives an op on inputs of ``dtypes`` (``keras.backend.result_type``).

        Args:
            *dtypes: dtype names (or engine dtypes), or the Python types ``int``,
                ``float``, ``bool``, ``complex`` standing for Python scalars (weak).

        Returns:
            A dtype name, by Keras's lattice, narrowed to 32 bits as Keras does
            (``int64 -> int32``...); no argument gives ``floatx``.
        """
        return D.result_type(*dtypes)

    def _promoted(self, *kinds, to_float=False):
        # the lattice without Keras's final narrowing: engines that hold 64-bit types keep them
        name = D.lattice_result_type(kinds + ((float,) if to_float else ()))
        if self.name == "jax":
            name = D.NARROW.get(name, name)
        return name

    def _float_pair(self, x1, x2):
        """``x1, x2`` as arrays of their common float dtype (``result_type`` raised to a float)."""
        dt = self._promoted(self._kind(x1), self._kind(x2), to_float=True)
        return self._to(x1, dt), self._to(x2, dt)

    def _same_pair(self, x1, x2):
        """``x1, x2`` as arrays of their ``result_type``."""
        dt = self._promoted(self._kind(x1), self._kind(x2))
        return self._to(x1, dt), self._to(x2, dt)

    def _int_pair(self, op, x1, x2, allow_bool=True):
        """``x1, x2`` in their ``result_type``, which must be an integer (or bool) dtype."""
        x1, x2 = self._same_pair(x1, x2)
        self._check_int(op, x1, allow_bool)
        return x1, x2

    def _check_int(self, op, x, allow_bool=True):
        dt = self.dtype(x)
        if not (D.is_int(dt) or (allow_bool and dt == "bool")):
            raise TypeError(f"{op} takes integer{' or bool' if allow_bool else ''} arrays; "
                            f"got dtype {dt}.")

    # ------------------------------------------- trigonometric and hyperbolic
    @abc.abstractmethod
    def arccos(self, x):
        """Inverse cosine (float result; NaN outside ``[-1, 1]``)."""

    @abc.abstractmethod
    def arcsin(self, x):
        """Inverse sine (float result; NaN outside ``[-1, 1]``)."""

    @abc.abstractmethod
    def arctan(self, x):
        """Inverse tangent (float result)."""

    @abc.abstractmethod
    def arctan2(self, x1, x2):
        """Angle of the point ``(x2, x1)`` in ``(-pi, pi]``, broadcast; float result."""

    @abc.abstractmethod
    def arccosh(self, x):
        """Inverse hyperbolic cosine (float result; NaN below 1)."""

    @abc.abstractmethod
    def arcsinh(self, x):
        """Inverse hyperbolic sine (float result)."""

    @abc.abstractmethod
    def arctanh(self, x):
        """Inverse hyperbolic tangent (float result; +-inf at +-1)."""

    @abc.abstractmethod
    def cosh(self, x):
        """Hyperbolic cosine (float result)."""

    @abc.abstractmethod
    def sinh(self, x):
        """Hyperbolic sine (float result)."""

    @abc.abstractmethod
    def tan(self, x):
        """Tangent (float result)."""

    @abc.abstractmethod
    def sinc(self, x):
        """Normalized sinc ``sin(pi x) / (pi x)``, 1 at 0 (float result)."""

    def deg2rad(self, x):
        """Degrees to radians (float result)."""
        return self.multiply(self._float(x), math.pi / 180.0)

    def rad2deg(self, x):
        """Radians to degrees (float result)."""
        return self.multiply(self._float(x), 180.0 / math.pi)

    # ---------------------------------------------------- powers and logarithms
    @abc.abstractmethod
    def cbrt(self, x):
        """Real cube root (negative for negative ``x``; float result)."""

    @abc.abstractmethod
    def exp2(self, x):
        """``2 ** x`` (float result)."""

    @abc.abstractmethod
    def log2(self, x):
        """Base-2 logarithm (float result)."""

    @abc.abstractmethod
    def log10(self, x):
        """Base-10 logarithm (float result)."""

    @abc.abstractmethod
    def logaddexp(self, x1, x2):
        """``log(exp(x1) + exp(x2))``, stable, broadcast; float result."""

    def logaddexp2(self, x1, x2):
        """``log2(2 ** x1 + 2 ** x2)``, stable, broadcast; float result."""
        x1, x2 = self._float_pair(x1, x2)
        ln2 = math.log(2.0)
        return self.divide(self.logaddexp(self.multiply(x1, ln2), self.multiply(x2, ln2)), ln2)

    @abc.abstractmethod
    def hypot(self, x1, x2):
        """``sqrt(x1 ** 2 + x2 ** 2)`` without overflow, broadcast; float result."""

    def ldexp(self, x1, x2):
        """``x1 * 2 ** x2``; ``x2`` must be integer (TypeError otherwise); float result."""
        x1, x2, dt = self._ldexp_args(x1, x2)
        e = self._to(x2, dt)
        # two exact powers of two, so 2 ** x2 alone may overflow (or underflow) where the result does not
        half = self.floor(self.multiply(e, 0.5))
        return self.multiply(self.multiply(x1, self.exp2(half)), self.exp2(self.subtract(e, half)))

    def _ldexp_args(self, x1, x2):
        """(x1 in the float result dtype, x2, that dtype); TypeError for a non-integer x2."""
        k2 = self._kind(x2)
        if k2 not in (int, bool) and not (isinstance(k2, str) and (D.is_int(k2) or k2 == "bool")):
            raise TypeError(f"ldexp: the exponent x2 must be an integer array; got dtype {k2}.")
        dt = self._promoted(self._kind(x1), k2, to_float=True)
        return self._to(x1, dt), x2, dt

    # ---------------------------------------------------------------- special
    @abc.abstractmethod
    def erfc(self, x):
        """Complementary error function ``1 - erf(x)``, accurate in the right tail (float result)."""

    @abc.abstractmethod
    def erfinv(self, x):
        """Inverse error function on ``[-1, 1]`` (+-inf at +-1, NaN outside; float result)."""

    @abc.abstractmethod
    def i0(self, x):
        """Modified Bessel function of the first kind, order 0 (float result)."""

    # -------------------------------------------------------- rounding, signs
    @abc.abstractmethod
    def trunc(self, x):
        """Round toward zero; integer and bool inputs are returned unchanged (zero gradient)."""

    @abc.abstractmethod
    def signbit(self, x):
        """True where the sign bit is set (``-0.0`` included), as bool."""

    def fabs(self, x):
        """``|x|`` as a float (integer inputs give float32)."""
        return self.abs(self._float(x))

    def heaviside(self, x1, x2):
        """Step function: 0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0``;
        broadcast, float result."""
        x1, x2 = self._float_pair(x1, x2)
        zero, one = self.zeros_like(x1), self.ones_like(x1)
        return self.where(self.less(x1, 0), zero,
                          self.where(self.greater(x1, 0), one, self.add(zero, x2)))

    # ---------------------------------------------------- remainders, extrema
    @abc.abstractmethod
    def fmod(self, x1, x2):
        """C's remainder: the sign of ``x1`` (``mod`` takes the sign of ``x2``); broadcast,
        dtype ``result_type`` (bool pairs give int32). Gradient 1 for ``x1`` and
        ``-trunc(x1 / x2)`` for ``x2``."""

    def fmax(self, x1, x2):
        """Element-wise maximum that ignores NaN (NaN only where both are); ``result_type``."""
        x1, x2 = self._same_pair(x1, x2)
        m = self.maximum(x1, x2)
        return self.where(self.isnan(x2), x1, self.where(self.isnan(x1), x2, m))

    def fmin(self, x1, x2):
        """Element-wise minimum that ignores NaN (NaN only where both are); ``result_type``."""
        x1, x2 = self._same_pair(x1, x2)
        m = self.minimum(x1, x2)
        return self.where(self.isnan(x2), x1, self.where(self.isnan(x1), x2, m))

    @abc.abstractmethod
    def gcd(self, x1, x2):
        """Greatest common divisor of integers (non-negative), broadcast; TypeError for floats and bools."""

    @abc.abstractmethod
    def lcm(self, x1, x2):
        """Least common multiple of integers (non-negative), broadcast; TypeError for floats and bools."""

    @abc.abstractmethod
    def nextafter(self, x1, x2):
        """The next float after ``x1`` toward ``x2``, in their float dtype (no gradient)."""

    def divide_no_nan(self, x1, x2):
        """``x1 / x2``, and 0 where ``x2 == 0`` (gradient 0 there too); float result."""
        x1, x2 = self._float_pair(x1, x2)
        zero = self.equal(x2, 0)
        safe = self.where(zero, self.ones_like(x2), x2)
        return self.where(zero, self.zeros_like(self.add(x1, x2)), self.divide(x1, safe))

    # ------------------------------------------------------- logic and tests
    def logical_xor(self, x1, x2):
        """Element-wise XOR of truth values (nonzero is true), as bool."""
        return self.not_equal(self.cast(self.convert(x1), "bool"), self.cast(self.convert(x2), "bool"))

    def isinf(self, x):
        """True where ``x`` is +inf or -inf (never for integers)."""
        x = self.convert(x)
        if not (D.is_float(self.dtype(x)) or D.is_complex(self.dtype(x))):
            return self.zeros(self.shape(x), "bool")
        return self.logical_and(self.logical_not(self.isfinite(x)), self.logical_not(self.isnan(x)))

    def isposinf(self, x):
        """True where ``x`` is +inf."""
        return self.logical_and(self.isinf(x), self.greater(self.real(x), 0))

    def isneginf(self, x):
        """True where ``x`` is -inf."""
        return self.logical_and(self.isinf(x), self.less(self.real(x), 0))

    def isreal(self, x):
        """True where the imaginary part is 0 (everywhere for real dtypes)."""
        x = self.convert(x)
        if not D.is_complex(self.dtype(x)):
            return self.ones(self.shape(x), "bool")
        return self.equal(self.imag(x), 0)

    def isclose(self, x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
        """``|x1 - x2| <= atol + rtol * |x2|`` element-wise, as NumPy: equal infinities
        are close, NaN is close to NaN only with ``equal_nan``; bool result."""
        x1, x2 = self._float_pair(x1, x2)
        finite = self.logical_and(self.isfinite(x1), self.isfinite(x2))
        diff = self.abs(self.subtract(x1, x2))
        close = self.less_equal(diff, self.add(self.multiply(self.abs(x2), rtol), atol))
        out = self.where(finite, close, self.equal(x1, x2))
        if equal_nan:
            out = self.logical_or(out, self.logical_and(self.isnan(x1), self.isnan(x2)))
        return out

    def allclose(self, x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
        """True (a 0-d bool array) when ``isclose`` holds everywhere."""
        return self.all(self.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))

    def nan_to_num(self, x, nan=0.0, posinf=None, neginf=None):
        """NaN to ``nan``, +inf to ``posinf`` and -inf to ``neginf`` (defaults: the
        largest and lowest finite value of ``x``'s dtype); integers unchanged."""
        x = self.convert(x)
        dt = self.dtype(x)
        if not D.is_float(dt):
            return x
        big = D.FLOAT_MAX[dt]
        posinf = big if posinf is None else posinf
        neginf = -big if neginf is None else neginf
        out = self.where(self.isnan(x), self.full(self.shape(x), nan, dt), x)
        out = self.where(self.isposinf(x), self.full(self.shape(x), posinf, dt), out)
        return self.where(self.isneginf(x), self.full(self.shape(x), neginf, dt), out)

    def saturate_cast(self, x, dtype):
        """``x`` cast to ``dtype`` with values clipped to its range first (no overflow
        wrap-around); NaN becomes 0 for integer dtypes, True for bool, as Keras on JAX."""
        from ..common import standardize_dtype
        x = self.convert(x)
        src = self.dtype(x)
        dst = self.dtype(self.zeros((0,), standardize_dtype(dtype)))  # as the engine holds it
        if src == dst:
            return x

        def bounds(name):
            if D.is_float(name):
                return -D.FLOAT_MAX[name], D.FLOAT_MAX[name]
            return D.INT_RANGE[name]

        (ilo, ihi), (olo, ohi) = bounds(src), bounds(dst)
        lo, hi = max(ilo, olo), min(ihi, ohi)
        if D.is_float(src) and dst != "bool" and not D.is_float(dst):
            safe_hi = _largest_at_most(int(hi), src)
            y = self.where(self.isnan(x), self.zeros_like(x), x)
            y = self.cast(self.clip(y, float(lo), safe_hi), dst)
            return self.where(self.greater_equal(x, float(hi)), self.full(self.shape(x), hi, dst), y)
        if D.is_float(src):
            lo, hi = float(lo), float(hi)
        elif D.is_float(dst) and src != "bool":
            lo, hi = math.ceil(lo), math.floor(hi)
        if src == "bool":
            return self.cast(x, dst)
        return self.cast(self.clip(x, lo, hi), dst)

    # ---------------------------------------------------------------- bitwise
    @abc.abstractmethod
    def bitwise_and(self, x, y):
        """Bitwise AND of integers or bools (``result_type``); TypeError for floats."""

    @abc.abstractmethod
    def bitwise_or(self, x, y):
        """Bitwise OR of integers or bools (``result_type``); TypeError for floats."""

    @abc.abstractmethod
    def bitwise_xor(self, x, y):
        """Bitwise XOR of integers or bools (``result_type``); TypeError for floats."""

    @abc.abstractmethod
    def bitwise_not(self, x):
        """Bitwise NOT (logical NOT for bools); TypeError for floats. Alias ``bitwise_invert``."""

    @abc.abstractmethod
    def bitwise_left_shift(self, x, y):
        """``x << y`` for integers (``result_type``; bool pairs give int32); ``y`` in
        ``[0, bits)``. Alias ``left_shift``."""

    @abc.abstractmethod
    def bitwise_right_shift(self, x, y):
        """``x >> y``, arithmetic for signed integers (``result_type``; bool pairs give
        int32); ``y`` in ``[0, bits)``. Alias ``right_shift``."""

    # ---------------------------------------------------------------- complex
    @abc.abstractmethod
    def real(self, x):
        """Real part (a real array is returned unchanged, with its gradient)."""

    @abc.abstractmethod
    def imag(self, x):
        """Imaginary part (zeros of ``x``'s dtype for a real array)."""

    @abc.abstractmethod
    def conj(self, x):
        """Complex conjugate (a real array is returned unchanged). Alias ``conjugate``."""

    @abc.abstractmethod
    def angle(self, x):
        """Argument of a complex number in ``(-pi, pi]``; for real ``x``: pi where
        ``x < 0`` else 0 (float result)."""

    @abc.abstractmethod
    def view_as_complex(self, x):
        """``(..., 2)`` float array (real, imaginary) to a complex array of shape ``(...)``
        (float32 -> complex64, float64 -> complex128)."""

    @abc.abstractmethod
    def view_as_real(self, x):
        """Complex array to a ``(..., 2)`` float array of its real and imaginary parts."""

    def polar(self, abs_, angle):
        """The complex number ``abs_ * (cos(angle) + i sin(angle))``, broadcast."""
        abs_, angle = self._float_pair(abs_, angle)
        re = self.multiply(abs_, self.cos(angle))
        im = self.multiply(abs_, self.sin(angle))
        return self.view_as_complex(self.stack([re, im], axis=-1))
