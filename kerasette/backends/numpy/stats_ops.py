"""The NumPy engine's stats ops (contract: ``kerasette/backends/contract/stats.py``).

Module-level functions named as the contract's methods; each differentiable op
returns ``Traced`` on traced input with its VJP next to its forward code.
"""
from __future__ import annotations

import numpy as np

from .autodiff import Traced
from .ops import _val

I32 = np.dtype("int32")


def argsort(x, axis=-1):
    xv = _val(x)
    if axis is None:
        xv, axis = np.ravel(xv), -1
    return np.argsort(xv, axis=axis, kind="stable").astype(I32)


def sort(x, axis=-1):
    xv = _val(x)
    if axis is None:
        xv, axis = np.ravel(xv), -1
        if type(x) is Traced:
            from .ops import reshape
            x = reshape(x, (-1,))
    if type(x) is not Traced:
        return np.sort(xv, axis=axis, kind="stable")
    idx = np.argsort(xv, axis=axis, kind="stable")
    out = np.take_along_axis(xv, idx, axis=axis)

    def vjp(g):  # each sorted place sends its gradient back to where it came from
        gx = np.empty_like(g)
        np.put_along_axis(gx, idx, g, axis=axis)
        return (gx,)

    return Traced(out, (x,), vjp)


def searchsorted(sorted_sequence, values, side="left"):
    seq = _val(sorted_sequence)
    if np.ndim(seq) != 1:
        raise ValueError(f"searchsorted: sorted_sequence must be 1-D, got shape {np.shape(seq)}.")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}.")
    return np.asarray(np.searchsorted(seq, _val(values), side=side)).astype(I32)


def nonzero(x):
    xv = _val(x)
    if np.ndim(xv) == 0:
        raise ValueError("nonzero: 0-d arrays are not allowed; reshape to 1-D first.")
    return tuple(i.astype(I32) for i in np.nonzero(xv))


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    xv = _val(x)
    values, index, inverse, counts = np.unique(xv, return_index=True, return_inverse=True,
                                               return_counts=True, axis=axis, equal_nan=False)
    if axis is None:
        inverse = inverse.reshape(np.shape(xv))
    else:
        inverse = inverse.reshape(-1)
    index, inverse, counts = (a.astype(I32) for a in (index, inverse, counts))
    if size is not None:
        values, index, counts = _fit(values, index, counts, int(size), fill_value, axis)
    out = [values] + [a for a, want in ((index, return_index), (inverse, return_inverse),
                                         (counts, return_counts)) if want]
    return out[0] if len(out) == 1 else tuple(out)


def _fit(values, index, counts, size, fill_value, axis):
    """Truncate or pad the unique values (along ``axis``) to exactly ``size``, as JAX."""
    ax = 0 if axis is None else axis % values.ndim
    k = values.shape[ax]
    if k >= size:
        key = (slice(None),) * ax + (slice(0, size),)
        return values[key], index[:size], counts[:size]
    pad_shape = list(values.shape)
    pad_shape[ax] = size - k
    if fill_value is None:
        first = np.take(values, [0], axis=ax) if k else np.zeros([1 if i == ax else d for i, d in
                                                                   enumerate(values.shape)], values.dtype)
        fill = np.broadcast_to(first, pad_shape)
    else:
        fill = np.full(pad_shape, fill_value, values.dtype)
    first_index = index[:1] if k else np.zeros(1, I32)
    return (np.concatenate([values, fill], axis=ax),
            np.concatenate([index, np.broadcast_to(first_index, (size - k,))]),
            np.concatenate([counts, np.zeros(size - k, I32)]))


def cumprod(x, axis=None, dtype=None):
    from .ops import cumulative_input
    x, axis, done = cumulative_input(x, axis, dtype, np.cumprod)
    if done is not None:
        return done
    xv = _val(x)
    out = np.cumprod(xv, axis=axis)
    if type(x) is not Traced:
        return out

    def vjp(g):
        # d out_j / d x_i = prod_{k <= j, k != i} x_k for j >= i: exact with zeros too,
        # by one cumprod per i with x_i replaced by 1 (an O(n^2) loop over the axis)
        xm = np.moveaxis(xv, axis, -1)
        gm = np.moveaxis(g, axis, -1)
        n = xm.shape[-1]
        gx = np.empty_like(xm)
        for i in range(n):
            rest = xm[..., i:].copy()
            rest[..., 0] = 1
            part = np.cumprod(rest, axis=-1)
            if i:
                part = part * np.prod(xm[..., :i], axis=-1, keepdims=True)
            gx[..., i] = np.sum(part * gm[..., i:], axis=-1)
        return (np.moveaxis(gx, -1, axis),)

    return Traced(out, (x,), vjp)



# native segment max / min / prod: one ufunc.at pass instead of the contract's (N, S) mask
def _segment_setup(name, data, segment_ids, num_segments):
    dv, ids = np.asarray(_val(data)), np.asarray(_val(segment_ids))
    if ids.ndim != 1 or dv.ndim < 1 or ids.shape[0] != dv.shape[0]:
        raise ValueError(f"{name}: segment_ids must be 1-D and as long as data's first axis; got "
                         f"shapes {ids.shape} and {dv.shape}.")
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.size else 0
    s = int(num_segments)
    valid = (ids >= 0) & (ids < s)
    return dv, s, valid, ids[valid], dv[valid]


def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    dv, s, valid, vi, vd = _segment_setup("segment_prod", data, segment_ids, num_segments)
    out = np.ones((s,) + dv.shape[1:], dv.dtype)
    np.multiply.at(out, vi, vd)
    if type(data) is not Traced:
        return out

    def vjp(g):
        # d out_s / d x_i = product of the segment's other elements: out_s / x_i without
        # zeros; with one zero only the zero gets (the product of the rest); with more, none
        zero = vd == 0
        rest = np.ones(out.shape, dv.dtype)
        np.multiply.at(rest, vi, np.where(zero, 1, vd))
        zeros = np.zeros(out.shape, np.int64)
        np.add.at(zeros, vi, zero)
        r, z = rest[vi], zeros[vi]
        local = np.where(zero, np.where(z == 1, r, 0), np.where(z == 0, r / np.where(zero, 1, vd), 0))
        gd = np.zeros(dv.shape, g.dtype)
        gd[valid] = local * g[vi]
        return (gd,)

    return Traced(out, (data,), vjp)


def _segment_extremum(name, ufunc, low):
    def op(data, segment_ids, num_segments=None, sorted=False):
        dv, s, valid, vi, vd = _segment_setup(name, data, segment_ids, num_segments)
        if dv.dtype.kind == "f":
            fill = -np.inf if low else np.inf
        elif dv.dtype.kind == "b":
            fill = not low
        else:
            info = np.iinfo(dv.dtype)
            fill = info.min if low else info.max
        out = np.full((s,) + dv.shape[1:], fill, dv.dtype)
        ufunc.at(out, vi, vd)
        if type(data) is not Traced:
            return out

        def vjp(g):  # ties share the gradient, as max / min
            hit = vd == out[vi]
            count = np.zeros(out.shape, g.dtype)
            np.add.at(count, vi, hit)
            gd = np.zeros(dv.shape, g.dtype)
            gd[valid] = hit * (g / np.maximum(count, 1))[vi]
            return (gd,)

        return Traced(out, (data,), vjp)

    op.__name__ = name
    return op


segment_max = _segment_extremum("segment_max", np.maximum, True)
segment_min = _segment_extremum("segment_min", np.minimum, False)
