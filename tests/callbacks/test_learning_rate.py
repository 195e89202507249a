"""ReduceLROnPlateau lowers the rate on a plateau; LearningRateScheduler sets it each epoch.

The rate is the optimizer's learning-rate variable, which the (jitted) train
step reads as state: a new value takes effect without retracing.
"""
import numpy as np
import pytest

import kerasette as ks
from kerasette import callbacks

from .conftest import Scripted, WeightsPerEpoch, assert_weights_equal, tiny_model


def _lr(model):
    return float(np.asarray(ks.ops.convert_to_numpy(model.optimizer.learning_rate)))


def test_reduce_lr_on_plateau_patience_factor_min_lr(engine, data):
    x, y = data
    model = tiny_model(optimizer=ks.optimizers.SGD(0.1))
    cb = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=0.02)
    h = model.fit(x, y, epochs=8, verbose=0, callbacks=[Scripted(val_loss=[1.0] * 8), cb])
    # logged before the reduction of that epoch: reduce after epochs 2, 4, 6 (floored at min_lr)
    np.testing.assert_allclose(h.history["learning_rate"], [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02],
                               rtol=1e-6)
    assert _lr(model) == pytest.approx(0.02)


def test_reduce_lr_on_plateau_cooldown_and_improvement(engine, data):
    x, y = data
    model = tiny_model(optimizer=ks.optimizers.SGD(0.1))
    cb = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.1, patience=1, cooldown=2, min_delta=0.0)
    losses = [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.4]
    h = model.fit(x, y, epochs=7, verbose=0, callbacks=[Scripted(loss=losses), cb])
    # epoch 1 reduces (0.1 -> 0.01); the cooldown counts down at epochs 2 and 3, and 3 (out
    # of cooldown, no improvement) reduces again; epoch 4 cools down; 5 and 6 improve
    np.testing.assert_allclose(h.history["learning_rate"], [0.1, 0.1, 0.01, 0.01, 0.001, 0.001, 0.001],
                               rtol=1e-6)
    assert _lr(model) == pytest.approx(0.001)
    with pytest.raises(ValueError, match="factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.5)


def test_scheduler_sets_rate_each_epoch_and_training_uses_it(engine, data):
    x, y = data
    model = tiny_model(optimizer=ks.optimizers.SGD(0.1))
    seen = WeightsPerEpoch()
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch < 2 else 0.0)
    h = model.fit(x, y, epochs=4, verbose=0, callbacks=[sched, seen])
    np.testing.assert_allclose(h.history["learning_rate"], [0.05, 0.025, 0.0, 0.0], rtol=1e-6)
    assert not np.allclose(seen.weights[0][0], seen.weights[1][0])
    assert_weights_equal(seen.weights[2], seen.weights[1])   # lr 0: the step changes nothing
    assert_weights_equal(seen.weights[3], seen.weights[1])


def test_scheduler_one_argument_and_bad_output(engine, data):
    x, y = data
    model = tiny_model(optimizer=ks.optimizers.Adam(0.01))
    h = model.fit(x, y, epochs=3, verbose=0,
                  callbacks=[callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))])
    np.testing.assert_allclose(h.history["learning_rate"], [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    with pytest.raises(ValueError, match="should be a float"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e, lr: 1)])
