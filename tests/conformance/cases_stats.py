"""Conformance cases for the stats family (``kerasette/backends/contract/stats.py``),
and for the core reductions whose Keras signatures it settles (argmax/argmin,
cumsum, max/min ``initial``, prod ``dtype``, var/std, top_k indices)."""
from __future__ import annotations

import numpy as np

from .cases import SPECIAL, add, away, bools, distinct, ints, m, u  # noqa: F401

F32 = np.float32
I32 = np.int32
NAN = np.nan


def i32(f):
    """A reference returning int32 (NumPy's index functions give int64)."""
    def ref(*xs):
        out = f(*xs)
        if isinstance(out, tuple):
            return tuple(np.asarray(o).astype(I32) for o in out)
        return np.asarray(out).astype(I32)
    return ref


# ====================================================== core reductions, Keras's signatures
for name, f in {"argmax": np.argmax, "argmin": np.argmin}.items():
    add(name, "axis-none-keepdims", lambda b, x, n=name: getattr(b, n)(x, keepdims=True),
        i32(lambda x, f=f: f(x, keepdims=True)), [distinct((3, 4))], tol="exact", dtype="int32",
        keras=lambda k, x, n=name: getattr(k, n)(x, keepdims=True))
    add(name, "axis=1-keepdims", lambda b, x, n=name: getattr(b, n)(x, axis=1, keepdims=True),
        i32(lambda x, f=f: f(x, axis=1, keepdims=True)), [ints((2, 3, 4), 0, 3).astype(F32)], tol="exact",
        dtype="int32", keras=lambda k, x, n=name: getattr(k, n)(x, axis=1, keepdims=True))
    add(name, "int-input", lambda b, x, n=name: getattr(b, n)(x, axis=0), i32(lambda x, f=f: f(x, axis=0)),
        [ints((4, 3), -5, 5)], tol="exact", dtype="int32", keras=lambda k, x, n=name: getattr(k, n)(x, axis=0))

add("cumsum", "dtype-arg", lambda b, x: b.cumsum(x, axis=1, dtype="float32"),
    lambda x: np.cumsum(x, axis=1).astype(np.float64), [ints((2, 3), -4, 4)], tol="exact", dtype="float32",
    keras=lambda k, x: k.cumsum(x, axis=1, dtype="float32"))
add("cumsum", "bool-gives-int32", lambda b, x: b.cumsum(x, axis=0), lambda x: np.cumsum(x, axis=0).astype(I32),
    [bools((4, 2))], tol="exact", dtype="int32", keras=lambda k, x: k.cumsum(x, axis=0))
add("cumsum", "int32-flattened", m("cumsum"), lambda x: np.cumsum(x).astype(I32), [ints((2, 3), -4, 4)],
    tol="exact", dtype="int32", keras=lambda k, x: k.cumsum(x))

add("max", "initial", lambda b, x: b.max(x, axis=1, initial=0.5), lambda x: np.max(x, axis=1, initial=0.5),
    [distinct((3, 4), 0.3)], diff=[0], keras=lambda k, x: k.max(x, axis=1, initial=0.5))
add("min", "initial", lambda b, x: b.min(x, axis=0, keepdims=True, initial=-0.2),
    lambda x: np.min(x, axis=0, keepdims=True, initial=-0.2), [distinct((3, 4), 0.3)], diff=[0],
    keras=lambda k, x: k.min(x, axis=0, keepdims=True, initial=-0.2))
add("prod", "int32-stays-int32", lambda b, x: b.prod(x, axis=1), lambda x: np.prod(x, axis=1).astype(I32),
    [ints((3, 4), -3, 4)], tol="exact", dtype="int32", keras=lambda k, x: k.prod(x, axis=1))
add("prod", "bool-gives-int32", m("prod"), lambda x: np.prod(x).astype(I32), [np.array([True, True, False])],
    tol="exact", dtype="int32", keras=lambda k, x: k.prod(x))
add("prod", "dtype-arg", lambda b, x: b.prod(x, axis=0, dtype="float32"),
    lambda x: np.prod(x, axis=0).astype(np.float64),
    [ints((3, 2), -3, 4)], tol="exact", dtype="float32", keras=lambda k, x: k.prod(x, axis=0, dtype="float32"))
