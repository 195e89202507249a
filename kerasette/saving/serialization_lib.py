"""Objects to and from Keras 3's config dicts, and the registry of custom classes.

``serialize_keras_object(obj)`` gives ``{"module", "class_name", "config",
"registered_name", ["build_config"]}`` as Keras 3 writes it, so configs move
between kerasette and Keras unchanged. ``deserialize_keras_object`` finds the
class among kerasette's built-ins, ``custom_objects``, or classes registered
with ``@register_keras_serializable(package)``.

Safe mode: Python bytecode stored in a file (a ``Lambda`` layer's function) is
only ever turned back into code when safe mode is off for that load
(``load_model(..., safe_mode=False)``, ``safe_mode_scope(False)``, or
``config.enable_unsafe_deserialization()``); otherwise loading it raises an
error that names the layer and the switch.
"""
from __future__ import annotations

import contextlib
import inspect
import threading

_registered = {}  # "package>Name" -> class: Keras's global custom objects
_scope = threading.local()
_safe = threading.local()


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


def get_custom_objects():
    """The global registry (``"package>Name"`` -> object); entries added to it are found by
    name when loading, as Keras's ``get_custom_objects().update({...})``."""
    return _registered


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered (or in scope, or in ``custom_objects``/``module_objects``) as
    ``name``; None when there is none."""
    for table in [custom_objects or {}] + list(reversed(getattr(_scope, "stack", []))) + [_registered]:
        if name in table:
            return table[name]
    return (module_objects or {}).get(name)


@contextlib.contextmanager
def safe_mode_scope(safe_mode=True):
    """Within the block, loading refuses (``True``) or allows (``False``) stored bytecode."""
    previous = getattr(_safe, "value", None)
    _safe.value = safe_mode
    try:
        yield
    finally:
        _safe.value = previous


SafeModeScope = safe_mode_scope


def in_safe_mode():
    """Whether stored bytecode must be refused now (True unless switched off)."""
    from .. import config
    if config.is_unsafe_deserialization_enabled():
        return False
    value = getattr(_safe, "value", None)
    return True if value is None else bool(value)


def serialize_function(fn):
    """Keras 3's config for a function: a named (registered/module-level) function by
    name, a lambda or local function as marshalled bytecode."""
    import base64
    import marshal
    if fn.__name__ != "<lambda>" and "<locals>" not in fn.__qualname__:
        return {"module": fn.__module__, "class_name": "function", "config": fn.__name__,
                "registered_name": "function"}
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return {"class_name": "__lambda__",
            "config": {"code": base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii"),
                       "defaults": fn.__defaults__, "closure": closure}}


def deserialize_function(spec, owner, custom_objects=None):
    """A function from ``serialize_function``'s output (or Keras 3's); ``owner`` names the
    layer in errors. Bytecode is rebuilt only outside safe mode (see the module docstring)."""
    import base64
    import importlib
    import marshal
    import types
    if callable(spec) or spec is None:
        return spec
    if isinstance(spec, str):
        spec = {"class_name": "function", "config": spec, "module": None}
    kind = spec.get("class_name")
    if kind == "__lambda__":
        if in_safe_mode():
            raise ValueError(
                f"{owner} holds a Python lambda stored as bytecode; loading it would run code from "
                "the file, which safe mode forbids. If you trust this file, load it with "
                "`load_model(..., safe_mode=False)` (or call "
                "`kerasette.config.enable_unsafe_deserialization()`).")
        cfg = spec["config"]
        try:
            code = marshal.loads(base64.b64decode(cfg["code"]))
        except (ValueError, EOFError, TypeError) as e:
            raise ValueError(f"{owner}: its lambda's bytecode cannot be read by this Python ({e}); "
                             "it was probably saved by another Python version.") from e
        closure = cfg.get("closure")
        cells = tuple(types.CellType(v) for v in closure) if closure else None
        defaults = tuple(cfg["defaults"]) if cfg.get("defaults") else None
        return types.FunctionType(code, _lambda_globals(), code.co_name, defaults, cells)
    name = spec.get("config")
    found = get_registered_object(name, custom_objects)
    if found is None and spec.get("registered_name") not in (None, "function"):
        found = get_registered_object(spec["registered_name"], custom_objects)
    if found is None and not in_safe_mode() and spec.get("module"):
        found = getattr(importlib.import_module(spec["module"]), name, None)
    if found is None:
        raise ValueError(f"{owner}: cannot find the function {name!r} (module {spec.get('module')!r}). "
                         f"Pass it with `custom_objects={{'{name}': {name}}}` or register it with "
                         "`@kerasette.saving.register_keras_serializable()`.")
    return found


def _lambda_globals():
    """Globals for rebuilt lambdas: Keras files refer to ``keras``/``ops``, served by kerasette."""
    import math

    import numpy

    import kerasette
    return {"__builtins__": __builtins__, "keras": kerasette, "kerasette": kerasette,
            "ops": kerasette.ops, "np": numpy, "numpy": numpy, "math": math}


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


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """A layer or model from ``serialize_keras_object``'s output (or Keras 3's).

    ``safe_mode=False`` allows rebuilding lambdas stored as bytecode (only for trusted
    files); an enclosing ``safe_mode_scope`` (as ``load_model`` sets) takes precedence.
    """
    if config is None:
        return None
    scoped = getattr(_safe, "value", None)
    with safe_mode_scope(scoped if scoped is not None else safe_mode):
        return _deserialize(config, custom_objects)


def _deserialize(config, custom_objects):
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
