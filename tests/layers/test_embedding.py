"""Embedding and Masking on every engine: values, gradients (scatter-add of
repeated ids), masks, Keras 2 compatibility, configs, and Keras 3 as an oracle."""
import numpy as np
import pytest

from kerasette import config, layers, models

from .harness import check_layer


def _np(a):
    return config.active().to_numpy(a)


IDS = np.array([[1, 4, 4, 0], [3, 0, 2, 4]])  # repeated ids: gradients must sum


@pytest.mark.keras_oracle
def test_embedding_against_reference_fd_and_keras(engine, keras_module):
    layer = check_layer(lambda dt: layers.Embedding(5, 3, dtype=dt), IDS,
                        lambda x, w: w[0].astype(np.float64)[x], int_inputs=True,
                        keras_layer=lambda k: k.layers.Embedding(5, 3), keras_module=keras_module)
    assert [w.shape for w in layer.get_weights()] == [(5, 3)]
    assert np.abs(layer.get_weights()[0]).max() <= 0.05  # 'uniform' initializer


def test_embedding_on_1d_and_3d_ids(engine):
    check_layer(lambda dt: layers.Embedding(6, 2, dtype=dt), np.array([5, 0, 1]),
                lambda x, w: w[0][x], int_inputs=True)
    ids = np.arange(12).reshape(2, 3, 2) % 6
    check_layer(lambda dt: layers.Embedding(6, 2, dtype=dt), ids, lambda x, w: w[0][x],
                int_inputs=True, grad=False)


def test_embedding_float_ids_are_cast(engine):
    layer = layers.Embedding(5, 2)
    out = _np(layer(np.array([[1.0, 3.0]], "float32")))
    np.testing.assert_allclose(out, layer.get_weights()[0][[[1, 3]]])


def test_mask_zero(engine):
    layer = layers.Embedding(5, 2, mask_zero=True)
    x = engine.convert(IDS)
    assert _np(layer.compute_mask(x)).tolist() == (IDS != 0).tolist()
    assert layers.Embedding(5, 2).compute_mask(x) is None
    assert layer.supports_masking


def test_input_length_sets_the_input_shape(engine):
    model = models.Sequential([layers.Embedding(10, 4, input_length=6), layers.LSTM(3)])
    assert model.output_shape == (None, 3)
    assert _np(model(np.ones((2, 6), "int32"))).shape == (2, 3)


def test_embedding_lstm_dense_trains(engine):
    from kerasette.utils import set_random_seed
    set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(1, 8, size=(32, 5))
    x[::2, 3:] = 0
    y = (x[:, 0] > 4).astype("float32")
    model = models.Sequential([layers.Input((5,), dtype="int32"), layers.Embedding(8, 4, mask_zero=True),
                               layers.LSTM(4), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    hist = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    assert hist.history["loss"][-1] < hist.history["loss"][0]


@pytest.mark.keras_oracle
def test_masking_layer(engine, keras_module):
    x = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
    x[0, 1] = 0.0
    x[1, 3] = 0.0
    x[1, 0, 0] = 0.0  # one zero feature does not mask the step
    # no gradient check: a masked step sits on the mask's discontinuity
    check_layer(lambda dt: layers.Masking(0.0, dtype=dt), x, lambda x, w: x, grad=False,
                keras_layer=lambda k: k.layers.Masking(0.0), keras_module=keras_module)
    mask = _np(layers.Masking(0.0).compute_mask(engine.convert(x)))
    assert mask.tolist() == [[True, False, True, True], [True, True, True, False]]
    y = x.copy()
    y[0, 2] = -1.0
    out = _np(layers.Masking(-1.0)(y))
    assert (out[0, 2] == 0).all() and np.allclose(out[0, 0], y[0, 0])


def test_bad_arguments():
    with pytest.raises(ValueError, match="input_dim"):
        layers.Embedding(0, 3)
    with pytest.raises(ValueError, match="output_dim"):
        layers.Embedding(3, 2.5)


@pytest.mark.keras_oracle
def test_configs_round_trip_and_keras_reads_them(engine, keras_module):
    for layer in (layers.Embedding(7, 3, mask_zero=True, embeddings_initializer="he_normal"),
                  layers.Masking(-1.0)):
        cfg = layer.get_config()
        assert type(layer).from_config(cfg).get_config() == cfg
        kl = getattr(keras_module.layers, type(layer).__name__).from_config(cfg)
        for key in ("input_dim", "output_dim", "mask_zero", "mask_value"):
            if key in cfg:
                assert kl.get_config()[key] == cfg[key]


# ------------------------------------------------------- ReversibleEmbedding
HIDDEN = np.random.default_rng(3).normal(size=(2, 4, 3)).astype("float32")


@pytest.mark.keras_oracle
@pytest.mark.parametrize("kwargs", [{}, {"tie_weights": False}, {"logit_soft_cap": 2.0}],
                         ids=["tied", "untied", "soft_cap"])
def test_reversible_embedding_reverse_against_reference_fd_and_keras(engine, keras_module, kwargs):
    def reference(x, w):
        kernel = w[0].astype(np.float64).T if kwargs.get("tie_weights", True) else w[1]
        logits = x.astype(np.float64) @ kernel
        cap = kwargs.get("logit_soft_cap")
        return logits if cap is None else np.tanh(logits / cap) * cap

    layer = check_layer(lambda dt: layers.ReversibleEmbedding(5, 3, dtype=dt, **kwargs), HIDDEN,
                        reference, call_kwargs={"reverse": True},
                        keras_layer=lambda k: k.layers.ReversibleEmbedding(5, 3, **kwargs),
                        keras_module=keras_module)
    shapes = [w.shape for w in layer.get_weights()]
    assert shapes == ([(5, 3)] if kwargs.get("tie_weights", True) else [(5, 3), (3, 5)])


def test_reversible_embedding_forward_is_an_embedding_and_round_trips(engine, tmp_path):
    check_layer(lambda dt: layers.ReversibleEmbedding(5, 3, mask_zero=True, dtype=dt), IDS,
                lambda x, w: w[0].astype(np.float64)[x], int_inputs=True)
    ids = layers.Input((4,), dtype="int32")
    emb = layers.ReversibleEmbedding(5, 3, mask_zero=True, name="rev")
    logits = emb(emb(ids), reverse=True)
    assert tuple(logits.shape) == (None, 4, 5)
    model = models.Model(ids, logits)
    want = model.predict(IDS, verbose=0)
    assert want.shape == (2, 4, 5)
    model.save(str(tmp_path / "rev.keras"))
    np.testing.assert_allclose(models.load_model(str(tmp_path / "rev.keras")).predict(IDS, verbose=0),
                               want, rtol=1e-6)
    cfg = layers.ReversibleEmbedding(5, 3, tie_weights=False, logit_soft_cap=30.0).get_config()
    assert cfg["tie_weights"] is False and cfg["logit_soft_cap"] == 30.0
    assert layers.ReversibleEmbedding.from_config(cfg).get_config() == cfg
