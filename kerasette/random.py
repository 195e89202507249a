"""``kerasette.random``: Keras 3's random API, the same draws on every engine.

The engines' own generators differ (NumPy's PCG64, torch's Philox, JAX's
threefry), so the numbers here come from one counter-based generator written
once in ``kerasette.ops`` integer arithmetic: the element index and the seed
``(key, counter)`` go through rounds of multiply / add-shift mixing modulo
``2**30`` (int32 products wrap identically on every engine, and ``mod 2**30``
of the wrapped product is the exact product's), giving 30 random bits per draw.
Uniforms take the top 24 bits, so they are exact float32 numbers equal on all
engines; other distributions are transforms of them (equal to float rounding).
Being plain ops, it traces inside ``jax.jit`` with a traced seed.

Seeds (``seed=``), as Keras:

* an ``int``: the same numbers on every call;
* a ``SeedGenerator``: fresh numbers per call; its state is a non-trainable
  ``Variable`` the train step threads, so a jitted step draws anew each step;
* ``None``: a fresh seed from kerasette's global generator (reproducible under
  ``kerasette.utils.set_random_seed``). Inside ``jax.jit`` that seed is a
  constant of the compiled step: pass a ``SeedGenerator`` there.
* a ``(2,)`` integer array (a ``SeedGenerator`` state, e.g. traced): used as is.
"""
from __future__ import annotations

import math

from . import config, ops
from .utils.seeding import draw_seed
from .variables import Variable

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal", "randint",
           "shuffle", "truncated_normal", "uniform"]

_M31 = 2 ** 30  # the modulus: divides 2**32, so a wrapped int32 product reduces exactly
_MULTS = (0x2C1B3C6D, 0x297A2D39, 0x45D9F3B, 0x119DE1F3, 0x6A09E667, 0x3C6EF373)


class SeedGenerator:
    """A stateful seed: each use draws a fresh ``(key, counter)`` pair.

    The state is a non-trainable int32 ``Variable`` of shape ``(2,)``:
    ``[seed, counter]`` (Keras's layout; Keras holds it as uint32 on JAX).
    ``next()`` returns the current state and advances the counter, so inside the
    pure train step it is one state update the step returns.
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)
        if kwargs:
            raise TypeError(f"SeedGenerator: unexpected arguments {sorted(kwargs)}.")
        if seed is not None and not isinstance(seed, int):
            raise ValueError(f"SeedGenerator: `seed` must be an int or None, got {seed!r}.")
        self._initial_seed = seed
        self.name = name or "seed_generator"
        start = draw_seed() if seed is None else int(seed) % _M31
        self.state = Variable(config.active().convert([start, 0], "int32"), dtype="int32",
                              trainable=False, name=f"{self.name}_state")

    def next(self, ordered=True):
        """The current ``(2,)`` seed state; advances the counter. ``ordered`` is
        accepted for Keras's signature (every draw here is ordered)."""
        seed = self.state.value
        b = config.active()
        self.state.assign(b.add(seed, b.convert([0, 1], "int32")))
        return seed

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)

    def __repr__(self):
        return f"<SeedGenerator {self.name!r} seed={self._initial_seed}>"


# ------------------------------------------------------------------ seeds
def _seed_pair(seed):
    """The ``(2,)`` int32 engine seed for ``seed`` (see the module docstring)."""
    b = config.active()
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return b.convert([draw_seed(), 0], "int32")
    if isinstance(seed, bool):
        raise ValueError(f"random: `seed` must be an int, a SeedGenerator or None, got {seed!r}.")
    if isinstance(seed, int):
        return b.convert([seed % _M31, 0], "int32")
    seed = getattr(seed, "_kerasette_value", lambda: seed)()
    shape = tuple(b.shape(seed))
    if shape == (2,):
        return b.cast(seed, "int32")
    if shape == ():
        return b.stack([b.cast(seed, "int32"), b.convert(0, "int32")])
    raise ValueError(f"random: `seed` must be an int, a SeedGenerator, None or a (2,) seed state; "
                     f"got an array of shape {shape}.")


