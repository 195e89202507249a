"""Conformance cases for the arrays family (``kerasette/backends/contract/arrays.py``)."""
from __future__ import annotations

import numpy as np  # noqa: F401

from .cases import SPECIAL, add, away, bools, distinct, ints, m, u  # noqa: F401

F32 = np.float32
I32 = np.int32

# ================================================================= creation
add("array", "list", lambda b: b.array([[1.5, 2.0], [3.0, 4.0]]), lambda: np.array([[1.5, 2.0], [3.0, 4.0]]),
    tol="exact", keras=lambda k: k.array([[1.5, 2.0], [3.0, 4.0]]))
add("array", "dtype", lambda b, x: b.array(x, dtype="int32"), lambda x: x.astype(I32), [ints((3,), -4, 4)],
    tol="exact", dtype="int32", keras=lambda k, x: k.array(x, dtype="int32"))
add("copy", "grad", m("copy"), lambda x: x, [u((2, 3))], diff=[0], keras=lambda k, x: k.copy(x))
add("copy", "int32", m("copy"), lambda x: x, [ints((4,), 0, 9)], tol="exact", dtype="int32",
    keras=lambda k, x: k.copy(x))
add("empty", "floatx", lambda b: b.zeros_like(b.empty((2, 3))), lambda: np.zeros((2, 3)), tol="exact")
add("empty", "dtype", lambda b: b.zeros_like(b.empty((2, 3), "int32")), lambda: np.zeros((2, 3), I32),
    tol="exact", dtype="int32")
add("empty_like", "keeps-dtype", lambda b, x: b.zeros_like(b.empty_like(x)), lambda x: np.zeros_like(x),
    [ints((2, 2), 0, 3)], tol="exact", dtype="int32")
add("full_like", "x-dtype", lambda b, x: b.full_like(x, 2.5), lambda x: np.full_like(x, 2),
    [ints((3,), 0, 3)], tol="exact", dtype="int32", keras=lambda k, x: k.full_like(x, 2.5))
add("full_like", "dtype", lambda b, x: b.full_like(x, 7, dtype="float32"), lambda x: np.full(x.shape, 7.0),
    [u((2, 2))], tol="exact", keras=lambda k, x: k.full_like(x, 7, dtype="float32"))
add("identity", "floatx", lambda b: b.identity(3), lambda: np.eye(3), tol="exact", keras=lambda k: k.identity(3))
add("identity", "int32", lambda b: b.identity(2, dtype="int32"), lambda: np.eye(2, dtype=I32), tol="exact",
    dtype="int32", keras=lambda k: k.identity(2, dtype="int32"))
add("is_tensor", "engine-array", lambda b, x: b.is_tensor(x), lambda x: True, [u((2,))], python=True)
add("is_tensor", "python-list", lambda b: b.is_tensor([1.0]), lambda: False, python=True)

# the fixed core creation ops, Keras's signatures
add("arange", "infers-float", lambda b: b.arange(0.0, 1.0, 0.25), lambda: np.arange(0, 1, 0.25), tol="exact",
    keras=lambda k: k.arange(0.0, 1.0, 0.25))
add("arange", "infers-int", lambda b: b.arange(1, 7, 2), lambda: np.arange(1, 7, 2, dtype=I32), tol="exact",
    dtype="int32", keras=lambda k: k.arange(1, 7, 2))
add("arange", "float-step", lambda b: b.arange(3, step=0.5), lambda: np.arange(0, 3, 0.5), tol="exact",
    keras=lambda k: k.arange(3, step=0.5))
add("eye", "rect-k", lambda b: b.eye(3, 4, k=1), lambda: np.eye(3, 4, 1), tol="exact",
    keras=lambda k: k.eye(3, 4, k=1))
add("eye", "rect-negative-k", lambda b: b.eye(4, 2, -1, dtype="int32"), lambda: np.eye(4, 2, -1, dtype=I32),
    tol="exact", dtype="int32", keras=lambda k: k.eye(4, 2, -1, dtype="int32"))
add("zeros", "default-floatx", lambda b: b.zeros((2,), None), lambda: np.zeros(2), tol="exact",
    keras=lambda k: k.zeros((2,)))
add("ones", "default-floatx", lambda b: b.ones((1, 2)), lambda: np.ones((1, 2)), tol="exact",
    keras=lambda k: k.ones((1, 2)))
add("full", "int-fill-floatx", lambda b: b.full((2,), 7), lambda: np.full(2, 7.0), tol="exact",
    keras=lambda k: k.full((2,), 7))
