"""The NumPy engine's ``jit``: record a pure step once, replay it as straight-line code.

``Replayed(fn)`` is called like ``fn``. For each input signature (the nesting of
the arguments, and the shape and dtype of every array leaf; other leaves by
value) it runs ``fn`` eagerly while recording, at the level of the engine's
adapter methods, what was computed:

* every top-level call of a ``NumpyBackend`` method (and of the optimizers'
  ``inplace`` methods, and of ``Traced``'s operators) becomes one entry
  ``r = f(args...)`` whose array arguments are named by where they came from:
  an input leaf (``a3``), an earlier entry's output (``r7``, ``r7_1``...), or a
  captured constant (``c2``). Calls the method makes inside itself are not
  recorded: replaying it re-runs them.
* a ``value_and_grad`` becomes: fresh ``Traced`` leaves (``_open``, no tape),
  the recorded forward ops (run on the fresh leaves, they rebuild the VJP
  closures over the fresh values), then the backward pass unrolled as the
  tape walked it (``backward``'s log): one ``b = node.vjp(g_node)`` per node and
  one line per gradient sum, in the same order and with the same in-place or
  fresh sums, so the results are bit-identical with no graph bookkeeping.
  Nodes made inside an op are reached as ``child.parents[i]``.
* loops whose trip count is a shape or a Python int (``scan``, ``map``,
  ``fori_loop``...) are not entries: their bodies' calls are, unrolled.

Lowering to plain NumPy (what makes replay cheaper than the eager step):

* inside a ``value_and_grad``, an op that has a plain-array form (its ``lower``
  attribute, next to its VJP in ``ops.py``: the element-wise binary and unary
  ops, ``sum``, ``mean``, the two-matrix ``matmul``) is also written down as
  ``r = fwd(arrays)`` and its VJP as ``b = bwd(g, arrays, r)``, both made at
  recording time for this signature (the reduction axes, broadcast axes and
  counts found once). When every traced op of the region has one, the region is
  replayed in that form: no ``Traced`` node, no closure, the leaves plain arrays
  (``_open_plain``; ``leaf_grads`` told which are traced by markers), the root
  gradient a copied constant. Otherwise the region replays traced, as above.
* outside a ``value_and_grad``, an element-wise op whose ufunc gives the op's
  own dtype on this signature is called as the ufunc itself (an op's ``direct``
  names the NumPy function it runs on given arguments: ``matmul``'s
  ``np.matmul`` for two matrices); and one whose first
  argument is an array this program made fresh (a ``fresh``/``into`` op: a new
  buffer no one else holds), of the result's shape and dtype, and read by no
  other line, writes its result into it (``out=``; ``into``). Both give the
  same bits as the op: the same ufunc on the same operands.
* a replayed signature is told by the program's own ``check`` (generated
  straight-line code comparing container types, lengths, shapes and dtypes),
  tried first on the program replayed last; a miss falls back to ``_flatten``.

The recording is turned into Python source (one line per entry) and compiled.
A signature is replayed only once two consecutive recordings of it are the same
program (same functions, same sources, equal constants; a constant array must
be the very same object): a Python branch, a Python number or an array computed
from data outside the engine's ops shows up as a difference. After three
recordings that still differ, or when something cannot be recorded at all (a
``float()``/``bool()`` of a traced value, ``cond``/``while_loop``/``switch``/
``custom_gradient`` running Python functions, a nested ``value_and_grad``), the
signature runs eagerly for good and a warning names the cause once. One array
passed in two places is part of the signature; only the recording thread's
calls are recorded.

Not seen by the recorder: Python side effects (printing, a Python counter), and
a Variable the step reads but does not take as input (its array is captured as
a constant; the trainer's steps take every model, optimizer and metric variable).

Replay creates fresh arrays for its results (no buffer is reused between calls;
``out=`` only reuses an intermediate of the same call), so a result the caller
keeps is never overwritten. Inputs that the recorded
program updates in place (the optimizers' in-place fast path) are updated in
replay only when they are arrays this step returned at its previous call (as
the optimizer's own ownership check); otherwise that call runs eagerly.
"""
from __future__ import annotations

import collections
import re
import warnings
from threading import get_ident

import numpy as np

from . import autodiff
from .autodiff import Frame, Traced

# Adapter methods that only describe their arguments (shape, dtype...) or return
# functions: they run unrecorded (their results depend on the signature only).
_PASS = frozenset({"shape", "dtype", "ndim", "size", "is_array", "is_tensor", "jit",
                   "value_and_grad", "result_type", "standardize_dtype", "grad", "is_float_dtype",
                   "is_int_dtype"})
