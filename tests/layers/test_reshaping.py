"""Reshaping layers through the generic harness, on every engine."""
import numpy as np
import pytest

from kerasette import layers

from .harness import check_config_matches_keras, check_config_round_trip, check_layer


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _run(name, kwargs, x, ref, keras_module):
    check_layer(lambda dt: getattr(layers, name)(**kwargs, dtype=dt), x, ref,
                keras_layer=lambda k: getattr(k.layers, name)(**kwargs), keras_module=keras_module)


@pytest.mark.keras_oracle
def test_permute(engine, keras_module):
    _run("Permute", dict(dims=(2, 1)), _x(2, 3, 4), lambda x, w: x.transpose(0, 2, 1), keras_module)
    _run("Permute", dict(dims=(3, 1, 2)), _x(2, 3, 4, 5), lambda x, w: x.transpose(0, 3, 1, 2), keras_module)


@pytest.mark.keras_oracle
def test_repeat_vector(engine, keras_module):
    _run("RepeatVector", dict(n=3), _x(2, 4), lambda x, w: np.stack([x] * 3, axis=1), keras_module)


@pytest.mark.keras_oracle
def test_upsampling_nearest(engine, keras_module):
    _run("UpSampling1D", dict(size=3), _x(2, 4, 3), lambda x, w: x.repeat(3, axis=1), keras_module)
    _run("UpSampling2D", dict(size=(2, 3)), _x(2, 3, 4, 2),
         lambda x, w: x.repeat(2, axis=1).repeat(3, axis=2), keras_module)
    _run("UpSampling2D", dict(size=2, data_format="channels_first"), _x(2, 2, 3, 4),
         lambda x, w: x.repeat(2, axis=2).repeat(2, axis=3), keras_module)
    _run("UpSampling3D", dict(size=(1, 2, 3)), _x(2, 2, 3, 2, 2),
         lambda x, w: x.repeat(2, axis=2).repeat(3, axis=3), keras_module)
    _run("UpSampling3D", dict(size=2, data_format="channels_first"), _x(2, 2, 2, 3, 2),
         lambda x, w: x.repeat(2, axis=2).repeat(2, axis=3).repeat(2, axis=4), keras_module)


def _bilinear_ref(x, fh, fw):
    """Half-pixel-centre linear interpolation, edges clamped, one axis at a time."""
    def along(a, f, axis):
        n = a.shape[axis]
        src = np.clip((np.arange(n * f) + 0.5) / f - 0.5, 0, n - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, n - 1)
        shape = [1] * a.ndim
        shape[axis] = -1
        t = (src - lo).reshape(shape)
        return np.take(a, lo, axis=axis) * (1 - t) + np.take(a, hi, axis=axis) * t
    return along(along(x.astype(np.float64), fh, 1), fw, 2)


@pytest.mark.keras_oracle
def test_upsampling2d_bilinear(engine, keras_module):
    _run("UpSampling2D", dict(size=(2, 3), interpolation="bilinear"), _x(2, 3, 4, 2),
         lambda x, w: _bilinear_ref(x, 2, 3), keras_module)
    _run("UpSampling2D", dict(size=2, interpolation="bilinear", data_format="channels_first"), _x(1, 2, 3, 3),
         lambda x, w: np.moveaxis(_bilinear_ref(np.moveaxis(x, 1, -1), 2, 2), -1, 1), keras_module)


@pytest.mark.keras_oracle
def test_zero_padding(engine, keras_module):
    _run("ZeroPadding1D", dict(padding=(1, 2)), _x(2, 3, 2),
         lambda x, w: np.pad(x, ((0, 0), (1, 2), (0, 0))), keras_module)
    _run("ZeroPadding1D", dict(padding=2, data_format="channels_first"), _x(2, 3, 2),
         lambda x, w: np.pad(x, ((0, 0), (0, 0), (2, 2))), keras_module)
    _run("ZeroPadding2D", dict(padding=((1, 0), (2, 1))), _x(2, 3, 3, 2),
         lambda x, w: np.pad(x, ((0, 0), (1, 0), (2, 1), (0, 0))), keras_module)
    _run("ZeroPadding2D", dict(padding=(1, 2), data_format="channels_first"), _x(2, 2, 3, 3),
         lambda x, w: np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 2))), keras_module)
    _run("ZeroPadding3D", dict(padding=(1, 0, 2)), _x(2, 2, 2, 2, 1),
         lambda x, w: np.pad(x, ((0, 0), (1, 1), (0, 0), (2, 2), (0, 0))), keras_module)


