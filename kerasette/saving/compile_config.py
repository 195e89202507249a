"""A model's ``compile()`` arguments to and from Keras 3's ``compile_config`` dict.

Strings stay strings; ``Loss``/``Metric``/``Optimizer`` objects become
``{"module", "class_name", "config", "registered_name"}``; functions become
``{"module": "builtins", "class_name": "function", "config": name, ...}`` as
Keras writes them. Lists and dicts (per-output settings) keep their shape.
"""
from __future__ import annotations

import inspect

from .serialization_lib import _registered, _scope, get_registered_name


def get_compile_config(model):
    """The ``compile_config`` of a compiled model (None when it is not compiled)."""
    if not getattr(model, "compiled", False):
        return None
    from .. import optimizers
    loss, loss_weights, metrics, weighted_metrics = model._compile_args
    opt = optimizers.serialize(model.optimizer)
    if opt.get("registered_name") is not None:
        opt["registered_name"] = get_registered_name(type(model.optimizer))
    return {"optimizer": opt,
            "loss": _serialize(loss, "losses"),
            "loss_weights": _plain(loss_weights),
            "metrics": _serialize(metrics, "metrics"),
            "weighted_metrics": _serialize(weighted_metrics, "metrics"),
            "run_eagerly": bool(getattr(model, "run_eagerly", False)),
            "steps_per_execution": int(getattr(model, "steps_per_execution", 1) or 1),
            "jit_compile": getattr(model, "jit_compile", "auto")}


def compile_from_config(model, config, custom_objects=None):
    """Call ``model.compile`` with the arguments in ``config``; build the optimizer.

    Raises:
        ValueError: a loss, metric or optimizer cannot be found (the message
            says how to make a custom one loadable).
    """
    from .. import optimizers
    if not config:
        return
    opt = config.get("optimizer", "rmsprop")
    if isinstance(opt, dict):
        opt = optimizers.deserialize(opt, custom_objects=_custom_table(custom_objects))
    jit = config.get("jit_compile", "auto")
    kwargs = {
        "optimizer": opt,
        "loss": _deserialize(config.get("loss"), "losses", custom_objects),
        "loss_weights": config.get("loss_weights"),
        "metrics": _deserialize(config.get("metrics"), "metrics", custom_objects),
        "weighted_metrics": _deserialize(config.get("weighted_metrics"), "metrics", custom_objects),
        "run_eagerly": bool(config.get("run_eagerly", False)),
        # Keras writes its resolved choice (True on JAX); on PyTorch True would
        # mean torch.compile, so a saved True means "compile where it is the default".
        "jit_compile": "auto" if jit is True else jit,
    }
    model.compile(**kwargs)
    if model.built and model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


# ----------------------------------------------------------------- helpers
def _plain(x):
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    return x


def _serialize(obj, family):
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [_serialize(v, family) for v in obj]
    if isinstance(obj, dict):
        return {k: _serialize(v, family) for k, v in obj.items()}
    if inspect.isclass(obj):
        obj = obj()
    builtin = type(obj).__module__.startswith("kerasette.") if not inspect.isfunction(obj) \
        else obj.__module__.startswith("kerasette.")
    if inspect.isfunction(obj):
        if builtin:
            return {"module": "builtins", "class_name": "function", "config": obj.__name__,
                    "registered_name": "function"}
        return {"module": obj.__module__, "class_name": "function", "config": obj.__name__,
                "registered_name": get_registered_name(obj)}
    if hasattr(obj, "get_config"):
        cls = type(obj)
        return {"module": f"keras.{family}" if builtin else cls.__module__,
                "class_name": cls.__name__, "config": obj.get_config(),
                "registered_name": None if builtin else get_registered_name(cls)}
    raise ValueError(f"Cannot save the compile argument {obj!r}: expected a name, a function, or "
                     f"a Loss/Metric object with get_config().")


def _custom_table(custom_objects):
    table = {}
    for scope in getattr(_scope, "stack", []):
        table.update(scope)
    table.update(custom_objects or {})
    return table


def _find_custom(config, custom_objects):
    names = [config.get("registered_name"), config.get("class_name")]
    if config.get("class_name") == "function":
        names = [config.get("registered_name"), config.get("config")]
    table = _custom_table(custom_objects)
    for name in names:
        if isinstance(name, str) and name in table:
            return table[name]
    for name in names:
        if isinstance(name, str) and name in _registered:
            return _registered[name]
    return None


def _deserialize(x, family, custom_objects):
    from .. import losses, metrics
    module = losses if family == "losses" else metrics
    if x is None or isinstance(x, (bool, int, float)):
        return x
    if isinstance(x, str):
        return _custom_table(custom_objects).get(x, x)
    if isinstance(x, list):
        return [_deserialize(v, family, custom_objects) for v in x]
    if not isinstance(x, dict):
        return x
    if "class_name" not in x:  # per-output dict
        return {k: _deserialize(v, family, custom_objects) for k, v in x.items()}
    custom = _find_custom(x, custom_objects)
    kind = "loss" if family == "losses" else "metric"
    if x["class_name"] == "function":
        if custom is not None:
            return custom
        name = x.get("config")
        fn = getattr(module, str(name), None)
        if callable(fn) and not inspect.isclass(fn):
            return fn
        if not str(x.get("module", "")).startswith(("builtins", "keras")):
            raise ValueError(_custom_message(kind, name))
        return name  # a Keras name compile() resolves (or reports) itself
    if custom is not None:
        return custom.from_config(dict(x.get("config") or {})) if inspect.isclass(custom) else custom
    if not str(x.get("module", "keras")).startswith(("keras", "kerasette")):
        raise ValueError(_custom_message(kind, x["class_name"]))
    return module.deserialize(x, custom_objects=custom_objects)


def _custom_message(kind, name):
    return (f"Could not locate the {kind} {name!r} used in compile(). Pass it with "
            f"`custom_objects={{'{name}': {name}}}`, decorate it with "
            f"`@kerasette.saving.register_keras_serializable()`, or load with `compile=False`.")
