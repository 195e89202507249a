"""The jax engine's nn ops (contract: ``kerasette/backends/contract/nn.py``)."""
from __future__ import annotations

import jax
import jax.numpy as jnp


class JaxNNOps:
    """Mixin of ``JaxBackend``: methods of ``contract.NNOps`` on JAX."""

    def _dot_product_attention(self, q, k, v, bias, mask, scale, is_causal, soft_cap):
        # jax.nn.dot_product_attention (XLA form) is the contract's formula, the
        # same finite "minus infinity" included; it has no logit cap.
        native = getattr(jax.nn, "dot_product_attention", None)
        if native is None or soft_cap is not None or not (q.dtype == k.dtype == v.dtype):
            return super()._dot_product_attention(q, k, v, bias, mask, scale, is_causal, soft_cap)

        def four_d(a):
            return None if a is None else jnp.reshape(a, (1,) * (4 - a.ndim) + a.shape)

        bias = four_d(bias)
        if bias is not None:
            bias = bias.astype(q.dtype)
        return native(q, k, v, bias=bias, mask=four_d(mask), scale=scale, is_causal=is_causal)

    def _jf(self, x):
        """An array of ``x``; integer and bool inputs as float32 (Keras's rule for activations)."""
        x = jnp.asarray(x)
        return x if jnp.issubdtype(x.dtype, jnp.floating) else x.astype(jnp.float32)
