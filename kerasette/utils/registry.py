"""Name tables behind ``get``/``serialize``/``deserialize`` of the small object families.

Initializers, regularizers and constraints (and anything else shaped like them)
keep a dict ``name -> class``; these helpers turn an identifier into an object
and back, with Keras 3's config format so configs move between kerasette and
Keras unchanged. Losses and metrics, families of functions and classes, share
``get`` and keep the ``{'class_name', 'config'}`` format (``to_class_config``,
``from_class_config``).
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


def get(identifier, kind, expected, deserialize, lookup=None):
    """The object for ``identifier``, as the families' ``get``.

    None stays None; a config dict, or a name when there is no ``lookup``, goes
    through ``deserialize``; a name goes through ``lookup`` when given. A class
    (given or looked up) is instantiated with no arguments; any other callable
    is returned as is.

    Raises ``ValueError`` ("Could not interpret {kind} identifier ...: expected
    {expected}.") for anything else.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict) or (lookup is None and isinstance(identifier, str)):
        return deserialize(identifier)
    obj = lookup(identifier) if isinstance(identifier, str) else identifier
    if inspect.isclass(obj):
        return obj()
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret {kind} identifier {identifier!r}: expected {expected}.")


def to_class_config(obj, base):
    """``{'class_name', 'config'}`` for an instance of ``base``; a function's name;
    anything else as it is."""
    if isinstance(obj, base):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    return getattr(obj, "__name__", obj)


def from_class_config(config, custom_objects, get, lookup_class, classes_only=False):
    """The object ``to_class_config`` described (``custom_objects`` first).

    A name is ``custom_objects[name]`` or ``get(name)``. A dict's ``class_name``
    is looked up in ``custom_objects``, then with ``lookup_class``; a class is
    built with ``from_config``, anything else is returned as is (unless
    ``classes_only``: then ``from_config`` is called on whatever was found).
    """
    if isinstance(config, str):
        if custom_objects and config in custom_objects:
            return custom_objects[config]
        return get(config)
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or lookup_class(name)
    if not classes_only and not inspect.isclass(cls):
        return cls
    return cls.from_config(dict(config.get("config") or {}))
