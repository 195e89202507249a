"""Normalization, Rescaling, Discretization and CategoryEncoding on every engine:
values against NumPy float64 references, ``adapt`` against NumPy statistics,
Keras 3 (NumPy backend, in a subprocess) as an oracle, configs, saving, errors."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from kerasette import config, layers, models, ops

RNG = np.random.default_rng(0)
X = RNG.normal(2.0, 3.0, size=(16, 3)).astype("float32")


def _np(a):
    return np.asarray(config.active().to_numpy(a))


# ------------------------------------------------------------ Keras oracle
_ORACLE = """
import json, sys
import numpy as np
import keras
from keras.src.layers.preprocessing import discretization as kd
data = dict(np.load(sys.argv[1]))
cases = json.load(open(sys.argv[2]))
out = {}
for i, (cls, kwargs, adapt, x, call_kwargs) in enumerate(cases):
    if cls == "quantiles":
        summary = np.array([[], []], dtype="float32")
        for batch in np.array_split(data[adapt], kwargs["splits"]):
            summary = kd.merge_summaries(summary, kd.summarize(batch.astype("float32"),
                                         kwargs["epsilon"]), kwargs["epsilon"])
        out[str(i)] = kd.get_bin_boundaries(summary, kwargs["num_bins"])
        continue
    layer = getattr(keras.layers, cls)(**kwargs)
    if adapt is not None:
        layer.adapt(data[adapt])
    kw = {k: data[v] for k, v in call_kwargs.items()}
    out[str(i)] = keras.ops.convert_to_numpy(layer(data[x], **kw))
    out[f"{i}c"] = np.frombuffer(json.dumps(sorted(layer.get_config())).encode(), dtype=np.uint8)
np.savez(sys.argv[3], **out)
"""


@pytest.fixture(scope="module")
def keras_oracle_values(tmp_path_factory):
    """Keras's outputs (and config keys) for ``CASES``, computed once."""
    pytest.importorskip("keras")
    tmp = tmp_path_factory.mktemp("oracle")
    arrays = {"x": X, "ids": np.array([[0, 1, 3], [2, 2, 0]]), "ids1": np.array([[1], [3]]),
              "w": np.array([[0.5, 1.0, 2.0], [1.0, 3.0, 0.25]], "float32"),
              "wide": RNG.normal(size=(300,)).astype("float32"),
              "img": RNG.uniform(0, 255, size=(2, 4, 4, 3)).astype("float32")}
    np.savez(tmp / "in.npz", **arrays)
    (tmp / "cases.json").write_text(json.dumps(CASES))
    proc = subprocess.run([sys.executable, "-c", _ORACLE, str(tmp / "in.npz"), str(tmp / "cases.json"),
                           str(tmp / "out.npz")], env={**os.environ, "KERAS_BACKEND": "numpy"},
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        if "No module named 'keras'" in proc.stderr:
            pytest.skip("keras is not importable in a subprocess")
        raise RuntimeError(f"Keras oracle subprocess failed:\n{proc.stderr[-3000:]}")
    return arrays, dict(np.load(tmp / "out.npz"))


CASES = [
    ["Normalization", {}, "x", "x", {}],
    ["Normalization", {"axis": None}, "x", "x", {}],
    ["Normalization", {"mean": [1.0, 2.0, 3.0], "variance": [4.0, 1.0, 0.25]}, None, "x", {}],
    ["Normalization", {"mean": 2.0, "variance": 9.0, "invert": True}, None, "x", {}],
    ["Rescaling", {"scale": 1 / 127.5, "offset": -1.0}, None, "img", {}],
    ["Discretization", {"bin_boundaries": [-1.0, 0.0, 2.5]}, None, "x", {}],
    ["Discretization", {"bin_boundaries": [0.0, 2.0], "output_mode": "one_hot"}, None, "x", {}],
    ["Discretization", {"bin_boundaries": [0.0, 2.0], "output_mode": "multi_hot"}, None, "x", {}],
    ["Discretization", {"bin_boundaries": [0.0, 2.0], "output_mode": "count"}, None, "x", {}],
    ["CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"}, None, "ids1", {}],
    ["CategoryEncoding", {"num_tokens": 4, "output_mode": "multi_hot"}, None, "ids", {}],
    ["CategoryEncoding", {"num_tokens": 4, "output_mode": "count"}, None, "ids", {}],
    ["CategoryEncoding", {"num_tokens": 4, "output_mode": "count"}, None, "ids", {"count_weights": "w"}],
    ["quantiles", {"num_bins": 5, "epsilon": 0.01, "splits": 1}, "wide", None, {}],
    ["quantiles", {"num_bins": 4, "epsilon": 0.05, "splits": 3}, "wide", None, {}],
]


