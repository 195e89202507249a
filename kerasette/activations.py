"""Activation functions, as ``keras.activations``.

Every activation takes an engine array (NumPy arrays and lists are converted)
and uses only ``kerasette.ops``, so it runs and differentiates on every engine.
``get`` turns a name, a callable or ``None`` into a function; ``serialize``
turns a built-in function back into its name.
"""
from __future__ import annotations

import difflib

from . import ops


def _tensor(x):
    return x if ops.is_array(x) else ops.convert(x)


def unknown_name_error(kind, name, names):
    """A ``ValueError`` for an unknown identifier, listing the closest known names."""
    close = difflib.get_close_matches(str(name), sorted(names), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return ValueError(f"Unknown {kind} {name!r}.{hint} Known names: {', '.join(sorted(names))}.")


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with Keras's optional slope, cap and threshold.

    ``x`` above ``threshold`` passes (capped at ``max_value``); below it the
    output is ``negative_slope * (x - threshold)``.

    Args:
        x: input array.
        negative_slope: slope below the threshold (0: plain ReLU).
        max_value: saturation value, or None.
        threshold: where the function switches from damped to linear.

    Returns:
        An array of ``x``'s shape.

    Example:
        >>> relu([-10., -5., 0., 5., 10.], max_value=5.)  # [0, 0, 0, 5, 5]
    """
    x = _tensor(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return ops.leaky_relu(x, negative_slope)
    negative_part = None
    if negative_slope != 0.0:
        negative_part = ops.relu(ops.add(ops.negative(x), threshold)) if threshold != 0 else ops.relu(ops.negative(x))
    if threshold != 0:
        x = ops.where(ops.greater(x, threshold), x, ops.zeros_like(x))
    else:
        x = ops.relu(x)
    if max_value is not None:
        x = ops.clip(x, 0.0, float(max_value))
    if negative_part is not None:
        x = ops.subtract(x, ops.multiply(negative_part, negative_slope))
    return x


def leaky_relu(x, negative_slope=0.2):
    """``x`` if ``x >= 0`` else ``negative_slope * x``."""
    return ops.leaky_relu(_tensor(x), negative_slope)


def relu6(x):
    """``min(max(x, 0), 6)``."""
    return ops.relu6(_tensor(x))


def sigmoid(x):
    """``1 / (1 + exp(-x))``."""
    return ops.sigmoid(_tensor(x))


def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(_tensor(x))


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis``, a probability distribution.

    Example:
        >>> softmax([[1., 2., 3.]])  # rows sum to 1
    """
    return ops.softmax(_tensor(x), axis=axis)


def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` along ``axis``."""
    return ops.log_softmax(_tensor(x), axis=axis)


def softplus(x):
    """``log(exp(x) + 1)``, stable for large ``|x|``."""
    return ops.softplus(_tensor(x))


def softsign(x):
    """``x / (|x| + 1)``."""
    return ops.softsign(_tensor(x))


def elu(x, alpha=1.0):
    """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    return ops.elu(_tensor(x), alpha)


def selu(x):
    """Scaled ELU: ``scale * elu(x, alpha)`` with ``alpha=1.67326324``, ``scale=1.05070098``."""
    return ops.selu(_tensor(x))


def celu(x, alpha=1.0):
    """``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``."""
    x = _tensor(x)
    neg = ops.multiply(ops.expm1(ops.divide(ops.minimum(x, 0.0), alpha)), alpha)
    return ops.add(ops.relu(x), neg)


def gelu(x, approximate=False):
    """Gaussian error linear unit ``x * P(X <= x)``; Keras's activation default is exact (erf).

    Args:
        x: input array.
        approximate: use the tanh approximation instead of erf.
    """
    return ops.gelu(_tensor(x), approximate=approximate)


def silu(x):
    """``x * sigmoid(x)`` (also called swish)."""
    return ops.silu(_tensor(x))


swish = silu


def hard_sigmoid(x):
    """``clip(x / 6 + 0.5, 0, 1)``: 0 below -3, 1 above 3."""
    return ops.hard_sigmoid(_tensor(x))


def hard_silu(x):
    """``x * hard_sigmoid(x)`` (hard swish)."""
    return ops.hard_silu(_tensor(x))


hard_swish = hard_silu


def hard_tanh(x):
    """``clip(x, -1, 1)``."""
    return ops.clip(_tensor(x), -1.0, 1.0)


def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``."""
    return ops.negative(ops.softplus(ops.negative(_tensor(x))))


def exponential(x):
    """``exp(x)``."""
    return ops.exp(_tensor(x))


def linear(x):
    """The identity (no activation)."""
    return x


def mish(x):
    """``x * tanh(softplus(x))``."""
    x = _tensor(x)
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def glu(x, axis=-1):
    """Gated linear unit: ``a * sigmoid(b)`` for the two halves ``a, b`` of ``x`` along ``axis``."""
    return ops.glu(_tensor(x), axis=axis)


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    return ops.hard_shrink(_tensor(x), threshold=threshold)


def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    return ops.soft_shrink(_tensor(x), threshold=threshold)


def sparse_plus(x):
    """0 below -1, ``(x + 1)² / 4`` on [-1, 1], ``x`` above 1."""
    return ops.sparse_plus(_tensor(x))


def sparse_sigmoid(x):
    """0 below -1, ``(x + 1) / 2`` on [-1, 1], 1 above 1."""
    return ops.sparse_sigmoid(_tensor(x))


def sparsemax(x, axis=-1):
    """The Euclidean projection of ``x`` onto the probability simplex along ``axis``
    (Martins & Astudillo, 2016; see ``ops.sparsemax`` for where Keras 3.15 differs)."""
    return ops.sparsemax(_tensor(x), axis=axis)


def squareplus(x, b=4):
    """``(x + sqrt(x² + b)) / 2``, a smooth ReLU."""
    return ops.squareplus(_tensor(x), b=b)


def tanh_shrink(x):
    """``x - tanh(x)``."""
    return ops.tanh_shrink(_tensor(x))


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``."""
    return ops.threshold(_tensor(x), threshold, default_value)


_BUILTINS = {f.__name__: f for f in (
    relu, leaky_relu, relu6, sigmoid, tanh, softmax, log_softmax, softplus, softsign,
    elu, selu, celu, gelu, silu, hard_sigmoid, hard_silu, hard_tanh, log_sigmoid,
    exponential, linear, mish, glu, hard_shrink, soft_shrink, sparse_plus, sparse_sigmoid, sparsemax,
    squareplus, tanh_shrink, threshold)}
_ALIASES = {"swish": silu, "hard_swish": hard_silu}
_NAMES = {**_BUILTINS, **_ALIASES}


def get(identifier):
    """The activation function for a name, a callable, or ``None`` (linear).

    Args:
        identifier: ``'relu'``, ``'swish'``, ..., a callable, a
            ``{'class_name': name}`` dict, or ``None``.

    Returns:
        A callable ``f(x) -> array``.

    Example:
        >>> get('relu') is relu
        True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        identifier = identifier.get("config", identifier.get("class_name"))
    if isinstance(identifier, str):
        fn = _NAMES.get(identifier) or _NAMES.get(identifier.lower())
        if fn is None:
            raise unknown_name_error("activation", identifier, _NAMES)
        return fn
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation identifier {identifier!r}: "
                     f"expected a name, a callable or None.")


def serialize(activation):
    """The name of an activation function (built-ins: the name ``get`` accepts)."""
    for name, fn in _BUILTINS.items():
        if fn is activation:
            return name
    name = getattr(activation, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize activation {activation!r}: it has no name.")
    return name


def deserialize(name, custom_objects=None):
    """The activation function for ``name`` (``custom_objects`` first)."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return get(name)


__all__ = sorted(_NAMES) + ["get", "serialize", "deserialize"]
