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
