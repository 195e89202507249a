"""Image preprocessing and augmentation layers on every engine: Resizing / CenterCrop
against a NumPy float64 reference and Keras 3; affine augmentations with fixed
transforms (90 degree rotation, integer shifts, 2x zoom) against exact NumPy results
for each fill mode; identity at inference; one seed gives the same images on every
engine; shapes, configs, errors; a model with augmentation trains, saves and loads.
"""
import math

import numpy as np
import pytest

from kerasette import config, layers, models, saving
from kerasette.layers.preprocessing.portable_random import uniform

from .harness import check_config_read_by_keras

FILL_MODES = ["reflect", "wrap", "constant", "nearest"]
NP_PAD = {"reflect": "symmetric", "wrap": "wrap", "nearest": "edge", "constant": "constant"}


def _img(*shape, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, size=shape).astype("float32")


def _np(engine, y):
    return np.asarray(engine.to_numpy(y))


def _cf(x):  # NHWC -> NCHW (or HWC -> CHW)
    return np.moveaxis(x, -1, -3)


# ------------------------------------------------------------- references
def _ref_resize_axis(x, axis, size, interpolation):
    n = x.shape[axis]
    o = np.arange(size, dtype=np.float64)
    if interpolation == "nearest":
        return np.take(x, np.minimum(np.floor((o + 0.5) * n / size).astype(int), n - 1), axis=axis)
    src = (o + 0.5) * n / size - 0.5
    moved = np.moveaxis(x.astype(np.float64), axis, -1)
    out = np.apply_along_axis(lambda v: np.interp(src, np.arange(n), v), -1, moved)
    return np.moveaxis(out, -1, axis)


def _ref_resize(x, h, w, interpolation="bilinear"):
    return _ref_resize_axis(_ref_resize_axis(x, 1, h, interpolation), 2, w, interpolation)


def _ref_shift(x, dy, dx, mode, fill=0.0):
    """out[y, x] = in[y - dy, x - dx], outside fixed by ``mode`` (NHWC, integer shifts)."""
    p = max(abs(dy), abs(dx))
    kw = {"constant_values": fill} if mode == "constant" else {}
    padded = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)), mode=NP_PAD[mode], **kw)
    h, w = x.shape[1:3]
    return padded[:, p - dy:p - dy + h, p - dx:p - dx + w]


# ------------------------------------------------------------- deterministic
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("size", [(9, 11), (5, 6), (3, 4), (6, 3)], ids=["up", "same", "down", "mixed"])
def test_resizing_matches_reference(engine, interpolation, size):
    x = _img(2, 5, 6, 3)
    want = _ref_resize(x.astype(np.float64), *size, interpolation)
    got = _np(engine, layers.Resizing(*size, interpolation=interpolation)(x))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    got_cf = _np(engine, layers.Resizing(*size, interpolation=interpolation,
                                         data_format="channels_first")(_cf(x)))
    np.testing.assert_allclose(got_cf, _cf(want), rtol=1e-5, atol=1e-6)
    got_one = _np(engine, layers.Resizing(*size, interpolation=interpolation)(x[0]))
    np.testing.assert_allclose(got_one, want[0], rtol=1e-5, atol=1e-6)


def test_resizing_aspect_ratio_crop_and_pad(engine):
    x = _img(2, 4, 8, 1)
    got = _np(engine, layers.Resizing(4, 4, crop_to_aspect_ratio=True)(x))
    np.testing.assert_allclose(got, x[:, :, 2:6], atol=1e-6)  # centred 4x4 window, same size
    got = _np(engine, layers.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=-1.0)(x))
    want = np.pad(x, ((0, 0), (2, 2), (0, 0), (0, 0)), constant_values=-1.0)
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_center_crop(engine):
    x = _img(2, 6, 7, 3)
    np.testing.assert_array_equal(_np(engine, layers.CenterCrop(4, 3)(x)), x[:, 1:5, 2:5])
    np.testing.assert_array_equal(_np(engine, layers.CenterCrop(4, 3, data_format="channels_first")(_cf(x))),
                                  _cf(x[:, 1:5, 2:5]))
    np.testing.assert_array_equal(_np(engine, layers.CenterCrop(4, 3)(x[0])), x[0, 1:5, 2:5])
    # smaller than the target: crop to the aspect ratio, then resize (as Keras)
    small = _img(1, 4, 4, 1)
    np.testing.assert_allclose(_np(engine, layers.CenterCrop(8, 8)(small)), _ref_resize(small, 8, 8),
                               atol=1e-6)


