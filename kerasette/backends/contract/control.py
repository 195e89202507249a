"""Control flow and function transforms: cond, switch, while_loop, scan, map, vectorize,
associative_scan, custom gradients, jvp.

Part of the ops contract (see ``kerasette/backends/base.py`` for the rules).

Keras 3's signatures and semantics (``keras.ops``). Structures (``init``,
``xs``, ``loop_vars``, ``elems``, outputs) are nests in ``kerasette.tree``'s
sense: lists, tuples, namedtuples, dicts of arrays.

Engines:

* JAX traces them into ``jax.lax`` primitives (``cond``, ``switch``,
  ``while_loop``, ``scan``, ``associative_scan``, ``map``), ``jax.vmap``,
  ``jnp.vectorize`` and ``jax.custom_vjp``, so they work inside the jitted step
  with traced predicates and bounds.
* NumPy and PyTorch run them eagerly: the concrete methods below are plain
  Python control flow on the values, so gradients (the NumPy tape, torch
  autograd) follow the branch / iterations actually taken. A predicate, index
  or bound must therefore have a concrete value there (it always does: neither
  engine traces symbolically; NumPy's ``jit`` is the function itself and
  ``torch.compile`` graph-breaks on data-dependent Python control flow).
"""
from __future__ import annotations

import abc
import inspect
import math

from ... import tree


def _value(x):
    """A ``kerasette.Variable`` (anything with ``_kerasette_value``) as its array."""
    v = getattr(x, "_kerasette_value", None)
    return v() if v is not None else x


def _values(structure):
    return tree.map_structure(_value, structure)


