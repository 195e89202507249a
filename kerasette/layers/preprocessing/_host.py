"""``HostLayer``: a layer whose work runs on the host (NumPy / Python), for
strings and vocabulary lookups, returning engine arrays.

Its inputs may be NumPy string arrays or lists, which never become engine
arrays; a model holding such a layer runs its steps uncompiled (the trainer
checks ``_runs_on_host``).
"""
from __future__ import annotations

import numpy as np

from ..layer import Layer
from ..symbolic import KerasTensor, any_symbolic
from ._utils import to_host


class HostLayer(Layer):
    _runs_on_host = True

    def __call__(self, inputs, *args, **kwargs):
        if any_symbolic(inputs):
            return super().__call__(inputs, *args, **kwargs)
        self._claim_backend()
        x = to_host(inputs)
        if x.dtype == object:
            x = x.astype(str)
        if not self.built:
            self._build_input_shape = tuple(x.shape)
            self.built = True
        kwargs.pop("training", None)
        kwargs.pop("mask", None)
        return self.call(x, *args, **kwargs)

    def build(self, input_shape=None):
        self.built = True

    def compute_output_spec(self, *args, **kwargs):
        return KerasTensor(self.compute_output_shape(tuple(args[0].shape)), self.output_dtype)


def as_str_array(x):
    """Host strings: bytes decoded as UTF-8, everything as NumPy ``str``."""
    x = np.asarray(x)
    if x.dtype.kind == "S":
        return np.char.decode(x, "utf-8")
    if x.dtype.kind == "O":
        return np.vectorize(lambda s: s.decode("utf-8") if isinstance(s, bytes) else str(s),
                            otypes=[str])(x) if x.size else x.astype(str)
    return x.astype(str)
