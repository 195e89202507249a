"""The jax engine's arrays ops (contract: ``kerasette/backends/contract/arrays.py``)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .common import _jdtype, _shape_errors


class JaxArrayOps:
    """Mixin of ``JaxBackend``: methods of ``contract.ArrayOps`` on JAX."""

    def copy(self, x):
        return jnp.array(x, copy=True)

    def view(self, x, dtype=None):
        x = jnp.asarray(x)
        if dtype is None:
            return x
        dt = _jdtype(dtype)
        a, b = x.dtype.itemsize, dt.itemsize
        if a == b:
            return lax.bitcast_convert_type(x, dt)
        if x.ndim == 0:
            raise ValueError(f"view: a 0-d {x.dtype} array cannot be viewed as {dt} (item sizes differ).")
        if a > b:  # each item becomes a // b items along the last axis
            y = lax.bitcast_convert_type(x, dt)
            return y.reshape(x.shape[:-1] + (x.shape[-1] * (a // b),))
        r = b // a
        if x.shape[-1] % r:
            raise ValueError(f"view: the last axis of shape {x.shape} does not divide into {dt} items.")
        return lax.bitcast_convert_type(x.reshape(x.shape[:-1] + (x.shape[-1] // r, r)), dt)

    @_shape_errors
    def scatter_update(self, inputs, indices, updates, reduction=None):
        x, idx = jnp.asarray(inputs), jnp.asarray(indices)
        if idx.ndim != 2 or idx.shape[1] > x.ndim or not jnp.issubdtype(idx.dtype, jnp.integer):
            raise ValueError(f"scatter_update: indices must be integers of shape (N, k) with k <= "
                             f"{x.ndim} (inputs of shape {x.shape}), got {idx.dtype} {idx.shape}.")
        n, k = idx.shape
        upd = jnp.asarray(updates).astype(x.dtype).reshape((n,) + x.shape[k:])
        at = x.at[tuple(idx[:, a] for a in range(k))]
        if reduction is None:
            return at.set(upd)
        if reduction == "mul":  # JAX differentiates scatter_mul only with unique indices
            return at.multiply(upd, unique_indices=_unique_rows(indices))
        ops = {"add": at.add, "max": at.max, "min": at.min}
        if reduction not in ops:
            raise ValueError(f"scatter_update: reduction must be None, 'add', 'max', 'min' or 'mul', "
                             f"got {reduction!r}.")
        return ops[reduction](upd)

    def get_item(self, x, key):
        # host index arrays stay NumPy (static under jit: boolean masks need that)
        keys = key if type(key) is tuple else (key,)
        fixed = tuple(np.asarray(k) if isinstance(k, list) else k for k in keys)
        return self.getitem(x, fixed if type(key) is tuple else fixed[0])

    def slice(self, inputs, start_indices, shape):
        x = jnp.asarray(inputs)
        shape = tuple(x.shape[i] if s == -1 else int(s) for i, s in enumerate(shape))
        if len(shape) != x.ndim:
            raise ValueError(f"slice: shape {shape} must have one entry per axis of shape {x.shape}.")
        return lax.dynamic_slice(x, self._start_list(start_indices, x.ndim, "slice"), shape)

    def slice_update(self, inputs, start_indices, updates):
        x, upd = jnp.asarray(inputs), jnp.asarray(updates)
        if upd.ndim != x.ndim or any(z > m for z, m in zip(upd.shape, x.shape)):
            raise ValueError(f"slice_update: updates of shape {upd.shape} do not fit inputs of shape "
                             f"{x.shape}.")
        return lax.dynamic_update_slice(x, upd.astype(x.dtype),
                                        self._start_list(start_indices, x.ndim, "slice_update"))

    def _start_list(self, start_indices, nd, op):
        if isinstance(start_indices, (list, tuple)):
            starts = list(start_indices)
        else:
            s = jnp.asarray(start_indices)
            starts = [s[i] for i in range(s.shape[0])] if s.ndim else [s]
        if len(starts) != nd:
            raise ValueError(f"{op}: start_indices must have one entry per axis ({nd}), got {len(starts)}.")
        return starts

    def diagonal(self, x, offset=0, axis1=0, axis2=1):
        return jnp.diagonal(x, offset, axis1, axis2)

    def roll(self, x, shift, axis=None):
        return jnp.roll(x, shift, axis)


def _unique_rows(indices):
    try:
        idx = np.asarray(indices)
    except (TypeError, jax.errors.TracerArrayConversionError):
        return False  # traced: cannot tell
    return len(np.unique(idx.reshape(idx.shape[0], -1), axis=0)) == idx.shape[0]
