"""Helpers shared by the torch adapter's modules (dtype maps, shape errors)."""
from __future__ import annotations

import os

import numpy as np
import torch

from ..common import standardize_dtype

Tensor = torch.Tensor
_PY_SCALARS = (int, float, bool)
_PY_DEFAULTS = {bool: "bool", int: "int32", float: "float32"}  # as Keras

_TORCH_DTYPES = {
    "float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
    "float64": torch.float64, "int8": torch.int8, "int16": torch.int16,
    "int32": torch.int32, "int64": torch.int64, "uint8": torch.uint8, "bool": torch.bool,
    "complex64": torch.complex64, "complex128": torch.complex128,
}
_NAMES = {v: k for k, v in _TORCH_DTYPES.items()}
# NumPy dtypes torch reads directly (not bfloat16), for converting host batches
_FROM_NUMPY = {np.dtype(k): v for k, v in _TORCH_DTYPES.items() if k != "bfloat16"}
_TORCH_DTYPES.update({v: v for v in _NAMES})  # torch dtypes map to themselves


def _dt(dtype):
    """torch dtype for a dtype name (or NumPy/torch dtype); TypeError when unsupported."""
    try:
        return _TORCH_DTYPES[dtype]
    except (KeyError, TypeError):
        return _TORCH_DTYPES[standardize_dtype(dtype)]


def _device():
    name = os.environ.get("KERASETTE_DEVICE")
    if name:
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def _shapes_error(op, e, *args):
    shapes = " and ".join(str(tuple(getattr(a, "shape", ()))) for a in args)
    return ValueError(f"{op} failed for shapes {shapes}: {e}")


def _dims(axis):
    """torch ``dim`` for a NumPy ``axis`` (None: all axes)."""
    if axis is None:
        return ()
    return axis if type(axis) is int else tuple(axis)


def _joined(op, fn, xs, axis):
    """``fn(xs, dim=axis)`` (torch.cat / torch.stack), a shape mismatch as a ValueError."""
    try:
        return fn(xs, dim=axis)
    except RuntimeError as e:
        raise _shapes_error(op, e, *xs) from None


def _truth_reduce(fn, x, axis, keepdims):
    """``fn`` (torch.any / torch.all) of ``x`` read as truth values; ``axis=()`` reduces nothing."""
    if x.dtype != torch.bool:
        x = x != 0
    if axis == ():
        return x
    return fn(x, dim=None if axis is None else _dims(axis), keepdim=keepdims)


def _spread(fn, x, axis, keepdims):
    """``fn`` (torch.var / torch.std, biased) of ``x`` as float; ``axis=()`` gives zeros."""
    if not x.is_floating_point():
        x = x.to(torch.float32)
    if axis == ():
        return torch.zeros_like(x)
    dim = None if axis is None else _dims(axis)
    return fn(x, dim=dim, correction=0, keepdim=keepdims)


def _detach(tree):
    if isinstance(tree, Tensor):
        return tree.detach()
    if isinstance(tree, (list, tuple)):
        items = [_detach(a) for a in tree]
        if hasattr(tree, "_fields"):  # namedtuple
            return type(tree)(*items)
        return type(tree)(items)
    if isinstance(tree, dict):
        return type(tree)((k, _detach(v)) for k, v in tree.items())
    return tree
