"""A file saved on one engine loads on the others with the same weights and predictions."""
import numpy as np
import pytest

import kerasette
from kerasette import config, saving, utils

from ..conftest import ENGINES
from .builders import BUILDERS, perturb, step_optimizer


@pytest.fixture
def restore_engine():
    previous = config._active
    yield
    config._active = previous


@pytest.mark.parametrize("name", ["convnet_functional", "rnn_sequential"])
@pytest.mark.parametrize("source", ENGINES)
def test_file_from_one_engine_loads_on_all(restore_engine, tmp_path, source, name):
    config.set_backend(source)
    utils.set_random_seed(0)
    model, x = BUILDERS[name](kerasette)
    perturb(model)
    model.compile("adam", "mse")
    step_optimizer(model)
    expected = model.predict(x, verbose=0)
    weights = model.get_weights()
    opt_state = [v.numpy() for v in model.optimizer.variables]
    model.save(tmp_path / "m.keras")

    for target in ENGINES:
        config.set_backend(target)
        loaded = saving.load_model(tmp_path / "m.keras")
        for a, b in zip(weights, loaded.get_weights()):
            np.testing.assert_array_equal(a, b)  # bit-identical weights
        for a, v in zip(opt_state, loaded.optimizer.variables):
            np.testing.assert_array_equal(a, v.numpy())
        # float32 kernels differ between engines in the last bits only
        np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6,
                                   err_msg=f"saved on {source}, loaded on {target}")


@pytest.mark.skipif(len(ENGINES) < 2, reason="needs two engines")
def test_saving_while_another_engine_is_active(restore_engine, tmp_path):
    import json
    import zipfile
    first, second = ENGINES[0], ENGINES[1]
    config.set_backend(first)
    model, x = BUILDERS["mlp_sequential"](kerasette)
    model.compile("adam", "mse")
    step_optimizer(model)
    expected = model.predict(x, verbose=0)
    config.set_backend(second)  # the model still belongs to the first engine
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    model.load_weights(tmp_path / "m.weights.h5")
    meta = json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("metadata.json"))
    assert meta["backend"] == first
    loaded = saving.load_model(tmp_path / "m.keras")  # built on the active (second) engine
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
