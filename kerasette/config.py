"""Global settings: the engine, floatx, epsilon, image_data_format.

The engine is resolved once, lazily, in ``_resolve_backend_name``:
``set_backend()`` > ``KERASETTE_BACKEND`` > ``KERAS_BACKEND`` (when it names one
of ours) > ``$KERASETTE_HOME/kerasette.json`` (default ``~/.kerasette``) >
``'numpy'``. Importing kerasette imports no engine and writes no file.
"""
from __future__ import annotations

import json
import os
import warnings

BACKENDS = ("numpy", "torch", "jax")
_ENGINE_PACKAGES = {"numpy": "numpy", "torch": "torch", "jax": "jax jaxlib"}

_settings = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}
_file_loaded = False
_active = None  # the adapter instance in use, set on first need


def config_path():
    """Path of the JSON config file (read, never written, by kerasette)."""
    home = os.environ.get("KERASETTE_HOME") or os.path.join(os.path.expanduser("~"), ".kerasette")
    return os.path.join(home, "kerasette.json")


def _read_config_file():
    path = config_path()
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"Cannot read kerasette config file {path}: {e}") from e
    if not isinstance(data, dict):
        raise ValueError(f"kerasette config file {path} must hold a JSON object.")
    return data


def _load_file_settings():
    global _file_loaded
    if _file_loaded:
        return
    _file_loaded = True
    data = _read_config_file()
    if "floatx" in data:
        set_floatx(data["floatx"])
    if "epsilon" in data:
        set_epsilon(data["epsilon"])
    if "image_data_format" in data:
        set_image_data_format(data["image_data_format"])


def _check_name(name, source):
    name = str(name).lower()
    if name not in BACKENDS:
        raise ValueError(f"Unknown kerasette backend {name!r} (from {source}); "
                         f"choose one of {', '.join(BACKENDS)}.")
    return name


def _resolve_backend_name():
    env = os.environ.get("KERASETTE_BACKEND")
    if env:
        return _check_name(env, "KERASETTE_BACKEND")
    keras_env = os.environ.get("KERAS_BACKEND")
    if keras_env:
        if keras_env.lower() in BACKENDS:
            return keras_env.lower()
        warnings.warn(f"KERAS_BACKEND={keras_env!r} names an engine kerasette does not run; "
                      f"ignoring it. Choose with KERASETTE_BACKEND (one of {', '.join(BACKENDS)}).",
                      stacklevel=3)
    data = _read_config_file()
    if "backend" in data:
        return _check_name(data["backend"], config_path())
    return "numpy"


def set_backend(name):
    """Switch the active engine in-process ('numpy', 'torch' or 'jax').

    Models built on one engine cannot be used under another; move weights with
    ``get_weights``/``set_weights`` or a saved file.
    """
    global _active
    from . import backends
    _active = backends.get(_check_name(name, "set_backend()"))
    return _active


def active():
    """The active engine adapter, resolving the choice on first call."""
    global _active
    if _active is None:
        _load_file_settings()
        from . import backends
        _active = backends.get(_resolve_backend_name())
    return _active


def backend():
    """Name of the active engine."""
    return active().name


def floatx():
    """Default float dtype name ('float32')."""
    _load_file_settings()
    return _settings["floatx"]


def set_floatx(value):
    """Set the default float dtype ('float16', 'bfloat16', 'float32' or 'float64')."""
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(f"Unknown floatx {value!r}; expected float16, bfloat16, float32 or float64.")
    _settings["floatx"] = value


_policy = [None]  # the global DTypePolicy set by set_dtype_policy (None: floatx)


def dtype_policy():
    """The global ``DTypePolicy``: what layers created without ``dtype=`` use
    (``DTypePolicy(floatx())`` until ``set_dtype_policy`` is called)."""
    from .dtype_policies import DTypePolicy
    return _policy[0] if _policy[0] is not None else DTypePolicy(floatx())


