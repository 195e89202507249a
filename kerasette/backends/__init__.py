"""Engine adapters. ``get(name)`` returns one (the active one by default).

Each adapter lives in its own subpackage and imports its engine lazily, when
``get`` first asks for it; adapters are singletons.
"""
from __future__ import annotations

import importlib

from .base import Backend, standardize_dtype  # noqa: F401

_instances = {}
_MODULES = {"numpy": ".numpy", "torch": ".torch", "jax": ".jax"}


def get(name=None) -> Backend:
    """The adapter for engine ``name`` ('numpy', 'torch', 'jax'); None: the active one."""
    from .. import config
    if name is None:
        return config.active()
    if name not in _MODULES:
        raise ValueError(f"Unknown kerasette backend {name!r}; choose one of {', '.join(_MODULES)}.")
    if name not in _instances:
        try:
            module = importlib.import_module(_MODULES[name], __name__)
        except ModuleNotFoundError as e:
            if e.name and e.name.split(".")[0] in ("torch", "jax", "jaxlib", "numpy"):
                raise ImportError(f"The kerasette backend {name!r} needs the engine package: "
                                  f"pip install {config.engine_package(name)}") from e
            raise
        _instances[name] = module.make_backend()
    return _instances[name]


def available():
    """Names of the engines that can be imported here."""
    names = []
    for name in _MODULES:
        try:
            get(name)
        except ImportError:
            continue
        names.append(name)
    return names
