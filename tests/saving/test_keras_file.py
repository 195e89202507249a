"""``model.save('x.keras')`` / ``load_model`` round trips on every engine."""
import json
import zipfile

import numpy as np
import pytest

import kerasette
from kerasette import layers, models, optimizers, saving, utils

from .builders import BUILDERS, convnet_functional, mlp_sequential, perturb, step_optimizer, \
    targets


def _prepare(model, optimizer="adam"):
    """Random weights, compiled, optimizer advanced two steps (no jit: fast on every engine)."""
    perturb(model)
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    step_optimizer(model)


def _same_values(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(np.asarray(u), np.asarray(v))


@pytest.mark.parametrize("name", list(BUILDERS))
def test_round_trip_restores_predictions_and_optimizer_state(engine, tmp_path, name):
    utils.set_random_seed(0)
    model, x = BUILDERS[name](kerasette)
    _prepare(model)
    path = tmp_path / "model.keras"
    model.save(path)

    loaded = saving.load_model(path)
    assert type(loaded) is type(model) and loaded.name == model.name
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    _same_values(loaded.get_weights(), model.get_weights())
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-7)
    assert int(loaded.optimizer.iterations) == 2
    _same_values([v.numpy() for v in loaded.optimizer.variables],
                 [v.numpy() for v in model.optimizer.variables])


def test_archive_members_and_metadata(engine, tmp_path):
    model, x = convnet_functional(kerasette)
    _prepare(model)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert zf.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        meta = json.loads(zf.read("metadata.json"))
        cfg = json.loads(zf.read("config.json"))
    assert meta["keras_version"].startswith("3.")
    assert meta["kerasette_version"] == kerasette.__version__
    assert meta["backend"] == engine.name and "date_saved" in meta
    assert cfg["class_name"] == "Functional" and cfg["module"] == "keras.src.models.functional"
    assert cfg["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert cfg["compile_config"]["loss"] == "mse"


def test_compile_config_restored(engine, tmp_path):
    model, x = mlp_sequential(kerasette)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.05, momentum=0.9),
                  loss=kerasette.losses.MeanSquaredError(), metrics=["mae", kerasette.metrics.RootMeanSquaredError()])
    y = targets(model.predict(x, verbose=0))
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    model.save(tmp_path / "m.keras")

    loaded = models.load_model(tmp_path / "m.keras")
    assert loaded.compiled
    assert isinstance(loaded.optimizer, optimizers.SGD)
    assert loaded.optimizer.get_config()["momentum"] == 0.9
    np.testing.assert_allclose(float(np.asarray(engine.to_numpy(loaded.optimizer.learning_rate))), 0.05,
                               rtol=1e-6)
    assert isinstance(loaded.loss, kerasette.losses.MeanSquaredError)
    logs_a = model.evaluate(x, y, verbose=0, return_dict=True)
    logs_b = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(logs_a) == sorted(logs_b)
    for key in logs_a:
        np.testing.assert_allclose(logs_b[key], logs_a[key], rtol=1e-5)

    plain = saving.load_model(tmp_path / "m.keras", compile=False)
    assert not plain.compiled and plain.optimizer is None


def _bn_net():
    # BatchNormalization, so non-trainable state moves too. (No bias right before it: its
    # gradient is rounding noise, which Adam amplifies, so runs would not be comparable.)
    return models.Sequential([layers.Input(shape=(4,)), layers.Dense(4, activation="tanh"),
                              layers.BatchNormalization(), layers.Dense(2)])


def test_resume_training_matches_uninterrupted(engine, tmp_path):
    x = np.random.default_rng(0).standard_normal((4, 4)).astype("float32")
    utils.set_random_seed(0)
    straight = _bn_net()
    utils.set_random_seed(0)
    first_half = _bn_net()
    y = targets(straight.predict(x, verbose=0))
    for m in (straight, first_half):
        m.compile(optimizer=optimizers.Adam(0.01), loss="mse")
    straight.fit(x, y, epochs=4, batch_size=2, shuffle=False, verbose=0)
    first_half.fit(x, y, epochs=2, batch_size=2, shuffle=False, verbose=0)
    first_half.save(tmp_path / "ckpt.keras")

    resumed = saving.load_model(tmp_path / "ckpt.keras")
    assert int(resumed.optimizer.iterations) == 4
    resumed.fit(x, y, epochs=2, batch_size=2, shuffle=False, verbose=0)
    assert int(resumed.optimizer.iterations) == 8
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_unbuilt_optimizer_and_uncompiled_model(engine, tmp_path):
    model, x = mlp_sequential(kerasette)
    model.save(tmp_path / "plain.keras")  # never compiled
    loaded = saving.load_model(tmp_path / "plain.keras")
    assert not loaded.compiled
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)

    model.compile("rmsprop", "mse")  # compiled, optimizer never stepped
    model.save(tmp_path / "compiled.keras")
    loaded = saving.load_model(tmp_path / "compiled.keras")
    assert loaded.compiled and int(loaded.optimizer.iterations) == 0


@saving.register_keras_serializable(package="kerasette_tests")
class TwoDense(models.Model):
    """A registered subclassed model."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = layers.Dense(4, activation="relu")
        self.head = layers.Dense(units)

    def call(self, x):
        return self.head(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_subclassed_model_round_trip(engine, tmp_path):
    utils.set_random_seed(1)
    model = TwoDense(units=2, name="two_dense")
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    model(x)
    _prepare(model)
    model.save(tmp_path / "sub.keras")
    loaded = saving.load_model(tmp_path / "sub.keras")
    assert isinstance(loaded, TwoDense) and loaded.units == 2
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    _same_values([v.numpy() for v in loaded.optimizer.variables],
                 [v.numpy() for v in model.optimizer.variables])


def test_save_rejects_other_extensions_and_respects_overwrite(engine, tmp_path):
    model, _ = mlp_sequential(kerasette)
    with pytest.raises(ValueError, match="legacy HDF5"):
        model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(tmp_path / "m.model")
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "m.keras", overwrite=False)


def test_sequential_built_from_data_and_unbuilt(engine, tmp_path):
    model = models.Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    with pytest.warns(UserWarning, match="not built"):
        model.save(tmp_path / "unbuilt.keras")
    unbuilt = saving.load_model(tmp_path / "unbuilt.keras")
    assert not unbuilt.built and len(unbuilt.layers) == 2

    x = np.ones((3, 5), "float32")
    expected = model.predict(x, verbose=0)  # builds from the data's shape
    model.save(tmp_path / "built.keras")
    loaded = saving.load_model(tmp_path / "built.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)
