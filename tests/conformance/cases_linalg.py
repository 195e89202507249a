"""Conformance cases for the linalg family (``kerasette/backends/contract/linalg.py``).

Decompositions unique only up to signs (qr, svd, eigh, eig) are compared through
invariant quantities: sign-normalised factors, squared vectors, sorted
eigenvalues. ``cholesky`` and ``eigh`` read the symmetric part of their input, so
their references do too (finite differences perturb one entry at a time).
"""
from __future__ import annotations

import numpy as np

from .cases import SPECIAL, add, away, bools, distinct, ints, m, u  # noqa: F401

F32 = np.float32


def _T(a):
    return np.swapaxes(a, -1, -2)


def _sym(a):
    return (a + _T(a)) / 2


def spd(shape):
    """Well-conditioned symmetric positive-definite float32 matrices."""
    x = u(shape, -1, 1)
    n = shape[-1]
    return (x @ _T(x) + n * np.eye(n)).astype(F32)


def wellcond(shape):
    """Square float32 matrices far from singular."""
    return (u(shape, -1, 1) + 3 * np.eye(shape[-1])).astype(F32)


def lower_factor(shape):
    x = u(shape, -1, 1)
    return (x + 3 * np.eye(shape[-1])).astype(F32)


# ------------------------------------------------------------------ cholesky
def _chol(a, upper=False):
    low = np.linalg.cholesky(_sym(a))
    return _T(low) if upper else low


