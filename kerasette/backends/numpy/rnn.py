"""Fused LSTM and GRU layers: a time loop of one GEMM per step, and a hand-written
backward pass through time.

LSTM: the whole layer is one primitive. The input projection of all steps runs
before the loop; the loop works in a ``(time, features, batch)`` layout where each
gate of a step is a contiguous block, with preallocated (``scratch``) buffers and
no temporaries; the backward pass runs on each step's blocks while they are in
cache (one GEMM for ``[dx_t; dh_t]``, one accumulating the kernels' gradients).
GRU: the input projection and time reversal are ordinary traced ops and only the
recurrence is a primitive. Outputs (ys, last states) are packed in one traced
array and sliced out, so one backward pass serves all.
"""
from __future__ import annotations

import numpy as np

from .autodiff import Traced
from .scratch import buffer
from .ops import _sigmoid, add, flip, getitem, matmul, swapaxes


def _project(x, kernel, bias, go_backwards):
    zx = matmul(x, kernel)
    if bias is not None:
        zx = add(zx, bias)
    zx = swapaxes(zx, 0, 1)  # time-major
    return flip(zx, 0) if go_backwards else zx


def _packed(outs, parents, vjp):
    """One traced node holding the outputs stacked on the time axis; sliced back out."""
    packed = Traced(np.concatenate([o if o.ndim == 3 else o[None] for o in outs]), parents, vjp)
    t = outs[0].shape[0]
    return [getitem(packed, slice(0, t))] + [getitem(packed, t + i) for i in range(len(outs) - 1)]


def _vals(*xs):
    return [x.value if type(x) is Traced else x for x in xs]


def _lstm_forward(xh, h0, c0, kv, rkv, bv, dt):
    """The forward recurrence in the layout ``(time, features, batch)``: each step is one
    contiguous block and each gate of it a block of whole rows (contiguous inner loops).

    ``xh``: ``(T+1, d+u, n)`` holding the inputs ``x_t`` in rows ``[:d]`` of ``xh[t]``; the
    states ``h_t`` are written into its rows ``[d:]`` (``h_0`` first). Returns ``cs (T+1,
    u, n)``, the gate activations ``acts (T, 4u, n)`` and ``tcs = tanh(cs[1:])``. The
    sigmoid gates run as ``0.5 * tanh(z / 2) + 0.5``: the halving is folded into the
    (small) weights, exact in binary floating point, so one ``tanh`` covers all gates.
    """
    t_len, n = xh.shape[0] - 1, xh.shape[2]
    u = rkv.shape[0]
    d = xh.shape[1] - u
    half = np.full((4 * u, 1), 0.5, dt)
    half[2 * u:3 * u] = 1  # the cell candidate g keeps tanh(z)
    acts = np.matmul((kv.T * half).astype(dt, copy=False), xh[:-1, :d],
                     out=buffer((t_len, 4 * u, n), dt))  # (T, 4u, n)
    rkt = (rkv.T * half).astype(dt)  # (4u, u), C-contiguous
    bh = None if bv is None else (bv[:, None] * half).astype(dt, copy=False)
    cs = buffer((t_len + 1, u, n), dt)
    tcs = buffer((t_len, u, n), dt)
    xh[0, d:] = h0.T
    cs[0] = c0.T
    rh = np.empty((4 * u, n), dt)
    ig = np.empty((u, n), dt)
    for t in range(t_len):
        z = acts[t]
        np.matmul(rkt, xh[t, d:], out=rh)
        z += rh
        if bh is not None:
            z += bh
        np.tanh(z, out=z)
        for s in (z[:2 * u], z[3 * u:]):  # the i, f and o rows: 0.5 * tanh + 0.5
            s *= 0.5
            s += 0.5
        c = cs[t + 1]
        np.multiply(z[u:2 * u], cs[t], out=c)
        np.multiply(z[:u], z[2 * u:3 * u], out=ig)
        c += ig
        np.tanh(c, out=tcs[t])
        np.multiply(z[3 * u:], tcs[t], out=xh[t + 1, d:])
    return cs, acts, tcs


