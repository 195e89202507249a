"""Image ops, channels-last unless ``data_format`` says otherwise: resizing, affine and
perspective transforms, colour spaces, filters, patches.

Part of the ops contract (see ``kerasette/backends/base.py`` for the rules).

Every op here is *derived*: written once on other contract methods (``take``,
``where``, ``matmul``, ``conv``, ``depthwise_conv``, ``pad``, ...), so each runs on
every engine and is differentiable w.r.t. the images wherever Keras's op is (the
NumPy engine's tape differentiates the pieces). The numbers follow Keras 3 on its
JAX backend: ``resize`` and ``scale_and_translate`` are ``jax.image``'s
separable kernels (half-pixel centres, antialiasing by widening the kernel when
downsampling), the samplers (``map_coordinates``, ``affine_transform``,
``perspective_transform``, ``elastic_transform``) are
``jax.scipy.ndimage.map_coordinates``'s (order 0 rounds half to even; order 1 is
linear; each interpolation tap outside the input is fixed by the fill mode, or
replaced by ``fill_value`` in ``'constant'`` mode). Where Keras's JAX backend has
a quirk worth keeping (``gaussian_blur``'s ``kernel_size``/``sigma`` are
``(width, height)``), or one not worth keeping, the method's docstring says so.

``data_format=None`` means ``kerasette.config.image_data_format()``.
"""
from __future__ import annotations

import abc
import math

import numpy as _np  # host-side constants only (weights from static sizes, seeds)

_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
_SAMPLE_ORDERS = {"nearest": 0, "bilinear": 1}
_RESIZE_METHODS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5", "area")
_ST_KERNELS = {"linear": "linear", "bilinear": "linear", "trilinear": "linear", "triangle": "linear",
               "cubic": "cubic", "bicubic": "cubic", "tricubic": "cubic",
               "lanczos3": "lanczos3", "lanczos5": "lanczos5"}
_F32_EPS = float(_np.finfo(_np.float32).eps)


def _data_format(op, data_format):
    if data_format is None:
        from ... import config
        data_format = config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"image.{op}: `data_format` must be 'channels_last' or 'channels_first', "
                         f"got {data_format!r}.")
    return data_format


def _choice(op, name, value, choices):
    if value not in choices:
        raise ValueError(f"image.{op}: invalid `{name}` {value!r}; expected one of {tuple(choices)}.")


def _pair(op, name, v, n=2):
    if isinstance(v, (list, tuple)):
        if len(v) != n:
            raise ValueError(f"image.{op}: `{name}` must be an int or a tuple of {n}, got {v!r}.")
        return tuple(v)
    return (v,) * n


