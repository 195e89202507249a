"""``clone_model``, ``model_from_json``/``to_json`` and ``input_shape``/``output_shape``,
as Keras 3, on every engine."""
import json

import numpy as np
import pytest

from kerasette import Input, layers, models

X = np.linspace(-1, 1, 24, dtype="float32").reshape(8, 3)


def _functional():
    inp = Input((3,), name="x")
    h = layers.Dense(5, activation="relu", name="hidden")(inp)
    return models.Model(inp, [layers.Dense(2, name="a")(h), layers.Dense(1, name="b")(h)], name="two_heads")


def test_clone_has_same_structure_and_new_weights(engine):
    model = _functional()
    twin = models.clone_model(model)
    assert [l.name for l in twin.layers] == [l.name for l in model.layers]
    assert all(a is not b for a, b in zip(twin.layers, model.layers))
    twin.set_weights(model.get_weights())
    for a, b in zip(twin.predict(X, verbose=0), model.predict(X, verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    seq = models.Sequential([Input((3,)), layers.Dense(4), layers.Dense(1)])
    seq_twin = models.clone_model(seq)
    assert isinstance(seq_twin, models.Sequential) and seq_twin.output_shape == (None, 1)


def test_clone_function_call_function_and_input_tensors(engine):
    model = _functional()
    frozen = models.clone_model(model, clone_function=lambda l: l.__class__.from_config(
        {**l.get_config(), "trainable": False}))
    assert not any(l.trainable_weights for l in frozen.layers)
    shared = models.clone_model(model, clone_function=lambda l: l)  # share every layer
    assert all(a is b for a, b in zip(shared.layers[1:], model.layers[1:]))
    calls = []
    models.clone_model(model, call_function=lambda layer, *a, **k: calls.append(layer.name) or layer(*a, **k))
    assert calls == ["hidden", "a", "b"]
    new_in = Input((3,), name="new_input")
    rebuilt = models.clone_model(model, input_tensors=new_in)
    assert rebuilt.inputs[0] is new_in
    with pytest.raises(ValueError, match="has 1 inputs; got 2"):
        models.clone_model(model, input_tensors=[new_in, Input((3,))])


def test_json_round_trip_and_shapes(engine):
    model = _functional()
    text = model.to_json(indent=1)
    assert json.loads(text)["class_name"] == "Functional"
    again = models.model_from_json(text)
    assert again.input_shape == (None, 3) and again.output_shape == [(None, 2), (None, 1)]
    with pytest.raises(ValueError, match="line 1, column"):
        models.model_from_json('{"class_name": "Functional", ')


@pytest.mark.keras_oracle
def test_json_both_ways_with_keras(keras_module):
    model = _functional()
    theirs = keras_module.models.model_from_json(model.to_json())
    assert theirs.output_shape == model.output_shape and theirs.input_shape == model.input_shape
    k = keras_module.Sequential([keras_module.Input((3,)), keras_module.layers.Dense(4, name="d")])
    ours = models.model_from_json(k.to_json())
    assert ours.output_shape == (None, 4) and ours.layers[-1].name == "d"
