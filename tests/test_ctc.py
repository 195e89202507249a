"""CTC on every engine: ``ops.ctc_loss`` (values and gradients) against a NumPy
float64 forward-backward reference written here and against
``torch.nn.functional.ctc_loss``; the derived op (``backends/ctc.py``) on every
engine, under ``jax.jit`` too; long sequences and extreme logits; impossible
alignments; ``losses.CTC`` in ``compile``; ``ops.ctc_decode``.

Impossible alignments (the frames cannot hold the label plus a blank between
each repeated pair): the loss is ``+inf`` on every engine and its gradient is 0,
so the other samples of the batch still train (torch's native op is called
with ``zero_infinity=True`` and the ``+inf`` put back for this reason).

Tolerances: float32 values rtol 1e-5 (1e-4 for 400+ frames); gradients atol
1e-5 against the analytic float64 gradient; float64 engines (numpy, torch)
to 1e-9 and to central finite differences at 1e-6.
"""
import itertools

import numpy as np
import pytest

from kerasette import config, layers, losses, models, ops, optimizers
from kerasette.backends.ctc import ctc_forward


# ------------------------------------------------------- float64 reference
def _lse(*xs):
    return np.logaddexp.reduce(np.array(xs, dtype=np.float64), axis=0)


def _log_softmax(z):
    z = np.asarray(z, np.float64)
    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)


def ref_ctc(labels, logits, label_lengths, logit_lengths, blank=0):
    """(loss (batch,), d loss / d logits (batch, time, classes)) by forward-backward.

    alpha[t, s]: log p of the prefixes ending in state s at frame t; beta[t, s]:
    of the suffixes starting there (both include frame t's emission). The
    gradient is Graves's ``softmax - occupancy``.
    """
    logits = np.asarray(logits, np.float64)
    batch, time, classes = logits.shape
    loss = np.zeros(batch)
    grad = np.zeros_like(logits)
    for b in range(batch):
        big_t, n = int(logit_lengths[b]), int(label_lengths[b])
        ext = [blank]
        for v in labels[b, :n]:
            ext += [int(v), blank]
        s_len = len(ext)
        lp = _log_softmax(logits[b, :big_t])
        emit = lp[:, ext] if big_t else np.zeros((0, s_len))
        can_skip = [s >= 2 and ext[s] != blank and ext[s] != ext[s - 2] for s in range(s_len)]
        alpha = np.full((big_t, s_len), -np.inf)
        beta = np.full((big_t, s_len), -np.inf)
        if big_t == 0:
            loss[b] = 0.0 if n == 0 else np.inf
            continue
        alpha[0, :min(2, s_len)] = emit[0, :min(2, s_len)]
        for t in range(1, big_t):
            for s in range(s_len):
                terms = [alpha[t - 1, s]] + ([alpha[t - 1, s - 1]] if s else []) + \
                        ([alpha[t - 1, s - 2]] if can_skip[s] else [])
                alpha[t, s] = _lse(*terms) + emit[t, s]
        beta[-1, -min(2, s_len):] = emit[-1, -min(2, s_len):]
        for t in range(big_t - 2, -1, -1):
            for s in range(s_len):
                terms = [beta[t + 1, s]] + ([beta[t + 1, s + 1]] if s + 1 < s_len else []) + \
                        ([beta[t + 1, s + 2]] if s + 2 < s_len and can_skip[s + 2] else [])
                beta[t, s] = _lse(*terms) + emit[t, s]
        logp = _lse(*alpha[-1, -min(2, s_len):])
        loss[b] = -logp
        if not np.isfinite(logp):
            continue  # impossible: +inf, gradient 0 (the documented contract)
        # every frame's occupancies sum to p(label): a self-check of the reference
        occ = alpha + beta - emit
        np.testing.assert_allclose(np.logaddexp.reduce(occ, axis=1), logp, rtol=1e-10, atol=1e-10)
        gamma = np.zeros((big_t, classes))
        for s, k in enumerate(ext):
            gamma[:, k] += np.exp(occ[:, s] - logp)
        grad[b, :big_t] = np.exp(lp) - gamma
    return loss, grad