for name, f in {"var": np.var, "std": np.std}.items():
    add(name, "keras-axis=1", lambda b, x, n=name: getattr(b, n)(x, axis=1), lambda x, f=f: f(x, axis=1),
        [u((3, 5))], diff=[0], tol="trans", keras=lambda k, x, n=name: getattr(k, n)(x, axis=1))
    add(name, "int-gives-float32", lambda b, x, n=name: getattr(b, n)(x), lambda x, f=f: f(x),
        [ints((3, 4), -5, 5)], tol="trans", dtype="float32", keras=lambda k, x, n=name: getattr(k, n)(x))
add("top_k", "indices-int32", lambda b, x: b.top_k(x, 2),
    lambda x: (-np.sort(-x, axis=-1)[..., :2], np.argsort(-x, axis=-1, kind="stable")[..., :2].astype(I32)),
    [distinct((2, 5))], diff=[0], dtype=("float32", "int32"), keras=lambda k, x: k.top_k(x, 2))

# ============================================================ sort and search
for label, axis, x in [("axis=-1", -1, distinct((3, 4))), ("axis=0", 0, distinct((3, 4, 2))),
                       ("axis=none", None, distinct((2, 3)))]:
    add("sort", label, lambda b, x, a=axis: b.sort(x, axis=a), lambda x, a=axis: np.sort(x, axis=a), [x],
        diff=[0], keras=lambda k, x, a=axis: k.sort(x, axis=a))
    add("argsort", label, lambda b, x, a=axis: b.argsort(x, axis=a),
        i32(lambda x, a=axis: np.argsort(x, axis=a, kind="stable")), [x], tol="exact", dtype="int32",
        keras=lambda k, x, a=axis: k.argsort(x, axis=a))
add("sort", "int32", m("sort"), lambda x: np.sort(x), [ints((3, 5), -9, 9)], tol="exact", dtype="int32",
    keras=lambda k, x: k.sort(x))
add("sort", "nan-last", m("sort"), np.sort, [np.array([1.0, NAN, -1.0, 3.0, NAN], F32)], tol="exact",
    keras=lambda k, x: k.sort(x))
add("sort", "ties-grad", m("sort"), np.sort, [np.array([[2.0, 1.0, 2.0, 0.5]], F32)], diff=[0],
    ref_grad=lambda w, x: [np.array([[w[0][0, 2], w[0][0, 1], w[0][0, 3], w[0][0, 0]]])])
add("argsort", "ties-stable", m("argsort"), i32(lambda x: np.argsort(x, axis=-1, kind="stable")),
    [ints((3, 6), 0, 3).astype(F32)], tol="exact", dtype="int32", keras=lambda k, x: k.argsort(x))


add("argpartition", "kth-in-place",
    lambda b, x: b.getitem(b.take_along_axis(x, b.argpartition(x, 2), -1), (Ellipsis, 2)),
    lambda x: np.sort(x, axis=-1)[..., 2], [distinct((3, 5))],
    keras=lambda k, x: k.take_along_axis(x, k.argpartition(x, 2), -1)[..., 2])
add("argpartition", "indices", lambda b, x: b.argpartition(x, 1, axis=0),
    i32(lambda x: np.argsort(x, axis=0, kind="stable")), [distinct((4, 3))], tol="exact", dtype="int32")

SEQ = np.array([-1.0, 0.0, 0.0, 1.5, 3.0], F32)
VALS = np.array([[-2.0, 0.0, 0.5], [1.5, 3.0, 9.0]], F32)
for side in ("left", "right"):
    add("searchsorted", side, lambda b, s, v, sd=side: b.searchsorted(s, v, side=sd),
        i32(lambda s, v, sd=side: np.searchsorted(s, v, side=sd)), [SEQ, VALS], tol="exact", dtype="int32",
        keras=lambda k, s, v, sd=side: k.searchsorted(s, v, side=sd))
add("searchsorted", "int", m("searchsorted"), i32(lambda s, v: np.searchsorted(s, v)),
    [np.array([1, 3, 3, 7], I32), ints((5,), 0, 9)], tol="exact", dtype="int32",
    keras=lambda k, s, v: k.searchsorted(s, v))
add("digitize", "float", m("digitize"), i32(np.digitize), [np.array([-1.0, 0.0, 0.5, 1.0, 2.5, 3.0, 7.0], F32),
                                                           np.array([0.0, 1.0, 3.0], F32)],
    tol="exact", dtype="int32", keras=lambda k, x, bins: k.digitize(x, bins))
add("digitize", "int-2d", m("digitize"), i32(np.digitize), [ints((2, 4), -2, 6), np.array([0, 2, 4], I32)],
    tol="exact", dtype="int32", keras=lambda k, x, bins: k.digitize(x, bins))


