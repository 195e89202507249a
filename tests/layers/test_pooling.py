"""Pooling layers through the generic harness, on every engine.

References: direct loops in NumPy float64 ('same' pads with -inf for max and
leaves padded cells out of each average, as TensorFlow/Keras).
"""
import numpy as np
import pytest

from kerasette import layers

from .harness import check_config_matches_keras, check_config_round_trip, check_layer


def _x(*shape, seed=0):
    # distinct values: max pooling has no ties, so finite differences are clean
    n = int(np.prod(shape))
    vals = np.random.default_rng(seed).permutation(n).astype("float32") / n - 0.5
    return vals.reshape(shape)


def _tup(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


def pool_ref(x, pool_size, strides=None, padding="valid", mode="max", data_format="channels_last"):
    x = np.asarray(x, np.float64)
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    nsp = x.ndim - 2
    window = _tup(pool_size, nsp)
    strides = window if strides is None else _tup(strides, nsp)
    ranges = []
    for n, k, s in zip(x.shape[1:-1], window, strides):
        if padding == "same":
            out = -(-n // s)
            before = max((out - 1) * s + k - n, 0) // 2
        else:
            out, before = (n - k) // s + 1, 0
        ranges.append([(max(o * s - before, 0), min(o * s - before + k, n)) for o in range(out)])
    result = np.zeros((x.shape[0],) + tuple(len(r) for r in ranges) + (x.shape[-1],))
    for idx in np.ndindex(*result.shape[1:-1]):
        key = (slice(None),) + tuple(slice(*ranges[a][i]) for a, i in enumerate(idx))
        win = x[key].reshape(x.shape[0], -1, x.shape[-1])
        result[(slice(None),) + idx] = win.max(axis=1) if mode == "max" else win.mean(axis=1)
    if data_format == "channels_first":
        result = np.moveaxis(result, -1, 1)
    return result


POOL_CASES = [
    dict(pool_size=2),
    dict(pool_size=3, strides=2),
    dict(pool_size=(2, 3), strides=(1, 2), padding="same"),
    dict(pool_size=3, strides=2, padding="same"),
    dict(pool_size=2, strides=1, padding="valid", data_format="channels_first"),
    dict(pool_size=2, padding="same", data_format="channels_first"),
]


def _id(case):
    return "-".join(f"{k}={v}" for k, v in case.items())


@pytest.mark.keras_oracle
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", POOL_CASES, ids=_id)
def test_pooling2d(engine, keras_module, case, mode):
    cls = "MaxPooling2D" if mode == "max" else "AveragePooling2D"
    x = _x(2, 3, 5, 5) if case.get("data_format") == "channels_first" else _x(2, 5, 5, 3)
    check_layer(lambda dt: getattr(layers, cls)(**case, dtype=dt), x,
                lambda x, w: pool_ref(x, case["pool_size"], case.get("strides"), case.get("padding", "valid"),
                                      mode, case.get("data_format", "channels_last")),
                keras_layer=lambda k: getattr(k.layers, cls)(**case), keras_module=keras_module)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", [dict(pool_size=2), dict(pool_size=3, strides=2, padding="same"),
                                  dict(pool_size=2, data_format="channels_first")], ids=_id)
def test_pooling1d(engine, keras_module, case, mode):
    cls = "MaxPooling1D" if mode == "max" else "AveragePooling1D"
    x = _x(2, 3, 7) if case.get("data_format") == "channels_first" else _x(2, 7, 3)
    check_layer(lambda dt: getattr(layers, cls)(**case, dtype=dt), x,
                lambda x, w: pool_ref(x, case["pool_size"], case.get("strides"), case.get("padding", "valid"),
                                      mode, case.get("data_format", "channels_last")),
                keras_layer=lambda k: getattr(k.layers, cls)(**case), keras_module=keras_module)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", [dict(pool_size=2), dict(pool_size=(2, 3, 2), strides=1, padding="same")],
                         ids=_id)
def test_pooling3d(engine, keras_module, case, mode):
    cls = "MaxPooling3D" if mode == "max" else "AveragePooling3D"
    check_layer(lambda dt: getattr(layers, cls)(**case, dtype=dt), _x(2, 4, 3, 4, 2),
                lambda x, w: pool_ref(x, case["pool_size"], case.get("strides"), case.get("padding", "valid"),
                                      mode),
                keras_layer=lambda k: getattr(k.layers, cls)(**case), keras_module=keras_module)


GLOBAL = [(1, (2, 5, 3)), (2, (2, 4, 5, 3)), (3, (2, 3, 4, 2, 3))]


