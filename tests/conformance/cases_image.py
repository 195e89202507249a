"""Conformance cases for the image family (``kerasette/backends/contract/image.py``).

References are float64 NumPy written from the ops' documented semantics:
separable kernel matrices for ``resize``/``scale_and_translate`` (``jax.image``'s
definition), ``scipy.ndimage.map_coordinates`` for the samplers (JAX's modes are
SciPy's ``grid-constant``, ``nearest``, ``grid-wrap``, ``mirror``, ``reflect``),
``colorsys`` for the colour spaces, and loops for the filters and patches. The
Keras oracle (``keras=``) checks Keras itself against the same references.
Coordinates are kept off exact half-integers (order-0 rounding differs there
between SciPy and JAX).
"""
from __future__ import annotations

import colorsys

import numpy as np  # noqa: F401

from .cases import SPECIAL, add, away, bools, distinct, ints, m, u  # noqa: F401

F32 = np.float32
_EPS32 = float(np.finfo(np.float32).eps)


# ===================================================================== references
def _to_nhwc(x, df):
    x = np.asarray(x)
    unb = x.ndim == 3
    if unb:
        x = x[None]
    if df == "channels_first":
        x = np.moveaxis(x, 1, -1)
    return x, unb


def _from_nhwc(x, df, unb):
    if df == "channels_first":
        x = np.moveaxis(x, -1, 1)
    return x[0] if unb else x


def r_gray(x, df="channels_last"):
    axis = -1 if df == "channels_last" else -3
    w = np.array([0.2989, 0.5870, 0.1140]).reshape((3,) + (1,) * (-axis - 1))
    return np.sum(x * w, axis=axis, keepdims=True)


def _per_pixel(x, fn, df):
    x, unb = _to_nhwc(x, df)
    out = np.apply_along_axis(lambda p: np.array(fn(*p)), -1, x)
    return _from_nhwc(out, df, unb)


def r_rgb_to_hsv(x, df="channels_last"):
    return _per_pixel(x, colorsys.rgb_to_hsv, df)


def r_hsv_to_rgb(x, df="channels_last"):
    return _per_pixel(x, lambda h, s, v: colorsys.hsv_to_rgb(h % 1.0, s, v), df)


def _kernel(name, d):
    if name == "linear":
        return np.maximum(0.0, 1.0 - d)
    if name == "cubic":
        a = -0.5
        return np.where(d < 1, ((a + 2) * d - (a + 3)) * d * d + 1,
                        np.where(d < 2, ((a * d - 5 * a) * d + 8 * a) * d - 4 * a, 0.0))
    r = 3.0 if name == "lanczos3" else 5.0
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.where(d > 1e-3, r * np.sin(np.pi * d) * np.sin(np.pi * d / r) / (np.pi * d) ** 2, 1.0)
    return np.where(d > r, 0.0, v)


def st_matrix(n_in, n_out, scale, trans, kernel, antialias):
    """(n_in, n_out) weights: output o reads input near (o + 0.5 - trans) / scale - 0.5."""
    sample = (np.arange(n_out) + 0.5 - trans) / scale - 0.5
    d = np.abs(sample[None, :] - np.arange(n_in)[:, None]) / (max(1.0 / scale, 1.0) if antialias else 1.0)
    w = _kernel(kernel, d)
    s = w.sum(0, keepdims=True)
    w = np.where(np.abs(s) > 1000 * _EPS32, w / np.where(s != 0, s, 1.0), 0.0)
    w[:, (sample < -0.5) | (sample > n_in - 0.5)] = 0.0
    return w


def _apply(x, axis, w):
    return np.moveaxis(np.moveaxis(x, axis, -1) @ w, -1, axis)


def r_scale_and_translate(x, out_shape, scale, trans, dims, method, antialias=True):
    kernel = {"linear": "linear", "bilinear": "linear", "cubic": "cubic", "bicubic": "cubic"}.get(method, method)
    for k, d in enumerate(dims):
        x = _apply(x, d, st_matrix(x.shape[d], out_shape[d], float(scale[k]), float(trans[k]), kernel, antialias))
    return x


def r_resize(x, size, interpolation="bilinear", antialias=False, crop=False, pad=False, fill_value=0.0,
             df="channels_last"):
    x, unb = _to_nhwc(x, df)
    h, w = x.shape[1:3]
    th, tw = size
    if crop:
        ch = max(min(h, int(w * th / tw)), 1)
        cw = max(min(w, int(h * tw / th)), 1)
        t, left = (h - ch) // 2, (w - cw) // 2
        x = x[:, t:t + ch, left:left + cw]
    elif pad:
        ph = (max(h, int(w * th / tw)) - h) // 2
        pw = (max(w, int(h * tw / th)) - w) // 2
        if ph:
            x = np.pad(x, ((0, 0), (ph, ph), (0, 0), (0, 0)), constant_values=fill_value)
        elif pw:
            x = np.pad(x, ((0, 0), (0, 0), (pw, pw), (0, 0)), constant_values=fill_value)
    for axis, n in ((1, th), (2, tw)):
        mm = x.shape[axis]
        if mm == n:
            continue
        if interpolation == "nearest":
            idx = np.minimum(np.floor((np.arange(n) + 0.5) * mm / n).astype(int), mm - 1)
            x = np.take(x, idx, axis=axis)
        elif interpolation == "area":  # pixel coverage of the box [o * s, (o + 1) * s)
            s = mm / n
            wm = np.zeros((mm, n))
            for o in range(n):
                for i in range(mm):
                    wm[i, o] = max(0.0, min(i + 1, (o + 1) * s) - max(i, o * s)) / s
            x = _apply(x, axis, wm)
        else:
            kernel = {"bilinear": "linear", "bicubic": "cubic"}.get(interpolation, interpolation)
            x = _apply(x, axis, st_matrix(mm, n, n / mm, 0.0, kernel, antialias))
    return _from_nhwc(x, df, unb)