add("cholesky", "lower", m("cholesky"), _chol, [spd((3, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: k.cholesky(x))
add("cholesky", "upper", lambda b, x: b.cholesky(x, upper=True), lambda x: _chol(x, True),
    [spd((3, 3))], diff=[0], tol="reduce", keras=lambda k, x: k.cholesky(x, upper=True))
add("cholesky", "batched", m("cholesky"), _chol, [spd((2, 3, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: k.cholesky(x))
add("cholesky", "int32", m("cholesky"), _chol, [np.array([[4, 2], [2, 3]], np.int32)], tol="reduce",
    dtype="float32", keras=lambda k, x: k.cholesky(x))


def _chol_inv(x, upper=False):
    f = np.triu(x) if upper else np.tril(x)
    return np.linalg.inv(_T(f) @ f if upper else f @ _T(f))


add("cholesky_inverse", "lower", m("cholesky_inverse"), _chol_inv, [lower_factor((3, 3))], diff=[0],
    tol="reduce", keras=lambda k, x: k.cholesky_inverse(x))
add("cholesky_inverse", "upper", lambda b, x: b.cholesky_inverse(x, upper=True),
    lambda x: _chol_inv(x, True), [lower_factor((3, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: k.cholesky_inverse(x, upper=True))
# (Keras 3.15 on JAX fails on a batch here: no oracle)
add("cholesky_inverse", "batched", m("cholesky_inverse"), _chol_inv, [lower_factor((2, 3, 3))],
    diff=[0], tol="reduce")

# ------------------------------------------------------- det, slogdet, inv
add("det", "3x3", m("det"), np.linalg.det, [wellcond((3, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: k.det(x))
add("det", "batched", m("det"), np.linalg.det, [u((2, 3, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: k.det(x))
add("det", "int32", m("det"), np.linalg.det, [np.array([[1, 2], [3, 4]], np.int32)], tol="reduce",
    dtype="float32", keras=lambda k, x: k.det(x))
add("det", "singular", m("det"), np.linalg.det, [np.array([[1, 2], [2, 4]], F32)], tol="reduce",
    keras=lambda k, x: k.det(x))
add("slogdet", "3x3", m("slogdet"), lambda x: tuple(np.linalg.slogdet(x)), [u((3, 3))], diff=[0],
    tol="reduce", keras=lambda k, x: k.slogdet(x))
add("slogdet", "batched", m("slogdet"), lambda x: tuple(np.linalg.slogdet(x)), [u((2, 3, 3))],
    diff=[0], tol="reduce", keras=lambda k, x: k.slogdet(x))
add("slogdet", "singular", m("slogdet"), lambda x: tuple(np.linalg.slogdet(x)),
    [np.zeros((2, 2), F32)], tol="reduce", keras=lambda k, x: k.slogdet(x))
add("logdet", "spd", m("logdet"), lambda x: np.linalg.slogdet(x)[1], [spd((3, 3))], diff=[0],
    tol="reduce", keras=lambda k, x: k.logdet(x))
add("logdet", "batched", m("logdet"), lambda x: np.linalg.slogdet(x)[1], [spd((2, 3, 3))], diff=[0],
    tol="reduce", keras=lambda k, x: k.logdet(x))
add("inv", "3x3", m("inv"), np.linalg.inv, [wellcond((3, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: k.inv(x))
add("inv", "batched", m("inv"), np.linalg.inv, [wellcond((2, 3, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: k.inv(x))
add("inv", "int32", m("inv"), np.linalg.inv, [np.array([[4, 2], [2, 3]], np.int32)], tol="reduce",
    dtype="float32", keras=lambda k, x: k.inv(x))
# singular: all NaN on every engine (Keras on JAX gives a mix of inf and NaN)
add("inv", "singular-gives-nan", m("inv"), lambda x: np.full(x.shape, np.nan),
    [np.array([[1, 2], [2, 4]], F32)], tol="reduce")
add("inv", "batched-one-singular", m("inv"),
    lambda x: np.stack([np.linalg.inv(x[0]), np.full((2, 2), np.nan)]),
    [np.array([[[2, 1], [1, 2]], [[0, 0], [0, 0]]], F32)], tol="reduce")

# ------------------------------------------------------------------- solves
def _solve(a, b):
    if b.ndim == 1:
        return np.linalg.solve(a, b[:, None])[..., 0]
    return np.linalg.solve(a, b)


add("solve", "matrix", m("solve"), _solve, [wellcond((3, 3)), u((3, 2))], diff=[0, 1], tol="reduce",
    keras=lambda k, a, b: k.solve(a, b))
add("solve", "vector", m("solve"), _solve, [wellcond((3, 3)), u((3,))], diff=[0, 1], tol="reduce",
    keras=lambda k, a, b: k.solve(a, b))
add("solve", "batched-broadcast", m("solve"), _solve, [wellcond((2, 3, 3)), u((3, 2))], diff=[0, 1],
    tol="reduce", keras=lambda k, a, b: k.solve(a, b))
add("solve", "batched-vector", m("solve"), _solve, [wellcond((2, 3, 3)), u((3,))], diff=[0, 1],
    tol="reduce", keras=lambda k, a, b: k.solve(a, b))
add("solve", "singular-gives-nan", m("solve"), lambda a, b: np.full(b.shape, np.nan),
    [np.array([[1, 2], [2, 4]], F32), u((2, 1))], tol="reduce")


def _solve_tri(a, b, lower=False):
    t = np.tril(a) if lower else np.triu(a)
    vec = b.ndim == 1 or b.ndim == a.ndim - 1
    out = np.linalg.solve(t, b[..., None] if vec else b)
    return out[..., 0] if vec else out


add("solve_triangular", "upper", m("solve_triangular"), _solve_tri, [wellcond((3, 3)), u((3, 2))],
    diff=[0, 1], tol="reduce", keras=lambda k, a, b: k.solve_triangular(a, b))
add("solve_triangular", "lower", lambda b, x, y: b.solve_triangular(x, y, lower=True),
    lambda x, y: _solve_tri(x, y, True), [wellcond((3, 3)), u((3, 2))], diff=[0, 1], tol="reduce",
    keras=lambda k, a, b: k.solve_triangular(a, b, lower=True))
add("solve_triangular", "vector", lambda b, x, y: b.solve_triangular(x, y, lower=True),
    lambda x, y: _solve_tri(x, y, True), [wellcond((3, 3)), u((3,))], diff=[0, 1], tol="reduce",
    keras=lambda k, a, b: k.solve_triangular(a, b, lower=True))
add("solve_triangular", "batched", m("solve_triangular"), _solve_tri,
    [wellcond((2, 3, 3)), u((2, 3, 2))], diff=[0, 1], tol="reduce",
    keras=lambda k, a, b: k.solve_triangular(a, b))


def _lstsq(a, b):
    return np.linalg.lstsq(a, b, rcond=None)[0]


add("lstsq", "tall", m("lstsq"), _lstsq, [u((5, 3)), u((5, 2))], diff=[0, 1], tol="reduce",
    keras=lambda k, a, b: k.lstsq(a, b))
add("lstsq", "vector", m("lstsq"), _lstsq, [u((4, 2)), u((4,))], diff=[0, 1], tol="reduce",
    keras=lambda k, a, b: k.lstsq(a, b))
add("lstsq", "wide-min-norm", m("lstsq"), _lstsq, [u((2, 4)), u((2, 3))], diff=[0, 1], tol="reduce",
    keras=lambda k, a, b: k.lstsq(a, b))
add("lstsq", "rank-deficient", m("lstsq"), _lstsq,
    [np.array([[1, 2], [2, 4], [3, 6]], F32), np.array([1, 2, 2], F32)], tol="reduce",
    keras=lambda k, a, b: k.lstsq(a, b))

# --------------------------------------------------------------------- pinv
add("pinv", "tall", m("pinv"), np.linalg.pinv, [u((4, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: k.pinv(x))
add("pinv", "wide", m("pinv"), np.linalg.pinv, [u((2, 4))], diff=[0], tol="reduce",
    keras=lambda k, x: k.pinv(x))
add("pinv", "batched", m("pinv"), np.linalg.pinv, [u((2, 3, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: k.pinv(x))
add("pinv", "rank-deficient", m("pinv"), np.linalg.pinv, [np.array([[1, 2], [2, 4]], F32)],
    tol="reduce", keras=lambda k, x: k.pinv(x))
add("pinv", "rcond", lambda b, x: b.pinv(x, rcond=0.1), lambda x: np.linalg.pinv(x, rcond=0.1),
    [np.array([[1, 0, 0], [0, 0.05, 0]], F32)], tol="reduce", keras=lambda k, x: k.pinv(x, rcond=0.1))

# ---------------------------------------------------------------- lu_factor
def _lu(a):
    a = np.array(a, np.float64)
    n = a.shape[-1]
    piv = np.zeros(a.shape[:-1], np.int32)
    for idx in np.ndindex(a.shape[:-2]):
        x = a[idx]
        for k in range(n):
            p = k + int(np.argmax(np.abs(x[k:, k])))
            piv[idx + (k,)] = p
            x[[k, p]] = x[[p, k]]
            if x[k, k] != 0:
                x[k + 1:, k] /= x[k, k]
            x[k + 1:, k + 1:] -= np.outer(x[k + 1:, k], x[k, k + 1:])
    return a, piv


add("lu_factor", "3x3", m("lu_factor"), _lu, [u((3, 3))], diff=[0], tol="reduce", dtype=("float32", "int32"),
    keras=lambda k, x: k.lu_factor(x))
add("lu_factor", "batched", m("lu_factor"), _lu, [u((2, 4, 4))], diff=[0], tol="reduce",
    dtype=("float32", "int32"), keras=lambda k, x: k.lu_factor(x))
add("lu_factor", "zero", m("lu_factor"), _lu, [np.zeros((2, 2), F32)], tol="reduce",
    dtype=("float32", "int32"), keras=lambda k, x: k.lu_factor(x))


# ----------------------------------------------------------------------- qr
def _qr_normalised(q, r, ops):
    """(q, r) with the diagonal of r made non-negative: unique for full-rank input."""
    k = min(ops.shape(r)[-2], ops.shape(r)[-1])
    rk = ops.getitem(r, (Ellipsis, slice(0, k), slice(0, k)))
    d = ops.sign(ops.sum(ops.multiply(rk, ops.eye(k)), axis=-1))
    qd = ops.getitem(q, (Ellipsis, slice(0, k)))
    q = ops.multiply(qd, ops.expand_dims(d, -2))
    r = ops.multiply(ops.getitem(r, (Ellipsis, slice(0, k), slice(None))), ops.expand_dims(d, -1))
    return q, r


class _NpOps:
    shape = staticmethod(np.shape)
    getitem = staticmethod(lambda x, k: x[k])
    sign = staticmethod(np.sign)
    sum = staticmethod(np.sum)
    multiply = staticmethod(np.multiply)
    eye = staticmethod(np.eye)
    expand_dims = staticmethod(np.expand_dims)
    square = staticmethod(np.square)


class _KOps:
    """keras.ops spelled as the few Backend methods the case functions use."""

    def __init__(self, k):
        self.k = k

    def __getattr__(self, name):
        if name == "getitem":
            return lambda x, key: x[key]
        if name == "eye":
            return lambda n: self.k.eye(n)
        return getattr(self.k, name)


def _qr_ref(x, mode="reduced"):
    return _qr_normalised(*np.linalg.qr(x, mode=mode), _NpOps)


def _qr_case(b, x, mode="reduced"):
    return _qr_normalised(*b.qr(x, mode=mode), b)


add("qr", "tall", _qr_case, _qr_ref, [u((4, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: _qr_normalised(*k.qr(x), _KOps(k)))
add("qr", "wide", _qr_case, _qr_ref, [u((3, 4))], diff=[0], tol="reduce",
    keras=lambda k, x: _qr_normalised(*k.qr(x), _KOps(k)))
add("qr", "batched", _qr_case, _qr_ref, [u((2, 3, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: _qr_normalised(*k.qr(x), _KOps(k)))
add("qr", "complete-square-grad", lambda b, x: _qr_case(b, x, "complete"),
    lambda x: _qr_ref(x, "complete"), [u((3, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: _qr_normalised(*k.qr(x, mode="complete"), _KOps(k)))
add("qr", "complete-shapes", lambda b, x: tuple(b.abs(t) for t in b.qr(x, mode="complete")),
    lambda x: tuple(np.abs(t) for t in np.linalg.qr(x, mode="complete")), [u((4, 2))], tol="reduce",
    keras=lambda k, x: tuple(k.abs(t) for t in k.qr(x, mode="complete")))
add("qr", "reconstructs", lambda b, x: b.matmul(*b.qr(x)), lambda x: x, [u((2, 4, 3))], diff=[0],
    tol="reduce", keras=lambda k, x: k.matmul(*k.qr(x)))


# ---------------------------------------------------------------------- svd
def _svd_inv(u_, s, vh, ops):
    return ops.square(u_), s, ops.square(vh)


add("svd", "values-tall", lambda b, x: b.svd(x, compute_uv=False),
    lambda x: np.linalg.svd(x, compute_uv=False), [u((4, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: k.svd(x, compute_uv=False))
add("svd", "values-wide-batched", lambda b, x: b.svd(x, compute_uv=False),
    lambda x: np.linalg.svd(x, compute_uv=False), [u((2, 2, 4))], diff=[0], tol="reduce",
    keras=lambda k, x: k.svd(x, compute_uv=False))
add("svd", "reduced-tall", lambda b, x: _svd_inv(*b.svd(x, full_matrices=False), b),
    lambda x: _svd_inv(*np.linalg.svd(x, full_matrices=False), _NpOps), [u((4, 3))], diff=[0],
    tol="reduce", keras=lambda k, x: _svd_inv(*k.svd(x, full_matrices=False), k))
add("svd", "reduced-wide", lambda b, x: _svd_inv(*b.svd(x, full_matrices=False), b),
    lambda x: _svd_inv(*np.linalg.svd(x, full_matrices=False), _NpOps), [u((2, 4))], diff=[0],
    tol="reduce", keras=lambda k, x: _svd_inv(*k.svd(x, full_matrices=False), k))
add("svd", "square-default", lambda b, x: _svd_inv(*b.svd(x), b),
    lambda x: _svd_inv(*np.linalg.svd(x), _NpOps), [u((2, 3, 3))], diff=[0], tol="reduce",
    keras=lambda k, x: _svd_inv(*k.svd(x), k))
add("svd", "full-tall", lambda b, x: _svd_inv(*b.svd(x), b),
    lambda x: _svd_inv(*np.linalg.svd(x), _NpOps), [u((4, 3))], tol="reduce",
    keras=lambda k, x: _svd_inv(*k.svd(x), k))
# full factors of a non-square matrix: the gradient flows through the first K rows of vh
# (the extra rows are held constant, torch's rule), so the loss here reads only those
def _svd_first_rows(u_, s, vh, ops):
    return ops.square(u_), s, ops.square(ops.getitem(vh, (Ellipsis, slice(0, 2), slice(None))))


add("svd", "full-wide-grad", lambda b, x: _svd_first_rows(*b.svd(x), b),
    lambda x: _svd_first_rows(*np.linalg.svd(x), _NpOps), [u((2, 3))], diff=[0], tol="reduce")
add("svd", "reconstructs", lambda b, x: (lambda u_, s, vh: b.matmul(b.multiply(u_, b.expand_dims(s, -2)), vh))(
    *b.svd(x, full_matrices=False)), lambda x: x, [u((3, 4))], diff=[0], tol="reduce")


# -------------------------------------------------------------- eig, eigh
def _eig_summary(w, v, x):
    """Sorted eigenvalues (real, imag) and the residual max|x v - v diag(w)|."""
    w, v = np.asarray(w), np.asarray(v)
    order = np.argsort(w.real + 1e-3 * w.imag, axis=-1)
    ws = np.take_along_axis(w, order, -1)
    res = np.max(np.abs(x @ v - v * w[..., None, :]), axis=(-1, -2))
    return ws.real.astype(F32), ws.imag.astype(F32), res.astype(F32)


def _eig_case(b, x):
    w, v = b.eig(x)
    return tuple(b.convert(t) for t in _eig_summary(b.to_numpy(w), b.to_numpy(v), b.to_numpy(x)))


def _eig_ref(x):
    w = np.linalg.eigvals(x)
    order = np.argsort(w.real + 1e-3 * w.imag, axis=-1)
    ws = np.take_along_axis(w, order, -1)
    return ws.real, ws.imag, np.zeros(x.shape[:-2])


ROT = np.array([[0, -2, 0], [2, 0, 0], [0, 0, 1]], F32)  # eigenvalues 1, +-2i
add("eig", "real-spectrum", _eig_case, _eig_ref, [np.array([[2, 1], [0, -1]], F32)], tol="heavy",
    keras=lambda k, x: _eig_summary(*(k.convert_to_numpy(t) for t in k.eig(x)), x))
add("eig", "complex-spectrum", _eig_case, _eig_ref, [ROT], tol="heavy",
    keras=lambda k, x: _eig_summary(*(k.convert_to_numpy(t) for t in k.eig(x)), x))
add("eig", "batched", _eig_case, _eig_ref, [np.stack([ROT, ROT.T + np.eye(3, dtype=F32)])], tol="heavy",
    keras=lambda k, x: _eig_summary(*(k.convert_to_numpy(t) for t in k.eig(x)), x))


def _eigh_ref(x):
    w, v = np.linalg.eigh(_sym(x))
    return w, v * v


add("eigh", "3x3", lambda b, x: (lambda w, v: (w, b.square(v)))(*b.eigh(x)), _eigh_ref,
    [_sym(u((3, 3))).astype(F32)], diff=[0], tol="reduce",
    keras=lambda k, x: (lambda w, v: (w, k.square(v)))(*k.eigh(x)))
add("eigh", "batched", lambda b, x: (lambda w, v: (w, b.square(v)))(*b.eigh(x)), _eigh_ref,
    [_sym(u((2, 3, 3))).astype(F32)], diff=[0], tol="reduce",
    keras=lambda k, x: (lambda w, v: (w, k.square(v)))(*k.eigh(x)))
add("eigh", "reconstructs", lambda b, x: (lambda w, v: b.matmul(b.multiply(v, b.expand_dims(w, -2)),
                                                                 b.swapaxes(v, -1, -2)))(*b.eigh(x)),
    lambda x: _sym(x), [u((3, 3))], diff=[0], tol="reduce")

# -------------------------------------------------------------- matrix_rank
add("matrix_rank", "full", m("matrix_rank"), np.linalg.matrix_rank, [u((3, 4))], tol="exact",
    dtype="int32", keras=lambda k, x: k.matrix_rank(x))
add("matrix_rank", "deficient-batched", m("matrix_rank"), np.linalg.matrix_rank,
    [np.array([[[1, 2], [2, 4]], [[1, 0], [0, 1]], [[0, 0], [0, 0]]], F32)], tol="exact",
    dtype="int32", keras=lambda k, x: k.matrix_rank(x))
add("matrix_rank", "tol", lambda b, x: b.matrix_rank(x, tol=0.5),
    lambda x: np.linalg.matrix_rank(x, tol=0.5), [np.array([[1, 0], [0, 0.1]], F32)], tol="exact",
    dtype="int32", keras=lambda k, x: k.matrix_rank(x, tol=0.5))

# --------------------------------------------------------------------- norm
INF = np.inf
_norm_rng = np.random.default_rng(1234)  # its own stream: inputs stay tie-free as cases are added


def no_ties(shape):
    """Float32 values with |x| in [0.2, 2] and random signs: no ties in |x| or in sums of it."""
    x = _norm_rng.uniform(0.2, 2.0, shape) * _norm_rng.choice([-1.0, 1.0], shape)
    return x.astype(F32)


VECTOR_ORDS = [None, 2, 1, INF, -INF, 3, 0.5, -1]
for o in VECTOR_ORDS:
    add("norm", f"vector-ord={o}", lambda b, x, o=o: b.norm(x, ord=o, axis=-1),
        lambda x, o=o: np.linalg.norm(x, ord=o, axis=-1), [no_ties((2, 4))], diff=[0],
        tol="trans", keras=lambda k, x, o=o: k.norm(x, ord=o, axis=-1))
add("norm", "vector-ord=0", lambda b, x: b.norm(x, ord=0, axis=0),
    lambda x: np.linalg.norm(x, ord=0, axis=0), [np.array([[0, 1], [2, 0], [0, 0]], F32)], tol="exact",
    keras=lambda k, x: k.norm(x, ord=0, axis=0))
add("norm", "vector-1d-ord=1-keepdims", lambda b, x: b.norm(x, ord=1, keepdims=True),
    lambda x: np.linalg.norm(x, ord=1, keepdims=True), [away((5,))], diff=[0], tol="reduce",
    keras=lambda k, x: k.norm(x, ord=1, keepdims=True))
MATRIX_ORDS = [None, "fro", "nuc", INF, -INF, 1, -1, 2, -2]
for o in MATRIX_ORDS:
    add("norm", f"matrix-ord={o}", lambda b, x, o=o: b.norm(x, ord=o, axis=(-2, -1)),
        lambda x, o=o: np.linalg.norm(x, ord=o, axis=(-2, -1)), [no_ties((2, 3, 4))], diff=[0],
        tol="trans", keras=lambda k, x, o=o: k.norm(x, ord=o, axis=(-2, -1)))
for o in (INF, 1, 2, "nuc"):
    add("norm", f"matrix-axes=(2,0)-keepdims-ord={o}", lambda b, x, o=o: b.norm(x, o, (2, 0), True),
        lambda x, o=o: np.linalg.norm(x, o, (2, 0), True), [no_ties((3, 2, 4))], diff=[0],
        tol="trans", keras=lambda k, x, o=o: k.norm(x, o, (2, 0), True))
add("norm", "matrix-2d-ord=2-no-axis", lambda b, x: b.norm(x, ord=2), lambda x: np.linalg.norm(x, ord=2),
    [u((3, 3))], diff=[0], tol="trans", keras=lambda k, x: k.norm(x, ord=2))
add("norm", "int32", m("norm"), lambda x: np.linalg.norm(x.astype(np.float64)),
    [np.array([3, 4], np.int32)], tol="simple", dtype="float32", keras=lambda k, x: k.norm(x))
add("norm", "flat-3d-keepdims", lambda b, x: b.norm(x, keepdims=True),
    lambda x: np.sqrt(np.sum(x * x, keepdims=True)), [away((2, 3, 2), 0.2)], diff=[0], tol="trans",
    keras=lambda k, x: k.norm(x, keepdims=True))

# -------------------------------------------------------------------- cdist
def _cdist(x, y):
    return np.sqrt(np.sum((x[..., :, None, :] - y[..., None, :, :]) ** 2, axis=-1))


add("cdist", "2d", m("cdist"), _cdist, [u((3, 2)), u((4, 2))], diff=[0, 1], tol="trans",
    keras=lambda k, x, y: k.cdist(x, y))
add("cdist", "batched", m("cdist"), _cdist, [u((2, 3, 3)), u((2, 2, 3))], diff=[0, 1], tol="trans",
    keras=lambda k, x, y: k.cdist(x, y))


# --------------------------------------------------------------------- FFTs
def _pair(z):
    return z.real, z.imag


add("fft", "1d", lambda b, r, i: b.fft((r, i)), lambda r, i: _pair(np.fft.fft(r + 1j * i)),
    [u((6,)), u((6,))], diff=[0, 1], tol="reduce", keras=lambda k, r, i: k.fft((r, i)))
add("fft", "batched-odd", lambda b, r, i: b.fft((r, i)), lambda r, i: _pair(np.fft.fft(r + 1j * i)),
    [u((2, 5)), u((2, 5))], diff=[0, 1], tol="reduce", keras=lambda k, r, i: k.fft((r, i)))
add("fft2", "3d", lambda b, r, i: b.fft2((r, i)), lambda r, i: _pair(np.fft.fft2(r + 1j * i)),
    [u((2, 3, 4)), u((2, 3, 4))], diff=[0, 1], tol="reduce", keras=lambda k, r, i: k.fft2((r, i)))
add("ifft2", "3d", lambda b, r, i: b.ifft2((r, i)), lambda r, i: _pair(np.fft.ifft2(r + 1j * i)),
    [u((2, 3, 4)), u((2, 3, 4))], diff=[0, 1], tol="reduce", keras=lambda k, r, i: k.ifft2((r, i)))
add("rfft", "default", m("rfft"), lambda x: _pair(np.fft.rfft(x)), [u((2, 6))], diff=[0], tol="reduce",
    keras=lambda k, x: k.rfft(x))
add("rfft", "pad-odd", lambda b, x: b.rfft(x, 7), lambda x: _pair(np.fft.rfft(x, 7)), [u((5,))],
    diff=[0], tol="reduce", keras=lambda k, x: k.rfft(x, 7))
add("rfft", "crop", lambda b, x: b.rfft(x, fft_length=4), lambda x: _pair(np.fft.rfft(x, 4)),
    [u((2, 6))], diff=[0], tol="reduce", keras=lambda k, x: k.rfft(x, fft_length=4))
add("irfft", "default", lambda b, r, i: b.irfft((r, i)), lambda r, i: np.fft.irfft(r + 1j * i),
    [u((2, 4)), u((2, 4))], diff=[0, 1], tol="reduce", keras=lambda k, r, i: k.irfft((r, i)))
add("irfft", "odd-length", lambda b, r, i: b.irfft((r, i), 5), lambda r, i: np.fft.irfft(r + 1j * i, 5),
    [u((3,)), u((3,))], diff=[0, 1], tol="reduce", keras=lambda k, r, i: k.irfft((r, i), 5))
add("irfft", "pad-bins", lambda b, r, i: b.irfft((r, i), 8), lambda r, i: np.fft.irfft(r + 1j * i, 8),
    [u((3,)), u((3,))], diff=[0, 1], tol="reduce", keras=lambda k, r, i: k.irfft((r, i), 8))


# --------------------------------------------------------------- stft/istft
def _window(window, seq, fft_len):
    if window is None:
        return np.ones(fft_len)
    if isinstance(window, str):
        k = np.arange(seq)
        a = 0.5 if window == "hann" else 0.54
        w = a - (1 - a) * np.cos(2 * np.pi * k / seq)
    else:
        w = np.asarray(window, np.float64)
    lp = (fft_len - seq) // 2
    return np.pad(w, (lp, fft_len - seq - lp))


def _stft_ref(x, seq, stride, fft_len, window="hann", center=True):
    if center:
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(fft_len // 2, fft_len // 2)], mode="reflect")
    n = 1 + (x.shape[-1] - fft_len) // stride
    frames = np.stack([x[..., f * stride:f * stride + fft_len] for f in range(n)], axis=-2)
    return _pair(np.fft.rfft(frames * _window(window, seq, fft_len), fft_len))


def _istft_ref(re, im, seq, stride, fft_len, length=None, window="hann", center=True):
    frames = np.fft.irfft(re + 1j * im, fft_len)
    w = _window(window, seq, fft_len)
    nf = re.shape[-2]
    total = fft_len + stride * (nf - 1)
    out = np.zeros(re.shape[:-2] + (total,))
    norm = np.zeros(total)
    for f in range(nf):
        out[..., f * stride:f * stride + fft_len] += frames[..., f, :] * w
        norm[f * stride:f * stride + fft_len] += w * w
    out = out / np.where(norm > 1e-10, norm, 1.0)
    if window is None:
        out = out * fft_len / stride
    start = fft_len // 2 if center else 0
    stop = start + length if length is not None else (total - fft_len // 2 if center else total)
    return out[..., start:stop]


STFT_ARGS = {
    "hann-center": (8, 4, 16, "hann", True),
    "hamming-no-center": (6, 3, 8, "hamming", False),
    "no-window": (8, 4, 8, None, True),
    "array-window": (5, 2, 8, np.linspace(0.5, 1.5, 5).astype(F32), True),
}
for label, (seq, stride, fl, win, cen) in STFT_ARGS.items():
    add("stft", label, lambda b, x, a=(seq, stride, fl, win, cen): b.stft(x, *a),
        lambda x, a=(seq, stride, fl, win, cen): _stft_ref(x, *a), [u((2, 20))], diff=[0], tol="reduce",
        keras=lambda k, x, a=(seq, stride, fl, win, cen): k.stft(x, *a))
ISTFT_ARGS = {
    "hann-center": ((2, 6, 9), (8, 4, 16, None, "hann", True)),
    "length": ((5, 9), (8, 4, 16, 10, "hann", True)),
    "hamming-no-center": ((2, 5, 5), (6, 3, 8, None, "hamming", False)),
    "no-window": ((4, 5), (8, 4, 8, None, None, True)),
}
for label, (shape, a) in ISTFT_ARGS.items():
    add("istft", label, lambda b, r, i, a=a: b.istft((r, i), *a),
        lambda r, i, a=a: _istft_ref(r, i, *a), [u(shape), u(shape)], diff=[0, 1], tol="reduce",
        keras=lambda k, r, i, a=a: k.istft((r, i), *a))
add("istft", "round-trip", lambda b, x: b.istft(b.stft(x, 8, 2, 8), 8, 2, 8, length=12),
    lambda x: x, [u((2, 12))], diff=[0], tol="reduce",
    keras=lambda k, x: k.istft(k.stft(x, 8, 2, 8), 8, 2, 8, length=12))

# det's gradient at a singular matrix is its cofactor matrix (JAX's; torch's own gives 0)
add("det", "singular-grad", m("det"), np.linalg.det, [np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], F32)],
    diff=[0], tol="reduce", keras=lambda k, x: k.det(x))
add("det", "rank-1-grad", m("det"), np.linalg.det, [np.array([[0, 0], [0, 1]], F32)], diff=[0],
    tol="reduce", keras=lambda k, x: k.det(x))
add("lu_factor", "pivoting-grad", m("lu_factor"), _lu,
    [np.array([[0.1, 2, 1], [3, 1, 0.5], [1, 4, 2]], F32)], diff=[0], tol="reduce",
    dtype=("float32", "int32"), keras=lambda k, x: k.lu_factor(x))
# a batch of least-squares problems (Keras on JAX takes 2-D `a` only: no oracle)
add("lstsq", "batched", m("lstsq"), lambda a, b: np.stack([_lstsq(a[i], b[i]) for i in range(2)]),
    [u((2, 4, 3)), u((2, 4, 2))], diff=[0, 1], tol="reduce")
add("irfft", "crop-bins", lambda b, r, i: b.irfft((r, i), 4), lambda r, i: np.fft.irfft(r + 1j * i, 4),
    [u((2, 5)), u((2, 5))], diff=[0, 1], tol="reduce", keras=lambda k, r, i: k.irfft((r, i), 4))
