"""``kerasette.ops``: one namespace of tensor ops, dispatched to the active engine.

Names follow ``keras.ops``. Each function forwards to the method of the same
name on the active adapter (see ``kerasette/backends/base.py`` for the
contracts), after unwrapping ``kerasette.Variable`` arguments. An engine error
is re-raised as ``ValueError`` naming the op and the argument shapes.
"""
from __future__ import annotations

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
}

_NO_UNWRAP = {"value_and_grad", "jit", "scan", "fori_loop"}

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

    def op(*args, **kwargs):
        b = config._active or config.active()
        if unwrap:
            for a in args:
                if type(a) not in plain:
                    args = [_unwrap(a) for a in args]
                    break
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
    return op


def _public_methods():
    return [n for n in dir(Backend) if not n.startswith("_") and callable(getattr(Backend, n))]


for _name in _public_methods():
    globals()[_name] = _make(_name, _name)
for _alias, _method in _ALIASES.items():
    globals()[_alias] = _make(_alias, _method)

__all__ = _public_methods() + list(_ALIASES)

# ops written above the interface (engine ops plus host code), not adapter methods
from ..ctc_decode import ctc_decode  # noqa: E402
# JAX's calling convention over nests (replaces the adapter method's flat form)
from .gradients import grad, value_and_grad  # noqa: E402

__all__ += ["ctc_decode", "grad"]
