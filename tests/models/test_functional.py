"""Functional graphs: branches, shared layers, nested models, graph introspection."""
import numpy as np
import pytest

from kerasette import layers, models


def test_layer_input_output_and_get_layer(engine):
    inp = layers.Input(shape=(3,), name="features")
    hidden = layers.Dense(4, name="hidden")
    out = layers.Dense(2, name="head")(hidden(inp))
    model = models.Model(inp, out)
    assert model.get_layer("hidden") is hidden
    assert hidden.input is inp and hidden.output.shape == (None, 4)
    assert [l.name for l in model.layers] == ["features", "hidden", "head"]
    assert model.inputs == [inp] and model.outputs == [out]
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")


def test_feature_extractor_shares_weights(engine):
    inp = layers.Input(shape=(3,))
    h = layers.Dense(4, name="h")(inp)
    out = layers.Dense(2)(h)
    model = models.Model(inp, out)
    features = models.Model(model.input, model.get_layer("h").output)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    w = model.get_layer("h").get_weights()
    np.testing.assert_allclose(features.predict(x, verbose=0), x @ w[0] + w[1], rtol=1e-5, atol=1e-6)


def test_symbolic_operators(engine):
    a = layers.Input(shape=(3,))
    b = layers.Input(shape=(3,))
    model = models.Model([a, b], (a + b) * 2.0 - b[:, :1])
    x1 = np.ones((2, 3), "float32")
    x2 = np.full((2, 3), 2.0, "float32")
    np.testing.assert_allclose(model.predict([x1, x2], verbose=0), (x1 + x2) * 2 - x2[:, :1])


def test_output_not_depending_on_inputs(engine):
    a = layers.Input(shape=(3,), name="a")
    b = layers.Input(shape=(3,), name="b")
    out = layers.Dense(1)(b)
    with pytest.raises(ValueError, match="'b'"):
        models.Model(a, out)


def test_unused_input_warns(engine):
    a = layers.Input(shape=(3,), name="a")
    b = layers.Input(shape=(3,), name="unused_b")
    with pytest.warns(UserWarning, match="unused_b"):
        models.Model([a, b], layers.Dense(1)(a))


def test_duplicate_layer_names(engine):
    inp = layers.Input(shape=(3,))
    x = layers.Dense(2, name="same")(inp)
    with pytest.raises(ValueError, match="same"):
        models.Model(inp, layers.Dense(2, name="same")(x))


def test_lambda_layer_shape_inference(engine):
    inp = layers.Input(shape=(4, 6))
    out = layers.Lambda(lambda t: t[:, ::2, :3])(inp)
    assert out.shape == (None, 2, 3)
