"""Attention layers on every engine: float64 NumPy references, finite-difference
gradients, Keras 3's weight layout and outputs (weights copied), masks (explicit,
causal, and from ``Embedding(mask_zero=True)`` through a functional graph), dropout,
configs, and a small Transformer block that trains with ``fit``.
"""
import numpy as np
import pytest

from kerasette import initializers, layers, models, optimizers

from .harness import check_layer


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def mha_ref(query, value, w, key=None, mask=None, use_bias=True):
    """Keras 3's MultiHeadAttention for (B, T, dim) inputs, in float64.
    ``w``: [q_kernel, q_bias, k_kernel, k_bias, v_kernel, v_bias, o_kernel, o_bias]."""
    w = [np.asarray(a, np.float64) for a in w]
    if not use_bias:
        w = [w[0], 0, w[1], 0, w[2], 0, w[3], 0]
    query, value = np.asarray(query, np.float64), np.asarray(value, np.float64)
    key = value if key is None else np.asarray(key, np.float64)
    q = np.einsum("btd,dhk->bthk", query, w[0]) + w[1]
    k = np.einsum("bsd,dhk->bshk", key, w[2]) + w[3]
    v = np.einsum("bsd,dhv->bshv", value, w[4]) + w[5]
    scores = np.einsum("bshk,bthk->bhts", k, q / np.sqrt(q.shape[-1]))
    if mask is not None:
        m = np.broadcast_to(np.asarray(mask, bool)[:, None], scores.shape)
        scores = np.where(m, scores, -1e9)
    p = _softmax(scores)
    if mask is not None:
        p = np.where(m, p, 0.0)
    out = np.einsum("bhts,bshv->bthv", p, v)
    return np.einsum("bthv,hvd->btd", out, w[6]) + w[7], p


class _Call(layers.Layer):
    """Calls an attention layer as ``inner(q, v[, k], **kw)`` so the harness can drive it."""

    def __init__(self, inner, **kw):
        super().__init__(dtype=inner.dtype)
        self.inner = inner
        self.kw = kw

    def call(self, inputs):
        args = list(inputs) if isinstance(inputs, list) else [inputs, inputs]
        return self.inner(*args, **self.kw)


def _mha(dt, **kw):
    kw.setdefault("bias_initializer", initializers.RandomNormal(stddev=0.3, seed=5))
    return layers.MultiHeadAttention(dtype=dt, **kw)


# ------------------------------------------------------------ MultiHeadAttention
def test_mha_self_attention_reference_and_fd(engine):
    x = _x(2, 3, 4)
    layer = check_layer(lambda dt: _Call(_mha(dt, num_heads=2, key_dim=3)), x,
                        lambda x, w: mha_ref(x, x, w)[0], rtol=1e-4, atol=1e-5)
    assert [w.shape for w in layer.get_weights()] == [(4, 2, 3), (2, 3)] * 3 + [(2, 3, 4), (4,)]
    assert [w.path for w in layer.inner.weights] == [f"{n}/{k}" for n in ("query", "key", "value", "attention_output")
                                                     for k in ("kernel", "bias")]


def test_mha_cross_attention_with_key_value_dim_and_no_bias(engine):
    q, v, k = _x(2, 3, 4, seed=1), _x(2, 5, 6, seed=2), _x(2, 5, 2, seed=3)
    check_layer(lambda dt: _Call(_mha(dt, num_heads=2, key_dim=2, value_dim=3, use_bias=False)), [q, v, k],
                lambda xs, w: mha_ref(xs[0], xs[1], w, key=xs[2], use_bias=False)[0], rtol=1e-4, atol=1e-5)


