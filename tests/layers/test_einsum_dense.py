"""EinsumDense on every engine: float64 NumPy references, finite-difference gradients,
Keras 3's weight shapes and outputs (weights copied), configs, errors, and a saved model."""
import numpy as np
import pytest

import kerasette
from kerasette import initializers, layers, models

from .harness import check_layer

CASES = [("ab,bc->ac", (4,), None, (3, 5)),
         ("abc,cd->abd", (None, 4), "d", (2, 3, 5)),
         ("abc,cde->abde", (None, 2, 3), "de", (2, 3, 5)),
         ("abc,cde->abde", (None, 2, 3), "e", (2, 3, 5)),
         ("...b,bc->...c", 4, "c", (2, 3, 5)),
         ("abc...,cd->abd...", (3, 4), "d", (2, 3, 5, 2))]


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _ref(eq, x, w):
    out = np.einsum(eq, np.asarray(x, np.float64), np.asarray(w[0], np.float64))
    return out + w[1] if len(w) > 1 else out


@pytest.mark.keras_oracle
@pytest.mark.parametrize("eq,out_shape,bias_axes,x_shape", CASES)
def test_einsum_dense_reference_fd_and_keras(engine, keras_module, eq, out_shape, bias_axes, x_shape):
    x = _x(*x_shape)
    bias_init = initializers.RandomNormal(stddev=0.5, seed=1)

    def make(dt):
        return layers.EinsumDense(eq, out_shape, bias_axes=bias_axes, bias_initializer=bias_init,
                                  activation=None, dtype=dt)

    layer = check_layer(make, x, lambda x, w: _ref(eq, x, w), rtol=1e-4, atol=1e-5,
                        keras_layer=lambda k: k.layers.EinsumDense(eq, out_shape, bias_axes=bias_axes),
                        keras_module=keras_module)
    assert [w.name for w in layer.weights] == ["kernel"] + (["bias"] if bias_axes else [])


def test_einsum_dense_shapes_activation_and_fans(engine):
    layer = layers.EinsumDense("abc,cde->abde", (None, 2, 8), bias_axes="de", activation="relu")
    out = layer(_x(4, 5, 16))
    assert engine.shape(out) == (4, 5, 2, 8) and (engine.to_numpy(out) >= 0).all()
    assert layer.kernel.shape == (16, 2, 8) and layer.bias.shape == (2, 8)
    assert layers.EinsumDense("abc,cde->abde", (None, 2, 8), bias_axes="e")(_x(1, 5, 16)) is not None
    sym = layers.EinsumDense("abc,cd->abd", (None, 4))(layers.Input((None, 3)))
    assert sym.shape == (None, None, 4)
    # glorot fans over the contracted (16) and produced (2*8) axes, as Keras
    big = layers.EinsumDense("ab,bcd->acd", (64, 64), kernel_initializer=initializers.GlorotUniform(seed=0))
    big.build((None, 256))
    assert np.abs(big.kernel.numpy()).max() <= np.sqrt(6 / (256 + 64 * 64)) + 1e-7


def test_einsum_dense_errors_name_the_layer(engine):
    with pytest.raises(ValueError, match="EinsumDense 'ed_bad'.*invalid einsum equation"):
        layers.EinsumDense("ab->b", 3, name="ed_bad")
    with pytest.raises(ValueError, match="EinsumDense 'ed_bias'.*bias dimension 'z'"):
        layers.EinsumDense("ab,bc->ac", 3, bias_axes="z", name="ed_bias")(_x(2, 4))
    with pytest.raises(ValueError, match="EinsumDense 'ed_rank'.*rank 3"):
        layers.EinsumDense("abc,cd->abd", (None, 3), name="ed_rank")(_x(2, 4))
    with pytest.raises(ValueError, match="EinsumDense 'ed_shared'.*shared dimension"):
        layers.EinsumDense("abc,cd->abd", (7, 3), name="ed_shared")(_x(2, 4, 5))


@pytest.mark.keras_oracle
def test_einsum_dense_config_round_trip_and_keras(engine, keras_module):
    layer = layers.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de", activation="tanh",
                               kernel_regularizer="l2", name="ed_cfg")
    cfg = layer.get_config()
    again = layers.EinsumDense.from_config(cfg)
    assert again.get_config() == cfg
    kcfg = keras_module.layers.EinsumDense.from_config(cfg).get_config()
    for key in ("equation", "output_shape", "bias_axes", "activation"):
        assert kcfg[key] == cfg[key], key
    ours = layers.EinsumDense.from_config(
        keras_module.layers.EinsumDense("abc,cd->abd", (None, 4), bias_axes="d").get_config())
    assert ours.equation == "abc,cd->abd" and ours.partial_output_shape == (None, 4)


def test_einsum_dense_model_saves_and_loads(engine, tmp_path):
    inp = layers.Input((3, 5))
    h = layers.EinsumDense("abc,cde->abde", (None, 2, 4), bias_axes="de")(inp)
    out = layers.EinsumDense("abcd,cde->abe", (None, 2), bias_axes="e")(h)
    model = models.Model(inp, out)
    x = _x(2, 3, 5)
    model.save(tmp_path / "m.keras")
    again = kerasette.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
