"""The jax engine's elementwise ops (contract: ``kerasette/backends/contract/elementwise.py``).

JAX's promotion is Keras's lattice already; the contract's helpers (``_float``,
``_float_pair``, ``_same_pair``) still run first so integer inputs give float32
and Python scalars stay weak exactly as on the other engines.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from .common import _shape_errors


def _unary(fn, name):
    def op(self, x):
        return fn(self._float(x))
    op.__name__ = name
    return op


def _float_binary(fn, name):
    @_shape_errors
    def op(self, x1, x2):
        return fn(*self._float_pair(x1, x2))
    op.__name__ = name
    return op


def _int_binary(fn, name, allow_bool=True):
    @_shape_errors
    def op(self, x1, x2):
        return fn(*self._int_pair(name, x1, x2, allow_bool))
    op.__name__ = name
    return op


def _shift(fn, name):
    @_shape_errors
    def op(self, x1, x2):
        x1, x2 = self._int_pair(name, x1, x2)
        if x1.dtype == jnp.bool_:
            x1, x2 = x1.astype(jnp.int32), x2.astype(jnp.int32)
        return fn(x1, x2)
    op.__name__ = name
    return op


class JaxElementwiseOps:
    """Mixin of ``JaxBackend``: methods of ``contract.ElementwiseOps`` on JAX."""

    arccos = _unary(jnp.arccos, "arccos")
    arcsin = _unary(jnp.arcsin, "arcsin")
    arctan = _unary(jnp.arctan, "arctan")
    arccosh = _unary(jnp.arccosh, "arccosh")
    arcsinh = _unary(jnp.arcsinh, "arcsinh")
    arctanh = _unary(jnp.arctanh, "arctanh")
    cosh = _unary(jnp.cosh, "cosh")
    sinh = _unary(jnp.sinh, "sinh")
    tan = _unary(jnp.tan, "tan")
    sinc = _unary(jnp.sinc, "sinc")
    cbrt = _unary(jnp.cbrt, "cbrt")
    exp2 = _unary(jnp.exp2, "exp2")
    log2 = _unary(jnp.log2, "log2")
    log10 = _unary(jnp.log10, "log10")
    erfc = _unary(jax.scipy.special.erfc, "erfc")
    erfinv = _unary(jax.scipy.special.erfinv, "erfinv")
    i0 = _unary(jnp.i0, "i0")

    arctan2 = _float_binary(jnp.arctan2, "arctan2")
    hypot = _float_binary(jnp.hypot, "hypot")
    logaddexp = _float_binary(jnp.logaddexp, "logaddexp")
    nextafter = _float_binary(lambda a, b: jnp.nextafter(lax.stop_gradient(a), lax.stop_gradient(b)),
                              "nextafter")

    gcd = _int_binary(jnp.gcd, "gcd", allow_bool=False)
    lcm = _int_binary(jnp.lcm, "lcm", allow_bool=False)
    bitwise_and = _int_binary(jnp.bitwise_and, "bitwise_and")
    bitwise_or = _int_binary(jnp.bitwise_or, "bitwise_or")
    bitwise_xor = _int_binary(jnp.bitwise_xor, "bitwise_xor")
    bitwise_left_shift = _shift(jnp.left_shift, "bitwise_left_shift")
    bitwise_right_shift = _shift(jnp.right_shift, "bitwise_right_shift")

    @_shape_errors
    def ldexp(self, x1, x2):
        # jnp.ldexp sets the exponent bits: exact, where exp2 (exp(x ln 2) in XLA) is not
        x1, x2, _ = self._ldexp_args(x1, x2)
        return jnp.ldexp(x1, jnp.asarray(x2).astype(jnp.int32))

    def trunc(self, x):
        x = jnp.asarray(x)
        return jnp.trunc(x) if jnp.issubdtype(x.dtype, jnp.floating) else x

    def signbit(self, x):
        return jnp.signbit(x)

    @_shape_errors
    def fmod(self, x1, x2):
        x1, x2 = self._same_pair(x1, x2)
        if x1.dtype == jnp.bool_:
            x1, x2 = x1.astype(jnp.int32), x2.astype(jnp.int32)
        return jnp.fmod(x1, x2)

    def bitwise_not(self, x):
        x = jnp.asarray(x)
        self._check_int("bitwise_not", x)
        return jnp.invert(x)

    # ---------------------------------------------------------------- complex
    def real(self, x):
        return jnp.real(x)

    def imag(self, x):
        return jnp.imag(x)

    def conj(self, x):
        return jnp.conj(x)

    def angle(self, x):
        x = jnp.asarray(x)
        return jnp.angle(x if jnp.iscomplexobj(x) else self._float(x))

    def view_as_complex(self, x):
        x = jnp.asarray(x)
        if x.ndim == 0 or x.shape[-1] != 2 or not jnp.issubdtype(x.dtype, jnp.floating):
            raise ValueError(f"view_as_complex takes a float array whose last axis has length 2; "
                             f"got shape {x.shape} and dtype {self.dtype(x)}.")
        if x.dtype != jnp.float32:
            x = x.astype(jnp.float32)
        return lax.complex(x[..., 0], x[..., 1])

    def view_as_real(self, x):
        x = jnp.asarray(x)
        if not jnp.iscomplexobj(x):
            raise ValueError(f"view_as_real takes a complex array; got dtype {self.dtype(x)}.")
        return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)
