"""``STFTSpectrogram``: against NumPy's FFT of windowed frames, Keras 3 itself, every
mode and layout, and its (trainable) kernels learning on every engine."""
import numpy as np
import pytest

from kerasette import layers, models, ops

RNG = np.random.default_rng(2)
SIG = RNG.normal(size=(2, 64, 3)).astype("float32")


def npy(x):
    return np.asarray(ops.convert_to_numpy(x), np.float64)


def ref_stft(sig, frame, step, fft):
    win = np.hanning(frame)  # symmetric Hann, "density" scaling divides by its norm
    frames = [sig[i:i + frame] * win for i in range(0, len(sig) - frame + 1, step)]
    return np.stack([np.fft.rfft(f, n=fft) for f in frames]) / np.sqrt((win ** 2).sum())


def test_modes_against_numpy_fft(engine):
    spec = ref_stft(SIG[0, :, 1].astype(float), 16, 8, 32)  # (frames, bins)
    for mode, want in (("real", spec.real), ("imag", spec.imag), ("magnitude", np.abs(spec)),
                       ("log", np.log(np.maximum(np.abs(spec), 1e-7)))):
        out = npy(layers.STFTSpectrogram(mode, frame_length=16, frame_step=8, fft_length=32)(SIG))
        assert out.shape == (2, 7, 3 * 17)
        np.testing.assert_allclose(out[0, :, 17:34], want, rtol=1e-4, atol=1e-4, err_msg=mode)
    psd = npy(layers.STFTSpectrogram("psd", 16, 8, 32, expand_dims=True)(SIG))
    power = np.abs(spec) ** 2
    power[:, 1:-1] *= 2
    assert psd.shape == (2, 7, 17, 3)
    np.testing.assert_allclose(psd[0, :, :, 1], power, rtol=1e-4, atol=1e-4)


def test_channels_first_and_stft_mode(engine):
    last = npy(layers.STFTSpectrogram("stft", 16, 8, expand_dims=True)(SIG))
    first = npy(layers.STFTSpectrogram("stft", 16, 8, expand_dims=True, data_format="channels_first")(
        np.transpose(SIG, (0, 2, 1))))
    assert last.shape == (2, 7, 18, 3) and first.shape == (2, 3, 7, 18)
    np.testing.assert_allclose(np.transpose(first, (0, 2, 3, 1)), last, rtol=1e-5, atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="frame_step"):
        layers.STFTSpectrogram(frame_length=8, frame_step=9)
    with pytest.raises(ValueError, match="mode must be one of"):
        layers.STFTSpectrogram(mode="phase")
    with pytest.raises(ValueError, match="3-D input"):
        layers.STFTSpectrogram()(np.zeros((2, 64), "float32"))


def test_kernels_train_on_every_engine(engine):
    model = models.Sequential([layers.Input((64, 1)), layers.STFTSpectrogram("log", 16, 8),
                               layers.GlobalAveragePooling1D(), layers.Dense(1)])
    assert len(model.trainable_weights) == 4
    before = [np.array(npy(w.value)) for w in model.layers[0].weights]
    model.compile("adam", "mse")
    model.fit(SIG[:, :, :1], np.ones((2, 1), "float32"), epochs=2, verbose=0)
    assert not np.allclose(npy(model.layers[0].weights[0].value), before[0])


@pytest.mark.keras_oracle
@pytest.mark.parametrize("kwargs", [{"mode": "log"}, {"mode": "magnitude", "padding": "same"},
                                    {"mode": "psd", "window": "hamming", "scaling": "spectrum"},
                                    {"mode": "stft", "expand_dims": True, "periodic": True},
                                    {"mode": "real", "fft_length": 64, "frame_step": 5}])
def test_same_values_as_keras(engine, keras_module, kwargs):
    ours = npy(layers.STFTSpectrogram(frame_length=32, **kwargs)(SIG))
    kl = keras_module.layers.STFTSpectrogram(frame_length=32, **kwargs)
    theirs = np.asarray(keras_module.ops.convert_to_numpy(kl(SIG)), np.float64)
    np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=2e-4)
