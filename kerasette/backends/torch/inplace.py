"""In-place multi-tensor updates for the optimizers' fast path (``TorchBackend.inplace``).

Not part of the ops contract: an optional object the built-in optimizers use to
update the weights and slots they own in place, with torch's ``_foreach_*``
kernels (one call per step for all tensors of a dtype). No tensor involved
requires grad (``owns`` checks the targets; gradients come detached), so
autograd records nothing and ``no_grad`` would only add overhead. ``s``
is a Python number or a 0-d tensor (a learning rate that schedules may change),
read as a number on the CPU and kept a tensor on an accelerator (no device sync
per step). Results equal the pure rule's up to float rounding.
"""
from __future__ import annotations

import torch

Tensor = torch.Tensor


def _scale(ts, s):
    """New tensors ``ts[i] * s``."""
    return torch._foreach_mul(ts, s)


def _number(s):
    """A 0-d CPU tensor as a Python number (no device sync on CPU); else ``s``."""
    if isinstance(s, Tensor) and s.device.type == "cpu":
        return s.item()
    return s


class TorchInPlace:
    """``xs[i] op= ...`` with ``torch._foreach_*`` (see the module docstring)."""

    @staticmethod
    def owns(x):
        """True for a plain tensor that no autograd graph or compiler is tracking."""
        return type(x) is Tensor and not x.requires_grad and not torch.compiler.is_compiling()

    @staticmethod
    def mul_(xs, s):
        torch._foreach_mul_(xs, s)

    @staticmethod
    def add_(xs, ys, s=None):
        s = _number(s)
        if s is None:
            torch._foreach_add_(xs, ys)
        elif isinstance(s, Tensor):
            torch._foreach_add_(xs, _scale(ys, s))
        else:
            torch._foreach_add_(xs, ys, alpha=s)

    @staticmethod
    def addcmul_(xs, ys, zs, s):
        s = _number(s)
        if isinstance(s, Tensor):
            t = torch._foreach_mul(ys, zs)
            torch._foreach_mul_(t, s)
            torch._foreach_add_(xs, t)
        else:
            torch._foreach_addcmul_(xs, ys, zs, value=s)

    @staticmethod
    def addcdiv_(xs, ys, zs, s):
        s = _number(s)
        if isinstance(s, Tensor):
            t = _scale(ys, s)
            torch._foreach_div_(t, zs)
            torch._foreach_add_(xs, t)
        else:
            torch._foreach_addcdiv_(xs, ys, zs, value=s)

    @staticmethod
    def add(xs, s):
        """New tensors ``xs[i] + s``."""
        return torch._foreach_add(xs, s)

    @staticmethod
    def add_scalar_(xs, s):
        torch._foreach_add_(xs, s)

    @staticmethod
    def sqrt(xs):
        """New tensors ``sqrt(xs[i])``."""
        return torch._foreach_sqrt(xs)

    @staticmethod
    def sqrt_(xs):
        torch._foreach_sqrt_(xs)
