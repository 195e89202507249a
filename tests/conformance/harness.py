"""The conformance machinery: a ``Case`` per op and the checks run on it.

A case is: inputs (NumPy arrays, float ones already float32-representable), the
op as ``fn(backend, *inputs)``, a float64 NumPy reference ``ref(*inputs)``, and
which inputs are differentiable. The loss used for gradients is
``sum_k sum(out_k * W_k)`` over the float outputs, with fixed random ``W_k``;
every engine's gradient is compared with central finite differences of the
same loss on the float64 reference, and with the other engines.

Tolerances (float32 engines against float64 references), by ``tol`` class:

=========  ============================  ==================================
class      value rtol / atol             gradient rtol / atol (x max|g|)
=========  ============================  ==================================
exact      equal                         --
simple     1e-5 / 1e-6                   1e-4 / 1e-5
trans      5e-5 / 5e-6  (exp, erf, ...)  2e-4 / 2e-5
reduce     1e-5 / 1e-5  (sums, matmul)   1e-4 / 1e-5
heavy      1e-4 / 1e-4  (conv, rnn, ctc) 1e-3 / 1e-4
half       2e-3 / 2e-3  (float16 results) 1e-2 / 1e-2
=========  ============================  ==================================

Gradients are taken as the train step takes them, ``jit(value_and_grad(loss))``.
Gradient ``atol`` is scaled by ``max(1, max|g_fd|)``; the FD step is 1e-6 in
float64 (truncation error ~1e-12, round-off ~1e-9), far below these.
"""
from __future__ import annotations

import dataclasses
import zlib
from typing import Any, Callable

import numpy as np

TOLS = {
    "exact": ((0.0, 0.0), None),
    "simple": ((1e-5, 1e-6), (1e-4, 1e-5)),
    "trans": ((5e-5, 5e-6), (2e-4, 2e-5)),
    "reduce": ((1e-5, 1e-5), (1e-4, 1e-5)),
    "heavy": ((1e-4, 1e-4), (1e-3, 1e-4)),
    "half": ((2e-3, 2e-3), (1e-2, 1e-2)),
}
FD_EPS = 1e-6


@dataclasses.dataclass
class Case:
    """One conformance case for the Backend method ``method``."""

    method: str
    label: str
    fn: Callable  # fn(backend, *engine_inputs) -> engine output(s)
    ref: Callable  # ref(*float64_inputs) -> numpy output(s)
    inputs: tuple = ()
    diff: tuple = ()  # indices of differentiable inputs
    tol: str = "simple"
    dtype: Any = None  # expected dtype name(s) of the outputs, or {engine: name}
    raw: bool = False  # pass inputs to fn as given (no backend.convert)
    python: bool = False  # fn returns a Python value (shape, dtype...): compare with ==
    ref_grad: Callable = None  # ref_grad(weights, *inputs) -> expected grads, overrides FD
    keras: Callable = None  # keras(keras.ops, *numpy_inputs) -> Keras's own output(s), the oracle

    @property
    def id(self):
        return f"{self.method}-{self.label}"

    def __repr__(self):
        return f"<Case {self.id}>"

    @property
    def value_tol(self):
        return TOLS[self.tol][0]

    @property
    def grad_tol(self):
        return TOLS[self.tol][1] or TOLS["simple"][1]


def rng_for(key):
    """A NumPy Generator seeded by a stable hash of ``key``."""
    return np.random.default_rng(zlib.crc32(key.encode()))


def flatten(out):
    """Nested lists/tuples of arrays -> flat list, in order."""
    if isinstance(out, (list, tuple)):
        flat = []
        for o in out:
            flat.extend(flatten(o))
        return flat
    return [out]


def to_engine(b, case, x):
    if case.raw or not isinstance(x, np.ndarray):
        return x
    return b.convert(x)


def engine_inputs(b, case):
    return [to_engine(b, case, x) for x in case.inputs]


def ref_inputs(case):
    return [x.astype(np.float64) if isinstance(x, np.ndarray) and x.dtype.kind == "f" else x
            for x in case.inputs]


def reference(case):
    return [np.asarray(r) for r in flatten(case.ref(*ref_inputs(case)))]


def expected_dtype(case, engine_name, k, ref_out):
    want = case.dtype
    if isinstance(want, dict):
        want = want.get(engine_name, want.get("default"))
    if isinstance(want, (list, tuple)):
        want = want[k]
    if want is not None:
        return [want] if isinstance(want, str) else list(want)
    kind = ref_out.dtype.kind
    if kind == "f":
        return ["float32"]
    if kind == "b":
        return ["bool"]
    return ["int32", "int64"]


class Recorder:
    """Wraps an adapter and records which public methods ``case.fn`` calls directly."""

    def __init__(self, backend):
        self._b = backend
        self.called = set()

    def __getattr__(self, name):
        attr = getattr(self._b, name)
        if callable(attr) and not name.startswith("_"):
            self.called.add(name)
        return attr


