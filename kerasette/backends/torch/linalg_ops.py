"""The torch engine's linalg ops (contract: ``kerasette/backends/contract/linalg.py``)."""
from __future__ import annotations

import torch

from ..contract.linalg import check_matrix, solve_shapes
from .common import Tensor


def _sym(a):
    return (a + a.mT) * 0.5


def _nan_where(info, out, extra_dims):
    """``out`` with the matrices whose LAPACK ``info`` is non-zero set to NaN."""
    bad = (info != 0).reshape(info.shape + (1,) * extra_dims)
    return torch.where(bad, torch.full_like(out, float("nan")), out)


def _cofactors(a):
    """``adj(a)^T`` from the SVD (defined for singular ``a`` too)."""
    u, s, vh = torch.linalg.svd(a)
    n = s.shape[-1]
    ones = torch.ones(s.shape[:-1] + (1,), dtype=s.dtype, device=s.device)
    left = torch.cumprod(torch.cat([ones, s[..., :-1]], -1), -1)
    right = torch.cumprod(torch.cat([ones, s.flip(-1)[..., :n - 1]], -1), -1).flip(-1)
    sign = torch.linalg.det(u) * torch.linalg.det(vh)
    return (u * (left * right)[..., None, :]) @ vh * sign[..., None, None]


class _Det(torch.autograd.Function):
    """``det`` whose gradient is right at singular matrices too (torch's gives 0 there)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return torch.linalg.det(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g[..., None, None] * _cofactors(a)


class TorchLinalgOps:
    """Mixin of ``TorchBackend``: methods of ``contract.LinalgOps`` on PyTorch."""

    def _lf(self, x, op, square=True):
        x = x if isinstance(x, Tensor) else self.convert(x)
        if not x.is_floating_point():
            x = x.to(torch.float32)
        check_matrix(op, tuple(x.shape), square, x.dtype)
        return x

    def cholesky(self, x, upper=False):
        a = self._lf(x, "cholesky")
        low, info = torch.linalg.cholesky_ex(_sym(a))
        if bool((info != 0).any()):
            raise ValueError(f"cholesky: the input of shape {tuple(a.shape)} is not a symmetric "
                             f"positive-definite matrix (the Cholesky decomposition failed).")
        return low.mT if upper else low

    def det(self, x):
        return _Det.apply(self._lf(x, "det"))

    def slogdet(self, x):
        sign, logabs = torch.linalg.slogdet(self._lf(x, "slogdet"))
        return sign.detach(), logabs

    def inv(self, x):
        out, info = torch.linalg.inv_ex(self._lf(x, "inv"))
        return _nan_where(info, out, 2)

    def solve(self, a, b):
        a = self._lf(a, "solve")
        b = b if isinstance(b, Tensor) else self.convert(b)
        if not b.is_floating_point():
            b = b.to(torch.float32)
        solve_shapes("solve", tuple(a.shape), tuple(b.shape))
        if a.dtype != b.dtype:
            dt = torch.promote_types(a.dtype, b.dtype)
            a, b = a.to(dt), b.to(dt)
        vec = b.ndim == 1
        try:
            out, info = torch.linalg.solve_ex(a, b[:, None] if vec else b)
        except RuntimeError as e:
            raise ValueError(f"solve: the batch shapes of `a` {tuple(a.shape)} and `b` "
                             f"{tuple(b.shape)} do not broadcast: {e}") from None
        out = _nan_where(info, out, out.ndim - info.ndim)
        return out[..., 0] if vec else out

    def solve_triangular(self, a, b, lower=False):
        a = self._lf(a, "solve_triangular")
        b = b if isinstance(b, Tensor) else self.convert(b)
        if not b.is_floating_point():
            b = b.to(torch.float32)
        if a.dtype != b.dtype:
            dt = torch.promote_types(a.dtype, b.dtype)
            a, b = a.to(dt), b.to(dt)
        vec = b.ndim == 1 or b.ndim == a.ndim - 1
        bm = b[..., None] if vec else b
        if bm.shape[-2] != a.shape[-1]:
            raise ValueError(f"solve_triangular: `b` of shape {tuple(b.shape)} does not match `a` "
                             f"of shape {tuple(a.shape)}.")
        out = torch.linalg.solve_triangular(a, bm, upper=not lower)
        return out[..., 0] if vec else out

    def pinv(self, x, rcond=None):
        a = self._lf(x, "pinv", square=False)
        if rcond is None:
            rcond = 10.0 * max(a.shape[-2:]) * torch.finfo(a.dtype).eps
        return torch.linalg.pinv(a, rtol=rcond)

    def lu_factor(self, x):
        lu, piv, _ = torch.linalg.lu_factor_ex(self._lf(x, "lu_factor"))
        return lu, (piv - 1).to(torch.int32)

    def qr(self, x, mode="reduced"):
        if mode not in ("reduced", "complete"):
            raise ValueError(f"qr: `mode` must be 'reduced' or 'complete'; got {mode!r}.")
        return tuple(torch.linalg.qr(self._lf(x, "qr", square=False), mode=mode))

    def svd(self, x, full_matrices=True, compute_uv=True):
        a = self._lf(x, "svd", square=False)
        if not compute_uv:
            return torch.linalg.svdvals(a)
        return tuple(torch.linalg.svd(a, full_matrices=full_matrices))

    def eig(self, x):
        w, v = torch.linalg.eig(self._lf(x, "eig").detach())
        return w, v

    def eigh(self, x):
        return tuple(torch.linalg.eigh(_sym(self._lf(x, "eigh"))))

    def fft(self, x):
        if not isinstance(x, (tuple, list)) or len(x) != 2:
            raise ValueError(f"fft: `x` must be a tuple (real, imag) of two float arrays; got "
                             f"{type(x).__name__}.")
        re, im = (v if isinstance(v, Tensor) else self.convert(v) for v in x)
        if not (re.is_floating_point() and im.is_floating_point()):
            raise ValueError(f"fft: both parts of `x` must be float arrays; got dtypes "
                             f"{self.dtype(re)} and {self.dtype(im)}.")
        if re.shape != im.shape or re.ndim == 0:
            raise ValueError(f"fft: the real and imaginary parts must have one shape of at least "
                             f"1 axis; got {tuple(re.shape)} and {tuple(im.shape)}.")
        dt = torch.promote_types(re.dtype, im.dtype)
        wide = dt if dt in (torch.float32, torch.float64) else torch.float32
        y = torch.fft.fft(torch.complex(re.to(wide), im.to(wide)), dim=-1)
        return y.real.to(dt), y.imag.to(dt)

    def rfft(self, x, fft_length=None):
        x = x if isinstance(x, Tensor) else self.convert(x)
        if not x.is_floating_point() or x.ndim == 0:
            return super().rfft(x, fft_length)  # the contract's errors
        dt = x.dtype
        wide = dt if dt in (torch.float32, torch.float64) else torch.float32
        y = torch.fft.rfft(x.to(wide), n=fft_length, dim=-1)
        return y.real.to(dt), y.imag.to(dt)

    def irfft(self, x, fft_length=None):
        re, im = self._fft_pair("irfft", x)
        dt = torch.promote_types(re.dtype, im.dtype)
        wide = dt if dt in (torch.float32, torch.float64) else torch.float32
        n = 2 * (re.shape[-1] - 1) if fft_length is None else int(fft_length)
        if n < 1:
            return super().irfft(x, fft_length)  # the contract's error
        return torch.fft.irfft(torch.complex(re.to(wide), im.to(wide)), n=n, dim=-1).to(dt)

