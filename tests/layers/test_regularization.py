"""Regularization layers on every engine: inference is the identity, training draws
noise with the documented statistics, the same seed gives the same noise, gradients
follow the drawn noise, the layers train inside ``fit``'s pure step, and Keras 3
accepts their configs.
"""
import math

import numpy as np
import pytest

from kerasette import config, layers, models

from .harness import check_layer


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _out_and_input_grad(layer, x):
    """(output, d sum(output) / d x) from ONE training call, so both see the same noise."""
    b = config.active()

    def f(params):
        out = layer(params[0], training=True)
        return b.sum(out), out

    (_, out), (g,) = b.value_and_grad(f)([b.convert(x)])
    return np.asarray(b.to_numpy(out)), np.asarray(b.to_numpy(g))


RANDOM_LAYERS = [
    lambda dt=None, seed=1: layers.SpatialDropout1D(0.5, seed=seed, dtype=dt),
    lambda dt=None, seed=1: layers.GaussianNoise(0.5, seed=seed, dtype=dt),
    lambda dt=None, seed=1: layers.GaussianDropout(0.4, seed=seed, dtype=dt),
    lambda dt=None, seed=1: layers.AlphaDropout(0.3, seed=seed, dtype=dt),
]


@pytest.mark.parametrize("make", RANDOM_LAYERS, ids=["spatial1d", "gnoise", "gdropout", "alpha"])
def test_identity_in_inference_same_seed_same_noise(engine, make):
    x = _x(3, 4, 5)
    check_layer(lambda dt: make(dt), x, lambda x, w: x, rtol=0, atol=0)
    a, b = make(seed=7), make(seed=7)
    out_a, out_b = engine.to_numpy(a(x, training=True)), engine.to_numpy(b(x, training=True))
    np.testing.assert_array_equal(out_a, out_b)
    assert not np.allclose(out_a, x), "training mode adds noise"
    assert not np.array_equal(engine.to_numpy(a(x, training=True)), out_a), "each call draws anew"
    assert not np.array_equal(engine.to_numpy(make(seed=8)(x, training=True)), out_a)


def test_spatial_dropout_drops_whole_channels(engine):
    x = np.ones((64, 5, 8), "float32")
    out, grad = _out_and_input_grad(layers.SpatialDropout1D(0.5, seed=3), x)
    np.testing.assert_array_equal(out, out[:, :1, :].repeat(5, axis=1))  # same mask along time
    assert set(np.unique(out)) <= {0.0, 2.0}
    assert 0.4 < (out != 0).mean() < 0.6
    np.testing.assert_allclose(grad, out)  # d out / d x = keep / (1 - rate)

    x4 = np.ones((16, 3, 4, 6), "float32")
    out = engine.to_numpy(layers.SpatialDropout2D(0.5, seed=3)(x4, training=True))
    np.testing.assert_array_equal(out, np.broadcast_to(out[:, :1, :1, :], x4.shape))
    out = engine.to_numpy(layers.SpatialDropout2D(0.5, data_format="channels_first", seed=3)(x4, training=True))
    np.testing.assert_array_equal(out, np.broadcast_to(out[:, :, :1, :1], x4.shape))
    x5 = np.ones((8, 2, 2, 2, 5), "float32")
    out = engine.to_numpy(layers.SpatialDropout3D(0.5, seed=3)(x5, training=True))
    np.testing.assert_array_equal(out, np.broadcast_to(out[:, :1, :1, :1, :], x5.shape))
    with pytest.raises(ValueError, match="ndim=3"):
        layers.SpatialDropout1D(0.5)(np.ones((2, 3), "float32"))


def test_gaussian_noise_statistics_and_gradient(engine):
    x = _x(200, 50, seed=1)
    out, grad = _out_and_input_grad(layers.GaussianNoise(0.3, seed=5), x)
    noise = out - x
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.3) < 0.01
    np.testing.assert_allclose(grad, 1.0)


def test_gaussian_dropout_statistics_and_gradient(engine):
    x = np.full((200, 50), 2.0, "float32")
    out, grad = _out_and_input_grad(layers.GaussianDropout(0.2, seed=5), x)
    factor = out / 2.0
    assert abs(factor.mean() - 1.0) < 0.01
    assert abs(factor.std() - math.sqrt(0.2 / 0.8)) < 0.01
    np.testing.assert_allclose(grad, factor, rtol=1e-5)


