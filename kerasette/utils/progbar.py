"""A Keras-style progress bar that knows whether it writes to a terminal.

``verbose=1`` on a terminal (or in Jupyter) redraws one line in place with
``\\r``; written to a file or a pipe it prints one line per bar, at the end, so
logs stay readable. ``verbose=2`` prints one line per bar at the end, with time
and metrics. Metric values may be passed as a zero-argument callable that is
only called when the bar actually prints, so a trainer reads values back from
the device only at a refresh, never once per step.
"""
from __future__ import annotations

import logging
import math
import re
import sys
import time

import numpy as np

from .. import config

_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"
_BAR_CHAR = "\u2501"  # ━
_REST_CHAR = "\u2500"  # ─, the undone part when there are no colours to tell it apart


def _is_terminal(stream):
    isatty = getattr(stream, "isatty", None)
    try:
        if isatty is not None and isatty():
            return True
    except (ValueError, OSError):  # closed stream
        return False
    return "ipykernel" in sys.modules


def _write(stream, text):
    if not config.is_interactive_logging_enabled():
        line = re.sub(r"\x1b\[[0-9;]*m|[\r\b]", "", text).strip()
        if line:
            logging.getLogger("kerasette").info(line)
        return
    try:
        stream.write(text)
    except UnicodeEncodeError:
        stream.write(text.replace(_BAR_CHAR, "=").replace(_REST_CHAR, "."))
    flush = getattr(stream, "flush", None)
    if flush is not None:
        flush()


def _format_value(v):
    return f"{v:.4f}" if abs(v) > 1e-3 else f"{v:.4e}"


def _format_time_per_unit(seconds, unit_name):
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


