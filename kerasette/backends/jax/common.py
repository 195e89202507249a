"""Helpers shared by the jax adapter's modules (dtype maps, shape errors)."""
from __future__ import annotations

import functools

import jax.numpy as jnp

from ..common import standardize_dtype

# x64 is off (we never flip that global flag): these are held in 32 bits.
_NARROW = {"float64": "float32", "int64": "int32", "complex128": "complex64"}


def _jdtype(dtype):
    name = standardize_dtype(dtype)
    return jnp.dtype(_NARROW.get(name, name))


def _check_padding(padding):
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same', got {padding!r}.")
    return padding


def _spatial_spec(n):
    if n not in (1, 2, 3):
        raise ValueError(f"Convolutions and pooling take 1, 2 or 3 spatial axes, got {n}.")
    return "DHW"[3 - n:]


def _shape_of(a):
    if hasattr(a, "shape"):
        return str(tuple(a.shape))
    if isinstance(a, (list, tuple)):
        return "[" + ", ".join(_shape_of(t) for t in a) + "]"
    return repr(a)


def _shape_errors(method):
    # JAX refuses shapes with TypeError, or a ValueError that names no op; the
    # contract (NumPy) says ValueError naming the op and the shapes.
    @functools.wraps(method)
    def op(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (TypeError, ValueError) as e:
            if not any(w in str(e).lower() for w in ("shape", "dimension", "size")):
                raise
            shapes = ", ".join(map(_shape_of, args))
            raise ValueError(f"{method.__name__} got incompatible shapes {shapes}: {e}") from None
    return op
