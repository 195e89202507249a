"""``Lambda`` layers and safe mode, as Keras 3: a stored lambda is refused by default
(naming the layer and ``safe_mode=False``), rebuilt when safe mode is off, named
functions load through ``custom_objects``; files go both ways with Keras."""
import numpy as np
import pytest

from kerasette import config, layers, models, ops
from kerasette.saving.serialization_lib import get_custom_objects

X = np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3)


def double_it(x):
    return x * 2.0


def _model(fn):
    inp = layers.Input((3,))
    out = layers.Dense(2, name="d")(layers.Lambda(fn, name="tweak")(inp))
    return models.Model(inp, out)


def test_lambda_refused_by_default_then_loaded_without_safe_mode(engine, tmp_path):
    model = _model(lambda x: ops.square(x) + 1.0)
    path = tmp_path / "m.keras"
    model.save(path)
    with pytest.raises(ValueError, match="Lambda layer 'tweak'.*safe_mode=False"):
        models.load_model(path)
    again = models.load_model(path, safe_mode=False)
    np.testing.assert_allclose(again.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


def test_global_switch_and_named_functions(engine, tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    _model(lambda x: x * 3.0).save(path)
    monkeypatch.setitem(config._switches, "unsafe_deserialization", False)
    config.enable_unsafe_deserialization()
    assert models.load_model(path).predict(X, verbose=0).shape == (4, 2)
    monkeypatch.setitem(config._switches, "unsafe_deserialization", False)
    model = _model(double_it)
    model.save(path)
    with pytest.raises(ValueError, match="cannot find the function 'double_it'"):
        models.load_model(path)
    loaded = models.load_model(path, custom_objects={"double_it": double_it})
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
    get_custom_objects()["double_it"] = double_it
    try:
        assert models.load_model(path).layers[1].function is double_it
    finally:
        del get_custom_objects()["double_it"]


@pytest.mark.keras_oracle
def test_lambda_files_both_ways_with_keras(keras_module, tmp_path):
    # a lambda that names the global `keras` (as in user scripts): kerasette serves `keras.ops`
    fn = eval("lambda x: keras.ops.square(x) * 2.0", {"keras": keras_module})  # noqa: S307
    kmodel = keras_module.Sequential([keras_module.Input((3,)), keras_module.layers.Lambda(fn),
                                      keras_module.layers.Dense(2)])
    kmodel.save(tmp_path / "k.keras")
    with pytest.raises(ValueError, match="safe_mode=False"):
        models.load_model(tmp_path / "k.keras")
    ours = models.load_model(tmp_path / "k.keras", safe_mode=False)
    np.testing.assert_allclose(ours.predict(X, verbose=0), np.asarray(kmodel.predict(X, verbose=0)),
                               rtol=1e-5, atol=1e-6)
    mine = _model(lambda x: x * x * 2.0)  # Keras rebuilds lambdas with its own globals
    mine.save(tmp_path / "o.keras")
    theirs = keras_module.models.load_model(tmp_path / "o.keras", safe_mode=False)
    np.testing.assert_allclose(np.asarray(theirs.predict(X, verbose=0)), mine.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)
