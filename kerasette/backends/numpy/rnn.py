"""Fused LSTM and GRU layers: a time loop of one GEMM per step, and a hand-written
backward pass through time.

Each layer is one primitive. The input projection of all steps runs before the
loop; the loop works in a ``(time, features, batch)`` layout where each gate of a
step is a contiguous block, with preallocated (``scratch``) buffers and no
temporaries; the backward pass runs on each step's blocks while they are in cache
(GEMMs for the input and state gradients and accumulating the kernels'). Outputs
(ys, last states) are packed in one traced array and sliced out, so one backward
pass serves all.
"""
from __future__ import annotations

import numpy as np

from .autodiff import Traced
from .ops import getitem, swapaxes
from .scratch import buffer


def _packed(outs, parents, vjp):
    """One traced node holding the outputs stacked on the time axis; sliced back out."""
    packed = Traced(np.concatenate([o if o.ndim == 3 else o[None] for o in outs]), parents, vjp)
    t = outs[0].shape[0]
    return [getitem(packed, slice(0, t))] + [getitem(packed, t + i) for i in range(len(outs) - 1)]


def _vals(*xs):
    return [x.value if type(x) is Traced else x for x in xs]


def _inputs_and_states(xv, u, go_backwards, dt):
    """``xh (T+1, d+u, n)``: the inputs ``(batch, time, d)`` time-major with the batch
    last (reversed in time with ``go_backwards``) in rows ``[:d]``; rows ``[d:]`` get
    the states ``h_t``."""
    n, t_len, d = xv.shape
    xh = buffer((t_len + 1, d + u, n), dt)
    xh[:t_len, :d] = (xv[:, ::-1] if go_backwards else xv).transpose(1, 2, 0)
    return xh


def _input_grads(args, dx, others, go_backwards):
    """The VJP's result: ``dx (d, T, n)`` back to ``(batch, time, d)`` (and time order),
    then the other gradients; None for the arguments that are not traced."""
    dx = dx.transpose(2, 1, 0)
    grads = (dx[:, ::-1] if go_backwards else dx,) + tuple(others)
    return tuple(gr if type(a) is Traced else None for a, gr in zip(args, grads))


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
    t_len, d = xv.shape[1:]
    xh = _inputs_and_states(xv, rkv.shape[0], go_backwards, dt)
    cs, acts, tcs = _lstm_forward(xh, h0v, c0v, kv, rkv, bv, dt)
    hs = xh[1:, d:]  # (T, u, n)
    if not any(type(a) is Traced for a in args):
        return hs.transpose(2, 0, 1), xh[t_len, d:].T, cs[-1].T

    def vjp(gp):
        dx, *others = _lstm_backward(gp, xh, cs, acts, tcs, kv, rkv, dt)
        return _input_grads(args, dx, others, go_backwards)

    parents = tuple(a if type(a) is Traced else None for a in args)
    ys, h, c = _packed([hs.transpose(0, 2, 1), xh[t_len, d:].T, cs[-1].T], parents, vjp)
    return swapaxes(ys, 0, 1), h, c


def _gru_forward(xh, h0, kv, rkv, b_in, b_rec, dt):
    """GRU forward (Keras's ``reset_after`` form, gates ``z, r, h``) in the layout of
    ``_lstm_forward``: ``xh (T+1, d+u, n)`` holds ``x_t`` in rows ``[:d]`` and gets
    ``h_t`` in rows ``[d:]``. Returns ``acts (T, 3u, n)`` (``z, r`` and the candidate
    ``hc``) and ``hhs (T, u, n)`` (the recurrent part ``h @ rk_h + b_rec_h``). The
    sigmoid gates run as ``0.5 * tanh(z / 2) + 0.5`` with the halving in the weights."""
    t_len, n = xh.shape[0] - 1, xh.shape[2]
    u = rkv.shape[0]
    d = xh.shape[1] - u
    half = np.full((3 * u, 1), 0.5, dt)
    half[2 * u:] = 1
    acts = np.matmul((kv.T * half).astype(dt, copy=False), xh[:-1, :d],
                     out=buffer((t_len, 3 * u, n), dt))
    if b_in is not None:
        acts += (b_in[:, None] * half).astype(dt, copy=False)
    rkt = (rkv.T * half).astype(dt)  # (3u, u)
    brh = None if b_rec is None else (b_rec[:, None] * half).astype(dt)
    hhs = buffer((t_len, u, n), dt)
    xh[0, d:] = h0.T
    rh = np.empty((3 * u, n), dt)
    tmp = np.empty((u, n), dt)
    for t in range(t_len):
        a = acts[t]
        h = xh[t, d:]
        np.matmul(rkt, h, out=rh)
        if brh is not None:
            rh += brh
        zr, hc = a[:2 * u], a[2 * u:]
        zr += rh[:2 * u]
        np.tanh(zr, out=zr)
        zr *= 0.5
        zr += 0.5
        hh = hhs[t]
        hh[...] = rh[2 * u:]
        np.multiply(zr[u:], hh, out=tmp)  # r * hh
        hc += tmp
        np.tanh(hc, out=hc)
        np.subtract(h, hc, out=tmp)  # h_new = z * (h - hc) + hc
        tmp *= zr[:u]
        np.add(tmp, hc, out=xh[t + 1, d:])
    return acts, hhs


