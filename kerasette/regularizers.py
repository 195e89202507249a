"""Weight regularizers with Keras 3's names, defaults and configs.

A regularizer maps a weight (a ``Variable`` or an engine array) to a scalar
penalty, computed with ``kerasette.ops`` so it is differentiable on every
engine and traceable inside a jitted train step.
"""
from __future__ import annotations

import math

from . import config as _config
from . import ops
from .utils import registry as _registry

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2",
           "orthogonal_regularizer", "get", "serialize", "deserialize"]

_MODULE = "keras.regularizers"


def validate_float_arg(value, name):
    """``value`` as a float; ``ValueError`` unless it is a finite, non-negative number."""
    if (isinstance(value, bool) or not isinstance(value, (float, int))
            or math.isinf(value) or math.isnan(value) or value < 0):
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float; "
                         f"received {name}={value!r}.")
    return float(value)


class Regularizer:
    """Base class: ``reg(x)`` returns a scalar penalty for the weight ``x``.

    Example:
        >>> class L2Half(Regularizer):
        ...     def __call__(self, x):
        ...         return ops.multiply(ops.sum(ops.square(x)), 0.5)
        ...     def get_config(self):
        ...         return {}
    """

    def __call__(self, x):
        return 0.0

    def get_config(self):
        """The constructor arguments, JSON-serializable."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")

    @classmethod
    def from_config(cls, config):
        """An instance from ``get_config()``'s output."""
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x ** 2)``.

    The class defaults are 0 (as Keras 3); the name ``'l1_l2'`` gives 0.01 for both.

    Args:
        l1: L1 factor.
        l2: L2 factor.

    Example:
        >>> reg = L1L2(l1=0.01, l2=0.01)
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, "l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        penalty = None
        if self.l1:
            penalty = ops.multiply(ops.sum(ops.abs(x)), self.l1)
        if self.l2:
            term = ops.multiply(ops.sum(ops.square(x)), self.l2)
            penalty = term if penalty is None else ops.add(penalty, term)
        if penalty is None:
            penalty = ops.zeros((), ops.dtype(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """``l1 * sum(|x|)``.

    Args:
        l1: the factor (default 0.01).

    Example:
        >>> reg = L1(0.001)
    """

    def __init__(self, l1=0.01):
        self.l1 = validate_float_arg(0.01 if l1 is None else l1, "l1")

    def __call__(self, x):
        return ops.multiply(ops.sum(ops.abs(x)), self.l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(x ** 2)``.

    Args:
        l2: the factor (default 0.01).

    Example:
        >>> reg = L2(1e-4)
    """

    def __init__(self, l2=0.01):
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        return ops.multiply(ops.sum(ops.square(x)), self.l2)

    def get_config(self):
        return {"l2": self.l2}


def _l2_normalize(x, axis):
    # Keras's form: x * min(rsqrt(sum(x^2)), 1 / epsilon)
    inv = ops.rsqrt(ops.sum(ops.square(x), axis=axis, keepdims=True))
    return ops.multiply(x, ops.minimum(inv, 1.0 / _config.epsilon()))


class OrthogonalRegularizer(Regularizer):
    """Penalizes non-orthogonal rows (or columns) of a 2-D weight.

    The penalty is ``factor * 0.5 * sum(|G - diag(G)|) / (n * (n - 1) / 2)``
    where ``G`` is the Gram matrix of the L2-normalized rows (``mode='rows'``)
    or columns (``mode='columns'``) and ``n`` their number.

    Args:
        factor: the factor (default 0.01).
        mode: ``'rows'`` or ``'columns'``.

    Example:
        >>> reg = OrthogonalRegularizer(factor=0.1, mode="columns")
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = validate_float_arg(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(f"Invalid `mode` {mode!r}; expected 'rows' or 'columns'.")
        self.mode = mode

    def __call__(self, x):
        shape = ops.shape(x)
        if len(shape) != 2:
            raise ValueError(f"OrthogonalRegularizer needs a rank-2 input; received shape {shape}.")
        if self.mode == "rows":
            x = _l2_normalize(x, 1)
            gram = ops.matmul(x, ops.transpose(x))
            n = shape[0]
        else:
            x = _l2_normalize(x, 0)
            gram = ops.matmul(ops.transpose(x), x)
            n = shape[1]
        off_diag = ops.multiply(gram, ops.subtract(1.0, ops.eye(n, dtype=ops.dtype(x))))
        pairs = n * (n - 1.0) / 2.0
        return ops.divide(ops.multiply(ops.sum(ops.abs(off_diag)), self.factor * 0.5), pairs)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

_TABLE = _registry.name_table((Regularizer, L1, L2, L1L2, OrthogonalRegularizer))


def _l1_l2_default():
    return L1L2(l1=0.01, l2=0.01)


_NAMED_DEFAULTS = {"l1_l2": _l1_l2_default}


def serialize(regularizer):
    """Keras 3's config dict for a regularizer (None stays None)."""
    return _registry.serialize(regularizer, _MODULE)


def deserialize(config, custom_objects=None):
    """A regularizer from ``serialize``'s dict (or Keras 3's) or a name."""
    if isinstance(config, str) and config in _NAMED_DEFAULTS:
        return _NAMED_DEFAULTS[config]()
    return _registry.deserialize(config, _TABLE, "regularizer", custom_objects)


def get(identifier):
    """A regularizer from a name (``'l1'``, ``'l2'``, ``'l1_l2'``, ``'L1'``, …), a
    config dict, an instance, a class or a callable ``x -> scalar``; None stays None.

    Example:
        >>> get("l2").l2
        0.01
    """
    return _registry.get(identifier, "regularizer", "a name, a config dict, a Regularizer or a "
                         "callable", deserialize)