class ImageOps(abc.ABC):
    """Image ops, channels-last unless ``data_format`` says otherwise."""

    # ------------------------------------------------------------------ helpers
    def _img_in(self, op, images, data_format, ranks=(3, 4)):
        """``(images as (B, H, W, C), unbatched, data_format)`` after checking the rank."""
        x = self.convert(images)
        df = _data_format(op, data_format)
        nd = self.ndim(x)
        if nd not in ranks:
            raise ValueError(f"image.{op}: expected rank 3 (single image) or rank 4 (batch of images), "
                             f"got images of shape {tuple(self.shape(x))}.")
        unbatched = nd == 3
        if unbatched:
            x = self.expand_dims(x, 0)
        if df == "channels_first":
            x = self.transpose(x, (0, 2, 3, 1))
        return x, unbatched, df

    def _img_out(self, x, unbatched, df):
        if df == "channels_first":
            x = self.transpose(x, (0, 3, 1, 2))
        if unbatched:
            x = self.squeeze(x, 0)
        return x

    def _img_float(self, x):
        """``(x as a float array, original dtype)``: integer images compute in float32."""
        dt = self.dtype(x)
        if dt.startswith("float") or dt == "bfloat16":
            return x, dt
        return self.cast(x, "float32"), dt

    def _img_back(self, x, dt, half_even=False):
        """Cast a float result back to ``dt``, rounding integers half away from zero (as
        ``jax.scipy.ndimage.map_coordinates``) or, with ``half_even``, half to even (as
        Keras's ``resize``), and saturating."""
        if self.dtype(x) == dt:
            return x
        if dt.startswith("float") or dt == "bfloat16":
            return self.cast(x, dt)
        if dt == "bool":
            return self.cast(x, dt)
        if half_even:
            r = self.round(x)
        else:
            r = self.multiply(self.sign(x), self.floor(self.add(self.abs(x), 0.5)))
        info = _np.iinfo(_np.dtype(dt))
        return self.cast(self.clip(r, float(info.min), float(info.max)), dt)

    def _img_fix_index(self, i, size, mode):
        """``(index in [0, size), validity mask or None)`` for int32 tap indices ``i``."""
        if mode == "constant":
            ok = self.logical_and(self.greater_equal(i, 0), self.less(i, size))
            return self.clip(i, 0, size - 1), ok
        if mode == "nearest":
            return self.clip(i, 0, size - 1), None
        if mode == "wrap":
            return self.mod(i, size), None
        if mode == "mirror":  # d c b | a b c d | c b a
            if size == 1:
                return self.zeros_like(i), None
            s = size - 1
            return self.abs(self.subtract(self.mod(self.add(i, s), 2 * s), s)), None
        # reflect: d c b a | a b c d | d c b a
        t = self.abs(self.subtract(self.mod(self.add(self.add(self.multiply(i, 2), 1), 2 * size),
                                            4 * size), 2 * size))
        return self.floor_divide(self.subtract(t, 1), 2), None

    def _img_taps(self, coord, size, order, mode):
        """Interpolation taps along one axis: ``[(index int32, valid or None, weight or None)]``."""
        if order == 0:
            nodes = [(self.round(coord), None)]
        else:
            lo = self.floor(coord)
            hi_w = self.subtract(coord, lo)
            nodes = [(lo, self.subtract(1.0, hi_w)), (self.add(lo, 1.0), hi_w)]
        taps = []
        for idx, w in nodes:
            fixed, ok = self._img_fix_index(self.cast(idx, "int32"), size, mode)
            taps.append((fixed, ok, w))
        return taps

    def _img_combine(self, parts, fn):
        out = None
        for p in parts:
            if p is not None:
                out = p if out is None else fn(out, p)
        return out

    def _img_sample(self, x, ys, xs, order, fill_mode, fill_value):
        """Sample ``x`` ``(B, H, W, C)`` (float) at source rows ``ys`` and columns ``xs``
        (float, broadcastable to ``(B, H', W')``): ``(B, H', W', C)``."""
        bsz, h, w, c = self.shape(x)
        dt = self.dtype(x)
        out_shape = tuple(_np.broadcast_shapes(tuple(self.shape(ys)), tuple(self.shape(xs)), (bsz, 1, 1)))
        ys = self.broadcast_to(self.cast(ys, dt), out_shape)
        xs = self.broadcast_to(self.cast(xs, dt), out_shape)
        flat = self.reshape(x, (bsz * h * w, c))
        base = self.reshape(self.arange(0, bsz * h * w, h * w, dtype="int32"), (bsz, 1, 1))
        fill = self.cast(self.convert(fill_value), dt)
        total = None
        for iy, oky, wy in self._img_taps(ys, h, order, fill_mode):
            for ix, okx, wx in self._img_taps(xs, w, order, fill_mode):
                idx = self.add(self.add(self.multiply(iy, w), ix), base)
                vals = self.reshape(self.take(flat, self.reshape(idx, (-1,)), axis=0), out_shape + (c,))
                ok = self._img_combine((oky, okx), self.logical_and)
                if ok is not None:
                    vals = self.where(self.expand_dims(ok, -1), vals, fill)
                wt = self._img_combine((wy, wx), self.multiply)
                if wt is not None:
                    vals = self.multiply(vals, self.expand_dims(wt, -1))
                total = vals if total is None else self.add(total, vals)
        return total

    def _img_grid(self, h, w, dt):
        """``(ys (1, H, 1), xs (1, 1, W))``: the output pixel coordinates."""
        return (self.reshape(self.arange(0, h, dtype=dt), (1, h, 1)),
                self.reshape(self.arange(0, w, dtype=dt), (1, 1, w)))

    def _img_gauss1d(self, size, sigma, dt):
        x = self.subtract(self.arange(0, size, dtype=dt), (size - 1) / 2.0)
        s = sigma if isinstance(sigma, (int, float)) else self.cast(sigma, dt)
        k = self.exp(self.multiply(-0.5, self.square(self.divide(x, s))))
        return self.divide(k, self.sum(k))

    # ------------------------------------------------------------------ colour
    def rgb_to_grayscale(self, images, data_format=None):
        """Luma ``0.2989 R + 0.5870 G + 0.1140 B`` keeping the channel axis (size 1).

        ``images``: rank 3 or 4 with 3 channels (1 channel is returned as is). The
        result has the input's dtype; integer images are weighted in float32 and
        truncated back (as Keras on JAX). Differentiable."""
        x = self.convert(images)
        df = _data_format("rgb_to_grayscale", data_format)
        if self.ndim(x) not in (3, 4):
            raise ValueError("image.rgb_to_grayscale: expected rank 3 (single image) or rank 4 (batch of "
                             f"images), got images of shape {tuple(self.shape(x))}.")
        axis = self.ndim(x) - 1 if df == "channels_last" else self.ndim(x) - 3
        ch = self.shape(x)[axis]
        if ch not in (1, 3):
            raise ValueError(f"image.rgb_to_grayscale: expected 3 (RGB) or 1 (grayscale) channels, got "
                             f"images of shape {tuple(self.shape(x))}.")
        if ch == 1:
            return x
        xf, dt = self._img_float(x)
        wts = self.convert(_np.array([0.2989, 0.5870, 0.1140]), self.dtype(xf))
        y = self.expand_dims(self.tensordot(xf, wts, axes=([axis], [0])), axis)
        return y if self.dtype(y) == dt else self.cast(y, dt)

    def _img_split3(self, op, images, data_format):
        x = self.convert(images)
        df = _data_format(op, data_format)
        if self.ndim(x) not in (3, 4):
            raise ValueError(f"image.{op}: expected rank 3 (single image) or rank 4 (batch of images), "
                             f"got images of shape {tuple(self.shape(x))}.")
        dt = self.dtype(x)
        if not (dt.startswith("float") or dt == "bfloat16"):
            raise ValueError(f"image.{op}: expected a float dtype, got images of dtype {dt}.")
        axis = self.ndim(x) - 1 if df == "channels_last" else self.ndim(x) - 3
        if self.shape(x)[axis] != 3:
            raise ValueError(f"image.{op}: expected 3 channels on axis {axis}, got images of shape "
                             f"{tuple(self.shape(x))}.")
        return x, axis, [self.squeeze(p, axis) for p in self.split(x, 3, axis=axis)]

    def rgb_to_hsv(self, images, data_format=None):
        """RGB to HSV, all three in ``[0, 1]`` for RGB in ``[0, 1]`` (hue of a grey is 0).

        Float images only (``ValueError`` otherwise); values below the dtype's eps in
        magnitude count as 0, as Keras. Differentiable away from the hue's branch points."""
        x, axis, (r, g, b) = self._img_split3("rgb_to_hsv", images, data_format)
        eps = float(_np.finfo(_np.float16 if self.dtype(x) == "float16" else
                              _np.float64 if self.dtype(x) == "float64" else _np.float32).eps)
        zero = self.zeros_like(r)
        r, g, b = (self.where(self.less(self.abs(p), eps), zero, p) for p in (r, g, b))
        value = self.maximum(self.maximum(r, g), b)
        rng = self.subtract(value, self.minimum(self.minimum(r, g), b))
        pos_v, pos_r = self.greater(value, 0.0), self.greater(rng, 0.0)
        one = self.ones_like(r)
        sat = self.where(pos_v, self.divide(rng, self.where(pos_v, value, one)), zero)
        norm = self.divide(1.0, self.multiply(6.0, self.where(pos_r, rng, one)))
        hue = self.where(self.equal(value, g), self.add(self.multiply(norm, self.subtract(b, r)), 2.0 / 6.0),
                         self.add(self.multiply(norm, self.subtract(r, g)), 4.0 / 6.0))
        hue = self.where(self.equal(value, r), self.multiply(norm, self.subtract(g, b)), hue)
        hue = self.add(self.where(pos_r, hue, zero), self.cast(self.less(hue, 0.0), self.dtype(hue)))
        return self.stack([hue, sat, value], axis=axis)

    def hsv_to_rgb(self, images, data_format=None):
        """HSV to RGB (inverse of ``rgb_to_hsv``; hue taken modulo 1). Float images only.
        Differentiable."""
        x, axis, (h, s, v) = self._img_split3("hsv_to_rgb", images, data_format)
        dh = self.multiply(self.subtract(h, self.floor(h)), 6.0)
        dr = self.clip(self.subtract(self.abs(self.subtract(dh, 3.0)), 1.0), 0.0, 1.0)
        dg = self.clip(self.subtract(2.0, self.abs(self.subtract(dh, 2.0))), 0.0, 1.0)
        db = self.clip(self.subtract(2.0, self.abs(self.subtract(dh, 4.0))), 0.0, 1.0)
        one_minus_s = self.subtract(1.0, s)
        planes = [self.multiply(v, self.add(one_minus_s, self.multiply(s, d))) for d in (dr, dg, db)]
        return self.stack(planes, axis=axis)

    # ------------------------------------------------------------------ resizing
    def _img_st_weights(self, in_size, out_size, scale, translation, kernel, antialias, dt):
        """``(in_size, out_size)`` weights of ``jax.image.scale_and_translate`` along one axis."""
        sample = self.subtract(self.divide(self.subtract(self.add(self.arange(0, out_size, dtype=dt), 0.5),
                                                         translation), scale), 0.5)
        dist = self.abs(self.subtract(self.reshape(sample, (1, out_size)),
                                      self.reshape(self.arange(0, in_size, dtype=dt), (in_size, 1))))
        if antialias:
            dist = self.divide(dist, self.maximum(self.divide(1.0, scale), 1.0))
        if kernel == "linear":
            wts = self.maximum(self.subtract(1.0, dist), 0.0)
        elif kernel == "cubic":  # Keys, a = -0.5
            near = self.add(self.multiply(self.multiply(self.subtract(self.multiply(1.5, dist), 2.5), dist),
                                          dist), 1.0)
            far = self.add(self.multiply(self.subtract(self.multiply(self.add(self.multiply(-0.5, dist), 2.5),
                                                                     dist), 4.0), dist), 2.0)
            wts = self.where(self.less(dist, 1.0), near, self.where(self.less(dist, 2.0), far,
                                                                    self.zeros_like(dist)))
        else:
            radius = 3.0 if kernel == "lanczos3" else 5.0
            pd = self.multiply(math.pi, dist)
            y = self.multiply(radius, self.multiply(self.sin(pd), self.sin(self.divide(pd, radius))))
            safe = self.where(self.greater(dist, 1e-3), pd, self.ones_like(pd))
            out = self.where(self.greater(dist, 1e-3), self.divide(y, self.square(safe)), self.ones_like(y))
            wts = self.where(self.greater(dist, radius), self.zeros_like(out), out)
        total = self.sum(wts, axis=0, keepdims=True)
        big = self.greater(self.abs(total), 1000.0 * _F32_EPS)
        wts = self.where(big, self.divide(wts, self.where(big, total, self.ones_like(total))),
                         self.zeros_like(wts))
        inside = self.logical_and(self.greater_equal(sample, -0.5), self.less_equal(sample, in_size - 0.5))
        return self.where(self.reshape(inside, (1, out_size)), wts, self.zeros_like(wts))

    def _img_apply_axis(self, x, axis, wmat):
        """Contract axis ``axis`` of ``x`` with ``wmat`` ``(in, out)``."""
        y = self.matmul(self.moveaxis(x, axis, -1), wmat)
        return self.moveaxis(y, -1, axis)

    @staticmethod
    def _img_nearest_index(in_size, out_size):
        off = (_np.arange(out_size, dtype=_np.float32) + _np.float32(0.5)) * _np.float32(in_size) \
            / _np.float32(out_size)
        return _np.minimum(_np.floor(off).astype(_np.int32), in_size - 1)

    @staticmethod
    def _img_area_weights(in_size, out_size):
        """Box coverage (TensorFlow's ``area``): output ``o`` averages input ``[o s, (o+1) s)``."""
        s = in_size / out_size
        lo = _np.arange(out_size) * s
        hi = lo + s
        i = _np.arange(in_size)[:, None]
        cover = _np.clip(_np.minimum(i + 1.0, hi[None]) - _np.maximum(i, lo[None]), 0.0, None)
        return cover / s

    def resize(self, images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
               pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
        """Resize rank-3/4 images to ``size = (height, width)``.

        ``interpolation``: ``'bilinear'``, ``'nearest'``, ``'bicubic'`` (Keys, a = -0.5),
        ``'lanczos3'``, ``'lanczos5'`` -- ``jax.image.resize``'s (half-pixel centres;
        ``antialias`` widens the kernel when downsampling; nearest takes input pixel
        ``floor((o + 0.5) * in / out)``) -- or ``'area'`` (TensorFlow's box average;
        Keras offers it on its TensorFlow backend only; ``antialias`` is ignored).
        ``crop_to_aspect_ratio`` first crops the largest centred window of the target
        aspect; ``pad_to_aspect_ratio`` first pads the short side evenly with
        ``fill_value`` (``fill_mode`` must be ``'constant'``). Integer images are
        resized in float32, rounded half to even and saturated back. Differentiable."""
        op = "resize"
        _choice(op, "interpolation", interpolation, _RESIZE_METHODS)
        _choice(op, "fill_mode", fill_mode, ("constant",))
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("image.resize: only one of `pad_to_aspect_ratio` and `crop_to_aspect_ratio` "
                             "can be True.")
        try:
            th, tw = (int(s) for s in size)
        except (TypeError, ValueError):
            raise ValueError(f"image.resize: `size` must be a tuple of two integers (height, width), "
                             f"got {size!r}.") from None
        if th <= 0 or tw <= 0:
            raise ValueError(f"image.resize: `size` must have positive height and width, got {size!r}.")
        x, unbatched, df = self._img_in(op, images, data_format)
        x, dt = self._img_float(x)
        _, h, w, _ = self.shape(x)
        if crop_to_aspect_ratio:
            ch = max(min(h, int(float(w * th) / tw)), 1)
            cw = max(min(w, int(float(h * tw) / th)), 1)
            top, left = int(float(h - ch) / 2), int(float(w - cw) / 2)
            x = self.getitem(x, (slice(None), slice(top, top + ch), slice(left, left + cw)))
        elif pad_to_aspect_ratio:
            ph = int(float(max(h, int(float(w * th) / tw)) - h) / 2)
            pw = int(float(max(w, int(float(h * tw) / th)) - w) / 2)
            if ph > 0:
                x = self.pad(x, ((0, 0), (ph, ph), (0, 0), (0, 0)), constant_values=fill_value)
            elif pw > 0:
                x = self.pad(x, ((0, 0), (0, 0), (pw, pw), (0, 0)), constant_values=fill_value)
        cdt = self.dtype(x) if self.dtype(x) == "float64" else "float32"
        if self.dtype(x) != cdt and interpolation != "nearest":
            x = self.cast(x, cdt)
        for axis, n in ((1, th), (2, tw)):
            m = self.shape(x)[axis]
            if m == n:
                continue
            if interpolation == "nearest":
                x = self.take(x, self.convert(self._img_nearest_index(m, n), "int32"), axis=axis)
            elif interpolation == "area":
                x = self._img_apply_axis(x, axis, self.convert(self._img_area_weights(m, n), cdt))
            else:
                kernel = {"bilinear": "linear", "bicubic": "cubic"}.get(interpolation, interpolation)
                wmat = self._img_st_weights(m, n, n / m, 0.0, kernel, antialias, cdt)
                x = self._img_apply_axis(x, axis, wmat)
        return self._img_out(self._img_back(x, dt, half_even=True), unbatched, df)

    def scale_and_translate(self, images, output_shape, scale, translation, spatial_dims, method,
                            antialias=True):
        """``jax.image.scale_and_translate``: along each axis ``d`` of ``spatial_dims``,
        output sample ``o`` reads the input at ``(o + 0.5 - translation[k]) / scale[k] - 0.5``
        through the ``method`` kernel (``'linear'``/``'bilinear'``/``'trilinear'``/
        ``'triangle'``, ``'cubic'``/``'bicubic'``/``'tricubic'``, ``'lanczos3'``, ``'lanczos5'``),
        widened by ``1 / scale`` when downsampling with ``antialias``; samples outside the
        input are 0. ``output_shape`` is the full output shape (other axes unchanged);
        ``scale``/``translation`` hold one entry per spatial dim (arrays or numbers).
        Integer images give float32 (as ``jax.image``). Differentiable w.r.t.
        ``images`` (and ``scale``/``translation``)."""
        _choice("scale_and_translate", "method", method, tuple(_ST_KERNELS))
        x = self.convert(images)
        shape = tuple(self.shape(x))
        output_shape = tuple(int(s) for s in output_shape)
        spatial_dims = tuple(int(d) % len(shape) for d in spatial_dims)
        if len(output_shape) != len(shape):
            raise ValueError(f"image.scale_and_translate: `output_shape` {output_shape} must have the rank "
                             f"of images {shape}.")
        for d in range(len(shape)):
            if d not in spatial_dims and output_shape[d] != shape[d]:
                raise ValueError(f"image.scale_and_translate: output_shape {output_shape} changes axis {d} "
                                 f"of images {shape}, which is not in spatial_dims {spatial_dims}.")
        x, dt = self._img_float(x)
        cdt = self.dtype(x) if self.dtype(x) == "float64" else "float32"
        x = self.cast(x, cdt) if self.dtype(x) != cdt else x
        sc = self.cast(self.reshape(self.convert(scale), (-1,)), cdt)
        tr = self.cast(self.reshape(self.convert(translation), (-1,)), cdt)
        if self.shape(sc)[0] != len(spatial_dims) or self.shape(tr)[0] != len(spatial_dims):
            raise ValueError(f"image.scale_and_translate: `scale` and `translation` need one entry per "
                             f"spatial dim {spatial_dims}, got shapes {tuple(self.shape(sc))} and "
                             f"{tuple(self.shape(tr))}.")
        for k, d in enumerate(spatial_dims):
            wmat = self._img_st_weights(shape[d], output_shape[d], self.getitem(sc, k), self.getitem(tr, k),
                                        _ST_KERNELS[method], antialias, cdt)
            x = self._img_apply_axis(x, d, wmat)
        return x

    # ------------------------------------------------------------------ cropping, padding
    @staticmethod
    def _img_check_three(op, names, values):
        if [v is None for v in values].count(True) != 1:
            raise ValueError(f"image.{op}: specify exactly two of {', '.join(names)}; got "
                             + ", ".join(f"{n}={v!r}" for n, v in zip(names, values)) + ".")
        for n, v in zip(names, values):
            if v is not None and v < 0:
                raise ValueError(f"image.{op}: {n} must be >= 0, got {n}={v!r}.")

    def pad_images(self, images, top_padding=None, left_padding=None, bottom_padding=None,
                   right_padding=None, target_height=None, target_width=None, data_format=None):
        """Zero-pad rank-3/4 images; give exactly two of ``top_padding``,
        ``bottom_padding``, ``target_height`` (and of the width three). Differentiable."""
        op = "pad_images"
        self._img_check_three(op, ("top_padding", "bottom_padding", "target_height"),
                              (top_padding, bottom_padding, target_height))
        self._img_check_three(op, ("left_padding", "right_padding", "target_width"),
                              (left_padding, right_padding, target_width))
        x, unbatched, df = self._img_in(op, images, data_format)
        _, h, w, _ = self.shape(x)
        top = target_height - bottom_padding - h if top_padding is None else top_padding
        bottom = target_height - top - h if bottom_padding is None else bottom_padding
        left = target_width - right_padding - w if left_padding is None else left_padding
        right = target_width - left - w if right_padding is None else right_padding
        for n, v in (("top_padding", top), ("bottom_padding", bottom), ("left_padding", left),
                     ("right_padding", right)):
            if v < 0:
                raise ValueError(f"image.{op}: the target size is smaller than images of shape "
                                 f"{tuple(self.shape(images))}: {n} would be {v}.")
        x = self.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
        return self._img_out(x, unbatched, df)

    def crop_images(self, images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                    right_cropping=None, target_height=None, target_width=None, data_format=None):
        """Crop rank-3/4 images; give exactly two of ``top_cropping``,
        ``bottom_cropping``, ``target_height`` (and of the width three). Differentiable."""
        op = "crop_images"
        self._img_check_three(op, ("top_cropping", "bottom_cropping", "target_height"),
                              (top_cropping, bottom_cropping, target_height))
        self._img_check_three(op, ("left_cropping", "right_cropping", "target_width"),
                              (left_cropping, right_cropping, target_width))
        x, unbatched, df = self._img_in(op, images, data_format)
        _, h, w, _ = self.shape(x)
        top = h - target_height - bottom_cropping if top_cropping is None else top_cropping
        th = h - bottom_cropping - top if target_height is None else target_height
        left = w - target_width - right_cropping if left_cropping is None else left_cropping
        tw = w - right_cropping - left if target_width is None else target_width
        for n, v in (("top_cropping", top), ("target_height", th), ("left_cropping", left),
                     ("target_width", tw)):
            if v < 0:
                raise ValueError(f"image.{op}: images of shape {tuple(self.shape(images))} are too small: "
                                 f"{n} would be {v}.")
        if top + th > h or left + tw > w:
            raise ValueError(f"image.{op}: the crop [{top}:{top + th}, {left}:{left + tw}] does not fit "
                             f"images of shape {tuple(self.shape(images))}.")
        x = self.getitem(x, (slice(None), slice(top, top + th), slice(left, left + tw)))
        return self._img_out(x, unbatched, df)

    # ------------------------------------------------------------------ sampling
    def map_coordinates(self, inputs, coordinates, order, fill_mode="constant", fill_value=0):
        """``jax.scipy.ndimage.map_coordinates``: ``out[j] = inputs`` interpolated at the
        point ``coordinates[:, j]``.

        ``coordinates``: ``(inputs.ndim, *out_shape)`` (or a list of ``inputs.ndim``
        arrays). ``order``: 0 (nearest, rounding half to even) or 1 (linear).
        ``fill_mode``: ``'constant'`` (taps outside read ``fill_value``),
        ``'nearest'``, ``'wrap'``, ``'mirror'`` or ``'reflect'``. Integer inputs are
        rounded half away from zero back to their dtype. Differentiable w.r.t.
        ``inputs`` (and, where linear, ``coordinates``)."""
        op = "map_coordinates"
        _choice(op, "fill_mode", fill_mode, _FILL_MODES)
        if order not in (0, 1):
            raise ValueError(f"image.map_coordinates: `order` must be 0 or 1, got {order!r}.")
        x = self.convert(inputs)
        if isinstance(coordinates, (list, tuple)):
            coords = [self.convert(c) for c in coordinates]
        else:
            c = self.convert(coordinates)
            if self.ndim(c) < 2:
                raise ValueError("image.map_coordinates: `coordinates` must have rank >= 2 "
                                 f"(inputs.ndim, *out_shape), got shape {tuple(self.shape(c))}.")
            coords = self.unstack(c, axis=0)
        shape = tuple(self.shape(x))
        if len(coords) != len(shape):
            raise ValueError(f"image.map_coordinates: the first dim of `coordinates` ({len(coords)}) must be "
                             f"the rank of inputs {shape}.")
        x, dt = self._img_float(x)
        fdt = self.dtype(x)
        coords = [self.cast(c, fdt) if self.dtype(c) != fdt else c for c in coords]
        out_shape = tuple(_np.broadcast_shapes(*[tuple(self.shape(c)) for c in coords]))
        flat = self.reshape(x, (-1,))
        fill = self.cast(self.convert(fill_value), fdt)
        strides = [int(_np.prod(shape[d + 1:])) for d in range(len(shape))]
        per_axis = [self._img_taps(c, n, order, fill_mode) for c, n in zip(coords, shape)]
        total = None
        for combo in _np.ndindex(*[len(t) for t in per_axis]):
            taps = [per_axis[d][k] for d, k in enumerate(combo)]
            idx = self._img_combine([self.multiply(t[0], s) for t, s in zip(taps, strides)], self.add)
            idx = self.broadcast_to(idx, out_shape)
            vals = self.reshape(self.take(flat, self.reshape(idx, (-1,)), axis=0), out_shape)
            ok = self._img_combine([t[1] for t in taps], self.logical_and)
            if ok is not None:
                vals = self.where(ok, vals, fill)
            wt = self._img_combine([t[2] for t in taps], self.multiply)
            if wt is not None:
                vals = self.multiply(vals, wt)
            total = vals if total is None else self.add(total, vals)
        return self._img_back(total, dt)

    def affine_transform(self, images, transform, interpolation="bilinear", fill_mode="constant",
                         fill_value=0, data_format=None):
        """Sample rank-3/4 images through projective maps ``transform`` ``(8,)`` or ``(B, 8)``:
        ``[a0, a1, a2, b0, b1, b2, c0, c1]`` sends output pixel ``(x, y)`` to input
        ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``, ``k = c0 x + c1 y + 1``.

        ``interpolation``: ``'nearest'`` or ``'bilinear'``; ``fill_mode`` as
        ``map_coordinates``. With ``c0 = c1 = 0`` (affine maps) this is Keras's op on
        every backend; Keras's JAX backend mishandles ``c0``/``c1`` (it adds them times
        the channel index), kerasette divides by ``k`` as TensorFlow does.
        Differentiable w.r.t. ``images``."""
        op = "affine_transform"
        _choice(op, "interpolation", interpolation, tuple(_SAMPLE_ORDERS))
        _choice(op, "fill_mode", fill_mode, _FILL_MODES)
        x, unbatched, df = self._img_in(op, images, data_format)
        t = self.convert(transform)
        if self.ndim(t) not in (1, 2) or self.shape(t)[-1] != 8:
            raise ValueError(f"image.affine_transform: `transform` must be (8,) or (batch, 8), got shape "
                             f"{tuple(self.shape(t))}.")
        x, dt = self._img_float(x)
        fdt = self.dtype(x)
        t = self.cast(t, fdt)
        if self.ndim(t) == 1:
            t = self.expand_dims(t, 0)
        bsz, h, w, _ = self.shape(x)
        if self.shape(t)[0] not in (1, bsz):
            raise ValueError(f"image.affine_transform: {self.shape(t)[0]} transforms for a batch of {bsz} "
                             "images.")
        a0, a1, a2, b0, b1, b2, c0, c1 = (self.reshape(p, (-1, 1, 1)) for p in self.unstack(t, axis=1))
        ys, xs = self._img_grid(h, w, fdt)
        sx = self.add(self.add(self.multiply(a0, xs), self.multiply(a1, ys)), a2)
        sy = self.add(self.add(self.multiply(b0, xs), self.multiply(b1, ys)), b2)
        k = self.add(self.add(self.multiply(c0, xs), self.multiply(c1, ys)), 1.0)
        sx, sy = self.divide(sx, k), self.divide(sy, k)
        out = self._img_sample(x, sy, sx, _SAMPLE_ORDERS[interpolation], fill_mode, fill_value)
        return self._img_out(self._img_back(out, dt), unbatched, df)

    def _img_square_to_quad(self, p):
        """The 3x3 homography (rows of ``(N,)`` arrays) sending the unit square's corners
        ``(0,0), (1,0), (1,1), (0,1)`` to the 4 points ``p`` ``(N, 4, 2)``."""
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = [self.unstack(q, axis=-1) for q in self.unstack(p, axis=1)]
        s = self.subtract
        dx1, dx2, dx3 = s(x1, x2), s(x3, x2), self.add(s(x0, x1), s(x2, x3))
        dy1, dy2, dy3 = s(y1, y2), s(y3, y2), self.add(s(y0, y1), s(y2, y3))
        den = s(self.multiply(dx1, dy2), self.multiply(dx2, dy1))
        g = self.divide(s(self.multiply(dx3, dy2), self.multiply(dx2, dy3)), den)
        hh = self.divide(s(self.multiply(dx1, dy3), self.multiply(dx3, dy1)), den)
        one = self.ones_like(x0)
        return [[self.add(s(x1, x0), self.multiply(g, x1)), self.add(s(x3, x0), self.multiply(hh, x3)), x0],
                [self.add(s(y1, y0), self.multiply(g, y1)), self.add(s(y3, y0), self.multiply(hh, y3)), y0],
                [g, hh, one]]

    def _img_matmul3(self, a, b):
        return [[self._img_combine([self.multiply(a[i][k], b[k][j]) for k in range(3)], self.add)
                 for j in range(3)] for i in range(3)]

    def _img_adjugate3(self, m):
        def c(i, j):
            r = [k for k in range(3) if k != i]
            q = [k for k in range(3) if k != j]
            minor = self.subtract(self.multiply(m[r[0]][q[0]], m[r[1]][q[1]]),
                                  self.multiply(m[r[0]][q[1]], m[r[1]][q[0]]))
            return minor if (i + j) % 2 == 0 else self.negative(minor)
        return [[c(j, i) for j in range(3)] for i in range(3)]

    def _img_homography(self, start_points, end_points):
        """``(N, 8)`` coefficients ``t`` of the map sending ``end_points`` to ``start_points``
        (``x' = (t0 x + t1 y + t2) / (t6 x + t7 y + 1)``, ``y'`` with ``t3..t5``), in closed
        form (square-to-quad maps and a 3x3 adjugate) so every engine differentiates it."""
        hm = self._img_matmul3(self._img_square_to_quad(start_points),
                               self._img_adjugate3(self._img_square_to_quad(end_points)))
        flat = [self.divide(hm[i][j], hm[2][2]) for i in range(3) for j in range(3)][:8]
        return self.stack(flat, axis=-1)

    def perspective_transform(self, images, start_points, end_points, interpolation="bilinear",
                              fill_value=0, data_format=None):
        """Warp rank-3/4 images so that the 4 ``start_points`` land on ``end_points``
        (each ``(4, 2)`` or ``(N, 4, 2)`` of ``(x, y)`` pixel coordinates): output pixel
        ``p`` reads the input at ``H(p)``, ``H`` the homography sending the end points to
        the start points. Pixels read from outside the image are ``fill_value``.
        ``interpolation``: ``'nearest'`` or ``'bilinear'``. Differentiable w.r.t.
        ``images`` (and the points)."""
        op = "perspective_transform"
        _choice(op, "interpolation", interpolation, tuple(_SAMPLE_ORDERS))
        sp, ep = self.convert(start_points), self.convert(end_points)
        for n, p in (("start_points", sp), ("end_points", ep)):
            if self.ndim(p) not in (2, 3) or tuple(self.shape(p))[-2:] != (4, 2):
                raise ValueError(f"image.perspective_transform: `{n}` must be (4, 2) or (N, 4, 2), got shape "
                                 f"{tuple(self.shape(p))}.")
        if tuple(self.shape(sp)) != tuple(self.shape(ep)):
            raise ValueError("image.perspective_transform: start_points and end_points must have the same "
                             f"shape, got {tuple(self.shape(sp))} and {tuple(self.shape(ep))}.")
        x, unbatched, df = self._img_in(op, images, data_format)
        x, dt = self._img_float(x)
        fdt = self.dtype(x)
        sp, ep = (self.cast(p, fdt) for p in (sp, ep))
        if self.ndim(sp) == 2:
            sp, ep = self.expand_dims(sp, 0), self.expand_dims(ep, 0)
        t = self._img_homography(sp, ep)
        bsz, h, w, _ = self.shape(x)
        t0, t1, t2, t3, t4, t5, t6, t7 = (self.reshape(p, (-1, 1, 1)) for p in self.unstack(t, axis=1))
        ys, xs = self._img_grid(h, w, fdt)
        den = self.add(self.add(self.multiply(t6, xs), self.multiply(t7, ys)), 1.0)
        sx = self.divide(self.add(self.add(self.multiply(t0, xs), self.multiply(t1, ys)), t2), den)
        sy = self.divide(self.add(self.add(self.multiply(t3, xs), self.multiply(t4, ys)), t5), den)
        out = self._img_sample(x, sy, sx, _SAMPLE_ORDERS[interpolation], "constant", fill_value)
        return self._img_out(self._img_back(out, dt), unbatched, df)

    # ------------------------------------------------------------------ filters
    def gaussian_blur(self, images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
        """Gaussian blur of each channel, ``'same'`` size with zero padding (separable: a pass
        along the height, then one along the width).

        As Keras on JAX, ``kernel_size = (kw, kh)`` and ``sigma = (sigma_x, sigma_y)``: the
        first entries act along the width (an int/float is used for both; ``sigma`` may
        be a ``(2,)`` tensor). Integer images are blurred in float32 and returned as
        float32. ``data_format=None`` is the config's format as documented (Keras 3.15's
        JAX backend reads ``None`` as channels-first here). Differentiable (also w.r.t.
        a tensor ``sigma``)."""
        op = "gaussian_blur"
        kx, ky = (int(k) for k in _pair(op, "kernel_size", kernel_size))
        if isinstance(sigma, (list, tuple)):
            sx, sy = _pair(op, "sigma", sigma)
        elif len(getattr(sigma, "shape", ())) == 1:
            sx, sy = self.unstack(self.convert(sigma))
        else:
            sx = sy = sigma
        if kx < 1 or ky < 1:
            raise ValueError(f"image.{op}: `kernel_size` must be positive, got {kernel_size!r}.")
        x, unbatched, df = self._img_in(op, images, data_format)
        x, _ = self._img_float(x)
        y = self._img_blur(x, kx, ky, sx, sy)
        return self._img_out(y, unbatched, df)

    def _img_blur(self, x, kx, ky, sx, sy):
        """Separable Gaussian blur of NHWC ``x`` (a pass along H, then along W), zero padded."""
        dt = self.dtype(x)
        c = self.shape(x)[-1]
        gy = self.broadcast_to(self.reshape(self._img_gauss1d(ky, sy, dt), (ky, 1, 1, 1)), (ky, 1, c, 1))
        gx = self.broadcast_to(self.reshape(self._img_gauss1d(kx, sx, dt), (1, kx, 1, 1)), (1, kx, c, 1))
        rows = self.depthwise_conv(x, gy, 1, "same", "channels_last")
        return self.depthwise_conv(rows, gx, 1, "same", "channels_last")

    def sobel_edges(self, images, data_format=None):
        """Sobel gradients ``[dy, dx]`` (3x3 kernels, zero padding, cross-correlation) on a
        new last axis: ``(B, H, W, C, 2)`` (channels_first: ``(B, C, H, W, 2)``); a rank-3
        image gives the same without the batch axis (Keras accepts rank 4 only).
        Float images keep their dtype, integers give float32. Differentiable."""
        op = "sobel_edges"
        x, unbatched, df = self._img_in(op, images, data_format)
        x, _ = self._img_float(x)
        dt = self.dtype(x)
        c = self.shape(x)[-1]
        gy = _np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])
        kern = _np.broadcast_to(_np.stack([gy, gy.T], axis=-1)[:, :, None, :], (3, 3, c, 2))
        y = self.depthwise_conv(x, self.convert(_np.ascontiguousarray(kern), dt), 1, "same", "channels_last")
        bsz, h, w, _ = self.shape(y)
        y = self.reshape(y, (bsz, h, w, c, 2))
        if df == "channels_first":
            y = self.transpose(y, (0, 3, 1, 2, 4))
        return self.squeeze(y, 0) if unbatched else y

    def ssim(self, image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
             data_format=None):
        """Structural similarity per image, averaged over space (``'valid'`` Gaussian
        windows of ``filter_size``, ``filter_sigma``) and channels: ``(B,)`` for a batch, a
        scalar for one image. The result has ``image1``'s dtype (integers computed in
        float32 and truncated, as Keras). Differentiable."""
        op = "ssim"
        a, unbatched, df = self._img_in(op, image1, data_format)
        b, _, _ = self._img_in(op, image2, data_format)
        if tuple(self.shape(a)) != tuple(self.shape(b)):
            raise ValueError(f"image.ssim: image1 and image2 must have the same shape, got "
                             f"{tuple(self.shape(image1))} and {tuple(self.shape(image2))}.")
        a, dt = self._img_float(a)
        fdt = self.dtype(a)
        b = self.cast(b, fdt) if self.dtype(b) != fdt else b
        bsz, h, w, c = self.shape(a)
        if h < filter_size or w < filter_size:
            raise ValueError(f"image.ssim: images of {h}x{w} pixels are smaller than filter_size "
                             f"{filter_size}.")
        g = self._img_gauss1d(filter_size, filter_sigma, fdt)
        kern = self.reshape(self.multiply(self.reshape(g, (-1, 1)), self.reshape(g, (1, -1))),
                            (filter_size, filter_size, 1, 1))
        kern = self.broadcast_to(kern, (filter_size, filter_size, c, 1))

        def blur(v):
            return self.depthwise_conv(v, kern, 1, "valid", "channels_last")

        c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
        mu1, mu2 = blur(a), blur(b)
        mu11, mu22, mu12 = self.multiply(mu1, mu1), self.multiply(mu2, mu2), self.multiply(mu1, mu2)
        s11 = self.subtract(blur(self.multiply(a, a)), mu11)
        s22 = self.subtract(blur(self.multiply(b, b)), mu22)
        s12 = self.subtract(blur(self.multiply(a, b)), mu12)
        num = self.multiply(self.add(self.multiply(2.0, mu12), c1), self.add(self.multiply(2.0, s12), c2))
        den = self.multiply(self.add(self.add(mu11, mu22), c1), self.add(self.add(s11, s22), c2))
        val = self.mean(self.divide(num, den), axis=(1, 2, 3))
        if unbatched:
            val = self.squeeze(val, 0)
        return val if dt == fdt else self.cast(val, dt)

    # ------------------------------------------------------------------ patches
    def _img_patches(self, op, x, window, strides, dilation_rate, padding, df, nsp):
        """Patches by a convolution with an identity kernel (Keras's construction)."""
        _choice(op, "padding", padding, ("valid", "same"))
        unbatched = self.ndim(x) == nsp + 1
        if unbatched:
            x = self.expand_dims(x, 0)
        if df == "channels_first":
            x = self.moveaxis(x, 1, -1)
        x, _ = self._img_float(x)
        c = self.shape(x)[-1]
        n = int(_np.prod(window)) * c
        kern = self.convert(_np.eye(n).reshape(tuple(window) + (c, n)), self.dtype(x))
        y = self.conv(x, kern, strides, padding, "channels_last", dilation_rate)
        if df == "channels_first":
            y = self.moveaxis(y, -1, 1)
        return self.squeeze(y, 0) if unbatched else y

    def extract_patches(self, images, size, strides=None, dilation_rate=1, padding="valid",
                        data_format=None):
        """Patches of ``size`` (int or ``(ph, pw)``) flattened into the channel axis:
        ``(B, oh, ow, ph * pw * C)`` (row-major over ``(ph, pw, C)``), stepping by
        ``strides`` (default ``size``), with ``dilation_rate`` and ``'valid'``/``'same'``
        padding. A 3-tuple ``size`` extracts 3-D patches (``extract_patches_3d``).
        Integer images give float32 patches. Differentiable."""
        op = "extract_patches"
        if isinstance(size, (list, tuple)) and len(size) == 3:
            return self.extract_patches_3d(images, size, strides, dilation_rate, padding, data_format)
        window = _pair(op, "size", size)
        df = _data_format(op, data_format)
        x = self.convert(images)
        if self.ndim(x) not in (3, 4):
            raise ValueError(f"image.{op}: expected rank 3 (single image) or rank 4 (batch of images), "
                             f"got images of shape {tuple(self.shape(x))}.")
        return self._img_patches(op, x, window, strides or window, dilation_rate, padding, df, 2)

    def extract_patches_3d(self, volumes, size, strides=None, dilation_rate=1, padding="valid",
                           data_format=None):
        """3-D patches of ``size`` (int or ``(pd, ph, pw)``) of rank-4/5 volumes flattened
        into the channel axis: ``(B, od, oh, ow, pd * ph * pw * C)``; ``strides`` default to
        ``size``. Differentiable."""
        op = "extract_patches_3d"
        window = _pair(op, "size", size, 3)
        strides = window if strides is None else _pair(op, "strides", strides, 3)
        df = _data_format(op, data_format)
        x = self.convert(volumes)
        if self.ndim(x) not in (4, 5):
            raise ValueError(f"image.{op}: expected rank 4 (single volume) or rank 5 (batch of volumes), "
                             f"got volumes of shape {tuple(self.shape(x))}.")
        return self._img_patches(op, x, window, strides, dilation_rate, padding, df, 3)

    # ------------------------------------------------------------------ random
    def elastic_transform(self, images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                          fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
        """Elastic deformation: each pixel reads the input at its position plus
        ``alpha * blur(sigma * N(0, 1))`` (independent ``dx``, ``dy`` fields per image,
        Gaussian blur of size ``int(6 sigma) | 1`` and ``sigma``, zero padded), sampled
        as ``map_coordinates`` with ``interpolation`` and ``fill_mode``.

        The noise is drawn on the host with NumPy's ``default_rng(seed)`` (two
        ``(B, H, W)`` standard-normal fields, ``dx`` first), so one seed gives the same
        output on every engine; it differs from Keras's draws (Keras's JAX backend also
        uses the same field for ``dx`` and ``dy``). ``seed=None`` draws fresh entropy.
        Differentiable w.r.t. ``images``."""
        op = "elastic_transform"
        _choice(op, "interpolation", interpolation, tuple(_SAMPLE_ORDERS))
        _choice(op, "fill_mode", fill_mode, _FILL_MODES)
        x, unbatched, df = self._img_in(op, images, data_format)
        bsz, h, w, _ = self.shape(x)
        if seed is not None and not isinstance(seed, int):
            seed = int(_np.asarray(self.to_numpy(self.convert(seed))))
        noise = _np.random.default_rng(seed).standard_normal((2, bsz, h, w)).astype(_np.float32)
        out = self._img_elastic(x, noise[0], noise[1], alpha, sigma, interpolation, fill_mode, fill_value)
        return self._img_out(out, unbatched, df)

    def _img_elastic(self, x, dx, dy, alpha, sigma, interpolation, fill_mode, fill_value):
        """The deterministic part of ``elastic_transform`` on NHWC ``x`` given the raw
        standard-normal fields ``dx``, ``dy`` ``(B, H, W)`` (a test feeds Keras's draws)."""
        x, dt = self._img_float(x)
        fdt = self.dtype(x)
        alpha, sigma = float(alpha), float(sigma)
        k = int(6 * sigma) | 1
        fields = self.stack([self.convert(dx, fdt), self.convert(dy, fdt)], axis=-1)  # (B, H, W, 2)
        fields = self._img_blur(self.multiply(fields, sigma), k, k, sigma, sigma)
        ddx, ddy = self.unstack(fields, axis=-1)
        _, h, w, _ = self.shape(x)
        ys, xs = self._img_grid(h, w, fdt)
        out = self._img_sample(x, self.add(ys, self.multiply(ddy, alpha)), self.add(xs, self.multiply(ddx, alpha)),
                               _SAMPLE_ORDERS[interpolation], fill_mode, fill_value)
        return self._img_back(out, dt)
