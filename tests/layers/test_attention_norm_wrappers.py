"""AdditiveAttention, GroupQueryAttention, RMSNormalization, Wrapper and
SpectralNormalization on every engine: float64 references, finite-difference
gradients, Keras 3's weights and outputs (weights copied), masks, configs, errors, saving."""
import numpy as np
import pytest

import kerasette
from kerasette import initializers, layers, models

from .harness import check_layer
from .test_attention import _Call, _softmax, _x, masked_combine


# ------------------------------------------------------------ AdditiveAttention
def additive_ref(q, v, k=None, scale=None, q_mask=None, v_mask=None, causal=False):
    q, v = np.asarray(q, np.float64), np.asarray(v, np.float64)
    k = v if k is None else np.asarray(k, np.float64)
    t = np.tanh(q[:, :, None, :] + k[:, None, :, :])
    s = (t * scale if scale is not None else t).sum(-1)
    return masked_combine(s, v, q_mask, v_mask, causal)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("use_scale,with_key", [(True, False), (False, True)])
def test_additive_attention_reference_fd_and_keras(engine, keras_module, use_scale, with_key):
    q, v = _x(2, 3, 4, seed=1), _x(2, 5, 4, seed=2)
    xs = [q, v, _x(2, 5, 4, seed=3)] if with_key else [q, v]
    layer = check_layer(lambda dt: layers.AdditiveAttention(use_scale=use_scale, dtype=dt), xs,
                        lambda xs, w: additive_ref(*xs, scale=w[0] if w else None)[0], rtol=1e-4, atol=1e-5,
                        keras_layer=lambda k: k.layers.AdditiveAttention(use_scale=use_scale),
                        keras_module=keras_module)
    assert [(w.name, w.shape) for w in layer.weights] == ([("scale", (4,))] if use_scale else [])