def _gru_backward(gp, xh, acts, hhs, kv, rkv, dt):
    """Gradients of the packed outputs ``gp = [ys (T), h_T]`` for ``(x as (d, T, n), h0,
    kernel, recurrent_kernel, b_in, b_rec)``, per step on blocks in cache."""
    t_len, u, n = hhs.shape
    d = xh.shape[1] - u
    gys = gp[:t_len]
    seq = bool(gys.any())
    if seq:
        gys = np.ascontiguousarray(gys.transpose(0, 2, 1), dt)
    dxs = buffer((t_len, d, n), dt)
    dh = np.array(gp[t_len].T, dt, order="C")
    dk = np.zeros((3 * u, d), dt)  # transposed gradients, accumulated
    drk = np.zeros((3 * u, u), dt)
    dbi = np.zeros((3 * u, n), dt)
    dbr = np.zeros((3 * u, n), dt)
    dzx = np.empty((3 * u, n), dt)  # [dz; dr; d(candidate pre-activation)]
    drh = np.empty((3 * u, n), dt)  # the same for the recurrent part: [dz; dr; dah * r]
    tmp = np.empty((u, n), dt)
    tw = np.empty((3 * u, max(d, u)), dt)
    dhr = np.empty((u, n), dt)
    kt = np.ascontiguousarray(kv, dt)  # (d, 3u)
    rk = np.ascontiguousarray(rkv, dt)  # (u, 3u)
    for t in range(t_len - 1, -1, -1):
        a = acts[t]
        z, r, hc = a[:u], a[u:2 * u], a[2 * u:]
        h = xh[t, d:]
        if seq:
            dh += gys[t]
        dz, dr, dah = dzx[:u], dzx[u:2 * u], dzx[2 * u:]
        np.subtract(h, hc, out=dz)  # dz = dh (h - hc) z (1 - z)
        dz *= dh
        np.subtract(1, z, out=tmp)
        tmp *= z
        dz *= tmp
        np.multiply(hc, hc, out=dah)  # dah = dh (1 - z) (1 - hc^2)
        np.subtract(1, dah, out=dah)
        np.subtract(1, z, out=tmp)
        dah *= tmp
        dah *= dh
        np.multiply(dah, hhs[t], out=dr)  # dr = dah hh r (1 - r)
        np.subtract(1, r, out=tmp)
        tmp *= r
        dr *= tmp
        drh[:2 * u] = dzx[:2 * u]
        np.multiply(dah, r, out=drh[2 * u:])
        dbi += dzx
        dbr += drh
        np.matmul(dzx, xh[t, :d].T, out=tw[:, :d])
        dk += tw[:, :d]
        np.matmul(drh, h.T, out=tw[:, :u])
        drk += tw[:, :u]
        np.matmul(kt, dzx, out=dxs[t])
        np.matmul(rk, drh, out=dhr)
        dh *= z
        dh += dhr
    return (dxs.transpose(1, 0, 2), dh.T, dk.T, drk.T, dbi.sum(axis=1), dbr.sum(axis=1))


def gru(x, h0, kernel, recurrent_kernel, bias, go_backwards=False):
    args = (x, h0, kernel, recurrent_kernel, bias)
    xv, h0v, kv, rkv, bv = _vals(*args)
    dt = np.result_type(*(v for v in (xv, h0v, kv, rkv, bv) if v is not None))
    t_len, d = xv.shape[1:]
    xh = _inputs_and_states(xv, rkv.shape[0], go_backwards, dt)
    b_in, b_rec = (None, None) if bv is None else (bv[0], bv[1])
    acts, hhs = _gru_forward(xh, h0v, kv, rkv, b_in, b_rec, dt)
    hs = xh[1:, d:]
    if not any(type(a) is Traced for a in args):
        return hs.transpose(2, 0, 1), xh[t_len, d:].T

    def vjp(gp):
        dx, dh, dk, drk, dbi, dbr = _gru_backward(gp, xh, acts, hhs, kv, rkv, dt)
        db = None if bv is None else np.stack([dbi, dbr])
        return _input_grads(args, dx, (dh, dk, drk, db), go_backwards)

    parents = tuple(a if type(a) is Traced else None for a in args)
    ys, h = _packed([hs.transpose(0, 2, 1), xh[t_len, d:].T], parents, vjp)
    return swapaxes(ys, 0, 1), h
