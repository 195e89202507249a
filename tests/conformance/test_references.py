"""Checks of the float64 references themselves (no kerasette engine involved).

* conv_transpose is the adjoint of a direct conv, and for 'same' / 'valid'
  without output_padding, the adjoint of ``references.conv`` itself.
* pooling and CTC against hand-computed values and brute force.
* With Keras installed (``keras_oracle``), conv / depthwise / conv_transpose /
  pooling / LSTM / GRU / CTC references against Keras 3.
"""
import itertools

import numpy as np
import pytest

# Keras's own variables trip a NumPy 2 DeprecationWarning on copy=; not ours.
_keras_noise = pytest.mark.filterwarnings("ignore::DeprecationWarning")

from . import references as R
from .cases import CASES


def _cases(method):
    """The table's cases for ``method`` whose keyword arguments sit in the fn's defaults."""
    return [c for c in CASES if c.method == method and (c.fn.__defaults__ or method == "ctc_loss")]


def _f64(case):
    return [x.astype(np.float64) if x.dtype.kind == "f" else x for x in case.inputs]


def _kwargs(case):
    return case.fn.__defaults__[-1]


@pytest.mark.parametrize("case", _cases("conv_transpose"), ids=lambda c: c.id)
def test_conv_transpose_reference_is_an_adjoint(case):
    x, k = _f64(case)
    kw = _kwargs(case)
    out = R.conv_transpose(x, k, **kw)
    nd = x.ndim - 2
    rng = np.random.default_rng(0)
    y = rng.standard_normal(out.shape)
    strides = R._tuple(kw.get("strides", 1), nd)
    dil = R._tuple(kw.get("dilation_rate", 1), nd)
    op = kw.get("output_padding")
    ops = (None,) * nd if op is None else R._tuple(op, nd)
    crops = [R.conv_transpose_geometry(x.shape[1 + i], k.shape[i], strides[i], kw.get("padding", "valid"),
                                       ops[i], dil[i])[1] for i in range(nd)]
    direct = R.direct_conv_explicit(y, k, strides, dil, crops, x.shape[1:-1])
    assert np.sum(out * y) == pytest.approx(np.sum(x * direct), rel=1e-10)
    # without output_padding (and a kernel at least the stride), the same op is the
    # adjoint of the ordinary conv reference with the same padding
    eff = [(k.shape[i] - 1) * dil[i] + 1 for i in range(nd)]
    if op is None and all(e >= s for e, s in zip(eff, strides)):
        conv_y = R.conv(y, k, strides, kw.get("padding", "valid"), dil)
        assert conv_y.shape == x.shape
        assert np.sum(out * y) == pytest.approx(np.sum(x * conv_y), rel=1e-10)


def test_pool_references_by_hand():
    x = np.array([1.0, 2.0, 3.0])[None, :, None]
    # 'same', pool 2, stride 1: one padding cell at the end, left out of the average
    np.testing.assert_allclose(R.avg_pool(x, 2, 1, "same")[0, :, 0], [1.5, 2.5, 3.0])
    np.testing.assert_allclose(R.max_pool(-x, 2, 1, "same")[0, :, 0], [-1.0, -2.0, -3.0])
    # 'same', pool 3, stride 2 over 4 cells: out 2, total pad 1 -> (0, 1)
    x = np.array([1.0, 5.0, 2.0, 4.0])[None, :, None]
    np.testing.assert_allclose(R.avg_pool(x, 3, 2, "same")[0, :, 0], [8 / 3, 3.0])
    np.testing.assert_allclose(R.max_pool(x, 3, 2, "same")[0, :, 0], [5.0, 4.0])
    np.testing.assert_allclose(R.avg_pool(x, 2)[0, :, 0], [3.0, 3.0])


def test_same_padding_split_matches_keras_rule():
    assert R.tf_same_pads(5, 3, 2) == (1, 1)
    assert R.tf_same_pads(8, 4, 2) == (1, 1)
    assert R.tf_same_pads(6, 4, 1) == (1, 2)  # the odd cell goes at the end
    assert R.tf_same_pads(7, 3, 1, dilation=2) == (2, 2)


def _ctc_brute(label, logp, blank):
    """Sum over all alignments of length T that collapse to ``label``."""
    t_len, classes = logp.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=t_len):
        collapsed = [p for i, p in enumerate(path) if p != blank and (i == 0 or p != path[i - 1])]
        if collapsed == list(label):
            total += np.exp(sum(logp[t, p] for t, p in enumerate(path)))
    return -np.log(total) if total > 0 else np.inf


