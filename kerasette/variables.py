"""``Variable``: one engine array, a name, and ``trainable``.

A variable belongs to the engine it was created on. Stateful code (layers,
metrics, optimizers) reads ``.value`` and calls ``assign``; the trainer keeps
its step pure by binding explicit values into variables around a call and
reading them back (see ``bind_values``).
"""
from __future__ import annotations

import numpy as np

from . import config
from .backends.base import standardize_dtype
from .stateless_scope import STACK as _SCOPES

# The dtype float variables are read in (``value``) while a mixed-precision layer
# runs its ``call`` (Keras's AutocastScope); None: their own dtype. Set by Layer.
AUTOCAST = [None]
_FLOATS = frozenset({"float16", "bfloat16", "float32", "float64"})


class Variable:
    """A mutable engine array with a name.

    Args:
        initializer: an array-like value, an initializer's name (``"zeros"``,
            ``"uniform"``, ``"glorot_uniform"``...), or a callable ``(shape, dtype)
            -> array-like`` (kerasette initializers return NumPy arrays).
        shape: needed when ``initializer`` is a callable.
        dtype: dtype name; defaults to the value's, or floatx for callables.
        trainable: whether optimizers update it.
        name: a readable name (``path`` adds the owner's prefix).
        autocast: whether ``value`` is read in the compute dtype inside the
            ``call`` of a mixed-precision layer (float variables only).
        aggregation, synchronization: accepted for Keras 3 compatibility;
            kerasette variables are not mirrored across devices.

    Example:
        >>> v = Variable(np.zeros(3), name="bias")
        >>> w = Variable(shape=(784, 512), initializer="uniform")
        >>> v.assign(v + 1.0)
    """

    _layout = None  # a TensorLayout once a distribution placed it; ``assign`` keeps it

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None):
        self._backend = config.active()
        self.name = name or "variable"
        self.path = self.name
        self.trainable = bool(trainable)
        self.autocast = bool(autocast)
        if isinstance(initializer, str):
            from . import initializers
            initializer = initializers.get(initializer)  # raises naming the unknown initializer
        if callable(initializer):
            if shape is None:
                raise ValueError(f"Variable {self.name!r}: a callable initializer needs `shape`.")
            dtype = standardize_dtype(dtype or config.floatx())
            value = initializer(tuple(shape), dtype)
        else:
            value = initializer
        if dtype is None:
            dtype = _default_dtype(value)
        self._value = self._backend.convert(_host(value), standardize_dtype(dtype))
        if _SCOPES:  # made inside a StatelessScope: its initial value comes back on exit
            _SCOPES[-1]._touch(self)

    # --------------------------------------------------------------- value
    @property
    def value(self):
        """The engine array (cast to the compute dtype inside a mixed-precision
        layer's ``call`` when ``autocast``)."""
        if AUTOCAST[0] is None:
            return self._value
        return self._autocast_value(AUTOCAST[0])

    def _autocast_value(self, dtype):
        value = self._value
        if not self.autocast:
            return value
        own = self._backend.dtype(value)
        if own == dtype or own not in _FLOATS:
            return value
        return self._backend.cast(value, dtype)

    def _kerasette_value(self):
        if AUTOCAST[0] is None:
            return self._value
        return self._autocast_value(AUTOCAST[0])

    def assign(self, value):
        """Replace the value (same shape); returns the variable."""
        if isinstance(value, Variable):
            value = value._value
        b = self._backend
        current = self._value
        if not b.is_array(value):
            value = b.convert(_host(value), b.dtype(current))
        if b.shape(value) != b.shape(current):
            raise ValueError(f"Variable {self.path!r}: cannot assign a value of shape "
                             f"{tuple(b.shape(value))} to a variable of shape {self.shape}.")
        dtype = b.dtype(current)
        if b.dtype(value) != dtype:
            value = b.cast(value, dtype)
        if _SCOPES:  # inside a StatelessScope: the change is undone when it ends
            _SCOPES[-1]._touch(self)
        if self._layout is not None:  # a distributed variable stays laid out on its mesh
            from .distribution import placement
            value = placement.keep_layout(value, self._layout)
        self._value = value
        return self

    def assign_add(self, delta):
        """``self += delta``."""
        return self.assign(self._backend.add(self._value, _raw(delta)))

    def assign_sub(self, delta):
        """``self -= delta``."""
        return self.assign(self._backend.subtract(self._value, _raw(delta)))

    def numpy(self):
        """A NumPy copy of the value."""
        return np.array(self._backend.to_numpy(self._value))

    @property
    def shape(self):
        return tuple(self._backend.shape(self._value))

    @property
    def dtype(self):
        return self._backend.dtype(self._value)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def engine(self):
        """Name of the engine the variable lives on."""
        return self._backend.name

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a.astype(dtype) if dtype is not None else a

    def __repr__(self):
        return f"<Variable path={self.path} shape={self.shape} dtype={self.dtype} engine={self.engine}>"

    # ---------------------------------------------------------- arithmetic
    def _op(self, name, *args):
        return getattr(self._backend, name)(*(a.value if isinstance(a, Variable) else a
                                              for a in args))

    def __add__(self, o): return self._op("add", self, o)
    def __radd__(self, o): return self._op("add", o, self)
    def __sub__(self, o): return self._op("subtract", self, o)
    def __rsub__(self, o): return self._op("subtract", o, self)
    def __mul__(self, o): return self._op("multiply", self, o)
    def __rmul__(self, o): return self._op("multiply", o, self)
    def __truediv__(self, o): return self._op("divide", self, o)
    def __rtruediv__(self, o): return self._op("divide", o, self)
    def __pow__(self, o): return self._op("power", self, o)
    def __matmul__(self, o): return self._op("matmul", self, o)
    def __rmatmul__(self, o): return self._op("matmul", o, self)
    def __neg__(self): return self._op("negative", self)
    def __getitem__(self, key): return self._backend.getitem(self.value, key)
    def __len__(self): return self.shape[0]
    def __float__(self): return float(self.numpy())
    def __int__(self): return int(self.numpy())