# Loops whose trip count is a shape or a Python int: not recorded themselves, the
# adapter calls they make (the body's ops, unrolled) are.
_TRANSPARENT = frozenset({"scan", "map", "vectorized_map", "associative_scan", "fori_loop"})
# Adapter methods that call Python functions on values: not recordable.
_CALLS_PYTHON = frozenset({"cond", "switch", "while_loop", "vectorize", "custom_gradient", "jvp"})
# ``inplace`` methods that update their first argument (a list of arrays) in place.
_INPLACE_MUTATORS = ("mul_", "add_", "addcmul_", "addcdiv_", "add_scalar_", "sqrt_")
_INPLACE_RECORDED = _INPLACE_MUTATORS + ("add", "sqrt")
_LEAF_TYPES = (np.ndarray, Traced, Frame)
_MAX_RECORDINGS = 3
_MAX_LINES = 200_000
_MAX_SIGNATURES = 16
_WARNED = set()


class _Stop(Exception):
    """The step cannot be recorded (``cause`` says why)."""


# ---------------------------------------------------------------- flattening
def _flatten(x, leaves):
    """The nesting of ``x`` (a hashable description); its leaves appended to ``leaves``.
    An array contributes its shape and dtype, a container a tuple starting with its type."""
    t = type(x)
    if t is list or t is tuple:
        key = [t]
        for v in x:
            tv = type(v)
            if tv is np.ndarray:
                leaves.append(v)
                key.append(v.shape)
                key.append(v.dtype)
            elif tv is list or tv is tuple:  # one level inlined: a step's state is lists of arrays
                n = len(leaves)
                sub = [tv]
                for u in v:
                    if type(u) is np.ndarray:
                        sub.append(u.shape)
                        sub.append(u.dtype)
                    elif isinstance(u, np.generic):
                        sub.append((type(u),))
                    else:
                        del leaves[n:]
                        key.append(_flatten(v, leaves))
                        break
                    leaves.append(u)
                else:
                    key.append(tuple(sub))
            else:
                key.append(_flatten(v, leaves))
        return tuple(key)
    if t is np.ndarray:
        leaves.append(x)
        return (np.ndarray, x.shape, x.dtype)
    if t is dict:
        return (dict, tuple([(k, _flatten(v, leaves)) for k, v in x.items()]))
    if isinstance(x, np.generic):
        leaves.append(x)
        return (t,)
    if x is None or t in (int, float, bool, str):
        return (t, x)
    raise _Stop(f"an argument of type {t.__name__} (only arrays, Python numbers, None, "
                f"lists, tuples and dicts of them can be replayed)")


def _checker(args):
    """A compiled ``check(args) -> leaves | None``: the leaves of ``args`` when they
    have the signature of this ``args`` (the same nesting, container types and
    lengths, array shapes and dtypes, scalar types, Python values), else None.
    Straight-line code, so a replayed call pays a few attribute reads per leaf
    instead of ``_flatten``'s walk; None where the nesting has other leaf kinds.
    (Stricter than the signature is fine: a miss falls back to ``_flatten``.)"""
    lines, consts, leaves = [], [], []

    def const(x):
        consts.append(x)
        return f"k{len(consts) - 1}"

    def walk(x, var):
        t = type(x)
        if t is np.ndarray:
            lines.append(f"if type({var}) is not _nd or {var}.shape != {const(x.shape)} or "
                         f"{var}.dtype != {const(x.dtype)}: return None")
            leaves.append(var)
        elif t is list or t is tuple:
            lines.append(f"if type({var}) is not {const(t)} or len({var}) != {len(x)}: return None")
            if x:
                names = [f"v{len(lines)}_{i}" for i in range(len(x))]
                lines.append(f"{', '.join(names)}, = {var}")
                for v, name in zip(x, names):
                    walk(v, name)
        elif t is dict:
            lines.append(f"if type({var}) is not dict or tuple({var}) != {const(tuple(x))}: "
                         f"return None")
            for k, v in x.items():
                name = f"v{len(lines)}"
                lines.append(f"{name} = {var}[{const(k)}]")
                walk(v, name)
        elif isinstance(x, np.generic):
            lines.append(f"if type({var}) is not {const(t)}: return None")
            leaves.append(var)
        elif x is None or t in (int, float, bool, str):
            lines.append(f"if type({var}) is not {const(t)} or {var} != {const(x)}: return None")
        else:
            raise _Stop("")

    try:
        walk(args, "args")
    except _Stop:
        return None
    src = ("def check(args):\n" + "".join(f"    {line}\n" for line in lines)
           + f"    leaves = [{', '.join(leaves)}]\n"
           + f"    if len(set(map(id, leaves))) != {len(leaves)}: return None\n"
           + "    return leaves\n")
    scope = {"_nd": np.ndarray, **{f"k{i}": c for i, c in enumerate(consts)}}
    exec(compile(src, "<kerasette replay check>", "exec"), scope)  # noqa: S102 - generated here
    return scope["check"]