@pytest.mark.keras_oracle
def test_against_keras(engine, keras_oracle_values):
    arrays, want = keras_oracle_values
    for i, (cls, kwargs, adapt, x, call_kwargs) in enumerate(CASES):
        if cls == "quantiles":
            layer = layers.Discretization(num_bins=kwargs["num_bins"], epsilon=kwargs["epsilon"])
            layer.adapt(np.array_split(arrays[adapt], kwargs["splits"]))
            np.testing.assert_allclose(layer.bin_boundaries, want[str(i)], rtol=1e-6, err_msg=str(kwargs))
            continue
        layer = getattr(layers, cls)(**kwargs)
        if adapt is not None:
            layer.adapt(arrays[adapt])
        got = _np(layer(arrays[x], **{k: arrays[v] for k, v in call_kwargs.items()}))
        assert got.shape == want[str(i)].shape, (cls, kwargs)
        assert got.dtype == want[str(i)].dtype, (cls, kwargs, got.dtype)
        np.testing.assert_allclose(got, want[str(i)], rtol=1e-5, atol=1e-5, err_msg=f"{cls} {kwargs}")
        keras_keys = set(json.loads(want[f"{i}c"].tobytes().decode()))
        assert keras_keys <= set(layer.get_config()), (cls, keras_keys - set(layer.get_config()))


# --------------------------------------------------- float64 references
def test_normalization_adapt_matches_numpy(engine):
    layer = layers.Normalization()
    layer.adapt(X)
    np.testing.assert_allclose(layer.get_weights()[0], X.astype(np.float64).mean(0), rtol=1e-6)
    np.testing.assert_allclose(layer.get_weights()[1], X.astype(np.float64).var(0), rtol=1e-6)
    want = (X - X.mean(0, dtype=np.float64)) / X.std(0, dtype=np.float64)
    np.testing.assert_allclose(_np(layer(X)), want, rtol=1e-5, atol=1e-5)
    assert [w.shape for w in layer.get_weights()] == [(3,), (3,), ()]
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 3


def test_normalization_adapt_on_batches_and_axes(engine):
    x = RNG.normal(size=(10, 4, 2))
    layer = layers.Normalization(axis=(1, 2))
    layer.adapt(iter([x[:3], x[3:7], x[7:]]))  # a generator of batches
    np.testing.assert_allclose(layer.get_weights()[0], x.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.get_weights()[1], x.var(0), rtol=1e-5)
    scalar = layers.Normalization(axis=None)
    scalar.adapt([x[:5].astype("float32"), x[5:].astype("float32")])
    np.testing.assert_allclose(scalar.get_weights()[0], x.mean(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(scalar(x)), (x - x.mean()) / x.std(), rtol=1e-4, atol=1e-5)


def test_normalization_fixed_and_invert(engine):
    mean, var = np.array([1.0, -2.0, 0.5]), np.array([4.0, 0.25, 1.0])
    layer = layers.Normalization(mean=mean, variance=var)
    np.testing.assert_allclose(_np(layer(X)), (X - mean) / np.sqrt(var), rtol=1e-5, atol=1e-5)
    assert layer.weights == []
    inv = layers.Normalization(mean=mean, variance=var, invert=True)
    np.testing.assert_allclose(_np(inv(_np(layer(X)))), X, rtol=1e-5, atol=1e-5)


def test_rescaling_values(engine):
    img = RNG.uniform(0, 255, size=(2, 3, 3, 2)).astype("float32")
    np.testing.assert_allclose(_np(layers.Rescaling(1 / 255)(img)), img / 255.0, rtol=1e-6)
    scale = np.array([0.5, 2.0])
    layer = layers.Rescaling(scale, offset=1.0)
    np.testing.assert_allclose(_np(layer(img)), img * scale + 1.0, rtol=1e-6)
    back = layers.Rescaling.from_config(json.loads(json.dumps(layer.get_config())))
    np.testing.assert_allclose(_np(back(img)), img * scale + 1.0, rtol=1e-6)


def test_discretization_values_and_quantiles(engine):
    bounds = [-1.0, 0.0, 2.5]
    out = _np(layers.Discretization(bin_boundaries=bounds)(X))
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, np.digitize(X, bounds))
    data = RNG.uniform(size=(1000, 1))
    layer = layers.Discretization(num_bins=4, epsilon=0.001)
    layer.adapt(data)
    np.testing.assert_allclose(layer.bin_boundaries, np.quantile(data, [0.25, 0.5, 0.75]), atol=5e-3)
    counts = np.bincount(_np(layer(data)).ravel(), minlength=4)
    assert counts.min() > 230 and counts.max() < 270


