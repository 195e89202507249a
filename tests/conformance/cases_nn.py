"""Conformance cases for the nn family (``kerasette/backends/contract/nn.py``).

Also Keras-oracle cases for the core activations, conv/pool ``data_format``,
``one_hot``'s ``axis`` and ``ctc_loss``'s Keras names (methods of ``base.py``).
"""
from __future__ import annotations

import math

import numpy as np  # noqa: F401

from . import references as R
from .cases import SPECIAL, add, away, bools, distinct, ints, m, u  # noqa: F401

F32 = np.float32
I32 = np.int32
EPS = 1e-7  # config.epsilon()


def _sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))


def _softplus(x):
    return np.logaddexp(0.0, x)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    mx = x.max(axis=axis, keepdims=True)
    return x - mx - np.log(np.exp(x - mx).sum(axis=axis, keepdims=True))


def _away_from(points, shape, gap=0.05, lo=-3.0, hi=3.0):
    """Uniform float32 values at least ``gap`` from every kink in ``points``."""
    rng = np.random.default_rng(abs(hash((tuple(points), shape))) % (1 << 32))
    x = rng.uniform(lo, hi, int(np.prod(shape)))
    for p in points:
        near = np.abs(x - p) < gap
        x[near] = p + np.sign(x[near] - p + 1e-12) * gap * 2
    return x.reshape(shape).astype(F32)


# ================================================================ activations
KINKED = [
    # name, kwargs, reference, kinks, tol
    ("celu", {}, lambda x: np.maximum(x, 0) + np.minimum(0, np.expm1(x)), [0.0], "trans"),
    ("celu", {"alpha": 0.5}, lambda x: np.maximum(x, 0) + np.minimum(0, 0.5 * np.expm1(x / 0.5)), [0.0], "trans"),
    ("hard_shrink", {}, lambda x: np.where(np.abs(x) > 0.5, x, 0.0), [-0.5, 0.5], "simple"),
    ("hard_shrink", {"threshold": 1.0}, lambda x: np.where(np.abs(x) > 1.0, x, 0.0), [-1.0, 1.0], "simple"),
    ("hard_swish", {}, lambda x: x * np.clip(x / 6 + 0.5, 0, 1), [-3.0, 3.0], "simple"),
    ("hard_tanh", {}, lambda x: np.clip(x, -1, 1), [-1.0, 1.0], "simple"),
    ("log_sigmoid", {}, lambda x: -_softplus(-x), [], "trans"),
    ("soft_shrink", {}, lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0.0)),
     [-0.5, 0.5], "simple"),
    ("soft_shrink", {"threshold": 1.5},
     lambda x: np.where(x > 1.5, x - 1.5, np.where(x < -1.5, x + 1.5, 0.0)), [-1.5, 1.5], "simple"),
    ("sparse_plus", {}, lambda x: np.where(x <= -1, 0.0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
     [-1.0, 1.0], "simple"),
    ("sparse_sigmoid", {}, lambda x: np.clip((x + 1) / 2, 0, 1), [-1.0, 1.0], "simple"),
    ("squareplus", {}, lambda x: (x + np.sqrt(x * x + 4)) / 2, [], "trans"),
    ("squareplus", {"b": 1}, lambda x: (x + np.sqrt(x * x + 1)) / 2, [], "trans"),
    ("tanh_shrink", {}, lambda x: x - np.tanh(x), [], "trans"),
    # the core activations, against Keras's defaults
    ("elu", {}, lambda x: np.where(x > 0, x, np.expm1(x)), [0.0], "trans"),
    ("elu", {"alpha": 0.3}, lambda x: np.where(x > 0, x, 0.3 * np.expm1(x)), [0.0], "trans"),
    ("selu", {}, lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
     [0.0], "trans"),
    ("leaky_relu", {}, lambda x: np.where(x >= 0, x, 0.2 * x), [0.0], "simple"),
    ("leaky_relu", {"negative_slope": 0.05}, lambda x: np.where(x >= 0, x, 0.05 * x), [0.0], "simple"),
    ("gelu", {}, lambda x: 0.5 * x * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3))), [], "trans"),
    ("gelu", {"approximate": False}, lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2))),
     [], "trans"),
    ("silu", {}, lambda x: x * _sigmoid(x), [], "trans"),
    ("relu6", {}, lambda x: np.clip(x, 0, 6), [0.0], "simple"),
    ("hard_sigmoid", {}, lambda x: np.clip(x / 6 + 0.5, 0, 1), [-3.0, 3.0], "simple"),
    ("hard_silu", {}, lambda x: x * np.clip(x / 6 + 0.5, 0, 1), [-3.0, 3.0], "simple"),
    ("softsign", {}, lambda x: x / (1 + np.abs(x)), [0.0], "simple"),
    ("softplus", {}, _softplus, [], "trans"),
    ("sigmoid", {}, _sigmoid, [], "trans"),
    ("relu", {}, lambda x: np.maximum(x, 0), [0.0], "simple"),
]
for name, kw, f, kinks, tol in KINKED:
    label = "keras-" + ("-".join(f"{k}{v}" for k, v in kw.items()) or "default")
    lo, hi = (-8.0, 8.0) if name in ("relu6", "hard_sigmoid", "hard_silu", "hard_swish") else (-3.0, 3.0)
    add(name, label, lambda b, x, n=name, kw=kw: getattr(b, n)(x, **kw), f,
        [_away_from(kinks, (3, 5), lo=lo, hi=hi)], diff=[0], tol=tol,
        keras=lambda k, x, n=name, kw=kw: getattr(k.nn, n)(x, **kw))

