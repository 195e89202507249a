"""Neural ops on torch.nn.functional: channels-last outside, channels-first inside.

A channels-last image permuted to channels-first is a ``channels_last``-format
view, which torch's conv and pooling kernels take without copying. Keras's
``'same'`` padding puts the odd cell at the end; torch pads symmetrically, so an
asymmetric case pads explicitly with ``F.pad`` first.
"""
from __future__ import annotations

import contextlib
import warnings

import torch
import torch.nn.functional as F

from ..base import conv_transpose_geometry, normalize_tuple, same_padding

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def torch_pads(pairs):
    """``F.pad``'s flat list (last axis first) from ``(before, after)`` per axis."""
    flat = []
    for before, after in reversed(pairs):
        flat += (int(before), int(after))
    return flat


def _channels_first(x):
    return x.movedim(-1, 1)


def _channels_last(y):
    return y.movedim(1, -1)


def _padding_mode(padding):
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}.")
    return padding


def _same_pads(x_cf, window, strides, dilation, pooling=False):
    """Keras's 'same' split as ``(torch padding, None)`` when torch can take it (symmetric;
    for pooling also at most half the window), else ``(0, (before, after) per axis)``."""
    pairs = [same_padding(n, k, s, d)
             for n, k, s, d in zip(x_cf.shape[2:], window, strides, dilation)]
    if all(b == a and (not pooling or b <= k // 2) for (b, a), k in zip(pairs, window)):
        return tuple(b for b, _ in pairs), None
    return 0, pairs


def conv(x, kernel, strides=1, padding="valid", dilation_rate=1, groups=1):
    n = kernel.ndim - 2
    strides = normalize_tuple(strides, n, "strides")
    dilation = normalize_tuple(dilation_rate, n, "dilation_rate")
    w = kernel.permute(n + 1, n, *range(n))  # (*window, c_in/g, c_out) -> (c_out, c_in/g, *window)
    xc = _channels_first(x)
    pad = 0
    if _padding_mode(padding) == "same":
        pad, pairs = _same_pads(xc, kernel.shape[:n], strides, dilation)
        if pairs is not None:
            xc = F.pad(xc, torch_pads(pairs))
    try:
        y = _CONV[n](xc, w, None, strides, pad, dilation, groups)
    except RuntimeError as e:
        raise ValueError(f"conv: input {tuple(x.shape)} and kernel {tuple(kernel.shape)} "
                         f"(groups={groups}) do not fit: {e}") from None
    return _channels_last(y)


def transpose_geometry(n, k, s, d, output_padding, same):
    """(output length, cells cropped ahead of the full result) for one axis (base.py's rule)."""
    return conv_transpose_geometry(n, k, s, "same" if same else "valid", output_padding, d)


def conv_transpose(x, kernel, strides=1, padding="valid", output_padding=None, dilation_rate=1):
    n = kernel.ndim - 2
    strides = normalize_tuple(strides, n, "strides")
    dilation = normalize_tuple(dilation_rate, n, "dilation_rate")
    extra = ((None,) * n if output_padding is None
             else normalize_tuple(output_padding, n, "output_padding"))
    same = _padding_mode(padding) == "same"
    w = kernel.permute(n + 1, n, *range(n))  # (*window, c_out, c_in) -> (c_in, c_out, *window)
    xc = _channels_first(x)
    crops, torch_pad, torch_extra = [], [], []
    for length, k, s, d, e in zip(x.shape[1:-1], kernel.shape[:n], strides, dilation, extra):
        full = (length - 1) * s + (k - 1) * d + 1  # torch's result without padding
        out, before = transpose_geometry(length, k, s, d, e, same)
        crops.append((-before, out + before - full))
        torch_pad.append(before)
        torch_extra.append(out + 2 * before - full)
    try:
        if all(0 <= t < max(s, d) for t, s, d in zip(torch_extra, strides, dilation)):
            # torch crops `padding` cells from both ends and adds `output_padding` at the end
            y = _CONV_T[n](xc, w, None, strides, tuple(torch_pad), tuple(torch_extra), 1, dilation)
        else:
            y = F.pad(_CONV_T[n](xc, w, None, strides, 0, 0, 1, dilation), torch_pads(crops))
    except RuntimeError as e:
        raise ValueError(f"conv_transpose: input {tuple(x.shape)} and kernel "
                         f"{tuple(kernel.shape)} do not fit: {e}") from None
    return _channels_last(y)


def _pool_args(x, pool_size, strides):
    n = x.ndim - 2
    window = normalize_tuple(pool_size, n, "pool_size")
    strides = window if strides is None else normalize_tuple(strides, n, "strides")
    return n, window, strides


def max_pool(x, pool_size, strides=None, padding="valid"):
    n, window, strides = _pool_args(x, pool_size, strides)
    xc = _channels_first(x)
    pad = 0
    if _padding_mode(padding) == "same":
        # torch's own padding is -inf, symmetric and at most half the window
        pad, pairs = _same_pads(xc, window, strides, (1,) * n, pooling=True)
        if pairs is not None:
            xc = F.pad(xc, torch_pads(pairs), value=float("-inf"))
    return _channels_last(_MAX_POOL[n](xc, window, strides, pad))


def avg_pool(x, pool_size, strides=None, padding="valid"):
    n, window, strides = _pool_args(x, pool_size, strides)
    xc = _channels_first(x)
    pool = _AVG_POOL[n]
    if _padding_mode(padding) == "valid":
        return _channels_last(pool(xc, window, strides))
    pad, pairs = _same_pads(xc, window, strides, (1,) * n, pooling=True)
    if pairs is None:
        # ceil_mode=False, count_include_pad=False
        return _channels_last(pool(xc, window, strides, pad, False, False))
    # asymmetric: average of the zero-padded input over the share of real cells
    pads = torch_pads(pairs)
    ones = torch.ones((1, 1, *xc.shape[2:]), dtype=xc.dtype, device=xc.device)
    y = pool(F.pad(xc, pads), window, strides) / pool(F.pad(ones, pads), window, strides)
    return _channels_last(y)


def ctc_loss(labels, logits, label_lengths, logit_lengths, blank_index=0):
    log_probs = torch.log_softmax(logits, dim=-1).transpose(0, 1)  # (time, batch, classes)
    labels, label_lengths, logit_lengths = labels.long(), label_lengths.long(), logit_lengths.long()
    # zero_infinity keeps the gradient of an impossible sample 0 (not NaN), as the
    # derived op; +inf is put back where the frames cannot hold the label and its
    # blanks between repeats
    loss = F.ctc_loss(log_probs, labels, logit_lengths, label_lengths,
                      blank=blank_index, reduction="none", zero_infinity=True)
    pos = torch.arange(1, labels.shape[1], device=labels.device)
    repeats = ((labels[:, 1:] == labels[:, :-1]) & (pos < label_lengths[:, None])).sum(1)
    impossible = logit_lengths < label_lengths + repeats
    return torch.where(impossible, torch.full_like(loss, float("inf")), loss)


# torch.lstm/gru(input, hx, params, has_biases, num_layers, dropout, train,
# bidirectional, batch_first). `train=True`: cuDNN refuses a backward pass
# otherwise; with dropout 0 it changes nothing else.
@contextlib.contextmanager
def _rnn_weights_unflattened(x):
    """cuDNN warns that per-call weights are not one flat buffer; here they are meant
    not to be (they change every step), so that one warning is silenced, on CUDA only."""
    if not x.is_cuda:
        yield
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="RNN module weights are not part of single")
        yield


def lstm(x, h0, c0, kernel, recurrent_kernel, bias, go_backwards=False):
    """torch's fused LSTM; Keras's gates i, f, c, o are torch's i, f, g, o."""
    if go_backwards:
        x = x.flip(1)
    params = [kernel.T, recurrent_kernel.T]
    if bias is not None:
        params += [bias, torch.zeros_like(bias)]
    with _rnn_weights_unflattened(x):
        hx = (h0.unsqueeze(0).contiguous(), c0.unsqueeze(0).contiguous())
        out, h, c = torch.lstm(x, hx, params, bias is not None, 1, 0.0, True, False, True)
    return out, h[0], c[0]


def _zrh_to_rzh(w, units):
    """Reorder the last axis from Keras's gates z, r, h to torch's r, z, n."""
    return torch.cat([w[..., units:2 * units], w[..., :units], w[..., 2 * units:]], dim=-1)


def gru(x, h0, kernel, recurrent_kernel, bias, go_backwards=False):
    """torch's fused GRU, which is Keras's ``reset_after=True`` form."""
    if go_backwards:
        x = x.flip(1)
    units = recurrent_kernel.shape[0]
    params = [_zrh_to_rzh(kernel, units).T, _zrh_to_rzh(recurrent_kernel, units).T]
    if bias is not None:
        b = _zrh_to_rzh(bias, units)
        params += [b[0], b[1]] if b.ndim == 2 else [b, torch.zeros_like(b)]
    with _rnn_weights_unflattened(x):
        hx = h0.unsqueeze(0).contiguous()
        out, h = torch.gru(x, hx, params, bias is not None, 1, 0.0, True, False, True)
    return out, h[0]
