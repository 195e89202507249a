"""``Equalization``: against a NumPy reference of Keras's rule and Keras 3 itself,
on every engine, inside a jitted fit, in both layouts."""
import numpy as np
import pytest

from kerasette import layers, models, ops

RNG = np.random.default_rng(12)
IMAGES = RNG.integers(40, 140, (3, 9, 7, 3)).astype("float32")


def ref_equalize(images, bins=256):
    out = np.empty_like(images, dtype=np.float64)
    for c in range(images.shape[-1]):
        ch = images[..., c].astype(np.float64)
        idx = np.clip((ch * (bins - 1) / 255.0).astype(np.int32), 0, bins - 1)
        hist = np.bincount(idx.ravel(), minlength=bins)
        if np.count_nonzero(hist) <= 1:
            out[..., c] = ch
            continue
        cdf = np.cumsum(hist)
        cdf_min = cdf[np.argmax(cdf > 0)]
        denom = max(cdf[-1] - cdf_min, 1)
        table = np.clip(np.round((cdf - cdf_min) * 255 / denom), 0, 255)
        out[..., c] = table[idx]
    return out


def npy(x):
    return np.asarray(ops.convert_to_numpy(x), np.float64)


def test_matches_reference_and_layouts(engine):
    np.testing.assert_allclose(npy(layers.Equalization()(IMAGES)), ref_equalize(IMAGES), atol=1e-4)
    first = npy(layers.Equalization(data_format="channels_first")(np.transpose(IMAGES, (0, 3, 1, 2))))
    np.testing.assert_allclose(np.transpose(first, (0, 2, 3, 1)), ref_equalize(IMAGES), atol=1e-4)
    unit = IMAGES / 255.0
    np.testing.assert_allclose(npy(layers.Equalization(value_range=(0, 1))(unit)),
                               ref_equalize(IMAGES) / 255.0, atol=1e-5)
    flat = np.full((1, 4, 4, 1), 90.0, "float32")  # one occupied bin: unchanged
    np.testing.assert_array_equal(npy(layers.Equalization()(flat)), flat)
    np.testing.assert_array_equal(npy(layers.Equalization()(IMAGES, training=False)), IMAGES)


def test_in_a_jitted_model(engine):
    model = models.Sequential([layers.Input((9, 7, 3)), layers.Equalization(), layers.Rescaling(1 / 255.0),
                               layers.GlobalAveragePooling2D(), layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(IMAGES, np.ones((3, 1), "float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    with pytest.raises(ValueError, match="`bins` must be an int"):
        layers.Equalization(bins=1)
    assert layers.Equalization.from_config(layers.Equalization(bins=64).get_config()).bins == 64


@pytest.mark.keras_oracle
@pytest.mark.parametrize("kwargs", [{}, {"bins": 64}, {"value_range": (0, 1)}])
def test_same_values_as_keras(engine, keras_module, kwargs):
    x = IMAGES / 255.0 if kwargs.get("value_range") == (0, 1) else IMAGES
    theirs = np.asarray(keras_module.ops.convert_to_numpy(keras_module.layers.Equalization(**kwargs)(x)))
    np.testing.assert_allclose(npy(layers.Equalization(**kwargs)(x)), theirs, atol=1e-4)
