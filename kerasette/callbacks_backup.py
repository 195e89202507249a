"""``BackupAndRestore``: a ``fit`` killed at any moment resumes to the uninterrupted result.

Each backup is one file (``saving/training_checkpoint.py``) committed in one
atomic rename: the weights, the optimizer state, the epoch and the number of
batches done in it, the state of the generator that shuffles the data as it was
when that epoch began, every seed generator's state (``Dropout``...) and the
running metric values. A resumed ``fit`` restores all of it, replays the
epoch's shuffle, skips the batches already done and goes on, so it ends with
the weights and logs of the uninterrupted run, bit for bit on one device.
"""
from __future__ import annotations

import contextlib
import os
import shutil

from .callbacks import Callback, _SavesEveryNBatches
from .distribution import multiprocess
from .saving.training_checkpoint import read_training_checkpoint, write_training_checkpoint
from .utils import seeding


class BackupAndRestore(_SavesEveryNBatches, Callback):
    """Back up the training state so an interrupted ``fit`` resumes where it stopped.

    At the end of each epoch (or every ``save_freq`` batches) it commits one
    backup file to ``backup_dir``. A later ``fit`` with a ``BackupAndRestore``
    on the same folder restores it in ``on_train_begin`` and continues from the
    batch after the backup, so a run killed at any moment (even while a backup
    is written) and restarted ends with the weights of an uninterrupted run.
    The folder is deleted when training finishes. Under a distribution only
    process 0 writes; every process restores.

    Args:
        backup_dir: a folder used only by this callback.
        save_freq: ``'epoch'``, or back up every this many batches (the resumed
            run skips the batches of the interrupted epoch already trained).
        double_checkpoint: keep the previous backup too and fall back to it
            when the latest cannot be read.
        delete_checkpoint: delete ``backup_dir`` once training finishes.

    Example:
        >>> backup = BackupAndRestore("/tmp/backup")
        >>> model.fit(x, y, epochs=10, callbacks=[backup])   # killed during epoch 4 ...
        >>> model.fit(x, y, epochs=10, callbacks=[backup])   # ... goes on from the last backup
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: "
                             f"save_freq={save_freq}. Expected either 'epoch' or a positive integer.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._epoch = 0
        self._epoch_rng_state = None
        self._save_at_epoch_end = False
        self._pending_metrics = None
        self._path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._previous_path = self._path + ".bkp"

    # ----------------------------------------------------------- restoring
    def on_train_begin(self, logs=None):
        candidates = [p for p in (self._path, self._previous_path) if os.path.exists(p)]
        if not candidates:
            return
        model = self.model
        if not model.built:
            raise ValueError("To use the BackupAndRestore callback, your model must be built "
                             f"before you call `fit()`. Model {model.name!r} is unbuilt. Build it "
                             "beforehand by giving it an `Input` or calling it on a batch of data.")
        optimizer = model.optimizer
        if optimizer is not None and not optimizer.built:
            optimizer.build(model.trainable_variables)
        for i, path in enumerate(candidates):
            try:
                progress, self._pending_metrics = read_training_checkpoint(
                    model, path, self._extra_variables())
                break
            except OSError as e:  # unreadable (e.g. damaged): the previous backup, if any
                if i + 1 == len(candidates):
                    raise OSError(f"BackupAndRestore: cannot read the backup {path} ({e}).") from e
        if not progress["step"]:
            self._pending_metrics = None  # an epoch boundary: fit starts the metrics afresh
        seeding.global_rng().bit_generator.state = progress["rng_state"]
        model._initial_epoch = progress["epoch"]
        model._initial_step = progress["step"]

    def on_train_batch_begin(self, batch, logs=None):
        if self._pending_metrics is None:
            return
        # the metrics are built by now (fit builds them from the first batch's shapes)
        values, self._pending_metrics = self._pending_metrics, None
        variables = self.model.metrics_variables
        if len(values) != len(variables):
            raise ValueError(f"BackupAndRestore: the backup in {self.backup_dir} holds "
                             f"{len(values)} metric values but the model's metrics have "
                             f"{len(variables)}: compile the model with the same metrics.")
        for v, value in zip(variables, values):
            v.assign(value)

    def _extra_variables(self):
        """What ``fit`` changes besides the weights and the optimizer: the states of seed
        generators (``Dropout``...) and of stateful layers."""
        weights = {id(v) for v in self.model.weights}
        return [v for v in self.model.variables if id(v) not in weights]

    # -------------------------------------------------------------- saving
    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._epoch_rng_state = seeding.global_rng().bit_generator.state  # before the shuffle

    def on_train_batch_end(self, batch, logs=None):
        if not self._should_save_on_batch(batch):
            return
        if batch + 1 == (self.params or {}).get("steps"):
            self._save_at_epoch_end = True  # the epoch's end state, a moment later
        else:
            self._save(self._epoch, batch + 1, self._epoch_rng_state)

    def on_epoch_end(self, epoch, logs=None):
        self._last_batch_seen = None
        if self.save_freq == "epoch" or self._save_at_epoch_end:
            self._save_at_epoch_end = False
            self._save(epoch + 1, 0, seeding.global_rng().bit_generator.state)

    def _save(self, epoch, step, rng_state):
        if multiprocess.is_chief():  # one writer; every process restores from the same folder
            os.makedirs(self.backup_dir, exist_ok=True)
            if self.double_checkpoint and os.path.exists(self._path):
                os.replace(self._path, self._previous_path)  # atomic; restore falls back to it
        # every process runs the writer (reading sharded values is collective); only the
        # chief's file lands (saving/atomic.py)
        progress = {"epoch": epoch, "step": step, "rng_state": rng_state}
        write_training_checkpoint(self.model, self._path, progress, self._extra_variables(),
                                  self.model.metrics_variables)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and multiprocess.is_chief():
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(self.backup_dir)
