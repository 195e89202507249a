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


def _lstm_core(zx, h0, c0, rk):
    vals = [v.value if type(v) is Traced else v for v in (zx, h0, c0, rk)]
    zxv, h, c, rkv = vals
    t_len, n, u = zxv.shape[0], h.shape[0], h.shape[-1]
    dt = np.result_type(zxv, h, rkv)
    traced = any(type(v) is Traced for v in (zx, h0, c0, rk))
    hs = np.empty((t_len + 1, n, u), dt)
    hs[0] = h
    if traced:
        acts = np.empty((t_len, n, 4 * u), dt)
        cs = np.empty((t_len + 1, n, u), dt)
        cs[0] = c
    for t in range(t_len):
        z = zxv[t] + h @ rkv
        a = _sigmoid(z)
        g = np.tanh(z[:, 2 * u:3 * u])
        a[:, 2 * u:3 * u] = g
        c = a[:, u:2 * u] * c + a[:, :u] * g
        h = hs[t + 1]
        np.multiply(a[:, 3 * u:], np.tanh(c), out=h)
        if traced:
            acts[t] = a
            cs[t + 1] = c
    if not traced:
        return hs[1:], h, c

    def vjp(gp):
        gys, dh, dc = gp[:t_len], gp[t_len].copy(), gp[t_len + 1].copy()
        dz = np.empty((t_len, n, 4 * u), dt)
        for t in range(t_len - 1, -1, -1):
            a = acts[t]
            i, f, g, o = a[:, :u], a[:, u:2 * u], a[:, 2 * u:3 * u], a[:, 3 * u:]
            dh += gys[t]
            tc = np.tanh(cs[t + 1])
            dc += dh * o * (1 - tc * tc)
            d = dz[t]
            np.multiply(dc * g, i * (1 - i), out=d[:, :u])
            np.multiply(dc * cs[t], f * (1 - f), out=d[:, u:2 * u])
            np.multiply(dc * i, 1 - g * g, out=d[:, 2 * u:3 * u])
            np.multiply(dh * tc, o * (1 - o), out=d[:, 3 * u:])
            dc *= f
            dh = d @ rkv.T
        drk = hs[:-1].reshape(-1, u).T @ dz.reshape(-1, 4 * u)
        return dz, dh, dc, drk

    return _packed([hs[1:], h, c], tuple(v if type(v) is Traced else None for v in (zx, h0, c0, rk)), vjp)


def lstm(x, h0, c0, kernel, recurrent_kernel, bias, go_backwards=False):
    ys, h, c = _lstm_core(_project(x, kernel, bias, go_backwards), h0, c0, recurrent_kernel)
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