def check_value(b, case):
    """(a): run ``case`` on adapter ``b`` and compare with the float64 reference."""
    rec = Recorder(b)
    out = case.fn(rec, *engine_inputs(b, case))
    assert case.method in rec.called, f"case {case.id} never calls Backend.{case.method}"
    if case.python:
        want = case.ref(*ref_inputs(case))
        assert out == want, f"{case.id}: got {out!r}, expected {want!r}"
        assert type(out) is type(want), f"{case.id}: got a {type(out).__name__}, expected a {type(want).__name__}"
        if isinstance(out, tuple):
            assert all(type(v) is int for v in out), f"{case.id}: shape entries must be Python ints: {out!r}"
        return
    got = flatten(out)
    want = reference(case)
    assert len(got) == len(want), f"{case.id}: {len(got)} outputs, expected {len(want)}"
    rtol, atol = case.value_tol
    for k, (g, w) in enumerate(zip(got, want)):
        assert b.is_array(g), f"{case.id}: output {k} is a {type(g).__name__}, not a {b.name} array"
        dt = b.dtype(g)
        ok = expected_dtype(case, b.name, k, w)
        assert dt in ok, f"{case.id}: output {k} has dtype {dt}, expected {' or '.join(ok)}"
        gn = np.asarray(b.to_numpy(g))
        assert gn.shape == w.shape, f"{case.id}: output {k} has shape {gn.shape}, expected {w.shape}"
        if w.dtype.kind == "f" and (rtol or atol):
            np.testing.assert_allclose(gn.astype(np.float64), w, rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg=f"{case.id} output {k} on {b.name}")
        else:
            np.testing.assert_array_equal(gn, w.astype(gn.dtype) if w.dtype.kind != "f" else w,
                                          err_msg=f"{case.id} output {k} on {b.name}")


def weights(case):
    """Fixed random weights, one per float output of the reference (None for others)."""
    rng = rng_for("weights/" + case.id)
    return [rng.standard_normal(w.shape).astype(np.float32) if w.dtype.kind == "f" else None
            for w in reference(case)]


def ref_loss(case, xs):
    ws = weights(case)
    outs = [np.asarray(o) for o in flatten(case.ref(*xs))]
    return sum(float(np.sum(o * w)) for o, w in zip(outs, ws) if w is not None)


_FD_CACHE = {}


def fd_grads(case):
    """Central finite differences of the float64 reference loss (or ``ref_grad``)."""
    if case.id in _FD_CACHE:
        return _FD_CACHE[case.id]
    xs = ref_inputs(case)
    if case.ref_grad is not None:
        ws = [None if w is None else w.astype(np.float64) for w in weights(case)]
        grads = [np.asarray(g, np.float64) for g in case.ref_grad(ws, *xs)]
    else:
        grads = []
        for i in case.diff:
            base = xs[i]
            g = np.zeros(base.shape)
            for j in np.ndindex(base.shape):
                plus, minus = base.copy(), base.copy()
                plus[j] += FD_EPS
                minus[j] -= FD_EPS
                xp = list(xs)
                xp[i] = plus
                lp = ref_loss(case, xp)
                xp[i] = minus
                g[j] = (lp - ref_loss(case, xp)) / (2 * FD_EPS)
            grads.append(g)
    _FD_CACHE[case.id] = grads
    return grads


_GRAD_CACHE = {}


def engine_grads(b, case):
    """(value, grads) of the weighted-sum loss on adapter ``b`` via ``jit(value_and_grad)``.

    Eager ``value_and_grad`` is covered by test_special.py and the Hypothesis tests."""
    key = (b.name, case.id)
    if key in _GRAD_CACHE:
        return _GRAD_CACHE[key]
    xs = engine_inputs(b, case)
    ws = [None if w is None else b.convert(w) for w in weights(case)]

    def loss(params):
        full = list(xs)
        for i, p in zip(case.diff, params):
            full[i] = p
        total = None
        for o, w in zip(flatten(case.fn(b, *full)), ws):
            if w is None:
                continue
            t = b.sum(b.multiply(o, w))
            total = t if total is None else b.add(total, t)
        return total, None

    # Under the adapter's jit, as the train step runs: on JAX one compile per case
    # instead of one per op and shape (numpy/torch: jit returns the function).
    (value, aux), grads = b.jit(b.value_and_grad(loss))([xs[i] for i in case.diff])
    assert aux is None
    assert len(grads) == len(case.diff), f"{case.id}: {len(grads)} grads for {len(case.diff)} params"
    result = (float(np.asarray(b.to_numpy(value))), [np.asarray(b.to_numpy(g), np.float64) for g in grads])
    _GRAD_CACHE[key] = result
    return result


def assert_grads_close(case, got, want, what, factor=1.0):
    rtol, atol = case.grad_tol
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, f"{case.id} {what}: grad {k} shape {g.shape}, expected {w.shape}"
        scale = max(1.0, float(np.max(np.abs(w))) if w.size else 1.0)
        np.testing.assert_allclose(g, w, rtol=rtol * factor, atol=atol * factor * scale,
                                   err_msg=f"{case.id}: gradient of input {case.diff[k]} {what}")