_SCIPY_MODES = {"constant": "grid-constant", "nearest": "nearest", "wrap": "grid-wrap", "mirror": "mirror",
                "reflect": "reflect"}


def r_map_coordinates(x, coords, order, mode="constant", cval=0.0):
    from scipy import ndimage
    return ndimage.map_coordinates(np.asarray(x, np.float64), np.asarray(coords, np.float64), order=order,
                                   mode=_SCIPY_MODES[mode], cval=cval, prefilter=False)


def _sample_nhwc(x, sy, sx, order, mode, cval):
    """x (B, H, W, C); sy, sx (B, H', W') source coordinates."""
    b, _, _, c = x.shape
    out = np.zeros(sy.shape + (c,))
    for i in range(b):
        for k in range(c):
            out[i, ..., k] = r_map_coordinates(x[i, ..., k], [sy[i], sx[i]], order, mode, cval)
    return out


def r_affine(x, t, interpolation="bilinear", mode="constant", cval=0.0, df="channels_last"):
    x, unb = _to_nhwc(x, df)
    t = np.asarray(t, np.float64).reshape(-1, 8)
    t = np.broadcast_to(t, (x.shape[0], 8))
    h, w = x.shape[1:3]
    ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    k = t[:, 6, None, None] * xs + t[:, 7, None, None] * ys + 1.0
    sx = (t[:, 0, None, None] * xs + t[:, 1, None, None] * ys + t[:, 2, None, None]) / k
    sy = (t[:, 3, None, None] * xs + t[:, 4, None, None] * ys + t[:, 5, None, None]) / k
    out = _sample_nhwc(x, sy, sx, {"nearest": 0, "bilinear": 1}[interpolation], mode, cval)
    return _from_nhwc(out, df, unb)


def homography(start, end):
    """(N, 8) coefficients mapping end points to start points, by an 8x8 solve (as Keras)."""
    out = []
    for s, e in zip(np.asarray(start, np.float64).reshape(-1, 4, 2), np.asarray(end, np.float64).reshape(-1, 4, 2)):
        a, rhs = [], []
        for (sx, sy), (ex, ey) in zip(s, e):
            a.append([ex, ey, 1, 0, 0, 0, -sx * ex, -sx * ey])
            rhs.append(sx)
        for (sx, sy), (ex, ey) in zip(s, e):
            a.append([0, 0, 0, ex, ey, 1, -sy * ex, -sy * ey])
            rhs.append(sy)
        out.append(np.linalg.solve(np.array(a), np.array(rhs)))
    return np.array(out)


def r_perspective(x, start, end, interpolation="bilinear", cval=0.0, df="channels_last"):
    x, unb = _to_nhwc(x, df)
    t = homography(start, end)
    t = np.broadcast_to(t, (x.shape[0], 8))
    h, w = x.shape[1:3]
    ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    den = t[:, 6, None, None] * xs + t[:, 7, None, None] * ys + 1.0
    sx = (t[:, 0, None, None] * xs + t[:, 1, None, None] * ys + t[:, 2, None, None]) / den
    sy = (t[:, 3, None, None] * xs + t[:, 4, None, None] * ys + t[:, 5, None, None]) / den
    out = _sample_nhwc(x, sy, sx, {"nearest": 0, "bilinear": 1}[interpolation], "constant", cval)
    return _from_nhwc(out, df, unb)


def _gauss(n, s):
    g = np.exp(-0.5 * ((np.arange(n) - (n - 1) / 2) / s) ** 2)
    return g / g.sum()


def correlate_same(x, k):
    """Per-channel 2-D cross-correlation, 'same' zero padding (extra at the end): x (B,H,W,C), k (kh,kw)."""
    kh, kw = k.shape
    t, left = (kh - 1) // 2, (kw - 1) // 2
    xp = np.pad(x, ((0, 0), (t, kh - 1 - t), (left, kw - 1 - left), (0, 0)))
    h, w = x.shape[1:3]
    out = np.zeros(x.shape)
    for i in range(kh):
        for j in range(kw):
            out += k[i, j] * xp[:, i:i + h, j:j + w]
    return out


def r_blur(x, ks=(3, 3), sig=(1.0, 1.0), df="channels_last"):
    x, unb = _to_nhwc(x, df)
    k = np.outer(_gauss(ks[1], sig[1]), _gauss(ks[0], sig[0]))  # Keras: (kw, kh) and (sigma_x, sigma_y)
    return _from_nhwc(correlate_same(x, k), df, unb)


