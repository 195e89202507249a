"""More Keras 3 image layers on every engine: Pipeline and the colour layers.

Fixed settings (factors that make the transform deterministic) against exact NumPy
references; Keras 3 as the oracle where its numbers are reachable; identity at
inference; one seed gives the same images on every engine; configs, shapes, errors.
"""
import numpy as np
import pytest

from kerasette import config, layers
from kerasette.layers.preprocessing.image_color import GRAY_WEIGHTS

from .harness import check_config_read_by_keras


def _img(*shape, seed=0, high=1.0):
    return np.random.default_rng(seed).uniform(0, high, size=shape).astype("float32")


def _np(engine, y):
    return np.asarray(engine.to_numpy(y))


def _cf(x):
    return np.moveaxis(x, -1, -3)


def _on(name, fn):
    previous = config._active
    config.set_backend(name)
    try:
        return fn(config.active())
    finally:
        config._active = previous


def _gray(x):
    return np.repeat((x.astype(np.float64) @ np.array(GRAY_WEIGHTS))[..., None], 3, axis=-1)


def _smooth(x):  # Keras's 3x3 sharpness kernel, zero padding, float64
    a, m = 1 / 13, 5 / 13
    k = np.array([[a, a, a], [a, m, a], [a, a, a]])
    p = np.pad(x.astype(np.float64), ((0, 0), (1, 1), (1, 1), (0, 0)))
    h, w = x.shape[1:3]
    return sum(k[i, j] * p[:, i:i + h, j:j + w] for i in range(3) for j in range(3))


# ------------------------------------------------------------- Pipeline
def test_pipeline_applies_in_order_and_round_trips(engine):
    x = _img(2, 5, 5, 3)
    pipe = layers.Pipeline([layers.RandomInvert((1.0, 1.0), value_range=(0, 1)),
                            layers.Rescaling(2.0), layers.CenterCrop(3, 3)], name="pipe")
    want = (1.0 - x)[:, 1:4, 1:4] * 2.0
    np.testing.assert_allclose(_np(engine, pipe(x)), want, atol=1e-6)  # training default True
    np.testing.assert_allclose(_np(engine, pipe(x, training=False)), x[:, 1:4, 1:4] * 2, atol=1e-6)
    cfg = pipe.get_config()
    assert cfg["name"] == "pipe" and [c["class_name"] for c in cfg["layers"]] == \
        ["RandomInvert", "Rescaling", "CenterCrop"]
    clone = layers.Pipeline.from_config(cfg)
    np.testing.assert_allclose(_np(engine, clone(x)), want, atol=1e-6)
    strip = lambda c: [{k: v for k, v in e.items() if k != "build_config"} for e in c["layers"]]  # noqa: E731
    assert strip(clone.get_config()) == strip(cfg)
    assert len(pipe.layers) == 3
    assert tuple(pipe(layers.Input((5, 5, 3))).shape[1:]) == (3, 3, 3)


def test_pipeline_bad_layers():
    with pytest.raises(ValueError, match="Pipeline.*layers"):
        layers.Pipeline("flip")
    with pytest.raises(ValueError, match="Pipeline.*layers"):
        layers.Pipeline.from_config({"name": "p", "layers": None})


@pytest.mark.keras_oracle
def test_pipeline_config_keys_match_keras(keras_module):
    theirs = keras_module.layers.Pipeline([keras_module.layers.Rescaling(2.0)], name="p").get_config()
    assert set(layers.Pipeline([layers.Rescaling(2.0)], name="p").get_config()) == set(theirs)


