"""The image ops beyond value-vs-reference (``tests/conformance/cases_image.py`` has those):
bad input, ``elastic_transform``'s seeds, its deterministic part against Keras,
``data_format`` defaults and the ``kerasette.ops.image`` namespace."""
import numpy as np
import pytest

import kerasette.ops as ops
from kerasette.ops import image as ops_image
from kerasette import config

RNG = np.random.default_rng(11)
IMG = RNG.uniform(0, 1, (2, 6, 7, 3)).astype(np.float32)


def _raises(fn, *needles):
    with pytest.raises(ValueError) as info:
        fn()
    text = str(info.value)
    for n in needles:
        assert n in text, f"message should name {n!r}: {text}"


BAD = {
    "resize-rank": (lambda b: b.resize(b.convert(IMG[0, :, :, 0]), (3, 3)), "resize", "(6, 7)"),
    "resize-interp": (lambda b: b.resize(b.convert(IMG), (3, 3), interpolation="cubic"), "resize", "'cubic'"),
    "resize-size": (lambda b: b.resize(b.convert(IMG), (3,)), "resize", "(3,)"),
    "resize-nonpositive": (lambda b: b.resize(b.convert(IMG), (0, 3)), "resize", "(0, 3)"),
    "resize-crop-and-pad": (lambda b: b.resize(b.convert(IMG), (3, 3), crop_to_aspect_ratio=True,
                                               pad_to_aspect_ratio=True), "resize", "pad_to_aspect_ratio"),
    "resize-fill-mode": (lambda b: b.resize(b.convert(IMG), (3, 3), fill_mode="reflect"), "resize", "'reflect'"),
    "data-format": (lambda b: b.resize(b.convert(IMG), (3, 3), data_format="nhwc"), "resize", "'nhwc'"),
    "affine-transform-shape": (lambda b: b.affine_transform(b.convert(IMG), b.convert(np.ones((2, 6), np.float32))),
                               "affine_transform", "(2, 6)"),
    "affine-fill-mode": (lambda b: b.affine_transform(b.convert(IMG), b.convert(np.ones(8, np.float32)),
                                                      fill_mode="edge"), "affine_transform", "'edge'"),
    "affine-batch": (lambda b: b.affine_transform(b.convert(IMG), b.convert(np.ones((3, 8), np.float32))),
                     "affine_transform", "3 transforms"),
    "map-coordinates-rank": (lambda b: b.map_coordinates(b.convert(IMG[0, :, :, 0]),
                                                         b.convert(np.ones((3, 4), np.float32)), 1),
                             "map_coordinates", "(6, 7)"),
    "map-coordinates-order": (lambda b: b.map_coordinates(b.convert(IMG[0, :, :, 0]),
                                                          b.convert(np.ones((2, 4), np.float32)), 3),
                              "map_coordinates", "order"),
    "hsv-int": (lambda b: b.rgb_to_hsv(b.convert(np.ones((2, 2, 3), np.int32))), "rgb_to_hsv", "int32"),
    "hsv-channels": (lambda b: b.hsv_to_rgb(b.convert(IMG[..., :2])), "hsv_to_rgb", "(2, 6, 7, 2)"),
    "gray-channels": (lambda b: b.rgb_to_grayscale(b.convert(IMG[..., :2])), "rgb_to_grayscale", "(2, 6, 7, 2)"),
    "pad-three": (lambda b: b.pad_images(b.convert(IMG), 1, 1, 1, 1, target_height=9), "pad_images",
                  "target_height"),
    "pad-too-small": (lambda b: b.pad_images(b.convert(IMG), 1, 1, target_height=5, target_width=9),
                      "pad_images", "bottom_padding"),
    "crop-too-big": (lambda b: b.crop_images(b.convert(IMG), 2, 0, target_height=5, target_width=7),
                     "crop_images", "(2, 6, 7, 3)"),
    "crop-negative": (lambda b: b.crop_images(b.convert(IMG), -1, 0, 1, 1), "crop_images", "top_cropping"),
    "perspective-points": (lambda b: b.perspective_transform(b.convert(IMG), b.convert(np.ones((3, 2), np.float32)),
                                                             b.convert(np.ones((3, 2), np.float32))),
                           "perspective_transform", "(3, 2)"),
    "ssim-shapes": (lambda b: b.ssim(b.convert(IMG), b.convert(IMG[:1]), filter_size=3), "ssim", "(1, 6, 7, 3)"),
    "ssim-small": (lambda b: b.ssim(b.convert(IMG), b.convert(IMG)), "ssim", "filter_size"),
    "st-method": (lambda b: b.scale_and_translate(b.convert(IMG), (2, 3, 3, 3), [0.5, 0.5], [0.0, 0.0], (1, 2),
                                                  "area"), "scale_and_translate", "'area'"),
    "st-non-spatial": (lambda b: b.scale_and_translate(b.convert(IMG), (2, 3, 3, 1), [0.5, 0.5], [0.0, 0.0],
                                                       (1, 2), "linear"), "scale_and_translate", "axis 3"),
    "patches-rank": (lambda b: b.extract_patches(b.convert(IMG[0, :, :, 0]), 2), "extract_patches", "(6, 7)"),
    "patches-padding": (lambda b: b.extract_patches(b.convert(IMG), 2, padding="full"), "extract_patches",
                        "'full'"),
    "patches3d-rank": (lambda b: b.extract_patches_3d(b.convert(IMG[0]), 2), "extract_patches_3d", "(6, 7, 3)"),
    "elastic-interp": (lambda b: b.elastic_transform(b.convert(IMG), interpolation="bicubic", seed=1),
                       "elastic_transform", "'bicubic'"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input(engine, name):
    fn, *needles = BAD[name]
    _raises(lambda: fn(engine), *needles)


def test_bad_input_through_ops_names_the_op(engine):
    _raises(lambda: ops_image.resize(IMG[0, :, :, 0], (3, 3)), "resize", "(6, 7)")


def _np(b, x):
    return np.asarray(b.to_numpy(x))


def test_elastic_same_seed_same_output_on_every_engine(engines):
    outs = {}
    for name, b in engines.items():
        outs[name] = _np(b, b.elastic_transform(b.convert(IMG), alpha=4.0, sigma=1.5, seed=123))
        again = _np(b, b.elastic_transform(b.convert(IMG), alpha=4.0, sigma=1.5, seed=b.convert(np.int32(123))))
        np.testing.assert_array_equal(outs[name], again, err_msg=f"{name}: a 0-d seed array reads as the int")
        other = _np(b, b.elastic_transform(b.convert(IMG), alpha=4.0, sigma=1.5, seed=124))
        assert not np.allclose(outs[name], other), f"{name}: another seed gives another field"
        assert not np.allclose(outs[name], IMG), f"{name}: the images move"
    first = next(iter(outs.values()))
    for name, o in outs.items():
        np.testing.assert_allclose(o, first, rtol=1e-5, atol=1e-5, err_msg=f"{name} vs the first engine")


@pytest.mark.keras_oracle
@pytest.mark.parametrize("interpolation,fill_mode", [("bilinear", "reflect"), ("nearest", "constant"),
                                                     ("bilinear", "mirror")])
def test_elastic_deterministic_part_matches_keras(keras_module, engine, interpolation, fill_mode):
    """Keras draws its noise with jax.random; fed the same noise, kerasette's sampler and
    blur give Keras's output (Keras uses one field for both dx and dy)."""
    if keras_module.backend.backend() != "jax":
        pytest.skip("Keras's draws are read back with jax.random")
    import jax
    from keras.src.random.seed_generator import draw_seed
    x = IMG[:1]
    seed, alpha, sigma = 5, 3.0, 1.0
    want = np.asarray(keras_module.ops.image.elastic_transform(
        x, alpha=alpha, sigma=sigma, interpolation=interpolation, fill_mode=fill_mode, fill_value=0.25, seed=seed,
        data_format="channels_last"))
    noise = np.array(jax.random.normal(draw_seed(seed), shape=(1, 6, 7), dtype="float32"))
    got = _np(engine, engine._img_elastic(engine.convert(x), noise, noise, alpha, sigma, interpolation, fill_mode,
                                          0.25))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_data_format_default_follows_config(engine):
    chw = np.moveaxis(IMG, -1, 1).copy()
    want = _np(engine, engine.resize(engine.convert(chw), (3, 4), data_format="channels_first"))
    old = config.image_data_format()
    config.set_image_data_format("channels_first")
    try:
        got = _np(engine, engine.resize(engine.convert(chw), (3, 4)))
    finally:
        config.set_image_data_format(old)
    np.testing.assert_array_equal(got, want)


def test_gaussian_blur_takes_a_sigma_tensor(engine):
    b = engine
    want = _np(b, b.gaussian_blur(b.convert(IMG), (3, 5), (0.7, 1.4)))
    got = _np(b, b.gaussian_blur(b.convert(IMG), (3, 5), b.convert(np.array([0.7, 1.4], np.float32))))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_namespace_resolves(engine):
    out = ops_image.resize(IMG, (3, 4))
    assert tuple(ops.shape(out)) == (2, 3, 4, 3)
    assert tuple(ops.shape(ops_image.extract_patches(IMG, 2))) == (2, 3, 3, 12)


def test_resize_under_jit_and_grad(engine):
    """resize / affine_transform inside jit(value_and_grad): the train step's path."""
    b = engine
    x = b.convert(IMG)
    t = b.convert(np.array([1.0, 0.1, 0.3, 0.05, 0.9, -0.2, 0.0, 0.0], np.float32))

    def loss(params):
        (p,) = params
        y = b.affine_transform(b.resize(p, (4, 5), interpolation="bicubic", antialias=True), t)
        return b.sum(b.square(y)), None

    (val, _), (g,) = b.jit(b.value_and_grad(loss))([x])
    assert np.isfinite(float(_np(b, val)))
    assert _np(b, g).shape == IMG.shape and np.abs(_np(b, g)).sum() > 0


def _resize_configs(n=16):
    rng = np.random.default_rng(2024)
    for _ in range(n):
        h, w, th, tw = (int(v) for v in rng.integers(1, 12, 4))
        crop = bool(rng.integers(0, 2))
        yield (h, w), (th, tw), dict(interpolation=str(rng.choice(["bilinear", "nearest", "bicubic", "lanczos3",
                                                                   "lanczos5"])),
                                     antialias=bool(rng.integers(0, 2)), crop_to_aspect_ratio=crop,
                                     pad_to_aspect_ratio=(not crop) and bool(rng.integers(0, 2)), fill_value=0.5)


@pytest.mark.keras_oracle
def test_resize_random_configs_match_keras(keras_module, engine):
    """Sizes 1..11 both ways, every method, antialias, crop/pad: Keras's numbers."""
    rng = np.random.default_rng(7)
    for hw, size, kw in _resize_configs():
        x = rng.standard_normal((2, *hw, 2)).astype(np.float32)
        want = np.asarray(keras_module.ops.image.resize(x, size, data_format="channels_last", **kw))
        got = _np(engine, engine.resize(engine.convert(x), size, data_format="channels_last", **kw))
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4, err_msg=f"{hw} -> {size} {kw}")