@pytest.mark.parametrize("label,t_len,blank", [([1, 2], 4, 0), ([1, 1], 4, 0), ([1], 3, 2), ([1, 1], 2, 0),
                                               ([0, 1, 0], 5, 2)])
def test_ctc_reference_against_brute_force(label, t_len, blank):
    rng = np.random.default_rng(len(label) * 10 + t_len)
    logits = rng.standard_normal((1, t_len, 3))
    labels = np.array([label + [0]])
    got = R.ctc_loss(labels, logits, np.array([len(label)]), np.array([t_len]), blank)[0]
    want = _ctc_brute(label, R.log_softmax(logits[0]), blank)
    assert got == pytest.approx(want, rel=1e-10) if np.isfinite(want) else got == np.inf


# ------------------------------------------------------------------ Keras oracle
def _keras_np(keras, x):
    return np.asarray(keras.ops.convert_to_numpy(x), np.float64)


@pytest.mark.keras_oracle
@_keras_noise
@pytest.mark.parametrize("case", _cases("conv") + _cases("depthwise_conv") + _cases("conv_transpose")
                         + _cases("max_pool") + _cases("avg_pool"), ids=lambda c: c.id)
def test_reference_matches_keras(keras_module, case):
    keras = keras_module
    kw = dict(_kwargs(case))
    if case.method in ("max_pool", "avg_pool"):
        (x,) = case.inputs
        nd = x.ndim - 2
        pool = R._tuple(case.fn.__defaults__[0], nd)
        strides = pool if kw.get("strides") is None else R._tuple(kw["strides"], nd)
        f = keras.ops.max_pool if case.method == "max_pool" else keras.ops.average_pool
        got = f(x, pool, strides=strides, padding=kw.get("padding", "valid"))
    else:
        x, k = case.inputs
        kw.pop("groups", None)  # Keras infers groups from the kernel's input channels
        got = getattr(keras.ops, case.method)(x, k, **kw)
    want = case.ref(*_f64(case))
    np.testing.assert_allclose(_keras_np(keras, got), want, rtol=1e-4, atol=1e-4)


@pytest.mark.keras_oracle
@_keras_noise
def test_recurrent_references_match_keras(keras_module):
    keras = keras_module
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 3)).astype(np.float32)
    h0 = rng.standard_normal((2, 5)).astype(np.float32)
    c0 = rng.standard_normal((2, 5)).astype(np.float32)
    for back in (False, True):
        lstm = keras.layers.LSTM(5, return_sequences=True, return_state=True, go_backwards=back)
        lstm.build((2, 4, 3))
        ws = [rng.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in lstm.get_weights()]
        lstm.set_weights(ws)
        out, h, c = lstm(x, initial_state=[h0, c0])
        ref = R.lstm(x.astype(np.float64), h0, c0, *[w.astype(np.float64) for w in ws], go_backwards=back)
        for g, w in zip((out, h, c), ref):
            np.testing.assert_allclose(_keras_np(keras, g), w, rtol=1e-4, atol=1e-5)
        gru = keras.layers.GRU(5, return_sequences=True, return_state=True, go_backwards=back, reset_after=True)
        gru.build((2, 4, 3))
        ws = [rng.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in gru.get_weights()]
        gru.set_weights(ws)
        out, h = gru(x, initial_state=[h0])
        ref = R.gru(x.astype(np.float64), h0, *[w.astype(np.float64) for w in ws], go_backwards=back)
        for g, w in zip((out, h), ref):
            np.testing.assert_allclose(_keras_np(keras, g), w, rtol=1e-4, atol=1e-5)


@pytest.mark.keras_oracle
@_keras_noise
@pytest.mark.parametrize("case", _cases("ctc_loss")[:1], ids=lambda c: c.id)
def test_ctc_reference_matches_keras(keras_module, case):
    keras = keras_module
    labels, logits, label_len, logit_len = case.inputs
    got = keras.ops.ctc_loss(labels, logits, label_len, logit_len, mask_index=0)
    want = case.ref(*_f64(case))
    np.testing.assert_allclose(_keras_np(keras, got), want, rtol=1e-4, atol=1e-4)