# ------------------------------------------------------------- fixed settings, exact
def test_grayscale_and_invert_fixed(engine):
    x = _img(3, 4, 5, 3)
    out = _np(engine, layers.RandomGrayscale(1.0)(x, training=True))
    np.testing.assert_allclose(out, _gray(x), atol=1e-6)
    np.testing.assert_array_equal(_np(engine, layers.RandomGrayscale(0.0)(x, training=True)), x)
    out = _np(engine, layers.RandomGrayscale(1.0, data_format="channels_first")(_cf(x)[0], training=True))
    np.testing.assert_allclose(out, _cf(_gray(x))[0], atol=1e-6)
    x255 = x * 255
    np.testing.assert_allclose(_np(engine, layers.RandomInvert((1.0, 1.0))(x255, training=True)),
                               255 - x255, atol=1e-4)
    np.testing.assert_array_equal(_np(engine, layers.RandomInvert((0.0, 0.0))(x255, training=True)), x255)


@pytest.mark.parametrize("threshold", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("addition", [0.0, 0.2])
def test_solarization_fixed(engine, threshold, addition):
    x = _img(2, 4, 4, 3, high=2.0) - 1.0  # value_range (-1, 1)
    layer = layers.Solarization((addition, addition), (threshold, threshold), value_range=(-1, 1))
    v = np.clip((x.astype(np.float64) + 1) * 127.5 + addition * 255, 0, 255)
    want = np.where(v < threshold * 255, v, 255 - v) / 127.5 - 1
    np.testing.assert_allclose(_np(engine, layer(x, training=True)), want, atol=1e-5)


@pytest.mark.parametrize("bits", [1, 3, 8])
def test_posterization_fixed(engine, bits):
    x = _img(2, 4, 4, 3, high=256.0)
    got = _np(engine, layers.RandomPosterization((bits, bits))(x, training=True))
    q = 2 ** (8 - bits)
    np.testing.assert_array_equal(got, (np.clip(x, 0, 255).astype(np.uint8) // q * q).astype("float32"))
    x1 = _img(2, 4, 4, 3)
    got = _np(engine, layers.RandomPosterization((bits, bits), value_range=(0, 1))(x1, training=True))
    np.testing.assert_allclose(got, np.floor(x1 * 255) // q * q / 255, atol=1e-6)


def test_autocontrast_reference(engine):
    x = _img(2, 4, 5, 3) * 0.5 + 0.2
    x[1, ..., 2] = 0.3  # a constant channel is left as it is
    lo, hi = x.min(axis=(1, 2), keepdims=True), x.max(axis=(1, 2), keepdims=True)
    want = np.where(hi > lo, (x - lo) / np.where(hi > lo, hi - lo, 1), x)
    for training in (True, False):
        got = _np(engine, layers.AutoContrast(value_range=(0, 1))(x, training=training))
        np.testing.assert_allclose(got, want, atol=1e-5)
    got = _np(engine, layers.AutoContrast(value_range=(0, 1), data_format="channels_first")(_cf(x)))
    np.testing.assert_allclose(got, _cf(want), atol=1e-5)


def _ref_hsv_saturation(x, scale):
    """Saturation times ``scale`` (HSV by colorsys, float64), as a NumPy reference."""
    import colorsys
    out = np.empty(x.shape, np.float64)
    for idx in np.ndindex(x.shape[:-1]):
        h, s, v = colorsys.rgb_to_hsv(*x[idx].astype(np.float64))
        out[idx] = colorsys.hsv_to_rgb(h, min(max(s * scale, 0.0), 255.0), v)
    return out


def _ref_hue_shift(x, d):
    import colorsys
    out = np.empty(x.shape, np.float64)
    for idx in np.ndindex(x.shape[:-1]):
        h, s, v = colorsys.rgb_to_hsv(*x[idx].astype(np.float64))
        out[idx] = colorsys.hsv_to_rgb((h + d) % 1.0, s, v)
    return out


def test_saturation_and_hue_fixed(engine):
    x = _img(2, 3, 4, 3)
    # factor 0.5 -> scale 0.5 / 0.5 = 1: the HSV round trip is the identity
    np.testing.assert_allclose(_np(engine, layers.RandomSaturation((0.5, 0.5))(x, training=True)), x,
                               atol=1e-5)
    np.testing.assert_allclose(_np(engine, layers.RandomSaturation((0.0, 0.0))(x, training=True)),
                               np.repeat(x.max(-1, keepdims=True), 3, -1), atol=1e-6)
    got = _np(engine, layers.RandomSaturation((0.2, 0.2))(x, training=True))
    np.testing.assert_allclose(got, _ref_hsv_saturation(x, 0.2 / 0.8), atol=1e-5)
    np.testing.assert_allclose(_np(engine, layers.RandomHue((0.0, 0.0), value_range=(0, 1))(x, training=True)),
                               x, atol=1e-5)
    got = _np(engine, layers.RandomHue((1.0, 1.0), value_range=(0, 255))(x * 255, training=True))
    np.testing.assert_allclose(got, _ref_hue_shift(x, 0.5) * 255, atol=1e-3)


def test_degeneration_and_sharpness_fixed(engine):
    x = _img(2, 4, 5, 3)
    got = _np(engine, layers.RandomColorDegeneration((1.0, 1.0), value_range=(0, 1))(x, training=True))
    np.testing.assert_allclose(got, np.clip(_gray(x), 0, 1), atol=1e-6)
    got = _np(engine, layers.RandomColorDegeneration((0.4, 0.4), value_range=(0, 1))(x, training=True))
    np.testing.assert_allclose(got, np.clip(x + 0.4 * (_gray(x) - x), 0, 1), atol=1e-6)
    got = _np(engine, layers.RandomSharpness((0.5, 0.5), value_range=(0, 1))(x, training=True))
    np.testing.assert_allclose(got, x, atol=1e-6)
    got = _np(engine, layers.RandomSharpness((0.0, 0.0), value_range=(0, 1))(x, training=True))
    np.testing.assert_allclose(got, np.clip(_smooth(x), 0, 1), atol=1e-5)
    got = _np(engine, layers.RandomSharpness((1.0, 1.0), value_range=(0, 1),
                                             data_format="channels_first")(_cf(x), training=True))
    np.testing.assert_allclose(got, _cf(np.clip(2 * x - _smooth(x), 0, 1)), atol=1e-5)


def test_color_jitter_composes(engine):
    x = _img(2, 4, 4, 3)
    jitter = layers.RandomColorJitter(value_range=(0, 1), brightness_factor=(0.1, 0.1),
                                      saturation_factor=(0.5, 0.5), hue_factor=(0.0, 0.0))
    np.testing.assert_allclose(_np(engine, jitter(x, training=True)), np.clip(x + 0.1, 0, 1), atol=1e-5)
    np.testing.assert_array_equal(_np(engine, jitter(x, training=False)), x)


# ------------------------------------------------------------- shear
@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_shear_by_whole_pixels(engine, fill_mode, interpolation):
    # x_factor (1, 1): out[y, x] = in[y, x + s * y], s = +-1 per image
    x = _img(16, 4, 5, 2)
    NP_PAD = {"reflect": "symmetric", "wrap": "wrap", "nearest": "edge", "constant": "constant"}
    kw = {"constant_values": 0.5} if fill_mode == "constant" else {}
    padded = np.pad(x, ((0, 0), (0, 0), (4, 4), (0, 0)), mode=NP_PAD[fill_mode], **kw)
    want = {s: np.stack([padded[:, y, 4 + s * y:4 + s * y + 5] for y in range(4)], axis=1) for s in (1, -1)}
    layer = layers.RandomShear((1.0, 1.0), 0.0, interpolation=interpolation, fill_mode=fill_mode,
                               fill_value=0.5, seed=5)
    out = _np(engine, layer(x, training=True))
    pos = np.all(np.abs(out - want[1]) < 1e-5, axis=(1, 2, 3))
    neg = np.all(np.abs(out - want[-1]) < 1e-5, axis=(1, 2, 3))
    assert np.all(pos | neg) and pos.any() and neg.any()
    # y_factor shears columns the same way: transpose the picture
    layer = layers.RandomShear(0.0, (1.0, 1.0), interpolation=interpolation, fill_mode=fill_mode,
                               fill_value=0.5, seed=5, data_format="channels_first")
    got = _np(engine, layer(_cf(np.swapaxes(x, 1, 2)), training=True))
    np.testing.assert_allclose(np.swapaxes(np.moveaxis(got, 1, -1), 1, 2), out, atol=1e-5)


def test_shear_number_factor_round_trips(engine):
    layer = layers.RandomShear(0.3, 0.2, seed=1)
    assert layer.x_range == (-0.3, 0.3)
    clone = layers.RandomShear.from_config(layer.get_config())
    x = _img(2, 5, 6, 3)
    np.testing.assert_array_equal(_np(engine, clone(x, training=True)), _np(engine, layer(x, training=True)))


@pytest.mark.keras_oracle
def test_shear_zero_matches_keras(engine, keras_module):
    x = _img(2, 5, 6, 3)
    want = np.asarray(keras_module.layers.RandomShear(0.0, 0.0)(x, training=True))
    np.testing.assert_allclose(_np(engine, layers.RandomShear(0.0, 0.0)(x, training=True)), want, atol=1e-5)


# ------------------------------------------------------------- MixUp, CutMix
def _partners(labels):
    """(own weight, partner index) per row of mixed one-hot labels."""
    n = labels.shape[0]
    own = labels[np.arange(n), np.arange(n)]
    rest = labels.copy()
    rest[np.arange(n), np.arange(n)] = -1
    partner = np.where(own >= 1 - 1e-6, np.arange(n), rest.argmax(1))
    return own, partner


def test_mixup_mixes_images_and_labels_alike(engine):
    x = _img(8, 4, 5, 3)
    out = MIX["mixup"](seed=4)({"images": x, "labels": np.eye(8, dtype="float32")}, training=True)
    images, labels = _np(engine, out["images"]), _np(engine, out["labels"])
    np.testing.assert_allclose(labels.sum(1), 1.0, atol=1e-5)
    w, partner = _partners(labels)
    want = w[:, None, None, None] * x + (1 - w[:, None, None, None]) * x[partner]
    np.testing.assert_allclose(images, want, atol=1e-5)
    assert np.all((w >= 0) & (w <= 1))
    np.testing.assert_array_equal(_np(engine, layers.MixUp(seed=4)(x, training=False)), x)


def test_cutmix_pastes_a_box(engine):
    x = _img(8, 6, 7, 2) + 2.0 * np.arange(8, dtype="float32")[:, None, None, None]  # image i in [2i, 2i+1)
    out = MIX["cutmix"](seed=2)({"images": x, "labels": np.eye(8, dtype="float32")}, training=True)
    images, labels = _np(engine, out["images"]), _np(engine, out["labels"])
    w, partner = _partners(labels)
    src = np.floor(images / 2.0).astype(int)[..., 0]  # which image each pixel came from
    for i in range(8):
        pasted = src[i] != i
        assert np.all(src[i][pasted] == partner[i])
        np.testing.assert_array_equal(images[i][~pasted], x[i][~pasted])
        np.testing.assert_array_equal(images[i][pasted], x[partner[i]][pasted])
        if pasted.any():  # a rectangle
            rows, cols = np.where(pasted)
            assert pasted[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()
            assert pasted.sum() <= (1 - w[i]) * 42 + 7 + 6 + 1
    # one unbatched image is left alone (nothing to mix with), as Keras
    np.testing.assert_array_equal(_np(engine, layers.CutMix(seed=2)(x[0], training=True)), x[0])


def test_partner_permutation(engine):
    from kerasette.layers.preprocessing.image_mixing import permutation
    u = engine.convert(np.array([0.5, 0.1, 0.5, 0.9, 0.0], "float32"))
    np.testing.assert_array_equal(_np(engine, permutation(u)), [2, 1, 3, 4, 0])  # ties: by index


def test_beta_draws_have_the_right_moments(engine):
    from kerasette.layers.preprocessing.image_mixing import beta_symmetric
    for alpha in (0.2, 1.0, 2.0):
        v = _np(engine, beta_symmetric(engine.convert(7, "int32"), 4000, alpha))
        assert abs(v.mean() - 0.5) < 0.02, alpha
        assert abs(v.var() - 1 / (4 * (2 * alpha + 1))) < 0.01, alpha


MIX = {
    "mixup": lambda **kw: layers.MixUp(**kw),
    "cutmix": lambda **kw: layers.CutMix(**kw),
}


@pytest.mark.parametrize("kind", sorted(MIX))
def test_mixing_layers_seeds_and_layouts(engine, kind):
    x = _img(6, 5, 4, 3)
    layer = MIX[kind](seed=9)
    np.testing.assert_array_equal(_np(engine, layer(x, training=False)), x)
    out = _np(engine, layer(x, training=True))
    assert out.shape == x.shape and not np.allclose(out, x)
    ref = _on("numpy", lambda b: np.asarray(b.to_numpy(MIX[kind](seed=9)(x, training=True))))
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    cf = _np(engine, MIX[kind](seed=9, data_format="channels_first")(_cf(x), training=True))
    np.testing.assert_allclose(cf, _cf(out), rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------- erasing, blur
def _ref_blur(x, kw, kh, sx, sy):
    def k1(n, s):
        t = np.arange(n) - (n - 1) / 2
        k = np.exp(-0.5 * (t / s) ** 2)
        return k / k.sum()
    k = np.outer(k1(kh, sy), k1(kw, sx))
    ph, pw = (kh - 1) // 2, (kw - 1) // 2
    p = np.pad(x.astype(np.float64), ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    h, w = x.shape[1:3]
    return sum(k[i, j] * p[:, i:i + h, j:j + w] for i in range(kh) for j in range(kw))


@pytest.mark.parametrize("kernel_size", [3, (5, 3)])
def test_gaussian_blur_fixed(engine, kernel_size):
    x = _img(2, 6, 7, 3)
    layer = layers.RandomGaussianBlur((1.0, 1.0), kernel_size, (0.7, 0.7), value_range=(0, 1))
    kw, kh = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
    want = np.clip(_ref_blur(x, kw, kh, 0.7 + 1e-6, 0.7 + 1e-6), 0, 1)
    np.testing.assert_allclose(_np(engine, layer(x, training=True)), want, atol=1e-5)
    never = layers.RandomGaussianBlur((0.0, 0.0), value_range=(0, 1))
    np.testing.assert_allclose(_np(engine, never(x, training=True)), x, atol=0)


def test_erasing_fixed(engine):
    x = _img(4, 6, 8, 3)
    layer = layers.RandomErasing((1.0, 1.0), (1.0, 1.0), fill_value=[0.2, 0.5, 2.0], value_range=(0, 1))
    want = np.broadcast_to(np.array([0.2, 0.5, 1.0], "float32"), x.shape)
    np.testing.assert_allclose(_np(engine, layer(x, training=True)), want, atol=1e-6)
    # a box of half the height and width at a random place
    out = _np(engine, layers.RandomErasing((1.0, 1.0), (0.25, 0.25), fill_value=-1.0,
                                           value_range=(-1, 1), seed=3)(x, training=True))
    for i in range(4):
        erased = np.all(out[i] == -1.0, axis=-1)
        rows, cols = np.where(erased)
        assert erased.sum() in (12, 15, 16, 20) and erased[rows.min():rows.max() + 1,
                                                            cols.min():cols.max() + 1].all()
        np.testing.assert_array_equal(out[i][~erased], x[i][~erased])
    never = layers.RandomErasing((0.0, 0.0), fill_value=0.0, value_range=(0, 1))
    np.testing.assert_array_equal(_np(engine, never(x, training=True)), x)
    # fill_value None: one random normal value times value_range[1], clipped
    out = _np(engine, layers.RandomErasing((1.0, 1.0), (1.0, 1.0), value_range=(-10, 10), seed=1)(x, training=True))
    assert np.all(out == out.flat[0]) and -10 <= out.flat[0] <= 10


# ------------------------------------------------------------- Keras oracle
@pytest.mark.keras_oracle
def test_fixed_color_layers_match_keras(engine, keras_module):
    kl = keras_module.layers
    x = _img(2, 5, 6, 3, high=255.0)
    x[1, ..., 0] = 40.0
    pairs = [
        (layers.AutoContrast(), kl.AutoContrast()),
        (layers.AutoContrast(value_range=(0, 510)), kl.AutoContrast(value_range=(0, 510))),
        (layers.RandomGrayscale(1.0), kl.RandomGrayscale(1.0)),
        (layers.RandomInvert((1.0, 1.0)), kl.RandomInvert((1.0, 1.0))),
        (layers.Solarization(0.0, 0.0), kl.Solarization(0.0, 0.0)),
        (layers.Solarization((0.0, 0.0), (0.0, 0.0), value_range=(0, 510)),
         kl.Solarization((0.0, 0.0), (0.0, 0.0), value_range=(0, 510))),
        (layers.RandomPosterization((3, 3)), kl.RandomPosterization((3, 3))),
        (layers.RandomSaturation((0.5, 0.5)), kl.RandomSaturation((0.5, 0.5))),
        (layers.RandomSaturation((0.3, 0.3)), kl.RandomSaturation((0.3, 0.3))),
        (layers.RandomSaturation((0.8, 0.8)), kl.RandomSaturation((0.8, 0.8))),
        (layers.RandomHue((1.0, 1.0)), kl.RandomHue((1.0, 1.0))),
        (layers.RandomHue((0.0, 0.0)), kl.RandomHue((0.0, 0.0))),
        (layers.RandomColorDegeneration((0.6, 0.6)), kl.RandomColorDegeneration((0.6, 0.6))),
        (layers.RandomSharpness((0.2, 0.2)), kl.RandomSharpness((0.2, 0.2))),
        (layers.RandomSharpness((0.9, 0.9)), kl.RandomSharpness((0.9, 0.9))),
        (layers.RandomGaussianBlur((1.0, 1.0), 5, (0.8, 0.8)), kl.RandomGaussianBlur((1.0, 1.0), 5, (0.8, 0.8))),
        (layers.RandomGaussianBlur((1.0, 1.0), (3, 5), (0.5, 0.5)),
         kl.RandomGaussianBlur((1.0, 1.0), (3, 5), (0.5, 0.5))),
        (layers.RandomErasing((1.0, 1.0), (1.0, 1.0), fill_value=7.0),
         kl.RandomErasing((1.0, 1.0), (1.0, 1.0), fill_value=7.0)),
    ]
    for ours, theirs in pairs:
        want = np.asarray(theirs(x, training=True))
        np.testing.assert_allclose(_np(engine, ours(x, training=True)), want, rtol=1e-5, atol=2e-3,
                                   err_msg=f"{type(ours).__name__} {ours.get_config()}")


# ------------------------------------------------------------- random draws
RANDOM = {
    "grayscale": lambda **kw: layers.RandomGrayscale(0.5, **kw),
    "invert": lambda **kw: layers.RandomInvert(1.0, value_range=(0, 1), **kw),
    "solarization": lambda **kw: layers.Solarization(0.3, 0.8, value_range=(0, 1), **kw),
    "posterization": lambda **kw: layers.RandomPosterization(6, value_range=(0, 1), **kw),
    "saturation": lambda **kw: layers.RandomSaturation(0.8, value_range=(0, 1), **kw),
    "hue": lambda **kw: layers.RandomHue(0.6, value_range=(0, 1), **kw),
    "degeneration": lambda **kw: layers.RandomColorDegeneration(0.9, value_range=(0, 1), **kw),
    "sharpness": lambda **kw: layers.RandomSharpness(0.9, value_range=(0, 1), **kw),
    "jitter": lambda **kw: layers.RandomColorJitter((0, 1), 0.2, 0.3, 0.7, 0.4, **kw),
    "shear": lambda **kw: layers.RandomShear(0.4, (0.1, 0.3), **kw),
    "blur": lambda **kw: layers.RandomGaussianBlur(0.8, (3, 5), 0.9, value_range=(0, 1), **kw),
    "erasing": lambda **kw: layers.RandomErasing(value_range=(0, 1), **kw),
    "pipeline": lambda **kw: layers.Pipeline([layers.RandomHue(0.5, value_range=(0, 1), **kw),
                                              layers.RandomInvert(1.0, value_range=(0, 1), **kw)]),
}


@pytest.mark.parametrize("kind", sorted(RANDOM))
def test_random_color_layers_inference_training_and_seeds(engine, kind):
    x = _img(8, 6, 5, 3)
    layer = RANDOM[kind](seed=11)
    np.testing.assert_array_equal(_np(engine, layer(x, training=False)), x)
    out = _np(engine, layer(x, training=True))
    assert out.shape == x.shape == tuple(layer.compute_output_shape(x.shape))
    assert not np.allclose(out, x), "training mode changes the images"
    np.testing.assert_array_equal(_np(engine, RANDOM[kind](seed=11)(x, training=True)), out)
    ref = _on("numpy", lambda b: np.asarray(b.to_numpy(RANDOM[kind](seed=11)(x, training=True))))
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    one = _np(engine, RANDOM[kind](seed=11)(x[0], training=True))
    assert one.shape == x.shape[1:]
    if kind != "pipeline":
        cf = _np(engine, RANDOM[kind](seed=11, data_format="channels_first")(_cf(x), training=True))
        np.testing.assert_allclose(cf, _cf(out), rtol=1e-5, atol=1e-5)


def test_grayscale_and_invert_draw_per_image(engine):
    x = _img(64, 2, 2, 3)
    out = _np(engine, layers.RandomGrayscale(0.5, seed=3)(x, training=True))
    gray = np.all(np.abs(out - _gray(x)) < 1e-6, axis=(1, 2, 3))
    kept = np.all(out == x, axis=(1, 2, 3))
    assert np.all(gray | kept) and 10 < gray.sum() < 54
    out = _np(engine, layers.RandomInvert((0.5, 0.5), value_range=(0, 1), seed=3)(x, training=True))
    inv = np.all(np.abs(out - (1 - x)) < 1e-6, axis=(1, 2, 3))
    assert np.all(inv | np.all(out == x, axis=(1, 2, 3))) and 10 < inv.sum() < 54


# ------------------------------------------------------------- configs, shapes, errors
ALL = [
    lambda: layers.RandomGrayscale(0.3, data_format="channels_first"),
    lambda: layers.RandomInvert(0.4, value_range=(0, 1), seed=2),
    lambda: layers.Solarization(0.2, (0.1, 0.6), value_range=(0, 1), seed=3),
    lambda: layers.RandomPosterization((2, 5), seed=4),
    lambda: layers.AutoContrast(value_range=(0, 1)),
    lambda: layers.RandomSaturation((0.2, 0.7), seed=5),
    lambda: layers.RandomHue(0.3, value_range=(0, 1), seed=6),
    lambda: layers.RandomColorDegeneration(0.5),
    lambda: layers.RandomSharpness((0.1, 0.9), value_range=(-1, 1)),
    lambda: layers.RandomColorJitter((0, 1), brightness_factor=0.2, hue_factor=(0.1, 0.3), seed=7),
    lambda: layers.MixUp(0.4, seed=3),
    lambda: layers.CutMix((0.2, 0.8), seed=4, data_format="channels_first"),
    lambda: layers.RandomGaussianBlur(0.5, 5, (0.2, 0.9), value_range=(0, 1), seed=2),
    lambda: layers.RandomErasing(0.7, (0.1, 0.2), fill_value=[1, 2, 3], seed=5),
    lambda: layers.RandomShear((0.0, 0.3), (0.1, 0.2), fill_mode="constant", fill_value=1.0, seed=8),
]


@pytest.mark.parametrize("make", ALL, ids=lambda m: "")
def test_config_round_trip_and_symbolic_shape(engine, make):
    layer = make()
    cfg = layer.get_config()
    clone = type(layer).from_config(cfg)
    assert clone.get_config() == cfg
    assert "data_format" in cfg
    shape = (3, 6, 5) if layer.data_format == "channels_first" else (6, 5, 3)
    sym = layer(layers.Input(shape))
    assert tuple(sym.shape[1:]) == shape
    x = _img(2, *shape)
    assert _np(engine, layer(x, training=True)).shape == x.shape


@pytest.mark.keras_oracle
@pytest.mark.parametrize("make", ALL, ids=lambda m: "")
def test_config_keys_match_keras(make, keras_module):
    check_config_read_by_keras(keras_module, make())


@pytest.mark.parametrize("make, message", [
    (lambda: layers.RandomGrayscale(1.5), "RandomGrayscale.*factor"),
    (lambda: layers.RandomInvert(-0.1), "RandomInvert.*factor"),
    (lambda: layers.RandomInvert(0.5, value_range=3), "RandomInvert.*value_range"),
    (lambda: layers.Solarization(1.2), "Solarization.*addition_factor"),
    (lambda: layers.Solarization(0.1, (0.1, 0.2, 0.3)), "Solarization.*threshold_factor"),
    (lambda: layers.RandomPosterization(9), "RandomPosterization.*factor"),
    (lambda: layers.RandomPosterization(2.5), "RandomPosterization.*factor"),
    (lambda: layers.AutoContrast(value_range=(0,)), "AutoContrast.*value_range"),
    (lambda: layers.RandomSaturation(1.5), "RandomSaturation.*factor"),
    (lambda: layers.RandomHue(-0.5), "RandomHue.*factor"),
    (lambda: layers.RandomColorDegeneration("a"), "RandomColorDegeneration.*factor"),
    (lambda: layers.RandomSharpness(2), "RandomSharpness.*factor"),
    (lambda: layers.RandomColorJitter(hue_factor=3.0), "RandomHue.*factor"),
    (lambda: layers.RandomGrayscale(0.5, data_format="nhwc"), "RandomGrayscale.*data_format"),
    (lambda: layers.RandomShear(1.5), "RandomShear.*x_factor"),
    (lambda: layers.MixUp(0.0), "MixUp.*alpha"),
    (lambda: layers.RandomGaussianBlur(kernel_size=4), "RandomGaussianBlur.*kernel_size"),
    (lambda: layers.RandomGaussianBlur(sigma=2.0), "RandomGaussianBlur.*sigma"),
    (lambda: layers.RandomErasing(scale=(0.1, 1.5)), "RandomErasing.*scale"),
    (lambda: layers.RandomErasing(fill_value=[1, 2]), "RandomErasing.*fill_value"),
    (lambda: layers.CutMix(1.5), "CutMix.*factor"),
    (lambda: layers.RandomShear(0.1, (-0.2, 0.1)), "RandomShear.*y_factor"),
    (lambda: layers.RandomShear(0.1, fill_mode="mirror"), "RandomShear.*fill_mode"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_rgb_layers_reject_other_channel_counts(engine):
    with pytest.raises(ValueError, match="RandomHue.*3 channels"):
        layers.RandomHue(0.2)(_img(1, 3, 3, 4), training=True)
