"""BackupAndRestore: a fit interrupted at any point and re-run ends with an uninterrupted run's
weights and logs, bit for bit.

The crash is simulated by a callback raising at a given epoch and batch (and, in one test, by
SIGKILL of a real process). The backup is one file holding the weights, the optimizer state,
the epoch and batches done, the shuffling generator's state at the epoch's start, the seed
generators' states (Dropout) and the running metric values.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import h5py
import numpy as np
import pytest

import kerasette as ks
from kerasette import callbacks, layers

from .conftest import assert_weights_equal, tiny_model

EPOCHS, CRASH_AT = 6, 3


class Crash(callbacks.Callback):
    """Raises when training reaches ``(epoch, batch)``."""

    def __init__(self, epoch, batch=0):
        super().__init__()
        self.at = (epoch, batch)
        self.epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise RuntimeError("Interrupting!")


def _fit(model, x, y, cbs, epochs=EPOCHS):
    return model.fit(x, y, epochs=epochs, batch_size=8, shuffle=True, verbose=0, callbacks=cbs)


def _progress(folder):
    with h5py.File(os.path.join(folder, "latest.weights.h5"), "r") as f:
        return json.loads(f["training_state"].attrs["progress"])


def _dropout_model(seed=0):
    ks.utils.set_random_seed(seed)
    model = ks.Sequential([layers.Input((3,)), layers.Dense(8, activation="relu"),
                           layers.Dropout(0.3), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def test_resumed_run_equals_uninterrupted_run(engine, data, tmp_path):
    x, y = data
    reference = tiny_model(optimizer="adam")
    _fit(reference, x, y, [])

    backup_dir = tmp_path / "backup"
    backup = callbacks.BackupAndRestore(backup_dir)
    model = tiny_model(optimizer="adam")
    with pytest.raises(RuntimeError, match="Interrupting"):
        _fit(model, x, y, [backup, Crash(CRASH_AT)])
    assert _progress(backup_dir)["epoch"] == CRASH_AT
    assert sorted(os.listdir(backup_dir)) == ["latest.weights.h5"]   # one file, no temporaries

    history = _fit(model, x, y, [backup])
    assert history.epoch == list(range(CRASH_AT, EPOCHS))
    assert_weights_equal(model.get_weights(), reference.get_weights(), rtol=0, atol=0)
    assert_weights_equal(model.optimizer.get_weights(), reference.optimizer.get_weights(),
                         rtol=0, atol=0)
    assert not backup_dir.exists()     # deleted once training finished


def test_mid_epoch_resume_with_dropout_is_bit_identical(engine, data, tmp_path):
    """Backups every 3 batches; the crash falls mid-epoch: the resumed run replays the
    epoch's shuffle, skips the trained batches, and carries on the Dropout seed stream and
    the running metrics."""
    x, y = data  # 32 samples: 4 batches an epoch
    reference = _dropout_model()
    ref_history = _fit(reference, x, y, [], epochs=4)

    model = _dropout_model()
    backup = callbacks.BackupAndRestore(tmp_path, save_freq=3)
    with pytest.raises(RuntimeError):
        _fit(model, x, y, [backup, Crash(2, 2)], epochs=4)
    assert _progress(tmp_path)["epoch"] == 2 and _progress(tmp_path)["step"] == 1

    fresh = _dropout_model(seed=7)    # as after a restart: other weights, other generator state
    history = _fit(fresh, x, y, [callbacks.BackupAndRestore(tmp_path, save_freq=3)], epochs=4)
    assert history.epoch == [2, 3]
    assert_weights_equal(fresh.get_weights(), reference.get_weights(), rtol=0, atol=0)
    for key in ("loss", "mae"):
        assert history.history[key] == ref_history.history[key][2:]


def test_interrupted_write_keeps_the_previous_backup(engine, data, tmp_path, monkeypatch):
    """A failure while a backup is written (as a kill would) leaves the previous backup whole."""
    from kerasette.saving import training_checkpoint
    x, y = data
    reference = tiny_model(optimizer="adam")
    _fit(reference, x, y, [])

    writes = []
    real = training_checkpoint.write_state

    def failing_third_write(model, f):
        writes.append(1)
        real(model, f)
        if len(writes) == 3:
            raise KeyboardInterrupt   # mid-write, after the state went into the temporary file
    monkeypatch.setattr(training_checkpoint, "write_state", failing_third_write)
    model = tiny_model(optimizer="adam")
    with pytest.raises(KeyboardInterrupt):
        _fit(model, x, y, [callbacks.BackupAndRestore(tmp_path)])
    assert sorted(os.listdir(tmp_path)) == ["latest.weights.h5"] and _progress(tmp_path)["epoch"] == 2
    monkeypatch.setattr(training_checkpoint, "write_state", real)
    fresh = tiny_model(optimizer="adam", seed=5)
    _fit(fresh, x, y, [callbacks.BackupAndRestore(tmp_path)])
    assert_weights_equal(fresh.get_weights(), reference.get_weights(), rtol=0, atol=0)


_KILLED_RUN = textwrap.dedent("""
    import sys, numpy as np, kerasette as ks
    from kerasette import callbacks, layers
    class Beat(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            print("batch", flush=True)
    ks.utils.set_random_seed(int(sys.argv[2]))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32"); y = x[:, :1] * 2
    model = ks.Sequential([layers.Input((3,)), layers.Dense(8, activation="relu"),
                           layers.Dropout(0.2), layers.Dense(1)])
    model.compile("adam", "mse")
    cbs = [callbacks.BackupAndRestore(sys.argv[1], save_freq=1), Beat()]
    model.fit(x, y, epochs=6, batch_size=8, verbose=0, callbacks=cbs)
    np.save(sys.argv[3], np.concatenate([w.ravel() for w in model.get_weights()]))
""")


def test_sigkill_at_any_moment_then_resume_equals_uninterrupted(tmp_path):
    """A real process killed with SIGKILL (mid-step or mid-write), restarted on the same folder."""
    script = tmp_path / "run.py"
    script.write_text(_KILLED_RUN)
    env = dict(os.environ, KERASETTE_BACKEND="numpy", OMP_NUM_THREADS="1")

    def run(folder, seed, out, kill_after=None):
        proc = subprocess.Popen([sys.executable, str(script), str(folder), str(seed), str(out)],
                                stdout=subprocess.PIPE, env=env, text=True)
        try:
            if kill_after is not None:
                for _ in range(kill_after):
                    proc.stdout.readline()
                time.sleep(0.003)
                proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        finally:
            proc.kill()
            proc.stdout.close()
        return proc.returncode

    assert run(tmp_path / "a", 0, tmp_path / "a.npy") == 0
    assert run(tmp_path / "b", 0, tmp_path / "b.npy", kill_after=21) == -signal.SIGKILL
    assert not (tmp_path / "b.npy").exists()
    assert run(tmp_path / "b", 3, tmp_path / "b.npy") == 0
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"), np.load(tmp_path / "a.npy"))
    assert not (tmp_path / "b").exists()


def test_double_checkpoint_falls_back_to_the_previous_backup(engine, data, tmp_path):
    x, y = data
    model = tiny_model(optimizer="adam")
    with pytest.raises(RuntimeError):
        _fit(model, x, y, [callbacks.BackupAndRestore(tmp_path, double_checkpoint=True), Crash(3)])
    assert sorted(os.listdir(tmp_path)) == ["latest.weights.h5", "latest.weights.h5.bkp"]
    (tmp_path / "latest.weights.h5").write_bytes(b"damaged")
    history = _fit(model, x, y, [callbacks.BackupAndRestore(tmp_path, double_checkpoint=True)])
    assert history.epoch == [2, 3, 4, 5]    # from the previous backup (end of epoch 1)


def test_unbuilt_model_with_a_backup_says_build_first(engine, data, tmp_path):
    from kerasette import Sequential
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
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.BackupAndRestore("/tmp/x", save_freq=0)