add("convert", "int-list-int32", m("convert"), lambda x: np.array(x, I32), [[1, 2, 3]], raw=True, tol="exact",
    dtype="int32", keras=lambda k, x: k.convert_to_tensor(x))
add("convert", "python-int-int32", m("convert"), lambda x: np.array(x, I32), [7], raw=True, tol="exact",
    dtype="int32", keras=lambda k, x: k.convert_to_tensor(x))

add("linspace", "default", lambda b: b.linspace(-1.0, 2.0, 7), lambda: np.linspace(-1, 2, 7),
    keras=lambda k: k.linspace(-1.0, 2.0, 7))
add("linspace", "no-endpoint", lambda b: b.linspace(0, 1, 4, endpoint=False), lambda: np.linspace(0, 1, 4, endpoint=False),
    keras=lambda k: k.linspace(0, 1, 4, endpoint=False))
add("linspace", "int-dtype", lambda b: b.linspace(0, 10, 5, dtype="int32"),
    lambda: np.linspace(0, 10, 5).astype(I32), tol="exact", dtype="int32",
    keras=lambda k: k.linspace(0, 10, 5, dtype="int32"))
add("linspace", "retstep", lambda b: b.linspace(0.0, 2.0, 5, retstep=True), lambda: np.linspace(0, 2, 5, retstep=True),
    keras=lambda k: k.linspace(0.0, 2.0, 5, retstep=True))
add("linspace", "array-ends-axis1-grad", lambda b, s, e: b.linspace(s, e, 4, axis=1),
    lambda s, e: np.linspace(s, e, 4, axis=1), [u((2,)), u((2,))], diff=[0, 1],
    keras=lambda k, s, e: k.linspace(s, e, 4, axis=1))
add("logspace", "default", lambda b: b.logspace(0.0, 2.0, 5), lambda: np.logspace(0, 2, 5), tol="trans",
    keras=lambda k: k.logspace(0.0, 2.0, 5))
add("logspace", "base2-grad", lambda b, s: b.logspace(s, 3.0, 4, base=2), lambda s: np.logspace(s, 3.0, 4, base=2),
    [u((3,), -1, 1)], diff=[0], tol="trans", keras=lambda k, s: k.logspace(s, 3.0, 4, base=2))
add("geomspace", "positive", lambda b: b.geomspace(1.0, 1000.0, 4), lambda: np.geomspace(1, 1000, 4), tol="trans",
    keras=lambda k: k.geomspace(1.0, 1000.0, 4))
add("geomspace", "negative", lambda b: b.geomspace(-1.0, -100.0, 3), lambda: np.geomspace(-1, -100, 3), tol="trans",
    keras=lambda k: k.geomspace(-1.0, -100.0, 3))
add("meshgrid", "xy", lambda b, x, y, z: b.meshgrid(x, y, z), lambda x, y, z: np.meshgrid(x, y, z),
    [u((2,)), u((3,)), u((4,))], diff=[0, 1], keras=lambda k, x, y, z: k.meshgrid(x, y, z))
add("meshgrid", "ij", lambda b, x, y: b.meshgrid(x, y, indexing="ij"), lambda x, y: np.meshgrid(x, y, indexing="ij"),
    [u((2,)), ints((3,), 0, 5)], diff=[0], dtype=("float32", "int32"),
    keras=lambda k, x, y: k.meshgrid(x, y, indexing="ij"))
add("tri", "default", lambda b: b.tri(3), lambda: np.tri(3), tol="exact", keras=lambda k: k.tri(3))
add("tri", "rect-k-int", lambda b: b.tri(3, 5, 1, dtype="int32"), lambda: np.tri(3, 5, 1, dtype=I32), tol="exact",
    dtype="int32", keras=lambda k: k.tri(3, 5, 1, dtype="int32"))
for k_ in (0, 1, -1):
    add("tril", f"k={k_}", lambda b, x, k_=k_: b.tril(x, k_), lambda x, k_=k_: np.tril(x, k_), [u((2, 3, 4))],
        diff=[0], keras=lambda k, x, k_=k_: k.tril(x, k_))
    add("triu", f"k={k_}", lambda b, x, k_=k_: b.triu(x, k_), lambda x, k_=k_: np.triu(x, k_), [u((4, 3))],
        diff=[0], keras=lambda k, x, k_=k_: k.triu(x, k_))
add("tril", "int32", m("tril"), np.tril, [ints((3, 3), 1, 9)], tol="exact", dtype="int32",
    keras=lambda k, x: k.tril(x))