# ---------------------------------------------------------------- recording
class _Recording:
    """One eager run of ``fn`` with every adapter call written down."""

    def __init__(self, backend, leaves):
        self.backend = backend
        self.names = {}  # id(object) -> its name in the program
        self.value_of = {}  # id(traced.value) -> the traced node's name
        self.keep = []  # what ``names`` refers to, alive while recording (ids stay unique)
        self.lines = []  # the program's source lines
        self.spec = []  # the comparable form of each line
        self.consts = []  # the captured constants, c0, c1...
        self.funcs = []  # the functions called, f0, f1...
        self.mutated = set()  # input indices updated in place
        self.frames = {}  # id(frame) of an open value_and_grad -> names of its values, leaves
        self.region = None  # the open value_and_grad's lowering (_Region), None: not lowerable
        self.plain = set()  # names of traced nodes that replay holds as plain arrays
        self.fresh = set()  # names of arrays an op of this program made (no one else has them)
        self.into = {}  # line index -> (its first argument, the line writing into it)
        self.depth = 0
        self.thread = get_ident()  # other threads' calls are not this step's
        self.cause = None  # why this run cannot be replayed (recording stops, the run goes on)
        self.n = 0
        for i, x in enumerate(leaves):
            self._name(x, f"a{i}")

    # -- names
    def _name(self, x, name):
        self.names[id(x)] = name
        self.keep.append(x)
        if type(x) is Traced:
            self.value_of[id(x.value)] = name

    def _const(self, x):
        self.consts.append(x)
        return f"c{len(self.consts) - 1}"

    def _ref(self, x, spec, plain=False):
        """Source text for argument ``x``; its comparable form appended to ``spec``.
        ``plain``: a traced node stands for its value (``autodiff.unwrap``)."""
        t = type(x)
        if t in _LEAF_TYPES or isinstance(x, np.generic):
            name = self.names.get(id(x))
            if name is not None:
                if plain and t is Traced:
                    name += ".value"
                spec.append(name)
                return name
            if t is np.ndarray:
                node = self.value_of.get(id(x))
                if node is not None:
                    name = self._derive(f"{node}.value", x)
                    spec.append(name)
                    return name
            if t is Traced or t is Frame:
                raise _Stop("a traced value made outside the engine's ops reaches an op")
            spec.append(("const", x))
            return self._const(x)
        if t is list or t is tuple:
            inner = []
            parts = [self._ref(v, inner, plain) for v in x]
            spec.append((t, tuple(inner)))
            if t is tuple:
                return "(" + "".join(p + ", " for p in parts) + ")"
            return "[" + ", ".join(parts) + "]"
        if t is dict:
            inner = []
            parts = [f"{self._const(k)}: {self._ref(v, inner, plain)}" for k, v in x.items()]
            spec.append((dict, tuple(x), tuple(inner)))
            return "{" + ", ".join(parts) + "}"
        if isinstance(x, (tuple, list, dict)) and _has_leaf(list(x.values()) if isinstance(x, dict)
                                                           else list(x)):
            raise _Stop(f"a {t.__name__} holding arrays reaches an op")
        spec.append(("const", x))
        return self._const(x)

    def _derive(self, expr, out):
        name = f"r{self.n}"
        self.n += 1
        self.lines.append(f"{name} = {expr}")
        self.spec.append(("derive", expr))
        self._name(out, name)
        return name

    def _outputs(self, out, name):
        """Name ``out`` (and the arrays nested in it) for later references."""
        t = type(out)
        if t in _LEAF_TYPES or isinstance(out, np.generic):
            self._name(out, name)
        elif isinstance(out, (list, tuple)):
            for i, v in enumerate(out):
                if _has_leaf(v):
                    sub = f"{name}_{i}"
                    self.lines.append(f"{sub} = {name}[{i}]")
                    self._outputs(v, sub)
        elif t is dict:
            for i, (k, v) in enumerate(out.items()):
                if _has_leaf(v):
                    sub = f"{name}_{i}"
                    self.lines.append(f"{sub} = {name}[{self._const(k)}]")
                    self._outputs(v, sub)

    def call(self, fn, args, kwargs, out, label, mutates=False):
        """Write down ``out = fn(*args, **kwargs)`` (already run)."""
        spec = [label]
        try:
            parts = [self._ref(a, spec) for a in args]
            for k, v in kwargs.items():
                parts.append(f"{k}={self._ref(v, spec)}")
        except _Stop as e:
            self.cause = f"{e.args[0]} ({label})"
            return
        if mutates and type(args[0]) in (list, tuple):
            for x in args[0]:
                name = self.names.get(id(x), "")
                if name[:1] == "a":
                    self.mutated.add(int(name[1:]))
        self.funcs.append(fn)
        name = f"r{self.n}"
        self.n += 1
        self.lines.append(f"{name} = f{len(self.funcs) - 1}({', '.join(parts)})")
        self.spec.append(tuple(spec))
        if self.region is not None:
            self._lower(fn, args, kwargs, out, name)
        elif not self.frames:
            ufunc = getattr(fn, "ufunc", None)
            direct = getattr(fn, "direct", None)
            if ufunc is not None:
                if kwargs or not _plain_leaves(args) or \
                        np.result_type(ufunc(*args)) != np.result_type(out):
                    ufunc = False  # (a float64 result demoted: no direct call, no out=)
                else:
                    self.funcs[-1] = ufunc  # the op is its ufunc on this signature: call it
            elif direct is not None and not kwargs:
                self.funcs[-1] = direct(*args) or fn  # the NumPy function it runs on these
            if type(out) is np.ndarray and ufunc is not False:
                self._into(fn, args, kwargs, out, name, parts)
        self._outputs(out, name)

    def _into(self, fn, args, kwargs, out, name, parts):
        """Note a plain call whose result may overwrite its first argument: an array an
        earlier op of this program made fresh (``fresh``/``into`` ops), of the result's
        shape and dtype, if nothing else reads it (``finish_program`` decides)."""
        into = getattr(fn, "into", None)
        if into is None and not getattr(fn, "fresh", False):
            return
        self.fresh.add(name)
        if into is None or "out" in kwargs or not args or type(args[0]) is not np.ndarray:
            return
        first = self.names.get(id(args[0]))
        if first in self.fresh and args[0].shape == out.shape and args[0].dtype == out.dtype:
            self.funcs.append(into)
            self.into[len(self.lines) - 1] = (
                first, f"{name} = f{len(self.funcs) - 1}({', '.join(parts)}, out={first})")

    def _lower(self, fn, args, kwargs, out, name):
        """The plain-array form of the call just written down (inside a value_and_grad):
        ``name = fwd(args)`` and, for the backward pass, ``bwd(g, args, name)``
        (the op's ``lower``); an op with none makes the whole region run traced."""
        region = self.region
        if type(out) is not Traced:
            if _has_traced(out):
                self.region = None  # traced values in a container (split, unstack...)
            return  # not differentiable: run as written, on plain arrays
        lower = getattr(fn, "lower", None)
        pair = lower(out, *args, **kwargs) if lower is not None else None
        if pair is None:
            self.region = None
            return
        fwd, bwd = pair
        plain = [self._ref(a, [], plain=True) for a in args]
        self.funcs.append(fwd)
        region.alt[len(self.lines) - 1] = f"{name} = f{len(self.funcs) - 1}({', '.join(plain)})"
        self.funcs.append(bwd)
        region.nodes[name] = f"f{len(self.funcs) - 1}(g_{name}, {''.join(p + ', ' for p in plain)}{name})"

    # -- value_and_grad: fresh leaves, the forward ops, then the backward pass unrolled
    def enter(self, params):
        if self.depth or self.cause:
            return autodiff.enter(params)
        if autodiff._tape is not None:
            self.cause = "a value_and_grad runs inside another one"
            return autodiff.enter(params)
        out = autodiff.enter(params)
        self.call(_open, (params,), {}, out, "enter")
        self.region = _Region(len(self.funcs) - 1)
        frame = self.names[id(out[0])]
        self.frames[id(out[0])] = (frame, self.names[id(out[1])] if id(out[1]) in self.names
                                   else None)
        return out

    def finish(self, f, value, aux):
        if self.depth or self.cause or id(f) not in self.frames:
            return autodiff.finish(f, value, aux)
        log = []
        traced = [leaf for leaf in f.leaves if type(leaf) is Traced]
        reached = type(value) is Traced and value.gen == autodiff._gen
        out = autodiff.finish(f, value, aux, log)
        values_name, leaves_name = self.frames.pop(id(f))
        spec = ["finish"]
        try:
            root = self._ref(value, spec) if type(value) is Traced else None
            aux_expr = self._ref(aux, spec, plain=True)
            value_expr = f"{root}.value" if root else self._ref(value, spec)
            leaves_expr = leaves_name or self._ref(f.leaves, spec)
        except _Stop as e:
            self.cause = f"{e.args[0]} (value_and_grad)"
            return out
        region, self.region = self.region, None
        lines = []
        summed = set()  # names whose gradient variable exists
        if reached:
            lines.append(f"g_{root} = {self._const(np.ones_like(value.value))}.copy()")
            summed.add(root)
        for node, events in log:
            name = self.names.get(id(node))
            if name is None:  # cannot happen: a node gets its name when its gradient starts
                self.cause = "a backward node the recorder did not see"
                return out
            if region is not None:
                region.lines[len(lines)] = f"b = {region.nodes[name]}" if name in region.nodes \
                    else None
            lines.append(f"b = {name}.vjp(g_{name})")
            for i, p, how, slot in events:
                pname = self.names.get(id(p))
                if pname is None:  # a node made inside an op: reached through its child
                    region = None
                    pname = f"p{self.n}"
                    self.n += 1
                    lines.append(f"{pname} = {name}.parents[{i}]")
                    self._name(p, pname)
                g, pg = f"g_{pname}", f"b[{i}]"
                if how == "first":
                    lines.append(f"{g} = {pg}.dense({self._const(p.value.shape)})" if slot
                                 else f"{g} = {pg}")
                    summed.add(pname)
                elif how == "add":
                    lines.append(f"{pg}.add_into({g})" if slot else f"{g} += {pg}")
                else:
                    lines.append(f"{g} = {pg}.add_into(_array({g}, dtype=_result_type({g}, {pg}.g)))"
                                 if slot else f"{g} = _asarray({g} + {pg})")
        found = []
        for leaf in traced:
            leaf_name = self.names.get(id(leaf))
            found.append(f"g_{leaf_name}" if leaf_name in summed else "None")
        name = f"r{self.n}"
        self.n += 1
        lowered = region is not None and None not in region.lines.values()
        if lowered:  # every op has a plain form: the leaves are plain arrays too
            for i, line in region.alt.items():
                self.lines[i] = line
            for i, line in region.lines.items():
                lines[i] = line
            self.plain.update(region.nodes)
            self.funcs[region.open] = _open_plain
            self.plain.update(self.names[id(leaf)] for leaf in traced)
            leaves_expr = self._const([_MARK if type(leaf) is Traced else None for leaf in f.leaves])
        lines.append(f"{name} = (({value_expr}, {aux_expr}), _leaf_grads({leaves_expr}, "
                     f"{values_name}, [{', '.join(found)}]))")
        self.lines.extend(lines)
        self.spec.append((tuple(spec), tuple(lines)))
        self._outputs(out, name)
        return out

    def finish_program(self, result):
        if len(self.lines) > _MAX_LINES:
            self.cause = (f"the recorded program has {len(self.lines)} lines (over {_MAX_LINES}; "
                          f"a long unrolled loop?)")
            return
        spec = []
        try:
            expr = self._ref(result, spec)
        except _Stop as e:
            self.cause = f"{e.args[0]} (the result)"
            return
        self.spec.append(("return", tuple(spec)))
        self.lines.append(f"return {expr}")
        if self.into:  # a fresh array read once, by the line that may write into it
            uses = collections.Counter(_NAME.findall("\n".join(self.lines)))
            for i, (first, line) in self.into.items():
                if uses[first] == 2:  # its definition and this line
                    self.lines[i] = line
        self.keep = self.names = self.value_of = None  # ids are only meaningful while recording


