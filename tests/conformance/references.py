"""Float64 NumPy reference implementations of the ops NumPy lacks.

Written as plain loops over window offsets / time steps, independent of the
adapters, to follow base.py's docstrings (and Keras, which they cite) literally.
``test_references.py`` checks these against each other (adjoint identities) and,
when Keras is installed, against Keras itself.
"""
from __future__ import annotations

import itertools
import math

import numpy as np


def _tuple(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


def tf_same_pads(length, window, stride, dilation=1):
    """TensorFlow/Keras 'same': output ceil(n/s), the odd cell of padding at the end."""
    eff = (window - 1) * dilation + 1
    out = -(-length // stride)
    total = max(0, (out - 1) * stride + eff - length)
    return total // 2, total - total // 2


# ----------------------------------------------------------------- elementwise
erf = np.vectorize(math.erf, otypes=[np.float64])


def sigmoid(x):
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


def softplus(x):
    return np.logaddexp(0.0, x)


def logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    return x - logsumexp(x, axis=axis, keepdims=True)


# ---------------------------------------------------------------- convolution
def conv(x, kernel, strides=1, padding="valid", dilation_rate=1, groups=1):
    """N-D cross-correlation, channels-last, Keras kernel layout ``(*window, c_in//g, c_out)``."""
    nd = x.ndim - 2
    strides, dil = _tuple(strides, nd), _tuple(dilation_rate, nd)
    window = kernel.shape[:nd]
    if padding == "same":
        pads = [tf_same_pads(x.shape[1 + i], window[i], strides[i], dil[i]) for i in range(nd)]
    else:
        pads = [(0, 0)] * nd
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    eff = [(window[i] - 1) * dil[i] + 1 for i in range(nd)]
    out_sp = [max(0, (xp.shape[1 + i] - eff[i]) // strides[i] + 1) for i in range(nd)]
    c_in, c_out = x.shape[-1], kernel.shape[-1]
    cig, cog = c_in // groups, c_out // groups
    out = np.zeros((x.shape[0], *out_sp, c_out))
    for offs in itertools.product(*(range(w) for w in window)):
        sl = tuple(slice(o * d, o * d + (n - 1) * s + 1, s)
                   for o, d, n, s in zip(offs, dil, out_sp, strides))
        patch = xp[(slice(None),) + sl + (slice(None),)]
        k = kernel[offs]  # (c_in // groups, c_out)
        for g in range(groups):
            out[..., g * cog:(g + 1) * cog] += patch[..., g * cig:(g + 1) * cig] @ k[:, g * cog:(g + 1) * cog]
    return out


def depthwise_conv(x, kernel, strides=1, padding="valid", dilation_rate=1):
    """Kernel ``(*window, c_in, mult)``; output channel ``c * mult + m`` (channel-major)."""
    nd = x.ndim - 2
    c_in, mult = kernel.shape[-2:]
    outs = []
    for c in range(c_in):
        k = kernel[..., c:c + 1, :]  # (*window, 1, mult)
        outs.append(conv(x[..., c:c + 1], k, strides, padding, dilation_rate))
    del nd
    return np.concatenate(outs, axis=-1)


def conv_transpose_geometry(n, window, stride, padding, output_padding=None, dilation=1):
    """(output length L, crop p): input cell ``i`` with window offset ``o`` lands on
    output cell ``i * stride + o * dilation - p``.

    Lengths follow Keras 3 (``keras.src.backend.common.backend_utils``):
    valid: ``(n-1)*s + max(k', s)``, or ``(n-1)*s + k' + op`` with output_padding;
    same: ``n*s``, or ``(n-1)*s + k' % 2 + op`` with output_padding.
    The crop ``p`` is Keras's JAX padding rule, which equals TensorFlow's 'same'
    split (the adjoint of a 'same' conv) when output_padding is None.
    """
    eff = (window - 1) * dilation + 1
    if padding == "valid":
        if output_padding is None:
            return (n - 1) * stride + max(eff, stride), 0
        return (n - 1) * stride + eff + output_padding, 0
    if output_padding is None:
        length = n * stride
        pad_len = stride + eff - 2
    else:
        length = (n - 1) * stride + eff % 2 + output_padding
        pad_len = eff + eff % 2 - 2 + output_padding
    left = min(pad_len // 2 + pad_len % 2, eff - 1)
    return length, eff - 1 - left


def conv_transpose(x, kernel, strides=1, padding="valid", output_padding=None, dilation_rate=1):
    """Transposed conv, kernel ``(*window, c_out, c_in)``: scatter every input cell
    through the window (the adjoint of the direct conv ``conv_transpose_adjoint_of``)."""
    nd = x.ndim - 2
    strides, dil = _tuple(strides, nd), _tuple(dilation_rate, nd)
    ops = (None,) * nd if output_padding is None else _tuple(output_padding, nd)
    window = kernel.shape[:nd]
    geo = [conv_transpose_geometry(x.shape[1 + i], window[i], strides[i], padding, ops[i], dil[i])
           for i in range(nd)]
    c_out = kernel.shape[-2]
    out = np.zeros((x.shape[0], *(g[0] for g in geo), c_out))
    for idx in itertools.product(*(range(x.shape[1 + i]) for i in range(nd))):
        v = x[(slice(None),) + idx]  # (batch, c_in)
        for offs in itertools.product(*(range(w) for w in window)):
            pos = tuple(i * s + o * d - g[1] for i, o, s, d, g in zip(idx, offs, strides, dil, geo))
            if all(0 <= p < g[0] for p, g in zip(pos, geo)):
                out[(slice(None),) + pos] += v @ kernel[offs].T
    return out


def direct_conv_explicit(y, kernel_t, strides, dilation, crops, in_len):
    """The direct conv whose adjoint ``conv_transpose`` is: ``y`` (batch, *L, c_out)
    -> (batch, *n, c_in) with ``x[i] = sum_o y[i*s + o*d - p] @ kernel[o]`` (cells
    outside ``[0, L)`` read as zero). Used only by the adjoint self-test."""
    nd = y.ndim - 2
    window = kernel_t.shape[:nd]
    out = np.zeros((y.shape[0], *in_len, kernel_t.shape[-1]))
    for idx in itertools.product(*(range(n) for n in in_len)):
        acc = np.zeros((y.shape[0], kernel_t.shape[-1]))
        for offs in itertools.product(*(range(w) for w in window)):
            pos = tuple(i * s + o * d - p for i, o, s, d, p in zip(idx, offs, strides, dilation, crops))
            if all(0 <= q < y.shape[1 + a] for a, q in enumerate(pos)):
                acc += y[(slice(None),) + pos] @ kernel_t[offs]
        out[(slice(None),) + idx] = acc
    return out


# -------------------------------------------------------------------- pooling
def _pool(x, pool_size, strides, padding, reduce, pad_value):
    nd = x.ndim - 2
    pool = _tuple(pool_size, nd)
    strides = pool if strides is None else _tuple(strides, nd)
    if padding == "same":
        pads = [tf_same_pads(x.shape[1 + i], pool[i], strides[i]) for i in range(nd)]
    else:
        pads = [(0, 0)] * nd
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=np.nan)
    out_sp = [(xp.shape[1 + i] - pool[i]) // strides[i] + 1 for i in range(nd)]
    out = np.empty((x.shape[0], *out_sp, x.shape[-1]))
    for idx in itertools.product(*(range(n) for n in out_sp)):
        sl = tuple(slice(i * s, i * s + p) for i, s, p in zip(idx, strides, pool))
        win = xp[(slice(None),) + sl + (slice(None),)].reshape(x.shape[0], -1, x.shape[-1])
        out[(slice(None),) + idx] = reduce(win)
    del pad_value
    return out


def max_pool(x, pool_size, strides=None, padding="valid"):
    """Padding cells (NaN here) never win: the same as padding with -inf."""
    return _pool(x, pool_size, strides, padding, lambda w: np.nanmax(w, axis=1), -np.inf)


def avg_pool(x, pool_size, strides=None, padding="valid"):
    """Padding cells are left out of each average (TensorFlow/Keras)."""
    return _pool(x, pool_size, strides, padding, lambda w: np.nanmean(w, axis=1), None)


# ----------------------------------------------------------------- recurrence
def lstm(x, h0, c0, kernel, recurrent_kernel, bias, go_backwards=False):
    """Keras LSTM, gates i, f, c, o; returns (outputs, h_last, c_last)."""
    h, c = h0, c0
    steps = range(x.shape[1])
    if go_backwards:
        steps = reversed(steps)
    ys = []
    for t in steps:
        z = x[:, t] @ kernel + h @ recurrent_kernel
        if bias is not None:
            z = z + bias
        i, f, g, o = np.split(z, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        ys.append(h)
    return np.stack(ys, axis=1), h, c


def gru(x, h0, kernel, recurrent_kernel, bias, go_backwards=False):
    """Keras GRU with reset_after=True, gates z, r, h; returns (outputs, h_last)."""
    h = h0
    steps = range(x.shape[1])
    if go_backwards:
        steps = reversed(steps)
    ys = []
    for t in steps:
        xz = x[:, t] @ kernel
        hz = h @ recurrent_kernel
        if bias is not None:
            xz = xz + bias[0]
            hz = hz + bias[1]
        x_z, x_r, x_h = np.split(xz, 3, axis=-1)
        h_z, h_r, h_h = np.split(hz, 3, axis=-1)
        z = sigmoid(x_z + h_z)
        r = sigmoid(x_r + h_r)
        hc = np.tanh(x_h + r * h_h)
        h = z * h + (1.0 - z) * hc
        ys.append(h)
    return np.stack(ys, axis=1), h


# ------------------------------------------------------------------------ CTC
def ctc_loss(labels, logits, label_lengths, logit_lengths, blank_index=0):
    """-log p(label | logits) by the forward algorithm in log space, per sample."""
    logp = log_softmax(np.asarray(logits, np.float64), axis=-1)
    out = np.empty(logits.shape[0])
    for b in range(logits.shape[0]):
        lab = [int(v) for v in labels[b, :int(label_lengths[b])]]
        ext = [blank_index]
        for v in lab:
            ext += [v, blank_index]
        big_t = int(logit_lengths[b])
        alpha = np.full(len(ext), -np.inf)
        alpha[0] = logp[b, 0, ext[0]]
        if len(ext) > 1:
            alpha[1] = logp[b, 0, ext[1]]
        for t in range(1, big_t):
            new = np.full(len(ext), -np.inf)
            for s in range(len(ext)):
                terms = [alpha[s]]
                if s >= 1:
                    terms.append(alpha[s - 1])
                if s >= 2 and ext[s] != blank_index and ext[s] != ext[s - 2]:
                    terms.append(alpha[s - 2])
                new[s] = np.logaddexp.reduce(terms) + logp[b, t, ext[s]]
            alpha = new
        ends = [alpha[-1]] + ([alpha[-2]] if len(ext) > 1 else [])
        out[b] = -np.logaddexp.reduce(ends)
    return out
