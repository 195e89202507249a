"""CSVLogger writes and appends; TerminateOnNaN stops (or raises); LambdaCallback calls its functions."""
import csv

import numpy as np
import pytest

from kerasette import callbacks

from .conftest import tiny_model


def _rows(path, sep=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=sep))


def test_csv_logger_writes_then_appends(engine, data, tmp_path):
    x, y = data
    model = tiny_model(metrics=["mae"])
    path = tmp_path / "log.csv"
    h = model.fit(x, y, validation_split=0.25, epochs=2, verbose=0, callbacks=[callbacks.CSVLogger(path)])
    rows = _rows(path)
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [r[0] for r in rows[1:]] == ["0", "1"]
    np.testing.assert_allclose([float(r[1]) for r in rows[1:]], h.history["loss"])
    np.testing.assert_allclose([float(r[4]) for r in rows[1:]], h.history["val_mae"])
    model.fit(x, y, validation_split=0.25, epochs=3, verbose=0,
              callbacks=[callbacks.CSVLogger(path, append=True)])
    rows = _rows(path)
    assert len(rows) == 1 + 2 + 3 and rows.count(rows[0]) == 1   # one header
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.CSVLogger(path, separator=";")])
    rows = _rows(path, ";")
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]  # Keras adds val_ columns
    assert rows[1][3:] == ["NA", "NA"]


def test_terminate_on_nan_stops_at_the_bad_batch(engine, data):
    x, y = data
    x = x.copy()
    x[20] = np.nan                                   # in the third batch of 8
    model = tiny_model()
    batches = []
    cb = callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(batch))
    h = model.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[cb, callbacks.TerminateOnNaN()])
    assert batches == [0, 1, 2] and h.epoch == [0]
    assert np.isnan(h.history["loss"][0])
    with pytest.raises(RuntimeError, match="NaN or Inf loss"):
        tiny_model().fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0,
                         callbacks=[callbacks.TerminateOnNaN(raise_error=True)])


def test_lambda_callback_hooks(engine, data):
    x, y = data
    calls = []
    cb = callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(f"epoch_begin {epoch}"),
        on_epoch_end=lambda epoch, logs: calls.append(f"epoch_end {epoch} {sorted(logs)}"),
        on_train_end=lambda logs: calls.append("train_end"),
        on_batch_end=lambda batch, logs: calls.append(f"batch {batch}"),   # a Keras 2 hook, via kwargs
        on_test_end=lambda logs: calls.append("test_end"))
    model = tiny_model()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[cb])
    assert calls == ["train_begin", "epoch_begin 0", "batch 0", "batch 1", "epoch_end 0 ['loss']",
                     "epoch_begin 1", "batch 0", "batch 1", "epoch_end 1 ['loss']", "train_end"]
    model.evaluate(x, y, verbose=0, callbacks=[cb])
    assert calls[-1] == "test_end"
