"""``Equalization``: histogram equalization of image channels, as ``keras.layers.Equalization``."""
from __future__ import annotations

from ... import ops
from .image_common import ImageLayer, check_value_range, rescale


class Equalization(ImageLayer):
    """Spread each channel's values evenly over the value range via its cumulative histogram.

    As Keras 3: one histogram of ``bins`` bins per channel over the whole batch,
    a lookup table from its cumulative counts, and channels with at most one
    occupied bin left as they are. Applies when ``training`` (the default when the
    layer is called directly); at inference the images pass through, as Keras does.

    Args:
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        bins: the number of histogram bins.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if not isinstance(bins, int) or isinstance(bins, bool) or bins < 2:
            raise ValueError(f"Equalization layer '{self.name}': `bins` must be an int >= 2, got {bins!r}.")
        self.value_range = check_value_range(self, value_range)
        self.bins = bins

    def _equalize(self, channel):
        """One channel of the batch, ``(batch, h, w)`` in [0, 255]."""
        n = self.bins
        index = ops.cast(ops.clip(ops.multiply(channel, (n - 1) / 255.0), 0, n - 1), "int32")
        hist = ops.bincount(ops.reshape(index, (-1,)), minlength=n)
        cdf = ops.cumsum(hist)
        cdf_min = ops.take(cdf, ops.argmax(ops.greater(cdf, 0)))
        denom = ops.subtract(ops.take(cdf, n - 1), cdf_min)
        denom = ops.where(ops.equal(denom, 0), ops.ones_like(denom), denom)
        table = ops.divide(ops.cast(ops.multiply(ops.subtract(cdf, cdf_min), 255), "float32"),
                           ops.cast(denom, "float32"))
        table = ops.clip(ops.round(table), 0.0, 255.0)
        equalized = ops.cast(ops.take(table, index), ops.dtype(channel))
        return ops.where(ops.less_equal(ops.count_nonzero(hist), 1), channel, equalized)

    def call(self, inputs, training=True):
        if not training:
            return inputs
        x, unbatched = self._nhwc(inputs)
        y = rescale(x, self.value_range, (0, 255))
        channels = [self._equalize(ops.getitem(y, (Ellipsis, c))) for c in range(ops.shape(y)[-1])]
        y = rescale(ops.stack(channels, axis=-1), (0, 255), self.value_range)
        return self._back(y, unbatched)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range, "bins": self.bins}
