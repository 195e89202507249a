"""The NumPy engine: ``np.ndarray`` in, ``np.ndarray`` out, with kerasette's own autodiff.

Design rules:

* Outside ``value_and_grad`` every op is plain NumPy on plain ndarrays; the only
  tracing cost is a ``type(x) is Traced`` check on the arguments.
* Inside it, parameters are ``Traced`` (see ``autodiff.py``); each op's VJP sits
  next to its forward code (``ops.py``, ``nn.py``). Derived ops of ``Backend``
  differentiate through the primitives; hot ones are overridden here.
* float32 stays float32: Python scalars follow NEP 50, and a float64 result
  appears only when a float64 array came in.
* Convolution is im2col on a strided view plus one GEMM; pooling and the
  backward passes loop over kernel offsets only, never over pixels.
* ``jit`` records a pure step once per input signature and replays it with no
  layer, loss, optimizer or tape Python in between (``replay.py``); the trainer
  uses it for its steps unless ``jit_compile=False`` or ``run_eagerly=True``.
"""
from __future__ import annotations

import numpy as np

from ..base import Backend
from . import (arrays_ops, control_ops, elementwise_ops, image_ops, linalg_ops, nn, nn_ops, ops, rnn,
               stats_ops)
from .autodiff import Traced, value_and_grad  # noqa: F401
from .inplace import NumpyInPlace
from .replay import jit  # noqa: F401 - the engine's jit: record a step once, replay it

F32 = np.dtype("float32")
F64 = np.dtype("float64")


# -------------------------------------------------------------------- random
def _rng(seed):
    s = ops._val(seed)
    if np.shape(s) == (2,):  # a (2,) seed state [seed, counter]: draws as seed + counter
        s = int(s[0]) + int(s[1])
    return np.random.default_rng(int(s) % (1 << 64))


def _shape(shape):
    return (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)


def random_uniform(shape, seed, minval=0.0, maxval=1.0, dtype="float32"):
    dt = ops.np_dtype(dtype)
    rng = _rng(seed)
    if dt.kind != "f" and dt is not ops.BF16:
        return rng.integers(int(minval), int(maxval), size=_shape(shape), dtype=dt)
    u = rng.random(_shape(shape), dtype=dt if dt in (F32, F64) else F32)
    if minval != 0 or maxval != 1:
        u = u * (maxval - minval) + minval
    return u.astype(dt, copy=False)


def random_normal(shape, seed, mean=0.0, stddev=1.0, dtype="float32"):
    dt = ops.np_dtype(dtype)
    z = _rng(seed).standard_normal(_shape(shape), dtype=dt if dt in (F32, F64) else F32)
    if mean != 0 or stddev != 1:
        z = z * stddev + mean
    return z.astype(dt, copy=False)


# ------------------------------------------------------------------- control
def stop_gradient(x):
    return x.value if type(x) is Traced else x


_FAMILIES = [vars(m) for m in (elementwise_ops, stats_ops, arrays_ops, linalg_ops, nn_ops, image_ops,
                                control_ops)]


def _namespace():
    here = globals()
    methods = {}
    for name in dir(Backend):
        attr = getattr(Backend, name)
        # public methods, and the private primitives (``_conv``...) behind public wrappers
        if not callable(attr) or (name.startswith("_") and not getattr(attr, "__isabstractmethod__", False)):
            continue
        for source in (here, vars(nn), vars(rnn), vars(ops), *_FAMILIES):
            f = source.get(name)
            if callable(f) and not isinstance(f, type):
                methods[name] = staticmethod(f)
                break
    return methods


NumpyBackend = type(Backend)("NumpyBackend", (Backend,), {
    "__doc__": "The NumPy engine adapter (plain ndarrays; kerasette's tape for gradients).",
    "__module__": __name__,
    "name": "numpy",
    "inplace": NumpyInPlace(),  # the optimizers' in-place fast path (not in the contract)
    **_namespace(),
})


def make_backend():
    """The NumPy engine adapter."""
    return NumpyBackend()