def call_grad_fn(grad_fn, args, upstream):
    """Call a ``custom_gradient`` VJP in whichever Keras convention it is written in.

    Keras's JAX backend calls ``grad_fn(upstream)``; its PyTorch backend calls
    ``grad_fn(*args, upstream=upstream)``; Keras's documented form
    ``def grad(*args, upstream=None)`` accepts both. Here a ``grad_fn`` with a
    parameter named ``upstream`` gets it by keyword (after the primal ``args``
    when it takes ``*args`` or one positional parameter per primal); any other
    ``grad_fn`` gets ``upstream`` positionally. The result is a list with one
    gradient (or ``None``) per primal.
    """
    try:
        params = inspect.signature(grad_fn).parameters
    except (TypeError, ValueError):
        params = {}
    if "upstream" in params:
        others = [p for n, p in params.items() if n != "upstream"]
        positional = [p for p in others if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        takes_args = any(p.kind == p.VAR_POSITIONAL for p in others) or len(positional) == len(args)
        grads = grad_fn(*args, upstream=upstream) if takes_args else grad_fn(upstream=upstream)
    else:
        grads = grad_fn(upstream)
    if not isinstance(grads, (list, tuple)):
        grads = [grads]
    grads = list(grads)
    if len(grads) != len(args):
        raise ValueError(f"ops.custom_gradient: the gradient function returned {len(grads)} "
                         f"gradients for {len(args)} inputs.")
    return grads


def _parse_signature(signature):
    """``"(m,n),(n)->(m)"`` -> ``([("m", "n"), ("n",)], [("m",)])``."""
    def groups(s):
        s = s.strip()
        out = []
        depth, cur = 0, ""
        for ch in s:
            if ch == "(":
                depth, cur = depth + 1, ""
            elif ch == ")":
                depth -= 1
                out.append(tuple(d.strip() for d in cur.split(",") if d.strip()))
            elif depth:
                cur += ch
        return out

    import re
    if not re.fullmatch(r"\s*(\(\s*\w*(\s*,\s*\w+)*\s*\)\s*,?\s*)*->\s*(\(\s*\w*(\s*,\s*\w+)*\s*\)\s*,?\s*)*",
                        signature):
        raise ValueError(f"ops.vectorize: invalid signature {signature!r} (expected e.g. '(m,n),(n)->(m)').")
    ins, outs = signature.split("->")
    return groups(ins), groups(outs)


class ControlOps(abc.ABC):
    """Control flow and function transforms."""

    # ------------------------------------------------------------- branching
    def cond(self, pred, true_fn, false_fn):
        """``true_fn()`` if ``pred`` else ``false_fn()`` (both take no arguments).

        ``pred``: a Python bool or a scalar boolean array. On JAX both branches
        are traced and must return the same structure, shapes and dtypes
        (``jax.lax.cond``), so ``pred`` may be traced inside ``jit``; on NumPy
        and torch only the chosen branch runs and ``pred`` must have a value
        (it always does there; under ``torch.compile`` a data-dependent
        predicate is a graph break). Differentiable through the taken branch.
        """
        return true_fn() if bool(_value(pred)) else false_fn()

    def switch(self, index, branches, *operands):
        """``branches[index](*operands)``, ``index`` clamped to ``[0, len(branches) - 1]``
        (as ``jax.lax.switch`` and Keras on every backend)."""
        if not branches:
            raise ValueError("ops.switch: `branches` must be a non-empty list of callables.")
        i = min(max(int(_value(index)), 0), len(branches) - 1)
        return branches[i](*operands)

    # ------------------------------------------------------------------ loops
    def while_loop(self, cond, body, loop_vars, maximum_iterations=None):
        """``while cond(*vars): vars = body(*vars)``; returns the final ``vars``.

        ``loop_vars``: a tuple or list (unpacked into ``cond``/``body``'s
        arguments; the result is a tuple) or a single value / structure (passed
        as one argument and returned as such). ``body`` returns the same
        structure. At most ``maximum_iterations`` iterations when given.

        Gradients: NumPy and torch differentiate through the iterations taken.
        On JAX, with a Python-int ``maximum_iterations`` the loop is a
        ``jax.lax.scan`` of that length whose steps past the exit are skipped by
        ``jax.lax.cond``, so it is reverse-differentiable (and always costs the
        ``maximum_iterations`` trip count in step launches); without it, it is
        ``jax.lax.while_loop``, which JAX differentiates only in forward mode.
        """
        is_tuple = isinstance(loop_vars, (list, tuple)) and not hasattr(loop_vars, "_fields")
        state = tuple(_values(loop_vars)) if is_tuple else (_values(loop_vars),)
        limit = None if maximum_iterations is None else int(_value(maximum_iterations))
        n = 0
        while (limit is None or n < limit) and bool(_value(cond(*state))):
            out = body(*state)
            state = tuple(out) if is_tuple else (out,)
            if is_tuple and len(state) != len(loop_vars):
                raise ValueError(f"ops.while_loop: `body` returned {len(state)} values for "
                                 f"{len(loop_vars)} loop variables.")
            n += 1
        state = tree.map_structure(self._as_array, state)
        return state if is_tuple else state[0]

    def _as_array(self, x):
        return self.convert(x) if isinstance(x, (bool, int, float)) else x

    def fori_loop(self, lower, upper, body_fun, init_val):
        """``for i in range(lower, upper): val = body_fun(i, val)``; returns ``val``.

        On JAX with Python-int bounds this is a ``jax.lax.scan`` (reverse-
        differentiable); with traced bounds a ``jax.lax.while_loop``. ``i`` is
        an int32 scalar array on JAX and a Python int on NumPy / torch.
        """
        val = _values(init_val)
        for i in range(int(_value(lower)), int(_value(upper))):
            val = body_fun(i, val)
        return tree.map_structure(self._as_array, val)

    def scan(self, f, init, xs=None, length=None, reverse=False, unroll=1):
        """Loop ``f(carry, x) -> (carry, y)`` over the leading axis of ``xs``.

        ``init``/``carry``: any structure of arrays (``f`` returns the same
        structure); ``xs``: a structure of arrays sharing their leading axis, or
        ``None`` with ``length`` steps (``x`` is then ``None``). ``reverse``
        walks the axis backwards; the stacked ``ys`` still line up with ``xs``
        (``ys[i]`` comes from ``xs[i]``), as ``jax.lax.scan``. ``unroll`` is a
        hint JAX uses; eager engines ignore it. Returns ``(final carry, ys)``
        with each ``y`` stacked on a new leading axis (``None`` where ``y`` is
        ``None``). Differentiable through ``init`` and ``xs``.
        """
        xs = _values(xs)
        flat = [] if xs is None else tree.flatten(xs)
        if xs is None or not flat:
            if length is None:
                raise ValueError("ops.scan: give `xs` or `length`.")
            n = int(length)
        else:
            sizes = {int(self.shape(a)[0]) for a in flat}
            if len(sizes) != 1:
                raise ValueError(f"ops.scan: the arrays of `xs` have different leading sizes {sorted(sizes)}.")
            n = sizes.pop()
            if length is not None and int(length) != n:
                raise ValueError(f"ops.scan: `length`={length} does not match the leading size {n} of `xs`.")
        carry, ys = _values(init), []
        order = range(n - 1, -1, -1) if reverse else range(n)
        for t in order:
            x_t = None if xs is None else tree.pack_sequence_as(xs, [self.getitem(a, t) for a in flat])
            carry, y = f(carry, x_t)
            ys.append(y)
        if reverse:
            ys.reverse()
        carry = tree.map_structure(self._as_array, carry)
        if not ys:
            return carry, None
        stacked = tree.map_structure(
            lambda *parts: None if parts[0] is None else self.stack(list(parts)), *ys)
        return carry, stacked

    def map(self, f, xs):
        """``f`` applied to each slice ``xs[i]`` along the leading axis (``xs`` any
        structure of arrays), the results stacked on a new leading axis
        (``jax.lax.map``: sequential, memory of one slice at a time)."""
        _, ys = self.scan(lambda carry, x: (carry, f(x)), (), xs)
        return ys

    def vectorized_map(self, function, elements):
        """``function`` applied to each slice of ``elements`` (an array or a structure,
        passed as ONE argument) along axis 0, results stacked: ``jax.vmap(function)
        (elements)``. NumPy and torch loop over the slices."""
        return self.map(function, elements)

    def vectorize(self, pyfunc, *, excluded=None, signature=None):
        """A function that applies ``pyfunc`` over the broadcast leading ("loop")
        dimensions of its array arguments, as ``numpy.vectorize`` /
        ``jnp.vectorize``.

        ``signature`` (e.g. ``"(m,n),(n)->(m)"``) names the core dimensions
        ``pyfunc`` sees whole; without it ``pyfunc`` gets scalars. ``excluded``:
        positions or keyword names passed through unvectorized. NumPy and torch
        call ``pyfunc`` once per loop index and stack the results.
        """
        excluded = set(excluded or ())
        cores = _parse_signature(signature) if signature is not None else None

        def vectorized(*args, **kwargs):
            pos = [i for i in range(len(args)) if i not in excluded]
            arrays = [self.convert(_value(args[i])) for i in pos]
            in_cores = cores[0] if cores else [()] * len(arrays)
            if len(in_cores) != len(arrays):
                raise ValueError(f"ops.vectorize: the signature {signature!r} has {len(in_cores)} "
                                 f"inputs but {len(arrays)} arrays were given.")
            sizes, batch_shapes = {}, []
            for a, core in zip(arrays, in_cores):
                shape = tuple(self.shape(a))
                if len(shape) < len(core):
                    raise ValueError(f"ops.vectorize: an input of shape {shape} has fewer dimensions "
                                     f"than its core signature {core}.")
                k = len(shape) - len(core)
                for name, d in zip(core, shape[k:]):
                    if sizes.setdefault(name, d) != d:
                        raise ValueError(f"ops.vectorize: core dimension {name!r} is {sizes[name]} "
                                         f"and {d} in different inputs.")
                batch_shapes.append(shape[:k])
            batch = _broadcast_shapes(batch_shapes)
            flat_args = []
            for a, core, bs in zip(arrays, in_cores, batch_shapes):
                core_shape = tuple(self.shape(a))[len(bs):]
                a = self.broadcast_to(a, batch + core_shape)
                flat_args.append(self.reshape(a, (math.prod(batch),) + core_shape))
            results = []
            for b in range(math.prod(batch)):
                call = list(args)
                for i, fa in zip(pos, flat_args):
                    call[i] = self.getitem(fa, b)
                results.append(pyfunc(*call, **kwargs))
            multi = isinstance(results[0], tuple) if results else (cores and len(cores[1]) > 1)
            if not results:
                raise ValueError("ops.vectorize: zero-size loop dimensions are not supported.")
            outs = list(zip(*results)) if multi else [results]
            stacked = []
            for parts in outs:
                s = self.stack([self.convert(p) for p in parts])
                stacked.append(self.reshape(s, batch + tuple(self.shape(s))[1:]))
            return tuple(stacked) if multi else stacked[0]

        return vectorized

    def associative_scan(self, f, elems, reverse=False, axis=0):
        """Inclusive scan of the associative ``f`` along ``axis``:
        ``out[i] = f(... f(f(e[0], e[1]), e[2]) ..., e[i])`` (``jax.lax.associative_scan``).

        ``elems``: an array or a structure of arrays with the same size along
        ``axis``; ``f(a, b)`` takes and returns such structures and must work
        on slices of any length along ``axis`` (it is applied element-wise over
        it). ``reverse=True`` scans from the end (the result of scanning the
        flipped input, flipped back). ``O(log n)`` calls of ``f`` (the parallel
        prefix algorithm), on every engine. Differentiable.
        """
        elems = _values(elems)
        flat = [self.convert(a) for a in tree.flatten(elems)]
        if not flat:
            raise ValueError("ops.associative_scan: `elems` has no arrays.")
        nd = len(self.shape(flat[0]))
        ax = axis + nd if axis < 0 else axis
        if not 0 <= ax < nd:
            raise ValueError(f"ops.associative_scan: axis {axis} out of range for rank {nd}.")
        sizes = {int(self.shape(a)[ax]) for a in flat}
        if len(sizes) != 1:
            raise ValueError(f"ops.associative_scan: the arrays of `elems` have different sizes "
                             f"{sorted(sizes)} along axis {axis}.")

        def sl(a, start=None, stop=None, step=None):
            return self.getitem(a, (slice(None),) * ax + (slice(start, stop, step),))

        def combine(xa, xb):
            out = f(tree.pack_sequence_as(elems, xa), tree.pack_sequence_as(elems, xb))
            return [self.convert(o) for o in tree.flatten(out)]

        def interleave(even, odd):
            # even has len(odd) or len(odd) + 1 items along ax
            ne, no = int(self.shape(even)[ax]), int(self.shape(odd)[ax])
            pairs = self.stack([sl(even, 0, no), odd], axis=ax + 1)
            shape = tuple(self.shape(pairs))
            merged = self.reshape(pairs, shape[:ax] + (2 * no,) + shape[ax + 2:])
            if ne > no:
                merged = self.concatenate([merged, sl(even, ne - 1, ne)], axis=ax)
            return merged

        def prefix(xs):
            n = int(self.shape(xs[0])[ax])
            if n < 2:
                return xs
            pairs = combine([sl(a, 0, n - 1, 2) for a in xs], [sl(a, 1, None, 2) for a in xs])
            odd = prefix(pairs)  # results at positions 1, 3, 5, ...
            if n > 2:
                head = odd if n % 2 else [sl(o, 0, -1) for o in odd]
                evens = combine(head, [sl(a, 2, None, 2) for a in xs])
                even = [self.concatenate([sl(a, 0, 1), e], axis=ax) for a, e in zip(xs, evens)]
            else:
                even = [sl(a, 0, 1) for a in xs]
            return [interleave(e, o) for e, o in zip(even, odd)]

        if reverse:
            flat = [self.flip(a, axis=ax) for a in flat]
        out = prefix(flat)
        if reverse:
            out = [self.flip(a, axis=ax) for a in out]
        return tree.pack_sequence_as(elems, out)

    # -------------------------------------------------------------- transforms
    @abc.abstractmethod
    def custom_gradient(self, f):
        """Decorator: ``f(*args)`` returns ``(output, grad_fn)``; gradients of the
        decorated function through ``args`` are ``grad_fn``'s, not autodiff's.

        ``grad_fn`` follows Keras: called with the upstream gradient (a
        structure like ``output``) as ``grad_fn(upstream)`` (Keras on JAX) or
        ``grad_fn(*args, upstream=upstream)`` (Keras on PyTorch), whichever its
        signature accepts (see ``call_grad_fn``), and returns one gradient per
        positional argument (a single array when ``f`` takes one). Values
        ``f`` closes over get no gradient through it (as ``jax.custom_vjp``).
        """

    @abc.abstractmethod
    def jvp(self, fun, primals, tangents, has_aux=False):
        """Forward-mode derivative: ``(fun(*primals), J @ tangents)`` (and ``aux`` when
        ``has_aux``: ``fun`` returns ``(output, aux)``), as ``jax.jvp``.

        ``primals``/``tangents``: tuples (or lists) of the same structure.
        NumPy has no forward mode: it takes one reverse pass per output
        element (fine for small outputs, exact).
        """


def _broadcast_shapes(shapes):
    nd = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(nd):
        dims = {s[len(s) - nd + i] for s in shapes if len(s) - nd + i >= 0} - {1}
        if len(dims) > 1:
            raise ValueError(f"ops.vectorize: loop dimensions {shapes} do not broadcast.")
        out.append(dims.pop() if dims else 1)
    return tuple(out)
