"""The NumPy engine's fast kernels against plain reference code: max-pool gradients
with ties (the first maximum takes it), the embedding's dense row scatter, the LSTM
against its scan-based definition, and the scratch buffers never overwriting a live
result."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from kerasette.backends import get
from kerasette.backends.base import Backend
from kerasette.backends.numpy import scratch

B = get("numpy")
RNG = np.random.default_rng(7)


def _grads(fn, params, g):
    """Gradients of ``sum(fn(*params) * g)`` with respect to every param."""
    def loss(ps):
        return B.sum(B.multiply(fn(*ps), g)), None
    return B.value_and_grad(loss)(params)[1]


def _max_pool_grad_ref(x, g, k, s, pads):
    """Loop over windows: each window's first maximum (row-major offset order) gets g."""
    n, h, w, c = x.shape
    xp = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)], constant_values=-np.inf)
    dx = np.zeros_like(xp)
    for b, i, j, ch in itertools.product(range(n), range(g.shape[1]), range(g.shape[2]), range(c)):
        win = xp[b, i * s:i * s + k, j * s:j * s + k, ch]
        a, bb = np.unravel_index(np.argmax(win), win.shape)  # argmax: the first maximum
        dx[b, i * s + a, j * s + bb, ch] += g[b, i, j, ch]
    return dx[:, pads[0][0]:pads[0][0] + h, pads[1][0]:pads[1][0] + w]


@pytest.mark.parametrize("shape,padding,pads", [
    ((2, 4, 4, 3), "valid", ((0, 0), (0, 0))),   # windows tile the input
    ((2, 5, 7, 2), "valid", ((0, 0), (0, 0))),   # a row and a column left over
    ((1, 5, 5, 2), "same", ((0, 1), (0, 1))),    # padded
])
def test_max_pool_gradient_goes_to_first_maximum_of_ties(shape, padding, pads):
    x = np.round(RNG.uniform(0, 2, shape)).astype(np.float32)  # values 0, 1, 2: many ties
    out = B.max_pool(x, 2, 2, padding)
    g = RNG.standard_normal(out.shape).astype(np.float32)
    (dx,) = _grads(lambda v: B.max_pool(v, 2, 2, padding), [x], g)
    np.testing.assert_array_equal(dx, _max_pool_grad_ref(x, g, 2, 2, pads))


def test_embedding_gradient_sums_repeated_rows():
    table = RNG.standard_normal((6, 3))
    ids = np.array([[0, 5, 0], [5, 5, 2]])
    g = RNG.standard_normal((2, 3, 3))
    (dt,) = _grads(lambda t: B.take(t, ids, axis=0), [table], g)
    ref = np.zeros_like(table)
    np.add.at(ref, ids, g)
    np.testing.assert_allclose(dt, ref, rtol=1e-12)


@pytest.mark.parametrize("go_backwards,bias", [(False, True), (True, False)])
def test_lstm_kernel_matches_the_scan_definition(go_backwards, bias):
    n, t, d, u = 3, 4, 2, 5
    ins = [RNG.uniform(-1, 1, s) for s in [(n, t, d), (n, u), (n, u), (d, 4 * u), (u, 4 * u)]]
    ins += [RNG.uniform(-1, 1, (4 * u,))] if bias else []

    def call(lstm):
        def fn(*a):
            ys, h, c = lstm(*a[:5], a[5] if bias else None, go_backwards=go_backwards)
            return B.concatenate([B.reshape(ys, (n, -1)), h, c], axis=1)
        return fn

    def generic(*a, go_backwards=False):  # the contract's derived lstm (a scan of ops)
        return Backend.lstm(B, *a, go_backwards=go_backwards)

    g = RNG.standard_normal((n, t * u + 2 * u))
    for got, ref in zip(_grads(call(B.lstm), ins, g), _grads(call(generic), ins, g)):
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(call(B.lstm)(*ins), call(generic)(*ins), rtol=1e-12)


def test_results_survive_the_next_call():
    """Kernels reuse large scratch buffers; a result the caller still holds is never one."""
    n, t, d, u = 64, 30, 8, 16
    w = [RNG.standard_normal(s).astype(np.float32) for s in [(d, 4 * u), (u, 4 * u), (4 * u,)]]
    h0 = np.zeros((n, u), np.float32)
    x1, x2 = (RNG.standard_normal((n, t, d)).astype(np.float32) for _ in range(2))
    ys1 = B.lstm(x1, h0, h0, *w)[0]
    keep = np.array(ys1)
    B.lstm(x2, h0, h0, *w)
    np.testing.assert_array_equal(ys1, keep)
    img = RNG.standard_normal((32, 16, 16, 8)).astype(np.float32)
    k = RNG.standard_normal((3, 3, 8, 16)).astype(np.float32)
    c1, p1 = B.conv(img, k), B.max_pool(img, 2)
    keep_c, keep_p = np.array(c1), np.array(p1)
    B.conv(img[::-1].copy(), k), B.max_pool(img[::-1].copy(), 2)
    np.testing.assert_array_equal(c1, keep_c)
    np.testing.assert_array_equal(p1, keep_p)


def test_scratch_buffer_is_reused_only_when_free():
    a = scratch.buffer((64, 1024), np.float32)
    b = scratch.buffer((64, 1024), np.float32)
    assert a is not b
    view = a[1:]
    del a
    c = scratch.buffer((64, 1024), np.float32)
    assert not np.shares_memory(c, view)  # the view keeps its base in use
    del view, c
    assert scratch.buffer((64, 1024), np.float32).shape == (64, 1024)


@pytest.mark.parametrize("go_backwards,bias", [(False, True), (True, False)])
def test_gru_kernel_matches_the_scan_definition(go_backwards, bias):
    n, t, d, u = 3, 4, 2, 5
    ins = [RNG.uniform(-1, 1, s) for s in [(n, t, d), (n, u), (d, 3 * u), (u, 3 * u)]]
    ins += [RNG.uniform(-1, 1, (2, 3 * u))] if bias else []

    def call(gru):
        def fn(*a):
            ys, h = gru(*a[:4], a[4] if bias else None, go_backwards=go_backwards)
            return B.concatenate([B.reshape(ys, (n, -1)), h], axis=1)
        return fn

    def generic(*a, go_backwards=False):
        return Backend.gru(B, *a, go_backwards=go_backwards)

    g = RNG.standard_normal((n, t * u + u))
    for got, ref in zip(_grads(call(B.gru), ins, g), _grads(call(generic), ins, g)):
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(call(B.gru)(*ins), call(generic)(*ins), rtol=1e-12)
