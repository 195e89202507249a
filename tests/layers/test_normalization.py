"""Normalization layers on every engine: shapes, float64 NumPy references (Keras's
formulas), finite-difference gradients, BatchNormalization's moving statistics
through ``fit``'s pure train step, configs, and Keras 3 as an oracle.
"""
import numpy as np
import pytest

from kerasette import initializers, layers, models

from .harness import check_layer


def _x(*shape, seed=0, scale=1.0, shift=0.0):
    return (np.random.default_rng(seed).normal(size=shape) * scale + shift).astype("float32")


def _np(engine, a):
    return np.asarray(engine.to_numpy(a))


def _bn_kwargs():
    """Non-trivial initial weights, so the references see real gamma/beta/moving stats."""
    return dict(gamma_initializer=initializers.RandomUniform(0.5, 1.5, seed=1),
                beta_initializer=initializers.RandomNormal(stddev=0.5, seed=2),
                moving_mean_initializer=initializers.RandomNormal(stddev=1.0, seed=3),
                moving_variance_initializer=initializers.RandomUniform(0.5, 2.0, seed=4))


def _bn_ref(x, gamma, beta, mean, var, axis=-1, eps=1e-3):
    x = np.asarray(x, np.float64)
    shape = [1] * x.ndim
    shape[axis] = -1
    r = lambda v: np.asarray(v, np.float64).reshape(shape)  # noqa: E731
    return (x - r(mean)) / np.sqrt(r(var) + eps) * r(gamma) + r(beta)


def _batch_moments(x, axis=-1):
    x = np.asarray(x, np.float64)
    red = tuple(a for a in range(x.ndim) if a != axis % x.ndim)
    return x.mean(axis=red), x.var(axis=red)


# ---------------------------------------------------------------- BatchNormalization
@pytest.mark.keras_oracle
def test_batchnorm_inference_reference_fd_and_keras(engine, keras_module):
    def ref(x, w):
        return _bn_ref(x, *w)

    layer = check_layer(lambda dt: layers.BatchNormalization(dtype=dt, **_bn_kwargs()), _x(4, 3, shift=1.0),
                        ref, rtol=1e-4, keras_layer=lambda k: k.layers.BatchNormalization(),
                        keras_module=keras_module)
    assert [w.path.split("/")[-1] for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]


def test_batchnorm_training_uses_batch_stats_and_updates_moving(engine):
    x = _x(6, 3, seed=1, scale=2.0, shift=0.5)

    def ref(x, w):
        mean, var = _batch_moments(x)
        return _bn_ref(x, w[0], w[1], mean, var)

    check_layer(lambda dt: layers.BatchNormalization(momentum=0.8, dtype=dt, **_bn_kwargs()), x, ref,
                        training=True, rtol=1e-4, atol=1e-4)
    # one fresh training call: moving = moving * m + batch * (1 - m)
    bn = layers.BatchNormalization(momentum=0.8, **_bn_kwargs())
    bn(x, training=False)
    mm0, mv0 = bn.moving_mean.numpy(), bn.moving_variance.numpy()
    bn(x, training=True)
    mean, var = _batch_moments(x)
    np.testing.assert_allclose(bn.moving_mean.numpy(), mm0 * 0.8 + mean * 0.2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), mv0 * 0.8 + var * 0.2, rtol=1e-5, atol=1e-6)
    # inference leaves them alone
    bn(x, training=False)
    np.testing.assert_allclose(bn.moving_mean.numpy(), mm0 * 0.8 + mean * 0.2, rtol=1e-5, atol=1e-6)


def test_batchnorm_channels_first_axis(engine):
    x = _x(2, 3, 2, 2, seed=2, shift=1.0)

    def ref(x, w):
        mean, var = _batch_moments(x, axis=1)
        return _bn_ref(x, w[0], w[1], mean, var, axis=1)

    check_layer(lambda dt: layers.BatchNormalization(axis=1, dtype=dt, **_bn_kwargs()), x, ref,
                training=True, rtol=1e-4, atol=1e-4)
    check_layer(lambda dt: layers.BatchNormalization(axis=1, dtype=dt, **_bn_kwargs()), x,
                lambda x, w: _bn_ref(x, *w, axis=1), rtol=1e-4, grad=False)


def test_batchnorm_mask_leaves_padding_out_of_statistics(engine):
    x = _x(2, 4, 3, seed=3)
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
    bn = layers.BatchNormalization(momentum=0.0, center=False, scale=False)
    out = _np(engine, bn(x, training=True, mask=engine.convert(mask)))
    sel = x[mask].astype(np.float64)
    mean, var = sel.mean(0), sel.var(0)
    np.testing.assert_allclose(bn.moving_mean.numpy(), mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), var, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)