add("hard_tanh", "int-stays-int", m("hard_tanh"), lambda x: np.clip(x, -1, 1), [ints((5,), -3, 3)],
    tol="exact", dtype="int32", keras=lambda k, x: k.hard_tanh(x))
INT_TO_FLOAT = [
    ("elu", lambda x: np.where(x > 0, x, np.expm1(x))),
    ("selu", lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))),
    ("leaky_relu", lambda x: np.where(x >= 0, x, 0.2 * x)),
    ("relu6", lambda x: np.clip(x, 0, 6)),
    ("gelu", lambda x: 0.5 * x * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))),
    ("hard_sigmoid", lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    ("hard_silu", lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    ("softsign", lambda x: x / (1 + np.abs(x))),
    ("softmax", _softmax),
    ("log_softmax", _log_softmax),
    ("hard_shrink", lambda x: np.where(np.abs(x) > 0.5, x, 0.0)),
    ("silu", lambda x: x * _sigmoid(x)),  # Keras (JAX) refuses integers here; kerasette gives float32
]
for name, f in INT_TO_FLOAT:
    add(name, "int-gives-float32", m(name), f, [np.array([-7, -2, 0, 1, 3, 8], I32)], tol="trans",
        dtype="float32", keras=None if name == "silu" else (lambda k, x, n=name: getattr(k.nn, n)(x)))
add("celu", "int-gives-float", m("celu"), lambda x: np.maximum(x, 0) + np.minimum(0, np.expm1(x)),
    [ints((5,), -3, 3)], tol="trans", keras=lambda k, x: k.celu(x))

add("glu", "last-axis", m("glu"), lambda x: x[..., :3] * _sigmoid(x[..., 3:]), [u((2, 6))], diff=[0],
    tol="trans", keras=lambda k, x: k.glu(x))
add("glu", "axis0", lambda b, x: b.glu(x, axis=0), lambda x: x[:2] * _sigmoid(x[2:]), [u((4, 3))], diff=[0],
    tol="trans", keras=lambda k, x: k.glu(x, axis=0))

add("threshold", "float", lambda b, x: b.threshold(x, 0.3, -1.0), lambda x: np.where(x > 0.3, x, -1.0),
    [_away_from([0.3], (3, 4))], diff=[0], keras=lambda k, x: k.threshold(x, 0.3, -1.0))
add("threshold", "int-with-float-default", lambda b, x: b.threshold(x, 1, 0.5),
    lambda x: np.where(x > 1, x, 0.5), [ints((6,), -3, 4)], tol="exact", dtype="float32",
    keras=lambda k, x: k.threshold(x, 1, 0.5))


def _sparsemax(x, axis=-1):
    x = np.moveaxis(x, axis, -1)
    z = -np.sort(-x, axis=-1)
    k = np.arange(1, x.shape[-1] + 1)
    cs = np.cumsum(z, axis=-1)
    support = 1 + k * z > cs
    kz = support.sum(-1, keepdims=True)
    tau = (np.take_along_axis(cs, kz - 1, -1) - 1) / kz
    return np.moveaxis(np.maximum(x - tau, 0), -1, axis)


# Keras 3.15's sparsemax (every backend) takes tau = (sum of the cumulative sums over the
# support - 1) / k, which is the simplex threshold only when the support has one element;
# kerasette follows the definition Keras documents (Martins & Astudillo): the oracle is
# checked on one-element supports only.
add("sparsemax", "last-axis", m("sparsemax"), _sparsemax, [distinct((3, 5), 0.3)], diff=[0])
add("sparsemax", "axis0", lambda b, x: b.sparsemax(x, axis=0), lambda x: _sparsemax(x, 0),
    [u((4, 3), -1.5, 1.5)], diff=[0])
add("sparsemax", "keras-one-element-support", m("sparsemax"), _sparsemax,
    [np.array([[-1.0, 0.0, 1.0], [3.0, 0.5, -2.0]], F32)], keras=lambda k, x: k.sparsemax(x))

for axis in (-1, 0, (0, 2)):
    add("softmax", f"keras-axis{axis}", lambda b, x, a=axis: b.softmax(x, axis=a),
        lambda x, a=axis: _softmax(x, a), [u((2, 3, 4))], diff=[0], tol="trans",
        keras=lambda k, x, a=axis: k.softmax(x, axis=a))
    add("log_softmax", f"keras-axis{axis}", lambda b, x, a=axis: b.log_softmax(x, axis=a),
        lambda x, a=axis: _log_softmax(x, a), [u((2, 3, 4))], diff=[0], tol="trans",
        keras=lambda k, x, a=axis: k.log_softmax(x, axis=a))


# ============================================================ normalizations
def _moments(x, axes, keepdims=False):
    return x.mean(axis=axes, keepdims=keepdims), x.var(axis=axes, keepdims=keepdims)


add("moments", "axes0", lambda b, x: b.moments(x, [0]), lambda x: _moments(x, (0,)), [u((4, 3))], diff=[0],
    tol="reduce", keras=lambda k, x: k.moments(x, [0]))
add("moments", "axes-keepdims", lambda b, x: b.moments(x, (0, 2), keepdims=True),
    lambda x: _moments(x, (0, 2), True), [u((2, 3, 4))], diff=[0], tol="reduce",
    keras=lambda k, x: k.moments(x, (0, 2), keepdims=True))
add("moments", "float16", lambda b, x: b.moments(x, [1]),
    lambda x: tuple(v.astype(np.float16).astype(np.float64) for v in _moments(x, (1,))),
    [u((3, 4)).astype(np.float16)], tol="heavy", dtype="float16", keras=lambda k, x: k.moments(x, [1]))


def _bn(x, mean, var, axis, offset=None, scale=None, eps=1e-3):
    shape = [1] * x.ndim
    shape[axis] = -1
    out = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    if scale is not None:
        out = out * scale.reshape(shape)
    return out if offset is None else out + offset.reshape(shape)


add("batch_normalization", "last-axis-full", lambda b, x, mu, v, o, s: b.batch_normalization(x, mu, v, -1, o, s),
    lambda x, mu, v, o, s: _bn(x, mu, v, -1, o, s),
    [u((2, 3, 4)), u((4,)), u((4,), 0.2, 2.0), u((4,)), u((4,))], diff=[0, 1, 2, 3, 4], tol="trans",
    keras=lambda k, x, mu, v, o, s: k.batch_normalization(x, mu, v, -1, o, s))
add("batch_normalization", "axis1-eps", lambda b, x, mu, v: b.batch_normalization(x, mu, v, axis=1, epsilon=0.1),
    lambda x, mu, v: _bn(x, mu, v, 1, eps=0.1), [u((2, 3, 2)), u((3,)), u((3,), 0.2, 2.0)], diff=[0, 1, 2],
    tol="trans", keras=lambda k, x, mu, v: k.batch_normalization(x, mu, v, axis=1, epsilon=0.1))


def _ln(x, gamma=None, beta=None, axis=-1, eps=EPS):
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    mu = x.mean(axis=axis, keepdims=True)
    out = (x - mu) / np.sqrt(x.var(axis=axis, keepdims=True) + eps)
    if gamma is not None:
        out = out * gamma
    return out if beta is None else out + beta


add("layer_normalization", "gamma-beta", lambda b, x, g, be: b.layer_normalization(x, g, be),
    lambda x, g, be: _ln(x, g, be), [u((3, 5)), u((5,)), u((5,))], diff=[0, 1, 2], tol="trans",
    keras=lambda k, x, g, be: k.layer_normalization(x, g, be))
add("layer_normalization", "plain-axis0-eps", lambda b, x: b.layer_normalization(x, axis=0, epsilon=1e-3),
    lambda x: _ln(x, axis=0, eps=1e-3), [u((4, 3))], diff=[0], tol="trans",
    keras=lambda k, x: k.layer_normalization(x, axis=0, epsilon=1e-3))
add("layer_normalization", "rms-scaling", lambda b, x, g: b.layer_normalization(x, g, rms_scaling=True),
    lambda x, g: x / np.sqrt(x.var(-1, keepdims=True) + EPS) * g, [u((3, 4)), u((4,))], diff=[0, 1],
    tol="trans", keras=lambda k, x, g: k.layer_normalization(x, g, rms_scaling=True))


def _rms(x, scale=None, axis=-1, eps=EPS):
    out = x / np.sqrt((x * x).mean(axis=axis, keepdims=True) + eps)
    return out if scale is None else out * scale


add("rms_normalization", "scale", lambda b, x, s: b.rms_normalization(x, s), lambda x, s: _rms(x, s),
    [u((3, 4)), u((4,))], diff=[0, 1], tol="trans", keras=lambda k, x, s: k.rms_normalization(x, s))
add("rms_normalization", "axis0-eps", lambda b, x: b.rms_normalization(x, axis=0, epsilon=0.01),
    lambda x: _rms(x, axis=0, eps=0.01), [u((3, 4))], diff=[0], tol="trans",
    keras=lambda k, x: k.rms_normalization(x, axis=0, epsilon=0.01))


def _normalize(x, axis=-1, order=2, eps=EPS):
    if order == 2:
        return x * np.minimum(1 / np.sqrt((x * x).sum(axis=axis, keepdims=True)), 1 / eps)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True) if x.ndim > 1 else np.abs(x).sum()
    return x / np.maximum(norm, eps)


