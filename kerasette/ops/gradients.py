"""Functional gradients with JAX's calling convention, on every engine.

``value_and_grad(fn, argnums=0, has_aux=False)`` and ``grad(...)`` differentiate
``fn`` with respect to the positional arguments ``argnums``, each a nest
(list / tuple / dict) of float arrays; gradients come back in the same nests.
They are written on ``Backend.value_and_grad`` (kerasette's flat contract:
``fn(params, *args) -> (value, aux)``), so they work on NumPy (its tape),
PyTorch and JAX alike and inside a jitted step.

Nesting (a gradient of a gradient, e.g. a WGAN-GP penalty) works on every
engine; on NumPy the inner backward pass is recorded on the outer tape
(``backends/numpy/second_order.py``; an op without a second-order rule there
raises ``NotImplementedError`` naming it).
"""
from __future__ import annotations

from .. import config

__all__ = ["value_and_grad", "grad"]


def _flatten(nest, leaves):
    """Append the leaves of ``nest`` to ``leaves``; returns a rebuild spec."""
    t = type(nest)
    if nest is None:
        return ("none",)
    if t is dict or isinstance(nest, dict):
        keys = sorted(nest, key=str)
        return ("dict", t, keys, [_flatten(nest[k], leaves) for k in keys])
    if isinstance(nest, (list, tuple)):
        return ("seq", t, [_flatten(v, leaves) for v in nest])
    v = getattr(nest, "_kerasette_value", None)
    leaves.append(v() if v is not None else nest)
    return ("leaf",)


def _unflatten(spec, it):
    kind = spec[0]
    if kind == "leaf":
        return next(it)
    if kind == "none":
        return None
    if kind == "dict":
        _, t, keys, subs = spec
        d = {k: _unflatten(s, it) for k, s in zip(keys, subs)}
        return d if t is dict else t(d)
    _, t, subs = spec
    items = [_unflatten(s, it) for s in subs]
    if t is list:
        return items
    return t(*items) if hasattr(t, "_fields") else t(items)


def _check_argnums(argnums, n_args, fn):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    if not nums or not all(isinstance(i, int) for i in nums):
        raise TypeError(f"value_and_grad: `argnums` must be an int or a non-empty sequence of "
                        f"ints, got {argnums!r}.")
    for i in nums:
        if not -n_args <= i < n_args:
            raise ValueError(f"value_and_grad: argnums={argnums!r} but "
                             f"{getattr(fn, '__name__', 'fn')} was called with {n_args} "
                             f"positional argument(s).")
    return single, tuple(i % n_args for i in nums)


def value_and_grad(fn, argnums=0, has_aux=False):
    """A function computing ``fn``'s value and its gradient (JAX's convention).

    Args:
        fn: a function returning a scalar (or ``(scalar, aux)`` with ``has_aux``).
        argnums: the positional argument(s) to differentiate, an int or a tuple.
        has_aux: ``fn`` returns ``(value, aux)``; ``aux`` carries no gradient.

    Returns:
        ``g(*args, **kwargs) -> (value, grads)`` or ``((value, aux), grads)``;
        ``grads`` has the nest structure of ``args[argnums]`` (a tuple of them
        when ``argnums`` is a tuple). ``kerasette.Variable`` leaves are read as
        their values.

    Example:
        >>> def loss_fn(w, x):
        ...     return ops.sum(ops.square(ops.matmul(x, w["k"])))
        >>> value, grads = ops.value_and_grad(loss_fn)({"k": kernel}, x)
    """
    if not callable(fn):
        raise TypeError(f"value_and_grad: `fn` must be callable, got {type(fn).__name__}.")

    def wrapped(*args, **kwargs):
        single, nums = _check_argnums(argnums, len(args), fn)
        leaves, specs = [], []
        for i in nums:
            specs.append(_flatten(args[i], leaves))
        counts = []
        n = 0
        for spec in specs:
            before = n
            n = len(leaves)
            counts.append(n - before)
        name = getattr(fn, "__name__", "fn")

        def inner(params, *_):
            new_args = list(args)
            it = iter(params)
            for i, spec in zip(nums, specs):
                new_args[i] = _unflatten(spec, it)
            out = fn(*new_args, **kwargs)
            if has_aux:
                if not (isinstance(out, (tuple, list)) and len(out) == 2):
                    raise ValueError(f"value_and_grad: with has_aux=True, {name} must return a "
                                     f"pair (value, aux); got {type(out).__name__}.")
                return out[0], out[1]
            if isinstance(out, (tuple, list)):
                raise ValueError(f"value_and_grad: {name} returned a {type(out).__name__}; it "
                                 f"must return a scalar (pass has_aux=True to return "
                                 f"(value, aux)).")
            return out, None

        b = config._active or config.active()
        (value, aux), flat = b.value_and_grad(inner)(leaves)
        it = iter(flat)
        grads = tuple(_unflatten(spec, it) for spec in specs)
        grads = grads[0] if single else grads
        return ((value, aux), grads) if has_aux else (value, grads)

    wrapped.__name__ = f"value_and_grad_{getattr(fn, '__name__', 'fn')}"
    return wrapped


def grad(fn, argnums=0, has_aux=False):
    """The gradient of ``fn`` (JAX's convention): ``g(*args) -> grads`` or
    ``(grads, aux)`` with ``has_aux``. See ``value_and_grad``."""
    vg = value_and_grad(fn, argnums=argnums, has_aux=has_aux)

    def wrapped(*args, **kwargs):
        out, grads = vg(*args, **kwargs)
        return (grads, out[1]) if has_aux else grads

    wrapped.__name__ = f"grad_{getattr(fn, '__name__', 'fn')}"
    return wrapped
