"""``STFTSpectrogram``: short-time Fourier transforms of 1-D signals as a layer, computed
as a strided convolution with (trainable) windowed-DFT kernels, as Keras does."""
from __future__ import annotations

import math
import warnings

from ... import config, initializers, ops
from ..layer import Layer

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


class STFTSpectrogram(Layer):
    """Spectrograms of ``(batch, time, channels)`` signals (``(batch, channels, time)``
    with ``data_format="channels_first"``).

    Each channel is framed (``frame_length`` samples every ``frame_step``), windowed
    and transformed to ``fft_length // 2 + 1`` frequency bins by a convolution whose
    kernels start as the real and imaginary DFT basis (``initializers.STFT``) and are
    trainable, as in Keras.

    Args:
        mode: ``"log"`` (log magnitude), ``"magnitude"``, ``"psd"`` (one-sided power),
            ``"real"``, ``"imag"``, ``"angle"`` or ``"stft"`` (real then imaginary bins).
        frame_length, frame_step (default ``frame_length // 2``), fft_length (default
            the next power of two): the framing.
        window, periodic, scaling: the window and its normalization (see ``initializers.STFT``).
        padding: ``"valid"`` or ``"same"``.
        expand_dims: keep channels on their own axis: ``(batch, frames, bins, channels)``
            instead of ``(batch, frames, channels * bins)``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None, window="hann",
                 periodic=False, scaling="density", padding="valid", expand_dims=False, data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        where = f"STFTSpectrogram layer '{self.name}'"
        if frame_step is not None and not 1 <= frame_step <= frame_length:
            raise ValueError(f"{where}: `frame_step` should be a positive integer not greater than "
                             f"`frame_length`. Received frame_step={frame_step}, frame_length={frame_length}")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(f"{where}: `fft_length` should be not less than `frame_length`. "
                             f"Received fft_length={fft_length}, frame_length={frame_length}")
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(f"{where}: `fft_length` is recommended to be a power of two. "
                          f"Received fft_length={fft_length}", stacklevel=2)
        if mode not in _MODES:
            raise ValueError(f"{where}: mode must be one of {', '.join(_MODES)}. Received: mode={mode!r}")
        if padding not in ("valid", "same"):
            raise ValueError(f"{where}: padding should be 'valid' or 'same'. Received: padding={padding!r}")
        initializers.STFT("real", window, scaling, periodic)  # validates window and scaling
        self.mode, self.frame_length, self.frame_step, self.fft_length = mode, frame_length, frame_step, fft_length
        self._frame_step = frame_step or frame_length // 2
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window, self.periodic, self.scaling, self.padding = window, periodic, scaling, padding
        self.expand_dims = expand_dims
        self.data_format = data_format or config.image_data_format()

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"STFTSpectrogram layer '{self.name}' expects 3-D input (batch, time, channels); "
                             f"got shape {tuple(input_shape)}.")
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(shape=shape, name="real_kernel", initializer=initializers.STFT(
                "real", self.window, self.scaling, self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(shape=shape, name="imag_kernel", initializer=initializers.STFT(
                "imag", self.window, self.scaling, self.periodic))
        self.built = True

    def _transform(self, signals, kernel):
        """``(batch * channels, time, 1)`` -> ``(batch * channels, frames, bins)``."""
        return ops.conv(signals, ops.cast(kernel, ops.dtype(signals)), strides=self._frame_step,
                        padding=self.padding)

    def call(self, inputs):
        dtype = ops.dtype(inputs)
        if dtype not in ("float16", "float32", "float64"):
            raise TypeError(f"STFTSpectrogram layer '{self.name}': expected float16, float32 or float64 "
                            f"input; received {dtype}.")
        x = inputs if self.data_format == "channels_first" else ops.transpose(inputs, (0, 2, 1))
        batch, channels, time = ops.shape(x)
        x = ops.reshape(x, (-1, time, 1))
        real = self._transform(x, self.real_kernel) if self.mode != "imag" else None
        imag = self._transform(x, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            out = real
        elif self.mode == "imag":
            out = imag
        elif self.mode == "angle":
            out = ops.arctan2(imag, real)
        elif self.mode == "stft":
            out = ops.concatenate([real, imag], axis=-1)
        else:
            power = ops.add(ops.square(real), ops.square(imag))
            if self.mode == "psd":
                inner = ops.pad(ops.getitem(power, (Ellipsis, slice(1, -1))), ((0, 0), (0, 0), (1, 1)))
                out = ops.add(power, inner)
            else:
                out = ops.sqrt(ops.maximum(power, config.epsilon()))
                if self.mode == "log":
                    out = ops.log(ops.maximum(out, config.epsilon()))
        frames, bins = ops.shape(out)[1], ops.shape(out)[2]
        out = ops.reshape(out, (-1, channels, frames, bins))  # (batch, channels, frames, bins)
        if self.expand_dims:
            return ops.transpose(out, (0, 2, 3, 1)) if self.data_format == "channels_last" else out
        out = ops.reshape(ops.transpose(out, (0, 1, 3, 2)), (-1, channels * bins, frames))
        return ops.transpose(out, (0, 2, 1)) if self.data_format == "channels_last" else out

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length, "window": self.window,
                "periodic": self.periodic, "scaling": self.scaling, "padding": self.padding,
                "data_format": self.data_format, "expand_dims": self.expand_dims}


_MEL_BREAK_HZ, _MEL_HIGH_Q = 700.0, 1127.0  # HTK's mel scale: 1127 ln(1 + f / 700)


def _hz_to_mel(f):
    import numpy as np
    return _MEL_HIGH_Q * np.log1p(np.asarray(f, dtype=np.float64) / _MEL_BREAK_HZ)


def linear_to_mel_weight_matrix(num_mel_bins, num_spectrogram_bins, sampling_rate, lower_edge_hertz,
                                upper_edge_hertz):
    """``(num_spectrogram_bins, num_mel_bins)`` triangular filters, linear on the mel scale
    (HTK's, as TensorFlow and Keras); the DC bin gets no weight. A host NumPy array."""
    import numpy as np
    freqs = np.linspace(0.0, sampling_rate / 2.0, num_spectrogram_bins)[1:]
    bins_mel = _hz_to_mel(freqs)[:, None]
    edges = np.linspace(_hz_to_mel(lower_edge_hertz), _hz_to_mel(upper_edge_hertz), num_mel_bins + 2)
    lower, center, upper = edges[:-2][None], edges[1:-1][None], edges[2:][None]
    weights = np.maximum(0.0, np.minimum((bins_mel - lower) / (center - lower), (upper - bins_mel) / (upper - center)))
    return np.pad(weights, ((1, 0), (0, 0)))


class MelSpectrogram(Layer):
    """Mel-scaled (power) spectrograms of raw audio, as ``keras.layers.MelSpectrogram``.

    Input ``(batch, samples)`` or ``(samples,)``; output ``(batch, num_mel_bins, frames)``.
    The signal is framed and transformed by ``ops.stft`` (centred, ``window``), its
    magnitude raised to ``mag_exp``, projected onto ``num_mel_bins`` triangular mel
    filters between ``min_freq`` and ``max_freq``, and with ``power_to_db`` turned to
    decibels relative to ``ref_power``, floored at ``min_power`` and at ``top_db`` below
    the largest value of the batch (Keras's rule).
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None, window="hann",
                 sampling_rate=16000, num_mel_bins=128, min_freq=20.0, max_freq=None, power_to_db=True,
                 top_db=80.0, mag_exp=2.0, min_power=1e-10, ref_power=1.0, **kwargs):
        super().__init__(**kwargs)
        self.fft_length, self.sequence_stride = fft_length, sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(f"MelSpectrogram layer '{self.name}': `fft_length` must be greater than or equal "
                             f"to `sequence_length`. Received: sequence_length={self.sequence_length}, "
                             f"fft_length={self.fft_length}.")
        self.window, self.sampling_rate, self.num_mel_bins = window, sampling_rate, num_mel_bins
        self.min_freq, self.max_freq = min_freq, max_freq or int(sampling_rate / 2)
        self.power_to_db, self.top_db, self.mag_exp = power_to_db, top_db, mag_exp
        self.min_power, self.ref_power = min_power, ref_power
        self._mel = None

    def call(self, inputs):
        dtype = self.compute_dtype if self.compute_dtype in ("float32", "float64") else "float32"
        x = ops.cast(inputs, dtype)
        real, imag = ops.stft(x, self.sequence_length, self.sequence_stride, self.fft_length,
                              window=self.window, center=True)
        spec = ops.power(ops.sqrt(ops.add(ops.square(real), ops.square(imag))), self.mag_exp)
        if self._mel is None:
            self._mel = linear_to_mel_weight_matrix(self.num_mel_bins, ops.shape(spec)[-1], self.sampling_rate,
                                                    self.min_freq, self.max_freq)
        out = ops.tensordot(spec, ops.convert(self._mel, dtype), axes=1)
        if self.power_to_db:
            out = ops.multiply(ops.log10(ops.maximum(out, self.min_power)), 10.0)
            out = ops.subtract(out, 10.0 * math.log10(max(abs(self.ref_power), self.min_power)))
            out = ops.maximum(out, ops.subtract(ops.max(out), self.top_db))
        return ops.cast(ops.swapaxes(out, -1, -2), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        n = input_shape[-1]
        frames = None if n is None else (n + self.sequence_stride + 1) // self.sequence_stride
        return (self.num_mel_bins, frames) if len(input_shape) == 1 else (input_shape[0], self.num_mel_bins, frames)

    def get_config(self):
        return {**super().get_config(), "fft_length": self.fft_length, "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length, "window": self.window,
                "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
                "min_freq": self.min_freq, "max_freq": self.max_freq, "power_to_db": self.power_to_db,
                "top_db": self.top_db, "mag_exp": self.mag_exp, "min_power": self.min_power,
                "ref_power": self.ref_power}
