"""Objects to and from Keras 3's config dicts, and the registry of custom classes.

``serialize_keras_object(obj)`` gives ``{"module", "class_name", "config",
"registered_name", ["build_config"]}`` as Keras 3 writes it, so configs move
between kerasette and Keras unchanged. ``deserialize_keras_object`` finds the
class among kerasette's built-ins, ``custom_objects``, or classes registered
with ``@register_keras_serializable(package)``.
"""
from __future__ import annotations

import contextlib
import inspect
import threading

_registered = {}  # "package>Name" -> class
_scope = threading.local()


def register_keras_serializable(package="Custom", name=None):
    """Class decorator: make a custom layer/loss/metric loadable by name.

    Example:
        >>> @register_keras_serializable(package="my_pkg")
        ... class Scale(layers.Layer): ...
    """
    def decorator(cls):
        key = f"{package}>{name or cls.__name__}"
        if key in _registered and _registered[key] is not cls:
            raise ValueError(f"{key} is already registered to {_registered[key]}.")
        _registered[key] = cls
        cls._registered_name = key
        return cls
    return decorator


def get_registered_name(cls):
    """``'package>Name'`` for a registered class, else its class name."""
    return getattr(cls, "_registered_name", None) or cls.__name__


@contextlib.contextmanager
def custom_object_scope(objects):
    """Make ``objects`` (name -> class/function) visible to deserialization inside the block."""
    stack = getattr(_scope, "stack", [])
    _scope.stack = stack + [dict(objects or {})]
    try:
        yield
    finally:
        _scope.stack = stack


CustomObjectScope = custom_object_scope


def _builtin_tables():
    from .. import layers, losses, metrics, optimizers
    from ..models import Model, Sequential
    table = {}
    for module in (layers,):
        for name, obj in vars(module).items():
            if inspect.isclass(obj):
                table[name] = obj
    from ..layers.op_layer import SymbolicOp
    table.update({"Functional": Model, "Model": Model, "Sequential": Sequential, "SymbolicOp": SymbolicOp})
    return table, {"losses": losses, "metrics": metrics, "optimizers": optimizers}


def serialize_keras_object(obj):
    """Keras 3's config dict for a layer or model (None passes through)."""
    if obj is None:
        return None
    from ..models import Model, Sequential
    cls = type(obj)
    builtin = cls.__module__.startswith("kerasette.")
    if isinstance(obj, Sequential) and builtin:
        module, class_name, registered = "keras", "Sequential", None
    elif isinstance(obj, Model) and builtin:
        module, class_name, registered = "keras.src.models.functional", "Functional", "Functional"
    elif builtin:
        module, class_name, registered = "keras.layers", cls.__name__, None
    else:
        module, class_name, registered = cls.__module__, cls.__name__, get_registered_name(cls)
    out = {"module": module, "class_name": class_name, "config": obj.get_config(),
           "registered_name": registered}
    build = obj.get_build_config() if hasattr(obj, "get_build_config") else None
    if build:
        out["build_config"] = _jsonable(_keras_build_config(build))
    return out


def _keras_build_config(build):
    # Keras 3 nests the shapes of a multi-argument build (``query_shape``,
    # ``value_shape``, ...) under "shapes_dict"; only "input_shape" stays flat.
    if isinstance(build, dict) and build and "input_shape" not in build and \
            "shapes_dict" not in build and all(str(k).endswith("_shape") for k in build):
        return {"shapes_dict": dict(build)}
    return build


def _jsonable(x):
    if isinstance(x, tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, list):
        return [_jsonable(v) for v in x]
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    return x


def find_class(config, custom_objects=None):
    """The class a serialized config names; a clear error says how to register a custom one."""
    name = config.get("class_name")
    registered = config.get("registered_name")
    scopes = [custom_objects or {}] + list(reversed(getattr(_scope, "stack", [])))
    for scope in scopes:
        for key in (registered, name):
            if key and key in scope:
                return scope[key]
    if registered and registered in _registered:
        return _registered[registered]
    table, _ = _builtin_tables()
    if name in table and (registered in (None, name, "Functional") or
                          str(config.get("module", "")).startswith(("keras", "kerasette"))):
        return table[name]
    raise ValueError(
        f"Could not locate class {name!r} (registered name {registered!r}). If it is a custom "
        f"class, pass it with `custom_objects={{'{name}': {name}}}` or decorate it with "
        f"`@kerasette.saving.register_keras_serializable()`.")


def deserialize_keras_object(config, custom_objects=None):
    """A layer or model from ``serialize_keras_object``'s output (or Keras 3's)."""
    if config is None:
        return None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot deserialize {config!r}: expected a dict with 'class_name' and 'config'.")
    cls = find_class(config, custom_objects)
    inner = _drop_unused_keras_keys(cls, dict(config.get("config") or {}))
    if hasattr(cls, "from_config"):
        params = inspect.signature(cls.from_config).parameters
        obj = cls.from_config(inner, custom_objects=custom_objects) if "custom_objects" in params \
            else _from_config_in_scope(cls, inner, custom_objects)
    else:
        obj = cls(**inner)
    build = config.get("build_config")
    if isinstance(build, dict) and isinstance(build.get("shapes_dict"), dict) and \
            type(obj).__module__.startswith("kerasette."):
        build = dict(build["shapes_dict"])
    if build and hasattr(obj, "build_from_config") and not getattr(obj, "built", False):
        obj.build_from_config(build)
    return obj


# Keys Keras 3 writes into layer configs for features kerasette does not have.
# They are dropped while they hold the value meaning "unused"; any other value
# reaches the constructor, which rejects it by name.
_KERAS_ONLY_KEYS = {"optional": False, "ragged": False, "quantization_config": None,
                    "lora_rank": None, "lora_alpha": None}


def _drop_unused_keras_keys(cls, inner):
    if not getattr(cls, "__module__", "").startswith("kerasette."):
        return inner
    params = inspect.signature(cls.__init__).parameters
    for key, unused in _KERAS_ONLY_KEYS.items():
        if key in inner and key not in params and inner[key] == unused:
            del inner[key]
    return inner


def _from_config_in_scope(cls, inner, custom_objects):
    with custom_object_scope(custom_objects or {}):
        return cls.from_config(inner)
