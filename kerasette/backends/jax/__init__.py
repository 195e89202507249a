"""The JAX engine adapter.

Design rules:

* Thin: each method of ``Backend`` is one ``jax.numpy`` / ``jax.lax`` call where
  one exists; derived ops of ``base.py`` are kept unless JAX has a native form
  with the same contract.
* Pure and traceable: every method works under ``jax.jit`` (no Python control
  flow on array values; seeds may be traced 0-d ints).
* No global JAX flags are touched. In particular x64 stays off, so float64
  becomes float32 and int64 becomes int32 (``cast(x, 'float64')`` gives float32).
* Matrix products and convolutions run at ``precision='highest'`` so results
  agree with the other engines at float32 tolerance on GPUs too (no TF32);
  set ``JaxBackend.precision = None`` to use JAX's default instead.
"""
from __future__ import annotations

from .backend import JaxBackend


def make_backend():
    """The JAX adapter instance."""
    return JaxBackend()


__all__ = ["JaxBackend", "make_backend"]