class _Region:
    """A value_and_grad being recorded: each op's plain-array line (by line index)
    and each traced node's backward call (``_Recording._lower``)."""

    __slots__ = ("open", "alt", "nodes", "lines")

    def __init__(self, open_func):
        self.open = open_func  # the index of its ``_open`` among the program's functions
        self.alt = {}  # index in the program -> the plain-array line replacing it
        self.nodes = {}  # traced node name -> its vjp as a call on plain arrays
        self.lines = {}  # index in the backward lines -> its plain form (None: none)


def _plain_leaves(args):
    """Whether every argument is an ndarray, a NumPy scalar or a Python number."""
    return all(type(a) in (np.ndarray, int, float, bool) or isinstance(a, np.generic) for a in args)


def _has_traced(x):
    if type(x) is Traced:
        return True
    if isinstance(x, (list, tuple)):
        return any(_has_traced(v) for v in x)
    if isinstance(x, dict):
        return any(_has_traced(v) for v in x.values())
    return False


def _has_leaf(x):
    t = type(x)
    if t in _LEAF_TYPES or isinstance(x, np.generic):
        return True
    if isinstance(x, (list, tuple)):
        return any(_has_leaf(v) for v in x)
    if isinstance(x, dict):
        return any(_has_leaf(v) for v in x.values())
    return False


