"""Callbacks: hooks into ``fit``/``evaluate``/``predict``.

``CallbackList`` fans each hook out to the user's callbacks plus the ones the
trainer adds itself (``History`` always for ``fit``, ``ProgbarLogger`` when
``verbose``). Batch logs are lazy: reading them syncs values from the device,
so a callback that ignores them costs nothing.

The built-in callbacks follow Keras 3's arguments and semantics:
``ModelCheckpoint``, ``EarlyStopping``, ``ReduceLROnPlateau``,
``LearningRateScheduler``, ``CSVLogger``, ``TerminateOnNaN``,
``LambdaCallback`` and ``BackupAndRestore``. Only ``TerminateOnNaN`` (each
batch) and ``ModelCheckpoint`` with an integer ``save_freq`` (each save) read
batch logs.
"""
from __future__ import annotations

import collections
import csv
import math
import numbers
import os
import string
import warnings

import numpy as np

from .distribution import multiprocess


class Callback:
    """Base class: override the hooks you need. ``self.model`` is set by ``fit``."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass

    # Keras 2 names
    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass


class History(Callback):
    """Records epoch logs: ``history.history[name]`` lists, ``history.epoch`` indices."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self


class ProgbarLogger(Callback):
    """Prints Keras's progress bar (``verbose=1``) or one line per epoch (``verbose=2``)."""

    def __init__(self, count_mode="steps"):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.progbar = None
        self._seen = 0
        self._in_fit = False  # fit's validation runs the test hooks, but draws no bar of its own

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _new_bar(self):
        from .utils.progbar import Progbar
        self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step",
                               stateless_metrics=set())
        self._seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")
        self._new_bar()

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._new_bar()

    def on_predict_begin(self, logs=None):
        self._new_bar()

    def _batch(self, batch, logs):
        self._seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self._seen, values=(lambda: dict(logs)) if logs is not None else None,
                                finalize=False)

    def on_train_batch_end(self, batch, logs=None):
        self._batch(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._batch(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._batch(batch, None)

    def _finish(self, logs):
        if self.progbar is not None:
            self.progbar.update(self._seen, values=dict(logs or {}), finalize=True)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._finish(logs)

    def on_predict_end(self, logs=None):
        self._finish(None)


class CallbackList:
    """The callbacks of one ``fit``/``evaluate``/``predict`` call, called in order."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        self.callbacks = list(callbacks or [])
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks) and \
                multiprocess.is_chief():  # one progress bar per job: process 0's
            self.callbacks.append(ProgbarLogger())
        if add_history:
            history = next((c for c in self.callbacks if isinstance(c, History)), None)
            if history is None:
                history = History()
                self.callbacks.append(history)
            if model is not None:
                model.history = history
        for c in self.callbacks:
            c.set_model(model)
            c.set_params(dict(params))

    def _call(self, hook, *args):
        for c in self.callbacks:
            getattr(c, hook)(*args)

    def on_train_begin(self, logs=None): self._call("on_train_begin", logs)
    def on_train_end(self, logs=None): self._call("on_train_end", logs)
    def on_epoch_begin(self, epoch, logs=None): self._call("on_epoch_begin", epoch, logs)
    def on_epoch_end(self, epoch, logs=None): self._call("on_epoch_end", epoch, logs)
    def on_test_begin(self, logs=None): self._call("on_test_begin", logs)
    def on_test_end(self, logs=None): self._call("on_test_end", logs)
    def on_predict_begin(self, logs=None): self._call("on_predict_begin", logs)
    def on_predict_end(self, logs=None): self._call("on_predict_end", logs)

    def _overriding(self, *hooks):
        """The bound ``hooks`` of the callbacks that override them, in order (a batch hook
        runs per step: Callback's no-op defaults are skipped there). Found again when
        callbacks are added or removed."""
        key = (hooks, len(self.callbacks))
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = tuple(
                getattr(c, h) for c in self.callbacks for h in hooks
                if h in vars(c) or getattr(type(c), h, None) is not getattr(Callback, h))
        return found

    _found = None

    def _batch(self, hooks, batch, logs):
        if self._found is None:
            self._found = {}
        for hook in self._overriding(*hooks):
            hook(batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._batch(("on_train_batch_begin", "on_batch_begin"), batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._batch(("on_train_batch_end", "on_batch_end"), batch, logs)

    def on_test_batch_begin(self, batch, logs=None): self._batch(("on_test_batch_begin",), batch, logs)
    def on_test_batch_end(self, batch, logs=None): self._batch(("on_test_batch_end",), batch, logs)
    def on_predict_batch_begin(self, batch, logs=None): self._batch(("on_predict_batch_begin",), batch, logs)
    def on_predict_batch_end(self, batch, logs=None): self._batch(("on_predict_batch_end",), batch, logs)


# ---------------------------------------------------------------- helpers
def _to_float(value):
    """A Python float from a number or a 0-d engine/NumPy array (one host read)."""
    if isinstance(value, numbers.Real):
        return float(value)
    from . import ops
    return float(np.asarray(ops.convert_to_numpy(value)))


def _print(msg):
    print(msg, flush=True)


class MonitorCallback(Callback):
    """Base of callbacks that watch one logged value (Keras's ``MonitorCallback``).

    ``mode='auto'`` minimizes losses and maximizes metrics that say they go up
    (accuracies, AUC, ...); anything else needs ``mode='min'`` or ``'max'``.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.",
                          stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            name = self.monitor[4:] if self.monitor.startswith("val_") else self.monitor
            if name == "loss" or name.endswith("_loss"):
                self.monitor_op = np.less
            for m in getattr(self.model, "metrics", None) or []:
                if m.name == name and getattr(m, "_direction", None) is not None:
                    self.monitor_op = np.greater if m._direction == "up" else np.less
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but "
                    "kerasette isn't able to automatically determine whether that metric should "
                    "be maximized or minimized. Pass `mode='max'` in order to monitor based on "
                    "the highest metric value, or pass `mode='min'` in order to use the lowest "
                    "value.")
        if self.monitor_op is np.less:
            self.min_delta = -abs(self.min_delta)
        else:
            self.min_delta = abs(self.min_delta)

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


# ---------------------------------------------------------- ModelCheckpoint
class _SavesEveryNBatches:
    """``_should_save_on_batch`` for callbacks with an integer or ``'epoch'`` ``save_freq``;
    they keep ``_batches_seen_since_last_saving`` and ``_last_batch_seen`` (None at first)."""

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:  # a new epoch
            add_batches = batch + 1
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False


class ModelCheckpoint(_SavesEveryNBatches, MonitorCallback):
    """Save the model (or its weights) during training, as ``keras.callbacks.ModelCheckpoint``.

    Args:
        filepath: where to save; may hold ``str.format`` fields filled from
            ``epoch`` (1-based), ``batch`` (with an integer ``save_freq``) and
            the logs, e.g. ``"ckpt/{epoch:02d}-{val_loss:.2f}.keras"``. Must end
            in ``.keras`` (or ``.h5``), or ``.weights.h5`` with
            ``save_weights_only``.
        monitor: the logged value that decides the "best" model.
        verbose: 1 prints a line per save.
        save_best_only: save only when ``monitor`` improves.
        save_weights_only: ``model.save_weights`` instead of ``model.save``.
        mode: ``'auto'``, ``'min'`` or ``'max'``.
        save_freq: ``'epoch'``, or save every this many batches (batch logs
            are read only at those saves).
        initial_value_threshold: the "best" value to beat at the start.

    Example:
        >>> cb = ModelCheckpoint("best.keras", monitor="val_loss", save_best_only=True)
        >>> model.fit(x, y, validation_split=0.2, epochs=10, callbacks=[cb])
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are "
                             "'epoch' or integer values")
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the "
                                 "filepath provided must end in `.weights.h5` (Keras weights "
                                 f"format). Received: filepath={self.filepath}")
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format). "
                             f"Received: filepath={self.filepath}")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_model(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                _print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=3)
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                _print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to "
                       f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch, batch, logs):
        logs = logs if logs is not None else {}
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}")
        if not self._should_save_model(epoch, logs, filepath):
            return
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch, batch, logs):
        fields = {f.split(".")[0].split("[")[0] for _, f, _, _ in string.Formatter().parse(self.filepath)
                  if f}
        # batch logs are read from the device only when the name uses them
        values = dict(logs) if fields - {"epoch", "batch"} else {}
        try:
            if batch is None or "batch" in values:
                return self.filepath.format(epoch=epoch + 1, **values)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **values)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e}") from None


# ------------------------------------------------------------ EarlyStopping
class EarlyStopping(MonitorCallback):
    """Stop training when a monitored value has stopped improving.

    Args:
        monitor: the logged value to watch.
        min_delta: smaller changes do not count as improvements.
        patience: epochs without improvement before stopping.
        verbose: 1 prints when stopping and restoring.
        mode: ``'auto'``, ``'min'`` or ``'max'``.
        baseline: training stops if the value does not beat it within
            ``patience`` epochs.
        restore_best_weights: at the end, restore the weights of the best
            epoch (when a best epoch was seen).
        start_from_epoch: epochs to wait before watching at all (warm-up).

    Example:
        >>> stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
        >>> model.fit(x, y, validation_split=0.2, epochs=100, callbacks=[stop])
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            _print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                _print("Restoring model weights from the end of the best epoch: "
                       f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(list(logs.keys()))}",
                          stacklevel=3)
        return value


# -------------------------------------------------------- ReduceLROnPlateau
class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by ``factor`` when a value has stopped improving.

    Args:
        monitor: the logged value to watch.
        factor: ``new_lr = lr * factor`` (< 1).
        patience: epochs without improvement before reducing.
        verbose: 1 prints each reduction.
        mode: ``'auto'``, ``'min'`` or ``'max'``.
        min_delta: smaller changes do not count as improvements.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the learning rate never goes below it.

    Adds ``learning_rate`` to the epoch logs.

    Example:
        >>> cb = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=1e-4)
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Received factor={factor}")
        if kwargs:
            warnings.warn(f"ReduceLROnPlateau: argument(s) ignored: {sorted(kwargs)}", stacklevel=2)
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = _to_float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          f"which is not available. Available metrics are: "
                          f"{','.join(list(logs.keys()))}.", stacklevel=3)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = logs["learning_rate"]
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        _print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                               f"to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