def r_sobel(x, df="channels_last"):
    xn, unb = _to_nhwc(x, df)
    gy = np.array([[-1.0, -2, -1], [0, 0, 0], [1, 2, 1]])
    out = np.stack([correlate_same(xn, gy), correlate_same(xn, gy.T)], axis=-1)
    if df == "channels_first":
        out = np.moveaxis(out, 3, 1)
    return out[0] if unb else out


def r_ssim(a, b, max_val=1.0, fs=11, fsig=1.5, k1=0.01, k2=0.03, df="channels_last"):
    a, unb = _to_nhwc(a, df)
    b, _ = _to_nhwc(b, df)
    g = _gauss(fs, fsig)
    k = np.outer(g, g)
    h, w = a.shape[1] - fs + 1, a.shape[2] - fs + 1

    def blur(v):
        out = np.zeros((v.shape[0], h, w, v.shape[3]))
        for i in range(fs):
            for j in range(fs):
                out += k[i, j] * v[:, i:i + h, j:j + w]
        return out

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    m1, m2 = blur(a), blur(b)
    s11, s22, s12 = blur(a * a) - m1 * m1, blur(b * b) - m2 * m2, blur(a * b) - m1 * m2
    v = ((2 * m1 * m2 + c1) * (2 * s12 + c2)) / ((m1 * m1 + m2 * m2 + c1) * (s11 + s22 + c2))
    v = v.mean(axis=(1, 2, 3))
    return v[0] if unb else v