def _lstm_backward(gp, xh, cs, acts, tcs, kv, rkv, dt):
    """Gradients of the packed outputs ``gp = [ys (T), h_T, c_T]`` (time-major, ``(n, u)``
    each) with respect to ``(x, h0, c0, kernel, recurrent_kernel, bias)``, ``x``'s as
    ``(d, T, n)``. Each step runs on its own blocks (in cache): two GEMMs, one for the
    gradients of ``[x_t; h_t]``, one accumulating those of ``[kernel; recurrent_kernel]``."""
    t_len, u, n = tcs.shape
    d = xh.shape[1] - u
    gys = gp[:t_len]
    seq = bool(gys.any())
    if seq:
        gys = np.ascontiguousarray(gys.transpose(0, 2, 1), dt)  # (T, u, n)
    kr = np.concatenate([kv, rkv]).astype(dt, copy=False)  # (d+u, 4u)
    dxh = buffer((t_len + 1, d + u, n), dt)  # [dx_t; dh_t] per step
    dh = dxh[t_len, d:]
    dh[...] = gp[t_len].T
    dc = np.array(gp[t_len + 1].T, dt, order="C")
    dw = np.zeros((4 * u, d + u), dt)  # [dkernel; drecurrent_kernel].T
    dbs = np.zeros((4 * u, n), dt)
    dz = np.empty((4 * u, n), dt)
    m = np.empty((4 * u, n), dt)
    q = np.empty((u, n), dt)
    tmp_w = np.empty_like(dw)
    for t in range(t_len - 1, -1, -1):
        a = acts[t]
        i, f, g, o = a[:u], a[u:2 * u], a[2 * u:3 * u], a[3 * u:]
        tc = tcs[t]
        if seq:
            dh += gys[t]
        np.multiply(tc, tc, out=q)  # dc += dh * o * (1 - tanh(c)^2)
        np.subtract(1, q, out=q)
        q *= o
        q *= dh
        dc += q
        np.subtract(1, a, out=m)  # sigmoid' = s (1 - s); g's rows redone below
        m *= a
        mi, mf, mg, mo = m[:u], m[u:2 * u], m[2 * u:3 * u], m[3 * u:]
        np.multiply(g, g, out=mg)
        np.subtract(1, mg, out=mg)
        mg *= i
        mi *= g
        mf *= cs[t]
        mo *= tc
        np.multiply(m[:3 * u].reshape(3, u, n), dc, out=dz[:3 * u].reshape(3, u, n))
        np.multiply(mo, dh, out=dz[3 * u:])
        dc *= f
        dbs += dz
        np.matmul(dz, xh[t].T, out=tmp_w)
        dw += tmp_w
        np.matmul(kr, dz, out=dxh[t])
        dh = dxh[t, d:]
    dx = dxh[:t_len, :d].transpose(1, 0, 2)  # (d, T, n)
    return dx, dh.T, dc.T, dw[:, :d].T, dw[:, d:].T, dbs.sum(axis=1)


