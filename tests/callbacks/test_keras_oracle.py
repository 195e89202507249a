"""EarlyStopping and ReduceLROnPlateau decide exactly as Keras's on the same logged values.

Both are fed the same random sequences through a stand-in model (the hooks
only read logs, ``stop_training``, weights and the optimizer's rate).
"""
import numpy as np
import pytest

from kerasette import callbacks

pytestmark = pytest.mark.keras_oracle


class _Optimizer:
    def __init__(self):
        self.learning_rate = 0.1


class _Model:
    def __init__(self):
        self.stop_training = False
        self.metrics = []
        self.optimizer = _Optimizer()
        self.epoch = 0

    def get_weights(self):
        return [np.array(self.epoch)]

    def set_weights(self, weights):
        self.restored = int(weights[0])


def _run(cb, series, key):
    model = _Model()
    cb.set_model(model)
    cb.on_train_begin()
    trace = []
    for epoch, value in enumerate(series):
        model.epoch = epoch
        logs = {key: float(value)}
        cb.on_epoch_end(epoch, logs)
        trace.append((model.stop_training, round(float(model.optimizer.learning_rate), 12)))
        if model.stop_training:
            break
    cb.on_train_end()
    return trace, getattr(model, "restored", None)


def _series(rng):
    kind = rng.integers(3)
    if kind == 0:
        return rng.normal(size=30)
    if kind == 1:
        return np.round(rng.uniform(size=30), 1)          # many ties
    return np.cumsum(rng.normal(0.05, 0.1, size=30))


def test_early_stopping_matches_keras(keras_module):
    rng = np.random.default_rng(0)
    for _ in range(60):
        series = _series(rng)
        args = dict(monitor="score", min_delta=float(rng.choice([0, 0.05, 0.2])),
                    patience=int(rng.integers(0, 4)), mode=str(rng.choice(["min", "max"])),
                    baseline=None if rng.uniform() < 0.5 else float(rng.normal()),
                    restore_best_weights=bool(rng.integers(2)),
                    start_from_epoch=int(rng.integers(0, 3)))
        ours = _run(callbacks.EarlyStopping(**args), series, "score")
        theirs = _run(keras_module.callbacks.EarlyStopping(**args), series, "score")
        assert ours == theirs, args


def test_reduce_lr_on_plateau_matches_keras(keras_module):
    rng = np.random.default_rng(1)
    for _ in range(60):
        series = _series(rng)
        args = dict(monitor="val_loss", factor=float(rng.choice([0.1, 0.5])),
                    patience=int(rng.integers(0, 4)), min_delta=float(rng.choice([0, 1e-4, 0.1])),
                    cooldown=int(rng.integers(0, 3)), min_lr=float(rng.choice([0, 0.01])),
                    mode=str(rng.choice(["auto", "min", "max"])))
        ours = _run(callbacks.ReduceLROnPlateau(**args), series, "val_loss")
        theirs = _run(keras_module.callbacks.ReduceLROnPlateau(**args), series, "val_loss")
        assert ours == theirs, args