@pytest.mark.keras_oracle
def test_batchnorm_training_mode_matches_keras(engine, keras_module):
    x = _x(5, 4, seed=4, scale=3.0, shift=-1.0)
    ours = layers.BatchNormalization(momentum=0.7, epsilon=1e-2, **_bn_kwargs())
    ours(x, training=False)
    k = keras_module.layers.BatchNormalization(momentum=0.7, epsilon=1e-2)
    k(x)
    k.set_weights(ours.get_weights())
    out = _np(engine, ours(x, training=True))
    kout = keras_module.ops.convert_to_numpy(k(x, training=True))
    np.testing.assert_allclose(out, kout, rtol=1e-4, atol=1e-5)
    for mine, theirs in zip(ours.get_weights(), k.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


def test_batchnorm_moving_stats_through_fit_and_used_by_predict(engine):
    rng = np.random.default_rng(5)
    x = (rng.normal(size=(24, 3)) * [1.0, 2.0, 0.5] + [0.5, -1.0, 2.0]).astype("float32")
    y = rng.normal(size=(24, 3)).astype("float32")
    model = models.Sequential([layers.Input((3,)), layers.BatchNormalization(momentum=0.9)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    bn = model.layers[-1]
    mm, mv = np.zeros(3), np.ones(3)
    for _ in range(2):
        for s in range(0, 24, 8):
            mean, var = _batch_moments(x[s:s + 8])
            mm, mv = mm * 0.9 + mean * 0.1, mv * 0.9 + var * 0.1
    np.testing.assert_allclose(bn.moving_mean.numpy(), mm, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), mv, rtol=1e-4, atol=1e-5)
    gamma, beta = bn.gamma.numpy(), bn.beta.numpy()
    assert not np.allclose(gamma, 1.0), "gamma was trained"
    np.testing.assert_allclose(model.predict(x, verbose=0), _bn_ref(x, gamma, beta, mm, mv),
                               rtol=1e-4, atol=1e-4)


def test_frozen_batchnorm_runs_in_inference_mode(engine):
    x = _x(8, 3, seed=6, shift=2.0)
    bn = layers.BatchNormalization(**_bn_kwargs())
    bn(x, training=False)
    bn.trainable = False
    w = bn.get_weights()
    np.testing.assert_allclose(_np(engine, bn(x, training=True)), _bn_ref(x, *w), rtol=1e-4, atol=1e-4)
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4
    model = models.Sequential([layers.Input((3,)), bn])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros_like(x), batch_size=4, epochs=1, verbose=0)
    for before, after in zip(w, bn.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_batchnorm_config_and_errors(engine):
    bn = layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-4, center=False, name="bn_cfg")
    cfg = bn.get_config()
    again = layers.BatchNormalization.from_config(cfg)
    assert again.get_config() == cfg
    assert cfg["momentum"] == 0.9 and cfg["center"] is False
    bn(np.zeros((2, 4, 3), "float32"))
    assert [w.name for w in bn.weights] == ["gamma", "moving_mean", "moving_variance"]
    with pytest.raises(ValueError, match="bn_cfg"):
        bn(np.zeros((2, 5, 3), "float32"))
    with pytest.raises(ValueError, match="renorm"):
        layers.BatchNormalization(renorm=True)


# ---------------------------------------------------------------- LayerNormalization
def _ln_ref(x, gamma, beta, axes, eps=1e-3):
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    shape = [x.shape[a] if a in [a % x.ndim for a in axes] else 1 for a in range(x.ndim)]
    return (x - mean) / np.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape)


def _ln_kwargs():
    return dict(gamma_initializer=initializers.RandomUniform(0.5, 1.5, seed=1),
                beta_initializer=initializers.RandomNormal(stddev=0.5, seed=2))


@pytest.mark.keras_oracle
def test_layernorm_reference_fd_and_keras(engine, keras_module):
    check_layer(lambda dt: layers.LayerNormalization(dtype=dt, **_ln_kwargs()), _x(2, 3, 4, shift=1.0),
                lambda x, w: _ln_ref(x, w[0], w[1], (-1,)), rtol=1e-4, atol=1e-4,
                keras_layer=lambda k: k.layers.LayerNormalization(), keras_module=keras_module)


@pytest.mark.keras_oracle
def test_layernorm_over_several_axes(engine, keras_module):
    check_layer(lambda dt: layers.LayerNormalization(axis=[1, 2], epsilon=1e-2, dtype=dt, **_ln_kwargs()),
                _x(2, 3, 2, seed=1), lambda x, w: _ln_ref(x, w[0], w[1], (1, 2), eps=1e-2), rtol=1e-4,
                atol=1e-4, keras_layer=lambda k: k.layers.LayerNormalization(axis=[1, 2], epsilon=1e-2),
                keras_module=keras_module)


