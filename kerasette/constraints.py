"""Weight constraints with Keras 3's names, defaults and configs.

A constraint maps a weight (a ``Variable`` or an engine array) to its
projection, computed with ``kerasette.ops``; optimizers apply it after each
update. Norms are taken along ``axis`` (default 0: each output unit's incoming
weights of a Dense kernel ``(in, out)``; use ``[0, 1, 2]`` for a Conv2D kernel).
"""
from __future__ import annotations

from . import config as _config
from . import ops
from .utils import registry as _registry

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm",
           "min_max_norm", "non_neg", "unit_norm", "get", "serialize", "deserialize"]

_MODULE = "keras.constraints"


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=_axis(axis), keepdims=True))


class Constraint:
    """Base class: ``constraint(w)`` returns the projected weight (the identity here).

    Example:
        >>> class Clip(Constraint):
        ...     def __call__(self, w):
        ...         return ops.clip(w, -1.0, 1.0)
    """

    def __call__(self, w):
        return w

    def get_config(self):
        """The constructor arguments, JSON-serializable."""
        return {}

    @classmethod
    def from_config(cls, config):
        """An instance from ``get_config()``'s output."""
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescales weights whose norm along ``axis`` exceeds ``max_value``.

    ``w * clip(norm, 0, max_value) / (epsilon + norm)``.

    Args:
        max_value: the largest allowed norm (default 2).
        axis: axis or axes the norm runs over (default 0).

    Example:
        >>> c = MaxNorm(3.0, axis=[0, 1, 2])
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0.0, float(self.max_value))
        return ops.multiply(w, ops.divide(desired, ops.add(norms, _config.epsilon())))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each norm along ``axis`` toward ``[min_value, max_value]`` at ``rate``.

    The new norm is ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm``.

    Args:
        min_value: the smallest allowed norm (default 0).
        max_value: the largest allowed norm (default 1).
        rate: 1.0 enforces the bounds strictly; less moves part way.
        axis: axis or axes the norm runs over (default 0).

    Example:
        >>> c = MinMaxNorm(0.5, 1.0, rate=0.5)
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        clipped = ops.clip(norms, float(self.min_value), float(self.max_value))
        desired = ops.add(ops.multiply(clipped, float(self.rate)),
                          ops.multiply(norms, 1.0 - float(self.rate)))
        return ops.multiply(w, ops.divide(desired, ops.add(norms, _config.epsilon())))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value,
                "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """Replaces negative weights by 0.

    Example:
        >>> c = NonNeg()
    """

    def __call__(self, w):
        return ops.maximum(w, 0.0)


class UnitNorm(Constraint):
    """Scales weights to unit norm along ``axis``: ``w / (epsilon + norm)``.

    Args:
        axis: axis or axes the norm runs over (default 0).

    Example:
        >>> c = UnitNorm(axis=0)
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return ops.divide(w, ops.add(_norms(w, self.axis), _config.epsilon()))

    def get_config(self):
        return {"axis": self.axis}


max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

_TABLE = _registry.name_table((Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm))


def serialize(constraint):
    """Keras 3's config dict for a constraint (None stays None)."""
    return _registry.serialize(constraint, _MODULE)


def deserialize(config, custom_objects=None):
    """A constraint from ``serialize``'s dict (or Keras 3's) or a name."""
    return _registry.deserialize(config, _TABLE, "constraint", custom_objects)


def get(identifier):
    """A constraint from a name (``'max_norm'``, ``'NonNeg'``, …), a config dict,
    an instance, a class or a callable ``w -> w``; None stays None.

    Example:
        >>> get("unit_norm").axis
        0
    """
    return _registry.get(identifier, "constraint", "a name, a config dict, a Constraint or a callable",
                         deserialize)
