"""``kerasette.dtype_policies``: Keras 3's ``DTypePolicy`` (mixed precision).

A policy names two dtypes: ``variable_dtype`` (the layer's weights) and
``compute_dtype`` (its inputs and computations). ``"mixed_float16"`` and
``"mixed_bfloat16"`` keep float32 weights and compute in the low precision;
any other dtype name uses that dtype for both. The global policy
(``config.set_dtype_policy``) is what layers created without ``dtype=`` take.

Quantized policies (int8/int4/float8/GPTQ/AWQ) are not offered.
"""
from __future__ import annotations

from .backends.base import standardize_dtype

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_KERAS_MODULE = "keras"


class DTypePolicy:
    """The dtypes a layer uses: ``variable_dtype`` for its weights, ``compute_dtype``
    for its computations.

    Args:
        name: ``"mixed_float16"``, ``"mixed_bfloat16"``, or a dtype name
            (``"float32"``, ``"bfloat16"``...); None: floatx.

    Example:
        >>> p = DTypePolicy("mixed_float16")
        >>> p.compute_dtype, p.variable_dtype
        ('float16', 'float32')
    """

    def __init__(self, name=None):
        from . import config
        if name is None:
            name = config.floatx()
        if not isinstance(name, str):
            raise TypeError("'name' must be a string, such as 'mixed_float16'. "
                            f"Received: name={name!r} (of type {type(name)})")
        self._name = name
        self._compute_dtype, self._variable_dtype = _parse_name(name)
        self._quantization_mode = None

    @property
    def name(self):
        """The policy's name (``"mixed_float16"``...)."""
        return self._name

    @property
    def compute_dtype(self):
        """The dtype of the layer's inputs and computations."""
        return self._compute_dtype

    @property
    def variable_dtype(self):
        """The dtype of the layer's weights."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        """None (quantized policies are not offered)."""
        return self._quantization_mode

    def convert_input(self, x, autocast, dtype):
        """``x`` cast to ``dtype`` when ``autocast`` and it is a float array of another
        dtype (integer and bool inputs are left as they are)."""
        from . import ops
        dtype = standardize_dtype(dtype)
        if not ops.is_array(x) and hasattr(x, "__array__"):
            x = ops.convert_to_tensor(x)
        if ops.is_array(x) and self._should_cast(x, autocast, dtype):
            x = ops.cast(x, dtype)
        return x

    @staticmethod
    def _should_cast(x, autocast, dtype):
        from . import ops
        x_dtype = ops.dtype(x)
        return bool(autocast) and _is_float(x_dtype) and x_dtype != dtype

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return type(other) is type(self) and other.name == self.name

    def __hash__(self):
        return hash((type(self).__name__, self.name))

    def __repr__(self):
        return f'<{type(self).__name__} "{self.name}">'


class FloatDTypePolicy(DTypePolicy):
    """Keras's alias kept for older code: a float (or mixed) ``DTypePolicy``."""


def _is_float(dtype):
    return dtype.startswith(("float", "bfloat"))


def _parse_name(name):
    if name in _MIXED:
        return _MIXED[name], "float32"
    if name.startswith("mixed_"):
        raise ValueError(_bad_name(name))
    try:
        dtype = standardize_dtype(name)
    except (TypeError, ValueError):
        raise ValueError(_bad_name(name)) from None
    return dtype, dtype


def _bad_name(name):
    return (f"Cannot convert {name!r} to a mixed precision DTypePolicy. Valid policies include "
            "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as 'float32'.")


_CLASSES = {"DTypePolicy": DTypePolicy, "FloatDTypePolicy": FloatDTypePolicy}


def serialize(dtype_policy):
    """The policy as Keras 3 saves it: ``{'module': 'keras', 'class_name': 'DTypePolicy',
    'config': {'name': ...}, 'registered_name': None}``."""
    return {"module": _KERAS_MODULE, "class_name": type(dtype_policy).__name__,
            "config": dtype_policy.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """A policy from ``serialize``'s dict (Keras 3's files too)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot deserialize a DTypePolicy from {config!r}; expected a dict with "
                         "'class_name' and 'config'.")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown DTypePolicy class {name!r}; kerasette offers "
                         f"{sorted(_CLASSES)} (quantized policies are not offered).")
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier):
    """A policy from a name, a ``serialize`` dict or a policy; None: the global policy.

    Example:
        >>> get("mixed_bfloat16").compute_dtype
        'bfloat16'
    """
    if identifier is None:
        from . import config
        return config.dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    try:  # a dtype object: np.dtype("float16"), np.float32, an engine's dtype...
        return DTypePolicy(standardize_dtype(identifier))
    except (TypeError, ValueError):
        pass
    raise ValueError(f"Cannot interpret `dtype` argument. Expected a string or an instance of "
                     f"DTypePolicy. Received: dtype={identifier!r}")


__all__ = ["DTypePolicy", "FloatDTypePolicy", "get", "serialize", "deserialize"]