def _raw(x):
    return x._value if isinstance(x, Variable) else x


def _host(value):
    """NumPy input stays NumPy; engine arrays pass through to ``convert``."""
    return value


def _default_dtype(value):
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int64" if config.backend() != "jax" else "int32"
    if isinstance(value, float):
        return config.floatx()
    if isinstance(value, np.ndarray):
        return "float32" if value.dtype == np.float64 and config.floatx() == "float32" else value.dtype.name
    try:
        return config.active().dtype(value)
    except Exception:
        a = np.asarray(value)
        return config.floatx() if a.dtype.kind == "f" else a.dtype.name


def get_values(variables):
    """The current engine arrays of ``variables``, as a list."""
    return [v._value for v in variables]


class bind_values:  # noqa: N801 - used as a function: ``with bind_values(vs, xs):``
    """Give ``variables`` the explicit ``values`` inside the block, then restore.

    The trainer's pure step runs stateful layer/metric/optimizer code inside
    this block and reads the results with ``get_values`` before it exits.
    (A small class rather than a generator context manager: it runs several
    times per training step.)
    """

    __slots__ = ("variables", "values", "saved")

    def __init__(self, variables, values):
        self.variables = variables
        self.values = values

    def __enter__(self):
        variables = self.variables
        if _SCOPES:  # a StatelessScope restores the values from before this binding
            for v in variables:
                _SCOPES[-1]._touch(v)
        self.saved = [v._value for v in variables]
        for v, x in zip(variables, self.values):
            v._value = x

    def __exit__(self, *exc):
        for v, x in zip(self.variables, self.saved):
            v._value = x
        return False


def distinct(items):
    """``items`` in order, each object once (by identity: variables are not hashable
    by value)."""
    out, seen = [], set()
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out
