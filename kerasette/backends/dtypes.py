"""Keras 3's dtype promotion, engine-free: ``result_type(*dtypes)``.

Keras does not follow NumPy's promotion table but a JAX-like lattice: a
directed graph from ``bool`` up to ``complex128`` in which the result of
combining two dtypes is their least upper bound. Python scalars (the types
``int``, ``float``, ``complex`` given as dtypes) are *weak*: they join the
lattice below every array dtype of their kind, so ``int8`` with a Python ``int``
stays ``int8`` and ``float16`` with a Python ``float`` stays ``float16``; alone,
a weak int becomes ``int32`` and a weak float ``floatx``. (Python ``bool`` is
plain ``bool``.) Notable joins: ``uint8 + int8 -> int16``, ``int64 + uint64 ->
float``, ``bfloat16 + float16 -> float32``, any integer with ``float16`` ->
``float16``.

As Keras's own ``keras.backend.result_type`` (on every Keras backend but
TensorFlow), a 64-bit answer is narrowed to 32 bits at the end (``int64 ->
int32``, ``uint64 -> uint32``, ``float64 -> float32``, ``complex128 ->
complex64``), aligned with JAX's default. ``None`` stands for ``floatx``.

This module imports no engine.
"""
from __future__ import annotations

from .. import config

# Keras's dtype names; the lattice knows these (plus the weak Python kinds)
NAMES = ("bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
         "bfloat16", "float16", "float32", "float64", "complex64", "complex128")

_WEAK = {int: "weak_int", float: "weak_float", complex: "weak_complex", bool: "bool"}

# each node -> the nodes directly above it
_UP = {
    "bool": ("weak_int",),
    "weak_int": ("uint8", "int8"),
    "uint8": ("int16", "uint16"),
    "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"),
    "uint64": ("weak_float",),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("weak_float",),
    "weak_float": ("bfloat16", "float16", "weak_complex"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64", "complex64"),
    "float64": ("complex128",),
    "weak_complex": ("complex64",),
    "complex64": ("complex128",),
    "complex128": (),
}


def _above(node):
    """Every node reachable upward from ``node``, itself included."""
    seen, todo = {node}, [node]
    while todo:
        for n in _UP[todo.pop()]:
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


_ABOVE = {n: frozenset(_above(n)) for n in _UP}


def _join(a, b):
    common = _ABOVE[a] & _ABOVE[b]
    # the least upper bound: the common node every other common node is above
    for n in common:
        if common <= _ABOVE[n]:
            return n
    raise AssertionError(f"no least upper bound for {a} and {b}")  # the lattice guarantees one


def _node(dtype):
    if dtype in _WEAK:
        return _WEAK[dtype]
    if isinstance(dtype, type) and issubclass(dtype, (bool, int, float, complex)):
        return _WEAK[bool if issubclass(dtype, bool) else int if issubclass(dtype, int)
                     else float if issubclass(dtype, float) else complex]
    name = dtype if isinstance(dtype, str) else (getattr(dtype, "name", None) or str(dtype))
    name = name.replace("torch.", "")
    name = {"float": "float32", "double": "float64", "half": "float16", "int": "int64",
            "long": "int64", "bool_": "bool", "cfloat": "complex64",
            "cdouble": "complex128"}.get(name, name)
    if name not in NAMES:
        raise ValueError(f"result_type: invalid dtype {dtype!r}; expected one of "
                         f"{', '.join(NAMES)} or the Python types int, float, bool, complex.")
    return name


def result_type(*dtypes):
    """The dtype Keras 3 gives to an op combining inputs of ``dtypes``.

    Args:
        *dtypes: dtype names (or NumPy/torch/JAX dtypes), or the Python types
            ``int``, ``float``, ``bool``, ``complex`` standing for Python scalars.

    Returns:
        A dtype name. No argument gives ``floatx``.

    Example:
        >>> result_type("int8", "uint8"), result_type("float16", int), result_type(int, float)
        ('int16', 'float16', 'float32')
    """
    if not dtypes:
        return config.floatx()
    name = lattice_result_type(dtypes)
    return NARROW.get(name, name)


def lattice_result_type(dtypes):
    """``result_type`` before Keras's narrowing to 32 bits: the least upper bound of the
    sequence ``dtypes``, weak kinds resolved. Engines that hold 64-bit dtypes promote
    by this (``int32`` with ``int64`` stays ``int64`` on NumPy and torch)."""
    nodes = [_node(config.floatx() if d is None else d) for d in dtypes]
    node = nodes[0]
    for n in nodes[1:]:
        node = _join(node, n)
    bits = config.floatx()[-2:]
    return {"weak_int": f"int{bits}", "weak_float": config.floatx(),
            "weak_complex": "complex64"}.get(node, node)


# Keras's (and JAX-without-x64's) narrowing of 64-bit dtypes
NARROW = {"int64": "int32", "uint64": "uint32", "float64": "float32", "complex128": "complex64"}


def float_result_type(*dtypes):
    """``result_type`` of ``dtypes`` raised to a float (or complex) dtype: the dtype
    of a float-valued op (``arctan2``, ``hypot``...) on such inputs, as Keras."""
    return result_type(*dtypes, float)


def is_float(name):
    return name in ("bfloat16", "float16", "float32", "float64")


def is_int(name):
    return name.startswith("int") or name.startswith("uint")


def is_complex(name):
    return name.startswith("complex")


# value ranges, for nan_to_num and saturate_cast
FLOAT_MAX = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38,
             "float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308}
INT_RANGE = {"bool": (0, 1), "uint8": (0, 255), "uint16": (0, 65535), "uint32": (0, 2 ** 32 - 1),
             "uint64": (0, 2 ** 64 - 1), "int8": (-128, 127), "int16": (-32768, 32767),
             "int32": (-2 ** 31, 2 ** 31 - 1), "int64": (-2 ** 63, 2 ** 63 - 1)}