def lstm(x, h0, c0, kernel, recurrent_kernel, bias, go_backwards=False):
    args = (x, h0, c0, kernel, recurrent_kernel, bias)
    xv, h0v, c0v, kv, rkv, bv = _vals(*args)
    dt = np.result_type(*(v for v in (xv, h0v, c0v, kv, rkv, bv) if v is not None))
    n, t_len, d = xv.shape
    u = rkv.shape[0]
    xh = buffer((t_len + 1, d + u, n), dt)  # [x_t; h_t], time-major, batch last
    xh[:t_len, :d] = (xv[:, ::-1] if go_backwards else xv).transpose(1, 2, 0)
    cs, acts, tcs = _lstm_forward(xh, h0v, c0v, kv, rkv, bv, dt)
    hs = xh[1:, d:]  # (T, u, n)
    if not any(type(a) is Traced for a in args):
        return hs.transpose(2, 0, 1), xh[t_len, d:].T, cs[-1].T

    def vjp(gp):
        dx, dh, dc, dk, drk, db = _lstm_backward(gp, xh, cs, acts, tcs, kv, rkv, dt)
        dx = dx.transpose(2, 1, 0)  # (n, T, d)
        grads = (dx[:, ::-1] if go_backwards else dx, dh, dc, dk, drk, db)
        return tuple(gr if type(a) is Traced else None for a, gr in zip(args, grads))

    parents = tuple(a if type(a) is Traced else None for a in args)
    ys, h, c = _packed([hs.transpose(0, 2, 1), xh[t_len, d:].T, cs[-1].T], parents, vjp)
    return swapaxes(ys, 0, 1), h, c


def _gru_core(zx, h0, rk, b_rec):
    zxv, h, rkv, brv = (v.value if type(v) is Traced else v for v in (zx, h0, rk, b_rec))
    t_len, n, u = zxv.shape[0], h.shape[0], h.shape[-1]
    dt = np.result_type(zxv, h, rkv)
    traced = any(type(v) is Traced for v in (zx, h0, rk, b_rec))
    hs = np.empty((t_len + 1, n, u), dt)
    hs[0] = h
    if traced:
        zr = np.empty((t_len, n, 2 * u), dt)  # update and reset gates
        hcs = np.empty((t_len, n, u), dt)
        hhs = np.empty((t_len, n, u), dt)
    for t in range(t_len):
        rh = h @ rkv
        if brv is not None:
            rh += brv
        a = _sigmoid(zxv[t, :, :2 * u] + rh[:, :2 * u])
        z, r = a[:, :u], a[:, u:]
        hh = rh[:, 2 * u:]
        hc = np.tanh(zxv[t, :, 2 * u:] + r * hh)
        h = hs[t + 1]
        np.add(z * (hs[t] - hc), hc, out=h)  # z * h + (1 - z) * hc
        if traced:
            zr[t] = a
            hcs[t] = hc
            hhs[t] = hh
    if not traced:
        return hs[1:], h

    def vjp(gp):
        gys, dh = gp[:t_len], gp[t_len].copy()
        dzx = np.empty((t_len, n, 3 * u), dt)
        drh = np.empty((t_len, n, 3 * u), dt)
        for t in range(t_len - 1, -1, -1):
            z, r, hc = zr[t, :, :u], zr[t, :, u:], hcs[t]
            dh += gys[t]
            dah = dh * (1 - z) * (1 - hc * hc)
            d = dzx[t]
            np.multiply(dh * (hs[t] - hc), z * (1 - z), out=d[:, :u])
            np.multiply(dah * hhs[t], r * (1 - r), out=d[:, u:2 * u])
            d[:, 2 * u:] = dah
            e = drh[t]
            e[:, :2 * u] = d[:, :2 * u]
            np.multiply(dah, r, out=e[:, 2 * u:])
            dh = dh * z + e @ rkv.T
        drk = hs[:-1].reshape(-1, u).T @ drh.reshape(-1, 3 * u)
        db = drh.sum(axis=(0, 1)) if type(b_rec) is Traced else None
        return dzx, dh, drk, db

    return _packed([hs[1:], h], tuple(v if type(v) is Traced else None for v in (zx, h0, rk, b_rec)), vjp)


def gru(x, h0, kernel, recurrent_kernel, bias, go_backwards=False):
    b_in, b_rec = (None, None) if bias is None else (getitem(bias, 0), getitem(bias, 1))
    ys, h = _gru_core(_project(x, kernel, b_in, go_backwards), h0, recurrent_kernel, b_rec)
    return swapaxes(ys, 0, 1), h