def r_patches(x, size, strides=None, dilation=1, padding="valid", df="channels_last"):
    """N-D patches, flattened row-major over (window..., channels)."""
    nsp = len(size)
    x = np.asarray(x)
    unb = x.ndim == nsp + 1
    if unb:
        x = x[None]
    if df == "channels_first":
        x = np.moveaxis(x, 1, -1)
    strides = size if strides is None else strides
    strides = (strides,) * nsp if isinstance(strides, int) else strides
    dil = (dilation,) * nsp if isinstance(dilation, int) else dilation
    if padding == "same":
        from . import references as R
        pads = [R.tf_same_pads(n, k, s, d) for n, k, s, d in zip(x.shape[1:-1], size, strides, dil)]
        x = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    eff = [(k - 1) * d + 1 for k, d in zip(size, dil)]
    outs = [(n - e) // s + 1 for n, e, s in zip(x.shape[1:-1], eff, strides)]
    res = np.zeros((x.shape[0], *outs, int(np.prod(size)) * x.shape[-1]))
    for pos in np.ndindex(*outs):
        sl = tuple(slice(p * s, p * s + e, d) for p, s, e, d in zip(pos, strides, eff, dil))
        res[(slice(None),) + pos] = x[(slice(None),) + sl].reshape(x.shape[0], -1)
    if df == "channels_first":
        res = np.moveaxis(res, -1, 1)
    return res[0] if unb else res


def r_elastic(x, alpha, sigma, interpolation, mode, cval, seed, df="channels_last"):
    x, unb = _to_nhwc(x, df)
    b, h, w, _ = x.shape
    noise = np.random.default_rng(seed).standard_normal((2, b, h, w)).astype(F32).astype(np.float64)
    k = int(6 * sigma) | 1
    kern = np.outer(_gauss(k, sigma), _gauss(k, sigma))
    dx = correlate_same(noise[0][..., None] * sigma, kern)[..., 0]
    dy = correlate_same(noise[1][..., None] * sigma, kern)[..., 0]
    ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    out = _sample_nhwc(x, ys + alpha * dy, xs + alpha * dx, {"nearest": 0, "bilinear": 1}[interpolation], mode,
                       cval)
    return _from_nhwc(out, df, unb)


def _pad_ref(x, t, b, left, r, df="channels_last"):
    xn, unb = _to_nhwc(x, df)
    return _from_nhwc(np.pad(xn, ((0, 0), (t, b), (left, r), (0, 0))), df, unb)


def _crop_ref(x, t, left, h, w, df="channels_last"):
    xn, unb = _to_nhwc(x, df)
    return _from_nhwc(xn[:, t:t + h, left:left + w], df, unb)


def _offhalf(shape, lo, hi):
    """Uniform coordinates kept 0.1 away from half-integers."""
    v = u(shape, lo, hi).astype(np.float64)
    frac = v - np.floor(v)
    v = np.where(np.abs(frac - 0.5) < 0.1, v + 0.2, v)
    return v.astype(F32)


# ===================================================================== colour
_rgb = u((2, 3, 4, 3), 0.0, 1.0)
add("rgb_to_grayscale", "nhwc", m("rgb_to_grayscale"), r_gray, [_rgb], diff=[0],
    keras=lambda k, x: k.image.rgb_to_grayscale(x, data_format="channels_last"))
add("rgb_to_grayscale", "chw-unbatched", lambda b, x: b.rgb_to_grayscale(x, data_format="channels_first"),
    lambda x: r_gray(x, "channels_first"), [u((3, 2, 5), 0.0, 1.0)], diff=[0],
    keras=lambda k, x: k.image.rgb_to_grayscale(x, data_format="channels_first"))
add("rgb_to_grayscale", "int32-truncates", m("rgb_to_grayscale"),
    lambda x: np.trunc(r_gray(x.astype(np.float32).astype(np.float64))).astype(np.int32),
    [ints((2, 3, 3), 0, 255)], tol="exact", dtype="int32",
    keras=lambda k, x: k.image.rgb_to_grayscale(x, data_format="channels_last"))
add("rgb_to_grayscale", "one-channel-passthrough", m("rgb_to_grayscale"), lambda x: x, [u((1, 2, 3, 1))],
    tol="exact")

add("rgb_to_hsv", "nhwc", m("rgb_to_hsv"), r_rgb_to_hsv, [_rgb], diff=[0], tol="trans",
    keras=lambda k, x: k.image.rgb_to_hsv(x, data_format="channels_last"))
add("rgb_to_hsv", "nchw", lambda b, x: b.rgb_to_hsv(x, data_format="channels_first"),
    lambda x: r_rgb_to_hsv(x, "channels_first"), [u((1, 3, 2, 3), 0.0, 1.0)], tol="trans",
    keras=lambda k, x: k.image.rgb_to_hsv(x, data_format="channels_first"))
add("rgb_to_hsv", "greys-and-black", m("rgb_to_hsv"), r_rgb_to_hsv,
    [np.array([[[0.0, 0.0, 0.0], [0.5, 0.5, 0.5], [1.0, 0.0, 0.0], [0.2, 0.8, 0.2]]], F32)], tol="trans",
    keras=lambda k, x: k.image.rgb_to_hsv(x, data_format="channels_last"))
_hsv = np.concatenate([u((2, 3, 4, 1), 0.02, 0.98), u((2, 3, 4, 2), 0.0, 1.0)], axis=-1)
add("hsv_to_rgb", "nhwc", m("hsv_to_rgb"), r_hsv_to_rgb, [_hsv], diff=[0], tol="trans",
    keras=lambda k, x: k.image.hsv_to_rgb(x, data_format="channels_last"))
add("hsv_to_rgb", "nchw-unbatched", lambda b, x: b.hsv_to_rgb(x, data_format="channels_first"),
    lambda x: r_hsv_to_rgb(x, "channels_first"), [np.moveaxis(_hsv[0], -1, 0).copy()], tol="trans",
    keras=lambda k, x: k.image.hsv_to_rgb(x, data_format="channels_first"))

# ===================================================================== resize
_img = u((2, 4, 5, 2), -1.0, 1.0)
_small = u((1, 4, 5, 2), -1.0, 1.0)
_big = u((1, 9, 8, 1), -1.0, 1.0)
for _interp in ("bilinear", "bicubic", "lanczos3", "lanczos5"):
    add("resize", f"{_interp}-up", lambda b, x, i=_interp: b.resize(x, (6, 7), interpolation=i),
        lambda x, i=_interp: r_resize(x, (6, 7), i), [_small], diff=[0], tol="reduce",
        keras=lambda k, x, i=_interp: k.image.resize(x, (6, 7), interpolation=i, data_format="channels_last"))
    add("resize", f"{_interp}-down-antialias",
        lambda b, x, i=_interp: b.resize(x, (4, 3), interpolation=i, antialias=True),
        lambda x, i=_interp: r_resize(x, (4, 3), i, antialias=True), [_big], diff=[0], tol="reduce",
        keras=lambda k, x, i=_interp: k.image.resize(x, (4, 3), interpolation=i, antialias=True,
                                                     data_format="channels_last"))
    add("resize", f"{_interp}-down", lambda b, x, i=_interp: b.resize(x, (4, 3), interpolation=i),
        lambda x, i=_interp: r_resize(x, (4, 3), i), [_big], tol="reduce",
        keras=lambda k, x, i=_interp: k.image.resize(x, (4, 3), interpolation=i, data_format="channels_last"))
add("resize", "nearest-up-down", lambda b, x: b.resize(x, (7, 3), interpolation="nearest"),
    lambda x: r_resize(x, (7, 3), "nearest"), [_img], diff=[0], tol="exact",
    keras=lambda k, x: k.image.resize(x, (7, 3), interpolation="nearest", data_format="channels_last"))
add("resize", "area-integer-ratio", lambda b, x: b.resize(x, (3, 4), interpolation="area"),
    lambda x: r_resize(x, (3, 4), "area"), [u((1, 9, 8, 2))], diff=[0], tol="reduce")
add("resize", "area-fractional", lambda b, x: b.resize(x, (4, 3), interpolation="area"),
    lambda x: r_resize(x, (4, 3), "area"), [_big], diff=[0], tol="reduce")
add("resize", "area-up", lambda b, x: b.resize(x, (6, 7), interpolation="area"),
    lambda x: r_resize(x, (6, 7), "area"), [_small], tol="reduce")
add("resize", "crop-to-aspect", lambda b, x: b.resize(x, (3, 3), crop_to_aspect_ratio=True),
    lambda x: r_resize(x, (3, 3), crop=True), [_img], diff=[0], tol="reduce",
    keras=lambda k, x: k.image.resize(x, (3, 3), crop_to_aspect_ratio=True, data_format="channels_last"))
add("resize", "pad-to-aspect", lambda b, x: b.resize(x, (6, 3), pad_to_aspect_ratio=True, fill_value=0.5),
    lambda x: r_resize(x, (6, 3), pad=True, fill_value=0.5), [_img], diff=[0], tol="reduce",
    keras=lambda k, x: k.image.resize(x, (6, 3), pad_to_aspect_ratio=True, fill_value=0.5,
                                      data_format="channels_last"))
add("resize", "pad-to-aspect-width", lambda b, x: b.resize(x, (2, 6), pad_to_aspect_ratio=True),
    lambda x: r_resize(x, (2, 6), pad=True), [_img], tol="reduce",
    keras=lambda k, x: k.image.resize(x, (2, 6), pad_to_aspect_ratio=True, data_format="channels_last"))
add("resize", "chw-unbatched",
    lambda b, x: b.resize(x, (3, 7), interpolation="bicubic", data_format="channels_first"),
    lambda x: r_resize(x, (3, 7), "bicubic", df="channels_first"), [u((2, 4, 5))], diff=[0], tol="reduce",
    keras=lambda k, x: k.image.resize(x, (3, 7), interpolation="bicubic", data_format="channels_first"))
add("resize", "uint8-rounds", lambda b, x: b.resize(x, (3, 4)),
    lambda x: np.clip(np.round(r_resize(x.astype(np.float64), (3, 4))), 0, 255).astype(np.uint8),
    [ints((5, 5, 1), 0, 256, np.uint8)], tol="exact", dtype="uint8",
    keras=lambda k, x: k.image.resize(x, (3, 4), data_format="channels_last"))

_st_x = u((1, 5, 6, 2), -1.0, 1.0)
add("scale_and_translate", "linear-up-shift",
    lambda b, x, s, t: b.scale_and_translate(x, (1, 7, 8, 2), s, t, (1, 2), "linear"),
    lambda x, s, t: r_scale_and_translate(x, (1, 7, 8, 2), s, t, (1, 2), "linear"),
    [_st_x, np.array([1.5, 1.25], F32), np.array([-0.5, 0.3], F32)], diff=[0], tol="reduce",
    keras=lambda k, x, s, t: k.image.scale_and_translate(x, (1, 7, 8, 2), s, t, (1, 2), "linear"))
add("scale_and_translate", "cubic-down-antialias",
    lambda b, x, s, t: b.scale_and_translate(x, (1, 3, 4, 2), s, t, (1, 2), "bicubic"),
    lambda x, s, t: r_scale_and_translate(x, (1, 3, 4, 2), s, t, (1, 2), "cubic"),
    [_st_x, np.array([0.6, 0.7], F32), np.array([0.2, -0.1], F32)], diff=[0], tol="reduce",
    keras=lambda k, x, s, t: k.image.scale_and_translate(x, (1, 3, 4, 2), s, t, (1, 2), "bicubic"))
add("scale_and_translate", "lanczos5-no-antialias",
    lambda b, x, s, t: b.scale_and_translate(x, (4, 6), s, t, (0, 1), "lanczos5", antialias=False),
    lambda x, s, t: r_scale_and_translate(x, (4, 6), s, t, (0, 1), "lanczos5", antialias=False),
    [u((5, 6)), np.array([0.8, 1.0], F32), np.array([0.0, 0.4], F32)], diff=[0], tol="reduce",
    keras=lambda k, x, s, t: k.image.scale_and_translate(x, (4, 6), s, t, (0, 1), "lanczos5",
                                                         antialias=False))
add("scale_and_translate", "lanczos3-one-axis",
    lambda b, x, s, t: b.scale_and_translate(x, (2, 5, 3), s, t, (1,), "lanczos3"),
    lambda x, s, t: r_scale_and_translate(x, (2, 5, 3), s, t, (1,), "lanczos3"),
    [u((2, 4, 3)), np.array([1.3], F32), np.array([0.25], F32)], tol="reduce",
    keras=lambda k, x, s, t: k.image.scale_and_translate(x, (2, 5, 3), s, t, (1,), "lanczos3"))
add("scale_and_translate", "int-gives-float32",
    lambda b, x, s, t: b.scale_and_translate(x, (3, 3), s, t, (0, 1), "linear"),
    lambda x, s, t: r_scale_and_translate(x.astype(np.float64), (3, 3), s, t, (0, 1), "linear"),
    [ints((4, 5), 0, 9), np.array([0.75, 0.6], F32), np.array([0.0, 0.0], F32)], tol="reduce",
    keras=lambda k, x, s, t: k.image.scale_and_translate(x, (3, 3), s, t, (0, 1), "linear"))

# ===================================================================== crop / pad
add("pad_images", "paddings", lambda b, x: b.pad_images(x, 1, 2, 0, 1), lambda x: _pad_ref(x, 1, 0, 2, 1),
    [_img], diff=[0], tol="exact",
    keras=lambda k, x: k.image.pad_images(x, 1, 2, 0, 1, data_format="channels_last"))
add("pad_images", "targets-chw",
    lambda b, x: b.pad_images(x, top_padding=1, right_padding=2, target_height=7, target_width=8,
                              data_format="channels_first"),
    lambda x: _pad_ref(x, 1, 2, 1, 2, "channels_first"), [u((2, 4, 5))], diff=[0], tol="exact",
    keras=lambda k, x: k.image.pad_images(x, top_padding=1, right_padding=2, target_height=7, target_width=8,
                                          data_format="channels_first"))
add("crop_images", "croppings", lambda b, x: b.crop_images(x, 1, 1, 1, 2), lambda x: _crop_ref(x, 1, 1, 2, 2),
    [_img], diff=[0], tol="exact",
    keras=lambda k, x: k.image.crop_images(x, 1, 1, 1, 2, data_format="channels_last"))
add("crop_images", "targets-chw",
    lambda b, x: b.crop_images(x, bottom_cropping=1, left_cropping=2, target_height=2, target_width=3,
                               data_format="channels_first"),
    lambda x: _crop_ref(x, 1, 2, 2, 3, "channels_first"), [u((1, 2, 4, 5))], diff=[0], tol="exact",
    keras=lambda k, x: k.image.crop_images(x, bottom_cropping=1, left_cropping=2, target_height=2,
                                           target_width=3, data_format="channels_first"))

# ===================================================================== samplers
_mc_in = u((4, 5), -1.0, 1.0)
for _mode in ("constant", "nearest", "wrap", "mirror", "reflect"):
    add("map_coordinates", f"linear-{_mode}",
        lambda b, x, c, md=_mode: b.map_coordinates(x, c, 1, md, fill_value=0.25),
        lambda x, c, md=_mode: r_map_coordinates(x, c, 1, md, 0.25),
        [_mc_in, _offhalf((2, 3, 4), -3.0, 7.0)], diff=[0], tol="reduce",
        keras=lambda k, x, c, md=_mode: k.image.map_coordinates(x, c, 1, md, 0.25))
add("map_coordinates", "nearest-order0", lambda b, x, c: b.map_coordinates(x, c, 0, "reflect"),
    lambda x, c: r_map_coordinates(x, c, 0, "reflect"), [_mc_in, _offhalf((2, 6), -3.0, 7.0)], diff=[0],
    tol="exact", keras=lambda k, x, c: k.image.map_coordinates(x, c, 0, "reflect"))
add("map_coordinates", "3d", lambda b, x, c: b.map_coordinates(x, c, 1),
    lambda x, c: r_map_coordinates(x, c, 1), [u((3, 4, 2)), _offhalf((3, 5), -0.5, 3.5)], diff=[0],
    tol="reduce", keras=lambda k, x, c: k.image.map_coordinates(x, c, 1))
add("map_coordinates", "int-input-rounds", lambda b, x, c: b.map_coordinates(x, c, 1, "nearest"),
    lambda x, c: np.floor(r_map_coordinates(x, c, 1, "nearest") + 0.5).astype(np.int32),
    [ints((6,), -9, 9), np.array([[0.3, 1.7, 2.2, 4.9, -1.0]], F32)], tol="exact", dtype="int32",
    keras=lambda k, x, c: k.image.map_coordinates(x, c, 1, "nearest"))

_aff = np.array([[0.9, 0.2, 0.3, -0.15, 1.1, -0.4, 0.0, 0.0],
                 [1.2, -0.1, -0.7, 0.1, 0.8, 0.6, 0.0, 0.0]], F32)
# order 0: coordinates kept >= 0.06 from half-integers
_aff0 = np.array([[0.866, 0.03, 0.103, -0.001, 0.955, 0.136, 0.0, 0.0],
                  [0.828, 0.167, -0.4, 0.248, 1.009, -0.353, 0.0, 0.0]], F32)
for _mode in ("constant", "nearest", "wrap", "mirror", "reflect"):
    add("affine_transform", f"bilinear-{_mode}",
        lambda b, x, t, md=_mode: b.affine_transform(x, t, fill_mode=md, fill_value=0.5),
        lambda x, t, md=_mode: r_affine(x, t, "bilinear", md, 0.5), [_img, _aff], diff=[0], tol="reduce",
        keras=lambda k, x, t, md=_mode: k.image.affine_transform(x, t, fill_mode=md, fill_value=0.5,
                                                                 data_format="channels_last"))
add("affine_transform", "nearest-one-transform",
    lambda b, x, t: b.affine_transform(x, t, interpolation="nearest", fill_mode="wrap"),
    lambda x, t: r_affine(x, t, "nearest", "wrap"), [_img[:1], _aff0[1]], diff=[0], tol="exact",
    keras=lambda k, x, t: k.image.affine_transform(x, t, interpolation="nearest", fill_mode="wrap",
                                                   data_format="channels_last"))
add("affine_transform", "nearest-batch-mirror",
    lambda b, x, t: b.affine_transform(x, t, interpolation="nearest", fill_mode="mirror"),
    lambda x, t: r_affine(x, t, "nearest", "mirror"),
    [_img, _aff0 * np.array([1.3, 1, 1, 1, 1.2, 1, 1, 1], F32)], tol="exact",
    keras=lambda k, x, t: k.image.affine_transform(x, t, interpolation="nearest", fill_mode="mirror",
                                                   data_format="channels_last"))
add("affine_transform", "int32-rounds", lambda b, x, t: b.affine_transform(x, t),
    lambda x, t: np.floor(r_affine(x.astype(np.float64), t) + 0.5).astype(np.int32),
    [ints((2, 4, 5, 1), 0, 50), _aff], tol="exact", dtype="int32",
    keras=lambda k, x, t: k.image.affine_transform(x, t, data_format="channels_last"))
add("affine_transform", "chw-unbatched",
    lambda b, x, t: b.affine_transform(x, t, data_format="channels_first"),
    lambda x, t: r_affine(x, t, df="channels_first"), [u((2, 4, 5)), _aff[0]], diff=[0], tol="reduce",
    keras=lambda k, x, t: k.image.affine_transform(x, t, data_format="channels_first"))
add("affine_transform", "projective", lambda b, x, t: b.affine_transform(x, t),
    lambda x, t: r_affine(x, t), [_img, np.array([1.0, 0.1, 0.2, 0.0, 1.0, 0.1, 0.03, -0.02], F32)],
    diff=[0], tol="reduce")

_sp = np.array([[0.0, 0.0], [4.0, 0.0], [4.0, 3.0], [0.0, 3.0]], F32)
_ep = np.array([[0.3, 0.2], [4.4, -0.1], [3.8, 3.3], [-0.2, 2.7]], F32)
add("perspective_transform", "bilinear", lambda b, x, s, e: b.perspective_transform(x, s, e, fill_value=0.5),
    lambda x, s, e: r_perspective(x, s, e, cval=0.5), [_small, _sp, _ep], diff=[0], tol="reduce",
    keras=lambda k, x, s, e: k.image.perspective_transform(x, s, e, fill_value=0.5,
                                                           data_format="channels_last"))
add("perspective_transform", "nearest-batch-points",
    lambda b, x, s, e: b.perspective_transform(x, s, e, interpolation="nearest"),
    lambda x, s, e: r_perspective(x, s, e, "nearest"),
    [_img, np.stack([_sp, _ep]), np.stack([_ep, _sp + 0.35])], tol="heavy",
    keras=lambda k, x, s, e: k.image.perspective_transform(x, s, e, interpolation="nearest",
                                                           data_format="channels_last"))
add("perspective_transform", "chw-unbatched",
    lambda b, x, s, e: b.perspective_transform(x, s, e, data_format="channels_first"),
    lambda x, s, e: r_perspective(x, s, e, df="channels_first"), [u((2, 4, 5)), _sp, _ep], diff=[0],
    tol="heavy", keras=lambda k, x, s, e: k.image.perspective_transform(x, s, e, data_format="channels_first"))

# gradients w.r.t. the geometry too (Keras on JAX differentiates them as well)
add("scale_and_translate", "grad-scale-translation",
    lambda b, x, s, t: b.scale_and_translate(x, (1, 4, 5, 1), s, t, (1, 2), "cubic"),
    lambda x, s, t: r_scale_and_translate(x, (1, 4, 5, 1), s, t, (1, 2), "cubic"),
    [u((1, 5, 4, 1)), np.array([0.83, 1.21], F32), np.array([0.13, -0.37], F32)], diff=[0, 1, 2], tol="heavy",
    keras=lambda k, x, s, t: k.image.scale_and_translate(x, (1, 4, 5, 1), s, t, (1, 2), "cubic"))
add("map_coordinates", "grad-coordinates", lambda b, x, c: b.map_coordinates(x, c, 1, "mirror"),
    lambda x, c: r_map_coordinates(x, c, 1, "mirror"), [_mc_in, _offhalf((2, 5), -2.0, 6.0)], diff=[0, 1],
    tol="reduce", keras=lambda k, x, c: k.image.map_coordinates(x, c, 1, "mirror"))
add("perspective_transform", "grad-points",
    lambda b, x, s, e: b.perspective_transform(x, s, e),
    lambda x, s, e: r_perspective(x, s, e), [u((1, 3, 4, 1)), _sp, _ep], diff=[0, 1, 2], tol="heavy",
    keras=lambda k, x, s, e: k.image.perspective_transform(x, s, e, data_format="channels_last"))

# ===================================================================== filters
add("gaussian_blur", "kernel-wh-sigma-xy",
    lambda b, x: b.gaussian_blur(x, (3, 5), (1.0, 2.0), data_format="channels_last"),
    lambda x: r_blur(x, (3, 5), (1.0, 2.0)), [u((1, 6, 5, 2))], diff=[0], tol="reduce",
    keras=lambda k, x: k.image.gaussian_blur(x, (3, 5), (1.0, 2.0), data_format="channels_last"))
add("gaussian_blur", "defaults-chw", lambda b, x: b.gaussian_blur(x, data_format="channels_first"),
    lambda x: r_blur(x, df="channels_first"), [u((2, 2, 4, 5))], diff=[0], tol="reduce",
    keras=lambda k, x: k.image.gaussian_blur(x, data_format="channels_first"))
add("gaussian_blur", "even-kernel-unbatched",
    lambda b, x: b.gaussian_blur(x, (4, 2), (0.8, 1.3), data_format="channels_last"),
    lambda x: r_blur(x, (4, 2), (0.8, 1.3)), [u((5, 6, 1))], tol="reduce",
    keras=lambda k, x: k.image.gaussian_blur(x, (4, 2), (0.8, 1.3), data_format="channels_last"))

add("sobel_edges", "nhwc", lambda b, x: b.sobel_edges(x, data_format="channels_last"), r_sobel,
    [u((2, 4, 5, 2))], diff=[0], tol="reduce",
    keras=lambda k, x: k.image.sobel_edges(x, data_format="channels_last"))
add("sobel_edges", "nchw", lambda b, x: b.sobel_edges(x, data_format="channels_first"),
    lambda x: r_sobel(x, "channels_first"), [u((1, 2, 4, 5))], tol="reduce",
    keras=lambda k, x: k.image.sobel_edges(x, data_format="channels_first"))

_s1 = u((2, 6, 5, 2), 0.0, 1.0)
_s2 = np.clip(_s1 + u((2, 6, 5, 2), -0.2, 0.2), 0.0, 1.0).astype(F32)
add("ssim", "small-filter",
    lambda b, x, y: b.ssim(x, y, filter_size=3, filter_sigma=1.0, data_format="channels_last"),
    lambda x, y: r_ssim(x, y, fs=3, fsig=1.0), [_s1, _s2], diff=[0, 1], tol="heavy",
    keras=lambda k, x, y: k.image.ssim(x, y, filter_size=3, filter_sigma=1.0, data_format="channels_last"))
add("ssim", "max-val-chw-unbatched",
    lambda b, x, y: b.ssim(x, y, max_val=2.0, filter_size=4, data_format="channels_first"),
    lambda x, y: r_ssim(x, y, 2.0, 4, df="channels_first"),
    [np.moveaxis(_s1[0], -1, 0).copy(), np.moveaxis(_s2[0], -1, 0).copy()], tol="heavy",
    keras=lambda k, x, y: k.image.ssim(x, y, max_val=2.0, filter_size=4, data_format="channels_first"))

# ===================================================================== patches
add("extract_patches", "size-2", lambda b, x: b.extract_patches(x, 2, data_format="channels_last"),
    lambda x: r_patches(x, (2, 2)), [_img], diff=[0], tol="reduce",
    keras=lambda k, x: k.image.extract_patches(x, 2, data_format="channels_last"))
add("extract_patches", "same-stride-dilation",
    lambda b, x: b.extract_patches(x, (2, 3), strides=(1, 2), dilation_rate=1, padding="same",
                                   data_format="channels_last"),
    lambda x: r_patches(x, (2, 3), (1, 2), padding="same"), [_img], diff=[0], tol="reduce",
    keras=lambda k, x: k.image.extract_patches(x, (2, 3), strides=(1, 2), padding="same",
                                               data_format="channels_last"))
add("extract_patches", "dilated-unbatched",
    lambda b, x: b.extract_patches(x, 2, strides=1, dilation_rate=2, data_format="channels_last"),
    lambda x: r_patches(x, (2, 2), 1, dilation=2), [_img[0]], tol="reduce",
    keras=lambda k, x: k.image.extract_patches(x, 2, strides=1, dilation_rate=2, data_format="channels_last"))
add("extract_patches", "nchw", lambda b, x: b.extract_patches(x, (2, 2), data_format="channels_first"),
    lambda x: r_patches(x, (2, 2), df="channels_first"), [u((1, 2, 4, 5))], tol="reduce",
    keras=lambda k, x: k.image.extract_patches(x, (2, 2), data_format="channels_first"))
add("extract_patches_3d", "size-2",
    lambda b, x: b.extract_patches_3d(x, 2, data_format="channels_last"),
    lambda x: r_patches(x, (2, 2, 2)), [u((1, 3, 4, 4, 1))], diff=[0], tol="reduce",
    keras=lambda k, x: k.image.extract_patches_3d(x, 2, data_format="channels_last"))
add("extract_patches_3d", "strides-same-unbatched",
    lambda b, x: b.extract_patches_3d(x, (1, 2, 3), strides=1, padding="same", data_format="channels_last"),
    lambda x: r_patches(x, (1, 2, 3), 1, padding="same"), [u((2, 3, 4, 2))], tol="reduce",
    keras=lambda k, x: k.image.extract_patches_3d(x, (1, 2, 3), strides=1, padding="same",
                                                  data_format="channels_last"))
add("extract_patches", "3-tuple-goes-3d",
    lambda b, x: b.extract_patches(x, (1, 2, 2), data_format="channels_last"),
    lambda x: r_patches(x, (1, 2, 2)), [u((1, 2, 4, 4, 1))], tol="reduce",
    keras=lambda k, x: k.image.extract_patches(x, (1, 2, 2), data_format="channels_last"))

# ===================================================================== random
add("elastic_transform", "seeded-bilinear-reflect",
    lambda b, x: b.elastic_transform(x, alpha=3.0, sigma=1.0, seed=7, data_format="channels_last"),
    lambda x: r_elastic(x, 3.0, 1.0, "bilinear", "reflect", 0.0, 7), [u((2, 5, 6, 2))], diff=[0], tol="heavy")
add("elastic_transform", "seeded-nearest-constant-chw",
    lambda b, x: b.elastic_transform(x, alpha=2.0, sigma=0.7, interpolation="nearest", fill_mode="constant",
                                     fill_value=0.5, seed=3, data_format="channels_first"),
    lambda x: r_elastic(x, 2.0, 0.7, "nearest", "constant", 0.5, 3, "channels_first"), [u((2, 5, 6))],
    tol="heavy")