add("normalize", "l2", m("normalize"), _normalize, [u((3, 4))], diff=[0], tol="trans",
    keras=lambda k, x: k.normalize(x))
add("normalize", "l2-zero-row", m("normalize"), _normalize, [np.array([[0.0, 0.0], [3.0, 4.0]], F32)],
    tol="trans", keras=lambda k, x: k.normalize(x))
add("normalize", "l1-axis0", lambda b, x: b.normalize(x, axis=0, order=1), lambda x: _normalize(x, 0, 1),
    [away((3, 4))], diff=[0], tol="trans", keras=lambda k, x: k.normalize(x, axis=0, order=1))

add("psnr", "max1", lambda b, x, y: b.psnr(x, y, 1.0),
    lambda x, y: 20 * np.log10(1.0) - 10 * np.log10(np.mean((x - y) ** 2)), [u((2, 4, 4, 1), 0, 1),
                                                                               u((2, 4, 4, 1), 0, 1)],
    diff=[0, 1], tol="trans", keras=lambda k, x, y: k.psnr(x, y, 1.0))
add("psnr", "max255", lambda b, x, y: b.psnr(x, y, 255.0),
    lambda x, y: 20 * np.log10(255.0) - 10 * np.log10(np.mean((x - y) ** 2)), [u((3, 5), 0, 255),
                                                                                 u((3, 5), 0, 255)],
    tol="trans", keras=lambda k, x, y: k.psnr(x, y, 255.0))