for k_ in (0, 2, -1):
    add("diag", f"vector-k={k_}", lambda b, x, k_=k_: b.diag(x, k_), lambda x, k_=k_: np.diag(x, k_), [u((3,))],
        diff=[0], keras=lambda k, x, k_=k_: k.diag(x, k_))
    add("diag", f"matrix-k={k_}", lambda b, x, k_=k_: b.diag(x, k_), lambda x, k_=k_: np.diag(x, k_), [u((3, 4))],
        diff=[0], keras=lambda k, x, k_=k_: k.diag(x, k_))
add("diagflat", "k=1", lambda b, x: b.diagflat(x, 1), lambda x: np.diagflat(x, 1), [u((2, 2))], diff=[0],
    keras=lambda k, x: k.diagflat(x, 1))
add("diagonal", "default", m("diagonal"), np.diagonal, [u((3, 4))], diff=[0], keras=lambda k, x: k.diagonal(x))
add("diagonal", "3d-offset-axes", lambda b, x: b.diagonal(x, 1, 1, 2), lambda x: np.diagonal(x, 1, 1, 2),
    [u((2, 3, 4))], diff=[0], keras=lambda k, x: k.diagonal(x, 1, 1, 2))
add("diagonal", "negative-offset-swapped", lambda b, x: b.diagonal(x, -1, 2, 0),
    lambda x: np.diagonal(x, -1, 2, 0), [u((3, 2, 4))], diff=[0], keras=lambda k, x: k.diagonal(x, -1, 2, 0))
add("trace", "default", m("trace"), np.trace, [u((3, 3))], diff=[0], keras=lambda k, x: k.trace(x))
add("trace", "offset-axes", lambda b, x: b.trace(x, 1, 0, 2), lambda x: np.trace(x, 1, 0, 2), [u((3, 2, 4))],
    diff=[0], tol="reduce", keras=lambda k, x: k.trace(x, 1, 0, 2))
add("trace", "int32", m("trace"), np.trace, [ints((3, 3), 0, 9)], tol="exact", dtype="int32",
    keras=lambda k, x: k.trace(x))
add("vander", "default", m("vander"), np.vander, [u((4,))], diff=[0], keras=lambda k, x: k.vander(x))
add("vander", "N-increasing", lambda b, x: b.vander(x, 3, True), lambda x: np.vander(x, 3, True), [u((4,))],
    diff=[0], keras=lambda k, x: k.vander(x, 3, True))
add("vander", "int32", m("vander"), np.vander, [ints((3,), 1, 4)], tol="exact", dtype="int32",
    keras=lambda k, x: k.vander(x))

# =================================================================== shapes
add("ravel", "3d", m("ravel"), np.ravel, [u((2, 3, 2))], diff=[0], keras=lambda k, x: k.ravel(x))
add("roll", "flat", lambda b, x: b.roll(x, 2), lambda x: np.roll(x, 2), [u((2, 3))], diff=[0],
    keras=lambda k, x: k.roll(x, 2))
add("roll", "axis-negative-shift", lambda b, x: b.roll(x, -1, axis=1), lambda x: np.roll(x, -1, axis=1),
    [u((2, 3))], diff=[0], keras=lambda k, x: k.roll(x, -1, axis=1))
add("roll", "tuple", lambda b, x: b.roll(x, (1, 5), axis=(0, -1)), lambda x: np.roll(x, (1, 5), axis=(0, -1)),
    [u((3, 2, 4))], diff=[0], keras=lambda k, x: k.roll(x, (1, 5), axis=(0, -1)))
for k_ in (1, 2, 3, -1):
    add("rot90", f"k={k_}", lambda b, x, k_=k_: b.rot90(x, k_), lambda x, k_=k_: np.rot90(x, k_), [u((2, 3))],
        diff=[0], keras=lambda k, x, k_=k_: k.rot90(x, k_))
add("rot90", "axes", lambda b, x: b.rot90(x, 1, (2, 0)), lambda x: np.rot90(x, 1, (2, 0)), [u((2, 3, 4))],
    diff=[0], keras=lambda k, x: k.rot90(x, 1, (2, 0)))
add("fliplr", "2d", m("fliplr"), np.fliplr, [u((2, 3))], diff=[0], keras=lambda k, x: k.fliplr(x))
add("flipud", "3d", m("flipud"), np.flipud, [u((3, 2, 2))], diff=[0], keras=lambda k, x: k.flipud(x))
add("array_split", "uneven", lambda b, x: b.array_split(x, 3), lambda x: np.array_split(x, 3), [u((7, 2))],
    diff=[0], keras=lambda k, x: k.array_split(x, 3))