@pytest.mark.keras_oracle
def test_additive_attention_masks_causal_scores_and_config(engine, keras_module):
    q, v = _x(2, 4, 3, seed=1), _x(2, 4, 3, seed=2)
    q_mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
    v_mask = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], bool)
    layer = layers.AdditiveAttention()
    theirs = keras_module.layers.AdditiveAttention()
    for causal in (False, True):
        out, p = layer([q, v], mask=[q_mask, v_mask], use_causal_mask=causal, return_attention_scores=True)
        want, wp = additive_ref(q, v, scale=layer.get_weights()[0], q_mask=q_mask, v_mask=v_mask, causal=causal)
        np.testing.assert_allclose(engine.to_numpy(out), want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(engine.to_numpy(p), wp, rtol=1e-5, atol=1e-6)
        kout, kp = theirs([q, v], mask=[q_mask, v_mask], use_causal_mask=causal, return_attention_scores=True)
        theirs.set_weights(layer.get_weights())
        kout, kp = theirs([q, v], mask=[q_mask, v_mask], use_causal_mask=causal, return_attention_scores=True)
        np.testing.assert_allclose(engine.to_numpy(out), keras_module.ops.convert_to_numpy(kout), rtol=1e-5,
                                   atol=1e-6)
        np.testing.assert_allclose(engine.to_numpy(p), keras_module.ops.convert_to_numpy(kp), rtol=1e-5, atol=1e-6)
    cfg = layers.AdditiveAttention(use_scale=False, dropout=0.2, seed=1).get_config()
    assert "score_mode" not in cfg and layers.AdditiveAttention.from_config(cfg).get_config() == cfg
    assert set(cfg) == set(keras_module.layers.AdditiveAttention().get_config())
    with pytest.raises(ValueError, match="AdditiveAttention layer 'aa_bad'.*list"):
        layers.AdditiveAttention(name="aa_bad")(q)


# ----------------------------------------------------------- GroupQueryAttention
def gqa_ref(query, value, w, key=None, mask=None, repeats=1):
    w = [np.asarray(a, np.float64) for a in w]
    query, value = np.asarray(query, np.float64), np.asarray(value, np.float64)
    key = value if key is None else np.asarray(key, np.float64)
    q = np.einsum("btd,dhk->bthk", query, w[0]) + w[1]
    k = np.repeat(np.einsum("bsd,dhk->bshk", key, w[2]) + w[3], repeats, axis=2)
    v = np.repeat(np.einsum("bsd,dhk->bshk", value, w[4]) + w[5], repeats, axis=2)
    scores = np.einsum("bthk,bshk->bhts", q / np.sqrt(q.shape[-1]), k)
    if mask is not None:
        m = np.broadcast_to(np.asarray(mask, bool)[:, None], scores.shape)
        scores = np.where(m, scores, -1e9)
    p = _softmax(scores)
    if mask is not None:
        p = np.where(m, p, 0.0)
    return np.einsum("bthv,hvd->btd", np.einsum("bhts,bshv->bthv", p, v), w[6]) + w[7], p


def _gqa(dt, **kw):
    kw.setdefault("bias_initializer", initializers.RandomNormal(stddev=0.3, seed=5))
    return layers.GroupQueryAttention(dtype=dt, **kw)


def test_gqa_reference_and_fd(engine):
    q, v = _x(2, 3, 4, seed=1), _x(2, 5, 4, seed=2)
    layer = check_layer(lambda dt: _Call(_gqa(dt, head_dim=2, num_query_heads=4, num_key_value_heads=2)), [q, v],
                        lambda xs, w: gqa_ref(xs[0], xs[1], w, repeats=2)[0], rtol=1e-4, atol=1e-5)
    assert [w.shape for w in layer.get_weights()] == [(4, 4, 2), (4, 2), (4, 2, 2), (2, 2), (4, 2, 2), (2, 2),
                                                      (4, 2, 4), (4,)]


@pytest.mark.keras_oracle
@pytest.mark.parametrize("case", ["self", "cross", "masked", "causal", "no_bias"])
def test_gqa_matches_keras_and_reference(engine, keras_module, case):
    kw = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}
    q = v = _x(2, 4, 6, seed=1)
    call, mask = {}, None
    if case == "cross":
        v = _x(2, 3, 6, seed=2)
        call["key"] = _x(2, 3, 5, seed=3)
    if case == "masked":
        mask = call["attention_mask"] = np.random.default_rng(1).random((2, 4, 4)) > 0.4
        mask[:, :, 0] = True
    if case == "causal":
        call["use_causal_mask"] = True
        mask = np.tril(np.ones((4, 4), bool))[None].repeat(2, 0)
    if case == "no_bias":
        kw["use_bias"] = False
    ours = layers.GroupQueryAttention(bias_initializer=initializers.RandomNormal(stddev=0.3, seed=5), **kw)
    out, scores = ours(q, v, return_attention_scores=True, **call)
    if kw.get("use_bias", True):
        want, wp = gqa_ref(q, v, ours.get_weights(), key=call.get("key"), mask=mask, repeats=2)
        np.testing.assert_allclose(engine.to_numpy(out), want, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(engine.to_numpy(scores), wp, rtol=1e-4, atol=1e-6)
    theirs = keras_module.layers.GroupQueryAttention(**kw)
    theirs(q, v, return_attention_scores=True, **call)
    assert [w.shape for w in theirs.get_weights()] == [w.shape for w in ours.get_weights()]
    theirs.set_weights(ours.get_weights())
    kout, kscores = theirs(q, v, return_attention_scores=True, **call)
    np.testing.assert_allclose(engine.to_numpy(out), keras_module.ops.convert_to_numpy(kout), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(engine.to_numpy(scores), keras_module.ops.convert_to_numpy(kscores),
                               rtol=1e-4, atol=1e-6)


@pytest.mark.keras_oracle
def test_gqa_graph_masks_config_errors_and_saving(engine, keras_module, tmp_path):
    ids = np.array([[3, 1, 4, 0, 0], [2, 5, 1, 6, 0]], "int32")

    def build(L, kw):
        inp = L.Input((5,), dtype="int32")
        e = L.Embedding(7, 4, mask_zero=True)(inp)
        h = L.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1, **kw)(e, e)
        return inp, L.GlobalAveragePooling1D()(h)

    ours = models.Model(*build(layers, {"bias_initializer": initializers.RandomNormal(stddev=0.3, seed=5)}))
    theirs = keras_module.Model(*build(keras_module.layers, {}))
    theirs.set_weights(ours.get_weights())
    got = ours.predict(ids, verbose=0)
    np.testing.assert_allclose(got, keras_module.ops.convert_to_numpy(theirs(ids)), rtol=1e-4, atol=1e-5)
    ours.save(tmp_path / "gqa.keras")
    again = kerasette.saving.load_model(tmp_path / "gqa.keras")
    np.testing.assert_allclose(again.predict(ids, verbose=0), got, rtol=1e-6)
    cfg = layers.GroupQueryAttention(4, 6, 3, dropout=0.1, use_bias=False, name="gqa_cfg").get_config()
    assert layers.GroupQueryAttention.from_config(cfg).get_config() == cfg
    assert set(cfg) == set(keras_module.layers.GroupQueryAttention(4, 6, 3).get_config())
    with pytest.raises(ValueError, match="GroupQueryAttention.*num_query_heads.*divisible.*num_key_value_heads"):
        layers.GroupQueryAttention(head_dim=4, num_query_heads=6, num_key_value_heads=4)
    with pytest.raises(ValueError, match="GroupQueryAttention.*head_dim"):
        layers.GroupQueryAttention(head_dim=0, num_query_heads=2, num_key_value_heads=1)


# -------------------------------------------------------------- RMSNormalization
def rms_ref(x, w, axes=(-1,), eps=1e-6):
    x = np.asarray(x, np.float64)
    return x / np.sqrt((x ** 2).mean(axis=axes, keepdims=True) + eps) * w[0]


@pytest.mark.keras_oracle
def test_rms_normalization_reference_fd_keras_config(engine, keras_module):
    x = _x(2, 3, 5)

    def make(dt):
        layer = layers.RMSNormalization(dtype=dt)
        layer.build(x.shape)
        layer.scale.assign(np.linspace(0.5, 1.5, 5).astype(dt))
        return layer

    check_layer(make, x, rms_ref, rtol=1e-5, atol=1e-5,
                keras_layer=lambda k: k.layers.RMSNormalization(), keras_module=keras_module)
    two = layers.RMSNormalization(axis=[1, 2], epsilon=1e-3)
    np.testing.assert_allclose(engine.to_numpy(two(x)), rms_ref(x, [1.0], axes=(1, 2), eps=1e-3), rtol=1e-5)
    assert two.scale.shape == (3, 5)
    cfg = two.get_config()
    assert layers.RMSNormalization.from_config(cfg).get_config() == cfg
    assert set(cfg) == set(keras_module.layers.RMSNormalization().get_config())
    with pytest.raises(ValueError, match="RMSNormalization 'rms_bad'.*axis 3"):
        layers.RMSNormalization(axis=3, name="rms_bad")(x)


# ------------------------------------------------- Wrapper, SpectralNormalization
def test_wrapper_base_and_time_distributed(engine):
    td = layers.TimeDistributed(layers.Dense(2))
    assert isinstance(td, layers.Wrapper) and not isinstance(layers.Bidirectional(layers.LSTM(2)), layers.Wrapper)
    cfg = td.get_config()
    assert cfg["layer"]["class_name"] == "Dense"
    with pytest.raises(ValueError, match="TimeDistributed needs a Layer"):
        layers.TimeDistributed("dense")


def spectral_ref(kernel, u, iterations=1):
    w = np.asarray(kernel, np.float64).reshape(-1, kernel.shape[-1])
    u = np.asarray(u, np.float64)
    for _ in range(iterations):
        v = u @ w.T
        v = v / np.linalg.norm(v)
        u = v @ w
        u = u / np.linalg.norm(u)
    return (w / (v @ w @ u.T)).reshape(kernel.shape), u


@pytest.mark.keras_oracle
@pytest.mark.parametrize("inner", ["dense", "conv"])
def test_spectral_normalization_training_inference_and_keras(engine, keras_module, inner):
    def make(L):
        return L.SpectralNormalization(L.Dense(4) if inner == "dense" else L.Conv2D(3, 2), power_iterations=2)

    x = _x(2, 5) if inner == "dense" else _x(2, 4, 4, 2)
    ours, theirs = make(layers), make(keras_module.layers)
    ours(x)
    theirs(x)
    assert [w.shape for w in theirs.get_weights()] == [w.shape for w in ours.get_weights()]
    assert [w.name for w in ours.weights][:2] == ["kernel", "vector_u"] and not ours.vector_u.trainable
    theirs.set_weights(ours.get_weights())
    kernel, u = ours.kernel.numpy(), ours.vector_u.numpy()
    np.testing.assert_allclose(engine.to_numpy(ours(x)), keras_module.ops.convert_to_numpy(theirs(x)),
                               rtol=1e-5, atol=1e-6)  # inference: kernel untouched
    np.testing.assert_array_equal(ours.kernel.numpy(), kernel)
    y = engine.to_numpy(ours(x, training=True))
    ky = keras_module.ops.convert_to_numpy(theirs(x, training=True))
    np.testing.assert_allclose(y, ky, rtol=1e-4, atol=1e-5)
    want_kernel, want_u = spectral_ref(kernel, u, iterations=2)
    np.testing.assert_allclose(ours.kernel.numpy(), want_kernel, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ours.vector_u.numpy(), want_u, rtol=1e-4, atol=1e-6)
    sv = np.linalg.svd(ours.kernel.numpy().reshape(-1, kernel.shape[-1]), compute_uv=False)[0]
    assert sv < 1.5  # roughly normalized after one estimate


def test_spectral_normalization_config_errors_zero_kernel_and_saving(engine, tmp_path):
    sn = layers.SpectralNormalization(layers.Dense(3), power_iterations=2, name="sn")
    cfg = sn.get_config()
    assert cfg["power_iterations"] == 2 and cfg["layer"]["class_name"] == "Dense"
    assert layers.SpectralNormalization.from_config(cfg).get_config() == cfg
    with pytest.raises(ValueError, match="SpectralNormalization 'sn_bad'.*power_iterations"):
        layers.SpectralNormalization(layers.Dense(3), power_iterations=0, name="sn_bad")
    with pytest.raises(ValueError, match="SpectralNormalization 'sn_nok'.*no `kernel`"):
        layers.SpectralNormalization(layers.LayerNormalization(), name="sn_nok")(_x(2, 3))
    zero = layers.SpectralNormalization(layers.Dense(2, kernel_initializer="zeros"))
    u0 = None
    zero(_x(2, 3))
    u0 = zero.vector_u.numpy()
    out = engine.to_numpy(zero(_x(2, 3), training=True))
    assert np.isfinite(out).all() and (zero.kernel.numpy() == 0).all()
    np.testing.assert_array_equal(zero.vector_u.numpy(), u0)
    model = models.Sequential([layers.Input((3,)), layers.SpectralNormalization(layers.Dense(4)), layers.Dense(1)])
    x = _x(4, 3)
    model(x, training=True)
    model.save(tmp_path / "sn.keras")
    again = kerasette.saving.load_model(tmp_path / "sn.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_array_equal(again.layers[0].vector_u.numpy(), model.layers[0].vector_u.numpy())


def test_spectral_normalization_trains_with_fit(engine):
    x = _x(32, 3)
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    model = models.Sequential([layers.Input((3,)), layers.SpectralNormalization(layers.Dense(8)),
                               layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    hist = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