def test_mha_causal_mask_and_scores(engine):
    x = _x(2, 4, 3, seed=4)
    layer = _mha(None, num_heads=2, key_dim=2)
    out, scores = layer(x, x, use_causal_mask=True, return_attention_scores=True)
    causal = np.tril(np.ones((4, 4), bool))[None].repeat(2, 0)
    want, p = mha_ref(x, x, layer.get_weights(), mask=causal)
    np.testing.assert_allclose(engine.to_numpy(out), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(engine.to_numpy(scores), p, rtol=1e-4, atol=1e-6)
    assert (engine.to_numpy(scores)[..., ~causal[0]] == 0).all()
    # an explicit attention mask combines with the causal one (logical and)
    am = np.random.default_rng(0).random((2, 4, 4)) > 0.3
    am[:, :, 0] = True
    out = layer(x, x, attention_mask=am, use_causal_mask=True)
    np.testing.assert_allclose(engine.to_numpy(out), mha_ref(x, x, layer.get_weights(), mask=am & causal)[0],
                               rtol=1e-4, atol=1e-5)


def test_mha_symbolic_shapes(engine):
    q, v = layers.Input((3, 4)), layers.Input((None, 6))
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, output_shape=5)
    out, scores = layer(q, v, return_attention_scores=True)
    assert out.shape == (None, 3, 5) and scores.shape == (None, 2, 3, None)
    real_out, real_scores = layer(_x(2, 3, 4), _x(2, 7, 6), return_attention_scores=True)
    assert engine.shape(real_out) == (2, 3, 5) and engine.shape(real_scores) == (2, 2, 3, 7)
    with pytest.raises(ValueError, match="value_shape"):
        layers.MultiHeadAttention(2, 3, name="mha_bad")(q, layers.Input((4, 6)), layers.Input((5, 6)))
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(0, 3)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("case", ["self", "cross", "masked", "causal", "dims", "axes"])
def test_mha_matches_keras(engine, keras_module, case):
    kw = {"num_heads": 2, "key_dim": 3}
    q = _x(2, 4, 5, seed=1)
    v = q
    call = {}
    if case == "cross":
        v = _x(2, 3, 6, seed=2)
        call["key"] = _x(2, 3, 4, seed=3)
    if case == "masked":
        call["attention_mask"] = np.random.default_rng(1).random((2, 4, 4)) > 0.4
        call["attention_mask"][:, :, 0] = True
    if case == "causal":
        call["use_causal_mask"] = True
    if case == "dims":
        kw.update(value_dim=4, output_shape=(7,), use_bias=False)
    if case == "axes":
        q = v = _x(2, 3, 2, 5, seed=4)
        kw["attention_axes"] = (1, 2)
    ours = layers.MultiHeadAttention(bias_initializer=initializers.RandomNormal(stddev=0.3, seed=5), **kw)
    out, scores = ours(q, v, return_attention_scores=True, **call)
    theirs = keras_module.layers.MultiHeadAttention(**kw)
    theirs(q, v, return_attention_scores=True, **call)
    assert [w.shape for w in theirs.get_weights()] == [w.shape for w in ours.get_weights()]
    theirs.set_weights(ours.get_weights())
    kout, kscores = theirs(q, v, return_attention_scores=True, **call)
    np.testing.assert_allclose(engine.to_numpy(out), keras_module.ops.convert_to_numpy(kout), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(engine.to_numpy(scores), keras_module.ops.convert_to_numpy(kscores),
                               rtol=1e-4, atol=1e-6)
    if case != "dims":  # Keras 3.15's fused path (no scores) fails when value_dim != key_dim on JAX
        np.testing.assert_allclose(engine.to_numpy(ours(q, v, **call)),
                                   keras_module.ops.convert_to_numpy(theirs(q, v, **call)), rtol=1e-4, atol=1e-5)


@pytest.mark.keras_oracle
def test_mha_masks_from_embedding_flow_through_graph(engine, keras_module):
    ids = np.array([[3, 1, 4, 0, 0], [2, 5, 1, 6, 0]], "int32")

    def build(L, mha_kwargs):
        inp = L.Input((5,), dtype="int32")
        e = L.Embedding(7, 4, mask_zero=True)(inp)
        h = L.MultiHeadAttention(num_heads=2, key_dim=2, **mha_kwargs)(e, e)
        h = L.Add()([e, h])
        return inp, L.GlobalAveragePooling1D()(h)

    inp, out = build(layers, {"bias_initializer": initializers.RandomNormal(stddev=0.3, seed=5)})
    ours = models.Model(inp, out)
    kin, kout = build(keras_module.layers, {})
    theirs = keras_module.Model(kin, kout)
    theirs.set_weights(ours.get_weights())
    got = ours.predict(ids, verbose=0)
    np.testing.assert_allclose(got, keras_module.ops.convert_to_numpy(theirs(ids)), rtol=1e-4, atol=1e-5)
    # and by hand: the padded keys are never attended to
    emb = ours.layers[1].embeddings.numpy()[ids]
    mha = ours.layers[2]
    valid = ids != 0
    att, _ = mha_ref(emb, emb, mha.get_weights(), mask=valid[:, :, None] & valid[:, None, :])
    h = emb + att
    want = (h * valid[..., None]).sum(1) / valid.sum(1, keepdims=True)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.keras_oracle
def test_mha_cross_attention_graph_masks_with_value_by_keyword(engine, keras_module):
    ids_q = np.array([[3, 1, 0], [2, 0, 0]], "int32")
    ids_v = np.array([[1, 2, 3, 0], [4, 0, 0, 0]], "int32")

    def build(L, mha_kwargs):
        iq, iv = L.Input((3,), dtype="int32"), L.Input((4,), dtype="int32")
        eq = L.Embedding(5, 4, mask_zero=True)(iq)
        ev = L.Embedding(5, 6, mask_zero=True)(iv)
        h = L.MultiHeadAttention(num_heads=2, key_dim=3, **mha_kwargs)(eq, value=ev)
        return [iq, iv], L.GlobalAveragePooling1D()(h)  # averages over the query's mask

    ins, out = build(layers, {"bias_initializer": initializers.RandomNormal(stddev=0.3, seed=5)})
    ours = models.Model(ins, out)
    kins, kout = build(keras_module.layers, {})
    theirs = keras_module.Model(kins, kout)
    theirs.set_weights(ours.get_weights())
    got = ours.predict([ids_q, ids_v], verbose=0)
    np.testing.assert_allclose(got, keras_module.ops.convert_to_numpy(theirs([ids_q, ids_v])), rtol=1e-4, atol=1e-5)
    eq, ev = ours.layers[2].embeddings.numpy()[ids_q], ours.layers[3].embeddings.numpy()[ids_v]
    vq, vv = ids_q != 0, ids_v != 0
    att, _ = mha_ref(eq, ev, ours.layers[4].get_weights(), mask=vq[:, :, None] & vv[:, None, :])
    np.testing.assert_allclose(got, (att * vq[..., None]).sum(1) / vq.sum(1, keepdims=True), rtol=1e-4, atol=1e-5)


def test_mha_dropout_training_only_and_seeded(engine):
    x = _x(2, 4, 3)
    a = layers.MultiHeadAttention(2, 2, dropout=0.5, seed=3)
    b = layers.MultiHeadAttention(2, 2, dropout=0.5, seed=3)
    a(x, x)
    b(x, x)
    b.set_weights(a.get_weights())
    np.testing.assert_allclose(engine.to_numpy(a(x, x)), engine.to_numpy(b(x, x)), rtol=1e-6)
    ta, tb = engine.to_numpy(a(x, x, training=True)), engine.to_numpy(b(x, x, training=True))
    np.testing.assert_allclose(ta, tb, rtol=1e-6)
    assert not np.allclose(ta, engine.to_numpy(a(x, x)))
    _, scores = a(x, x, return_attention_scores=True, training=True)
    np.testing.assert_allclose(engine.to_numpy(scores).sum(-1), 1.0, rtol=1e-5)  # scores before dropout


@pytest.mark.keras_oracle
def test_mha_config_round_trip_and_keras(engine, keras_module):
    layer = layers.MultiHeadAttention(num_heads=3, key_dim=4, value_dim=2, dropout=0.1, output_shape=(6,),
                                      use_bias=False, name="mha_cfg")
    cfg = layer.get_config()
    assert layers.MultiHeadAttention.from_config(cfg).get_config() == cfg
    theirs = keras_module.layers.MultiHeadAttention.from_config(cfg)
    for key in ("num_heads", "key_dim", "value_dim", "dropout", "use_bias"):
        assert theirs.get_config()[key] == cfg[key]
    layer(_x(1, 2, 5), _x(1, 3, 5))
    again = layers.MultiHeadAttention.from_config(cfg)
    again.build_from_config(layer.get_build_config())
    assert [w.shape for w in again.weights] == [w.shape for w in layer.weights]


# ------------------------------------------------------------------- Attention
def attention_ref(q, v, k=None, w=(), use_scale=False, score_mode="dot", q_mask=None, v_mask=None, causal=False):
    q, v = np.asarray(q, np.float64), np.asarray(v, np.float64)
    k = v if k is None else np.asarray(k, np.float64)
    w = list(w)
    scale = w.pop(0) if use_scale else None
    if score_mode == "dot":
        s = q @ np.swapaxes(k, -1, -2)
        if scale is not None:
            s = s * scale
    else:
        z = q[:, :, None, :] + k[:, None, :, :]
        s = w[0] * np.tanh(z * scale if scale is not None else z).sum(-1)
    return masked_combine(s, v, q_mask, v_mask, causal)


def masked_combine(s, v, q_mask=None, v_mask=None, causal=False):
    """Keras's masked softmax over scores ``s`` (b, tq, tv), then ``p @ v``; padded
    queries output 0. Returns ``(outputs, probabilities)``."""
    m = None
    if v_mask is not None:
        m = np.broadcast_to(np.asarray(v_mask, bool)[:, None, :], s.shape)
    if causal:
        c = np.tril(np.ones(s.shape[-2:], bool))
        m = c if m is None else (m & c)
    if m is not None:
        s = np.where(m, s, s - 1e9)
    p = _softmax(s)
    out = p @ v
    if q_mask is not None:
        out = np.where(np.asarray(q_mask, bool)[..., None], out, 0.0)
    return out, p


@pytest.mark.keras_oracle
@pytest.mark.parametrize("use_scale,score_mode,with_key", [(False, "dot", False), (True, "dot", True),
                                                          (False, "concat", False), (True, "concat", True)])
def test_attention_reference_fd_and_keras(engine, keras_module, use_scale, score_mode, with_key):
    q, v = _x(2, 3, 4, seed=1), _x(2, 5, 4, seed=2)
    xs = [q, v, _x(2, 5, 4, seed=3)] if with_key else [q, v]
    init = initializers.RandomUniform(0.5, 1.5, seed=4)

    def make(dt):
        layer = layers.Attention(use_scale=use_scale, score_mode=score_mode, dtype=dt)
        layer.build([x.shape for x in xs])
        for var in layer.weights:
            var.assign(init(var.shape, var.dtype))
        return layer

    layer = check_layer(make, xs, lambda xs, w: attention_ref(*xs, w=w, use_scale=use_scale,
                                                              score_mode=score_mode)[0],
                        rtol=1e-4, atol=1e-5,
                        keras_layer=lambda k: k.layers.Attention(use_scale=use_scale, score_mode=score_mode),
                        keras_module=keras_module)
    names = (["scale"] if use_scale else []) + (["concat_score_weight"] if score_mode == "concat" else [])
    assert [w.name for w in layer.weights] == names


@pytest.mark.keras_oracle
def test_attention_masks_causal_and_scores_match_keras(engine, keras_module):
    q, v = _x(2, 4, 3, seed=1), _x(2, 4, 3, seed=2)
    q_mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
    v_mask = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], bool)
    layer = layers.Attention()
    for causal in (False, True):
        out, p = layer([q, v], mask=[q_mask, v_mask], use_causal_mask=causal, return_attention_scores=True)
        want, wp = attention_ref(q, v, q_mask=q_mask, v_mask=v_mask, causal=causal)
        np.testing.assert_allclose(engine.to_numpy(out), want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(engine.to_numpy(p), wp, rtol=1e-5, atol=1e-6)
        kout, kp = keras_module.layers.Attention()([q, v], mask=[q_mask, v_mask], use_causal_mask=causal,
                                                  return_attention_scores=True)
        np.testing.assert_allclose(engine.to_numpy(out), keras_module.ops.convert_to_numpy(kout), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(engine.to_numpy(p), keras_module.ops.convert_to_numpy(kp), rtol=1e-5, atol=1e-6)
    sym = layer([layers.Input((4, 3)), layers.Input((6, 3))], return_attention_scores=True)
    assert sym[0].shape == (None, 4, 3) and sym[1].shape == (None, 4, 6)
    np.testing.assert_array_equal(layer.compute_mask([q, v], [q_mask, v_mask]), q_mask)
    with pytest.raises(ValueError, match="list"):
        layer(q)


def test_attention_dropout_and_config(engine):
    q = _x(2, 3, 4)
    a, b = layers.Attention(dropout=0.5, seed=2), layers.Attention(dropout=0.5, seed=2)
    np.testing.assert_allclose(engine.to_numpy(a([q, q], training=True)), engine.to_numpy(b([q, q], training=True)))
    np.testing.assert_allclose(engine.to_numpy(a([q, q])), attention_ref(q, q)[0], rtol=1e-5, atol=1e-6)
    cfg = layers.Attention(use_scale=True, score_mode="concat", dropout=0.1, seed=3).get_config()
    assert layers.Attention.from_config(cfg).get_config() == cfg
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="additive")


# ------------------------------------------------------------ Transformer block
def test_transformer_block_trains_with_fit(engine):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6, 8)).astype("float32")
    y = (x[:, ::-1, :2].mean(1) + x[:, :, 3:4].max(1)).astype("float32")  # needs mixing over time

    inp = layers.Input((6, 8))
    att = layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.1, seed=1)(inp, inp)
    h = layers.LayerNormalization()(layers.Add()([inp, att]))
    ff = layers.Dense(8)(layers.Dense(16, activation="relu")(h))
    h = layers.LayerNormalization()(layers.add([h, ff]))
    out = layers.Dense(2)(layers.GlobalAveragePooling1D()(h))
    model = models.Model(inp, out)
    model.compile(optimizer=optimizers.Adam(learning_rate=3e-3), loss="mse")
    first = model.evaluate(x, y, batch_size=16, verbose=0)
    hist = model.fit(x, y, batch_size=16, epochs=8, verbose=0)
    losses = hist.history["loss"]
    assert np.isfinite(losses).all()
    assert model.evaluate(x, y, batch_size=16, verbose=0) < 0.6 * first, (first, losses)