def _wrap(fn, label, mutates=False):
    """``fn`` that, while a recording runs, writes its top-level calls down."""
    def recorded(*args, **kwargs):
        rec = Replayed.active
        if rec is None or rec.depth or rec.cause or rec.thread != get_ident():
            return fn(*args, **kwargs)
        rec.depth = 1
        try:
            out = fn(*args, **kwargs)
        finally:
            rec.depth = 0
        rec.call(fn, args, kwargs, out, label, mutates)
        return out

    recorded.__wrapped__ = fn
    return recorded


def _refuse(fn, cause):
    """``fn`` that, called at the top level while a recording runs, stops the recording."""
    def refused(*args, **kwargs):
        rec = Replayed.active
        if rec is not None and not rec.depth and not rec.cause and rec.thread == get_ident():
            rec.cause = cause
        return fn(*args, **kwargs)

    return refused


def _enter(params):
    rec = Replayed.active
    if rec is None or rec.thread != get_ident():
        return autodiff.enter(params)
    return rec.enter(params)


def _finish(f, value, aux):
    rec = Replayed.active
    if rec is None or rec.thread != get_ident():
        return autodiff.finish(f, value, aux)
    return rec.finish(f, value, aux)


class _Installed:
    """The recording wrappers on the adapter, ``inplace``, ``Traced`` and the tape
    (made once per adapter; installed only while a recording runs)."""

    _made = {}

    @classmethod
    def on(cls, backend):
        made = cls._made.get(id(backend))
        if made is None or made.backend is not backend:
            made = cls._made[id(backend)] = cls(backend)
        return made

    def __init__(self, backend):
        self.backend = backend
        kind = type(backend)
        added = {}
        for name in _method_names(kind):
            fn = getattr(backend, name)
            if name in _CALLS_PYTHON:
                added[name] = _refuse(fn, f"ops.{name} runs Python functions on the values")
            else:
                added[name] = _wrap(fn, name)
        added["inplace"] = _InPlaceRecorder(kind.inplace)
        # the adapter takes this class while recording: one assignment installs every wrapper
        self.kind = kind
        self.recording_kind = type(kind)(kind.__name__, (kind,), {
            "__module__": kind.__module__,
            **{n: (staticmethod(f) if callable(f) else f) for n, f in added.items()}})
        self.traced = {}
        for name, attr in list(vars(Traced).items()):
            if name in autodiff._BASE_ATTRS or name.startswith("__") and name[2:-2] in ("doc", "module"):
                continue
            if isinstance(attr, property):
                self.traced[name] = property(_wrap(attr.fget, "Traced." + name))
            elif callable(attr):
                self.traced[name] = _wrap(attr, "Traced." + name)
        for name in ("__bool__", "__float__", "__int__"):
            self.traced[name] = _refuse(
                getattr(Traced, name), f"Python reads a traced value ({name[2:-2]}() of it)")
        self.saved = {name: vars(Traced)[name] for name in self.traced}

    def __enter__(self):
        self.backend.__class__ = self.recording_kind
        for name, attr in self.traced.items():
            setattr(Traced, name, attr)
        autodiff.hooks.update(enter=_enter, finish=_finish)
        return self

    def __exit__(self, *exc):
        self.backend.__class__ = self.kind
        for name, attr in self.saved.items():
            setattr(Traced, name, attr)
        autodiff.hooks.update(enter=autodiff.enter, finish=autodiff.finish)


