"""``ContrastLimitedAdaptiveHistogramEqualization`` (CLAHE), as Keras 3's layer."""
from __future__ import annotations

from ... import ops
from .image_common import ImageLayer, check_value_range, rescale


class ContrastLimitedAdaptiveHistogramEqualization(ImageLayer):
    """Histogram equalization per tile, with clipped histograms, blended between tiles.

    Keras 3's algorithm: on the ``[0, 255]`` scale, the image is padded
    (symmetric, at the bottom and right) to a whole number of
    ``tile_grid_size`` tiles; each tile and channel gets a 256-bin histogram of
    the truncated pixel values, clipped at ``clip_limit * tile_pixels / 256``
    with the excess spread evenly over the bins (when ``clip_limit > 0``); its
    cumulative counts ``cdf`` give the map ``255 (cdf - cdf[0]) / (n - cdf[0])``.
    Each pixel reads the maps of the four nearest tile centres and blends them
    bilinearly (edge tiles repeat outwards). Deterministic: applies in training
    and at inference, as Keras.

    Args:
        value_range: ``(low, high)`` of the pixels (default ``(0, 255)``).
        clip_limit: the contrast limit (``<= 0``: no clipping).
        tile_grid_size: ``(rows, columns)`` of tiles.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8), data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        name = f"{type(self).__name__} '{self.name}'"
        self.value_range = check_value_range(self, value_range, sort=False)
        if isinstance(clip_limit, bool) or not isinstance(clip_limit, (int, float)):
            raise ValueError(f"{name}: `clip_limit` must be a number, got {clip_limit!r}.")
        if (not isinstance(tile_grid_size, (tuple, list)) or len(tile_grid_size) != 2
                or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in tile_grid_size)):
            raise ValueError(f"{name}: `tile_grid_size` must be a pair of positive ints, "
                             f"got {tile_grid_size!r}.")
        self.clip_limit = clip_limit
        self.tile_grid_size = tuple(tile_grid_size)

    def _maps(self, pixels, b, c, gh, gw, th, tw):
        """``(B, gh + 2, gw + 2, C, 256)`` lookup tables, edge tiles repeated outwards."""
        tiles = ops.reshape(pixels, (b, gh, th, gw, tw, c))
        # one bincount over (image, tile row, tile column, channel, value)
        cell = ops.reshape(ops.arange(0, b * gh * gw * c, dtype="int32"), (b, gh, 1, gw, 1, c))
        index = ops.add(ops.multiply(cell, 256), tiles)
        hist = ops.bincount(ops.reshape(index, (-1,)), minlength=b * gh * gw * c * 256)
        hist = ops.cast(ops.reshape(hist, (b, gh, gw, c, 256)), "float32")
        n = float(th * tw)
        if self.clip_limit > 0:
            clipped = ops.minimum(hist, self.clip_limit * n / 256.0)
            excess = ops.sum(ops.subtract(hist, clipped), axis=-1, keepdims=True)
            hist = ops.add(clipped, ops.divide(excess, 256.0))
        cdf = ops.cumsum(hist, axis=-1)
        low = ops.min(cdf, axis=-1, keepdims=True)
        denom = ops.subtract(n, low)
        denom = ops.where(ops.equal(denom, 0.0), ops.ones_like(denom), denom)
        maps = ops.clip(ops.divide(ops.multiply(ops.subtract(cdf, low), 255.0), denom), 0.0, 255.0)
        return ops.pad(maps, [[0, 0], [1, 1], [1, 1], [0, 0], [0, 0]], mode="symmetric")

    @staticmethod
    def _axis(size, tile, grid):
        """Neighbouring tile indices (into the padded map) and weights along one axis."""
        pos = [(i - tile / 2.0) / tile + 1.0 for i in range(size)]
        lo = [int(p // 1) for p in pos]
        weight = [p - f for p, f in zip(pos, lo)]
        clip = lambda v: min(max(v, 0), grid + 1)  # noqa: E731
        return [clip(v) for v in lo], [clip(v + 1) for v in lo], weight

    def _clahe(self, x):
        b, h, w, c = ops.shape(x)
        gh, gw = self.tile_grid_size
        th, tw = -(-h // gh), -(-w // gw)
        if th * gh != h or tw * gw != w:
            x = ops.pad(x, [[0, 0], [0, th * gh - h], [0, tw * gw - w], [0, 0]], mode="symmetric")
        pixels = ops.clip(ops.cast(x, "int32"), 0, 255)
        maps = ops.reshape(self._maps(pixels, b, c, gh, gw, th, tw), (-1,))
        y0, y1, wy = self._axis(th * gh, th, gh)
        x0, x1, wx = self._axis(tw * gw, tw, gw)
        stride_x = 256 * c
        stride_y = stride_x * (gw + 2)
        stride_b = stride_y * (gh + 2)
        image = ops.reshape(ops.arange(0, b * stride_b, stride_b, dtype="int32"), (b, 1, 1, 1))
        channel = ops.reshape(ops.arange(0, 256 * c, 256, dtype="int32"), (1, 1, 1, c))
        base = ops.add(ops.add(pixels, image), channel)

        def rows(r):
            return ops.reshape(ops.convert([v * stride_y for v in r], "int32"), (1, -1, 1, 1))

        def cols(r):
            return ops.reshape(ops.convert([v * stride_x for v in r], "int32"), (1, 1, -1, 1))

        def at(r, q):
            return ops.take(maps, ops.add(base, ops.add(rows(r), cols(q))))

        fy = ops.reshape(ops.convert(wy, "float32"), (1, -1, 1, 1))
        fx = ops.reshape(ops.convert(wx, "float32"), (1, 1, -1, 1))
        top = ops.add(ops.multiply(at(y0, x0), ops.subtract(1.0, fx)), ops.multiply(at(y0, x1), fx))
        bottom = ops.add(ops.multiply(at(y1, x0), ops.subtract(1.0, fx)), ops.multiply(at(y1, x1), fx))
        out = ops.add(ops.multiply(top, ops.subtract(1.0, fy)), ops.multiply(bottom, fy))
        return ops.getitem(out, (slice(None), slice(0, h), slice(0, w)))

    def call(self, inputs, training=None):
        x, unbatched = self._nhwc(inputs)
        dtype = ops.dtype(x)
        y = rescale(ops.cast(x, "float32"), self.value_range, (0, 255))
        y = rescale(self._clahe(y), (0, 255), self.value_range)
        return self._back(ops.cast(y, dtype), unbatched)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range, "clip_limit": self.clip_limit,
                "tile_grid_size": self.tile_grid_size}