# ===================================================================== losses
def _bce(t, p, from_logits=False):
    if from_logits:
        return -t * -_softplus(-p) - (1 - t) * -_softplus(p)
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def _cce(t, p, from_logits=False, axis=-1):
    if from_logits:
        return -(t * _log_softmax(p, axis)).sum(axis=axis)
    p = np.clip(p / p.sum(axis=axis, keepdims=True), EPS, 1 - EPS)
    return -(t * np.log(p)).sum(axis=axis)


def _scce(t, p, from_logits=False, axis=-1):
    n = p.shape[axis]
    onehot = np.moveaxis((t[..., None] == np.arange(n)).astype(np.float64), -1, axis)
    return _cce(onehot, p, from_logits, axis)


add("binary_crossentropy", "probs", m("binary_crossentropy"), _bce, [u((3, 4), 0, 1), u((3, 4), 0.05, 0.95)],
    diff=[0, 1], tol="trans", keras=lambda k, t, p: k.binary_crossentropy(t, p))
add("binary_crossentropy", "probs-clipped", m("binary_crossentropy"), _bce,
    [np.array([0.0, 1.0, 0.0], F32), np.array([0.0, 1.0, 1e-9], F32)], tol="trans",
    keras=lambda k, t, p: k.binary_crossentropy(t, p))
add("binary_crossentropy", "logits", lambda b, t, p: b.binary_crossentropy(t, p, from_logits=True),
    lambda t, p: _bce(t, p, True), [u((3, 4), 0, 1), u((3, 4), -4, 4)], diff=[0, 1], tol="trans",
    keras=lambda k, t, p: k.binary_crossentropy(t, p, from_logits=True))
add("categorical_crossentropy", "probs", m("categorical_crossentropy"), _cce,
    [_softmax(u((3, 4))).astype(F32), u((3, 4), 0.05, 1.0)], diff=[0, 1], tol="trans",
    keras=lambda k, t, p: k.categorical_crossentropy(t, p))
add("categorical_crossentropy", "logits-axis0", lambda b, t, p: b.categorical_crossentropy(t, p, True, axis=0),
    lambda t, p: _cce(t, p, True, 0), [_softmax(u((4, 3)), 0).astype(F32), u((4, 3))], diff=[0, 1],
    tol="trans", keras=lambda k, t, p: k.categorical_crossentropy(t, p, True, axis=0))
