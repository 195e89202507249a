"""The torch engine's nn ops (contract: ``kerasette/backends/contract/nn.py``)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..contract.nn import _MASK_NEG, _MASK_NEG_DEFAULT


class TorchNNOps:
    """Mixin of ``TorchBackend``: methods of ``contract.NNOps`` on PyTorch."""

    def _dot_product_attention(self, q, k, v, bias, mask, scale, is_causal, soft_cap):
        # F.scaled_dot_product_attention has the contract's formula except for the
        # logit cap (none there) and fully masked rows (NaN there): the mask goes in as
        # an additive float mask of the contract's finite "minus infinity" instead.
        if soft_cap is not None or q.dtype != k.dtype or q.dtype != v.dtype:
            return super()._dot_product_attention(q, k, v, bias, mask, scale, is_causal, soft_cap)
        t, s = q.shape[1], k.shape[1]
        attn = None if bias is None else bias.to(q.dtype)
        if mask is not None or (is_causal and attn is not None):
            keep = torch.ones((), dtype=torch.bool, device=q.device) if mask is None else mask.to(q.device)
            if is_causal:
                keep = keep & torch.ones((t, s), dtype=torch.bool, device=q.device).tril()
            neg = torch.tensor(_MASK_NEG.get(self.dtype(q), _MASK_NEG_DEFAULT), dtype=q.dtype, device=q.device)
            attn = torch.where(keep, torch.zeros((), dtype=q.dtype, device=q.device) if attn is None else attn, neg)
            is_causal = False
        out = F.scaled_dot_product_attention(
            q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), attn_mask=attn,
            is_causal=is_causal, scale=scale, enable_gqa=q.shape[2] != k.shape[2])
        return out.transpose(1, 2)

    def _tf(self, x):
        """A tensor of ``x``; integer and bool inputs as float32 (Keras's rule for activations)."""
        t = self._t(x)
        return t if t.is_floating_point() else t.to(torch.float32)
