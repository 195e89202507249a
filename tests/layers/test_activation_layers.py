"""Activation layers on every engine: values vs NumPy, finite-difference gradients,
Keras 3 as an oracle, Softmax masks, LeakyReLU's Keras 2 ``alpha``, PReLU's shared axes.
"""
import warnings

import numpy as np
import pytest

from kerasette import initializers, layers, models, optimizers

from .harness import check_layer


def _x(*shape, seed=0):
    x = np.random.default_rng(seed).normal(size=shape).astype("float32")
    return np.where(np.abs(x) < 0.05, 0.3, x).astype("float32")  # keep away from kinks for FD


def _relu_ref(x, max_value=None, negative_slope=0.0, threshold=0.0):
    x = np.asarray(x, np.float64)
    out = np.where(x > threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        out = np.minimum(out, max_value)
    return out


@pytest.mark.keras_oracle
@pytest.mark.parametrize("kwargs", [{}, {"max_value": 0.8}, {"negative_slope": 0.1},
                                    {"threshold": 0.5, "negative_slope": 0.2},
                                    {"max_value": 1.2, "threshold": 0.4}])
def test_relu(engine, keras_module, kwargs):
    x = _x(3, 5) * 1.5
    x = np.where(np.abs(x - kwargs.get("threshold", 0)) < 0.05, 0.7, x).astype("float32")
    x = np.where(np.abs(x - kwargs.get("max_value", 99)) < 0.05, 0.1, x).astype("float32")
    check_layer(lambda dt: layers.ReLU(dtype=dt, **kwargs), x, lambda x, w: _relu_ref(x, **kwargs),
                keras_layer=lambda k: k.layers.ReLU(**kwargs), keras_module=keras_module)


@pytest.mark.keras_oracle
def test_leaky_relu_and_elu(engine, keras_module):
    x = _x(3, 4)
    check_layer(lambda dt: layers.LeakyReLU(dtype=dt), x, lambda x, w: np.where(x >= 0, x, 0.3 * x),
                keras_layer=lambda k: k.layers.LeakyReLU(), keras_module=keras_module)
    check_layer(lambda dt: layers.LeakyReLU(negative_slope=0.05, dtype=dt), x,
                lambda x, w: np.where(x >= 0, x, 0.05 * x))
    check_layer(lambda dt: layers.ELU(alpha=0.7, dtype=dt), x,
                lambda x, w: np.where(x > 0, x, 0.7 * np.expm1(np.asarray(x, np.float64))),
                keras_layer=lambda k: k.layers.ELU(alpha=0.7), keras_module=keras_module)


def test_leaky_relu_accepts_keras2_alpha_with_warning(engine):
    with pytest.warns(DeprecationWarning, match="alpha"):
        layer = layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1 and layer.get_config()["negative_slope"] == 0.1
    out = engine.to_numpy(layer(np.array([[-2.0, 3.0]], "float32")))
    np.testing.assert_allclose(out, [[-0.2, 3.0]], rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layers.LeakyReLU(0.2)
    with pytest.raises(ValueError, match="negative_slope"):
        layers.LeakyReLU(-1.0)
    with pytest.raises(ValueError, match="max_value"):
        layers.ReLU(max_value=-1.0)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("shared_axes,alpha_shape", [(None, (3, 4)), ([1], (1, 4)), (1, (1, 4))])
def test_prelu(engine, keras_module, shared_axes, alpha_shape):
    init = initializers.RandomUniform(0.1, 0.5, seed=3)
    layer = check_layer(lambda dt: layers.PReLU(alpha_initializer=init, shared_axes=shared_axes, dtype=dt),
                        _x(2, 3, 4), lambda x, w: np.where(x > 0, x, w[0] * x),
                        keras_layer=lambda k: k.layers.PReLU(shared_axes=shared_axes), keras_module=keras_module)
    assert layer.alpha.shape == alpha_shape


def test_prelu_trains_with_fit_and_config(engine):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2)).astype("float32")
    y = np.where(x > 0, x, 0.25 * x).astype("float32")
    model = models.Sequential([layers.Input((2,)), layers.PReLU()])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.5), loss="mse")
    model.fit(x, y, batch_size=16, epochs=10, verbose=0)
    np.testing.assert_allclose(model.layers[0].alpha.numpy(), [0.25, 0.25], atol=0.01)
    cfg = layers.PReLU(shared_axes=[1, 2]).get_config()
    assert cfg["shared_axes"] == [1, 2]
    assert layers.PReLU.from_config(cfg).get_config() == cfg


def _softmax_ref(x, axis=-1, mask=None):
    x = np.asarray(x, np.float64)
    if mask is not None:
        x = np.where(mask, x, -1e9)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    out = e / e.sum(axis=axis, keepdims=True)
    return np.where(mask, out, 0.0) if mask is not None else out


@pytest.mark.keras_oracle
@pytest.mark.parametrize("axis", [-1, 1, (1, 2)])
def test_softmax(engine, keras_module, axis):
    check_layer(lambda dt: layers.Softmax(axis=axis, dtype=dt), _x(2, 3, 4), lambda x, w: _softmax_ref(x, axis),
                keras_layer=lambda k: k.layers.Softmax(axis=axis), keras_module=keras_module)


@pytest.mark.keras_oracle
def test_softmax_with_mask(engine, keras_module):
    x = _x(2, 3, 4)
    mask = np.array([[[1, 1, 0, 1]], [[0, 1, 1, 1]]], bool)  # broadcasts over axis 1
    out = check_layer(lambda dt: layers.Softmax(dtype=dt), x, lambda x, w: _softmax_ref(x, -1, mask),
                      call_kwargs={"mask": mask})
    got = engine.to_numpy(out(x, mask=engine.convert(mask)))
    assert (got[np.broadcast_to(~mask, got.shape)] == 0).all()
    k = keras_module.layers.Softmax()
    np.testing.assert_allclose(got, keras_module.ops.convert_to_numpy(k(x, mask=mask)), rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="broadcastable"):
        layers.Softmax()(x, mask=np.ones((2, 3, 5), bool))


def test_configs(engine):
    for layer in (layers.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5), layers.LeakyReLU(0.2),
                  layers.ELU(0.5), layers.Softmax(axis=(1, 2))):
        cfg = layer.get_config()
        assert type(layer).from_config(cfg).get_config() == cfg


@pytest.mark.keras_oracle
def test_configs_load_in_keras(engine, keras_module):
    for ours in (layers.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5), layers.LeakyReLU(0.2),
                 layers.PReLU(shared_axes=[1]), layers.ELU(0.5), layers.Softmax(axis=1)):
        cfg = ours.get_config()
        theirs = getattr(keras_module.layers, type(ours).__name__).from_config(cfg).get_config()
        for key, value in cfg.items():
            if key not in ("dtype", "name", "alpha_initializer") and key in theirs:
                assert theirs[key] == value, (type(ours).__name__, key, value, theirs[key])