def _rot(b, x):
    """Swap the two 15-bit halves of a 30-bit value (a rotation by 15)."""
    return b.add(b.mod(b.multiply(x, 32768), _M31), b.floor_divide(x, 32768))


def _squares(b, ctr, key):
    """A counter-based hash in the style of Widynski's "Squares" generator, on
    30-bit words: square, add, rotate, four rounds. ``ctr`` and the odd ``key``
    are int32 in ``[0, 2**30)``; so is the result."""
    x = b.mod(b.multiply(ctr, key), _M31)
    y = x
    z = b.mod(b.add(y, key), _M31)
    for w in (y, z, y, z, y):
        x = _rot(b, b.mod(b.add(b.multiply(x, x), w), _M31))
    return x


def _bits(seed, n):
    """``n`` int32 random numbers in ``[0, 2**30)`` from the ``(2,)`` seed."""
    b = config.active()
    key = b.mod(b.getitem(seed, slice(0, 1)), _M31)  # (1,) slices: no 0-d scalar arithmetic
    ctr = b.mod(b.getitem(seed, slice(1, 2)), _M31)
    h = _squares(b, b.add(key, 1), 0x2C1B3C6D % _M31)
    h = _squares(b, b.mod(b.add(ctr, h), _M31), 0x1D9E1F35 % _M31)
    k = b.add(b.multiply(b.floor_divide(h, 2), 2), 1)  # odd
    x = b.arange(1, n + 1, dtype="int32")
    return _squares(b, x, k)


def _uniform01(seed, shape, open_zero=False):
    """float32 uniforms of ``shape`` in ``[0, 1)`` (``(0, 1)`` with ``open_zero``), exact."""
    b = config.active()
    n = math.prod(shape)
    u = b.cast(b.floor_divide(_bits(seed, n), 64), "float32")  # the top 24 of 30 bits
    if open_zero:
        u = b.add(u, 0.5)
    return b.reshape(b.multiply(u, 2.0 ** -24), tuple(shape))


def _shape(shape):
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(d) for d in shape)


def _float_dtype(dtype, fn):
    dtype = dtype or config.floatx()
    from .backends.common import standardize_dtype
    dtype = standardize_dtype(dtype)
    if not dtype.startswith(("float", "bfloat")):
        raise ValueError(f"random.{fn}: `dtype` must be a float dtype, got {dtype!r}.")
    return dtype


