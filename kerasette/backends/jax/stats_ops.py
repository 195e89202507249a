"""The jax engine's stats ops (contract: ``kerasette/backends/contract/stats.py``)."""
from __future__ import annotations

import jax
import jax.numpy as jnp


class JaxStatsOps:
    """Mixin of ``JaxBackend``: methods of ``contract.StatsOps`` on JAX."""

    def argsort(self, x, axis=-1):
        return jnp.argsort(x, axis=axis, stable=True).astype(jnp.int32)  # NaN sorts last

    def sort(self, x, axis=-1):
        return jnp.sort(x, axis=axis, stable=True)

    def searchsorted(self, sorted_sequence, values, side="left"):
        seq = jnp.asarray(sorted_sequence)
        if seq.ndim != 1:
            raise ValueError(f"searchsorted: sorted_sequence must be 1-D, got shape {seq.shape}.")
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}.")
        return jnp.searchsorted(seq, values, side=side).astype(jnp.int32)

    def nonzero(self, x):
        x = jnp.asarray(x)
        if x.ndim == 0:
            raise ValueError("nonzero: 0-d arrays are not allowed; reshape to 1-D first.")
        return tuple(i.astype(jnp.int32) for i in jnp.nonzero(x))

    def unique(self, x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
               axis=None, size=None, fill_value=None):
        x = jnp.asarray(x)
        out = jnp.unique(x, return_index=return_index, return_inverse=return_inverse,
                         return_counts=return_counts, axis=axis, size=size, fill_value=fill_value,
                         equal_nan=False)  # each NaN its own value, as NumPy and torch here
        if not isinstance(out, tuple):
            return out
        values, *rest = out
        rest = [a.astype(jnp.int32) for a in rest]
        if return_inverse:
            k = int(return_index)
            rest[k] = rest[k].reshape(x.shape if axis is None else (-1,))
        return (values, *rest)

    def cumprod(self, x, axis=None, dtype=None):
        x = jnp.asarray(x) if dtype is None else self.cast(x, dtype)
        # integers keep their dtype (jnp would widen them), bool gives int32
        return jnp.cumprod(x, axis=axis, dtype=jnp.int32 if x.dtype == jnp.bool_ else x.dtype)

    # native segment reductions (jittable with a static num_segments)
    def _jax_segment(self, fn, data, segment_ids, num_segments, sorted):
        data, ids = jnp.asarray(data), jnp.asarray(segment_ids).astype(jnp.int32)
        if ids.ndim != 1 or data.ndim < 1 or ids.shape[0] != data.shape[0]:
            raise ValueError(f"{fn.__name__}: segment_ids must be 1-D and as long as data's first axis; "
                             f"got shapes {ids.shape} and {data.shape}.")
        if num_segments is None:
            try:
                num_segments = int(jnp.max(ids)) + 1 if ids.shape[0] else 0
            except jax.errors.ConcretizationTypeError:
                raise ValueError(f"{fn.__name__}: num_segments must be given under jit (the number "
                                 f"of segments fixes the output's shape).") from None
        return fn(data, ids, num_segments=int(num_segments), indices_are_sorted=bool(sorted))

    def segment_sum(self, data, segment_ids, num_segments=None, sorted=False):
        return self._jax_segment(jax.ops.segment_sum, data, segment_ids, num_segments, sorted)

    def segment_max(self, data, segment_ids, num_segments=None, sorted=False):
        return self._jax_segment(jax.ops.segment_max, data, segment_ids, num_segments, sorted)

    def segment_min(self, data, segment_ids, num_segments=None, sorted=False):
        return self._jax_segment(jax.ops.segment_min, data, segment_ids, num_segments, sorted)

    # segment_prod: the contract's masked product (jax.ops.segment_prod has no
    # gradient for repeated ids)
