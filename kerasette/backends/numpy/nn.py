"""Neural ops of the NumPy engine: softmax, convolution (im2col + one GEMM), pooling.

Windows are strided views (``as_strided``), never a Python loop over pixels.
Backward passes loop only over kernel offsets: per offset, one strided slice of
the input gradient gets one GEMM's result (``_conv_input_grad``) or one slice of
the window gradient (``_col2im``).
"""
from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..base import conv_transpose_geometry, normalize_tuple, same_padding
from .autodiff import Traced
from .ops import _float_input
from .scratch import buffer


# ------------------------------------------------------------------ softmax
def _softmax(xv, axis, out=None):
    """Softmax values of the array ``xv``; into ``out`` when given (replay's ``into``)."""
    e = np.subtract(xv, np.max(xv, axis=axis, keepdims=True), out=out)
    np.exp(e, out=e)
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def softmax(x, axis=-1):
    x = _float_input(x)
    xv = x.value if type(x) is Traced else x
    e = _softmax(xv, axis)
    if type(x) is not Traced:
        return e
    return Traced(e, (x,), lambda g: (e * (g - np.sum(g * e, axis=axis, keepdims=True)),))


softmax.into = lambda x, axis=-1, out=None: _softmax(x, axis, out)  # see ops._binary's into


def log_softmax(x, axis=-1):
    x = _float_input(x)
    xv = x.value if type(x) is Traced else x
    shifted = xv - np.max(xv, axis=axis, keepdims=True)
    out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    if type(x) is not Traced:
        return out
    return Traced(out, (x,), lambda g: (g - np.exp(out) * np.sum(g, axis=axis, keepdims=True),))


# ----------------------------------------------------------------- geometry
def _geometry(spatial, window, strides, padding, dilation):
    """Per-axis (pad_before, pad_after) and output lengths."""
    padding = padding.lower() if isinstance(padding, str) else padding
    if padding == "same":
        pads = [same_padding(n, k, s, d) for n, k, s, d in zip(spatial, window, strides, dilation)]
    elif padding == "valid":
        pads = [(0, 0)] * len(spatial)
    else:
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}.")
    out = [max(0, (n + b + a - (k - 1) * d - 1) // s + 1)
           for n, (b, a), k, s, d in zip(spatial, pads, window, strides, dilation)]
    return pads, out


def _pad(x, pads, value=0):
    if not any(b or a for b, a in pads):
        return x
    return np.pad(x, [(0, 0)] + list(pads) + [(0, 0)], constant_values=value)


def _windows(xp, window, strides, dilation, out):
    """Read-only view ``(N, *out, *window, C)`` of the windows of padded ``xp``."""
    st = xp.strides
    nsp = len(window)
    shape = (xp.shape[0],) + tuple(out) + tuple(window) + (xp.shape[-1],)
    strides_ = ((st[0],) + tuple(st[1 + i] * strides[i] for i in range(nsp))
                + tuple(st[1 + i] * dilation[i] for i in range(nsp)) + (st[-1],))
    return as_strided(xp, shape, strides_, writeable=False)


def _offset_slices(window, strides, dilation, out):
    """For each kernel offset: (offset index, the slice of the padded input it reads)."""
    for k in np.ndindex(*window):
        yield k, ((slice(None),) + tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                                         for o, d, s, n in zip(k, dilation, strides, out))
                  + (slice(None),))


def _col2im(dwin, padded_shape, window, strides, dilation, out):
    """Adjoint of ``_windows``: sum the window gradient ``(N, *out, *window, C)`` back."""
    dx = np.zeros(padded_shape, dwin.dtype)
    if 0 in out:
        return dx
    nsp = len(window)
    pre = (slice(None),) * (1 + nsp)
    for k, sl in _offset_slices(window, strides, dilation, out):
        dx[sl] += dwin[pre + k]
    return dx


def _crop(x, pads, spatial):
    if not any(b or a for b, a in pads):
        return x
    return x[(slice(None),) + tuple(slice(b, b + n) for (b, _), n in zip(pads, spatial))]


def _conv_args(xv, kv, strides, dilation_rate, name):
    nsp = xv.ndim - 2
    if nsp < 1 or kv.ndim != nsp + 2:
        raise ValueError(f"{name}: input {xv.shape} and kernel {kv.shape} need ranks N+2 and N+2 "
                         f"for N spatial axes.")
    return (nsp, normalize_tuple(strides, nsp, "strides"),
            normalize_tuple(dilation_rate, nsp, "dilation_rate"))


