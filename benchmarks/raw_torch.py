"""The workloads hand-written in PyTorch, as a strong engineer would: an ``nn.Module``,
``torch.optim`` (RMSprop / SGD with Keras's hyper-parameters), a standard eager loop,
NCHW images converted once, loss and accuracy summed on the device and read once
per epoch."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from workloads import EPS, LR, RHO


class LSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10000, 32)
        self.lstm = nn.LSTM(32, 32, batch_first=True)
        self.out = nn.Linear(32, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(self.emb(x))
        return self.out(h[0])


def _module(name):
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    if name == "cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(1600, 10))
    if name == "lstm":
        return LSTMNet()
    return nn.Linear(8, 1)


class Runner:
    """``first_step``, ``train_epoch`` and ``predict`` on host NumPy data."""

    def __init__(self, name, batch):
        self.name, self.batch = name, batch
        self.model = _module(name)
        if name == "tiny":
            self.opt = torch.optim.SGD(self.model.parameters(), lr=LR[name])
            self.loss_fn = F.mse_loss
        else:
            self.opt = torch.optim.RMSprop(self.model.parameters(), lr=LR[name], alpha=RHO, eps=EPS)
            self.loss_fn = (F.binary_cross_entropy_with_logits if name == "lstm"
                            else F.cross_entropy)  # soft (one-hot) targets
        self.rng = np.random.default_rng(1)

    def host(self, x, y):
        """The data in torch's preferred layout, converted once."""
        if self.name == "cnn":
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        if self.name == "lstm":
            x = x.astype(np.int64)
        return torch.from_numpy(x), torch.from_numpy(y)

    def _step(self, xb, yb, sums):
        self.opt.zero_grad(set_to_none=True)
        out = self.model(xb)
        loss = self.loss_fn(out, yb)
        loss.backward()
        self.opt.step()
        with torch.no_grad():
            sums[0] += loss.detach()
            if self.name in ("mlp", "cnn"):
                sums[1] += (out.argmax(1) == yb.argmax(1)).sum()
            elif self.name == "lstm":
                sums[1] += ((out > 0).float() == yb).sum()

    def train_epoch(self, data):
        x, y = data
        n = x.shape[0]
        perm = torch.from_numpy(self.rng.permutation(n))
        sums = [torch.zeros(()), torch.zeros((), dtype=torch.int64)]
        for lo in range(0, n, self.batch):
            idx = perm[lo:lo + self.batch]
            self._step(x[idx], y[idx], sums)
        return float(sums[0]) / max(1, n // self.batch)

    def predict(self, data):
        x = data[0]
        out = []
        with torch.inference_mode():
            for lo in range(0, x.shape[0], self.batch):
                p = self.model(x[lo:lo + self.batch])
                if self.name in ("mlp", "cnn"):
                    p = torch.softmax(p, 1)
                elif self.name == "lstm":
                    p = torch.sigmoid(p)
                out.append(p.numpy())
        return np.concatenate(out)
