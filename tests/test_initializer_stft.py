"""The STFT initializer: a windowed DFT basis, checked against NumPy's FFT and Keras 3."""
import numpy as np
import pytest

from kerasette import initializers


def test_kernel_computes_the_dft_of_a_windowed_frame():
    frame, bins = 16, 9
    real = initializers.STFT("real", window="hann", scaling=None)((frame, 1, bins))
    imag = initializers.STFT("imag", window="hann", scaling=None)((frame, 1, bins))
    x = np.random.default_rng(0).normal(size=frame)
    win = np.hanning(frame)  # symmetric Hann
    want = np.fft.rfft(x * win, n=(bins - 1) * 2)
    np.testing.assert_allclose(x @ real[:, 0, :], want.real, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(x @ imag[:, 0, :], want.imag, rtol=1e-4, atol=1e-4)


def test_scaling_periodic_and_errors():
    dens = initializers.STFT(scaling="density", periodic=True)((8, 1, 5))
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(8) / 8)  # periodic Hann
    np.testing.assert_allclose(dens[:, 0, 0], win / np.sqrt((win ** 2).sum()), rtol=1e-6)
    assert isinstance(initializers.get("stft"), initializers.STFT) and initializers.STFTInitializer is initializers.STFT
    with pytest.raises(ValueError, match="side"):
        initializers.STFT(side="both")
    with pytest.raises(ValueError, match="window must have shape"):
        initializers.STFT(window=np.ones(3))((8, 1, 5))
    again = initializers.deserialize(initializers.serialize(initializers.STFT("imag", "hamming", None, True)))
    assert again.get_config() == {"side": "imag", "window": "hamming", "scaling": None, "periodic": True}


@pytest.mark.keras_oracle
@pytest.mark.parametrize("kwargs", [{}, {"side": "imag"}, {"window": "hamming", "scaling": "spectrum"},
                                    {"window": "blackman", "periodic": True}, {"window": None},
                                    {"window": "bartlett"}])
def test_same_kernels_as_keras(keras_module, kwargs):
    ours = initializers.STFT(**kwargs)((32, 1, 17))
    theirs = np.asarray(keras_module.ops.convert_to_numpy(keras_module.initializers.STFT(**kwargs)((32, 1, 17))))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)  # Keras computes the basis in float32