class _InPlaceRecorder:
    """``inplace`` as the optimizers see it while recording: each call written down."""

    def __init__(self, inplace):
        self.owns = inplace.owns
        for name in _INPLACE_RECORDED:
            setattr(self, name, _wrap(getattr(inplace, name), "inplace." + name,
                                      mutates=name in _INPLACE_MUTATORS))


_NAMES_CACHE = {}


def _method_names(cls):
    names = _NAMES_CACHE.get(cls)
    if names is None:
        names = []
        for name in dir(cls):
            if name.startswith("__") or name in _PASS or name in _TRANSPARENT or name == "inplace":
                continue
            try:
                attr = getattr(cls, name)
            except AttributeError:
                continue
            if callable(attr) and not isinstance(attr, type):
                names.append(name)
        names = _NAMES_CACHE[cls] = tuple(names)
    return names


# ---------------------------------------------------------------- comparing
def _same(a, b):
    if type(a) is not type(b):
        return False
    if type(a) is tuple:
        if len(a) == 2 and a and a[0] == "const":
            return b[0] == "const" and _same_const(a[1], b[1])
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _same_const(x, y):
    if x is y:
        return True
    tx = type(x)
    if tx is not type(y) or tx is np.ndarray:
        return False  # an array constant must be the same object in both recordings
    if isinstance(x, np.generic):
        return x.dtype == y.dtype and (x == y or (x != x and y != y))
    if tx in (int, float, bool, str, complex, type(None), np.dtype):
        return x == y or (x != x and y != y)
    if tx in (list, tuple):
        return len(x) == len(y) and all(_same_const(u, v) for u, v in zip(x, y))
    try:
        return bool(x == y)
    except Exception:  # noqa: BLE001 - incomparable objects: not the same
        return False


