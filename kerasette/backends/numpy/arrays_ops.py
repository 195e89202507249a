"""The NumPy engine's arrays ops (contract: ``kerasette/backends/contract/arrays.py``).

Module-level functions named as the contract's methods; each differentiable op
returns ``Traced`` on traced input with its VJP next to its forward code.
"""
from __future__ import annotations

import numpy as np

from .autodiff import Traced
from .ops import _val, np_dtype

_REDUCTIONS = {"add": np.add, "max": np.maximum, "min": np.minimum, "mul": np.multiply}


def copy(x):
    if type(x) is Traced:
        return Traced(np.array(x.value, copy=True), (x,), lambda g: (g,))
    return np.array(x, copy=True)


def view(x, dtype=None):
    xv = np.asarray(_val(x))
    if dtype is None:
        return xv
    dt = np_dtype(dtype)
    if xv.ndim == 0 and dt.itemsize != xv.dtype.itemsize:
        raise ValueError(f"view: a 0-d {xv.dtype} array cannot be viewed as {dt} (item sizes differ).")
    try:
        return np.ascontiguousarray(xv).view(dt)
    except ValueError as e:
        raise ValueError(f"view: cannot view shape {xv.shape} of {xv.dtype} as {dt}: {e}") from None


def scatter_indices(indices, shape, op):
    """``indices`` ``(N, k)`` as a tuple of ``k`` index arrays for the first ``k`` axes."""
    idx = np.asarray(_val(indices))
    if idx.ndim != 2 or idx.shape[1] > len(shape) or idx.dtype.kind not in "iu":
        raise ValueError(f"{op}: indices must be integers of shape (N, k) with k <= {len(shape)} "
                         f"(inputs of shape {tuple(shape)}), got {idx.dtype} {idx.shape}.")
    return tuple(idx.T)


def scatter_update(inputs, indices, updates, reduction=None):
    tx, tu = type(inputs) is Traced, type(updates) is Traced
    xv = np.asarray(_val(inputs))
    uv = np.asarray(_val(updates))
    key = scatter_indices(indices, xv.shape, "scatter_update")
    want = (len(key[0]),) + xv.shape[len(key):]
    if uv.shape != want:
        if uv.size == int(np.prod(want)):
            uv = uv.reshape(want)
        else:
            raise ValueError(f"scatter_update: updates of shape {uv.shape} do not fit indices "
                             f"{len(key[0])}x{len(key)} into inputs of shape {xv.shape} (expected {want}).")
    us = np.shape(_val(updates))
    uv = uv.astype(xv.dtype, copy=False)
    out = np.array(xv, copy=True)
    if reduction is None:
        out[key] = uv
    elif reduction in _REDUCTIONS:
        _REDUCTIONS[reduction].at(out, key, uv)
    else:
        raise ValueError(f"scatter_update: reduction must be None, 'add', 'max', 'min' or 'mul', "
                         f"got {reduction!r}.")
    if not (tx or tu) or xv.dtype.kind != "f":
        return out

    def vjp(g):
        extra = (1,) * (uv.ndim - 1)
        if reduction is None:
            gx = np.array(g, copy=True)
            gx[key] = 0
            pos = np.full(xv.shape[:len(key)], -1)
            pos[key] = np.arange(len(key[0]))  # the last write wins
            gu = g[key] * (pos[key] == np.arange(len(key[0]))).reshape((-1,) + extra)
        elif reduction == "add":
            gx, gu = g, g[key]
        elif reduction in ("max", "min"):
            gx = g * (xv == out)
            gu = g[key] * (uv == out[key])
        else:  # mul
            prod = np.ones_like(xv)
            np.multiply.at(prod, key, uv)
            gx = g * prod
            with np.errstate(divide="ignore", invalid="ignore"):
                gu = g[key] * out[key] / uv
        return (gx if tx else None, gu.reshape(us) if tu else None)

    return Traced(out, (inputs if tx else None, updates if tu else None), vjp)