# ---------------------------------------------------------------- convolution
def _conv(x, kernel, strides=1, padding="valid", dilation_rate=1, groups=1):
    tx = type(x) is Traced
    tk = type(kernel) is Traced
    xv = x.value if tx else x
    kv = kernel.value if tk else kernel
    nsp, s, d = _conv_args(xv, kv, strides, dilation_rate, "conv")
    window = kv.shape[:nsp]
    n, c = xv.shape[0], xv.shape[-1]
    cg, c_out = kv.shape[-2], kv.shape[-1]
    if cg * groups != c or c_out % groups:
        raise ValueError(f"conv: input channels {c} and kernel {kv.shape} do not match groups={groups}.")
    pads, out_sp = _geometry(xv.shape[1:-1], window, s, padding, d)
    xp = _pad(xv, pads)
    win = _windows(xp, window, s, d, out_sp)
    m, kk, og = n * math.prod(out_sp), math.prod(window), c_out // groups
    if cg == 1 and groups > 1:
        return _depthwise(x, kernel, xv, kv, xp, pads, window, s, d, out_sp, og)
    if groups == 1:
        cols = buffer((m, kk * c), xv.dtype)  # im2col, into a reused buffer
        cols.reshape(win.shape)[...] = win
        w2 = kv.reshape(kk * c, c_out)
        out = np.matmul(cols, w2, out=buffer((m, c_out), np.result_type(cols, w2)))
    else:
        cols = win.reshape(m, kk, groups, cg).transpose(2, 0, 1, 3).reshape(groups, m, kk * cg)
        w2 = kv.reshape(kk, cg, groups, og).transpose(2, 0, 1, 3).reshape(groups, kk * cg, og)
        out = np.matmul(cols, w2).transpose(1, 0, 2).reshape(m, c_out)
    out = out.reshape((n,) + tuple(out_sp) + (c_out,))
    if not (tx or tk):
        return out
    cols = cols if tk else None
    xp_shape = xp.shape

    def vjp(g):
        g2 = g.reshape(m, c_out)
        gx = gk = None
        if groups == 1:
            if tk:
                gk = (cols.T @ g2).reshape(kv.shape)
            if tx:
                gx = _crop(_conv_input_grad(g2, kv, xp_shape, window, s, d, out_sp), pads,
                           xv.shape[1:-1])
            return gx, gk
        gg = g2.reshape(m, groups, og).transpose(1, 0, 2)
        if tk:
            gk = np.matmul(cols.transpose(0, 2, 1), gg)
            gk = gk.reshape(groups, kk, cg, og).transpose(1, 2, 0, 3).reshape(kv.shape)
        if tx:
            dcols = np.matmul(gg, w2.transpose(0, 2, 1)).reshape(groups, m, kk, cg)
            dcols = dcols.transpose(1, 2, 0, 3)
            dwin = dcols.reshape((n,) + tuple(out_sp) + tuple(window) + (c,))
            gx = _crop(_col2im(dwin, xp_shape, window, s, d, out_sp), pads, xv.shape[1:-1])
        return gx, gk

    return Traced(out, (x if tx else None, kernel if tk else None), vjp)


def _conv_input_grad(g2, kv, xp_shape, window, strides, dilation, out_sp):
    """The gradient of a (groups=1) convolution for its padded input, from the output
    gradient ``g2 (rows, c_out)``: per kernel offset one GEMM ``g2 @ kernel[k].T`` into a
    reused ``(rows, c)`` buffer, added into the offset's strided slice (long contiguous
    runs), instead of one ``(rows, k * c)`` window-gradient matrix summed back by ``_col2im``."""
    n, c = xp_shape[0], xp_shape[-1]
    dx = buffer(xp_shape, np.result_type(g2, kv))
    dx.fill(0)
    if 0 in out_sp:
        return dx
    buf = np.empty((g2.shape[0], c), dx.dtype)
    block = (n,) + tuple(out_sp) + (c,)
    for k, sl in _offset_slices(window, strides, dilation, out_sp):
        np.matmul(g2, kv[k].T, out=buf)
        dx[sl] += buf.reshape(block)
    return dx


