"""What ``layers.TorchModuleWrapper`` asks of PyTorch: a module's tensors, a
functional call with other tensors in their place, and (de)serializing a module."""
from __future__ import annotations

import io

import torch


def is_module(obj):
    return isinstance(obj, torch.nn.Module)


def module_tensors(module):
    """``[(dotted name, tensor, trainable)]``: parameters (trainable when they require
    grad) then buffers (never trainable), in the module's registration order."""
    if any(isinstance(p, torch.nn.parameter.UninitializedParameter) for p in module.parameters()):
        raise ValueError(f"TorchModuleWrapper: {type(module).__name__} has uninitialized (lazy) "
                         "parameters; run it once on a sample input before wrapping it.")
    out = [(n, p.detach(), p.requires_grad) for n, p in module.named_parameters()]
    out += [(n, b.detach(), False) for n, b in module.named_buffers()]
    return out


def move(module, device):
    return module.to(device)


def call_module(module, tensors, args, kwargs, training):
    """``module(*args, **kwargs)`` computed with ``tensors`` (name -> tensor) as its
    parameters and buffers, in train mode when ``training``."""
    module.train(bool(training))
    return torch.func.functional_call(module, tensors, tuple(args), kwargs, strict=True)


def dump(module):
    buf = io.BytesIO()
    torch.save(module, buf)
    return buf.getvalue()


def load(data):
    return torch.load(io.BytesIO(data), weights_only=False)


def write_back(module, tensors):
    """Copy ``tensors`` (name -> tensor) into the module's own parameters and buffers."""
    own = dict(module.named_parameters())
    own.update(dict(module.named_buffers()))
    with torch.no_grad():
        for name, value in tensors.items():
            own[name].copy_(value)