def test_category_encoding_values(engine):
    ids = np.array([[0, 1, 3, 3], [2, 2, 0, 1]])
    w = RNG.uniform(size=ids.shape).astype("float32")
    onehot = np.eye(5)[ids]
    np.testing.assert_array_equal(_np(layers.CategoryEncoding(5, "one_hot")(ids)), onehot)
    np.testing.assert_array_equal(_np(layers.CategoryEncoding(5)(ids)), onehot.max(1))
    np.testing.assert_array_equal(_np(layers.CategoryEncoding(5, "count")(ids)), onehot.sum(1))
    got = _np(layers.CategoryEncoding(5, "count")(ids, count_weights=w))
    np.testing.assert_allclose(got, (onehot * w[..., None]).sum(1), rtol=1e-6)
    assert _np(layers.CategoryEncoding(5, "multi_hot")(np.array([1, 4]))).tolist() == [0, 1, 0, 0, 1]


# ----------------------------------------------------- config and saving
def _roundtrip(layer):
    cfg = json.loads(json.dumps(layer.get_config()))
    return type(layer).from_config(cfg)


def test_config_round_trips(engine):
    n = layers.Normalization(axis=(1,), mean=[1.0, 2.0, 3.0], variance=[1.0, 1.0, 4.0], invert=True)
    np.testing.assert_allclose(_np(_roundtrip(n)(X)), _np(n(X)))
    d = layers.Discretization(num_bins=3)
    d.adapt(X)
    d2 = _roundtrip(d)
    assert d2.bin_boundaries == d.bin_boundaries and d2.num_bins == 3
    np.testing.assert_array_equal(_np(d2(X)), _np(d(X)))
    c = layers.CategoryEncoding(6, output_mode="count")
    assert _roundtrip(c).get_config() == {**c.get_config(), "name": c.get_config()["name"]}


def test_model_saves_and_loads(engine, tmp_path):
    norm = layers.Normalization()
    norm.adapt(X)
    disc = layers.Discretization(num_bins=4, output_mode="one_hot")
    disc.adapt(X[:, :1])
    inp = layers.Input((3,))
    a = layers.Dense(2)(layers.Rescaling(0.5, offset=1.0)(norm(inp)))
    b = layers.CategoryEncoding(5, "one_hot")(layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])(
        layers.Dense(1)(inp)))
    c = disc(layers.Dense(1)(inp))
    model = models.Model(inp, layers.Concatenate()([a, b, c]))
    before = model.predict(X, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), before, rtol=1e-6)


def test_adapted_normalization_trains(engine):
    from kerasette.utils import set_random_seed
    set_random_seed(0)
    x = RNG.normal(50.0, 20.0, size=(64, 3)).astype("float32")
    y = (x @ np.array([0.05, -0.02, 0.01]) > 1.0).astype("float32")
    norm = layers.Normalization()
    norm.adapt(x)
    model = models.Sequential([layers.Input((3,)), norm, layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    hist = model.fit(x, y, epochs=4, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    np.testing.assert_allclose(norm.get_weights()[0], x.astype(np.float64).mean(0), rtol=1e-5)


# --------------------------------------------------------------- errors
def test_errors_name_the_layer_and_value(engine):
    with pytest.warns(UserWarning, match=r"Normalization 'norm_x' has not been adapted"):
        out = layers.Normalization(name="norm_x")(X)  # as Keras: passes inputs through
    np.testing.assert_allclose(np.asarray(ops.convert_to_numpy(out)), X, rtol=1e-6)
    with pytest.raises(ValueError, match=r"both `mean` and `variance`"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match=r"Discretization 'd'.*`output_mode`.*'one-hot'"):
        layers.Discretization(bin_boundaries=[0.0], output_mode="one-hot", name="d")
    with pytest.raises(ValueError, match=r"either `num_bins` or `bin_boundaries`"):
        layers.Discretization()
    with pytest.raises(ValueError, match=r"Discretization '.*':.*adapt"):
        layers.Discretization(num_bins=3)(X)
    with pytest.raises(ValueError, match=r"CategoryEncoding 'ce'.*`output_mode`.*'counts'"):
        layers.CategoryEncoding(3, output_mode="counts", name="ce")
    with pytest.raises(ValueError, match=r"num_tokens=0"):
        layers.CategoryEncoding(0)
    with pytest.raises(ValueError, match=r"count_weights"):
        layers.CategoryEncoding(4)(np.array([[1, 2]]), count_weights=np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"sparse=True"):
        layers.CategoryEncoding(4, sparse=True)
