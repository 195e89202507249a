"""The torch engine's elementwise ops (contract: ``kerasette/backends/contract/elementwise.py``).

Each method puts its inputs in Keras's dtypes with the contract's helpers
(``_float``, ``_float_pair``, ``_same_pair``), then makes one torch call.
"""
from __future__ import annotations

import torch

from .common import _shapes_error


def _unary(fn):
    def op(self, x):
        return fn(self._float(x))
    op.__name__ = fn.__name__
    return op


class TorchElementwiseOps:
    """Mixin of ``TorchBackend``: methods of ``contract.ElementwiseOps`` on PyTorch."""

    arccos = _unary(torch.acos)
    arcsin = _unary(torch.asin)
    arctan = _unary(torch.atan)
    arccosh = _unary(torch.acosh)
    arcsinh = _unary(torch.asinh)
    arctanh = _unary(torch.atanh)
    cosh = _unary(torch.cosh)
    sinh = _unary(torch.sinh)
    tan = _unary(torch.tan)
    sinc = _unary(torch.sinc)
    exp2 = _unary(torch.exp2)
    log2 = _unary(torch.log2)
    log10 = _unary(torch.log10)
    erfc = _unary(torch.erfc)
    erfinv = _unary(torch.erfinv)
    i0 = _unary(torch.i0)

    def cbrt(self, x):
        x = self._float(x)
        return torch.sign(x) * torch.abs(x).pow(1.0 / 3.0)

    def _binary(self, op, fn, x1, x2, same=False):
        x1, x2 = self._same_pair(x1, x2) if same else self._float_pair(x1, x2)
        try:
            return fn(x1, x2)
        except RuntimeError as e:
            raise _shapes_error(op, e, x1, x2) from None

    def arctan2(self, x1, x2):
        return self._binary("arctan2", torch.atan2, x1, x2)

    def hypot(self, x1, x2):
        return self._binary("hypot", torch.hypot, x1, x2)

    def logaddexp(self, x1, x2):
        return self._binary("logaddexp", torch.logaddexp, x1, x2)

    def nextafter(self, x1, x2):
        x1, x2 = self._float_pair(x1, x2)
        return self._binary("nextafter", torch.nextafter, x1.detach(), x2.detach())

    def trunc(self, x):
        x = self._t(x)
        return torch.trunc(x) if x.is_floating_point() else x

    def signbit(self, x):
        return torch.signbit(self._t(x))

    def fmod(self, x1, x2):
        x1, x2 = self._same_pair(x1, x2)
        if x1.dtype == torch.bool:
            x1, x2 = x1.to(torch.int32), x2.to(torch.int32)
        return self._binary("fmod", torch.fmod, x1, x2, same=True)

    def _int_binary(self, op, fn, x1, x2, allow_bool=True):
        x1, x2 = self._int_pair(op, x1, x2, allow_bool)
        try:
            return fn(x1, x2)
        except RuntimeError as e:
            raise _shapes_error(op, e, x1, x2) from None

    def gcd(self, x1, x2):
        return self._int_binary("gcd", torch.gcd, x1, x2, allow_bool=False)

    def lcm(self, x1, x2):
        return torch.abs(self._int_binary("lcm", torch.lcm, x1, x2, allow_bool=False))

    def bitwise_and(self, x, y):
        return self._int_binary("bitwise_and", torch.bitwise_and, x, y)

    def bitwise_or(self, x, y):
        return self._int_binary("bitwise_or", torch.bitwise_or, x, y)

    def bitwise_xor(self, x, y):
        return self._int_binary("bitwise_xor", torch.bitwise_xor, x, y)

    def bitwise_not(self, x):
        x = self._t(x)
        self._check_int("bitwise_not", x)
        return torch.bitwise_not(x)

    def _shift(self, op, fn, x, y):
        x, y = self._int_pair(op, x, y)
        if x.dtype == torch.bool:
            x, y = x.to(torch.int32), y.to(torch.int32)
        return self._int_binary(op, fn, x, y)

    def bitwise_left_shift(self, x, y):
        return self._shift("bitwise_left_shift", torch.bitwise_left_shift, x, y)

    def bitwise_right_shift(self, x, y):
        return self._shift("bitwise_right_shift", torch.bitwise_right_shift, x, y)

    # ---------------------------------------------------------------- complex
    def real(self, x):
        x = self._t(x)
        return torch.real(x) if x.is_complex() else x

    def imag(self, x):
        x = self._t(x)
        return torch.imag(x) if x.is_complex() else torch.zeros_like(x)

    def conj(self, x):
        x = self._t(x)
        return torch.conj_physical(x) if x.is_complex() else x

    def angle(self, x):
        x = self._t(x)
        return torch.angle(x if x.is_complex() else self._float(x))

    def view_as_complex(self, x):
        x = self._t(x)
        if x.ndim == 0 or x.shape[-1] != 2 or not x.is_floating_point():
            raise ValueError(f"view_as_complex takes a float array whose last axis has length 2; "
                             f"got shape {tuple(x.shape)} and dtype {self.dtype(x)}.")
        if x.dtype not in (torch.float32, torch.float64):
            x = x.to(torch.float32)
        return torch.view_as_complex(x.contiguous())

    def view_as_real(self, x):
        x = self._t(x)
        if not x.is_complex():
            raise ValueError(f"view_as_real takes a complex array; got dtype {self.dtype(x)}.")
        return torch.view_as_real(x.resolve_conj())
