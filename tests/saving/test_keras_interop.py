"""Files move both ways between kerasette and Keras 3 (the oracle, installed in the venv).

Models (``builders.ALL_BUILDERS``): Dense, Conv2D, Max/AveragePooling2D,
GlobalAveragePooling2D, BatchNormalization, Dropout, Flatten, Concatenate,
Embedding, LSTM, GRU, a nested Sequential, MultiHeadAttention, Bidirectional,
TimeDistributed and stacked GRU cells.

* a ``.keras`` file written by Keras loads in kerasette with Keras's
  predictions and optimizer state;
* a ``.keras`` file written by kerasette loads in Keras with kerasette's
  predictions and optimizer state;
* both write the same HDF5 datasets (paths and shapes);
* ``.weights.h5`` files load both ways.

The Keras half runs in a subprocess on Keras's PyTorch backend (``keras_side``):
eager, so it compiles nothing. The heavier models run on the NumPy and PyTorch
engines; engine independence of the files is covered by ``test_cross_engine``.
"""
import importlib.util
import io
import json
import os
import subprocess
import sys
import zipfile

import h5py
import numpy as np
import pytest

import kerasette
from kerasette import config, saving, utils

from ..conftest import ENGINES
from .builders import ALL_BUILDERS, perturb, step_optimizer

pytestmark = pytest.mark.keras_oracle

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAMES = list(ALL_BUILDERS)
CHEAP = ("mlp_sequential", "convnet_functional", "nested")
CASES = [(e, n) for e in ENGINES for n in NAMES if e != "jax" or n in CHEAP]


def _run_keras(*args):
    backend = "torch" if importlib.util.find_spec("torch") else "jax"
    env = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=ROOT)
    env.pop("KERASETTE_BACKEND", None)
    proc = subprocess.run([sys.executable, "-m", "tests.saving.keras_side", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise AssertionError(f"the Keras side failed:\n{proc.stderr[-4000:]}")


def _datasets(path):
    """``{dataset path: shape}`` of the weights in a ``.keras`` or ``.weights.h5`` file."""
    if str(path).endswith(".keras"):
        with zipfile.ZipFile(path) as zf:
            handle = io.BytesIO(zf.read("model.weights.h5"))
    else:
        handle = path
    out = {}
    with h5py.File(handle, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, tuple(obj.shape))
                     if isinstance(obj, h5py.Dataset) else None)
    return out


def _compile(model, name):
    """As ``keras_side`` compiles: objects in the mlp's compile config, names elsewhere."""
    if name == "mlp_sequential":
        model.compile(optimizer=kerasette.optimizers.SGD(0.05, momentum=0.9),
                      loss=kerasette.losses.MeanSquaredError(),
                      metrics=["mae", kerasette.metrics.RootMeanSquaredError()])
    else:
        model.compile(optimizer="adam", loss="mse")


@pytest.fixture(scope="module")
def keras_files(tmp_path_factory):
    """Folder with Keras-written ``<name>.keras``, ``<name>.weights.h5``, ``<name>.npz``."""
    folder = tmp_path_factory.mktemp("keras_written")
    _run_keras("write", str(folder))
    return folder


@pytest.fixture(scope="module")
def keras_reads(tmp_path_factory, keras_files):
    """What Keras computes from kerasette-written files, per (engine, builder) case."""
    folder = tmp_path_factory.mktemp("kerasette_written")
    previous = config._active
    manifest, expected = [], {}
    try:
        for engine_name, name in CASES:
            config.set_backend(engine_name)
            utils.set_random_seed(0)
            model, x = ALL_BUILDERS[name](kerasette)
            perturb(model, seed=5)
            _compile(model, name)
            step_optimizer(model)
            stem = folder / f"{engine_name}_{name}"
            model.save(f"{stem}.keras")
            np.savez(f"{stem}_in.npz", x=x)
            manifest.append({"kind": "model", "file": f"{stem}.keras", "inputs": f"{stem}_in.npz",
                             "result": f"{stem}_out.npz"})
            expected[(engine_name, name)] = {
                "y": model.predict(x, verbose=0), "result": f"{stem}_out.npz",
                "opt": [v.numpy() for v in model.optimizer.variables]}
            if name in ("convnet_functional", "rnn_sequential"):
                model.save_weights(f"{stem}.weights.h5")
                manifest.append({"kind": "weights", "builder": name, "file": f"{stem}.weights.h5",
                                 "inputs": f"{stem}_in.npz", "result": f"{stem}_wout.npz"})
                expected[(engine_name, name)]["weights_result"] = f"{stem}_wout.npz"
    finally:
        config._active = previous
    with open(folder / "manifest.json", "w") as f:
        json.dump(manifest, f)
    _run_keras("read", str(folder / "manifest.json"))
    return expected


@pytest.mark.parametrize("engine_name,name", CASES)
def test_keras_file_loads_in_kerasette(engine_name, name, keras_files):
    previous = config._active
    config.set_backend(engine_name)
    try:
        ref = np.load(keras_files / f"{name}.npz")
        model = saving.load_model(keras_files / f"{name}.keras")
        np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["y"], rtol=1e-5, atol=1e-5)
        assert model.compiled and int(model.optimizer.iterations) == 1
        if name == "mlp_sequential":
            assert isinstance(model.optimizer, kerasette.optimizers.SGD)
            assert model.optimizer.get_config()["momentum"] == 0.9
            assert isinstance(model.loss, kerasette.losses.MeanSquaredError)
            logs = model.evaluate(ref["x"], ref["y"], verbose=0, return_dict=True)
            assert {"loss", "mae", "root_mean_squared_error"} <= set(logs)
        else:
            assert isinstance(model.optimizer, kerasette.optimizers.Adam) and model.loss == "mse"
        state = [v.numpy() for v in model.optimizer.variables]
        assert len(state) == len([k for k in ref.files if k.startswith("opt_")])
        for i, s in enumerate(state):
            np.testing.assert_allclose(s, ref[f"opt_{i}"], rtol=1e-6)
    finally:
        config._active = previous


