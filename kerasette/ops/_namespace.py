"""Lazy re-export of ``kerasette.ops`` names for the Keras namespaces (``ops.nn``...)."""
from __future__ import annotations

import importlib


def namespace_getattr(module_name, names):
    """``(__getattr__, __dir__)`` for a namespace module exposing ``names`` of ``kerasette.ops``."""
    allowed = frozenset(names)

    def __getattr__(name):
        if name in allowed:
            ops = importlib.import_module("kerasette.ops")
            try:
                return getattr(ops, name)
            except AttributeError:
                pass
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    def __dir__():
        return sorted(allowed)

    return __getattr__, __dir__
