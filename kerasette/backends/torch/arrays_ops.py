"""The torch engine's arrays ops (contract: ``kerasette/backends/contract/arrays.py``)."""
from __future__ import annotations

import warnings

import torch

from .common import Tensor, _dt, _shapes_error

_REDUCE = {"max": "amax", "min": "amin", "mul": "prod"}


class TorchArrayOps:
    """Mixin of ``TorchBackend``: methods of ``contract.ArrayOps`` on PyTorch."""

    def copy(self, x):
        return self._t(x).clone()

    def view(self, x, dtype=None):
        x = self._t(x)
        if dtype is None:
            return x
        dt = _dt(dtype)
        try:
            return x.contiguous().view(dt)
        except RuntimeError as e:
            raise ValueError(f"view: cannot view shape {tuple(x.shape)} of {x.dtype} as {dt}: {e}") from None

    def scatter_update(self, inputs, indices, updates, reduction=None):
        x = self._t(inputs)
        idx = self._t(indices)
        if idx.ndim != 2 or idx.shape[1] > x.ndim or idx.is_floating_point() or idx.dtype == torch.bool:
            raise ValueError(f"scatter_update: indices must be integers of shape (N, k) with k <= "
                             f"{x.ndim} (inputs of shape {tuple(x.shape)}), got {idx.dtype} "
                             f"{tuple(idx.shape)}.")
        idx = idx.long()
        n, k = idx.shape
        rest = tuple(x.shape[k:])
        upd = self._t(updates).to(x.dtype)
        try:
            upd = upd.reshape((n,) + rest)
        except RuntimeError:
            raise ValueError(f"scatter_update: updates of shape {tuple(upd.shape)} do not fit indices "
                             f"{n}x{k} into inputs of shape {tuple(x.shape)}.") from None
        try:
            if reduction is None or reduction == "add":
                return x.index_put(tuple(idx.unbind(1)), upd, accumulate=reduction == "add")
            if reduction not in _REDUCE:
                raise ValueError(f"scatter_update: reduction must be None, 'add', 'max', 'min' or "
                                 f"'mul', got {reduction!r}.")
            lin = torch.zeros(n, dtype=torch.long, device=idx.device)
            for a in range(k):
                lin = lin * x.shape[a] + idx[:, a]
            flat = x.reshape((-1,) + rest)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "index_reduce() is in beta"
                out = flat.index_reduce(0, lin, upd, _REDUCE[reduction], include_self=True)
            return out.reshape(x.shape)
        except (RuntimeError, IndexError) as e:
            raise _shapes_error("scatter_update", e, x, idx, upd) from None

    def slice_update(self, inputs, start_indices, updates):
        x = self._t(inputs)
        upd = self._t(updates)
        sizes = tuple(upd.shape)
        if len(sizes) != x.ndim or any(z > m for z, m in zip(sizes, x.shape)):
            raise ValueError(f"slice_update: updates of shape {sizes} do not fit inputs of shape "
                             f"{tuple(x.shape)}.")
        starts = self._starts(start_indices, tuple(x.shape), sizes, "slice_update")
        out = x.clone()
        out[tuple(slice(s, s + z) for s, z in zip(starts, sizes))] = upd.to(x.dtype)
        return out

    def get_item(self, x, key):
        keys = key if type(key) is tuple else (key,)
        fixed = []
        for k in keys:
            if isinstance(k, list) or (not isinstance(k, Tensor) and hasattr(k, "dtype")
                                       and getattr(k, "shape", ()) != ()):
                k = self.convert(k)
            if isinstance(k, Tensor) and k.dtype not in (torch.bool, torch.int64):
                k = k.long()  # uint8 would read as a mask, int32 as is only on recent torch
            fixed.append(k)
        return self.getitem(x, tuple(fixed) if type(key) is tuple else fixed[0])