add("sparse_categorical_crossentropy", "probs", m("sparse_categorical_crossentropy"), _scce,
    [ints((3,), 0, 4), u((3, 4), 0.05, 1.0)], diff=[1], tol="trans",
    keras=lambda k, t, p: k.sparse_categorical_crossentropy(t, p))
add("sparse_categorical_crossentropy", "logits-trailing-1",
    lambda b, t, p: b.sparse_categorical_crossentropy(t, p, from_logits=True),
    lambda t, p: _scce(t[..., 0], p, True), [ints((2, 3, 1), 0, 5), u((2, 3, 5))], diff=[1], tol="trans",
    keras=lambda k, t, p: k.sparse_categorical_crossentropy(t, p, from_logits=True))
add("sparse_categorical_crossentropy", "logits-axis1",
    lambda b, t, p: b.sparse_categorical_crossentropy(t, p, from_logits=True, axis=1),
    lambda t, p: _scce(t, p, True, 1), [ints((2, 3), 0, 4), u((2, 4, 3))], diff=[1], tol="trans")
# (Keras 3.15 refuses axis != -1 here unless the target's shape fits it as a trailing
# axis; kerasette's one_hot(axis=) places the class axis where ``axis`` says.)


# ===================================================================== one-hot
def _one_hot(x, n, axis=-1):
    return np.moveaxis((x[..., None] == np.arange(n)).astype(np.float64), -1, axis)


add("one_hot", "keras-axis0", lambda b, x: b.one_hot(x, 4, axis=0), lambda x: _one_hot(x, 4, 0),
    [np.array([[0, 3, -1], [5, 1, 2]], I32)], tol="exact", keras=lambda k, x: k.one_hot(x, 4, axis=0))
add("one_hot", "keras-axis1-int32", lambda b, x: b.one_hot(x, 3, axis=1, dtype="int32"),
    lambda x: _one_hot(x, 3, 1).astype(I32), [ints((2, 4), 0, 3)], tol="exact", dtype="int32",
    keras=lambda k, x: k.one_hot(x, 3, axis=1, dtype="int32"))
add("one_hot", "keras-default", lambda b, x: b.one_hot(x, 5), lambda x: _one_hot(x, 5),
    [ints((2, 3), -1, 6)], tol="exact", keras=lambda k, x: k.one_hot(x, 5))


def _multi_hot(x, n, axis=-1):
    oh = _one_hot(x, n, axis)
    return oh.max(axis=1 if x.ndim > 1 else 0)


add("multi_hot", "batch", lambda b, x: b.multi_hot(x, 5), lambda x: _multi_hot(x, 5),
    [np.array([[0, 3, 3], [4, 1, 0]], I32)], tol="exact", keras=lambda k, x: k.multi_hot(x, 5))
add("multi_hot", "1d-int32", lambda b, x: b.multi_hot(x, 4, dtype="int32"),
    lambda x: _multi_hot(x, 4).astype(I32), [np.array([1, 3, 1], I32)], tol="exact", dtype="int32",
    keras=lambda k, x: k.multi_hot(x, 4, dtype="int32"))
add("multi_hot", "num_tokens", lambda b, x: b.multi_hot(x, num_tokens=3), lambda x: _multi_hot(x, 3),
    [np.array([[2, 2]], I32)], tol="exact")