# ============================================================ unique, nonzero, counts
def _unique_ref(x, return_index=False, return_inverse=False, return_counts=False, axis=None, size=None,
                fill_value=None):
    v, i, inv, c = np.unique(x, return_index=True, return_inverse=True, return_counts=True, axis=axis)
    inv = inv.reshape(x.shape) if axis is None else inv.reshape(-1)
    if size is not None:
        k = v.shape[0 if axis is None else axis]
        if k >= size:
            v = np.take(v, np.arange(size), axis=0 if axis is None else axis)
            i, c = i[:size], c[:size]
        else:
            ax = 0 if axis is None else axis
            shape = list(v.shape)
            shape[ax] = size - k
            fill = np.full(shape, fill_value, v.dtype) if fill_value is not None else \
                np.broadcast_to(np.take(v, [0], axis=ax), shape)
            v = np.concatenate([v, fill], axis=ax)
            i = np.concatenate([i, np.full(size - k, i[0])])
            c = np.concatenate([c, np.zeros(size - k, c.dtype)])
    out = [v] + [a.astype(I32) for a, want in ((i, return_index), (inv, return_inverse), (c, return_counts)) if want]
    return out[0] if len(out) == 1 else tuple(out)


UNIQ = np.array([[3, 1, 3], [2, 1, 7]], I32)
for label, kw in [("plain", {}), ("all-outputs", dict(return_index=True, return_inverse=True, return_counts=True)),
                  ("size-pad-fill", dict(return_counts=True, return_inverse=True, size=6, fill_value=-1)),
                  ("size-pad-default", dict(return_index=True, size=6)),
                  ("size-truncate", dict(return_counts=True, size=2))]:
    add("unique", label, lambda b, x, kw=kw: b.unique(x, **kw), lambda x, kw=kw: _unique_ref(x, **kw), [UNIQ],
        tol="exact", dtype="int32", keras=lambda k, x, kw=kw: k.unique(x, **kw))
add("unique", "axis=0", lambda b, x: b.unique(x, return_inverse=True, return_counts=True, axis=0),
    lambda x: _unique_ref(x, return_inverse=True, return_counts=True, axis=0),
    [np.array([[1, 2], [0, 5], [1, 2], [0, 1]], I32)], tol="exact", dtype="int32",
    keras=lambda k, x: k.unique(x, return_inverse=True, return_counts=True, axis=0))
add("unique", "float", m("unique"), lambda x: np.unique(x), [np.array([0.5, -1.0, 0.5, 2.0], F32)], tol="exact",
    keras=lambda k, x: k.unique(x))
add("unique", "nan-not-merged", lambda b, x: b.unique(x, return_counts=True),
    lambda x: np.unique(x, return_counts=True, equal_nan=False), [np.array([NAN, 1.0, NAN, -1.0], F32)],
    tol="exact", dtype=("float32", "int32"))
add("unique", "nan-not-merged-keras", m("unique"), lambda x: np.unique(x, equal_nan=False),
    [np.array([NAN, 1.0, NAN, -1.0], F32)], tol="exact", keras=lambda k, x: k.unique(x))
add("unique", "size-under-jit", lambda b, x: b.jit(lambda v: b.unique(v, return_counts=True, size=4, fill_value=0))(x),
    lambda x: _unique_ref(x, return_counts=True, size=4, fill_value=0), [np.array([5, 2, 5, 5, 9], I32)],
    tol="exact", dtype="int32")

add("nonzero", "2d", m("nonzero"), i32(np.nonzero), [np.array([[0.0, 1.5, 0.0], [-2.0, 0.0, 3.0]], F32)],
    tol="exact", dtype="int32", keras=lambda k, x: k.nonzero(x))
add("nonzero", "bool-1d", m("nonzero"), i32(np.nonzero), [np.array([True, False, True, True])], tol="exact",
    dtype="int32", keras=lambda k, x: k.nonzero(x))
for label, axis in [("axis=none", None), ("axis=0", 0), ("axis=(0,2)", (0, 2))]:
    add("count_nonzero", label, lambda b, x, a=axis: b.count_nonzero(x, axis=a),
        i32(lambda x, a=axis: np.count_nonzero(x, axis=a)), [ints((2, 3, 4), -1, 2).astype(F32)], tol="exact",
        dtype="int32", keras=lambda k, x, a=axis: k.count_nonzero(x, axis=a))