def test_alpha_dropout_formula_and_self_normalization(engine):
    rate = 0.2
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    x = _x(400, 50, seed=2)
    out, grad = _out_and_input_grad(layers.AlphaDropout(rate, seed=9), x)
    kept = np.abs(out - (a * x + b)) < 1e-4
    dropped = np.abs(out - (a * alpha_p + b)) < 1e-4
    assert (kept | dropped).all()
    assert abs(dropped.mean() - rate) < 0.01
    np.testing.assert_allclose(grad, np.where(kept, a, 0.0), rtol=1e-5, atol=1e-6)
    assert abs(out.mean()) < 0.02 and abs(out.var() - 1.0) < 0.03  # SELU's fixed point kept


def test_alpha_dropout_noise_shape(engine):
    out = engine.to_numpy(layers.AlphaDropout(0.5, noise_shape=(None, 1, 4), seed=1)(
        np.ones((6, 3, 4), "float32"), training=True))
    np.testing.assert_array_equal(out, np.broadcast_to(out[:, :1, :], out.shape))


def test_activity_regularization_adds_loss(engine):
    x = _x(4, 3, seed=3)
    layer = layers.ActivityRegularization(l1=0.1, l2=0.2)
    out = layer(x)
    np.testing.assert_array_equal(engine.to_numpy(out), x)
    want = (0.1 * np.abs(x).sum() + 0.2 * (x.astype(np.float64) ** 2).sum()) / 4
    (loss,) = layer.losses
    np.testing.assert_allclose(float(engine.to_numpy(loss)), want, rtol=1e-5)
    model = models.Sequential([layers.Input((3,)), layers.ActivityRegularization(l2=0.5)])
    model.compile(loss="mse")
    got = model.evaluate(x, np.zeros_like(x), batch_size=4, verbose=0)
    np.testing.assert_allclose(got, (x.astype(np.float64) ** 2).mean() + 0.5 * (x.astype(np.float64) ** 2).sum() / 4,
                               rtol=1e-5)


def test_random_layers_train_inside_fit(engine):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4, 3)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    model = models.Sequential([layers.Input((4, 3)), layers.SpatialDropout1D(0.2, seed=1),
                               layers.GaussianNoise(0.1, seed=2), layers.Flatten(), layers.Dense(8),
                               layers.GaussianDropout(0.1, seed=3), layers.AlphaDropout(0.1, seed=4),
                               layers.ActivityRegularization(l2=1e-3), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    states = [g.state for layer in model.layers for g in layer._seed_generators]
    before = [int(s.numpy()[1]) for s in states]  # the (2,) state: [seed, counter]
    hist = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    assert [int(s.numpy()[1]) for s in states] == [v + 8 for v in before], "one seed per step, threaded"
    np.testing.assert_allclose(model.predict(x[:2], verbose=0), model.predict(x[:2], verbose=0))


def test_rate_validation(engine):
    for bad in (lambda: layers.GaussianDropout(1.0), lambda: layers.AlphaDropout(-0.1),
                lambda: layers.GaussianNoise(2.0), lambda: layers.SpatialDropout2D(1.5)):
        with pytest.raises(ValueError):
            bad()


@pytest.mark.keras_oracle
def test_configs_load_in_keras(engine, keras_module):
    for ours in (layers.SpatialDropout1D(0.3, seed=1), layers.SpatialDropout2D(0.3, data_format="channels_first"),
                 layers.SpatialDropout3D(0.2), layers.GaussianNoise(0.2, seed=3), layers.GaussianDropout(0.1),
                 layers.AlphaDropout(0.1, noise_shape=(None, 1, 3)), layers.ActivityRegularization(0.1, 0.2)):
        cfg = ours.get_config()
        theirs = getattr(keras_module.layers, type(ours).__name__).from_config(cfg)
        for key, value in theirs.get_config().items():
            if key in cfg and key not in ("dtype", "name"):
                assert cfg[key] == value, (type(ours).__name__, key, cfg[key], value)
        again = type(ours).from_config(cfg)
        assert again.get_config() == cfg