add("array_split", "axis1-points", lambda b, x: b.array_split(x, [1, 3], axis=1),
    lambda x: np.array_split(x, [1, 3], axis=1), [u((2, 5))], diff=[0])  # Keras takes an int only
add("hsplit", "2d", lambda b, x: b.hsplit(x, 2), lambda x: np.hsplit(x, 2), [u((3, 4))], diff=[0],
    keras=lambda k, x: k.hsplit(x, 2))
add("hsplit", "1d", lambda b, x: b.hsplit(x, [2]), lambda x: np.hsplit(x, [2]), [u((5,))], diff=[0],
    keras=lambda k, x: k.hsplit(x, [2]))
add("vsplit", "2d", lambda b, x: b.vsplit(x, 2), lambda x: np.vsplit(x, 2), [u((4, 3))], diff=[0],
    keras=lambda k, x: k.vsplit(x, 2))
add("dsplit", "3d", lambda b, x: b.dsplit(x, [1]), lambda x: np.dsplit(x, [1]), [u((2, 2, 3))], diff=[0],
    keras=lambda k, x: k.dsplit(x, [1]))
add("hstack", "1d", lambda b, x, y: b.hstack([x, y]), lambda x, y: np.hstack([x, y]), [u((2,)), u((3,))],
    diff=[0, 1], keras=lambda k, x, y: k.hstack([x, y]))
add("hstack", "2d", lambda b, x, y: b.hstack([x, y]), lambda x, y: np.hstack([x, y]), [u((2, 1)), u((2, 3))],
    diff=[0, 1], keras=lambda k, x, y: k.hstack([x, y]))
add("vstack", "1d-2d", lambda b, x, y: b.vstack([x, y]), lambda x, y: np.vstack([x, y]), [u((3,)), u((2, 3))],
    diff=[0, 1], keras=lambda k, x, y: k.vstack([x, y]))
add("dstack", "1d", lambda b, x, y: b.dstack([x, y]), lambda x, y: np.dstack([x, y]), [u((3,)), u((3,))],
    diff=[0, 1], keras=lambda k, x, y: k.dstack([x, y]))
add("dstack", "2d-3d", lambda b, x, y: b.dstack([x, y]), lambda x, y: np.dstack([x, y]), [u((2, 3)), u((2, 3, 2))],
    diff=[0, 1], keras=lambda k, x, y: k.dstack([x, y]))
add("append", "flat", m("append"), np.append, [u((2, 2)), u((3,))], diff=[0, 1],
    keras=lambda k, x, y: k.append(x, y))
add("append", "axis0", lambda b, x, y: b.append(x, y, axis=0), lambda x, y: np.append(x, y, axis=0),
    [u((2, 2)), u((1, 2))], diff=[0, 1], keras=lambda k, x, y: k.append(x, y, axis=0))

# ================================================================= indexing
GET_ITEM = {
    "int-slice": (1, slice(0, 3, 2)),
    "ellipsis-none": (Ellipsis, None, 1),
    "negative-step": (slice(None, None, -2),),
    "int-array": (np.array([2, 0, 2], I32),),
    "int-list-2axes": ([0, 2, 1], [1, 1, 3]),
    "bool-mask": (np.array([True, False, True]),),
    "slice-then-array": (slice(1, 3), np.array([[0, 3], [1, 1]], I32)),
}
for label, key in GET_ITEM.items():
    add("get_item", label, lambda b, x, k_=key: b.get_item(x, k_), lambda x, k_=key: x[k_], [u((3, 4))], diff=[0],
        keras=lambda k, x, k_=key: k.get_item(x, k_))
add("get_item", "bool-mask-2d", lambda b, x, msk: b.get_item(x, msk), lambda x, msk: x[msk],
    [u((2, 3)), np.array([[True, False, True], [False, False, True]])], diff=[0],
    keras=lambda k, x, msk: k.get_item(x, msk))

add("slice", "window", lambda b, x: b.slice(x, (1, 0, 2), (2, 2, 2)), lambda x: x[1:3, 0:2, 2:4], [u((3, 3, 4))],
    diff=[0], keras=lambda k, x: k.slice(x, (1, 0, 2), (2, 2, 2)))
add("slice", "clamped-start", lambda b, x: b.slice(x, (3,), (2,)), lambda x: x[2:4], [u((4,))], diff=[0],
    keras=lambda k, x: k.slice(x, (3,), (2,)))
add("slice", "array-start", lambda b, x, s: b.slice(x, s, (2, 2)), lambda x, s: x[1:3, 2:4],
    [u((3, 4)), np.array([1, 2], I32)], diff=[0], keras=lambda k, x, s: k.slice(x, s, (2, 2)))