def _difference(old, new):
    """Words for the first line where two recordings differ."""
    for a, b in zip(old.spec, new.spec):
        if not _same(a, b):
            label = a[0] if type(a) is tuple and a and type(a[0]) is str else "an op"
            if label == "return":
                label = "the step's result"
            elif label[0] != "T" and label[:7] != "inplace" and label not in ("enter", "finish"):
                label = f"ops.{label}"
            const = _first_const_difference(a, b)
            if isinstance(const, (np.ndarray, np.generic)):
                return (f"an array computed outside the engine's ops (a Python operator such as "
                        f"`+` on a NumPy array, e.g. `variable.value + x`) reaches {label}; use "
                        f"kerasette.ops (or the Variable itself) there")
            if const is not None:
                return (f"{label} gets a Python value computed from the data ({const!r} at one "
                        f"step): Python reads an array (float(), int(), .item()...)")
            return (f"{label} is fed differently at two steps: Python control flow depends on "
                    f"the values")
    return "the number of recorded ops differs between two steps (Python control flow on values)"


def _first_const_difference(a, b):
    if type(a) is tuple and type(b) is tuple:
        if len(a) == 2 and a[0] == "const" and b[0] == "const":
            return None if _same_const(a[1], b[1]) else (a[1] if a[1] is not None else "None")
        for x, y in zip(a, b):
            found = _first_const_difference(x, y)
            if found is not None:
                return found
    return None


def _open_plain(params):
    """``_open`` where every op has a plain-array form: the leaves are the arrays
    (``leaf_grads`` is told which are traced by markers, ``_MARK``)."""
    values = [p.value if type(p) is Traced else np.asarray(p) for p in params]
    return values, values


_MARK = Traced.__new__(Traced)  # "this leaf is traced" for leaf_grads: never on a tape, no value


def _open(params):
    """Replay's ``enter``: the parameters' arrays and the leaves (no tape: replay
    runs the backward pass as recorded, with no bookkeeping)."""
    values = [p.value if type(p) is Traced else np.asarray(p) for p in params]
    return values, [Traced(v) if v.dtype.kind == "f" else v for v in values]


_SCOPE = {"_ones_like": np.ones_like, "_array": np.array, "_asarray": np.asarray,
          "_result_type": np.result_type, "_leaf_grads": autodiff.leaf_grads}


_NAME = re.compile(r"\br\d+(?:_\d+)*\b")
_VALUE = re.compile(r"\b(r\d+(?:_\d+)*)\.value\b")


def _compile(rec, n_inputs):
    args = ", ".join(f"a{i}" for i in range(n_inputs))
    unpack = f"    {args}, = leaves\n" if n_inputs else ""
    lines = rec.lines
    if rec.plain:  # nodes replay holds as plain arrays: their ``.value`` is themselves
        plain = rec.plain
        lines = [_VALUE.sub(lambda m: m[1] if m[1] in plain else m[0], line) for line in lines]
    src = "def replay(leaves):\n" + unpack + "".join(f"    {line}\n" for line in lines)
    scope = dict(_SCOPE)
    scope.update({f"f{i}": f for i, f in enumerate(rec.funcs)})
    scope.update({f"c{i}": c for i, c in enumerate(rec.consts)})
    exec(compile(src, "<kerasette replay>", "exec"), scope)  # noqa: S102 - our own generated code
    fn = scope["replay"]
    fn.source = src
    return fn


