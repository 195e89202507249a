"""The NumPy engine's linalg ops (contract: ``kerasette/backends/contract/linalg.py``).

Module-level functions named as the contract's methods; each differentiable op
returns ``Traced`` on traced input with its VJP next to its forward code (the
standard matrix-calculus rules). A multi-output op gives each output its own
node whose VJP treats the other outputs' gradients as zero.
"""
from __future__ import annotations

import numpy as np

from ..contract.linalg import check_matrix, solve_shapes
from .autodiff import Traced, unbroadcast

F32 = np.dtype("float32")


def _float(x):
    xv = x.value if type(x) is Traced else np.asarray(x)
    if xv.dtype.kind != "f":
        return np.asarray(xv, F32), None
    return xv, (x if type(x) is Traced else None)


def _T(a):
    return np.swapaxes(a, -1, -2)


def _sym(a):
    return (a + _T(a)) * 0.5


def _nan_where_singular(fn, a, *rest):
    """``fn(a, *rest)`` (``inv``, ``solve``); matrices LAPACK finds exactly singular give
    all NaN. ``rest``: matrices ``(..., M, K)`` whose batch axes broadcast with ``a``'s."""
    try:
        return fn(a, *rest)
    except np.linalg.LinAlgError:
        pass
    batch = np.broadcast_shapes(a.shape[:-2], *(r.shape[:-2] for r in rest))
    if not batch:
        return np.full(rest[0].shape if rest else a.shape, np.nan, np.result_type(a, *rest))
    a_b = np.broadcast_to(a, batch + a.shape[-2:])
    rest_b = [np.broadcast_to(r, batch + r.shape[-2:]) for r in rest]
    outs = [_nan_where_singular(fn, a_b[i], *(r[i] for r in rest_b)) for i in np.ndindex(batch)]
    return np.stack(outs).reshape(batch + outs[0].shape)


# ------------------------------------------------------------------ cholesky
def cholesky(x, upper=False):
    a, tx = _float(x)
    check_matrix("cholesky", a.shape, dtype=a.dtype)
    try:
        low = np.linalg.cholesky(_sym(a))
    except np.linalg.LinAlgError:
        raise ValueError(f"cholesky: the input of shape {a.shape} is not a symmetric positive-"
                         f"definite matrix (the Cholesky decomposition failed).") from None
    out = _T(low).copy() if upper else low
    if tx is None:
        return out

    def vjp(g):
        gl = _T(g) if upper else g
        linv = np.linalg.inv(low)
        p = _T(low) @ gl
        p = np.tril(p) - 0.5 * np.eye(p.shape[-1], dtype=p.dtype) * p  # lower part, halved diagonal
        s = _T(linv) @ p @ linv
        return (_sym(s),)

    return Traced(out, (tx,), vjp)