def _slice_update_ref(x, v, start):
    out = x.copy()
    out[tuple(slice(s, s + n) for s, n in zip(start, v.shape))] = v
    return out


add("slice_update", "grad-both", lambda b, x, v: b.slice_update(x, (1, 2), v),
    lambda x, v: _slice_update_ref(x, v, (1, 2)), [u((3, 5)), u((2, 2))], diff=[0, 1],
    keras=lambda k, x, v: k.slice_update(x, (1, 2), v))
add("slice_update", "3d-int", lambda b, x, v: b.slice_update(x, (0, 1, 0), v),
    lambda x, v: _slice_update_ref(x, v, (0, 1, 0)), [ints((2, 3, 2), 0, 5), ints((1, 2, 2), 5, 9)],
    tol="exact", dtype="int32", keras=lambda k, x, v: k.slice_update(x, (0, 1, 0), v))


def _scatter_ref(idx, vals, shape):
    out = np.zeros(shape, vals.dtype)
    np.add.at(out, tuple(idx.T), vals)
    return out


add("scatter", "1d-repeated-sum", lambda b, i, v: b.scatter(i, v, (5,)), lambda i, v: _scatter_ref(i, v, (5,)),
    [np.array([[1], [3], [1]], I32), u((3,))], diff=[1], keras=lambda k, i, v: k.scatter(i, v, (5,)))
add("scatter", "2d-rows", lambda b, i, v: b.scatter(i, v, (3, 4)), lambda i, v: _scatter_ref(i, v, (3, 4)),
    [np.array([[2], [0]], I32), u((2, 4))], diff=[1], keras=lambda k, i, v: k.scatter(i, v, (3, 4)))
add("scatter", "2d-points", lambda b, i, v: b.scatter(i, v, (2, 3)), lambda i, v: _scatter_ref(i, v, (2, 3)),
    [np.array([[0, 1], [1, 2], [0, 0]], I32), u((3,))], diff=[1], keras=lambda k, i, v: k.scatter(i, v, (2, 3)))


def _scatter_update_ref(x, idx, vals, reduction=None):
    out = x.copy()
    key = tuple(idx.T)
    if reduction is None:
        out[key] = vals
    else:
        {"add": np.add, "max": np.maximum, "min": np.minimum, "mul": np.multiply}[reduction].at(out, key, vals)
    return out


add("scatter_update", "points-grad-both", m("scatter_update"), _scatter_update_ref,
    [u((3, 3)), np.array([[0, 0], [1, 2], [2, 1]], I32), u((3,))], diff=[0, 2],
    keras=lambda k, x, i, v: k.scatter_update(x, i, v))
add("scatter_update", "rows", m("scatter_update"), _scatter_update_ref,
    [u((4, 2)), np.array([[3], [1]], I32), u((2, 2))], diff=[0, 2],
    keras=lambda k, x, i, v: k.scatter_update(x, i, v))
add("scatter_update", "add-repeated", lambda b, x, i, v: b.scatter_update(x, i, v, reduction="add"),
    lambda x, i, v: _scatter_update_ref(x, i, v, "add"), [u((4,)), np.array([[0], [0], [1]], I32), u((3,))],
    diff=[0, 2], keras=lambda k, x, i, v: k.scatter_update(x, i, v, reduction="add"))
for red in ("max", "min"):
    add("scatter_update", red, lambda b, x, i, v, r=red: b.scatter_update(x, i, v, reduction=r),
        lambda x, i, v, r=red: _scatter_update_ref(x, i, v, r),
        [distinct((5,)), np.array([[0], [3], [0]], I32), distinct((3,), 0.3)], diff=[0, 2],
        keras=lambda k, x, i, v, r=red: k.scatter_update(x, i, v, reduction=r))
add("scatter_update", "mul-unique", lambda b, x, i, v: b.scatter_update(x, i, v, reduction="mul"),
    lambda x, i, v: _scatter_update_ref(x, i, v, "mul"), [u((5,)), np.array([[0], [3]], I32), u((2,))],
    diff=[0, 2])  # Keras on JAX cannot differentiate scatter "mul" (no unique_indices)
add("scatter_update", "mul-repeated", lambda b, x, i, v: b.scatter_update(x, i, v, reduction="mul"),
    lambda x, i, v: _scatter_update_ref(x, i, v, "mul"), [u((5,)), np.array([[0], [3], [0]], I32), u((3,))],
    keras=lambda k, x, i, v: k.scatter_update(x, i, v, reduction="mul"))