def set_dtype_policy(policy):
    """Set the global dtype policy (Keras 3's ``keras.config.set_dtype_policy``).

    Args:
        policy: a policy name (``"mixed_float16"``, ``"mixed_bfloat16"``,
            ``"float32"``...) or a ``DTypePolicy``.

    Example:
        >>> set_dtype_policy("mixed_bfloat16")
        >>> dtype_policy().compute_dtype
        'bfloat16'
    """
    from .dtype_policies import DTypePolicy
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    elif not isinstance(policy, DTypePolicy):
        raise ValueError("Invalid `policy` argument. Expected the string name of a policy (such "
                         "as 'mixed_float16') or a `DTypePolicy` instance. Received: "
                         f"policy={policy!r} (of type {type(policy)})")
    _policy[0] = policy


def epsilon():
    """The fuzz factor used in numeric expressions (1e-7)."""
    _load_file_settings()
    return _settings["epsilon"]


def set_epsilon(value):
    """Set the fuzz factor."""
    _settings["epsilon"] = float(value)


def image_data_format():
    """'channels_last' or 'channels_first'."""
    _load_file_settings()
    return _settings["image_data_format"]


def set_image_data_format(value):
    """Set the default image data format."""
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown image_data_format {value!r}; expected 'channels_last' or 'channels_first'.")
    _settings["image_data_format"] = value


def engine_package(name):
    """The pip package(s) that provide an engine."""
    return _ENGINE_PACKAGES[name]


# ------------------------------------------------- Keras 3's other switches
_switches = {"unsafe_deserialization": False, "interactive_logging": True, "traceback_filtering": True,
             "flash_attention": None, "max_epochs": None, "max_steps_per_epoch": None}


def enable_unsafe_deserialization():
    """Allow loading code stored in files (``Lambda`` layers' bytecode) everywhere,
    as ``safe_mode=False`` does for one ``load_model`` call. Only for files you trust."""
    _switches["unsafe_deserialization"] = True


def is_unsafe_deserialization_enabled():
    """Whether ``enable_unsafe_deserialization()`` was called."""
    return _switches["unsafe_deserialization"]


def enable_interactive_logging():
    """Progress bars and ``summary()`` write to stdout (the default)."""
    _switches["interactive_logging"] = True


def disable_interactive_logging():
    """Progress bars and ``summary()`` go to the ``logging`` logger ``"kerasette"`` instead of stdout."""
    _switches["interactive_logging"] = False


def is_interactive_logging_enabled():
    """Whether progress output goes to stdout (True) or to the ``"kerasette"`` logger."""
    return _switches["interactive_logging"]


def enable_traceback_filtering():
    """Accepted for Keras compatibility: kerasette's tracebacks are never filtered."""
    _switches["traceback_filtering"] = True


def disable_traceback_filtering():
    """Accepted for Keras compatibility: kerasette's tracebacks are never filtered."""
    _switches["traceback_filtering"] = False


def is_traceback_filtering_enabled():
    """The value last set by ``enable``/``disable_traceback_filtering`` (default True)."""
    return _switches["traceback_filtering"]


def enable_flash_attention():
    """Let ``ops.dot_product_attention`` use the engine's fused kernel where it has one."""
    _switches["flash_attention"] = True


def disable_flash_attention():
    """Make ``ops.dot_product_attention`` use the plain formula."""
    _switches["flash_attention"] = False


def is_flash_attention_enabled():
    """True, False, or None (the default: each op decides from its ``flash_attention`` argument)."""
    return _switches["flash_attention"]


def is_nnx_enabled():
    """Always False: kerasette has no Flax NNX integration."""
    return False


def _positive_or_none(value, name):
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise ValueError(f"`{name}` must be a positive int or None, got {value!r}.")
    return value


def set_max_epochs(max_epochs):
    """Cap the number of epochs every ``fit`` runs (None: no cap), e.g. for smoke tests."""
    _switches["max_epochs"] = _positive_or_none(max_epochs, "max_epochs")


def max_epochs():
    """The epoch cap set by ``set_max_epochs`` (None: none)."""
    return _switches["max_epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Cap the number of steps in every epoch of ``fit``/``evaluate`` (None: no cap)."""
    _switches["max_steps_per_epoch"] = _positive_or_none(max_steps_per_epoch, "max_steps_per_epoch")


def max_steps_per_epoch():
    """The step cap set by ``set_max_steps_per_epoch`` (None: none)."""
    return _switches["max_steps_per_epoch"]