# ------------------------------------------------------- det, slogdet, inv
def _cofactors(a):
    """``adj(a)^T`` (the gradient of ``det``), from the SVD so singular ``a`` works too:
    ``det(u) det(vh) u diag(prod_{j != i} s_j) vh``."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    ones = np.ones(s.shape[:-1] + (1,), s.dtype)
    left = np.cumprod(np.concatenate([ones, s[..., :-1]], -1), -1)  # prod of s_j, j < i
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(s, -1)[..., :n - 1]], -1), -1), -1)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return (u * (left * right)[..., None, :]) @ vh * sign[..., None, None]


def det(x):
    a, tx = _float(x)
    check_matrix("det", a.shape, dtype=a.dtype)
    out = np.asarray(np.linalg.det(a), a.dtype)
    if tx is None:
        return out

    def vjp(g):
        return (g[..., None, None] * _cofactors(a),)

    return Traced(out, (tx,), vjp)


def slogdet(x):
    a, tx = _float(x)
    check_matrix("slogdet", a.shape, dtype=a.dtype)
    sign, logabs = np.linalg.slogdet(a)
    sign, logabs = np.asarray(sign, a.dtype), np.asarray(logabs, a.dtype)
    if tx is None:
        return sign, logabs

    def vjp(g):
        return (g[..., None, None] * _T(_nan_where_singular(np.linalg.inv, a)),)

    return sign, Traced(logabs, (tx,), vjp)


def inv(x):
    a, tx = _float(x)
    check_matrix("inv", a.shape, dtype=a.dtype)
    out = _nan_where_singular(np.linalg.inv, a)
    if tx is None:
        return out

    def vjp(g):
        o_t = _T(out)
        return (-(o_t @ g @ o_t),)

    return Traced(out, (tx,), vjp)


def solve(a, b):
    av, ta = _float(a)
    bv, tb = _float(b)
    check_matrix("solve", av.shape, dtype=av.dtype)
    solve_shapes("solve", av.shape, bv.shape)
    dt = np.result_type(av, bv)
    av, bv = av.astype(dt, copy=False), bv.astype(dt, copy=False)
    vec = bv.ndim == 1
    bm = bv[:, None] if vec else bv
    try:
        out = _nan_where_singular(np.linalg.solve, av, bm)
    except ValueError:
        raise ValueError(f"solve: the batch shapes of `a` {av.shape} and `b` {bv.shape} do not "
                         f"broadcast.") from None
    res = out[..., 0] if vec else out
    if ta is None and tb is None:
        return res

    def vjp(g):
        gm = g[..., None] if vec else g
        gb = np.linalg.solve(_T(av), gm)
        ga = -gb @ _T(out)
        return (unbroadcast(ga, av.shape) if ta is not None else None,
                (unbroadcast(gb, bm.shape).reshape(bv.shape) if tb is not None else None))

    return Traced(res, (ta, tb), vjp)


# ---------------------------------------------------------------------- pinv
def _pinv_default_rcond(a):
    return 10.0 * max(a.shape[-2:]) * np.finfo(a.dtype).eps


def pinv(x, rcond=None):
    a, tx = _float(x)
    check_matrix("pinv", a.shape, square=False, dtype=a.dtype)
    rc = _pinv_default_rcond(a) if rcond is None else rcond
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    cut = np.asarray(rc, a.dtype)[..., None] * np.max(s, axis=-1, keepdims=True)
    s_inv = np.where(s > cut, 1.0 / np.where(s > cut, s, 1.0), 0.0).astype(a.dtype)
    p = (_T(vh) * s_inv[..., None, :]) @ _T(u)
    if tx is None:
        return p

    def vjp(g):
        m, n = a.shape[-2:]
        gt = _T(g)
        pt = _T(p)
        ga = -(pt @ g @ pt)
        ga = ga + (np.eye(m, dtype=a.dtype) - a @ p) @ gt @ p @ pt
        ga = ga + pt @ p @ gt @ (np.eye(n, dtype=a.dtype) - p @ a)
        return (ga,)

    return Traced(p, (tx,), vjp)


# ----------------------------------------------------------------- lu_factor
def lu_factor(x):
    a, tx = _float(x)
    check_matrix("lu_factor", a.shape, dtype=a.dtype)
    lu = np.array(a, copy=True)
    n = a.shape[-1]
    piv = np.zeros(a.shape[:-1], np.int32)
    rows = np.arange(n)
    flat = lu.reshape((-1, n, n))
    fpiv = piv.reshape((-1, n))
    for k in range(n):
        p = k + np.argmax(np.abs(flat[:, k:, k]), axis=1)
        fpiv[:, k] = p
        b = np.arange(flat.shape[0])
        row_k, row_p = flat[b, k].copy(), flat[b, p].copy()
        flat[b, k], flat[b, p] = row_p, row_k
        pivot = flat[:, k, k]
        safe = np.where(pivot == 0, 1.0, pivot)[:, None]
        below = rows > k
        flat[:, below, k] = np.where(pivot[:, None] == 0, flat[:, below, k], flat[:, below, k] / safe)
        flat[:, k + 1:, k + 1:] -= flat[:, k + 1:, k:k + 1] * flat[:, k:k + 1, k + 1:]
    lu, piv = flat.reshape(a.shape), fpiv.reshape(a.shape[:-1])
    if tx is None:
        return lu, piv

    def vjp(g):
        # a = P L U: grad = P L^{-T} (tril(L^T gL, -1) + triu(gU U^T)) U^{-T}
        eye = np.eye(n, dtype=a.dtype)
        low, up = np.tril(lu, -1) + eye, np.triu(lu)
        x = np.tril(_T(low) @ np.tril(g, -1), -1) + np.triu(np.triu(g) @ _T(up))
        y = _T(np.linalg.solve(up, _T(np.linalg.solve(_T(low), x))))  # L^{-T} x U^{-T}
        perm = np.broadcast_to(np.arange(n), piv.shape).copy()  # row order after the swaps
        for k in range(n):
            pk = piv[..., k:k + 1]
            at_k = np.take_along_axis(perm, pk, -1)
            np.put_along_axis(perm, pk, perm[..., k:k + 1], -1)
            perm[..., k:k + 1] = at_k
        # row i of P^T a is row perm[i] of a, so row perm[i] of the gradient is row i of y
        out = np.empty_like(y)
        np.put_along_axis(out, np.broadcast_to(perm[..., None], y.shape), y, -2)
        return (out,)

    return Traced(lu, (tx,), vjp), piv


# ------------------------------------------------------------------------ qr
def _qr_vjp(q, r, gq, gr):
    """Gradient of ``a = q r`` (reduced, ``M >= N``)."""
    m = r @ _T(gr) - _T(gq) @ q
    m = np.tril(m) + _T(np.tril(m, -1))  # copy the lower triangle to the upper
    rhs = gq + q @ m
    # rhs @ r^{-T}: solve r x^T = rhs^T
    return _T(np.linalg.solve(r, _T(rhs)))


def qr(x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: `mode` must be 'reduced' or 'complete'; got {mode!r}.")
    a, tx = _float(x)
    check_matrix("qr", a.shape, square=False, dtype=a.dtype)
    q, r = np.linalg.qr(a, mode=mode)
    q, r = q.astype(a.dtype, copy=False), r.astype(a.dtype, copy=False)
    if tx is None:
        return q, r
    rows, cols = a.shape[-2:]

    def grad(gq, gr):
        if mode == "complete" and rows > cols:  # raised only when a gradient flows, as torch
            raise ValueError(f"qr: the gradient of mode='complete' with M > N is not defined (q "
                             f"is not unique); got shape {a.shape}. Use mode='reduced'.")
        if rows >= cols:
            return _qr_vjp(q, r, gq, gr)
        # wide: a = [x | y], r = [u | v], x = q u
        u, v = r[..., :, :rows], r[..., :, rows:]
        y = a[..., :, rows:]
        gu, gv = gr[..., :, :rows], gr[..., :, rows:]
        gy = q @ gv
        gx = _qr_vjp(q, u, gq + y @ _T(gv), gu)
        return np.concatenate([gx, gy], axis=-1)

    return (Traced(q, (tx,), lambda g: (grad(g, np.zeros_like(r)),)),
            Traced(r, (tx,), lambda g: (grad(np.zeros_like(q), g),)))


# ----------------------------------------------------------------------- svd
def _svd_vjp(a, u, s, vh, gu, gs, gv):
    """Gradient of the reduced SVD ``a = u diag(s) vh`` (``gv``: of ``vh``)."""
    v = _T(vh)
    k = s.shape[-1]
    eye = np.eye(k, dtype=a.dtype)
    out = u * gs[..., None, :] @ vh if gs is not None else 0.0
    if gu is None and gv is None:
        return out
    s2 = s[..., None, :] ** 2 - s[..., :, None] ** 2  # s_j^2 - s_i^2
    f = np.where(eye > 0, 0.0, 1.0 / np.where(eye > 0, 1.0, s2))
    sm = s[..., None, :] * eye  # diag(s)
    inv_s = 1.0 / s
    m, n = a.shape[-2:]
    if gu is not None:
        ut_gu = _T(u) @ gu
        j = f * (ut_gu - _T(ut_gu))
        out = out + u @ (j @ sm) @ vh
        if m > k:
            out = out + ((gu - u @ ut_gu) * inv_s[..., None, :]) @ vh
    if gv is not None:
        gvv = _T(gv)  # gradient of v
        vt_gv = _T(v) @ gvv
        kk = f * (vt_gv - _T(vt_gv))
        out = out + u @ (sm @ kk) @ vh
        if n > k:
            out = out + (u * inv_s[..., None, :]) @ _T(gvv - v @ vt_gv)
    return out


def svd(x, full_matrices=True, compute_uv=True):
    a, tx = _float(x)
    check_matrix("svd", a.shape, square=False, dtype=a.dtype)
    if not compute_uv:
        s = np.linalg.svd(a, compute_uv=False).astype(a.dtype, copy=False)
        if tx is None:
            return s
        u, _, vh = np.linalg.svd(a, full_matrices=False)
        return Traced(s, (tx,), lambda g: (_svd_vjp(a, u, s, vh, None, g, None),))
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    u, s, vh = (t.astype(a.dtype, copy=False) for t in (u, s, vh))
    if tx is None:
        return u, s, vh
    # full_matrices on non-square input: the extra basis vectors (any orthonormal basis of
    # the complement) are held constant, as torch does; the gradient flows through the rest
    k = s.shape[-1]
    ur, vhr = u[..., :, :k], vh[..., :k, :]
    z = np.zeros_like
    return (Traced(u, (tx,), lambda g: (_svd_vjp(a, ur, s, vhr, g[..., :, :k], None, None),)),
            Traced(s, (tx,), lambda g: (_svd_vjp(a, ur, s, vhr, None, g, None),)),
            Traced(vh, (tx,), lambda g: (_svd_vjp(a, ur, s, vhr, None, z(s), g[..., :k, :]),)))


# ----------------------------------------------------------------- eig, eigh
def eig(x):
    a, _ = _float(x)
    check_matrix("eig", a.shape, dtype=a.dtype)
    w, v = np.linalg.eig(a)
    ct = np.complex64 if a.dtype != np.float64 else np.complex128
    return w.astype(ct), v.astype(ct)


def eigh(x):
    a, tx = _float(x)
    check_matrix("eigh", a.shape, dtype=a.dtype)
    w, v = np.linalg.eigh(_sym(a))
    w, v = w.astype(a.dtype, copy=False), v.astype(a.dtype, copy=False)
    if tx is None:
        return w, v
    eye = np.eye(a.shape[-1], dtype=a.dtype)
    d = w[..., None, :] - w[..., :, None]  # w_j - w_i
    f = np.where(eye > 0, 0.0, 1.0 / np.where(eye > 0, 1.0, d))

    def grad(gw, gv):
        inner = f * (_T(v) @ gv) if gv is not None else 0.0
        if gw is not None:
            inner = inner + gw[..., None, :] * eye
        return (_sym(v @ inner @ _T(v)),)

    return (Traced(w, (tx,), lambda g: grad(g, None)),
            Traced(v, (tx,), lambda g: grad(None, g)))


# ----------------------------------------------------------------------- fft
def fft(x):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"fft: `x` must be a tuple (real, imag) of two float arrays; got "
                         f"{type(x).__name__}.")
    re, im = x
    tr = re if type(re) is Traced else None
    ti = im if type(im) is Traced else None
    rv = re.value if tr is not None else np.asarray(re)
    iv = im.value if ti is not None else np.asarray(im)
    if rv.dtype.kind != "f" or iv.dtype.kind != "f":
        raise ValueError(f"fft: both parts of `x` must be float arrays; got dtypes {rv.dtype} "
                         f"and {iv.dtype}.")
    if rv.shape != iv.shape or rv.ndim == 0:
        raise ValueError(f"fft: the real and imaginary parts must have one shape of at least 1 "
                         f"axis; got {rv.shape} and {iv.shape}.")
    dt = np.result_type(rv, iv)
    y = np.fft.fft(rv + 1j * iv, axis=-1)
    out_r, out_i = y.real.astype(dt), y.imag.astype(dt)
    if tr is None and ti is None:
        return out_r, out_i
    n = rv.shape[-1]

    def back(gc):
        h = np.fft.ifft(gc, axis=-1) * n  # F^H g
        return (h.real.astype(rv.dtype) if tr is not None else None,
                h.imag.astype(iv.dtype) if ti is not None else None)

    return (Traced(out_r, (tr, ti), lambda g: back(g + 0j)),
            Traced(out_i, (tr, ti), lambda g: back(1j * g)))