add("scatter_update", "int32", m("scatter_update"), _scatter_update_ref,
    [ints((3, 2), 0, 5), np.array([[1, 0]], I32), ints((1,), 7, 9)], tol="exact", dtype="int32",
    keras=lambda k, x, i, v: k.scatter_update(x, i, v))

add("select", "default", lambda b, c1, c2, x, y: b.select([c1, c2], [x, y], default=-1.0),
    lambda c1, c2, x, y: np.select([c1, c2], [x, y], default=-1.0),
    [bools((2, 3)), bools((2, 3)), u((2, 3)), u((2, 3))], diff=[2, 3],
    keras=lambda k, c1, c2, x, y: k.select([c1, c2], [x, y], default=-1.0))
add("select", "broadcast", lambda b, c, x: b.select([c], [x]), lambda c, x: np.select([c], [np.broadcast_to(x, c.shape)]),
    [bools((3, 2)), u((2,))], diff=[1], keras=lambda k, c, x: k.select([c], [x]))
add("unravel_index", "2d", lambda b, i: b.unravel_index(i, (3, 4)), lambda i: np.unravel_index(i, (3, 4)),
    [np.array([0, 5, 11, 7], I32)], tol="exact", dtype="int32", keras=lambda k, i: k.unravel_index(i, (3, 4)))
add("unravel_index", "3d-matrix", lambda b, i: b.unravel_index(i, (2, 3, 2)), lambda i: np.unravel_index(i, (2, 3, 2)),
    [np.array([[1, 11], [6, 4]], I32)], tol="exact", dtype="int32",
    keras=lambda k, i: k.unravel_index(i, (2, 3, 2)))
add("view", "float-as-int", lambda b, x: b.view(x, "int32"), lambda x: x.astype(F32).view(I32),
    [u((2, 3))], tol="exact", dtype="int32", keras=lambda k, x: k.view(x, "int32"))
add("view", "int32-as-int16", lambda b, x: b.view(x, "int16"), lambda x: x.view(np.int16),
    [ints((2, 2), -300, 300)], tol="exact", dtype="int16", keras=lambda k, x: k.view(x, "int16"))
add("view", "uint8-as-int32", lambda b, x: b.view(x, "int32"), lambda x: x.view(I32),
    [ints((2, 8), 0, 255, np.uint8)], tol="exact", dtype="int32", keras=lambda k, x: k.view(x, "int32"))


def _frames(x, n, s):
    k = 1 + (x.shape[-1] - n) // s
    return np.stack([x[..., i * s:i * s + n] for i in range(k)], axis=-2)


add("extract_sequences", "overlap", lambda b, x: b.extract_sequences(x, 4, 3), lambda x: _frames(x, 4, 3),
    [u((2, 11))], diff=[0], keras=lambda k, x: k.extract_sequences(x, 4, 3))
add("extract_sequences", "1d-gap", lambda b, x: b.extract_sequences(x, 2, 3), lambda x: _frames(x, 2, 3),
    [u((9,))], diff=[0], keras=lambda k, x: k.extract_sequences(x, 2, 3))

REARRANGE = [
    ("transpose", "b h w c -> b c h w", (2, 3, 4, 1), {}, lambda x: x.transpose(0, 3, 1, 2)),
    ("compose", "b h w c -> (b h) w c", (2, 3, 2, 1), {}, lambda x: x.reshape(6, 2, 1)),
    ("compose-swap", "b h w c -> h (b w) c", (2, 3, 2, 1), {}, lambda x: x.transpose(1, 0, 2, 3).reshape(3, 4, 1)),
    ("decompose", "b (h1 h) (w1 w) c -> (b h1 w1) h w c", (1, 4, 6, 1), {"h1": 2, "w1": 2},
     lambda x: x.reshape(1, 2, 2, 2, 3, 1).transpose(0, 1, 3, 2, 4, 5).reshape(4, 2, 3, 1)),
    ("space-to-depth", "b (h h1) (w w1) c -> b h w (c h1 w1)", (1, 4, 2, 2), {"h1": 2, "w1": 2},
     lambda x: x.reshape(1, 2, 2, 1, 2, 2).transpose(0, 1, 3, 5, 2, 4).reshape(1, 2, 1, 8)),
    ("ellipsis", "b ... c -> c b ...", (2, 3, 1, 2), {}, lambda x: x.transpose(3, 0, 1, 2)),
    ("unit-axis", "a b -> a 1 b", (2, 3), {}, lambda x: x.reshape(2, 1, 3)),
]
for label, pattern, shape, lengths, ref in REARRANGE:
    # Keras's own rearrange has no '...' and no unit axes: those cases have no oracle
    oracle = None if ("..." in pattern or " 1" in pattern) else (
        lambda k, x, p=pattern, kw=lengths: k.rearrange(x, p, **kw))
    add("rearrange", label, lambda b, x, p=pattern, kw=lengths: b.rearrange(x, p, **kw), ref, [u(shape)], diff=[0],
        keras=oracle)

