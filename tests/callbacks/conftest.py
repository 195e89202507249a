"""Tiny models and data for the callback tests, and a callback that scripts log values.

``Scripted`` overwrites epoch-log entries with given values before the
callbacks after it read them (callbacks are called in list order and share the
logs dict), so monitor-based callbacks can be tested deterministically, with
the real ``fit`` loop, on every engine.
"""
import numpy as np
import pytest

import kerasette as ks
from kerasette import callbacks, layers


def tiny_data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32") + 0.1).astype("float32")
    return x, y


def tiny_model(optimizer="sgd", seed=0, loss="mse", metrics=None):
    ks.utils.set_random_seed(seed)
    model = ks.Sequential([layers.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    return model


class Scripted(callbacks.Callback):
    """Sets ``logs[key] = values[epoch]`` at each epoch end."""

    def __init__(self, **series):
        super().__init__()
        self.series = series

    def on_epoch_end(self, epoch, logs=None):
        for key, values in self.series.items():
            logs[key] = values[epoch]


class WeightsPerEpoch(callbacks.Callback):
    """Records ``model.get_weights()`` at each epoch end."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def assert_weights_equal(a, b, **kw):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, **kw)


@pytest.fixture
def data():
    return tiny_data()
