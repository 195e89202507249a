"""BackupAndRestore: a fit interrupted at epoch k and re-run ends with an uninterrupted run's weights.

The crash is simulated by a callback raising at the start of epoch k. The
backup holds the weights, the optimizer state (Adam's moments and step count)
and the shuffling generator's state, so the resumed run, with shuffling on,
replays exactly the epochs the crashed run did not do.
"""
import json
import os

import pytest

from kerasette import callbacks

from .conftest import assert_weights_equal, tiny_model

EPOCHS, CRASH_AT = 6, 3


class Crash(callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("Interrupting!")


def _fit(model, x, y, cbs, epochs=EPOCHS):
    return model.fit(x, y, epochs=epochs, batch_size=8, shuffle=True, verbose=0, callbacks=cbs)


def _uninterrupted(x, y):
    model = tiny_model(optimizer="adam")
    _fit(model, x, y, [])
    return model


def test_resumed_run_equals_uninterrupted_run(engine, data, tmp_path):
    x, y = data
    reference = _uninterrupted(x, y)

    backup_dir = tmp_path / "backup"
    backup = callbacks.BackupAndRestore(backup_dir)
    model = tiny_model(optimizer="adam")
    with pytest.raises(RuntimeError, match="Interrupting"):
        _fit(model, x, y, [backup, Crash(CRASH_AT)])
    assert json.loads((backup_dir / "training_metadata.json").read_text())["epoch"] == CRASH_AT

    history = _fit(model, x, y, [backup])
    assert history.epoch == list(range(CRASH_AT, EPOCHS))
    assert_weights_equal(model.get_weights(), reference.get_weights(), rtol=1e-6, atol=1e-7)
    assert_weights_equal(model.optimizer.get_weights(), reference.optimizer.get_weights(),
                         rtol=1e-6, atol=1e-7)
    assert not backup_dir.exists()     # deleted once training finished


def test_resume_in_a_fresh_model(engine, data, tmp_path):
    """As after a restart: a new model (other initial weights) and a new callback on the same folder."""
    x, y = data
    reference = _uninterrupted(x, y)
    model = tiny_model(optimizer="adam")
    with pytest.raises(RuntimeError):
        _fit(model, x, y, [callbacks.BackupAndRestore(tmp_path), Crash(CRASH_AT)])
    fresh = tiny_model(optimizer="adam", seed=123)
    history = _fit(fresh, x, y, [callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)])
    assert len(history.history["loss"]) == EPOCHS - CRASH_AT
    assert_weights_equal(fresh.get_weights(), reference.get_weights(), rtol=1e-6, atol=1e-7)
    assert (tmp_path / "training_metadata.json").exists()  # kept: delete_checkpoint=False


def test_batch_frequency_backups(engine, data, tmp_path):
    x, y = data
    model = tiny_model(optimizer="adam")
    saved = []

    class Watch(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            saved.append(os.path.getmtime(tmp_path / "latest.weights.h5")
                         if (tmp_path / "latest.weights.h5").exists() else None)
    backup = callbacks.BackupAndRestore(tmp_path, save_freq=3)
    with pytest.raises(RuntimeError):
        _fit(model, x, y, [backup, Watch(), Crash(2)])
    assert saved[:2] == [None, None] and saved[2] is not None     # first backup after batch 3
    meta = json.loads((tmp_path / "training_metadata.json").read_text())
    assert meta["epoch"] == 1 and meta["batch"] == 1               # the last: batch 2 of epoch 1
    history = _fit(model, x, y, [backup], epochs=4)
    assert history.epoch == [1, 2, 3]                             # the interrupted epoch restarts


def test_unbuilt_model_with_a_backup_says_build_first(engine, data, tmp_path):
    from kerasette import Sequential, layers
    x, y = data
    model = tiny_model()
    with pytest.raises(RuntimeError):
        _fit(model, x, y, [callbacks.BackupAndRestore(tmp_path), Crash(1)])
    unbuilt = Sequential([layers.Dense(4), layers.Dense(1)])
    unbuilt.compile("sgd", "mse")
    with pytest.raises(ValueError, match="must be built"):
        _fit(unbuilt, x, y, [callbacks.BackupAndRestore(tmp_path)])


def test_argument_errors():
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.BackupAndRestore("/tmp/x", save_freq="sometimes")