# ---------------------------------------------------------- distributions
def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform floats in ``[minval, maxval)``."""
    dtype = _float_dtype(dtype, "uniform")
    b = config.active()
    u = _uniform01(_seed_pair(seed), _shape(shape))
    if not (isinstance(minval, (int, float)) and isinstance(maxval, (int, float)) and minval == 0 and maxval == 1):
        u = b.add(b.multiply(u, b.subtract(maxval, minval)), minval)
    return b.cast(u, dtype)


def _standard_normal(seed, shape):
    b = config.active()
    return b._ndtri(_uniform01(seed, shape, open_zero=True))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal floats (inverse-CDF transform of the uniforms)."""
    dtype = _float_dtype(dtype, "normal")
    b = config.active()
    z = _standard_normal(_seed_pair(seed), _shape(shape))
    return b.cast(b.add(b.multiply(z, stddev), mean), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal floats restricted to ``mean +- 2 stddev`` (exact inverse-CDF sampling)."""
    dtype = _float_dtype(dtype, "truncated_normal")
    b = config.active()
    lo = 0.022750131948179195  # Phi(-2)
    u = _uniform01(_seed_pair(seed), _shape(shape), open_zero=True)
    z = b._ndtri(b.add(b.multiply(u, 1.0 - 2 * lo), lo))
    z = b.clip(z, -2.0, 2.0)
    return b.cast(b.add(b.multiply(z, stddev), mean), dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers in ``[minval, maxval)``."""
    from .backends.common import standardize_dtype
    if not standardize_dtype(dtype).startswith(("int", "uint")):
        raise ValueError(f"random.randint: `dtype` must be an integer dtype, got {dtype!r}.")
    b = config.active()
    shape = _shape(shape)
    if isinstance(minval, int) and isinstance(maxval, int) and maxval <= minval:
        raise ValueError(f"random.randint: `maxval` ({maxval}) must be greater than `minval` ({minval}).")
    bits = b.reshape(_bits(_seed_pair(seed), math.prod(shape)), shape)
    # exact integers: 30 random bits reduced modulo the range (bias < range / 2**30)
    span = b.cast(b.subtract(maxval, minval), "int32")
    return b.cast(b.add(b.mod(bits, span), minval), dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``num_samples`` class indices per row of ``logits`` ``(batch, classes)``
    (Gumbel-max): returns ``(batch, num_samples)``."""
    b = config.active()
    logits = b.convert(getattr(logits, "_kerasette_value", lambda: logits)())
    shape = tuple(b.shape(logits))
    if len(shape) != 2:
        raise ValueError(f"random.categorical: `logits` must be 2-D (batch, classes), got shape {shape}.")
    u = _uniform01(_seed_pair(seed), (shape[0], int(num_samples), shape[1]), open_zero=True)
    gumbel = b.negative(b.log(b.negative(b.log(u))))
    scores = b.add(b.expand_dims(b.cast(logits, "float32"), 1), gumbel)
    return b.cast(b.argmax(scores, axis=-1), dtype)


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries permuted along ``axis``: each 1-D slice along
    ``axis`` independently (as Keras's JAX backend, ``independent=True``)."""
    b = config.active()
    x = b.convert(getattr(x, "_kerasette_value", lambda: x)())
    shape = tuple(b.shape(x))
    nd = len(shape)
    ax = axis % nd if nd else 0
    moved = b.moveaxis(x, ax, -1) if ax != nd - 1 else x
    mshape = tuple(b.shape(moved))
    n = mshape[-1]
    bits = b.reshape(_bits(_seed_pair(seed), math.prod(mshape)), mshape)
    # unique keys per slice: random high part, the position as the low part
    pos = b.arange(0, n, dtype="int32")
    keys = b.add(b.multiply(b.floor_divide(bits, max(n, 1)), max(n, 1)), pos)
    _, order = b.top_k(keys, n)
    out = b.take_along_axis(moved, order, -1)
    return b.moveaxis(out, -1, ax) if ax != nd - 1 else out


def dropout(inputs, rate, noise_shape=None, seed=None):
    """``inputs`` with entries zeroed with probability ``rate`` and the rest scaled
    by ``1 / (1 - rate)``; ``noise_shape`` broadcasts the mask. Differentiable."""
    b = config.active()
    inputs = getattr(inputs, "_kerasette_value", lambda: inputs)()
    if isinstance(rate, (int, float)) and not 0 <= rate < 1:
        raise ValueError(f"random.dropout: `rate` must be in [0, 1), got {rate}.")
    shape = tuple(b.shape(inputs)) if noise_shape is None else tuple(
        s if s is not None else d for s, d in zip(noise_shape, b.shape(inputs)))
    keep = b.greater_equal(_uniform01(_seed_pair(seed), shape), rate)
    scaled = b.divide(inputs, b.subtract(1.0, rate))
    return b.where(keep, scaled, b.zeros_like(scaled))


_GAMMA_TRIES = 8  # Marsaglia-Tsang accepts > 95% per try for alpha >= 1


def _gamma(seed, shape, alpha):
    """Standard Gamma(alpha) float32 of ``shape`` (``alpha`` broadcasts to it)."""
    b = config.active()
    alpha = b.broadcast_to(b.cast(b.convert(getattr(alpha, "_kerasette_value", lambda: alpha)()), "float32"),
                           shape)
    small = b.less(alpha, 1.0)
    a = b.where(small, b.add(alpha, 1.0), alpha)  # boost alpha < 1, corrected below
    d = b.subtract(a, 1.0 / 3.0)
    c = b.divide(1.0, b.sqrt(b.multiply(d, 9.0)))
    u = _uniform01(seed, (_GAMMA_TRIES * 2 + 1,) + tuple(shape), open_zero=True)
    z = b._ndtri(b.getitem(u, slice(0, _GAMMA_TRIES)))
    v_u = b.getitem(u, slice(_GAMMA_TRIES, 2 * _GAMMA_TRIES))
    boost_u = b.getitem(u, 2 * _GAMMA_TRIES)
    v = b.power(b.add(b.multiply(c, z), 1.0), 3.0)
    ok = b.logical_and(b.greater(v, 0.0), b.less(
        b.log(v_u), b.add(b.multiply(b.square(z), 0.5),
                          b.multiply(d, b.add(b.subtract(1.0, v), b.log(b.maximum(v, 1e-30)))))))
    cand = b.multiply(d, v)
    # the first accepted try (the last try when none was: probability < 1e-10)
    out = b.getitem(cand, _GAMMA_TRIES - 1)
    for t in range(_GAMMA_TRIES - 2, -1, -1):
        out = b.where(b.getitem(ok, t), b.getitem(cand, t), out)
    boost = b.power(boost_u, b.divide(1.0, b.maximum(alpha, 1e-30)))
    return b.where(small, b.multiply(out, boost), out)


def gamma(shape, alpha, dtype=None, seed=None):
    """Gamma(``alpha``, scale 1) floats (Marsaglia-Tsang, vectorized over a fixed
    number of tries; alpha < 1 by the ``U ** (1 / alpha)`` boost)."""
    dtype = _float_dtype(dtype, "gamma")
    return config.active().cast(_gamma(_seed_pair(seed), _shape(shape), alpha), dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Beta(``alpha``, ``beta``) floats, as ``X / (X + Y)`` of two Gammas."""
    dtype = _float_dtype(dtype, "beta")
    b = config.active()
    pair = _seed_pair(seed)
    shape = _shape(shape)
    other = b.add(pair, b.convert([0x5BD1E995 % _M31, 0x3779B9], "int32"))
    x = _gamma(pair, shape, alpha)
    y = _gamma(b.mod(other, _M31), shape, beta)
    return b.cast(b.divide(x, b.add(x, y)), dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Binomial(``counts``, ``probabilities``) draws as floats (Keras's default dtype),
    the sum of ``counts`` Bernoulli trials. ``counts`` must be concrete (a number
    or an array readable on the host, not a value traced inside ``jax.jit``)."""
    dtype = _float_dtype(dtype, "binomial")
    b = config.active()
    shape = _shape(shape)
    counts_v = getattr(counts, "_kerasette_value", lambda: counts)()
    if isinstance(counts_v, (int, float)):
        n_max = int(counts_v)
    else:
        n_max = int(b.to_numpy(b.max(b.convert(counts_v))))  # host read of the trial count
    if n_max < 0:
        raise ValueError(f"random.binomial: `counts` must be >= 0, got {counts}.")
    if n_max == 0:
        return b.zeros(shape, dtype)
    u = _uniform01(_seed_pair(seed), (n_max,) + shape)
    p = b.cast(b.convert(getattr(probabilities, "_kerasette_value", lambda: probabilities)()), "float32")
    hits = b.cast(b.less(u, p), "float32")
    if not isinstance(counts_v, (int, float)):
        trial = b.reshape(b.arange(0, n_max, dtype="float32"), (n_max,) + (1,) * len(shape))
        hits = b.multiply(hits, b.cast(b.less(trial, b.cast(b.convert(counts_v), "float32")), "float32"))
    return b.cast(b.sum(hits, axis=0), dtype)