# ---------------------------------------------------------------- the jit
class Replayed:
    """``fn`` recorded once per input signature and replayed (see the module doc)."""

    active = None  # the recording in progress (one at a time; nested calls run eagerly)

    def __init__(self, fn, backend):
        self.fn = fn
        self.backend = backend
        self.programs = {}  # signature -> compiled program | (count, last recording) | None
        self.produced = {}  # id -> array this step returned last time (the in-place guard)
        self.last = None  # the program replayed last and the inputs it updated in place
        self.stats = {"recorded": 0, "replayed": 0, "eager": 0}
        self.causes = []
        self.fast = None  # the program replayed last (its ``check`` tells a call of its signature)

    def __call__(self, *args):
        if Replayed.active is not None or autodiff._tape is not None:
            return self.fn(*args)  # inside a recording or a value_and_grad: plain calls
        fast = self.fast  # the last replayed program: its signature checked by its own code
        if fast is not None:
            leaves = fast.check(args)
            if leaves is not None:
                return self._replay(fast, leaves, args)
        leaves = []
        try:
            key = _flatten(args, leaves)
        except _Stop as e:
            return self._eager(args, "*", str(e))
        if len(set(map(id, leaves))) != len(leaves):  # one array in two places: part of the key
            first = {}
            key = (key, tuple([first.setdefault(id(x), i) for i, x in enumerate(leaves)]))
        prog = self.programs.get(key, False)
        if callable(prog):
            if prog.check is not None:
                self.fast = prog
            return self._replay(prog, leaves, args)
        if prog is None:
            return self._note(self.fn(*args), "eager")
        return self._record(key, args, leaves, prog or (0, None))

    def _replay(self, prog, leaves, args):
        mutated = prog.mutated
        if mutated:
            last = self.last  # (program, its in-place inputs) of the previous replay
            if last is None or last[0] is not prog or \
                    any([leaves[i] is not x for i, x in zip(mutated, last[1])]):
                produced = self.produced
                for i in mutated:
                    x = leaves[i]
                    if produced.get(id(x)) is not x:  # not what this step wrote: eager, as the
                        return self._note(self.fn(*args), "eager")  # optimizer would
                self.produced = {id(leaves[i]): leaves[i] for i in mutated}  # updated in place
                self.last = (prog, [leaves[i] for i in mutated])
            out = self._run(prog, leaves)
        else:
            out = self._run(prog, leaves)
        self.stats["replayed"] += 1
        return out

    @staticmethod
    def _run(prog, leaves):
        try:
            return prog(leaves)
        finally:
            autodiff._tape = None  # (replay never opens a tape; an error must not leave one)

    def _note(self, out, kind):
        if kind:
            self.stats[kind] += 1
        if self.mutating:
            got = []
            try:
                _flatten(out, got)
            except _Stop:
                got = []
            self.produced = {id(x): x for x in got}
            self.last = None
        return out

    mutating = False

    def _record(self, key, args, leaves, previous):
        count, last = previous  # recordings of this signature so far, the latest
        rec = _Recording(self.backend, leaves)
        Replayed.active = rec
        try:
            with _Installed.on(self.backend):
                out = self.fn(*args)
        finally:
            Replayed.active = None
        if rec.cause is None:
            rec.finish_program(out)
        if rec.cause is not None:
            self._give_up(key, rec.cause)
            return self._note(out, "eager")
        self.stats["recorded"] += 1
        if rec.mutated:
            self.mutating = True
        if last is not None:
            if len(last.spec) == len(rec.spec) and all(map(_same, last.spec, rec.spec)):
                prog = _compile(rec, len(leaves))
                prog.mutated = tuple(sorted(rec.mutated))
                # (a checker tells signatures with no array in two places apart only)
                prog.check = _checker(args) if len(set(map(id, leaves))) == len(leaves) else None
                self._store(key, prog)
                return self._note(out, None)
            if count + 1 >= _MAX_RECORDINGS:
                self._give_up(key, _difference(last, rec))
                return self._note(out, None)
        self._store(key, (count + 1, rec))
        return self._note(out, None)

    def _store(self, key, value):
        if key not in self.programs and len(self.programs) >= _MAX_SIGNATURES:
            if self.fast is not None and self.programs[next(iter(self.programs))] is self.fast:
                self.fast = None
            self.programs.pop(next(iter(self.programs)))
        self.programs[key] = value

    def _give_up(self, key, cause):
        if key != "*":
            self._store(key, None)
        if cause not in self.causes:
            self.causes.append(cause)
        name = getattr(self.fn, "__qualname__", "the step")
        message = (f"The NumPy engine runs {name} eagerly (its recorded replay is off for this "
                   f"input signature): {cause}.")
        if message not in _WARNED:
            _WARNED.add(message)
            warnings.warn(message, RuntimeWarning, stacklevel=4)

    def _eager(self, args, key, cause):
        self._give_up(key, cause)
        return self._note(self.fn(*args), "eager")


def jit(fn, donate_argnums=(), compile=True):  # noqa: A002 - the contract's keyword
    """``fn`` recorded and replayed per input signature (``replay.py``); ``compile=False``:
    ``fn`` itself. ``fn`` must be pure: it reads and returns arrays, and its Python
    must not depend on the values (recordings that differ make it run eagerly)."""
    if not compile:
        return fn
    from ... import config
    return Replayed(fn, config._active or config.active())