add("in_top_k", "ties-count-in", lambda b, t, p: b.in_top_k(t, p, 2),
    lambda t, p: np.sum(p > p[np.arange(len(t)), t][:, None], axis=-1) < 2,
    [np.array([0, 1, 2, 1], I32), np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.2, 0.5, 0.1], [0.3, 0.3, 0.3]], F32)],
    tol="exact", keras=lambda k, t, p: k.in_top_k(t, p, 2))
add("in_top_k", "k=1", lambda b, t, p: b.in_top_k(t, p, 1),
    lambda t, p: np.sum(p > p[np.arange(len(t)), t][:, None], -1) < 1,
    [ints((5,), 0, 4), distinct((5, 4))], tol="exact", keras=lambda k, t, p: k.in_top_k(t, p, 1))
add("isin", "int", m("isin"), np.isin, [ints((3, 4), 0, 8), np.array([1, 5, 7], I32)], tol="exact",
    keras=lambda k, a, b: k.isin(a, b))
add("isin", "invert-float", lambda b, x, y: b.isin(x, y, invert=True), lambda x, y: np.isin(x, y, invert=True),
    [np.array([0.5, 1.0, -2.0, 3.0], F32), np.array([[1.0, 3.0]], F32)], tol="exact",
    keras=lambda k, a, b: k.isin(a, b, invert=True))

# ============================================================ cumulative, differences
add("cumprod", "default-flattened", m("cumprod"), np.cumprod, [u((2, 3), 0.5, 1.5)], diff=[0], tol="reduce",
    keras=lambda k, x: k.cumprod(x))
add("cumprod", "axis=1", lambda b, x: b.cumprod(x, axis=1), lambda x: np.cumprod(x, axis=1), [u((2, 4, 2))],
    diff=[0], tol="reduce", keras=lambda k, x: k.cumprod(x, axis=1))
add("cumprod", "zeros-grad", lambda b, x: b.cumprod(x, axis=-1), lambda x: np.cumprod(x, axis=-1),
    [np.array([[2.0, 0.0, 3.0, -1.5], [0.0, 0.0, 2.0, 1.0]], F32)], diff=[0], tol="reduce",
    keras=lambda k, x: k.cumprod(x, axis=-1))
add("cumprod", "int32", lambda b, x: b.cumprod(x, axis=0), lambda x: np.cumprod(x, axis=0).astype(I32),
    [ints((3, 2), -3, 4)], tol="exact", dtype="int32", keras=lambda k, x: k.cumprod(x, axis=0))
add("cumprod", "dtype-arg", lambda b, x: b.cumprod(x, dtype="float32"), lambda x: np.cumprod(x).astype(np.float64),
    [ints((4,), 1, 4)], tol="exact", dtype="float32", keras=lambda k, x: k.cumprod(x, dtype="float32"))

for label, kw in [("n=1", {}), ("n=2-axis=0", dict(n=2, axis=0)), ("n=0", dict(n=0))]:
    add("diff", label, lambda b, x, kw=kw: b.diff(x, **kw), lambda x, kw=kw: np.diff(x, **kw), [u((4, 3))],
        diff=[0], keras=lambda k, x, kw=kw: k.diff(x, **kw))
add("diff", "int32", m("diff"), lambda x: np.diff(x).astype(I32), [ints((2, 5), -9, 9)], tol="exact",
    dtype="int32", keras=lambda k, x: k.diff(x))
add("diff", "bool", m("diff"), np.diff, [bools((2, 5))], tol="exact", keras=lambda k, x: k.diff(x))

add("trapezoid", "dx", lambda b, y: b.trapezoid(y, dx=0.5), lambda y: np.trapezoid(y, dx=0.5), [u((3, 4))],
    diff=[0], tol="reduce", keras=lambda k, y: k.trapezoid(y, dx=0.5))
add("trapezoid", "x-1d-axis=0", lambda b, y, x: b.trapezoid(y, x, axis=0), lambda y, x: np.trapezoid(y, x, axis=0),
    [u((4, 3)), np.array([0.0, 0.5, 1.5, 3.0], F32)], diff=[0, 1], tol="reduce",
    keras=lambda k, y, x: k.trapezoid(y, x, axis=0))
add("trapezoid", "x-full", lambda b, y, x: b.trapezoid(y, x), lambda y, x: np.trapezoid(y, x),
    [u((2, 4)), np.cumsum(u((2, 4), 0.2, 1.0), axis=1)], diff=[0, 1], tol="reduce",
    keras=lambda k, y, x: k.trapezoid(y, x))
