"""The jax engine's control ops (contract: ``kerasette/backends/contract/control.py``).

Everything lowers to ``jax.lax`` / ``jax.vmap`` / ``jax.custom_vjp``, so it
traces inside ``jax.jit`` with traced predicates, indices and loop bounds.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from ... import tree
from ..contract.control import _parse_signature, _value, _values, call_grad_fn


def _like(structure, values):
    """``values`` (any pytree with the same leaves) rebuilt in ``structure``'s nesting:
    lax loops need the carry's pytree unchanged, and Python code often returns a
    tuple for a list (or vice versa)."""
    return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(structure),
                                        jax.tree_util.tree_leaves(values))


def _arrays(structure):
    """Python scalars as JAX arrays (weak types kept), so loop carries have a dtype."""
    return jax.tree_util.tree_map(lambda x: jnp.asarray(x) if isinstance(x, (bool, int, float)) else x,
                                  structure)


class JaxControlOps:
    """Mixin of ``JaxBackend``: methods of ``contract.ControlOps`` on JAX."""

    def cond(self, pred, true_fn, false_fn):
        pred = _value(pred)
        if isinstance(pred, (bool, int)):  # a static predicate needs no lax.cond
            return true_fn() if pred else false_fn()
        return lax.cond(jnp.reshape(pred, ()).astype(bool), lambda: _arrays(true_fn()),
                        lambda: _arrays(false_fn()))

    def switch(self, index, branches, *operands):
        if not branches:
            raise ValueError("ops.switch: `branches` must be a non-empty list of callables.")
        index = _value(index)
        if isinstance(index, int):
            return branches[min(max(index, 0), len(branches) - 1)](*operands)
        fns = [(lambda b: (lambda *ops: _arrays(b(*ops))))(b) for b in branches]
        return lax.switch(jnp.reshape(index, ()).astype(jnp.int32), fns, *_values(operands))

    def while_loop(self, cond, body, loop_vars, maximum_iterations=None):
        is_tuple = isinstance(loop_vars, (list, tuple)) and not hasattr(loop_vars, "_fields")
        state = _arrays(tuple(_values(loop_vars)) if is_tuple else (_values(loop_vars),))

        def step(s):
            out = body(*s)
            return _like(s, _arrays(tuple(out) if is_tuple else (out,)))

        def keep_going(s):
            return jnp.reshape(cond(*s), ()).astype(bool)

        limit = _value(maximum_iterations)
        if limit is None:
            state = lax.while_loop(keep_going, step, state)
        elif isinstance(limit, int):
            # a scan of fixed length, each step skipped once the loop is over:
            # reverse-differentiable, unlike lax.while_loop
            def scan_step(s, _):
                return lax.cond(keep_going(s), step, lambda v: v, s), None

            state, _ = lax.scan(scan_step, state, None, length=max(limit, 0))
        else:
            def keep_going_limited(c):
                n, s = c
                return jnp.logical_and(n < limit, keep_going(s))

            _, state = lax.while_loop(keep_going_limited, lambda c: (c[0] + 1, step(c[1])),
                                      (jnp.asarray(0, jnp.int32), state))
        return state if is_tuple else state[0]

    def fori_loop(self, lower, upper, body_fun, init_val):
        init = _arrays(_values(init_val))
        return lax.fori_loop(_value(lower), _value(upper),
                             lambda i, v: _like(v, _arrays(body_fun(i, v))), init)

    def scan(self, f, init, xs=None, length=None, reverse=False, unroll=1):
        init = _arrays(_values(init))
        xs = _values(xs)

        def step(carry, x):
            carry_out, y = f(carry, x)
            return _like(carry, _arrays(carry_out)), y

        return lax.scan(step, init, xs, length=length, reverse=reverse, unroll=unroll)

    def map(self, f, xs):
        return lax.map(f, _values(xs))

    def vectorized_map(self, function, elements):
        return jax.vmap(function)(_values(elements))

    def vectorize(self, pyfunc, *, excluded=None, signature=None):
        if signature is not None:
            _parse_signature(signature)  # kerasette's error for a malformed signature
        return jnp.vectorize(pyfunc, excluded=set(excluded or ()), signature=signature)

    def associative_scan(self, f, elems, reverse=False, axis=0):
        return lax.associative_scan(f, _values(elems), reverse=reverse, axis=axis)

    def custom_gradient(self, f):
        def wrapped(*args, **kwargs):
            args = tuple(_value(a) for a in args)

            @jax.custom_gradient
            def fn(*primals):
                out, grad_fn = f(*primals, **kwargs)

                def vjp(upstream):
                    grads = call_grad_fn(grad_fn, primals, upstream)
                    return tuple(jnp.zeros_like(p) if g is None else jnp.asarray(g).astype(jnp.result_type(p))
                                 for g, p in zip(grads, primals))

                return out, vjp

            return fn(*args)

        return wrapped

    def jvp(self, fun, primals, tangents, has_aux=False):
        primals = tuple(tree.map_structure(lambda x: jnp.asarray(_value(x)), tuple(primals)))
        tangents = tuple(tree.map_structure(lambda x: jnp.asarray(_value(x)), tuple(tangents)))
        return jax.jvp(fun, primals, tangents, has_aux=has_aux)
