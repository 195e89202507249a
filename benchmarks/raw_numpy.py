"""``mlp`` and ``tiny`` hand-written in NumPy: float32 forward, the backward pass
written out by hand, Keras's RMSprop / SGD updated in place, running loss and
accuracy. (NumPy has no autodiff: there is no hand-written ``cnn`` or ``lstm``.)"""
from __future__ import annotations

import numpy as np

from workloads import EPS, LR, RHO


def _glorot(rng, fan_in, fan_out, shape):
    lim = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-lim, lim, shape).astype(np.float32)


class Runner:
    def __init__(self, name, batch):
        if name not in ("mlp", "tiny"):
            raise ValueError(f"no hand-written NumPy {name!r}")
        self.name, self.batch = name, batch
        rng = np.random.default_rng(0)
        if name == "mlp":
            self.params = [_glorot(rng, 784, 512, (784, 512)), np.zeros(512, np.float32),
                           _glorot(rng, 512, 10, (512, 10)), np.zeros(10, np.float32)]
        else:
            self.params = [_glorot(rng, 8, 1, (8, 1)), np.zeros(1, np.float32)]
        self.velocity = [np.zeros_like(p) for p in self.params]
        self.lr = np.float32(LR[name])
        self.rng = np.random.default_rng(1)

    def host(self, x, y):
        return x, y

    def _mlp_step(self, x, y):
        w1, b1, w2, b2 = self.params
        h = x @ w1
        h += b1
        np.maximum(h, 0, out=h)
        z = h @ w2
        z += b2
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.mean(np.sum(y * np.log(np.maximum(p, 1e-7)), axis=1))
        hits = np.count_nonzero(z.argmax(1) == y.argmax(1))
        g = (p - y) * np.float32(1.0 / x.shape[0])
        dh = g @ w2.T
        dh *= h > 0
        grads = [x.T @ dh, dh.sum(axis=0), h.T @ g, g.sum(axis=0)]
        one_minus_rho, rho, eps = np.float32(1 - RHO), np.float32(RHO), np.float32(EPS)
        for w, v, gr in zip(self.params, self.velocity, grads):
            v *= rho
            v += one_minus_rho * (gr * gr)
            w -= self.lr * gr / np.sqrt(v + eps)
        return loss, hits

    def _tiny_step(self, x, y):
        w, b = self.params
        d = x @ w
        d += b
        d -= y
        loss = np.mean(d * d)
        d *= np.float32(2.0 / d.size)
        w -= self.lr * (x.T @ d)
        b -= self.lr * d.sum(axis=0)
        return loss, 0

    def train_epoch(self, data):
        x, y = data
        n = x.shape[0]
        perm = self.rng.permutation(n)
        step = self._mlp_step if self.name == "mlp" else self._tiny_step
        total, hits = 0.0, 0
        for lo in range(0, n, self.batch):
            idx = perm[lo:lo + self.batch]
            loss, h = step(x[idx], y[idx])
            total += loss
            hits += h
        return total / max(1, n // self.batch)

    def predict(self, data):
        x = data[0]
        out = []
        for lo in range(0, x.shape[0], self.batch):
            xb = x[lo:lo + self.batch]
            if self.name == "mlp":
                w1, b1, w2, b2 = self.params
                z = np.maximum(xb @ w1 + b1, 0) @ w2 + b2
                e = np.exp(z - z.max(axis=1, keepdims=True))
                out.append(e / e.sum(axis=1, keepdims=True))
            else:
                out.append(xb @ self.params[0] + self.params[1])
        return np.concatenate(out)