def test_layernorm_without_center_scale_and_config(engine):
    x = _x(3, 5, seed=2)
    layer = check_layer(lambda dt: layers.LayerNormalization(center=False, scale=False, dtype=dt), x,
                        lambda x, w: _ln_ref(x, np.ones(5), np.zeros(5), (-1,)), rtol=1e-4, atol=1e-4)
    assert layer.weights == []
    cfg = layers.LayerNormalization(axis=(1, 2), epsilon=1e-5).get_config()
    assert cfg["axis"] == [1, 2] and cfg["epsilon"] == 1e-5
    assert layers.LayerNormalization.from_config(cfg).get_config() == cfg


# ---------------------------------------------------------------- GroupNormalization
def _gn_ref(x, gamma, beta, groups, eps=1e-3):
    x = np.asarray(x, np.float64)
    b, c = x.shape[0], x.shape[-1]
    g = x.reshape(b, -1, groups, c // groups)
    mean = g.mean(axis=(1, 3), keepdims=True)
    var = g.var(axis=(1, 3), keepdims=True)
    out = ((g - mean) / np.sqrt(var + eps)).reshape(x.shape)
    return out * gamma + beta


@pytest.mark.keras_oracle
def test_groupnorm_reference_fd_and_keras(engine, keras_module):
    check_layer(lambda dt: layers.GroupNormalization(groups=2, dtype=dt, **_ln_kwargs()), _x(2, 3, 4, shift=1.0),
                lambda x, w: _gn_ref(x, w[0], w[1], 2), rtol=1e-4, atol=1e-4,
                keras_layer=lambda k: k.layers.GroupNormalization(groups=2), keras_module=keras_module)


@pytest.mark.keras_oracle
def test_groupnorm_instance_norm_on_images(engine, keras_module):
    layer = check_layer(lambda dt: layers.GroupNormalization(groups=-1, dtype=dt, **_ln_kwargs()),
                        _x(2, 2, 3, 3, seed=3), lambda x, w: _gn_ref(x, w[0], w[1], 3), rtol=1e-4, atol=1e-4,
                        keras_layer=lambda k: k.layers.GroupNormalization(groups=-1),
                        keras_module=keras_module)
    assert layer.groups == 3 and layer.get_config()["groups"] == 3


@pytest.mark.keras_oracle
def test_groupnorm_channels_first_axis(engine, keras_module):
    def ref(x, w):
        moved = _gn_ref(np.moveaxis(x, 1, -1), w[0], w[1], 2)
        return np.moveaxis(moved, -1, 1)

    check_layer(lambda dt: layers.GroupNormalization(groups=2, axis=1, dtype=dt, **_ln_kwargs()),
                _x(2, 4, 3, seed=5), ref, rtol=1e-4, atol=1e-4,
                keras_layer=lambda k: k.layers.GroupNormalization(groups=2, axis=1), keras_module=keras_module)


def test_groupnorm_errors_and_default(engine):
    assert layers.GroupNormalization().groups == 32
    with pytest.raises(ValueError, match="multiple"):
        layers.GroupNormalization(groups=3, name="gn_bad")(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="more than"):
        layers.GroupNormalization(groups=8)(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="groups"):
        layers.GroupNormalization(groups=0)


# ---------------------------------------------------------------- UnitNormalization
@pytest.mark.keras_oracle
def test_unitnorm_reference_fd_and_keras(engine, keras_module):
    def ref(x, w):
        x = np.asarray(x, np.float64)
        return x / np.sqrt((x ** 2).sum(-1, keepdims=True))

    check_layer(lambda dt: layers.UnitNormalization(dtype=dt), _x(3, 4), ref,
                keras_layer=lambda k: k.layers.UnitNormalization(), keras_module=keras_module)
    check_layer(lambda dt: layers.UnitNormalization(axis=[1, 2], dtype=dt), _x(2, 2, 3, seed=1),
                lambda x, w: x / np.sqrt((np.asarray(x, np.float64) ** 2).sum((1, 2), keepdims=True)),
                grad=False)
    with np.errstate(divide="ignore"):  # 1/sqrt(0) is capped at 1e12, as Keras
        out = engine.to_numpy(layers.UnitNormalization()(np.array([[3.0, 4.0], [0.0, 0.0]], "float32")))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    assert layers.UnitNormalization(axis=[1, 2]).get_config()["axis"] == [1, 2]


@pytest.mark.keras_oracle
def test_configs_load_in_keras(engine, keras_module):
    for ours in (layers.BatchNormalization(axis=1, momentum=0.9, center=False),
                 layers.LayerNormalization(axis=[1, 2], epsilon=1e-5),
                 layers.GroupNormalization(groups=4, epsilon=1e-4), layers.UnitNormalization(axis=1)):
        cfg = ours.get_config()
        theirs = getattr(keras_module.layers, type(ours).__name__).from_config(cfg).get_config()
        for key, value in cfg.items():
            if key not in ("dtype", "name") and key in theirs:
                assert theirs[key] == value or list(np.atleast_1d(theirs[key])) == list(np.atleast_1d(value)), \
                    (type(ours).__name__, key, value, theirs[key])
