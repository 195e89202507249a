"""EarlyStopping: stops after `patience` epochs without improvement, restores the best weights."""
import numpy as np
import pytest

from kerasette import callbacks

from .conftest import Scripted, WeightsPerEpoch, assert_weights_equal, tiny_model


def test_stops_after_patience_and_restores_best_weights(engine, data):
    x, y = data
    model = tiny_model()
    seen = WeightsPerEpoch()
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    script = Scripted(val_loss=[1.0, 0.5, 0.7, 0.8, 0.9, 0.1, 0.1, 0.1])
    history = model.fit(x, y, epochs=8, batch_size=8, verbose=0, callbacks=[script, seen, stop])
    assert history.epoch == [0, 1, 2, 3]          # best at 1; 2 and 3 do not improve
    assert stop.stopped_epoch == 3 and stop.best_epoch == 1 and stop.best == 0.5
    assert_weights_equal(model.get_weights(), seen.weights[1])
    assert not np.allclose(seen.weights[3][0], seen.weights[1][0])


def test_mode_max_min_delta_baseline_and_start_from_epoch(engine, data):
    x, y = data
    model = tiny_model(metrics=["mae"])
    # a rise smaller than min_delta is no improvement (mode max)
    stop = callbacks.EarlyStopping(monitor="score", mode="max", min_delta=0.1, patience=1)
    h = model.fit(x, y, epochs=6, verbose=0, callbacks=[Scripted(score=[0.5, 0.55, 0.9, 0.95, 1, 1]), stop])
    assert h.epoch == [0, 1]
    # improvements that do not beat the baseline do not reset the wait (Keras's rule), so
    # the first setback after `patience` epochs stops; without a baseline it takes 3 setbacks
    series = [0.9, 0.8, 0.7, 0.6, 0.5] * 2
    stop = callbacks.EarlyStopping(monitor="loss", baseline=0.01, patience=3)
    h = model.fit(x, y, epochs=10, verbose=0, callbacks=[Scripted(loss=series), stop])
    assert h.epoch == [0, 1, 2, 3, 4, 5]
    stop = callbacks.EarlyStopping(monitor="loss", patience=3)
    h = model.fit(x, y, epochs=10, verbose=0, callbacks=[Scripted(loss=series), stop])
    assert h.epoch == [0, 1, 2, 3, 4, 5, 6, 7]
    # nothing is watched before start_from_epoch
    stop = callbacks.EarlyStopping(monitor="loss", patience=1, start_from_epoch=3)
    h = model.fit(x, y, epochs=10, verbose=0, callbacks=[Scripted(loss=[1, 2, 3, 4, 5, 6, 7, 8, 9, 9]), stop])
    assert h.epoch == [0, 1, 2, 3, 4]


def test_auto_mode_maximizes_accuracy(engine):
    x = np.array([[0.0], [1.0]] * 8, dtype="float32")
    y = x.copy()
    from kerasette import Sequential, layers
    model = Sequential([layers.Input((1,)), layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    stop = callbacks.EarlyStopping(monitor="accuracy", patience=1)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[Scripted(accuracy=[0.5, 0.9, 0.95]), stop])
    assert stop.monitor_op is np.greater and stop.best == 0.95
    with pytest.raises(ValueError, match="mode='max'"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[Scripted(my_score=[1.0]),
                                                         callbacks.EarlyStopping(monitor="my_score")])


def test_missing_monitor_warns_and_trains_on(engine, data):
    x, y = data
    model = tiny_model()
    with pytest.warns(UserWarning, match="val_loss.*not available"):
        h = model.fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.EarlyStopping()])
    assert h.epoch == [0, 1]


def test_real_training_restores_lowest_val_loss_epoch(engine, data):
    x, y = data
    model = tiny_model(optimizer="adam")
    seen = WeightsPerEpoch()
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=100, restore_best_weights=True)
    h = model.fit(x, y, validation_data=(x[:8], y[:8] + 5.0), epochs=6, verbose=0, callbacks=[seen, stop])
    best = int(np.argmin(h.history["val_loss"]))
    assert_weights_equal(model.get_weights(), seen.weights[best])