# ================================================================= products
add("dot", "vectors", m("dot"), np.dot, [u((4,)), u((4,))], diff=[0, 1], tol="reduce",
    keras=lambda k, x, y: k.dot(x, y))
add("dot", "matrix-vector", m("dot"), np.dot, [u((2, 3)), u((3,))], diff=[0, 1], tol="reduce",
    keras=lambda k, x, y: k.dot(x, y))
add("dot", "nd-md", m("dot"), np.dot, [u((2, 2, 3)), u((2, 3, 2))], diff=[0, 1], tol="reduce",
    keras=lambda k, x, y: k.dot(x, y))
add("dot", "scalar", m("dot"), np.dot, [u(()), u((2, 2))], diff=[0, 1], keras=lambda k, x, y: k.dot(x, y))
add("dot", "int32", m("dot"), np.dot, [ints((2, 3), -3, 3), ints((3, 2), -3, 3)], tol="exact", dtype="int32",
    keras=lambda k, x, y: k.dot(x, y))
add("vdot", "matrices", m("vdot"), np.vdot, [u((2, 3)), u((3, 2))], diff=[0, 1], tol="reduce",
    keras=lambda k, x, y: k.vdot(x, y))
add("inner", "nd", m("inner"), np.inner, [u((2, 3)), u((4, 3))], diff=[0, 1], tol="reduce",
    keras=lambda k, x, y: k.inner(x, y))
add("inner", "vectors", m("inner"), np.inner, [u((3,)), u((3,))], diff=[0, 1], tol="reduce",
    keras=lambda k, x, y: k.inner(x, y))
add("outer", "flattens", m("outer"), np.outer, [u((2, 2)), u((3,))], diff=[0, 1], keras=lambda k, x, y: k.outer(x, y))
add("kron", "2d-1d", m("kron"), np.kron, [u((2, 2)), u((3,))], diff=[0, 1], keras=lambda k, x, y: k.kron(x, y))
add("kron", "2d-2d", m("kron"), np.kron, [u((2, 3)), u((2, 2))], diff=[0, 1], keras=lambda k, x, y: k.kron(x, y))
add("cross", "3-vectors", m("cross"), np.cross, [u((4, 3)), u((4, 3))], diff=[0, 1],
    keras=lambda k, x, y: k.cross(x, y))
add("cross", "broadcast-axes", lambda b, x, y: b.cross(x, y, axisa=0, axisb=-1, axisc=0),
    lambda x, y: np.cross(x, y, axisa=0, axisb=-1, axisc=0), [u((3, 2)), u((2, 3))], diff=[0, 1],
    keras=lambda k, x, y: k.cross(x, y, axisa=0, axisb=-1, axisc=0))
add("cross", "2-vectors", m("cross"), lambda x, y: x[..., 0] * y[..., 1] - x[..., 1] * y[..., 0],
    [u((3, 2)), u((3, 2))], diff=[0, 1], keras=lambda k, x, y: k.cross(x, y))
add("cross", "2-and-3", m("cross"), lambda x, y: np.cross(np.concatenate([x, np.zeros((3, 1))], -1), y),
    [u((3, 2)), u((3, 3))], diff=[0, 1], keras=lambda k, x, y: k.cross(x, y))

# ================================================================== windows
for name, f in (("bartlett", np.bartlett), ("blackman", np.blackman), ("hamming", np.hamming),
                ("hanning", np.hanning)):
    for n in (1, 6, 7):
        add(name, f"M={n}", lambda b, name=name, n=n: getattr(b, name)(n), lambda f=f, n=n: f(n), tol="trans",
            keras=lambda k, name=name, n=n: getattr(k, name)(n))
add("kaiser", "beta5", lambda b: b.kaiser(7, 5.0), lambda: np.kaiser(7, 5.0), tol="trans",
    keras=lambda k: k.kaiser(7, 5.0))
add("kaiser", "beta14-even", lambda b: b.kaiser(8, 14.0), lambda: np.kaiser(8, 14.0), tol="trans",
    keras=lambda k: k.kaiser(8, 14.0))
add("kaiser", "M=1", lambda b: b.kaiser(1, 3.0), lambda: np.kaiser(1, 3.0), tol="trans",
    keras=lambda k: k.kaiser(1, 3.0))

