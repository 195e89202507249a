"""The torch engine's control ops (contract: ``kerasette/backends/contract/control.py``).

Branches and loops are the contract's eager Python forms (autograd records the
path taken); ``scan`` unbinds ``xs`` once instead of indexing per step;
``custom_gradient`` is a ``torch.autograd.Function``; ``jvp`` is ``torch.func.jvp``.
"""
from __future__ import annotations

import torch

from ... import tree
from ..contract.control import _value, _values, call_grad_fn


class TorchControlOps:
    """Mixin of ``TorchBackend``: methods of ``contract.ControlOps`` on PyTorch."""

    def scan(self, f, init, xs=None, length=None, reverse=False, unroll=1):
        xs = _values(xs)
        flat = [] if xs is None else [self._t(a) for a in tree.flatten(xs)]
        if not flat:
            if length is None:
                raise ValueError("ops.scan: give `xs` or `length`.")
            steps = [xs] * int(length)
        else:
            sizes = {int(a.shape[0]) if a.ndim else None for a in flat}  # int: traced sizes are tensors
            if len(sizes) != 1 or None in sizes:
                raise ValueError(f"ops.scan: the arrays of `xs` need one shared leading size, got "
                                 f"shapes {[tuple(a.shape) for a in flat]}.")
            n = sizes.pop()
            if length is not None and int(length) != n:
                raise ValueError(f"ops.scan: `length`={length} does not match the leading size {n} of `xs`.")
            slices = [torch.unbind(a, 0) for a in flat]
            steps = [tree.pack_sequence_as(xs, [s[t] for s in slices]) for t in range(n)]
        if reverse:
            steps = steps[::-1]
        carry, ys = _values(init), []
        for x_t in steps:
            carry, y = f(carry, x_t)
            ys.append(y)
        if reverse:
            ys.reverse()
        carry = tree.map_structure(self._as_array, carry)
        if not ys:
            return carry, None
        return carry, tree.map_structure(
            lambda *parts: None if parts[0] is None else torch.stack([self._t(p) for p in parts]), *ys)

    def custom_gradient(self, f):
        backend = self

        def wrapped(*args, **kwargs):
            args = tuple(_value(a) for a in args)
            box = {}

            class Fn(torch.autograd.Function):
                @staticmethod
                def forward(ctx, *a):
                    out, grad_fn = f(*a, **kwargs)
                    box.update(out=out, grad_fn=grad_fn, args=a)
                    return tuple(backend._t(x) for x in tree.flatten(out))

                @staticmethod
                def backward(ctx, *upstream):
                    up = tree.pack_sequence_as(box["out"], list(upstream))
                    grads = call_grad_fn(box["grad_fn"], box["args"], up)
                    return tuple(None if g is None or not isinstance(a, torch.Tensor)
                                 else backend._t(g).to(a.dtype) for g, a in zip(grads, box["args"]))

            leaves = Fn.apply(*args)
            return tree.pack_sequence_as(box["out"], list(leaves))

        return wrapped

    def jvp(self, fun, primals, tangents, has_aux=False):
        primals = tuple(tree.map_structure(lambda x: self._t(_value(x)), tuple(primals)))
        tangents = tuple(tree.map_structure(lambda x: self._t(_value(x)), tuple(tangents)))
        return torch.func.jvp(fun, primals, tangents, has_aux=has_aux)
