"""``MelSpectrogram``: the mel filter bank against its definition, values against
Keras 3 itself, and a model on it training on every engine (jitted on JAX)."""
import numpy as np
import pytest

from kerasette import layers, models, ops, optimizers
from kerasette.layers.preprocessing.spectrogram import linear_to_mel_weight_matrix

RNG = np.random.default_rng(6)
AUDIO = RNG.normal(size=(2, 3000)).astype("float32")


def test_mel_filters_are_triangles_on_the_mel_scale():
    w = linear_to_mel_weight_matrix(10, 257, 16000, 20.0, 8000.0)
    assert w.shape == (257, 10) and np.all(w[0] == 0) and np.all(w >= 0) and np.all(w <= 1)
    peaks = w.argmax(axis=0)
    assert np.all(np.diff(peaks) > 0)  # centres rise with the band
    mel = 1127 * np.log1p(np.linspace(0, 8000, 257) / 700)
    edges = np.linspace(1127 * np.log1p(20 / 700), 1127 * np.log1p(8000 / 700), 12)
    k = 4
    inside = (mel > edges[k]) & (mel < edges[k + 2])
    assert np.all(w[inside, k] > 0) and np.all(w[~inside, k] == 0)


def test_shapes_db_floor_and_config(engine):
    layer = layers.MelSpectrogram(fft_length=256, sequence_stride=64, num_mel_bins=32, top_db=60.0)
    out = np.asarray(ops.convert_to_numpy(layer(AUDIO)))
    assert out.shape == (2, 32, 3000 // 64 + 1) == layer.compute_output_shape((2, 3000))
    assert out.max() - out.min() <= 60.0 + 1e-3
    again = layers.MelSpectrogram.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="fft_length"):
        layers.MelSpectrogram(fft_length=128, sequence_length=256)


def test_a_model_on_mel_features_trains_on_every_engine(engine):
    t = np.arange(2048) / 8000.0
    low = np.stack([np.sin(2 * np.pi * 300 * t + p) for p in RNG.uniform(0, 6, 16)])
    high = np.stack([np.sin(2 * np.pi * 2500 * t + p) for p in RNG.uniform(0, 6, 16)])
    x = np.concatenate([low, high]).astype("float32")
    y = np.repeat([0.0, 1.0], 16).astype("float32")
    model = models.Sequential([layers.Input((2048,)),
                               layers.MelSpectrogram(256, 128, sampling_rate=8000, num_mel_bins=16),
                               layers.GlobalAveragePooling1D(data_format="channels_first"),
                               layers.Rescaling(1 / 40.0), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, batch_size=8, verbose=0)
    assert history.history["accuracy"][-1] == 1.0


@pytest.mark.keras_oracle
@pytest.mark.parametrize("kwargs", [{"fft_length": 512, "sequence_stride": 128, "num_mel_bins": 40},
                                    {"fft_length": 256, "sequence_stride": 100, "sequence_length": 200,
                                     "window": "hamming", "power_to_db": False, "mag_exp": 1.0},
                                    {"fft_length": 256, "sequence_stride": 64, "min_freq": 100.0, "max_freq": 4000,
                                     "sampling_rate": 8000, "top_db": 50.0, "ref_power": 2.0}])
def test_same_values_as_keras(engine, keras_module, kwargs):
    ours = np.asarray(ops.convert_to_numpy(layers.MelSpectrogram(**kwargs)(AUDIO)), np.float64)
    theirs = np.asarray(keras_module.ops.convert_to_numpy(keras_module.layers.MelSpectrogram(**kwargs)(AUDIO)))
    scale = np.abs(theirs).max()
    np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-4 * scale)