def _depthwise(x, kernel, xv, kv, xp, pads, window, s, d, out_sp, mult):
    """Grouped conv with one input channel per group: a multiply-add per kernel offset."""
    n, c = xv.shape[0], xv.shape[-1]
    w = kv.reshape(window + (c, mult))
    out = np.zeros((n,) + tuple(out_sp) + (c, mult), np.result_type(xv, kv))
    offsets = list(_offset_slices(window, s, d, out_sp)) if 0 not in out_sp else []
    for k, sl in offsets:
        out += xp[sl][..., None] * w[k]
    out = out.reshape(out.shape[:-2] + (c * mult,))
    tx, tk = type(x) is Traced, type(kernel) is Traced
    if not (tx or tk):
        return out

    def vjp(g):
        g = g.reshape(g.shape[:-1] + (c, mult))
        gx = np.zeros(xp.shape, g.dtype) if tx else None
        gw = np.zeros(w.shape, g.dtype) if tk else None
        lead = "ABCDEFGH"[:len(window) + 1]
        for k, sl in offsets:
            if tx:
                gx[sl] += g[..., 0] * w[k][:, 0] if mult == 1 else np.einsum("...cm,cm->...c", g, w[k])
            if tk:
                gw[k] = np.einsum(f"{lead}c,{lead}cm->cm", xp[sl], g)
        return (_crop(gx, pads, xv.shape[1:-1]) if tx else None,
                gw.reshape(kv.shape) if tk else None)

    return Traced(out, (x if tx else None, kernel if tk else None), vjp)


def _conv_transpose(x, kernel, strides=1, padding="valid", output_padding=None, dilation_rate=1):
    tx = type(x) is Traced
    tk = type(kernel) is Traced
    xv = x.value if tx else x
    kv = kernel.value if tk else kernel
    nsp, s, d = _conv_args(xv, kv, strides, dilation_rate, "conv_transpose")
    window = kv.shape[:nsp]
    c_out, c_in = kv.shape[-2], kv.shape[-1]
    if xv.shape[-1] != c_in:
        raise ValueError(f"conv_transpose: input channels {xv.shape[-1]} do not match kernel {kv.shape} "
                         f"(layout (*window, c_out, c_in)).")
    op = (None,) * nsp if output_padding is None else normalize_tuple(output_padding, nsp, "output_padding")
    padding = padding.lower() if isinstance(padding, str) else padding
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}.")
    n_in = xv.shape[1:-1]
    # the adjoint of a conv over an input of length `length`, padded `before` ahead,
    # inside a buffer long enough for every window the n_in outputs read
    before, length, buf = [], [], []
    for n_, k, s_, d_, p_ in zip(n_in, window, s, d, op):
        kd = (k - 1) * d_ + 1
        L, b = conv_transpose_geometry(n_, k, s_, padding, p_, d_)
        before.append(b)
        length.append(L)
        buf.append(max(b + L, (n_ - 1) * s_ + kd))
    n = xv.shape[0]
    m, kk = n * math.prod(n_in), math.prod(window)
    w2 = kv.reshape(kk * c_out, c_in)
    x2 = xv.reshape(m, c_in)
    dwin = (x2 @ w2.T).reshape((n,) + tuple(n_in) + tuple(window) + (c_out,))
    full = _col2im(dwin, (n,) + tuple(buf) + (c_out,), window, s, d, n_in)
    crop = (slice(None),) + tuple(slice(b, b + L) for b, L in zip(before, length)) + (slice(None),)
    out = full[crop]
    if not (tx or tk):
        return out

    def vjp(g):
        gbuf = np.zeros((n,) + tuple(buf) + (c_out,), g.dtype)
        gbuf[crop] = g
        cols = _windows(gbuf, window, s, d, n_in).reshape(m, kk * c_out)
        gx = (cols @ w2).reshape(xv.shape) if tx else None
        gk = (cols.T @ x2).reshape(kv.shape) if tk else None
        return gx, gk

    return Traced(out, (x if tx else None, kernel if tk else None), vjp)


# ------------------------------------------------------------------- pooling
def _pool_args(xv, pool_size, strides, padding):
    nsp = xv.ndim - 2
    window = normalize_tuple(pool_size, nsp, "pool_size")
    s = window if strides is None else normalize_tuple(strides, nsp, "strides")
    pads, out_sp = _geometry(xv.shape[1:-1], window, s, padding, (1,) * nsp)
    return window, s, pads, out_sp