@pytest.mark.parametrize("engine_name,name", CASES)
def test_kerasette_file_loads_in_keras(engine_name, name, keras_reads):
    case = keras_reads[(engine_name, name)]
    got = np.load(case["result"])
    np.testing.assert_allclose(got["y"], case["y"], rtol=1e-5, atol=1e-5)
    assert int(got["iterations"]) == 2
    if name == "mlp_sequential":
        assert str(got["optimizer"]) == "SGD" and float(got["momentum"]) == 0.9
        assert str(got["loss"]) == "MeanSquaredError"
    else:
        assert str(got["optimizer"]) == "Adam" and str(got["loss"]) == "mse"
    assert len([k for k in got.files if k.startswith("opt_")]) == len(case["opt"])
    for i, s in enumerate(case["opt"]):
        np.testing.assert_allclose(got[f"opt_{i}"], s, rtol=1e-6)


@pytest.mark.parametrize("engine_name,name", [c for c in CASES
                                               if c[1] in ("convnet_functional", "rnn_sequential")])
def test_weights_files_both_ways(engine_name, name, keras_files, keras_reads):
    got = np.load(keras_reads[(engine_name, name)]["weights_result"])
    np.testing.assert_allclose(got["y"], keras_reads[(engine_name, name)]["y"], rtol=1e-5, atol=1e-5)

    previous = config._active
    config.set_backend(engine_name)
    try:
        ref = np.load(keras_files / f"{name}.npz")
        model, _ = ALL_BUILDERS[name](kerasette)
        model.load_weights(keras_files / f"{name}.weights.h5")
        np.testing.assert_allclose(model.predict(ref["x"], verbose=0), ref["y"], rtol=1e-5, atol=1e-5)
    finally:
        config._active = previous


@pytest.mark.parametrize("name", NAMES)
def test_same_hdf5_layout_as_keras(name, keras_files, tmp_path):
    previous = config._active
    config.set_backend("numpy")
    try:
        model, _ = ALL_BUILDERS[name](kerasette)
        _compile(model, name)
        step_optimizer(model, steps=1)
        model.save(tmp_path / "m.keras")
        model.save_weights(tmp_path / "m.weights.h5")
    finally:
        config._active = previous
    assert _datasets(tmp_path / "m.keras") == _datasets(keras_files / f"{name}.keras")
    assert _datasets(tmp_path / "m.weights.h5") == _datasets(keras_files / f"{name}.weights.h5")