add("trapezoid", "int-gives-float32", m("trapezoid"), lambda y: np.trapezoid(y), [ints((2, 5), -4, 4)],
    tol="reduce", dtype="float32", keras=lambda k, y: k.trapezoid(y))


# ============================================================ quantiles and averages
def _qref(f, q, **kw):
    def ref(x):
        return f(x, q, **kw)
    return ref


QX = distinct((3, 5))
for label, q, kw in [("scalar-all", 0.3, {}), ("1d-q-axis=1", [0.0, 0.25, 0.6, 1.0], dict(axis=1)),
                     ("axis=0-keepdims", 0.75, dict(axis=0, keepdims=True)),
                     ("1d-q-axis-tuple-keepdims", [0.1, 0.9], dict(axis=(0, 1), keepdims=True))]:
    add("quantile", label, lambda b, x, q=q, kw=kw: b.quantile(x, q, **kw), _qref(np.quantile, q, **kw), [QX],
        diff=[0], tol="reduce", keras=lambda k, x, q=q, kw=kw: k.quantile(x, q, **kw))
for method in ("lower", "higher", "midpoint", "nearest"):
    add("quantile", f"method={method}", lambda b, x, mt=method: b.quantile(x, [0.1, 0.4, 0.8], axis=-1, method=mt),
        lambda x, mt=method: np.quantile(x, [0.1, 0.4, 0.8], axis=-1, method=mt), [distinct((2, 6))], diff=[0],
        tol="reduce", keras=lambda k, x, mt=method: k.quantile(x, [0.1, 0.4, 0.8], axis=-1, method=mt))
add("quantile", "int-gives-float32", lambda b, x: b.quantile(x, 0.5, axis=0), lambda x: np.quantile(x, 0.5, axis=0),
    [ints((4, 3), -5, 5)], tol="reduce", dtype="float32", keras=lambda k, x: k.quantile(x, 0.5, axis=0))
add("percentile", "1d-q-axis=1", lambda b, x: b.percentile(x, [10.0, 50.0, 95.0], axis=1),
    lambda x: np.percentile(x, [10.0, 50.0, 95.0], axis=1), [distinct((3, 4))], diff=[0], tol="reduce",
    keras=lambda k, x: k.percentile(x, [10.0, 50.0, 95.0], axis=1))
