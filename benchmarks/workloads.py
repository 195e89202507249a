"""The benchmark workloads: shapes, synthetic data, and the Keras-API model builder.

The shapes are issue 7's and stay fixed so results remain comparable:

* ``mlp``:  Input(784) -> Dense(512, relu) -> Dense(10, softmax); RMSprop(1e-3);
  categorical crossentropy; accuracy; batch 128.
* ``cnn``:  Input(28, 28, 1) -> Conv2D(32, 3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3, relu)
  -> MaxPooling2D(2) -> Flatten -> Dense(10, softmax); RMSprop; batch 128.
* ``lstm``: Input(100 ints) -> Embedding(10000, 32) -> LSTM(32) -> Dense(1, sigmoid);
  RMSprop; binary crossentropy; batch 128.
* ``tiny``: Input(8) -> Dense(1); SGD; mse; batch 32 (the per-step overhead).

``build_model(lib, name)`` takes the ``kerasette`` or ``keras`` module: the same
code builds the model on both, which is the point of the API.
"""
from __future__ import annotations

import numpy as np

WORKLOADS = {
    # batch size, timed steps per epoch (full run), metric names
    "mlp": {"batch": 128, "steps": 100},
    "cnn": {"batch": 128, "steps": 12},
    "lstm": {"batch": 128, "steps": 24},
    "tiny": {"batch": 32, "steps": 2000},
}
NAMES = list(WORKLOADS)

LR = {"mlp": 1e-3, "cnn": 1e-3, "lstm": 1e-3, "tiny": 1e-2}
RHO, EPS = 0.9, 1e-7  # Keras's RMSprop defaults


def make_data(name, n, seed=0):
    """Synthetic ``(x, y)`` with ``n`` samples (float32 features, Keras-style targets)."""
    rng = np.random.default_rng(seed)
    if name == "mlp":
        x = rng.random((n, 784), dtype=np.float32)
        y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    elif name == "cnn":
        x = rng.random((n, 28, 28, 1), dtype=np.float32)
        y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    elif name == "lstm":
        x = rng.integers(0, 10000, (n, 100)).astype(np.int32)
        y = rng.integers(0, 2, (n, 1)).astype(np.float32)
    elif name == "tiny":
        x = rng.standard_normal((n, 8), dtype=np.float32)
        y = (x @ np.arange(1, 9, dtype=np.float32)[:, None] * 0.1).astype(np.float32)
    else:
        raise ValueError(f"unknown workload {name!r}; choose from {NAMES}")
    return x, y


def build_model(lib, name):
    """The workload's compiled model, written once against the Keras API of ``lib``."""
    layers, models, optimizers = lib.layers, lib.models, lib.optimizers
    if name == "mlp":
        model = models.Sequential([
            layers.Input(shape=(784,)),
            layers.Dense(512, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ])
        model.compile(optimizer=optimizers.RMSprop(LR[name]), loss="categorical_crossentropy",
                      metrics=["accuracy"])
    elif name == "cnn":
        model = models.Sequential([
            layers.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ])
        model.compile(optimizer=optimizers.RMSprop(LR[name]), loss="categorical_crossentropy",
                      metrics=["accuracy"])
    elif name == "lstm":
        model = models.Sequential([
            layers.Input(shape=(100,), dtype="int32"),
            layers.Embedding(10000, 32),
            layers.LSTM(32),
            layers.Dense(1, activation="sigmoid"),
        ])
        model.compile(optimizer=optimizers.RMSprop(LR[name]), loss="binary_crossentropy",
                      metrics=["accuracy"])
    elif name == "tiny":
        model = models.Sequential([layers.Input(shape=(8,)), layers.Dense(1)])
        model.compile(optimizer=optimizers.SGD(LR[name]), loss="mse")
    else:
        raise ValueError(f"unknown workload {name!r}; choose from {NAMES}")
    return model