def _brute(label, logp, blank):
    """-log of the sum over every path of len(logp) frames that collapses to label."""
    total = 0.0
    for path in itertools.product(range(logp.shape[1]), repeat=logp.shape[0]):
        collapsed = [p for i, p in enumerate(path) if p != blank and (i == 0 or p != path[i - 1])]
        if collapsed == list(label):
            total += np.exp(sum(logp[t, p] for t, p in enumerate(path)))
    return -np.log(total) if total > 0 else np.inf


# ------------------------------------------------------- cases
RNG = np.random.default_rng(0)


def _case(batch=4, time=9, classes=5, max_len=4, blank=0, seed=0, pad=-1, scale=1.0):
    rng = np.random.default_rng(seed)
    logits = (rng.normal(size=(batch, time, classes)) * scale).astype(np.float32)
    non_blank = [c for c in range(classes) if c != blank]
    lab_len = rng.integers(1, max_len + 1, size=batch).astype(np.int32)
    labels = np.full((batch, max_len), pad, np.int32)
    for i, n in enumerate(lab_len):
        labels[i, :n] = rng.choice(non_blank, size=n)
    labels[0, :2] = non_blank[0]  # a repeat, which needs a blank in between
    lab_len[0] = max(lab_len[0], 2)
    logit_len = np.maximum(rng.integers(time // 2, time + 1, size=batch), 2 * lab_len).astype(np.int32)
    logit_len[0] = time
    return labels, logits, lab_len, logit_len


CASES = {
    "blank0": dict(),
    "blank-last": dict(blank=4, seed=1),
    "blank-middle-pad0": dict(blank=2, seed=2, pad=0),
    "batch1-long-label": dict(batch=1, time=12, max_len=6, seed=3),
}


def _npy(b, x):
    return np.asarray(b.to_numpy(x), np.float64)


def _loss_and_grad(b, labels, logits, lab_len, logit_len, blank, weights, fn=None, dtype="float32"):
    fn = fn or (lambda *a, **k: b.ctc_loss(*a, **k))
    lab, ll, tl = b.convert(labels, "int32"), b.convert(lab_len, "int32"), b.convert(logit_len, "int32")
    w = b.convert(weights.astype(dtype))

    def f(params, *_):
        per = fn(lab, params[0], ll, tl, blank)
        return b.sum(b.multiply(b.where(b.isfinite(per), per, 0.0), w)), per

    # jit (JAX only; elsewhere it returns the function) compiles once instead of op by op
    (_, per), grads = b.jit(b.value_and_grad(f))([b.convert(logits.astype(dtype))])
    return _npy(b, per), _npy(b, grads[0])


# ------------------------------------------------------- the reference itself
@pytest.mark.parametrize("label,time,blank", [([1, 2], 4, 0), ([1, 1], 4, 0), ([1], 3, 2),
                                              ([1, 1], 2, 0), ([0, 1, 0], 5, 2), ([], 3, 0)])
def test_reference_matches_brute_force_and_finite_differences(label, time, blank):
    rng = np.random.default_rng(len(label) * 10 + time)
    logits = rng.standard_normal((1, time, 3))
    labels = np.array([label + [0]])
    loss, grad = ref_ctc(labels, logits, [len(label)], [time], blank)
    want = _brute(label, _log_softmax(logits[0]), blank)
    if not np.isfinite(want):
        assert loss[0] == np.inf and not grad.any()
        return
    assert loss[0] == pytest.approx(want, rel=1e-10)
    eps, fd = 1e-6, np.zeros_like(logits)
    for idx in np.ndindex(logits.shape):
        up, down = logits.copy(), logits.copy()
        up[idx] += eps
        down[idx] -= eps
        fd[idx] = (ref_ctc(labels, up, [len(label)], [time], blank)[0][0]
                   - ref_ctc(labels, down, [len(label)], [time], blank)[0][0]) / (2 * eps)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


def test_reference_matches_torch_functional_ctc_loss():
    torch = pytest.importorskip("torch")
    for name, kw in CASES.items():
        labels, logits, lab_len, logit_len = _case(**kw)
        blank = kw.get("blank", 0)
        z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
        lp = torch.log_softmax(z, -1).transpose(0, 1)
        got = torch.nn.functional.ctc_loss(lp, torch.tensor(np.where(labels < 0, 0, labels)).long(),
                                           torch.tensor(logit_len).long(), torch.tensor(lab_len).long(),
                                           blank=blank, reduction="none")
        got.sum().backward()
        loss, grad = ref_ctc(labels, logits, lab_len, logit_len, blank)
        np.testing.assert_allclose(got.detach().numpy(), loss, rtol=1e-10, err_msg=name)
        np.testing.assert_allclose(z.grad.numpy(), grad, rtol=1e-8, atol=1e-10, err_msg=name)


# ------------------------------------------------------- ops.ctc_loss on each engine
@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients_match_reference(engine, name):
    kw = CASES[name]
    blank = kw.get("blank", 0)
    labels, logits, lab_len, logit_len = _case(**kw)
    weights = RNG.uniform(0.5, 2.0, size=len(labels))
    want, want_grad = ref_ctc(labels, logits, lab_len, logit_len, blank)
    want_grad = want_grad * weights[:, None, None]
    got, grad = _loss_and_grad(engine, labels, logits, lab_len, logit_len, blank, weights)
    np.testing.assert_allclose(got, want, rtol=1e-5, err_msg=f"values on {engine.name}")
    np.testing.assert_allclose(grad, want_grad, rtol=1e-4, atol=1e-5, err_msg=f"grads on {engine.name}")
    # the public op is the same function
    pub = ops.ctc_loss(labels, logits, lab_len, logit_len, mask_index=blank)
    np.testing.assert_allclose(_npy(engine, pub), want, rtol=1e-5)


def test_derived_op_on_every_engine_matches_reference(engine):
    """The shared algorithm itself (torch overrides ctc_loss with F.ctc_loss; this
    runs the derived one there too)."""
    labels, logits, lab_len, logit_len = _case(seed=5)
    weights = RNG.uniform(0.5, 2.0, size=len(labels))
    want, want_grad = ref_ctc(labels, logits, lab_len, logit_len)
    fn = lambda *a, **k: ctc_forward(engine, *a, **k)  # noqa: E731
    got, grad = _loss_and_grad(engine, labels, logits, lab_len, logit_len, 0, weights, fn=fn)
    np.testing.assert_allclose(got, want, rtol=1e-5)
    np.testing.assert_allclose(grad, want_grad * weights[:, None, None], rtol=1e-4, atol=1e-5)


def test_float64_gradients_match_finite_differences(engine):
    if engine.name == "jax":
        pytest.skip("JAX runs without x64 here; its gradients are checked against the reference")
    labels, logits, lab_len, logit_len = _case(batch=2, time=6, classes=4, max_len=3, seed=7)
    logits = logits.astype(np.float64)
    weights = np.array([1.0, 0.7])
    want, want_grad = ref_ctc(labels, logits, lab_len, logit_len)
    for fn in (None, lambda *a, **k: ctc_forward(engine, *a, **k)):
        got, grad = _loss_and_grad(engine, labels, logits, lab_len, logit_len, 0, weights, fn=fn,
                                   dtype="float64")
        np.testing.assert_allclose(got, want, rtol=1e-10)
        np.testing.assert_allclose(grad, want_grad * weights[:, None, None], rtol=1e-8, atol=1e-10)

    def value(z):
        per = engine.ctc_loss(engine.convert(labels), engine.convert(z), engine.convert(lab_len),
                              engine.convert(logit_len))
        return float(np.dot(_npy(engine, per), weights))

    eps = 1e-6
    for idx in [(0, 0, 0), (0, 3, 2), (1, 1, 1), (1, 5, 3), (0, 5, 1)]:
        up, down = logits.copy(), logits.copy()
        up[idx] += eps
        down[idx] -= eps
        fd = (value(up) - value(down)) / (2 * eps)
        assert grad[idx] == pytest.approx(fd, rel=1e-5, abs=1e-8), idx


def test_same_values_and_gradients_on_all_engines(engines):
    labels, logits, lab_len, logit_len = _case(seed=11)
    weights = np.ones(len(labels))
    results = {n: _loss_and_grad(b, labels, logits, lab_len, logit_len, 0, weights)
               for n, b in engines.items()}
    first = next(iter(results))
    for n, (v, g) in results.items():
        np.testing.assert_allclose(v, results[first][0], rtol=1e-5, err_msg=f"{n} vs {first}")
        np.testing.assert_allclose(g, results[first][1], rtol=1e-4, atol=1e-5, err_msg=f"{n} vs {first}")


def test_long_sequences_and_extreme_logits_are_stable(engine):
    """600 frames, 30 labels, logits of magnitude up to ~60: probabilities far
    below float32's range, yet the loss and gradient stay finite and exact."""
    labels, logits, lab_len, logit_len = _case(batch=2, time=600, classes=6, max_len=30, seed=13,
                                               scale=20.0)
    logits[1, :, 0] += 40.0  # sample 1: blank dominates every frame by a wide margin
    want, want_grad = ref_ctc(labels, logits, lab_len, logit_len)
    assert np.all(np.isfinite(want)) and want.max() > 1000  # p(label) ~ e^-1000 and less
    derived = lambda *a, **k: ctc_forward(engine, *a, **k)  # noqa: E731
    for fn, atol in ((derived, 2e-3), (None, 1e-2 if engine.name == "torch" else 2e-3)):
        # torch's native float32 kernel loses ~1% of the gradient at p ~ e^-3000
        got, grad = _loss_and_grad(engine, labels, logits, lab_len, logit_len, 0, np.ones(2), fn=fn)
        np.testing.assert_allclose(got, want, rtol=1e-4)
        assert np.all(np.isfinite(grad))
        np.testing.assert_allclose(grad, want_grad, atol=atol)


def test_impossible_alignments_are_inf_with_zero_gradient(engine):
    # 0: 3 labels in 2 frames; 1: a repeat needs 3 frames, has 2; 2: fits; 3: no frames
    labels = np.array([[1, 2, 3], [2, 2, 0], [1, 0, 0], [1, 0, 0]], np.int32)
    lab_len = np.array([3, 2, 1, 1], np.int32)
    logit_len = np.array([2, 2, 2, 0], np.int32)
    logits = RNG.normal(size=(4, 3, 4)).astype(np.float32)
    want, want_grad = ref_ctc(labels, logits, lab_len, logit_len)
    assert list(np.isinf(want)) == [True, True, False, True]
    for fn in (None, lambda *a, **k: ctc_forward(engine, *a, **k)):
        got, grad = _loss_and_grad(engine, labels, logits, lab_len, logit_len, 0, np.ones(4), fn=fn)
        assert list(got == np.inf) == [True, True, False, True]
        assert got[2] == pytest.approx(want[2], rel=1e-5)
        assert np.all(np.isfinite(grad)) and not grad[[0, 1, 3]].any()
        np.testing.assert_allclose(grad[2], want_grad[2], atol=1e-5)


def test_empty_label_is_all_blanks(engine):
    logits = RNG.normal(size=(1, 4, 3)).astype(np.float32)
    got = ops.ctc_loss(np.zeros((1, 2), np.int32), logits, np.array([0]), np.array([4]))
    want = -_log_softmax(logits[0])[:, 0].sum()
    assert float(_npy(engine, got)[0]) == pytest.approx(want, rel=1e-5)


def test_jit_matches_eager_on_jax(engines):
    if "jax" not in engines:
        pytest.skip("jax is not installed")
    b = engines["jax"]
    labels, logits, lab_len, logit_len = _case(seed=17)
    eager = b.ctc_loss(labels, logits, lab_len, logit_len)
    jitted = b.jit(lambda *a: b.ctc_loss(*a))(labels, logits, lab_len, logit_len)
    np.testing.assert_allclose(_npy(b, jitted), _npy(b, eager), rtol=1e-6)

    def f(params, *_):
        return b.sum(b.ctc_loss(labels, params[0], lab_len, logit_len)), None

    g_eager = b.value_and_grad(f)([b.convert(logits)])[1][0]
    g_jit = b.jit(b.value_and_grad(f))([b.convert(logits)])[1][0]
    np.testing.assert_allclose(_npy(b, g_jit), _npy(b, g_eager), rtol=1e-5, atol=1e-6)


def test_bad_shapes_are_reported(engine):
    with pytest.raises(ValueError, match="ctc_loss"):
        ops.ctc_loss(np.zeros((2, 3), np.int32), np.zeros((2, 5), np.float32), np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="blank"):
        ops.ctc_loss(np.zeros((2, 3), np.int32), np.zeros((2, 5, 4), np.float32), np.ones(2, np.int32),
                     np.full(2, 5, np.int32), mask_index=7)


# ------------------------------------------------------- losses.CTC
def _keras_style_batch(seed=21):
    labels, logits, lab_len, _ = _case(batch=3, time=10, classes=5, max_len=4, seed=seed, pad=0)
    return labels, logits, lab_len


def test_ctc_loss_class_pads_with_zero_and_uses_every_frame(engine):
    labels, logits, lab_len = _keras_style_batch()
    want, _ = ref_ctc(labels, logits, lab_len, np.full(3, 10))
    got = losses.CTC()(labels, logits)
    assert float(_npy(engine, got)) == pytest.approx(want.mean(), rel=1e-5)
    per = losses.CTC(reduction="none")(labels, logits)
    np.testing.assert_allclose(_npy(engine, per), want, rtol=1e-5)
    np.testing.assert_allclose(_npy(engine, losses.ctc(labels, logits)), want, rtol=1e-5)
    sw = np.array([1.0, 0.0, 2.0])
    got = losses.CTC(reduction="sum")(labels, logits, sample_weight=sw)
    assert float(_npy(engine, got)) == pytest.approx(float(want @ sw), rel=1e-5)


def test_ctc_loss_lookup_config_and_errors(engine):
    assert isinstance(losses.get("CTC"), losses.CTC)
    assert losses.get("ctc") is losses.ctc
    loss = losses.deserialize(losses.serialize(losses.CTC(name="my_ctc", reduction="sum")))
    assert isinstance(loss, losses.CTC) and loss.name == "my_ctc" and loss.reduction == "sum"
    with pytest.raises(ValueError, match="y_true"):
        losses.ctc(np.zeros((2, 3, 1)), np.zeros((2, 4, 3), np.float32))
    with pytest.raises(ValueError, match="y_pred"):
        losses.ctc(np.zeros((2, 3)), np.zeros((2, 4), np.float32))


def test_ctc_loss_trains_a_model(engine):
    """compile(loss=CTC()) + fit: a per-frame classifier learns the alignment."""
    from kerasette.utils import set_random_seed
    set_random_seed(0)
    rng = np.random.default_rng(0)
    seq = rng.integers(1, 4, size=(64, 3))
    x = np.zeros((64, 6, 4), np.float32)        # each label shown on 2 frames
    for i in range(3):
        x[np.arange(64), 2 * i, seq[:, i]] = 1.0
        x[np.arange(64), 2 * i + 1, 0] = 1.0     # then a "gap" frame
    inp = layers.Input(shape=(6, 4))
    out = layers.Dense(4)(layers.Dense(16, activation="tanh")(inp))
    model = models.Model(inp, out)
    model.compile(optimizer=optimizers.Adam(0.05), loss=losses.CTC())
    hist = model.fit(x, seq, epochs=30, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < 0.3 * hist.history["loss"][0]
    decoded, _ = ops.ctc_decode(model.predict(x, verbose=0), np.full(64, 6))
    decoded = _npy(engine, decoded)[0].astype(int)
    assert (decoded[:, :3] == seq).all(axis=1).mean() > 0.9


@pytest.mark.keras_oracle
def test_ctc_loss_matches_keras(keras_module, engine):
    labels, logits, lab_len = _keras_style_batch(seed=23)
    want = keras_module.losses.CTC(reduction="none")(labels, logits)
    got = losses.CTC(reduction="none")(labels, logits)
    np.testing.assert_allclose(_npy(engine, got), keras_module.ops.convert_to_numpy(want), rtol=1e-4)


# ------------------------------------------------------- ops.ctc_decode
def ref_greedy(logits, lengths, merge_repeated=True, blank=0):
    out = np.full(logits.shape[:2], -1)
    for i, n in enumerate(lengths):
        best = logits[i, :n].argmax(-1)
        keep = [c for t, c in enumerate(best)
                if c != blank and not (merge_repeated and t and c == best[t - 1])]
        out[i, :len(keep)] = keep
    return out


def test_greedy_decode_merges_repeats_and_drops_blanks(engine):
    p = np.array([[[.1, .8, .1], [.1, .8, .1], [.8, .1, .1], [.1, .8, .1], [.1, .1, .8]],
                  [[.1, .1, .8], [.8, .1, .1], [.1, .1, .8], [.1, .8, .1], [.1, .8, .1]]])
    decoded, scores = ops.ctc_decode(np.log(p).astype(np.float32), np.array([5, 3]))
    np.testing.assert_array_equal(_npy(engine, decoded), [[[1, 1, 2, -1, -1], [2, 2, -1, -1, -1]]])
    assert ops.dtype(decoded) == "int32"
    np.testing.assert_allclose(_npy(engine, scores), -np.log([[.8 ** 5], [.8 ** 3]]), rtol=1e-5)
    no_merge, _ = ops.ctc_decode(np.log(p).astype(np.float32), np.array([5, 3]), merge_repeated=False)
    np.testing.assert_array_equal(_npy(engine, no_merge)[0], [[1, 1, 1, 2, -1], [2, 2, -1, -1, -1]])


@pytest.mark.parametrize("merge,blank", [(True, 0), (False, 0), (True, None)])
def test_greedy_decode_matches_reference(engine, merge, blank):
    logits = RNG.normal(size=(6, 12, 5)).astype(np.float32)
    lengths = np.array([12, 0, 5, 1, 11, 8])
    decoded, _ = ops.ctc_decode(logits, lengths, merge_repeated=merge, mask_index=blank)
    want = ref_greedy(logits, lengths, merge, 4 if blank is None else blank)
    np.testing.assert_array_equal(_npy(engine, decoded)[0], want)


def test_greedy_decode_under_jax_jit(engines):
    if "jax" not in engines:
        pytest.skip("jax is not installed")
    previous = config._active
    config.set_backend("jax")
    try:
        b = engines["jax"]
        logits = RNG.normal(size=(3, 7, 4)).astype(np.float32)
        lengths = np.array([7, 3, 5])
        got = b.jit(lambda z, n: ops.ctc_decode(z, n)[0])(logits, lengths)
        np.testing.assert_array_equal(_npy(b, got)[0], ref_greedy(logits, lengths))
    finally:
        config._active = previous


def _all_label_scores(logp, blank, max_len):
    """{label tuple: -ctc loss} for every label sequence that fits the frames."""
    classes = [c for c in range(logp.shape[1]) if c != blank]
    out = {}
    for n in range(max_len + 1):
        for lab in itertools.product(classes, repeat=n):
            loss, _ = ref_ctc(np.array([list(lab) + [0]]), logp[None], [n], [logp.shape[0]], blank)
            if np.isfinite(loss[0]):
                out[lab] = -loss[0]
    return out


@pytest.mark.parametrize("blank", [0, 2])
def test_beam_search_finds_the_most_probable_labels(engine, blank):
    logits = np.random.default_rng(blank).normal(size=(2, 5, 3)).astype(np.float32) * 2
    lengths = np.array([5, 4])
    decoded, scores = ops.ctc_decode(logits, lengths, strategy="beam_search", beam_width=64,
                                     top_paths=3, mask_index=blank)
    decoded, scores = _npy(engine, decoded).astype(int), _npy(engine, scores)
    assert decoded.shape == (3, 2, 5) and scores.shape == (2, 3)
    for i, n in enumerate(lengths):
        table = _all_label_scores(_log_softmax(logits[i, :n]), blank, n)
        best = sorted(table.items(), key=lambda kv: -kv[1])[:3]
        for k, (lab, score) in enumerate(best):
            got = tuple(v for v in decoded[k, i] if v >= 0)
            assert got == lab and scores[i, k] == pytest.approx(score, rel=1e-4), (i, k)


def test_decode_bad_arguments(engine):
    z = np.zeros((2, 4, 3), np.float32)
    with pytest.raises(ValueError, match="strategy"):
        ops.ctc_decode(z, [4, 4], strategy="nope")
    with pytest.raises(ValueError, match="sequence_lengths"):
        ops.ctc_decode(z, [4, 4, 4])
    with pytest.raises(ValueError, match="top_paths"):
        ops.ctc_decode(z, [4, 4], strategy="beam_search", beam_width=2, top_paths=3)


@pytest.mark.keras_oracle
def test_greedy_decode_matches_keras(keras_module, engine):
    logits = RNG.normal(size=(4, 9, 5)).astype(np.float32)
    lengths = np.array([9, 4, 7, 1], np.int32)
    kd, ks = keras_module.ops.ctc_decode(logits, lengths, strategy="greedy")
    d, s = ops.ctc_decode(logits, lengths, strategy="greedy")
    np.testing.assert_array_equal(_npy(engine, d), keras_module.ops.convert_to_numpy(kd))
    np.testing.assert_allclose(_npy(engine, s), keras_module.ops.convert_to_numpy(ks), rtol=1e-5)