# The oracle: Keras 3 in-process (on JAX or torch). Without antialiasing, bilinear and
# nearest resizing are the same formula in both, so 1e-5 holds when down-sampling too.
@pytest.mark.keras_oracle
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_resizing_and_center_crop_match_keras(engine, keras_module, interpolation):
    x = _img(2, 6, 8, 3)
    for size in [(12, 16), (6, 8), (4, 5), (9, 4)]:
        for kw in [{}, {"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True, "fill_value": 0.5}]:
            want = np.asarray(keras_module.layers.Resizing(*size, interpolation=interpolation, **kw)(x))
            got = _np(engine, layers.Resizing(*size, interpolation=interpolation, **kw)(x))
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=f"{size} {kw}")
    for size in [(4, 4), (6, 3), (10, 10)]:
        want = np.asarray(keras_module.layers.CenterCrop(*size)(x))
        np.testing.assert_allclose(_np(engine, layers.CenterCrop(*size)(x)), want, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------- affine, exact
@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_rotation_by_90_degrees(engine, fill_mode, interpolation):
    x = _img(2, 5, 5, 3)
    layer = layers.RandomRotation((0.25, 0.25), fill_mode=fill_mode, interpolation=interpolation, seed=1)
    np.testing.assert_allclose(_np(engine, layer(x, training=True)), np.rot90(x, 1, axes=(1, 2)), atol=1e-5)
    layer = layers.RandomRotation((0.25, 0.25), fill_mode=fill_mode, data_format="channels_first", seed=1)
    np.testing.assert_allclose(_np(engine, layer(_cf(x)[0], training=True)),
                               _cf(np.rot90(x, 1, axes=(1, 2)))[0], atol=1e-5)


@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_translation_by_whole_pixels(engine, fill_mode, interpolation):
    x = _img(2, 4, 4, 2)
    layer = layers.RandomTranslation((-0.25, -0.25), (0.5, 0.5), fill_mode=fill_mode,
                                     interpolation=interpolation, fill_value=0.5, seed=3)
    want = _ref_shift(x, -1, 2, fill_mode, fill=0.5)
    np.testing.assert_allclose(_np(engine, layer(x, training=True)), want, atol=1e-6)
    layer = layers.RandomTranslation((-0.25, -0.25), (0.5, 0.5), fill_mode=fill_mode, fill_value=0.5,
                                     data_format="channels_first", seed=3)
    np.testing.assert_allclose(_np(engine, layer(_cf(x), training=True)), _cf(want), atol=1e-6)


@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_zoom_out_by_two(engine, fill_mode):
    # extent factor 2 about the centre of a 5x5 image: out[y, x] = in[2y - 2, 2x - 2]
    x = _img(2, 5, 5, 1)
    layer = layers.RandomZoom((1.0, 1.0), fill_mode=fill_mode, fill_value=-1.0, seed=0)
    kw = {"constant_values": -1.0} if fill_mode == "constant" else {}
    padded = np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), mode=NP_PAD[fill_mode], **kw)
    want = padded[:, 0:9:2, 0:9:2]
    np.testing.assert_allclose(_np(engine, layer(x, training=True)), want, atol=1e-6)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_fixed_affine_matches_keras(engine, keras_module, fill_mode):
    kl = keras_module.layers
    x = _img(2, 6, 7, 3)
    pairs = [
        (layers.RandomRotation((0.1, 0.1), fill_mode=fill_mode, fill_value=0.3),
         kl.RandomRotation((0.1, 0.1), fill_mode=fill_mode, fill_value=0.3)),
        (layers.RandomTranslation((0.3, 0.3), (-0.15, -0.15), fill_mode=fill_mode),
         kl.RandomTranslation((0.3, 0.3), (-0.15, -0.15), fill_mode=fill_mode)),
        (layers.RandomZoom((-0.3, -0.3), (0.4, 0.4), fill_mode=fill_mode),
         kl.RandomZoom((-0.3, -0.3), (0.4, 0.4), fill_mode=fill_mode)),
    ]
    for ours, theirs in pairs:
        want = np.asarray(theirs(x, training=True))
        np.testing.assert_allclose(_np(engine, ours(x, training=True)), want, rtol=1e-5, atol=1e-5,
                                   err_msg=type(ours).__name__)