add("percentile", "scalar-keepdims", lambda b, x: b.percentile(x, 30.0, keepdims=True),
    lambda x: np.percentile(x, 30.0, keepdims=True), [distinct((2, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: k.percentile(x, 30.0, keepdims=True))
for label, kw in [("all", {}), ("axis=1", dict(axis=1)), ("even-axis=0-keepdims", dict(axis=0, keepdims=True))]:
    add("median", label, lambda b, x, kw=kw: b.median(x, **kw), lambda x, kw=kw: np.median(x, **kw),
        [distinct((4, 3))], diff=[0], tol="reduce", keras=lambda k, x, kw=kw: k.median(x, **kw))
add("median", "int-gives-float32", m("median"), np.median, [ints((2, 3), -5, 5)], tol="reduce", dtype="float32",
    keras=lambda k, x: k.median(x))

add("average", "no-weights", m("average"), np.average, [u((3, 4))], diff=[0], tol="reduce",
    keras=lambda k, x: k.average(x))
add("average", "1d-weights-axis=1", lambda b, x, w: b.average(x, axis=1, weights=w),
    lambda x, w: np.average(x, axis=1, weights=w), [u((3, 4)), u((4,), 0.5, 2.0)], diff=[0, 1], tol="reduce",
    keras=lambda k, x, w: k.average(x, axis=1, weights=w))
add("average", "full-weights", lambda b, x, w: b.average(x, weights=w), lambda x, w: np.average(x, weights=w),
    [u((2, 3)), u((2, 3), 0.5, 2.0)], diff=[0, 1], tol="reduce", keras=lambda k, x, w: k.average(x, weights=w))
add("average", "int-gives-float32", lambda b, x: b.average(x, axis=0), lambda x: np.average(x, axis=0),
    [ints((3, 2), -5, 5)], tol="reduce", dtype="float32", keras=lambda k, x: k.average(x, axis=0))

add("ptp", "axis=1", lambda b, x: b.ptp(x, axis=1), lambda x: np.ptp(x, axis=1), [distinct((3, 4))], diff=[0],
    keras=lambda k, x: k.ptp(x, axis=1))
add("ptp", "all-keepdims", lambda b, x: b.ptp(x, keepdims=True), lambda x: np.ptp(x, keepdims=True),
    [distinct((2, 3))], diff=[0], keras=lambda k, x: k.ptp(x, keepdims=True))
add("ptp", "int32", m("ptp"), lambda x: np.ptp(x).astype(I32), [ints((3, 3), -5, 5)], tol="exact", dtype="int32",
    keras=lambda k, x: k.ptp(x))
add("corrcoef", "3x5", m("corrcoef"), np.corrcoef, [u((3, 5))], diff=[0], tol="trans",
    keras=lambda k, x: k.corrcoef(x))
add("corrcoef", "int-gives-float32", m("corrcoef"), np.corrcoef, [np.array([[1, 2, 4, 0], [3, 1, 0, 2]], I32)],
    tol="trans", dtype="float32", keras=lambda k, x: k.corrcoef(x))


# ============================================================ histograms and counts
def _hist(x, bins=10, range=None):
    c, e = np.histogram(x, bins=bins, range=range)
    return c.astype(np.float64), e


HX = np.array([0.0, 0.5, 1.0, 1.0, 2.0, 3.5, 4.0, -1.0], F32)
add("histogram", "default-range", lambda b, x: b.histogram(x, bins=3), lambda x: _hist(x, 3), [HX],
    dtype=("float32", "float32"), keras=lambda k, x: k.histogram(x, bins=3))
add("histogram", "range-drops-outside", lambda b, x: b.histogram(x, bins=4, range=(0.0, 2.0)),
    lambda x: _hist(x, 4, (0.0, 2.0)), [HX], dtype=("float32", "float32"),
    keras=lambda k, x: k.histogram(x, bins=4, range=(0.0, 2.0)))
add("histogram", "default-bins", m("histogram"), lambda x: _hist(x), [u((20,))], dtype=("float32", "float32"),
    keras=lambda k, x: k.histogram(x))

BC = np.array([1, 3, 1, 0, 4, 1], I32)
add("bincount", "plain", m("bincount"), i32(np.bincount), [BC], tol="exact", dtype="int32",
    keras=lambda k, x: k.bincount(x))
add("bincount", "weights-minlength", lambda b, x, w: b.bincount(x, weights=w, minlength=7),
    lambda x, w: np.bincount(x, weights=w, minlength=7), [BC, u((6,))], diff=[1], tol="reduce",
    keras=lambda k, x, w: k.bincount(x, weights=w, minlength=7))
add("bincount", "2d-minlength", lambda b, x: b.bincount(x, minlength=5),
    lambda x: np.stack([np.bincount(r, minlength=5) for r in x]).astype(I32), [ints((3, 4), 0, 4)], tol="exact",
    dtype="int32", keras=lambda k, x: k.bincount(x, minlength=5))


def _correlate_ref(mode):
    return lambda a, v: np.correlate(a, v, mode=mode)


for label, n, mm, mode in [("valid", 6, 3, "valid"), ("same", 5, 3, "same"), ("full", 4, 3, "full"),
                           ("valid-short-first", 2, 4, "valid"), ("same-even", 6, 4, "same"),
                           ("same-short-first", 3, 5, "same")]:
    add("correlate", label, lambda b, a, v, md=mode: b.correlate(a, v, mode=md), _correlate_ref(mode),
        [u((n,)), u((mm,))], diff=[0, 1], tol="reduce", keras=lambda k, a, v, md=mode: k.correlate(a, v, mode=md))
add("correlate", "int-gives-float32", m("correlate"), lambda a, v: np.correlate(a, v).astype(np.float64),
    [np.array([1, 2, 3], I32), np.array([1, -1], I32)], tol="exact", dtype="float32",
    keras=lambda k, a, v: k.correlate(a, v))

# ============================================================ segment reductions
SEG_DATA = distinct((6, 2))
SEG_IDS = np.array([0, 2, 0, 2, 1, 2], I32)
EMPTY_IDS = np.array([0, 3, 0, 3, -1, 7], I32)  # segments 1 and 2 empty; -1 and 7 dropped


def _segment_ref(reduce, fill):
    def ref(data, ids, num=4):
        out = np.full((num,) + data.shape[1:], fill, np.float64 if data.dtype.kind == "f" else data.dtype)
        for s in range(num):
            rows = data[ids == s]
            if len(rows):
                out[s] = reduce(rows, axis=0)
        return out
    return ref


SEGMENTS = {"segment_sum": (np.sum, 0.0), "segment_max": (np.max, -np.inf), "segment_min": (np.min, np.inf),
            "segment_prod": (np.prod, 1.0)}
for name, (red, fill) in SEGMENTS.items():
    ref = _segment_ref(red, fill)
    add(name, "grad", lambda b, d, i, n=name: getattr(b, n)(d, i, num_segments=3),
        lambda d, i, ref=ref: ref(d, i, 3), [SEG_DATA, SEG_IDS], diff=[0], tol="reduce",
        # Keras on JAX cannot differentiate segment_prod (jax.ops.segment_prod): no oracle here
        keras=None if name == "segment_prod" else lambda k, d, i, n=name: getattr(k, n)(d, i, num_segments=3))
    add(name, "empty-and-dropped", lambda b, d, i, n=name: getattr(b, n)(d, i, num_segments=4),
        lambda d, i, ref=ref: ref(d, i, 4), [SEG_DATA, EMPTY_IDS], tol="reduce",
        keras=lambda k, d, i, n=name: getattr(k, n)(d, i, num_segments=4))
    add(name, "num-segments-inferred", lambda b, d, i, n=name: getattr(b, n)(d, i, sorted=True),
        lambda d, i, ref=ref: ref(d, i, 3), [u((5, 2)), np.array([0, 0, 1, 2, 2], I32)], tol="reduce")
add("segment_max", "int32-empty-gives-min", lambda b, d, i: b.segment_max(d, i, num_segments=3),
    lambda d, i: _segment_ref(np.max, np.iinfo(I32).min)(d, i, 3), [ints((3, 2), -5, 5), np.array([2, 0, 2], I32)],
    tol="exact", dtype="int32", keras=lambda k, d, i: k.segment_max(d, i, num_segments=3))
add("segment_sum", "int32", lambda b, d, i: b.segment_sum(d, i, num_segments=3),
    lambda d, i: _segment_ref(np.sum, 0)(d, i, 3), [ints((4,), -5, 5), np.array([2, 0, 2, 1], I32)],
    tol="exact", dtype="int32", keras=lambda k, d, i: k.segment_sum(d, i, num_segments=3))

# ============================================================ nan-reductions
NANX = np.array([[1.0, NAN, 3.0, -0.5], [NAN, NAN, NAN, NAN], [0.25, 2.0, NAN, -1.5]], F32)  # row 1 all NaN
NANG = np.array([[1.0, NAN, 3.0, -0.5], [0.75, -1.0, -2.0, 1.25], [0.25, 2.0, NAN, -1.5]], F32)  # no all-NaN row
NANR = {"nansum": np.nansum, "nanmean": np.nanmean, "nanmax": np.nanmax, "nanmin": np.nanmin,
        "nanprod": np.nanprod, "nanstd": np.nanstd, "nanvar": np.nanvar, "nanmedian": np.nanmedian}
for name, f in NANR.items():
    tol = "trans" if name == "nanstd" else "reduce"
    add(name, "all-nan-row", lambda b, x, n=name: getattr(b, n)(x, axis=1), lambda x, f=f: f(x, axis=1), [NANX],
        tol=tol, keras=lambda k, x, n=name: getattr(k, n)(x, axis=1))
    for axis, keep in [(1, False), (0, True), (None, False)]:
        add(name, f"grad-axis={axis}" + ("-keepdims" if keep else ""),
            lambda b, x, n=name, a=axis, kd=keep: getattr(b, n)(x, axis=a, keepdims=kd),
            lambda x, f=f, a=axis, kd=keep: f(x, axis=a, keepdims=kd), [NANG], diff=[0], tol=tol,
            keras=lambda k, x, n=name, a=axis, kd=keep: getattr(k, n)(x, axis=a, keepdims=kd))
    add(name, "no-nan-int", lambda b, x, n=name: getattr(b, n)(x, axis=0), lambda x, f=f: f(x, axis=0),
        [ints((3, 2), -4, 5)], tol=tol,
        dtype="int32" if name in ("nansum", "nanmax", "nanmin", "nanprod") else "float32",
        keras=lambda k, x, n=name: getattr(k, n)(x, axis=0))

for name, f in {"nanquantile": np.nanquantile, "nanpercentile": np.nanpercentile}.items():
    q = [0.2, 0.5, 0.9] if name == "nanquantile" else [20.0, 50.0, 90.0]
    add(name, "all-nan-row", lambda b, x, n=name, q=q: getattr(b, n)(x, q, axis=1),
        lambda x, f=f, q=q: f(x, q, axis=1), [NANX], tol="reduce",
        keras=lambda k, x, n=name, q=q: getattr(k, n)(x, q, axis=1))
    add(name, "grad-axis=0-keepdims", lambda b, x, n=name, q=q: getattr(b, n)(x, q[1], axis=0, keepdims=True),
        lambda x, f=f, q=q: f(x, q[1], axis=0, keepdims=True), [NANG], diff=[0], tol="reduce",
        keras=lambda k, x, n=name, q=q: getattr(k, n)(x, q[1], axis=0, keepdims=True))
    add(name, "grad-all-nearest", lambda b, x, n=name, q=q: getattr(b, n)(x, q[0], method="nearest"),
        lambda x, f=f, q=q: f(x, q[0], method="nearest"), [NANG], diff=[0], tol="reduce",
        keras=lambda k, x, n=name, q=q: getattr(k, n)(x, q[0], method="nearest"))

for name, f in {"nanargmax": np.nanargmax, "nanargmin": np.nanargmin}.items():
    add(name, "all-nan-row-gives-minus-1", lambda b, x, n=name: getattr(b, n)(x, axis=1),
        lambda x, f=f: np.array([f(r) if not np.all(np.isnan(r)) else -1 for r in x], I32), [NANX],
        tol="exact", dtype="int32", keras=lambda k, x, n=name: getattr(k, n)(x, axis=1))
    add(name, "flattened", m(name), i32(f), [NANG], tol="exact", dtype="int32",
        keras=lambda k, x, n=name: getattr(k, n)(x))
    add(name, "axis=0-keepdims", lambda b, x, n=name: getattr(b, n)(x, axis=0, keepdims=True),
        i32(lambda x, f=f: f(x, axis=0, keepdims=True)), [NANG], tol="exact", dtype="int32",
        keras=lambda k, x, n=name: getattr(k, n)(x, axis=0, keepdims=True))

for name, f in {"nancumsum": np.nancumsum, "nancumprod": np.nancumprod}.items():
    add(name, "axis=1", lambda b, x, n=name: getattr(b, n)(x, axis=1), lambda x, f=f: f(x, axis=1), [NANX],
        diff=[0], tol="reduce", keras=lambda k, x, n=name: getattr(k, n)(x, axis=1))
    add(name, "flattened", m(name), f, [NANG], diff=[0], tol="reduce", keras=lambda k, x, n=name: getattr(k, n)(x))
    add(name, "int32", lambda b, x, n=name: getattr(b, n)(x, axis=0), lambda x, f=f: f(x, axis=0).astype(I32),
        [ints((3, 2), -3, 4)], tol="exact", dtype="int32", keras=lambda k, x, n=name: getattr(k, n)(x, axis=0))

add("segment_max", "ties-share-grad", lambda b, d, i: b.segment_max(d, i, num_segments=2),
    lambda d, i: _segment_ref(np.max, -np.inf)(d, i, 2), [np.array([[1.0], [1.0], [0.0], [2.0]], F32),
                                                          np.array([0, 0, 1, 1], I32)], diff=[0],
    ref_grad=lambda w, d, i: [np.array([[w[0][0, 0] / 2], [w[0][0, 0] / 2], [0.0], [w[0][1, 0]]])])
add("segment_min", "ties-share-grad", lambda b, d, i: b.segment_min(d, i, num_segments=2),
    lambda d, i: _segment_ref(np.min, np.inf)(d, i, 2), [np.array([[1.0], [1.0], [3.0], [2.0]], F32),
                                                         np.array([0, 0, 1, 1], I32)], diff=[0],
    ref_grad=lambda w, d, i: [np.array([[w[0][0, 0] / 2], [w[0][0, 0] / 2], [0.0], [w[0][1, 0]]])])
add("segment_prod", "zeros-grad", lambda b, d, i: b.segment_prod(d, i, num_segments=3),
    lambda d, i: _segment_ref(np.prod, 1.0)(d, i, 3),
    [np.array([[2.0, 0.0], [0.0, 0.0], [-1.5, 0.0], [3.0, 2.0], [0.5, -2.0]], F32), np.array([0, 0, 1, 1, 1], I32)],
    diff=[0], tol="reduce")
add("isin", "nan-and-inf", m("isin"), np.isin,
    [np.array([NAN, 1.0, np.inf, -2.0, 3.0], F32), np.array([3.0, NAN, 1.0, np.inf, NAN], F32)], tol="exact",
    keras=lambda k, a, b: k.isin(a, b))