@pytest.mark.keras_oracle
@pytest.mark.parametrize("mode", ["Max", "Average"])
@pytest.mark.parametrize("rank, shape", GLOBAL, ids=["1d", "2d", "3d"])
@pytest.mark.parametrize("data_format, keepdims", [("channels_last", False), ("channels_first", True)])
def test_global_pooling(engine, keras_module, mode, rank, shape, data_format, keepdims):
    cls = f"Global{mode}Pooling{rank}D"
    kwargs = dict(data_format=data_format, keepdims=keepdims)
    axes = tuple(range(1, rank + 1)) if data_format == "channels_last" else tuple(range(2, rank + 2))
    reduce = np.max if mode == "Max" else np.mean
    check_layer(lambda dt: getattr(layers, cls)(**kwargs, dtype=dt), _x(*shape),
                lambda x, w: reduce(x.astype(np.float64), axis=axes, keepdims=keepdims),
                keras_layer=lambda k: getattr(k.layers, cls)(**kwargs), keras_module=keras_module)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_average_pooling1d_mask(engine, keras_module, data_format):
    x = _x(2, 5, 3) if data_format == "channels_last" else _x(2, 3, 5)
    mask = np.array([[1, 1, 0, 1, 0], [1, 0, 0, 0, 0]], bool)
    layer = layers.GlobalAveragePooling1D(data_format=data_format)
    out = engine.to_numpy(layer(x, mask=engine.convert(mask)))
    xs = x if data_format == "channels_last" else np.moveaxis(x, 1, 2)
    want = (xs * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    assert layer.supports_masking and layer.compute_mask(x, mask) is None
    kout = keras_module.layers.GlobalAveragePooling1D(data_format=data_format)(x, mask=mask)
    np.testing.assert_allclose(out, keras_module.ops.convert_to_numpy(kout), rtol=1e-5, atol=1e-6)
    # the gradient of the masked mean, against finite differences / numpy
    check_layer(lambda dt: layers.GlobalAveragePooling1D(data_format=data_format, dtype=dt), x,
                lambda x, w: want, call_kwargs={"mask": mask})


def test_aliases():
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool1D is layers.AveragePooling1D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalMaxPool3D is layers.GlobalMaxPooling3D


def test_unknown_dims_and_output_shapes(engine):
    inp = layers.Input(shape=(None, 7, 3))
    assert layers.MaxPooling2D(3, strides=2)(inp).shape == (None, None, 3, 3)
    assert layers.AveragePooling2D(2, padding="same")(inp).shape == (None, None, 4, 3)
    assert layers.GlobalMaxPooling2D()(inp).shape == (None, 3)
    assert layers.GlobalAveragePooling2D(keepdims=True)(inp).shape == (None, 1, 1, 3)
    assert layers.MaxPooling1D()(layers.Input(shape=(None, 4))).shape == (None, None, 4)
    assert tuple(layers.MaxPooling3D(data_format="channels_first").compute_output_shape(
        (None, 2, 4, 5, 6))) == (None, 2, 2, 2, 3)


ALL_POOL = [(layers.MaxPooling1D, dict(pool_size=3, strides=1)),
            (layers.MaxPooling2D, dict(pool_size=(2, 3), padding="same")),
            (layers.MaxPooling3D, dict(data_format="channels_first")),
            (layers.AveragePooling1D, dict(pool_size=2)),
            (layers.AveragePooling2D, dict(pool_size=2, strides=1)),
            (layers.AveragePooling3D, dict(pool_size=2)),
            (layers.GlobalMaxPooling1D, dict(keepdims=True)),
            (layers.GlobalMaxPooling2D, dict(data_format="channels_first")),
            (layers.GlobalMaxPooling3D, dict()),
            (layers.GlobalAveragePooling1D, dict()),
            (layers.GlobalAveragePooling2D, dict(keepdims=True)),
            (layers.GlobalAveragePooling3D, dict())]


@pytest.mark.parametrize("cls, kwargs", ALL_POOL, ids=[c.__name__ for c, _ in ALL_POOL])
def test_get_config_round_trip(cls, kwargs):
    check_config_round_trip(cls, kwargs)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("cls, kwargs", ALL_POOL, ids=[c.__name__ for c, _ in ALL_POOL])
def test_config_matches_keras(keras_module, cls, kwargs):
    check_config_matches_keras(keras_module, cls, kwargs)


def test_pool_window_larger_than_input(engine):
    with pytest.raises(ValueError, match=r"MaxPooling2D 'mp'.*window \(3, 3\).*\(2, 5\).*empty"):
        layers.MaxPooling2D(3, name="mp")(np.zeros((1, 2, 5, 1), "float32"))
    with pytest.raises(ValueError, match=r"AveragePooling1D 'ap'.*window \(4,\)"):
        layers.AveragePooling1D(4, name="ap")(layers.Input(shape=(3, 2)))
    assert engine.shape(layers.MaxPooling2D(3, padding="same")(np.zeros((1, 2, 5, 1), "float32"))) == (1, 1, 2, 1)
    late = layers.MaxPooling2D(3, name="late_pool")
    late(layers.Input(shape=(None, None, 1)))
    with pytest.raises(ValueError, match=r"late_pool.*empty"):
        late(np.zeros((1, 2, 5, 1), "float32"))


def test_pool_rank_mismatch(engine):
    with pytest.raises(ValueError, match=r"mp2.*expected ndim=4, found ndim=3.*\(2, 5, 3\)"):
        layers.MaxPooling2D(name="mp2")(np.zeros((2, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r"gap.*expected ndim=3, found ndim=4"):
        layers.GlobalAveragePooling1D(name="gap")(np.zeros((2, 5, 3, 1), "float32"))
    with pytest.raises(ValueError, match="padding"):
        layers.MaxPooling2D(padding="causal")