# ------------------------------------------------------------- random layers
RANDOM = {
    "flip": lambda **kw: layers.RandomFlip(**kw),
    "flip_h": lambda **kw: layers.RandomFlip("horizontal", **kw),
    "crop": lambda **kw: layers.RandomCrop(4, 3, **kw),
    "rotation": lambda **kw: layers.RandomRotation(0.2, **kw),
    "translation": lambda **kw: layers.RandomTranslation(0.2, 0.3, **kw),
    "zoom": lambda **kw: layers.RandomZoom(0.3, 0.2, **kw),
    "contrast": lambda **kw: layers.RandomContrast(0.5, value_range=(0, 1), **kw),
    "brightness": lambda **kw: layers.RandomBrightness(0.3, value_range=(0, 1), **kw),
}


def _on(name, fn):
    previous = config._active
    config.set_backend(name)
    try:
        return fn(config.active())
    finally:
        config._active = previous


@pytest.mark.parametrize("kind", sorted(RANDOM))
def test_random_layers_inference_training_and_seeds(engine, kind):
    x = _img(4, 6, 5, 3)
    layer = RANDOM[kind](seed=11)
    inferred = _np(engine, layer(x, training=False))
    if kind == "crop":  # inference: the largest centred 4:3 window (6x4), resized (as Keras)
        np.testing.assert_allclose(inferred, _ref_resize(x[:, :, 0:4], 4, 3), atol=1e-6)
    else:
        np.testing.assert_array_equal(inferred, x)
    out = _np(engine, layer(x, training=True))
    assert out.shape == tuple(layer.compute_output_shape(x.shape))
    assert not np.allclose(out, inferred), "training mode changes the images"
    again = _np(engine, RANDOM[kind](seed=11)(x, training=True))
    np.testing.assert_array_equal(again, out)
    # the same seed gives the same images on the NumPy engine
    ref = _on("numpy", lambda b: np.asarray(b.to_numpy(RANDOM[kind](seed=11)(x, training=True))))
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    # unbatched and channels-first inputs
    one = _np(engine, RANDOM[kind](seed=11)(x[0], training=True))
    assert one.shape == out.shape[1:]
    cf = _np(engine, RANDOM[kind](seed=11, data_format="channels_first")(_cf(x), training=True))
    np.testing.assert_allclose(cf, _cf(out), rtol=1e-5, atol=1e-5)


def test_flips_and_color_draws_per_image(engine):
    x = _img(64, 3, 3, 1)
    out = _np(engine, layers.RandomFlip("horizontal", seed=2)(x, training=True))
    flipped = np.all(out == x[:, :, ::-1], axis=(1, 2, 3))
    kept = np.all(out == x, axis=(1, 2, 3))
    assert np.all(flipped | kept) and 10 < flipped.sum() < 54
    out = _np(engine, layers.RandomBrightness((0.1, 0.2), value_range=(0, 10), seed=2)(x, training=True))
    delta = (out - x).reshape(64, -1)
    np.testing.assert_allclose(delta, delta[:, :1].repeat(9, axis=1), atol=1e-5)
    assert np.all((delta >= 1.0 - 1e-5) & (delta <= 2.0 + 1e-5))


def test_contrast_reference(engine):
    x = _img(3, 4, 4, 2)
    out = _np(engine, layers.RandomContrast((0.0, 0.0), value_range=(0, 1))(x, training=True))
    np.testing.assert_allclose(out, x, atol=1e-6)  # factor 1
    layer = layers.RandomContrast(0.5, value_range=(0, 1), seed=4)
    out = _np(engine, layer(x, training=True))
    mean = x.mean(axis=(1, 2), keepdims=True)
    # the layer's first draw uses its seed: scale = 1 + 0.5 * u (Keras 3 reads 0.5 as (0, 0.5))
    u = _np(engine, uniform(engine.convert(4, "int32"), (3,)))
    scale = 1.0 + 0.5 * u
    np.testing.assert_allclose(np.clip((x - mean) * scale[:, None, None, None] + mean, 0, 1), out,
                               atol=1e-5)


