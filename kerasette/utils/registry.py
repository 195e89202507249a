"""Name tables behind ``get``/``serialize``/``deserialize`` of the small object families.

Initializers, regularizers and constraints (and anything else shaped like them)
keep a dict ``name -> class``; these helpers turn an identifier into an object
and back, with Keras 3's config format so configs move between kerasette and
Keras unchanged.
"""
from __future__ import annotations

import difflib
import inspect
import re


def snake_case(name):
    """``'GlorotUniform'`` -> ``'glorot_uniform'`` (Keras's rule)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def name_table(classes, aliases=None):
    """``{ClassName: cls, snake_name: cls, **aliases}`` for ``classes``."""
    table = {}
    for cls in classes:
        table[cls.__name__] = cls
        table[snake_case(cls.__name__)] = cls
    table.update(aliases or {})
    return table


def lookup(name, table, kind, custom_objects=None):
    """The entry of ``table`` (or ``custom_objects``) called ``name``.

    Raises ``ValueError`` listing the closest known names when there is none.
    """
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in table:
        return table[name]
    known = sorted(set(table) | set(custom_objects or ()))
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    if close:
        hint = f"Did you mean {', '.join(repr(c) for c in close)}?"
    else:
        hint = f"Known names: {', '.join(known)}."
    raise ValueError(f"Unknown {kind} {name!r}. {hint}")


def serialize(obj, module):
    """Keras 3's config dict for ``obj`` (``None`` and strings pass through)."""
    if obj is None or isinstance(obj, str):
        return obj
    if not hasattr(obj, "get_config"):
        raise ValueError(f"Cannot serialize {obj!r}: it has no get_config().")
    cls = type(obj)
    builtin = cls.__module__.startswith("kerasette.")
    return {"module": module if builtin else cls.__module__,
            "class_name": cls.__name__,
            "config": obj.get_config(),
            "registered_name": None if builtin else cls.__name__}


def deserialize(config, table, kind, custom_objects=None):
    """An object from a config dict (``{'class_name', 'config', ...}``) or a name."""
    if config is None:
        return None
    if isinstance(config, str):
        obj = lookup(config, table, kind, custom_objects)
        return obj() if inspect.isclass(obj) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot interpret {kind} config {config!r}: expected a dict "
                         f"with 'class_name' and 'config'.")
    name = config["class_name"]
    registered = config.get("registered_name")
    if registered and (registered in table or registered in (custom_objects or {})):
        name = registered
    cls = lookup(name, table, kind, custom_objects)
    inner = config.get("config") or {}
    if not inspect.isclass(cls):
        return cls(**inner) if inner else cls
    return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)
