"""The workloads hand-written in JAX, as a strong engineer would: parameters in a
pytree, one ``jax.jit``-compiled train step (forward, ``value_and_grad``, Keras's
RMSprop / SGD math, running loss and accuracy) with donated buffers, optax-free,
NHWC convolutions, the LSTM as ``lax.scan``; the host reads numbers once per epoch."""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from workloads import EPS, LR, RHO


def _glorot(rng, fan_in, fan_out, shape):
    lim = np.sqrt(6.0 / (fan_in + fan_out))
    return jnp.asarray(rng.uniform(-lim, lim, shape).astype(np.float32))


def _init(name, rng):
    z = lambda *s: jnp.zeros(s, jnp.float32)  # noqa: E731
    if name == "mlp":
        return {"w1": _glorot(rng, 784, 512, (784, 512)), "b1": z(512),
                "w2": _glorot(rng, 512, 10, (512, 10)), "b2": z(10)}
    if name == "cnn":
        return {"k1": _glorot(rng, 9, 288, (3, 3, 1, 32)), "c1": z(32),
                "k2": _glorot(rng, 288, 576, (3, 3, 32, 64)), "c2": z(64),
                "w": _glorot(rng, 1600, 10, (1600, 10)), "b": z(10)}
    if name == "lstm":
        return {"emb": jnp.asarray(rng.uniform(-0.05, 0.05, (10000, 32)).astype(np.float32)),
                "k": _glorot(rng, 32, 128, (32, 128)), "rk": _glorot(rng, 32, 128, (32, 128)),
                "bias": z(128), "w": _glorot(rng, 32, 1, (32, 1)), "b": z(1)}
    return {"w": _glorot(rng, 8, 1, (8, 1)), "b": z(1)}


def _pool(x):
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")


def _conv(x, k, b):
    y = lax.conv_general_dilated(x, k, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return jax.nn.relu(y + b)


def _forward(name, p, x):
    """Logits (mlp, cnn, lstm) or the prediction (tiny)."""
    if name == "mlp":
        h = jax.nn.relu(x @ p["w1"] + p["b1"])
        return h @ p["w2"] + p["b2"]
    if name == "cnn":
        h = _pool(_conv(x, p["k1"], p["c1"]))
        h = _pool(_conv(h, p["k2"], p["c2"]))
        return h.reshape(h.shape[0], -1) @ p["w"] + p["b"]
    if name == "lstm":
        # time-major embeddings (the int index is transposed, not the floats); the
        # input projection inside the scan: on XLA:CPU 2-3x faster than projecting
        # every time step first
        xs = jnp.take(p["emb"], x.T, axis=0)
        n, u = x.shape[0], 32

        def cell(carry, x_t):
            h, c = carry
            z = x_t @ p["k"] + h @ p["rk"] + p["bias"]
            i, f, g, o = jnp.split(z, 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), None

        init = (jnp.zeros((n, u), xs.dtype), jnp.zeros((n, u), xs.dtype))
        (h, _), _ = lax.scan(cell, init, xs)
        return h @ p["w"] + p["b"]
    return x @ p["w"] + p["b"]


def _predict(name, p, x):
    out = _forward(name, p, x)
    if name in ("mlp", "cnn"):
        return jax.nn.softmax(out)
    return jax.nn.sigmoid(out) if name == "lstm" else out


def _loss(name, p, x, y):
    out = _forward(name, p, x)
    if name in ("mlp", "cnn"):
        loss = -jnp.mean(jnp.sum(y * jax.nn.log_softmax(out), axis=-1))
        hits = jnp.sum(jnp.argmax(out, -1) == jnp.argmax(y, -1))
    elif name == "lstm":
        loss = jnp.mean(jnp.maximum(out, 0) - out * y + jnp.log1p(jnp.exp(-jnp.abs(out))))
        hits = jnp.sum((out > 0) == (y > 0.5))
    else:
        loss = jnp.mean((out - y) ** 2)
        hits = jnp.int32(0)
    return loss, hits


def _make_step(name):
    lr = LR[name]

    @functools.partial(jax.jit, donate_argnums=(0, 1, 2))
    def step(params, velocity, sums, x, y):
        (loss, hits), grads = jax.value_and_grad(functools.partial(_loss, name), has_aux=True)(
            params, x, y)
        if name == "tiny":  # SGD
            params = jax.tree_util.tree_map(lambda w, g: w - lr * g, params, grads)
        else:  # Keras's RMSprop: v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps)
            velocity = jax.tree_util.tree_map(lambda v, g: RHO * v + (1 - RHO) * g * g,
                                              velocity, grads)
            params = jax.tree_util.tree_map(lambda w, g, v: w - lr * g / jnp.sqrt(v + EPS),
                                            params, grads, velocity)
        return params, velocity, (sums[0] + loss, sums[1] + hits)

    return step


class Runner:
    """``train_epoch`` and ``predict`` on host NumPy data."""

    def __init__(self, name, batch):
        self.name, self.batch = name, batch
        self.params = _init(name, np.random.default_rng(0))
        self.velocity = jax.tree_util.tree_map(jnp.zeros_like, self.params)
        self.step = _make_step(name)
        self.fwd = jax.jit(functools.partial(_predict, name))
        self.rng = np.random.default_rng(1)

    def host(self, x, y):
        return x, y

    def train_epoch(self, data):
        x, y = data
        n = x.shape[0]
        perm = self.rng.permutation(n)
        sums = (jnp.zeros((), jnp.float32), jnp.zeros((), jnp.int32))
        p, v = self.params, self.velocity
        for lo in range(0, n, self.batch):
            idx = perm[lo:lo + self.batch]
            p, v, sums = self.step(p, v, sums, x[idx], y[idx])
        self.params, self.velocity = p, v
        return float(sums[0]) / max(1, n // self.batch)

    def predict(self, data):
        x = data[0]
        out = []
        for lo in range(0, x.shape[0], self.batch):
            out.append(np.asarray(self.fwd(self.params, x[lo:lo + self.batch])))
        return np.concatenate(out)