# ======================================================= rearranging channels
def _d2s(x, bs, fmt="channels_last"):
    if fmt == "channels_last":
        b, h, w, c = x.shape
        return x.reshape(b, h, w, bs, bs, c // bs ** 2).transpose(0, 1, 3, 2, 4, 5).reshape(
            b, h * bs, w * bs, c // bs ** 2)
    b, c, h, w = x.shape
    return x.reshape(b, c // bs ** 2, bs, bs, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(
        b, c // bs ** 2, h * bs, w * bs)


def _s2d(x, bs, fmt="channels_last"):
    if fmt == "channels_last":
        b, h, w, c = x.shape
        return x.reshape(b, h // bs, bs, w // bs, bs, c).transpose(0, 1, 3, 2, 4, 5).reshape(
            b, h // bs, w // bs, c * bs * bs)
    b, c, h, w = x.shape
    return x.reshape(b, c, h // bs, bs, w // bs, bs).transpose(0, 1, 3, 5, 2, 4).reshape(
        b, c * bs * bs, h // bs, w // bs)


for fmt, xs_d, xs_s in (("channels_last", (1, 2, 3, 8), (2, 4, 2, 3)),
                        ("channels_first", (2, 8, 2, 3), (1, 3, 4, 2))):
    add("depth_to_space", fmt, lambda b, x, f=fmt: b.depth_to_space(x, 2, data_format=f),
        lambda x, f=fmt: _d2s(x, 2, f), [u(xs_d)], diff=[0], tol="exact",
        keras=lambda k, x, f=fmt: k.depth_to_space(x, 2, data_format=f))
    add("space_to_depth", fmt, lambda b, x, f=fmt: b.space_to_depth(x, 2, data_format=f),
        lambda x, f=fmt: _s2d(x, 2, f), [u(xs_s)], diff=[0], tol="exact",
        keras=lambda k, x, f=fmt: k.space_to_depth(x, 2, data_format=f))


def _unfold(x, k, d=1, p=0, s=1):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    oh = (h + 2 * p - d * (k - 1) - 1) // s + 1
    ow = (w + 2 * p - d * (k - 1) - 1) // s + 1
    out = np.zeros((n, c, k, k, oh, ow))
    for i in range(k):
        for j in range(k):
            out[:, :, i, j] = xp[:, :, i * d:i * d + (oh - 1) * s + 1:s, j * d:j * d + (ow - 1) * s + 1:s]
    return out.reshape(n, c * k * k, oh * ow)


def _fold(x, size, k, d=1, p=0, s=1):
    n, ckk, L = x.shape
    c = ckk // (k * k)
    h, w = size
    oh = (h + 2 * p - d * (k - 1) - 1) // s + 1
    ow = (w + 2 * p - d * (k - 1) - 1) // s + 1
    out = np.zeros((n, c, h + 2 * p, w + 2 * p))
    y = x.reshape(n, c, k, k, oh, ow)
    for i in range(k):
        for j in range(k):
            for a in range(oh):
                for bb in range(ow):
                    out[:, :, i * d + a * s, j * d + bb * s] += y[:, :, i, j, a, bb]
    return out[:, :, p:p + h, p:p + w]


UNFOLD = [("k2-s2", (1, 2, 4, 4), dict(kernel_size=2, stride=2)),
          ("k3-pad1", (2, 1, 4, 3), dict(kernel_size=3, padding=1)),
          ("k2-dil2-s1", (1, 2, 5, 5), dict(kernel_size=2, dilation=2))]
for label, xs, kw in UNFOLD:
    args = (kw["kernel_size"], kw.get("dilation", 1), kw.get("padding", 0), kw.get("stride", 1))
    add("unfold", label, lambda b, x, kw=kw: b.unfold(x, **kw), lambda x, a=args: _unfold(x, *a), [u(xs)],
        diff=[0], tol="exact", keras=lambda k, x, kw=kw: k.unfold(x, **kw))
FOLD = [("k2-s2", (1, 8, 4), (4, 4), dict(kernel_size=2, stride=2)),
        ("k3-pad1-overlap", (2, 9, 12), (4, 3), dict(kernel_size=3, padding=1)),
        ("k2-dil2-s2", (1, 8, 4), (5, 5), dict(kernel_size=2, dilation=2, stride=2))]
for label, xs, size, kw in FOLD:
    args = (kw["kernel_size"], kw.get("dilation", 1), kw.get("padding", 0), kw.get("stride", 1))
    add("fold", label, lambda b, x, sz=size, kw=kw: b.fold(x, sz, **kw),
        lambda x, sz=size, a=args: _fold(x, sz, *a), [u(xs)], diff=[0], tol="reduce",
        keras=lambda k, x, sz=size, kw=kw: k.fold(x, sz, **kw))


# ================================================================== pooling
def _adaptive(x, sizes, reduce, fmt="channels_last"):
    if fmt == "channels_first":
        x = np.moveaxis(x, 1, -1)
    for d, n in enumerate(sizes):
        ax = 1 + d
        L = x.shape[ax]
        parts = [reduce(np.take(x, range((i * L) // n, -(-((i + 1) * L) // n)), axis=ax), ax) for i in range(n)]
        x = np.concatenate(parts, axis=ax)
    return np.moveaxis(x, -1, 1) if fmt == "channels_first" else x


ADAPTIVE = [("1d", (2, 7, 2), 3, "channels_last"), ("2d", (1, 5, 6, 2), (3, 4), "channels_last"),
            ("2d-cf", (1, 2, 5, 4), 2, "channels_first"), ("3d", (1, 4, 3, 5, 1), (2, 3, 2), "channels_last")]
for label, xs, size, fmt in ADAPTIVE:
    nsp = len(xs) - 2
    sizes = (size,) * nsp if isinstance(size, int) else size
    add("adaptive_average_pool", label, lambda b, x, s=size, f=fmt: b.adaptive_average_pool(x, s, f),
        lambda x, s=sizes, f=fmt: _adaptive(x, s, lambda v, a: v.mean(axis=a, keepdims=True), f), [u(xs)],
        diff=[0], tol="reduce", keras=lambda k, x, s=size, f=fmt: k.adaptive_average_pool(x, s, f))
    add("adaptive_max_pool", label, lambda b, x, s=size, f=fmt: b.adaptive_max_pool(x, s, f),
        lambda x, s=sizes, f=fmt: _adaptive(x, s, lambda v, a: v.max(axis=a, keepdims=True), f),
        [distinct(xs, 0.1)], diff=[0], tol="exact", keras=lambda k, x, s=size, f=fmt: k.adaptive_max_pool(x, s, f))


# ======================================================= conv: Keras's forms
def _cf(f):
    """A channels-last reference run on channels-first data."""
    return lambda x, *a, **kw: np.moveaxis(f(np.moveaxis(x, 1, -1), *a, **kw), -1, 1)


add("conv", "keras-channels-first", lambda b, x, k: b.conv(x, k, 1, "same", "channels_first", 2),
    lambda x, k: _cf(R.conv)(x, k, 1, "same", 2), [u((1, 2, 6, 5)), u((3, 3, 2, 3), -1, 1)], diff=[0, 1],
    tol="heavy", keras=lambda ko, x, k: ko.conv(x, k, 1, "same", "channels_first", 2))
add("conv", "keras-inferred-groups", lambda b, x, k: b.conv(x, k, 2), lambda x, k: R.conv(x, k, 2, groups=3),
    [u((1, 6, 5, 6)), u((2, 2, 2, 3), -1, 1)], diff=[0, 1], tol="heavy",
    keras=lambda ko, x, k: ko.conv(x, k, 2))
add("depthwise_conv", "keras-channels-first",
    lambda b, x, k: b.depthwise_conv(x, k, 2, "valid", "channels_first"),
    lambda x, k: _cf(R.depthwise_conv)(x, k, 2, "valid"), [u((1, 2, 5, 5)), u((2, 2, 2, 2), -1, 1)],
    diff=[0, 1], tol="heavy", keras=lambda ko, x, k: ko.depthwise_conv(x, k, 2, "valid", "channels_first"))
add("conv_transpose", "keras-channels-first",
    lambda b, x, k: b.conv_transpose(x, k, 2, "same", None, "channels_first"),
    lambda x, k: _cf(R.conv_transpose)(x, k, 2, "same"), [u((1, 2, 3, 3)), u((3, 3, 3, 2), -1, 1)],
    diff=[0, 1], tol="heavy", keras=lambda ko, x, k: ko.conv_transpose(x, k, 2, "same", None, "channels_first"))
add("max_pool", "keras-channels-first", lambda b, x: b.max_pool(x, 2, None, "valid", "channels_first"),
    lambda x: _cf(R.max_pool)(x, 2), [distinct((1, 2, 4, 6), 0.1)], diff=[0], tol="heavy",
    keras=lambda ko, x: ko.max_pool(x, 2, 2, "valid", "channels_first"))  # Keras/JAX: strides=None fails here
add("avg_pool", "keras-channels-first", lambda b, x: b.avg_pool(x, 3, 2, "same", "channels_first"),
    lambda x: _cf(R.avg_pool)(x, 3, strides=2, padding="same"), [u((1, 2, 5, 4))], diff=[0], tol="heavy",
    keras=lambda ko, x: ko.average_pool(x, 3, 2, "same", "channels_first"))


def _separable(x, dk, pk, strides=1, padding="valid", dilation_rate=1):
    y = R.depthwise_conv(x, dk, strides, padding, dilation_rate)
    return R.conv(y, pk)


add("separable_conv", "2d-same", lambda b, x, dk, pk: b.separable_conv(x, dk, pk, 1, "same"),
    lambda x, dk, pk: _separable(x, dk, pk, 1, "same"), [u((1, 5, 4, 2)), u((3, 3, 2, 2), -1, 1),
                                                        u((1, 1, 4, 3), -1, 1)],
    diff=[0, 1, 2], tol="heavy", keras=lambda ko, x, dk, pk: ko.separable_conv(x, dk, pk, 1, "same"))
add("separable_conv", "1d-stride2-cf", lambda b, x, dk, pk: b.separable_conv(x, dk, pk, 2, "valid", "channels_first"),
    lambda x, dk, pk: _cf(_separable)(x, dk, pk, 2, "valid"), [u((2, 3, 7)), u((3, 3, 1), -1, 1),
                                                               u((1, 3, 2), -1, 1)],
    diff=[0, 1, 2], tol="heavy",
    keras=lambda ko, x, dk, pk: ko.separable_conv(x, dk, pk, 2, "valid", "channels_first"))


# ======================================================================= ctc
CTC_LABELS = np.array([[1, 2, 0], [3, 3, 1]], I32)
add("ctc_loss", "keras-names", lambda b, t, o, tl, ol: b.ctc_loss(target=t, output=o, target_length=tl,
                                                                  output_length=ol, mask_index=0),
    R.ctc_loss, [CTC_LABELS, u((2, 7, 4)), np.array([2, 3], I32), np.array([7, 6], I32)], diff=[1], tol="heavy",
    keras=lambda k, t, o, tl, ol: k.ctc_loss(t, o, tl, ol, mask_index=0))


# ================================================================= attention
def _attention(q, k, v, bias=None, mask=None, scale=None, is_causal=False, cap=None):
    b, t, n, h = q.shape
    kn = k.shape[2]
    k = np.repeat(k, n // kn, axis=2)
    v = np.repeat(v, n // kn, axis=2)
    scale = 1 / math.sqrt(h) if scale is None else scale
    logits = np.einsum("btnh,bsnh->bnts", q, k) * scale
    if cap is not None:
        logits = np.tanh(logits / cap) * cap
    if bias is not None:
        logits = logits + bias
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep = keep & mask
    if is_causal:
        keep = keep & np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(keep, logits, -0.7 * np.finfo(np.float32).max)
    return np.einsum("bnts,bsnh->btnh", _softmax(logits), v)


B_, T_, S_, N_, H_ = 2, 3, 4, 2, 3
add("dot_product_attention", "plain", m("dot_product_attention"), _attention,
    [u((B_, T_, N_, H_)), u((B_, S_, N_, H_)), u((B_, S_, N_, H_))], diff=[0, 1, 2], tol="heavy",
    keras=lambda k, q, kk, v: k.dot_product_attention(q, kk, v))
add("dot_product_attention", "gqa-bias-scale",
    lambda b, q, k, v, bias: b.dot_product_attention(q, k, v, bias=bias, scale=0.3),
    lambda q, k, v, bias: _attention(q, k, v, bias=bias, scale=0.3),
    [u((1, T_, 4, H_)), u((1, S_, 2, H_)), u((1, S_, 2, H_)), u((1, 4, T_, S_))], diff=[0, 1, 2, 3], tol="heavy",
    keras=lambda k, q, kk, v, bias: k.dot_product_attention(q, kk, v, bias=bias, scale=0.3))
_MASK = np.array([[[[True, False, True, True], [False, False, True, False], [True, True, True, True]]]])
add("dot_product_attention", "mask", lambda b, q, k, v, mk: b.dot_product_attention(q, k, v, mask=mk),
    lambda q, k, v, mk: _attention(q, k, v, mask=mk),
    [u((B_, T_, N_, H_)), u((B_, S_, N_, H_)), u((B_, S_, N_, H_)), _MASK], diff=[0, 1, 2], tol="heavy",
    keras=lambda k, q, kk, v, mk: k.dot_product_attention(q, kk, v, mask=mk))
add("dot_product_attention", "causal-mask-bias",
    lambda b, q, k, v, bias, mk: b.dot_product_attention(q, k, v, bias, mk, is_causal=True),
    lambda q, k, v, bias, mk: _attention(q, k, v, bias, mk, is_causal=True),
    [u((B_, S_, N_, H_)), u((B_, S_, 1, H_)), u((B_, S_, 1, H_)), u((S_, S_)),
     bools((B_, 1, 1, S_)) | np.eye(S_, dtype=bool)[:1]],  # key 0 always visible
    diff=[0, 1, 2, 3], tol="heavy",
    keras=lambda k, q, kk, v, bias, mk: k.dot_product_attention(q, kk, v, bias, mk, is_causal=True))
add("dot_product_attention", "fully-masked-row", lambda b, q, k, v, mk: b.dot_product_attention(q, k, v, mask=mk),
    lambda q, k, v, mk: _attention(q, k, v, mask=mk),
    [u((1, 2, 1, 2)), u((1, 3, 1, 2)), u((1, 3, 1, 2)), np.array([[True, False, True], [False, False, False]])],
    tol="heavy", keras=lambda k, q, kk, v, mk: k.dot_product_attention(q, kk, v, mask=mk))
add("dot_product_attention", "soft-cap",
    lambda b, q, k, v: b.dot_product_attention(q, k, v, attn_logits_soft_cap=0.5),
    lambda q, k, v: _attention(q, k, v, cap=0.5),
    [u((1, T_, N_, H_)), u((1, S_, N_, H_)), u((1, S_, N_, H_))], diff=[0, 1, 2], tol="heavy")