def _format_eta(eta):
    if eta > 3600:
        return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
    if eta > 60:
        return "%d:%02d" % (eta // 60, eta % 60)
    return "%ds" % eta


def _as_float(v):
    try:
        return float(v)
    except TypeError:
        return float(np.mean(np.asarray(v)))


class Progbar:
    """Displays a progress bar, as ``keras.utils.Progbar``.

    Args:
        target: total number of steps, or None if unknown.
        width: bar width in characters.
        verbose: 0 silent, 1 bar (redrawn on a terminal, one final line in a
            file), 2 one line at the end.
        interval: minimum seconds between redraws on a terminal.
        stateful_metrics: names whose values are shown as given; other values
            are averaged over the steps they cover. ``None`` averages all,
            as Keras.
        unit_name: what one step is called (``'step'`` or ``'sample'``).
        stream: where to write (default ``sys.stdout`` at each write).
        dynamic: force in-place redrawing on (True) or off (False); default:
            on when ``stream`` is a terminal or under IPython's kernel.
        stateless_metrics: the other way round (as Keras): only these names
            are averaged. Pass ``set()`` when the values are already running
            means, as a trainer's metrics are.

    Example:
        >>> bar = Progbar(469)
        >>> for step in range(1, 470):
        ...     bar.update(step, lambda: {"loss": float(loss)})
        469/469 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - loss: 0.2519
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step", stream=None, dynamic=None, stateless_metrics=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Pass at most one of `stateful_metrics` and `stateless_metrics`.")
        self.stateful_metrics = set(stateful_metrics or ())
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self._stream = stream
        self._dynamic_display = _is_terminal(self.stream) if dynamic is None else bool(dynamic)
        self._values = {}          # name -> [weighted sum, weight]
        self._values_order = []
        self._seen_so_far = 0
        self._values_seen = 0      # step up to which values have been folded in
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    @property
    def stream(self):
        """The stream the bar writes to."""
        return self._stream if self._stream is not None else sys.stdout

    # ------------------------------------------------------------------ public
    def update(self, current, values=None, finalize=None):
        """Move the bar to step ``current`` and print if a refresh is due.

        Args:
            current: the index of the current step (1-based count of steps done).
            values: metric values: a dict ``{name: float}``, a list of
                ``(name, float)`` pairs, or a zero-argument callable returning
                either. A callable is called only when the bar prints.
            finalize: whether this is the last update; default ``current >= target``.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)
        due = self._print_due(now, finalize)
        if not callable(values):
            self._fold(values, current, finalize)
        elif due:
            self._fold(values(), current, finalize)
        self._seen_so_far = current
        if due:
            if self.verbose == 1:
                self._print_bar(current, now, time_per_unit, finalize)
            else:
                self._print_line(current, now, time_per_unit)
            self._last_update = now

    def add(self, n, values=None):
        """Advance the bar by ``n`` steps (see ``update``)."""
        self.update(self._seen_so_far + n, values)

    # ---------------------------------------------------------------- helpers
    def _print_due(self, now, finalize):
        if self.verbose == 1:
            if finalize:
                return True
            return self._dynamic_display and now - self._last_update >= self.interval
        if self.verbose == 2:
            return bool(finalize)
        return False

    def _fold(self, values, current, finalize):
        if not values:
            return
        items = values.items() if isinstance(values, dict) else values
        steps = max(current - self._values_seen, 1)
        for k, v in items:
            if k not in self._values_order:
                self._values_order.append(k)
            v = _as_float(v)
            if finalize or not self._averaged(k):
                self._values[k] = [v, 1]
            elif k not in self._values:
                self._values[k] = [v * steps, steps]
            else:
                self._values[k][0] += v * steps
                self._values[k][1] += steps
        self._values_seen = current

    def _averaged(self, name):
        if self.stateless_metrics is not None:
            return name in self.stateless_metrics
        return name not in self.stateful_metrics

    def _metrics_text(self):
        text = ""
        for k in self._values_order:
            total, count = self._values[k]
            text += f" - {k}: {_format_value(total / max(1, count))}"
        return text

    def _print_bar(self, current, now, time_per_unit, finalize):
        dyn = self._dynamic_display
        bold, reset = (_BOLD, _RESET) if dyn else ("", "")
        if self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            count = f"%{digits}d/%d" % (current, self.target)
            done = min(int(self.width * current / self.target), self.width)
            if dyn:
                bar = (f"{bold}{count}{reset} " + (f"{_GREEN}{_BAR_CHAR * done}{_RESET}" if done else "")
                       + f"{_GREY}{_BAR_CHAR * (self.width - done)}{_RESET}")
            else:
                bar = f"{count} {_BAR_CHAR * done}{_REST_CHAR * (self.width - done)}"
            visible = len(count) + 1 + self.width
        else:
            bar = "%7d/Unknown" % current
            visible = len(bar)
        if self.target is not None and self.target > 0 and not finalize:
            timing = _format_eta(time_per_unit * (self.target - current))
        else:
            timing = f"{now - self._start:.0f}s"
        info = f" {bold}{timing}{reset} {_format_time_per_unit(time_per_unit, self.unit_name)}"
        info += self._metrics_text()
        visible += len(info) - (len(bold) + len(reset))
        if dyn:
            line = "\r" + bar + info
            if self._prev_total_width > visible:
                line += " " * (self._prev_total_width - visible)
            self._prev_total_width = visible
            if finalize:
                line += "\n"
        else:
            line = bar + info + "\n"
        _write(self.stream, line)

    def _print_line(self, current, now, time_per_unit):
        if self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            count = f"%{digits}d/%d" % (current, self.target)
        else:
            count = f"{current}"
        line = (f"{count} - {now - self._start:.0f}s - "
                f"{_format_time_per_unit(time_per_unit, self.unit_name)}{self._metrics_text()}\n")
        _write(self.stream, line)

    def _estimate_step_duration(self, current, now):
        # ignores the (compile-heavy) first step once more steps are done, as Keras
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit


def epoch_header(epoch, epochs):
    """Keras's ``'Epoch k/N'`` line for the 0-based ``epoch`` (no newline)."""
    return f"Epoch {epoch + 1}/{epochs}"


def print_epoch_header(epoch, epochs, verbose=1, stream=None):
    """Print ``Epoch k/N`` before an epoch's bar, as Keras 3 does.

    Nothing is printed when ``verbose`` is 0 or there is a single epoch.

    Args:
        epoch: the 0-based epoch index.
        epochs: the number of epochs.
        verbose: the fit verbosity.
        stream: where to write (default ``sys.stdout``).
    """
    if verbose and epochs > 1:
        _write(stream if stream is not None else sys.stdout, epoch_header(epoch, epochs) + "\n")
