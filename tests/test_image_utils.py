"""``load_img`` / ``img_to_array`` / ``array_to_img`` / ``save_img`` as Keras's."""
import numpy as np
import pytest

from kerasette import config
from kerasette.utils import array_to_img, img_to_array, load_img, save_img

RNG = np.random.default_rng(3)


@pytest.fixture
def png(tmp_path):
    x = RNG.integers(0, 256, (6, 10, 3)).astype("uint8")
    path = tmp_path / "img.png"
    save_img(path, x, scale=False)
    return path, x


def test_round_trip_is_lossless_for_png(png):
    path, x = png
    img = load_img(path)
    assert img.size == (10, 6) and img.mode == "RGB"
    arr = img_to_array(img)
    assert arr.dtype == np.float32 and arr.shape == (6, 10, 3)
    np.testing.assert_array_equal(arr, x)


def test_color_modes_target_size_and_aspect(png):
    path, x = png
    gray = img_to_array(load_img(path, color_mode="grayscale"))
    assert gray.shape == (6, 10, 1)
    assert img_to_array(load_img(path, color_mode="rgba")).shape == (6, 10, 4)
    assert img_to_array(load_img(path, target_size=(3, 5), interpolation="bilinear")).shape == (3, 5, 3)
    square = load_img(path, target_size=(6, 6), keep_aspect_ratio=True)  # centre crop, no resize
    np.testing.assert_array_equal(img_to_array(square), x[:, 2:8])


def test_channels_first_and_scaling():
    x = RNG.uniform(-1, 1, (4, 5, 3)).astype("float32")
    img = array_to_img(x)  # scaled to 0..255
    arr = img_to_array(img)
    assert arr.min() == 0 and arr.max() == 255
    cf = img_to_array(img, data_format="channels_first")
    assert cf.shape == (3, 4, 5)
    np.testing.assert_array_equal(img_to_array(array_to_img(cf, data_format="channels_first", scale=False)), arr)
    assert img_to_array(img, dtype="uint8").dtype == np.uint8


def test_default_data_format_follows_config(monkeypatch):
    monkeypatch.setitem(config._settings, "image_data_format", "channels_first")
    assert img_to_array(array_to_img(np.zeros((1, 2, 3)))).shape == (1, 2, 3)


def test_save_formats_and_rgba_jpeg(tmp_path):
    x = RNG.integers(0, 256, (4, 4, 4)).astype("uint8")
    save_img(tmp_path / "a.png", x, scale=False)
    assert load_img(tmp_path / "a.png", color_mode="rgba").mode == "RGBA"
    with pytest.warns(UserWarning, match="RGBA"):
        save_img(tmp_path / "a.jpg", x, scale=False, quality=95)
    assert load_img(tmp_path / "a.jpg").size == (4, 4)


def test_errors_name_the_problem(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(ValueError, match="broken.png"):
        load_img(bad)
    with pytest.raises(ValueError, match="color_mode"):
        load_img(bad, color_mode="cmyk")
    with pytest.raises(ValueError, match="rank 3"):
        array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="channel number: 2"):
        array_to_img(np.zeros((2, 2, 2)))


@pytest.mark.keras_oracle
def test_same_arrays_as_keras(keras_module, png, tmp_path):
    path, _ = png
    ku = keras_module.utils
    for kwargs in ({}, {"color_mode": "grayscale"}, {"target_size": (3, 7), "interpolation": "bicubic"},
                   {"target_size": (5, 5), "keep_aspect_ratio": True}):
        np.testing.assert_array_equal(img_to_array(load_img(path, **kwargs)),
                                      ku.img_to_array(ku.load_img(path, **kwargs)))
    x = RNG.uniform(-3, 2, (5, 4, 3)).astype("float32")
    np.testing.assert_array_equal(img_to_array(array_to_img(x)), ku.img_to_array(ku.array_to_img(x)))
