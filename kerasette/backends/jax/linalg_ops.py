"""The jax engine's linalg ops (contract: ``kerasette/backends/contract/linalg.py``)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
from jax import lax

from ..contract.linalg import check_matrix, solve_shapes


def _sym(a):
    return (a + jnp.swapaxes(a, -1, -2)) * 0.5


def _nan_unless_finite(out, extra_dims):
    """``out`` with every system that came out non-finite (a singular matrix) set to NaN."""
    axes = tuple(range(out.ndim - extra_dims, out.ndim))
    ok = jnp.all(jnp.isfinite(out), axis=axes, keepdims=True)
    return jnp.where(ok, out, jnp.nan)


class JaxLinalgOps:
    """Mixin of ``JaxBackend``: methods of ``contract.LinalgOps`` on JAX."""

    def _lf(self, x, op, square=True):
        x = jnp.asarray(x)
        if not jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(jnp.float32)
        check_matrix(op, tuple(x.shape), square, x.dtype)
        return x

    def cholesky(self, x, upper=False):
        a = self._lf(x, "cholesky")
        low = jnp.linalg.cholesky(_sym(a))
        if not isinstance(low, jax.core.Tracer) and bool(jnp.any(jnp.isnan(low))):
            raise ValueError(f"cholesky: the input of shape {tuple(a.shape)} is not a symmetric "
                             f"positive-definite matrix (the Cholesky decomposition failed).")
        return jnp.swapaxes(low, -1, -2) if upper else low

    def det(self, x):
        return jnp.linalg.det(self._lf(x, "det"))

    def slogdet(self, x):
        sign, logabs = jnp.linalg.slogdet(self._lf(x, "slogdet"))
        return lax.stop_gradient(sign), logabs

    def inv(self, x):
        return _nan_unless_finite(jnp.linalg.inv(self._lf(x, "inv")), 2)

    def solve(self, a, b):
        a = self._lf(a, "solve")
        b = jnp.asarray(b)
        if not jnp.issubdtype(b.dtype, jnp.floating):
            b = b.astype(jnp.float32)
        solve_shapes("solve", tuple(a.shape), tuple(b.shape))
        dt = jnp.promote_types(a.dtype, b.dtype)
        try:
            out = jnp.linalg.solve(a.astype(dt), b.astype(dt))
        except (TypeError, ValueError) as e:
            raise ValueError(f"solve: the batch shapes of `a` {tuple(a.shape)} and `b` "
                             f"{tuple(b.shape)} do not broadcast: {e}") from None
        return _nan_unless_finite(out, 1 if b.ndim == 1 else 2)

    def solve_triangular(self, a, b, lower=False):
        a = self._lf(a, "solve_triangular")
        b = jnp.asarray(b)
        if not jnp.issubdtype(b.dtype, jnp.floating):
            b = b.astype(jnp.float32)
        dt = jnp.promote_types(a.dtype, b.dtype)
        vec = b.ndim == 1 or b.ndim == a.ndim - 1
        bm = b[..., None] if vec else b
        if bm.shape[-2] != a.shape[-1]:
            raise ValueError(f"solve_triangular: `b` of shape {tuple(b.shape)} does not match `a` "
                             f"of shape {tuple(a.shape)}.")
        batch = jnp.broadcast_shapes(a.shape[:-2], bm.shape[:-2])
        a = jnp.broadcast_to(a.astype(dt), batch + a.shape[-2:])
        bm = jnp.broadcast_to(bm.astype(dt), batch + bm.shape[-2:])
        out = jsl.solve_triangular(a, bm, lower=lower)
        return out[..., 0] if vec else out

    def pinv(self, x, rcond=None):
        a = self._lf(x, "pinv", square=False)
        if rcond is None:
            rcond = 10.0 * max(a.shape[-2:]) * float(jnp.finfo(a.dtype).eps)
        return jnp.linalg.pinv(a, rtol=rcond)

    def lu_factor(self, x):
        lu, piv = jsl.lu_factor(self._lf(x, "lu_factor"))
        return lu, piv.astype(jnp.int32)

    def qr(self, x, mode="reduced"):
        if mode not in ("reduced", "complete"):
            raise ValueError(f"qr: `mode` must be 'reduced' or 'complete'; got {mode!r}.")
        return tuple(jnp.linalg.qr(self._lf(x, "qr", square=False), mode=mode))

    def svd(self, x, full_matrices=True, compute_uv=True):
        a = self._lf(x, "svd", square=False)
        m, n = a.shape[-2:]
        if not (compute_uv and full_matrices and m != n):
            out = jnp.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
            return tuple(out) if compute_uv else out
        # JAX has no derivative for full factors of a non-square matrix: the reduced SVD
        # (differentiable) plus the complement basis held constant, as torch's rule
        k = min(m, n)
        u, s, vh = jnp.linalg.svd(a, full_matrices=False)
        uf, _, vhf = jnp.linalg.svd(lax.stop_gradient(a), full_matrices=True)
        u = jnp.concatenate([u, lax.stop_gradient(uf[..., :, k:])], axis=-1)
        vh = jnp.concatenate([vh, lax.stop_gradient(vhf[..., k:, :])], axis=-2)
        return u, s, vh

    def eig(self, x):
        w, v = jnp.linalg.eig(lax.stop_gradient(self._lf(x, "eig")))
        return w, v

    def eigh(self, x):
        return tuple(jnp.linalg.eigh(_sym(self._lf(x, "eigh"))))

    def fft(self, x):
        if not isinstance(x, (tuple, list)) or len(x) != 2:
            raise ValueError(f"fft: `x` must be a tuple (real, imag) of two float arrays; got "
                             f"{type(x).__name__}.")
        re, im = jnp.asarray(x[0]), jnp.asarray(x[1])
        if not (jnp.issubdtype(re.dtype, jnp.floating) and jnp.issubdtype(im.dtype, jnp.floating)):
            raise ValueError(f"fft: both parts of `x` must be float arrays; got dtypes "
                             f"{re.dtype} and {im.dtype}.")
        if re.shape != im.shape or re.ndim == 0:
            raise ValueError(f"fft: the real and imaginary parts must have one shape of at least "
                             f"1 axis; got {tuple(re.shape)} and {tuple(im.shape)}.")
        dt = jnp.promote_types(re.dtype, im.dtype)
        wide = dt if dt in (jnp.float32, jnp.float64) else jnp.float32
        y = jnp.fft.fft(lax.complex(re.astype(wide), im.astype(wide)), axis=-1)
        return jnp.real(y).astype(dt), jnp.imag(y).astype(dt)

    def rfft(self, x, fft_length=None):
        x = jnp.asarray(x)
        if not jnp.issubdtype(x.dtype, jnp.floating) or x.ndim == 0:
            return super().rfft(x, fft_length)  # the contract's errors
        wide = x.dtype if x.dtype in (jnp.float32, jnp.float64) else jnp.float32
        y = jnp.fft.rfft(x.astype(wide), n=fft_length, axis=-1)
        return jnp.real(y).astype(x.dtype), jnp.imag(y).astype(x.dtype)

    def irfft(self, x, fft_length=None):
        re, im = self._fft_pair("irfft", x)
        dt = jnp.promote_types(re.dtype, im.dtype)
        wide = dt if dt in (jnp.float32, jnp.float64) else jnp.float32
        n = 2 * (re.shape[-1] - 1) if fft_length is None else int(fft_length)
        if n < 1:
            return super().irfft(x, fft_length)  # the contract's error
        y = jnp.fft.irfft(lax.complex(re.astype(wide), im.astype(wide)), n=n, axis=-1)
        return y.astype(dt)