# ====================================== the core ops with Keras's signatures
for mode in ("constant", "reflect", "symmetric"):
    add("pad", f"{mode}-grad", lambda b, x, md=mode: b.pad(x, ((1, 2), (2, 0)), mode=md),
        lambda x, md=mode: np.pad(x, ((1, 2), (2, 0)), mode=md), [u((3, 4))], diff=[0],
        keras=lambda k, x, md=mode: k.pad(x, ((1, 2), (2, 0)), mode=md))
add("pad", "reflect-int-pair", lambda b, x: b.pad(x, (2, 1), mode="reflect"),
    lambda x: np.pad(x, (2, 1), mode="reflect"), [ints((2, 4), 0, 9)], tol="exact", dtype="int32",
    keras=lambda k, x: k.pad(x, (2, 1), mode="reflect"))
add("pad", "int-width-constant", lambda b, x: b.pad(x, 1, constant_values=3.0),
    lambda x: np.pad(x, 1, constant_values=3.0), [u((2, 2))], diff=[0],
    keras=lambda k, x: k.pad(x, 1, constant_values=3.0))
add("take", "negative-and-out-of-range", lambda b, x, i: b.take(x, i), lambda x, i: np.where(
    (i >= -x.size) & (i < x.size), x.ravel()[np.clip(np.where(i < 0, i + x.size, i), 0, x.size - 1)], np.nan),
    [u((2, 3)), np.array([-1, 7, -9, 2], I32)], keras=lambda k, x, i: k.take(x, i))
add("take", "negative-grad", lambda b, x, i: b.take(x, i, axis=0), lambda x, i: x[i],
    [u((3, 2)), np.array([-1, 0, -3, -1], I32)], diff=[0], keras=lambda k, x, i: k.take(x, i, axis=0))
add("take", "axis-out-of-range-int", lambda b, x, i: b.take(x, i, axis=1),
    lambda x, i: np.where(i < 3, x[:, np.minimum(np.where(i < 0, i + 3, i), 2)], np.iinfo(I32).min),
    [ints((2, 3), 0, 9), np.array([-3, 3], I32)], tol="exact", dtype="int32",
    keras=lambda k, x, i: k.take(x, i, axis=1))
add("take_along_axis", "axis-none", lambda b, x, i: b.take_along_axis(x, i),
    lambda x, i: np.take_along_axis(x.ravel(), i, 0), [u((2, 3)), np.array([5, 0, 0], I32)], diff=[0],
    keras=lambda k, x, i: k.take_along_axis(x, i))
add("take_along_axis", "negative-and-fill", lambda b, x, i: b.take_along_axis(x, i, axis=1),
    lambda x, i: np.where(i < 3, np.take_along_axis(x, np.clip(np.where(i < 0, i + 3, i), 0, 2), 1), np.nan),
    [u((2, 3)), np.array([[-1, 3], [0, 2]], I32)], keras=lambda k, x, i: k.take_along_axis(x, i, axis=1))
add("take_along_axis", "negative-grad", lambda b, x, i: b.take_along_axis(x, i, axis=0),
    lambda x, i: np.take_along_axis(x, i, 0), [u((3, 2)), np.array([[-1, 0], [-3, -3]], I32)], diff=[0],
    keras=lambda k, x, i: k.take_along_axis(x, i, axis=0))
add("unstack", "num", lambda b, x: b.unstack(x, num=2, axis=1), lambda x: [x[:, 0], x[:, 1]], [u((3, 2))],
    diff=[0], keras=lambda k, x: k.unstack(x, num=2, axis=1))
add("round", "decimals", lambda b, x: b.round(x, 1), lambda x: np.round(x.astype(F32), 1),
    [np.array([1.234, -2.25, 3.96, 0.05], F32)], tol="simple", keras=lambda k, x: k.round(x, 1))
add("round", "int-negative-decimals", lambda b, x: b.round(x, -1), lambda x: np.round(x, -1),
    [np.array([15, 25, -34, 7], I32)], tol="exact", dtype="int32", keras=lambda k, x: k.round(x, -1))
add("repeat", "array-repeats", lambda b, x, r: b.repeat(x, r, axis=0), lambda x, r: np.repeat(x, r, axis=0),
    [u((3, 2)), np.array([1, 0, 3], I32)], diff=[0], keras=lambda k, x, r: k.repeat(x, r, axis=0))
add("repeat", "list-repeats-flat", lambda b, x: b.repeat(x, [2, 1, 1, 0]), lambda x: np.repeat(x, [2, 1, 1, 0]),
    [u((2, 2))], diff=[0])
