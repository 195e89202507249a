"""``save_weights`` / ``load_weights`` with ``.weights.h5`` files (Keras 3's layout)."""

import h5py
import numpy as np
import pytest

import kerasette
from kerasette import layers, models, utils

from .builders import convnet_functional, mlp_sequential, nested, perturb, step_optimizer


def _groups(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, tuple(obj.shape))
                     if isinstance(obj, h5py.Dataset) else None)
    return out


def test_weights_round_trip_into_a_fresh_model(engine, tmp_path):
    utils.set_random_seed(0)
    model, x = convnet_functional(kerasette)
    perturb(model)
    model.save_weights(tmp_path / "w.weights.h5")
    utils.set_random_seed(1)
    other, _ = convnet_functional(kerasette)
    other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_layout_follows_keras(engine, tmp_path):
    model, _ = nested(kerasette)
    model.compile("adam", "mse")
    step_optimizer(model, steps=1)
    model.save_weights(tmp_path / "w.weights.h5")
    got = _groups(tmp_path / "w.weights.h5")
    expected = {
        "layers/dense/vars/0": (4, 4), "layers/dense/vars/1": (4,),
        "layers/sequential/layers/dense/vars/0": (4, 3),
        "layers/sequential/layers/dense/vars/1": (3,),
        **{f"layers/sequential/layers/batch_normalization/vars/{i}": (3,) for i in range(4)},
        "layers/dense_1/vars/0": (3, 2), "layers/dense_1/vars/1": (2,),
        "optimizer/vars/0": (), "optimizer/vars/1": (),
    }
    for key, shape in expected.items():
        assert got[key] == shape, key
    # Adam: two slots per trainable variable, interleaved per variable, after iterations and lr
    n_trainable = len(model.trainable_variables)
    assert sum(k.startswith("optimizer/vars/") for k in got) == 2 + 2 * n_trainable
    assert got["optimizer/vars/2"] == got["optimizer/vars/3"] == (4, 4)
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert f["layers/sequential/vars"].attrs["name"] == "inner"
        assert f["optimizer/vars"].attrs["name"] == model.optimizer.name


def test_optimizer_state_travels_with_the_weights(engine, tmp_path):
    model, _ = mlp_sequential(kerasette)
    model.compile("adam", "mse")
    step_optimizer(model, steps=3)
    model.save_weights(tmp_path / "w.weights.h5")
    other, _ = mlp_sequential(kerasette)
    other.compile("adam", "mse")  # optimizer not built yet: loading builds it
    other.load_weights(tmp_path / "w.weights.h5")
    assert int(other.optimizer.iterations) == 3
    for a, b in zip(model.optimizer.variables, other.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_shape_mismatch_names_the_layer_and_both_shapes(engine, tmp_path):
    model = models.Sequential([layers.Input(shape=(6,)), layers.Dense(8, name="hidden"),
                               layers.Dense(3, name="out")])
    model.save_weights(tmp_path / "w.weights.h5")
    other = models.Sequential([layers.Input(shape=(6,)), layers.Dense(5, name="hidden"),
                               layers.Dense(3, name="out")])
    before = other.get_weights()
    with pytest.raises(ValueError) as err:
        other.load_weights(tmp_path / "w.weights.h5")
    message = str(err.value)
    assert "'hidden'" in message and "(6, 5)" in message and "(6, 8)" in message
    assert "w.weights.h5" in message
    for a, b in zip(before, other.get_weights()):  # nothing was assigned
        np.testing.assert_array_equal(a, b)

    with pytest.warns(UserWarning, match="skip"):
        other.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)


def test_variable_count_mismatch(engine, tmp_path):
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(2, use_bias=False)])
    model.save_weights(tmp_path / "w.weights.h5")
    other = models.Sequential([layers.Input(shape=(4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"has 2 variable\(s\).*file has 1"):
        other.load_weights(tmp_path / "w.weights.h5")


def test_weights_from_a_keras_archive(engine, tmp_path):
    model, x = mlp_sequential(kerasette)
    perturb(model)
    model.save(tmp_path / "m.keras")
    other, _ = mlp_sequential(kerasette)
    other.load_weights(tmp_path / "m.keras")
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_filename_and_build_rules(engine, tmp_path):
    model, _ = mlp_sequential(kerasette)
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(tmp_path / "w.h5")
    unbuilt = models.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="not built"):
        unbuilt.save_weights(tmp_path / "u.weights.h5")
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="not built"):
        unbuilt.load_weights(tmp_path / "w.weights.h5")
    with pytest.raises(FileExistsError):
        model.save_weights(tmp_path / "w.weights.h5", overwrite=False)
