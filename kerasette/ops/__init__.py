"""``kerasette.ops``: one namespace of tensor ops, dispatched to the active engine.

Names follow ``keras.ops``. Each function forwards to the method of the same
name on the active adapter (see ``kerasette/backends/base.py`` for the
contracts), after unwrapping ``kerasette.Variable`` arguments. An engine error
is re-raised as ``ValueError`` naming the op and the argument shapes.

Parameter names are Keras's: where a contract method names a parameter
differently (``add(x, y)`` for Keras's ``add(x1, x2)``, ``clip``'s
``min_value`` for ``x_min``...), ``_KERAS_PARAMS`` maps the Keras name to the
method's, the function accepts both (keywords are renamed only when a call
passes keywords), and its ``__signature__`` shows Keras's names.
"""
from __future__ import annotations

import inspect

from .. import config
from ..backends.base import Backend

# keras.ops name -> adapter method name, where they differ
_ALIASES = {
    "convert_to_tensor": "convert",
    "convert_to_numpy": "to_numpy",
    "absolute": "abs",
    "average_pool": "avg_pool",
    "swish": "silu",
    "true_divide": "divide",
    "pow": "power",
    "concat": "concatenate",
    "amax": "max",
    "amin": "min",
    "bitwise_invert": "bitwise_not",
    "left_shift": "bitwise_left_shift",
    "right_shift": "bitwise_right_shift",
    "conjugate": "conj",
}

_NO_UNWRAP = {"value_and_grad", "jit", "scan", "fori_loop", "cond", "switch", "while_loop", "map",
              "vectorized_map", "vectorize", "associative_scan", "custom_gradient", "jvp"}

_X1X2 = {"x1": "x", "x2": "y"}
_INPUTS = {"inputs": "x"}
# keras.ops name -> {Keras's parameter name: the contract method's}, same positions
_KERAS_PARAMS = {
    **{name: _X1X2 for name in (
        "add", "subtract", "multiply", "divide", "true_divide", "power", "pow", "maximum",
        "minimum", "floor_divide", "mod", "equal", "not_equal", "less", "less_equal", "greater",
        "greater_equal", "logical_and", "logical_or", "matmul", "tensordot", "where")},
    "clip": {"x_min": "min_value", "x_max": "max_value"},
    "reshape": {"newshape": "shape"},
    "stack": {"x": "xs"},
    "stop_gradient": {"variable": "x"},
    "fori_loop": {"body_fun": "body", "init_val": "init"},
    "scan": {"f": "fn"},
    "one_hot": {"x": "indices"},
    "eye": {"N": "n"},
    "ctc_loss": {"target": "labels", "output": "logits", "target_length": "label_lengths",
                 "output_length": "logit_lengths", "mask_index": "blank_index"},
    **{name: _INPUTS for name in (
        "conv", "conv_transpose", "depthwise_conv", "separable_conv", "max_pool", "average_pool",
        "adaptive_average_pool", "adaptive_max_pool")},
}
# defaults Keras gives where the contract has none (where(condition) alone: nonzero)
_KERAS_DEFAULTS = {"where": {"x1": None, "x2": None}}


def _renames(public, method):
    """{Keras name: method name} for the parameters ``method`` really names differently
    (a map entry is dropped once the contract itself takes Keras's name)."""
    params = inspect.signature(getattr(Backend, method)).parameters
    return {k: c for k, c in _KERAS_PARAMS.get(public, {}).items() if c in params and k not in params}


def _keras_signature(public, method, renames):
    sig = inspect.signature(getattr(Backend, method))
    back = {c: k for k, c in renames.items()}
    defaults = _KERAS_DEFAULTS.get(public, {})
    params = []
    for p in list(sig.parameters.values())[1:]:  # without self
        name = back.get(p.name, p.name)
        if name in defaults and p.default is inspect.Parameter.empty:
            p = p.replace(default=defaults[name])
        params.append(p.replace(name=name))
    return sig.replace(parameters=params)