def _max_pool(x, pool_size, strides=None, padding="valid"):
    xv = x.value if type(x) is Traced else x
    window, s, pads, out_sp = _pool_args(xv, pool_size, strides, padding)
    low = -np.inf if xv.dtype.kind == "f" else np.iinfo(xv.dtype).min
    xp = _pad(xv, pads, low)
    ones = (1,) * len(window)
    out_shape = (xv.shape[0],) + tuple(out_sp) + (xv.shape[-1],)
    if 0 in out_sp:
        out = np.zeros(out_shape, xv.dtype)
    else:
        out = None
        for _, sl in _offset_slices(window, s, ones, out_sp):
            if out is None:
                out = buffer(out_shape, xv.dtype)
                out[...] = xp[sl]
            else:
                np.maximum(out, xp[sl], out=out)
    if type(x) is not Traced:
        return out

    def vjp(g):
        if tuple(s) == tuple(window) and 0 not in out_sp:
            return (_crop(_tiled_max_grad(xp, out, g, window, out_sp), pads, xv.shape[1:-1]),)
        dx = np.zeros(xp.shape, g.dtype)
        if 0 in out_sp:
            return (_crop(dx, pads, xv.shape[1:-1]),)
        free = np.ones(out.shape, bool)  # the first maximum of each window takes the gradient
        for _, sl in _offset_slices(window, s, ones, out_sp):
            hit = (xp[sl] == out) & free
            free &= ~hit
            dx[sl] += g * hit
        return (_crop(dx, pads, xv.shape[1:-1]),)

    return Traced(out, (x,), vjp)


def _tiled_max_grad(xp, out, g, window, out_sp):
    """Max-pool gradient when the windows tile the input (strides == pool size): the
    input seen as ``(N, o1, k1, o2, k2, ..., C)``, one comparison with the broadcast
    maxima, the first maximum of each window (in offset order) kept by boolean ops on
    the offset slices, and one multiply with the broadcast gradient."""
    n, c = out.shape[0], out.shape[-1]
    crop = (slice(None),) + tuple(slice(0, o * k) for o, k in zip(out_sp, window)) + (slice(None),)
    split = (n,) + sum(((o, k) for o, k in zip(out_sp, window)), ()) + (c,)
    bshape = (n,) + sum(((o, 1) for o in out_sp), ()) + (c,)
    hit = np.equal(xp[crop].reshape(split), out.reshape(bshape), out=buffer(split, bool))
    offsets = list(np.ndindex(*window))
    taken = None
    for j, k in enumerate(offsets):
        h = hit[(slice(None),) + sum(((slice(None), i) for i in k), ()) + (slice(None),)]
        if taken is None:
            taken = h.copy()
            continue
        h &= ~taken
        if j + 1 < len(offsets):
            taken |= h
    gb = g.reshape(bshape)
    dt = np.result_type(g)
    if all(o * k == m for o, k, m in zip(out_sp, window, xp.shape[1:-1])):
        return np.multiply(hit, gb, out=buffer(split, dt)).reshape(xp.shape)
    dx = buffer(xp.shape, dt)
    dx.fill(0)
    view = dx[crop].reshape(split)  # splitting axes: always a view
    np.multiply(hit, gb, out=view)
    return dx


def _avg_pool(x, pool_size, strides=None, padding="valid"):
    xv = x.value if type(x) is Traced else x
    window, s, pads, out_sp = _pool_args(xv, pool_size, strides, padding)
    xp = _pad(xv, pads)
    ones = (1,) * len(window)
    dt = xv.dtype if xv.dtype.kind == "f" else np.dtype("float32")
    if any(b or a for b, a in pads):
        # windows at the border count only the real cells; the count is separable by axis
        count = np.ones((1,) * (len(window) + 2), dt)
        for i, (n_, k, s_, (b, _), o) in enumerate(zip(xv.shape[1:-1], window, s, pads, out_sp)):
            start = np.arange(o) * s_ - b
            c_axis = (np.minimum(start + k, n_) - np.maximum(start, 0)).astype(dt)
            count = count * c_axis.reshape((1,) * (i + 1) + (-1,) + (1,) * (len(window) - i))
    else:
        count = math.prod(window)
    out_shape = (xv.shape[0],) + tuple(out_sp) + (xv.shape[-1],)
    total = np.zeros(out_shape, dt)
    if 0 not in out_sp:
        for _, sl in _offset_slices(window, s, ones, out_sp):
            total += xp[sl]
    out = total / count
    if type(x) is not Traced:
        return out

    def vjp(g):
        dx = np.zeros(xp.shape, g.dtype)
        if 0 not in out_sp:
            gs = g / count
            for _, sl in _offset_slices(window, s, ones, out_sp):
                dx[sl] += gs
        return (_crop(dx, pads, xv.shape[1:-1]),)

    return Traced(out, (x,), vjp)

