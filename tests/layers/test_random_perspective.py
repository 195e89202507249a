"""``RandomPerspective``: the warp it applies, its probability and scale, portable
draws (the same seed gives the same images on every engine), and training with it."""
import numpy as np
import pytest

from kerasette import config, layers, models, ops
from kerasette.layers.preprocessing.portable_random import uniform
from kerasette.ops import image as image_ops

RNG = np.random.default_rng(21)
IMAGES = RNG.random((4, 10, 12, 3)).astype("float32")


def npy(x):
    return np.asarray(ops.convert_to_numpy(x), np.float64)


def test_applies_the_drawn_warp(engine):
    layer = layers.RandomPerspective(factor=(1.0, 1.0), scale=0.4, seed=5)
    layer.build(IMAGES.shape)
    state = layer.seed_generator.state.value
    out = npy(layer(IMAGES))
    u = npy(uniform(state, (40,)))
    corners = np.array([[0, 0], [11, 0], [0, 9], [11, 9]], "float32")
    start = np.broadcast_to(corners, (4, 4, 2))
    end = start + start * ((u[8:].reshape(4, 4, 2) - 0.5) * 0.4)
    want = npy(image_ops.perspective_transform(IMAGES, start.astype("float32"), end.astype("float32")))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)


def test_probability_scale_and_inference(engine):
    np.testing.assert_array_equal(npy(layers.RandomPerspective(factor=0.0, seed=1)(IMAGES)), IMAGES)
    np.testing.assert_allclose(npy(layers.RandomPerspective(scale=0.0, seed=1)(IMAGES)), IMAGES, atol=1e-5)
    np.testing.assert_array_equal(npy(layers.RandomPerspective(seed=1)(IMAGES, training=False)), IMAGES)
    with pytest.raises(ValueError, match="`scale` should be a number in \\[0, 1\\]"):
        layers.RandomPerspective(scale=2.0)
    again = layers.RandomPerspective.from_config(layers.RandomPerspective(0.5, 0.3, seed=3).get_config())
    assert again.scale == 0.3 and again.factor == (0.0, 0.5)


def test_same_images_on_every_engine(engines):
    outs = []
    for name in engines:
        previous = config.backend()
        config.set_backend(name)
        try:
            outs.append(npy(layers.RandomPerspective(scale=0.5, seed=11)(IMAGES)))
        finally:
            config.set_backend(previous)
    for other in outs[1:]:
        np.testing.assert_allclose(other, outs[0], atol=1e-4)


def test_trains_in_a_jitted_model(engine):
    model = models.Sequential([layers.Input((10, 12, 3)), layers.RandomPerspective(scale=0.3, seed=2),
                               layers.GlobalAveragePooling2D(), layers.Dense(1)])
    model.compile("sgd", "mse")
    assert np.isfinite(model.fit(IMAGES, np.ones((4, 1), "float32"), epochs=2, verbose=0).history["loss"]).all()
