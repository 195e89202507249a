"""Adaptive pooling layers through the generic harness, on every engine.

Reference: a direct loop in NumPy float64 over PyTorch-style bins,
``[floor(i * L / n), ceil((i + 1) * L / n))`` on each axis.
"""
import math

import numpy as np
import pytest

from kerasette import layers
from kerasette.layers.adaptive_pooling import adaptive_bins

from .harness import check_config_matches_keras, check_config_round_trip, check_layer


def _x(*shape, seed=0):
    # distinct values: max pooling has no ties, so finite differences are clean
    n = int(np.prod(shape))
    vals = np.random.default_rng(seed).permutation(n).astype("float32") / n - 0.5
    return vals.reshape(shape)


def adaptive_ref(x, output_size, mode, data_format="channels_last"):
    x = np.asarray(x, np.float64)
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    spatial = x.shape[1:-1]
    out = np.zeros((x.shape[0],) + tuple(output_size) + (x.shape[-1],))
    for idx in np.ndindex(*output_size):
        key = [slice(None)]
        for i, n, length in zip(idx, output_size, spatial):
            key.append(slice(math.floor(i * length / n), math.ceil((i + 1) * length / n)))
        win = x[tuple(key)].reshape(x.shape[0], -1, x.shape[-1])
        out[(slice(None),) + idx] = win.max(axis=1) if mode == "Max" else win.mean(axis=1)
    if data_format == "channels_first":
        out = np.moveaxis(out, -1, 1)
    return out


# (rank, spatial input shape, output_size): divisible, not divisible, output larger than input
CASES = [
    (1, (8,), 4), (1, (7,), 3), (1, (5,), 5), (1, (3,), 5),
    (2, (6, 4), (3, 2)), (2, (7, 5), 3), (2, (5, 6), (4, 4)), (2, (3, 4), (4, 6)),
    (3, (4, 4, 2), 2), (3, (5, 3, 4), (2, 2, 3)),
]


def _id(case):
    rank, spatial, size = case
    return f"{rank}d-{'x'.join(map(str, spatial))}-to-{size}"


@pytest.mark.keras_oracle
@pytest.mark.parametrize("mode", ["Max", "Average"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_adaptive_pooling(engine, keras_module, case, data_format, mode):
    rank, spatial, size = case
    cls = f"Adaptive{mode}Pooling{rank}D"
    shape = (2,) + spatial + (3,) if data_format == "channels_last" else (2, 3) + spatial
    out_size = (size,) * rank if isinstance(size, int) else size
    kwargs = dict(output_size=size, data_format=data_format)
    check_layer(lambda dt: getattr(layers, cls)(**kwargs, dtype=dt), _x(*shape),
                lambda x, w: adaptive_ref(x, out_size, mode, data_format),
                keras_layer=lambda k: getattr(k.layers, cls)(**kwargs), keras_module=keras_module)


def test_bins_match_the_formula():
    for length in range(1, 12):
        for n in range(1, 9):
            idx, valid = adaptive_bins(length, n)
            for i in range(n):
                want = list(range(math.floor(i * length / n), math.ceil((i + 1) * length / n)))
                assert list(idx[i][valid[i]]) == want, (length, n, i)
    # PyTorch's documented example: 10 -> 3 bins are [0, 4), [3, 7), [6, 10)
    idx, valid = adaptive_bins(10, 3)
    assert [list(r[v]) for r, v in zip(idx, valid)] == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]


def test_unknown_spatial_dims(engine):
    layer = layers.AdaptiveAveragePooling1D(4)
    assert layer(layers.Input(shape=(None, 3))).shape == (None, 4, 3)
    for length in (4, 9, 13):
        x = _x(2, length, 3)
        np.testing.assert_allclose(engine.to_numpy(layer(x)), adaptive_ref(x, (4,), "Average"),
                                   rtol=1e-5, atol=1e-6)
    inp = layers.Input(shape=(2, None, None))
    assert layers.AdaptiveMaxPooling2D((3, 5), data_format="channels_first")(inp).shape == (None, 2, 3, 5)


ALL = [(layers.AdaptiveMaxPooling1D, dict(output_size=3)),
       (layers.AdaptiveMaxPooling2D, dict(output_size=(2, 3), data_format="channels_first")),
       (layers.AdaptiveMaxPooling3D, dict(output_size=2)),
       (layers.AdaptiveAveragePooling1D, dict(output_size=[5], data_format="channels_first")),
       (layers.AdaptiveAveragePooling2D, dict(output_size=4)),
       (layers.AdaptiveAveragePooling3D, dict(output_size=(1, 2, 3)))]


@pytest.mark.parametrize("cls, kwargs", ALL, ids=[c.__name__ for c, _ in ALL])
def test_get_config_round_trip(cls, kwargs):
    check_config_round_trip(cls, kwargs)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("cls, kwargs", ALL, ids=[c.__name__ for c, _ in ALL])
def test_config_matches_keras(keras_module, cls, kwargs):
    check_config_matches_keras(keras_module, cls, kwargs)


def test_in_a_model_trains_and_saves(engine, tmp_path):
    from kerasette import models
    from kerasette.saving import load_model
    from kerasette.utils import set_random_seed
    set_random_seed(0)
    model = models.Sequential([layers.Input(shape=(None, 2)), layers.AdaptiveMaxPooling1D(3),
                               layers.Flatten(), layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = _x(4, 7, 2), np.arange(4, dtype="float32").reshape(4, 1)
    model.fit(x, y, epochs=2, batch_size=2, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_bad_arguments(engine):
    with pytest.raises(TypeError, match=r"AdaptiveMaxPooling2D 'amp'.*output_size.*2 integers.*\(1, 2, 3\)"):
        layers.AdaptiveMaxPooling2D((1, 2, 3), name="amp")
    with pytest.raises(TypeError, match=r"AdaptiveAveragePooling1D.*output_size.*'4'"):
        layers.AdaptiveAveragePooling1D("4")
    with pytest.raises(ValueError, match=r"AdaptiveAveragePooling3D 'aap'.*positive.*\(2, 0, 2\)"):
        layers.AdaptiveAveragePooling3D((2, 0, 2), name="aap")
    with pytest.raises(ValueError, match=r"AdaptiveMaxPooling1D 'amp1'.*data_format.*'nhwc'"):
        layers.AdaptiveMaxPooling1D(2, data_format="NHWC", name="amp1")
    with pytest.raises(ValueError, match=r"amp2.*expected ndim=4, found ndim=3"):
        layers.AdaptiveMaxPooling2D(2, name="amp2")(np.zeros((2, 5, 3), "float32"))
