"""The torch engine's stats ops (contract: ``kerasette/backends/contract/stats.py``)."""
from __future__ import annotations

import torch


class TorchStatsOps:
    """Mixin of ``TorchBackend``: methods of ``contract.StatsOps`` on PyTorch."""

    def argsort(self, x, axis=-1):
        x = self._t(x)
        if axis is None:
            x, axis = x.reshape(-1), -1
        if x.dtype == torch.bool:
            x = x.to(torch.uint8)
        return torch.argsort(x, dim=axis, stable=True).to(torch.int32)  # NaN sorts last

    def sort(self, x, axis=-1):
        x = self._t(x)
        if axis is None:
            x, axis = x.reshape(-1), -1
        if x.dtype == torch.bool:
            return torch.sort(x.to(torch.uint8), dim=axis, stable=True).values.to(torch.bool)
        return torch.sort(x, dim=axis, stable=True).values

    def searchsorted(self, sorted_sequence, values, side="left"):
        seq, values = self._t(sorted_sequence), self._t(values)
        if seq.ndim != 1:
            raise ValueError(f"searchsorted: sorted_sequence must be 1-D, got shape {tuple(seq.shape)}.")
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}.")
        if seq.dtype != values.dtype:
            dt = torch.promote_types(seq.dtype, values.dtype)
            seq, values = seq.to(dt), values.to(dt)
        return torch.searchsorted(seq.detach(), values.detach(), right=side == "right").to(torch.int32)

    def nonzero(self, x):
        x = self._t(x)
        if x.ndim == 0:
            raise ValueError("nonzero: 0-d arrays are not allowed; reshape to 1-D first.")
        return tuple(i.to(torch.int32) for i in torch.nonzero(x, as_tuple=True))

    def unique(self, x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
               axis=None, size=None, fill_value=None):
        x = self._t(x).detach()
        if axis is None:
            values, inverse, counts = torch.unique(x, sorted=True, return_inverse=True, return_counts=True)
            flat_inv = inverse.reshape(-1)
        else:
            axis = axis % x.ndim
            values, inverse, counts = torch.unique(x, sorted=True, return_inverse=True, return_counts=True,
                                                   dim=axis)
            flat_inv = inverse = inverse.reshape(-1)
        n = flat_inv.shape[0]
        index = torch.full((values.shape[0 if axis is None else axis],), n, dtype=torch.int64,
                           device=x.device)
        index = index.scatter_reduce(0, flat_inv, torch.arange(n, device=x.device), "amin")
        index, inverse, counts = (a.to(torch.int32) for a in (index, inverse, counts))
        if size is not None:
            values, index, counts = _fit(values, index, counts, int(size), fill_value, axis)
        out = [values] + [a for a, want in ((index, return_index), (inverse, return_inverse),
                                             (counts, return_counts)) if want]
        return out[0] if len(out) == 1 else tuple(out)

    def cumprod(self, x, axis=None, dtype=None):
        x = self._t(x) if dtype is None else self.cast(x, dtype)
        if axis is None:
            x, axis = x.reshape(-1), 0
        # integers keep their dtype (torch would widen them), bool gives int32
        return torch.cumprod(x, dim=axis, dtype=torch.int32 if x.dtype == torch.bool else x.dtype)

    # native segment max / min / prod (scatter_reduce) instead of the contract's (N, S) mask
    def segment_max(self, data, segment_ids, num_segments=None, sorted=False):
        return _segment(self, "segment_max", "amax", data, segment_ids, num_segments)

    def segment_min(self, data, segment_ids, num_segments=None, sorted=False):
        return _segment(self, "segment_min", "amin", data, segment_ids, num_segments)

    def segment_prod(self, data, segment_ids, num_segments=None, sorted=False):
        return _segment(self, "segment_prod", "prod", data, segment_ids, num_segments)


def _fit(values, index, counts, size, fill_value, axis):
    """Truncate or pad the unique values (along ``axis``) to exactly ``size``, as JAX."""
    ax = 0 if axis is None else axis
    k = values.shape[ax]
    if k >= size:
        return values.narrow(ax, 0, size), index[:size], counts[:size]
    pad_shape = list(values.shape)
    pad_shape[ax] = size - k
    if fill_value is None:
        fill = values.narrow(ax, 0, 1).expand(pad_shape) if k else \
            torch.zeros(pad_shape, dtype=values.dtype, device=values.device)
    else:
        fill = torch.full(pad_shape, fill_value, dtype=values.dtype, device=values.device)
    first = index[:1] if k else torch.zeros(1, dtype=torch.int32, device=index.device)
    return (torch.cat([values, fill], dim=ax), torch.cat([index, first.expand(size - k)]),
            torch.cat([counts, torch.zeros(size - k, dtype=torch.int32, device=counts.device)]))


def _segment(b, name, reduce, data, segment_ids, num_segments):
    """``scatter_reduce`` into ``num_segments`` rows (ids out of range dropped, empty
    rows the reduction's identity); differentiable in ``data``."""
    data, ids = b._t(data), b._t(segment_ids).long()
    if ids.ndim != 1 or data.ndim < 1 or ids.shape[0] != data.shape[0]:
        raise ValueError(f"{name}: segment_ids must be 1-D and as long as data's first axis; got "
                         f"shapes {tuple(ids.shape)} and {tuple(data.shape)}.")
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.shape[0] else 0
    s = int(num_segments)
    if data.dtype == torch.bool:  # scatter_reduce has no bool: as uint8 and back
        return _segment(b, name, reduce, data.to(torch.uint8), ids, s).to(torch.bool)
    if reduce == "prod":
        fill = 1
    elif data.is_floating_point():
        fill = float("-inf") if reduce == "amax" else float("inf")
    else:
        info = torch.iinfo(data.dtype)
        fill = info.min if reduce == "amax" else info.max
    rows = torch.where((ids >= 0) & (ids < s), ids, s)  # out of range: one extra row, cut below
    index = rows.reshape((-1,) + (1,) * (data.ndim - 1)).expand_as(data)
    out = torch.full((s + 1,) + tuple(data.shape[1:]), fill, dtype=data.dtype, device=data.device)
    return out.scatter_reduce(0, index, data, reduce, include_self=False)[:s]

