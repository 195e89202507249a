"""Uniform draws that are identical on every engine for the same seed.

The engines' own generators differ (NumPy's PCG64, torch's Philox, JAX's
threefry), so an augmentation layer would move pixels differently per engine.
Here the numbers come from exact small-integer arithmetic on ``kerasette.ops``:
three Wichmann-Hill style streams (prime moduli below 2**15, so every product
fits in int32) mixed by a few non-linear rounds, combined into an exact
integer of 24 bits, then scaled into ``[0, 1)``. Good enough for augmentation parameters; not for cryptography.
"""
from __future__ import annotations

import math

from ... import ops

_PRIMES = (30269, 30307, 30323)
_MULT = (171, 172, 170)
_ROUNDS = 4


def uniform(seed, shape, minval=0.0, maxval=1.0, dtype="float32"):
    """Uniform numbers in ``[minval, maxval)`` of ``shape`` from the engine int ``seed``.

    Args:
        seed: engine integer scalar, or a ``(2,)`` seed state (``SeedGenerator.next()``).
        shape: tuple of ints.
        minval, maxval: the interval.
        dtype: float dtype of the result.
    Returns:
        An engine array of ``shape``; the same on every engine for the same seed.
    """
    if len(ops.shape(seed)) == 1:  # a (2,) SeedGenerator state [seed, counter]: seed + counter,
        seed = ops.add(ops.getitem(seed, 0), ops.getitem(seed, 1))  # the old scalar state's sequence
    n = math.prod(shape)
    i = ops.arange(0, n, dtype="int32")
    xs = []
    for k, p in enumerate(_PRIMES):
        s = ops.cast(ops.mod(seed, p), "int32")
        xs.append(ops.mod(ops.add(ops.multiply(ops.mod(i, p), _MULT[k]), ops.add(s, 7 * k + 1)), p))
    for r in range(_ROUNDS):
        for k, p in enumerate(_PRIMES):
            other = xs[(k + 1) % 3]
            mixed = ops.add(ops.multiply(xs[k], xs[k]), ops.multiply(other, _MULT[k]))
            xs[k] = ops.mod(ops.add(mixed, 2 * r + k + 1), p)
    # 9 bits from the first stream, 15 from the other two: an exact integer below 2**24,
    # so the float32 conversion and the power-of-two scaling are exact on every engine
    low = ops.mod(ops.add(ops.multiply(xs[1], 181), xs[2]), 32768)
    v = ops.add(ops.multiply(ops.mod(xs[0], 512), 32768), low)
    u = ops.multiply(ops.cast(v, "float32"), 2.0 ** -24)
    u = ops.reshape(u, tuple(shape))
    if minval != 0.0 or maxval != 1.0:
        u = ops.add(ops.multiply(u, float(maxval) - float(minval)), float(minval))
    return ops.cast(u, dtype)


def normal(seed, shape, dtype="float32"):
    """Standard normal numbers of ``shape`` (Box-Muller on ``uniform``); portable as ``uniform``
    up to the engines' float32 ``log``/``cos`` rounding."""
    n = math.prod(shape)
    u = uniform(seed, (2, n))
    radius = ops.sqrt(ops.multiply(-2.0, ops.log(ops.subtract(1.0, ops.getitem(u, 0)))))
    z = ops.multiply(radius, ops.cos(ops.multiply(ops.getitem(u, 1), 2.0 * math.pi)))
    return ops.cast(ops.reshape(z, tuple(shape)), dtype)


def gamma(seed, shape, alpha, tries=8, dtype="float32"):
    """Gamma(``alpha``, 1) numbers of ``shape`` (Python float ``alpha > 0``), traceable:
    Marsaglia-Tsang with a fixed number of ``tries`` per number (the first accepted one;
    the mode if all fail, chance below 1e-10), boosted by ``u ** (1 / alpha)`` below 1."""
    n = math.prod(shape)
    a = alpha + 1.0 if alpha < 1.0 else float(alpha)
    d = a - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    z = ops.reshape(normal(seed, (tries * n,)), (tries, n))
    u = uniform(ops.add(seed, 7919), (tries + 1, n))
    v = ops.power(ops.add(ops.multiply(z, c), 1.0), 3.0)
    positive = ops.greater(v, 0.0)
    safe_v = ops.where(positive, v, ops.ones_like(v))
    bound = ops.add(ops.multiply(ops.square(z), 0.5),
                    ops.multiply(d, ops.add(ops.subtract(1.0, safe_v), ops.log(safe_v))))
    accept = ops.logical_and(positive, ops.less(ops.log(ops.getitem(u, slice(0, tries))), bound))
    out = ops.full((n,), d, "float32")
    for t in reversed(range(tries)):  # the first accepted try wins
        out = ops.where(ops.getitem(accept, t), ops.multiply(d, ops.getitem(safe_v, t)), out)
    if alpha < 1.0:
        out = ops.multiply(out, ops.power(ops.subtract(1.0, ops.getitem(u, tries)), 1.0 / alpha))
    return ops.cast(ops.reshape(out, tuple(shape)), dtype)
