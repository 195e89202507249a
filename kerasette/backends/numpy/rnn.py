"""Fused LSTM and GRU layers: a time loop of one GEMM per step, and a hand-written
backward pass through time (one more GEMM per step, one for the recurrent kernel).

The input projection (``x @ kernel + bias``) and the time reversal are ordinary
traced ops; only the recurrence is a primitive. Its outputs (ys, last states)
are packed in one traced array and sliced out, so one backward pass serves all.
"""
from __future__ import annotations

import numpy as np

from .autodiff import Traced
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


def _time_major(xv, go_backwards, dt):
    """``(batch, time, f)`` -> a C-contiguous ``(time, batch, f)`` copy (reversed in time)."""
    xt = np.swapaxes(xv, 0, 1)
    return np.ascontiguousarray(xt[::-1] if go_backwards else xt, dt)


def _lstm_forward(xt, h0, c0, kv, rkv, bv, dt):
    """The forward recurrence; returns ``hs (T+1, n, u)``, ``cs (T+1, n, u)``, the gate
    activations ``acts (T, n, 4u)`` and ``tcs = tanh(cs[1:])``.

    The sigmoid gates run as ``0.5 * tanh(z / 2) + 0.5``: the halving is folded into the
    (small) weights, exact in binary floating point, so one ``tanh`` covers all four gates.
    """
    t_len, n = xt.shape[:2]
    u = rkv.shape[0]
    half = np.full(4 * u, 0.5, dt)
    half[2 * u:3 * u] = 1  # the cell candidate g keeps tanh(z)
    shift = np.where(half == 1, 0, 0.5).astype(dt)
    acts = (xt.reshape(-1, xt.shape[-1]) @ (kv * half).astype(dt, copy=False))
    if bv is not None:
        acts += bv * half
    acts = acts.reshape(t_len, n, 4 * u)
    rk2 = (rkv * half).astype(dt, copy=False)
    hs = np.empty((t_len + 1, n, u), dt)
    cs = np.empty((t_len + 1, n, u), dt)
    tcs = np.empty((t_len, n, u), dt)
    hs[0] = h0
    cs[0] = c0
    rh = np.empty((n, 4 * u), dt)
    ig = np.empty((n, u), dt)
    for t in range(t_len):
        z = acts[t]
        np.matmul(hs[t], rk2, out=rh)
        z += rh
        np.tanh(z, out=z)
        z *= half
        z += shift
        c = cs[t + 1]
        np.multiply(z[:, u:2 * u], cs[t], out=c)
        np.multiply(z[:, :u], z[:, 2 * u:3 * u], out=ig)
        c += ig
        np.tanh(c, out=tcs[t])
        np.multiply(z[:, 3 * u:], tcs[t], out=hs[t + 1])
    return hs, cs, acts, tcs


def _lstm_backward(gp, xt, hs, cs, acts, tcs, kv, rkv, dt):
    """Gradients of the packed outputs ``gp = [ys (T), h_T, c_T]`` (time-major) with respect
    to ``(xt, h0, c0, kernel, recurrent_kernel, bias)``. Everything that does not depend on
    the carried ``(dh, dc)`` is computed for all steps at once before the loop."""
    t_len, n, u = tcs.shape
    gys, dh, dc = gp[:t_len], np.array(gp[t_len], dt), np.array(gp[t_len + 1], dt)
    seq = bool(gys.any())
    i, f, g, o = (acts[..., k * u:(k + 1) * u] for k in range(4))
    # dz = [dc * m_i, dc * m_f, dc * m_g, dh * m_o] per step, dc += dh * q
    m = np.subtract(1, acts)
    m *= acts  # sigmoid'(z) = s (1 - s) in the i, f, o columns
    m[..., :u] *= g
    m[..., u:2 * u] *= cs[:-1]
    mg = m[..., 2 * u:3 * u]
    np.multiply(g, g, out=mg)
    np.subtract(1, mg, out=mg)
    mg *= i
    m[..., 3 * u:] *= tcs
    q = np.multiply(tcs, tcs)
    np.subtract(1, q, out=q)
    q *= o
    m3 = m.reshape(t_len, n, 4, u)
    dz = np.empty((t_len, n, 4 * u), dt)
    dz3 = dz.reshape(t_len, n, 4, u)
    rkt = np.ascontiguousarray(rkv.T, dt)
    tmp = np.empty((n, u), dt)
    for t in range(t_len - 1, -1, -1):
        if seq:
            dh += gys[t]
        np.multiply(dh, q[t], out=tmp)
        dc += tmp
        np.multiply(dc[:, None, :], m3[t, :, :3], out=dz3[t, :, :3])
        np.multiply(dh, m[t, :, 3 * u:], out=dz[t, :, 3 * u:])
        dc *= f[t]
        np.matmul(dz[t], rkt, out=dh)
    dz2 = dz.reshape(-1, 4 * u)
    dx = (dz2 @ kv.T.astype(dt, copy=False)).reshape(xt.shape)
    dk = xt.reshape(-1, xt.shape[-1]).T @ dz2
    drk = hs[:-1].reshape(-1, u).T @ dz2
    db = dz2.sum(axis=0)
    return dx, dh, dc, dk, drk, db


def lstm(x, h0, c0, kernel, recurrent_kernel, bias, go_backwards=False):
    args = (x, h0, c0, kernel, recurrent_kernel, bias)
    xv, h0v, c0v, kv, rkv, bv = _vals(*args)
    dt = np.result_type(*(v for v in (xv, h0v, c0v, kv, rkv, bv) if v is not None))
    xt = _time_major(xv, go_backwards, dt)
    hs, cs, acts, tcs = _lstm_forward(xt, h0v, c0v, kv, rkv, bv, dt)
    if not any(type(a) is Traced for a in args):
        return np.swapaxes(hs[1:], 0, 1), hs[-1], cs[-1]

    def vjp(gp):
        dx, dh, dc, dk, drk, db = _lstm_backward(gp, xt, hs, cs, acts, tcs, kv, rkv, dt)
        dx = np.swapaxes(dx[::-1] if go_backwards else dx, 0, 1)
        return tuple(d if type(a) is Traced else None
                     for a, d in zip(args, (dx, dh, dc, dk, drk, db)))

    parents = tuple(a if type(a) is Traced else None for a in args)
    ys, h, c = _packed([hs[1:], hs[-1], cs[-1]], parents, vjp)
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
