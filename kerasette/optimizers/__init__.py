"""``kerasette.optimizers``: Keras 3's optimizers, learning-rate schedules, and
``get`` / ``serialize`` / ``deserialize``.

Each optimizer reproduces ``keras.optimizers`` update rules, defaults, state
variable order and config keys.
"""
from __future__ import annotations

import difflib

from . import schedules  # noqa: F401
from .adafactor import Adafactor
from .adagrad import Adadelta, Adagrad
from .adam import Adam, Adamax, AdamW, Nadam
from .base import Optimizer
from .ftrl import Ftrl
from .lamb import Lamb
from .lion import Lion
from .loss_scale import LossScaleOptimizer
from .multi import MultiOptimizer, OptimizerMap
from .muon import Muon
from .rmsprop import RMSprop
from .schedule_free import ScheduleFreeAdamW
from .sgd import SGD

_BUILTINS = {c.__name__.lower(): c for c in (SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta,
                                             Adamax, Nadam, Lion, Ftrl, Lamb, Adafactor, Muon,
                                             ScheduleFreeAdamW, LossScaleOptimizer, MultiOptimizer)}

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax",
           "Nadam", "Lion", "Ftrl", "Lamb", "Adafactor", "Muon", "ScheduleFreeAdamW", "LossScaleOptimizer", "MultiOptimizer", "OptimizerMap", "schedules", "get", "serialize",
           "deserialize"]


def serialize(optimizer):
    """The optimizer as a Keras-3-style dict: ``{'module', 'class_name', 'config', 'registered_name'}``.

    Example:
        >>> serialize(Adam())["class_name"]
        'Adam'
    """
    cls = type(optimizer)
    builtin = _BUILTINS.get(cls.__name__.lower()) is cls
    return {"module": "keras.optimizers" if builtin else cls.__module__,
            "class_name": cls.__name__,
            "config": optimizer.get_config(),
            "registered_name": None if builtin else cls.__name__}


def _lookup(name, custom_objects=None):
    custom = custom_objects or {}
    if name in custom:
        return custom[name]
    cls = _BUILTINS.get(str(name).lower())
    if cls is None:
        known = sorted(c.__name__ for c in _BUILTINS.values())
        close = difflib.get_close_matches(str(name).lower(), list(_BUILTINS), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(_BUILTINS[c].__name__) for c in close)}?" if close else ""
        raise ValueError(f"Unknown optimizer {name!r}.{hint} Known optimizers: "
                         f"{', '.join(known)} (pass others in `custom_objects`).")
    return cls


def deserialize(config, custom_objects=None):
    """An optimizer from ``serialize``'s dict (class names are case-insensitive
    for the built-ins; Keras 2's ``{'class_name', 'config'}`` works too)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot deserialize an optimizer from {config!r}; expected a dict "
                         "with 'class_name' and 'config'.")
    name = config["class_name"]
    if custom_objects and config.get("registered_name") in custom_objects:
        name = config["registered_name"]
    cls = _lookup(name, custom_objects)
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


def get(identifier):
    """An optimizer from a name (``'adam'``, ``'RMSProp'``), a config dict or an instance.

    Args:
        identifier: a string (case-insensitive Keras name), a dict from
            ``serialize``, an ``Optimizer`` instance (returned as is), an
            ``Optimizer`` subclass (instantiated with defaults), or None.

    Returns:
        An ``Optimizer`` (None for None).

    Example:
        >>> get("rmsprop").get_config()["rho"]
        0.9
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return _lookup(identifier)()
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