# ---------------------------------------------------- LearningRateScheduler
class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch from ``schedule(epoch, lr)``.

    Args:
        schedule: a function ``(epoch, lr) -> new lr`` (0-based epoch, current
            lr as a float), or ``epoch -> new lr``; must return a float.
        verbose: 1 prints each update.

    Adds ``learning_rate`` to the epoch logs.

    Example:
        >>> def schedule(epoch, lr):
        ...     return lr if epoch < 10 else lr * 0.9
        >>> model.fit(x, y, epochs=15, callbacks=[LearningRateScheduler(schedule)])
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            lr = self.schedule(epoch, _to_float(optimizer.learning_rate))
        except TypeError:  # a one-argument schedule, as Keras allows
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {lr}")
        optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _to_float(self.model.optimizer.learning_rate)


# ---------------------------------------------------------------- CSVLogger
class CSVLogger(Callback):
    """Stream the epoch logs to a CSV file, one row per epoch.

    Args:
        filename: the CSV file.
        separator: the column separator.
        append: append to an existing file (its header is kept) instead of
            overwriting it.

    Example:
        >>> model.fit(x, y, epochs=5, callbacks=[CSVLogger("training.log")])
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if not multiprocess.is_chief():
            return  # process 0 writes the file
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        if self.csv_file is None:
            return  # not process 0
        logs = logs or {}

        def handle_value(v):
            if isinstance(v, str):
                return v
            if isinstance(v, collections.abc.Iterable) and not (isinstance(v, np.ndarray) and v.ndim == 0):
                return f'"[{", ".join(map(str, v))}]"'
            return v

        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        if self.writer is None:
            sep = self.sep

            class _Dialect(csv.excel):
                delimiter = sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=_Dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, handle_value(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


# ----------------------------------------------------------- TerminateOnNaN
class TerminateOnNaN(Callback):
    """Stop training when the loss becomes NaN or infinite.

    Reads the running loss after every batch (one host read per batch).

    Args:
        raise_error: raise a ``RuntimeError`` instead of stopping quietly.
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = _to_float(loss)
        if math.isnan(loss) or math.isinf(loss):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                                   f"{loss}. Terminating training immediately.")
            _print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


# ----------------------------------------------------------- LambdaCallback
class LambdaCallback(Callback):
    """A callback made of plain functions, given by hook name.

    Args:
        on_epoch_begin, on_epoch_end: ``f(epoch, logs)``.
        on_train_begin, on_train_end: ``f(logs)``.
        on_train_batch_begin, on_train_batch_end: ``f(batch, logs)``.
        **kwargs: any other hook, e.g. ``on_batch_end`` or ``on_test_end``.

    Example:
        >>> printer = LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)


# the callbacks that reach outside (event files, HTTP) or into the optimizer, kept apart
from .callbacks_more import RemoteMonitor, SwapEMAWeights, TensorBoard  # noqa: E402,F401
from .callbacks_backup import BackupAndRestore  # noqa: E402,F401