@pytest.mark.keras_oracle
def test_cropping(engine, keras_module):
    _run("Cropping1D", dict(cropping=(1, 2)), _x(2, 6, 2), lambda x, w: x[:, 1:4], keras_module)
    _run("Cropping2D", dict(cropping=((1, 0), (1, 2))), _x(2, 4, 5, 2), lambda x, w: x[:, 1:, 1:3], keras_module)
    _run("Cropping2D", dict(cropping=1, data_format="channels_first"), _x(2, 2, 4, 5),
         lambda x, w: x[:, :, 1:3, 1:4], keras_module)
    _run("Cropping3D", dict(cropping=((1, 0), (0, 1), (1, 1))), _x(2, 3, 3, 4, 1),
         lambda x, w: x[:, 1:, :2, 1:3], keras_module)


def test_unknown_dims_stay_none(engine):
    inp = layers.Input(shape=(None, 4, 3))
    assert layers.UpSampling2D(2)(inp).shape == (None, None, 8, 3)
    assert layers.ZeroPadding2D(1)(inp).shape == (None, None, 6, 3)
    assert layers.Cropping2D(1)(inp).shape == (None, None, 2, 3)
    assert layers.Permute((3, 1, 2))(inp).shape == (None, 3, None, 4)
    assert layers.RepeatVector(5)(layers.Input(shape=(4,))).shape == (None, 5, 4)
    crop = layers.Cropping1D((1, 1))
    crop(layers.Input(shape=(None, 2)))
    assert engine.shape(crop(np.zeros((1, 5, 2), "float32"))) == (1, 3, 2)


ALL = [(layers.Permute, dict(dims=(2, 1))), (layers.RepeatVector, dict(n=2)),
       (layers.UpSampling1D, dict(size=3)), (layers.UpSampling2D, dict(size=(2, 3), interpolation="bilinear")),
       (layers.UpSampling3D, dict(size=2)), (layers.ZeroPadding1D, dict(padding=(1, 2))),
       (layers.ZeroPadding2D, dict(padding=(1, 2))), (layers.ZeroPadding3D, dict(padding=1)),
       (layers.Cropping1D, dict(cropping=(0, 2))), (layers.Cropping2D, dict(cropping=((1, 0), (2, 3)))),
       (layers.Cropping3D, dict(cropping=2, data_format="channels_first"))]


@pytest.mark.parametrize("cls, kwargs", ALL, ids=[c.__name__ for c, _ in ALL])
def test_get_config_round_trip(cls, kwargs):
    check_config_round_trip(cls, kwargs)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("cls, kwargs", ALL, ids=[c.__name__ for c, _ in ALL])
def test_config_matches_keras(keras_module, cls, kwargs):
    check_config_matches_keras(keras_module, cls, kwargs)


def test_bad_inputs(engine):
    with pytest.raises(ValueError, match=r"crop.*leaves nothing"):
        layers.Cropping2D(((2, 2), (0, 0)), name="crop")(np.zeros((1, 4, 4, 1), "float32"))
    with pytest.raises(ValueError, match=r"rv.*expected ndim=2, found ndim=3"):
        layers.RepeatVector(2, name="rv")(np.zeros((1, 4, 4), "float32"))
    with pytest.raises(ValueError, match=r"perm.*expected ndim=3, found ndim=4"):
        layers.Permute((2, 1), name="perm")(np.zeros((1, 2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="permutation"):
        layers.Permute((0, 1))
    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="lanczos9")
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding2D(((1, 1), (1, 1), (1, 1)))
    with pytest.raises(ValueError, match="up.*ndim=4"):
        layers.UpSampling2D(name="up")(layers.Input(shape=(3, 3)))