# Types seen to need no unwrapping (engine arrays, Python scalars, ...): an op
# whose arguments are all of these skips ``_unwrap`` (the per-op hot path). A
# type joins on first sight when it has no ``_kerasette_value``.
_PLAIN = {int, float, bool, str, type(None)}


def _unwrap(a):
    t = type(a)
    if t in _PLAIN:
        return a
    v = getattr(a, "_kerasette_value", None)
    if v is not None:
        return v()
    if t is list or t is tuple:
        return t(_unwrap(x) for x in a)
    if not isinstance(a, (list, tuple)) and not hasattr(t, "_kerasette_value"):
        _PLAIN.add(t)
    return a


def _describe(args):
    parts = []
    for a in args:
        shape = getattr(a, "shape", None)
        if shape is not None:
            parts.append(f"shape {tuple(shape)}")
        elif isinstance(a, (list, tuple)) and a and hasattr(a[0], "shape"):
            parts.append("[" + ", ".join(str(tuple(getattr(x, 'shape', ()))) for x in a) + "]")
        else:
            parts.append(repr(a) if len(repr(a)) < 40 else type(a).__name__)
    return ", ".join(parts)


def _make(public, method):
    unwrap = public not in _NO_UNWRAP
    plain = _PLAIN
    renames = _renames(public, method)

    def op(*args, **kwargs):
        b = config._active or config.active()
        if unwrap:
            for a in args:
                if type(a) not in plain:
                    args = [_unwrap(a) for a in args]
                    break
        if kwargs:
            if renames:
                kwargs = {renames.get(k, k): v for k, v in kwargs.items()}
            if unwrap:
                kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
        try:
            return getattr(b, method)(*args, **kwargs)
        except (RuntimeError, ValueError, IndexError) as e:
            if str(e).startswith("ops."):
                raise
            raise ValueError(f"ops.{public} on the {b.name} engine failed for arguments "
                             f"({_describe(args)}): {e}") from e

    op.__name__ = public
    op.__qualname__ = public
    op.__doc__ = getattr(Backend, method).__doc__
    op.__signature__ = _keras_signature(public, method, renames)
    return op


def _where(make):
    """``where`` with Keras's one-argument form: ``where(condition)`` is ``nonzero(condition)``."""
    three = make

    def where(condition, x1=None, x2=None, **kwargs):
        if kwargs:
            x1, x2 = kwargs.pop("x", x1), kwargs.pop("y", x2)
            if kwargs:
                raise TypeError(f"where() got unexpected keyword arguments {sorted(kwargs)}.")
        if x1 is None and x2 is None:
            b = config._active or config.active()
            nonzero = getattr(b, "nonzero", None)
            if nonzero is None:
                raise ValueError("ops.where(condition) with one argument needs ops.nonzero, which "
                                 f"the {b.name} engine does not have yet; pass x1 and x2.")
            return nonzero(_unwrap(condition))
        if x1 is None or x2 is None:
            raise ValueError("ops.where: x1 and x2 must be given together (or neither, for the "
                             "indices where condition is true).")
        return three(condition, x1, x2)

    where.__name__ = where.__qualname__ = "where"
    where.__doc__ = three.__doc__
    where.__signature__ = three.__signature__
    return where


def _public_methods():
    return [n for n in dir(Backend) if not n.startswith("_") and callable(getattr(Backend, n))]


for _name in _public_methods():
    globals()[_name] = _make(_name, _name)
for _alias, _method in _ALIASES.items():
    globals()[_alias] = _make(_alias, _method)
where = _where(where)  # noqa: F821 -- made by the loop above

__all__ = _public_methods() + list(_ALIASES)

# ops written above the interface (engine ops plus host code), not adapter methods
from ..ctc_decode import ctc_decode  # noqa: E402
# JAX's calling convention over nests (replaces the adapter method's flat form)
from .gradients import grad, value_and_grad  # noqa: E402

__all__ += ["ctc_decode", "grad"]
