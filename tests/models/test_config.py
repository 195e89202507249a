"""get_config/from_config of models: the rebuilt model computes the same function."""
import json

import numpy as np

from kerasette import layers, models
from kerasette.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


def _same(m1, m2, x):
    m2.set_weights(m1.get_weights())
    np.testing.assert_allclose(m1.predict(x, verbose=0), m2.predict(x, verbose=0), rtol=1e-6)


def test_sequential_round_trip(engine):
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3, activation="relu"),
                               layers.Dropout(0.2), layers.Dense(2, activation="softmax")])
    cfg = json.loads(json.dumps(model.get_config()))
    clone = models.Sequential.from_config(cfg)
    assert [type(l).__name__ for l in clone.layers] == ["Dense", "Dropout", "Dense"]
    _same(model, clone, np.ones((2, 4), "float32"))


def test_functional_round_trip_with_shared_layer_and_branches(engine):
    a = layers.Input(shape=(4,), name="a")
    b = layers.Input(shape=(4,), name="b")
    shared = layers.Dense(3, name="shared")
    merged = layers.Dense(2, name="head")(layers.Dense(3, name="join")(shared(a)) + shared(b))
    model = models.Model([a, b], merged, name="two_towers")
    cfg = json.loads(json.dumps(serialize_keras_object(model)))
    assert cfg["class_name"] == "Functional"
    clone = deserialize_keras_object(cfg)
    assert clone.name == "two_towers"
    assert len(clone.weights) == len(model.weights)
    x = [np.ones((2, 4), "float32"), np.full((2, 4), 0.5, "float32")]
    _same(model, clone, x)


def test_nested_model_round_trip(engine):
    inner_in = layers.Input(shape=(3,))
    inner = models.Model(inner_in, layers.Dense(2, name="inner_dense")(inner_in), name="inner")
    outer_in = layers.Input(shape=(3,))
    outer = models.Model(outer_in, layers.Dense(1)(inner(outer_in)), name="outer")
    clone = models.Model.from_config(json.loads(json.dumps(outer.get_config())))
    _same(outer, clone, np.ones((2, 3), "float32"))