# ------------------------------------------------------------- shapes, configs, errors
ALL = [
    lambda: layers.Resizing(3, 4, interpolation="nearest", pad_to_aspect_ratio=True, fill_value=1.0),
    lambda: layers.CenterCrop(2, 3, data_format="channels_first"),
    lambda: layers.RandomFlip("vertical", seed=3),
    lambda: layers.RandomCrop(2, 2, seed=4),
    lambda: layers.RandomRotation((-0.2, 0.3), fill_mode="wrap", interpolation="nearest", seed=5),
    lambda: layers.RandomTranslation(0.1, (-0.2, 0.1), fill_mode="constant", fill_value=2.0),
    lambda: layers.RandomZoom(0.2, fill_mode="nearest"),
    lambda: layers.RandomContrast(0.4, value_range=(0, 1), seed=1),
    lambda: layers.RandomBrightness((-0.1, 0.3), value_range=(-1, 1)),
]


@pytest.mark.parametrize("make", ALL, ids=lambda m: "")
def test_config_round_trip_and_symbolic_shape(engine, make):
    layer = make()
    cfg = layer.get_config()
    clone = type(layer).from_config(cfg)
    assert clone.get_config() == cfg
    assert "data_format" in cfg
    sym = layer(layers.Input((6, 5, 3)))
    x = _img(2, 6, 5, 3)
    assert tuple(sym.shape[1:]) == _np(engine, layer(x, training=False)).shape[1:]


@pytest.mark.keras_oracle
@pytest.mark.parametrize("make", ALL, ids=lambda m: "")
def test_config_keys_match_keras(make, keras_module):
    check_config_read_by_keras(keras_module, make())


@pytest.mark.parametrize("make, message", [
    (lambda: layers.RandomRotation(1.5), "RandomRotation.*factor"),
    (lambda: layers.RandomRotation(0.1, fill_mode="mirror"), "RandomRotation.*fill_mode"),
    (lambda: layers.RandomTranslation(0.1, 2.0), "RandomTranslation.*width_factor"),
    (lambda: layers.RandomZoom(0.1, interpolation="bicubic"), "RandomZoom.*interpolation"),
    (lambda: layers.RandomZoom((0.1, 0.2, 0.3)), "RandomZoom.*height_factor"),
    (lambda: layers.RandomContrast(-0.2), "RandomContrast.*factor"),
    (lambda: layers.RandomBrightness(0.1, value_range=5), "RandomBrightness.*value_range"),
    (lambda: layers.RandomFlip("diagonal"), "RandomFlip.*mode"),
    (lambda: layers.Resizing(4, 4, interpolation="area"), "Resizing.*interpolation"),
    (lambda: layers.Resizing(0, 4), "Resizing.*height"),
    (lambda: layers.Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "Resizing"),
    (lambda: layers.CenterCrop(4, 4, data_format="nhwc"), "CenterCrop.*data_format"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# ------------------------------------------------------------- in a model
def test_augmented_model_trains_saves_and_loads(engine, tmp_path):
    rng = np.random.default_rng(0)
    x, y = _img(16, 8, 8, 3), rng.normal(size=(16, 2)).astype("float32")
    model = models.Sequential([
        layers.Input((8, 8, 3)),
        layers.RandomFlip(seed=1), layers.RandomRotation(0.1, seed=2), layers.RandomZoom(0.1, seed=3),
        layers.RandomTranslation(0.1, 0.1, seed=4), layers.RandomContrast(0.2, value_range=(0, 1), seed=5),
        layers.RandomBrightness(0.1, value_range=(0, 1), seed=6), layers.RandomCrop(6, 6, seed=7),
        layers.Resizing(8, 8), layers.CenterCrop(6, 6),
        layers.Conv2D(4, 3, activation="relu"), layers.Flatten(), layers.Dense(2),
    ])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert all(math.isfinite(v) for v in history.history["loss"])
    before = model.predict(x, verbose=0)
    path = str(tmp_path / "augmented.keras")
    model.save(path)
    loaded = saving.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), before)
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]
