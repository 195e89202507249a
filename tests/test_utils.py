"""kerasette.utils: to_categorical, normalize, and the progress bar."""
from __future__ import annotations

import io
import re

import numpy as np
import pytest

from kerasette import utils
from kerasette.utils import Progbar, normalize, to_categorical
from kerasette.utils.progbar import print_epoch_header

ANSI = re.compile(r"\x1b\[[0-9;]*m")


# ------------------------------------------------------------ to_categorical
def test_to_categorical():
    out = to_categorical([0, 2, 1], 4)
    assert out.dtype == np.float32 and out.shape == (3, 4)
    np.testing.assert_array_equal(out, np.eye(4, dtype=np.float32)[[0, 2, 1]])
    assert to_categorical([0, 3]).shape == (2, 4)                     # inferred classes
    assert to_categorical(np.array([[1], [0]]), 3).shape == (2, 3)   # (n, 1) drops the 1
    assert to_categorical(np.array([[1, 2], [0, 1]]), 3).shape == (2, 2, 3)
    assert to_categorical(np.array([1.0, 2.0])).shape == (2, 3)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        to_categorical([0, 3], 3)
    with pytest.raises(ValueError, match="integer"):
        to_categorical([0.5])


def test_utils_exports():
    assert {"set_random_seed", "to_categorical", "normalize", "Progbar"} <= set(utils.__all__)


# ----------------------------------------------------------------- normalize
def test_normalize_numpy():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]])
    out = normalize(x)
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0], [2 ** -0.5, -(2 ** -0.5)]])
    np.testing.assert_allclose(normalize(x, axis=0), x / np.linalg.norm(x, axis=0))
    np.testing.assert_allclose(normalize(x, order=1), [[3 / 7, 4 / 7], [0, 0], [0.5, -0.5]])
    assert isinstance(normalize([[1.0, 1.0]]), np.ndarray)


def test_normalize_engine_array(engine):
    x = np.array([[3.0, 4.0], [1.0, 0.0]], dtype=np.float32)
    out = normalize(engine.convert(x))
    assert engine.is_array(out)
    np.testing.assert_allclose(engine.to_numpy(out), [[0.6, 0.8], [1.0, 0.0]], rtol=1e-6)


# ------------------------------------------------------------------ Progbar
class Tty(io.StringIO):
    def isatty(self):
        return True


class Pipe(io.StringIO):
    def isatty(self):
        return False


def _run(stream, steps=10, **kwargs):
    bar = Progbar(steps, stream=stream, **kwargs)
    for i in range(1, steps + 1):
        bar.update(i, {"accuracy": 0.9, "loss": 0.25})
    return stream.getvalue()


LINE = re.compile(r"^10/10 \u2501{20} \d+s \d+(us|ms|s)/step - accuracy: 0\.9000 - loss: 0\.2500\n$")


def test_progbar_non_terminal_prints_one_line_at_the_end():
    out = _run(Pipe(), interval=0.0)
    assert "\r" not in out and "\x1b" not in out
    assert LINE.match(out), repr(out)


def test_progbar_terminal_redraws_in_place():
    out = _run(Tty(), interval=0.0)
    assert out.count("\r") == 10 and out.endswith("\n") and out.count("\n") == 1
    last = ANSI.sub("", out.split("\r")[-1])
    assert LINE.match(last), repr(last)
    first = out.split("\r")[1]
    assert "\x1b[32m" + "\u2501" * 2 + "\x1b[0m" in first  # 2 of 20 done, in green
    first = ANSI.sub("", first)
    assert first.startswith(" 1/10 " + "\u2501" * 20 + " ") and "- loss: 0.2500" in first


def test_progbar_terminal_respects_interval():
    out = _run(Tty(), interval=3600.0)
    assert out.count("\r") == 2  # the first update and the final one


def test_progbar_verbose_2_prints_one_line_per_bar():
    stream = Pipe()
    out = _run(stream, verbose=2)
    assert re.match(r"^10/10 - \d+s - \d+(us|ms|s)/step - accuracy: 0\.9000 - loss: 0\.2500\n$", out), out
    assert _run(Tty(), verbose=2).count("\n") == 1


def test_progbar_verbose_0_is_silent():
    assert _run(Tty(), verbose=0) == ""


def test_callable_values_are_evaluated_only_at_a_redraw():
    calls = []

    def values():
        calls.append(1)
        return {"loss": 0.5}

    for stream, kwargs in [(Pipe(), {}), (Tty(), {"interval": 3600.0}), (Pipe(), {"verbose": 2})]:
        calls.clear()
        bar = Progbar(100, stream=stream, **kwargs)
        for i in range(1, 100):
            bar.update(i, values)
        expected_before_end = 1 if isinstance(stream, Tty) else 0
        assert len(calls) == expected_before_end
        bar.update(100, values)
        assert len(calls) == expected_before_end + 1
        assert "loss: 0.5000" in stream.getvalue()
    calls.clear()
    bar = Progbar(5, stream=Tty(), verbose=0)
    for i in range(1, 6):
        bar.update(i, values)
    assert calls == []


def test_value_formatting_and_averaging():
    stream = Pipe()
    bar = Progbar(3, stream=stream, stateful_metrics=["lr"])
    for i, v in enumerate([1.0, 2.0, 6.0], start=1):
        bar.update(i, [("loss", v), ("lr", 1e-5 * i)], finalize=False)
    bar.update(3, finalize=True)
    out = stream.getvalue()
    assert "loss: 3.0000" in out        # averaged over the steps
    assert "lr: 3.0000e-05" in out      # stateful, shown as given, tiny -> %.4e

    stream = Pipe()
    bar = Progbar(4, stream=stream, stateless_metrics=set())  # values already running means
    for i in range(1, 5):
        bar.update(i, {"loss": float(i)}, finalize=False)
    bar.update(4, finalize=True)
    assert "loss: 4.0000" in stream.getvalue()


def test_lazy_values_weighted_by_the_steps_they_cover():
    stream = Tty()
    bar = Progbar(10, stream=stream, interval=0.0)
    bar.update(2, lambda: {"loss": 1.0}, finalize=False)   # covers steps 1-2
    bar.update(10, lambda: {"loss": 2.0}, finalize=False)  # covers steps 3-10
    assert "loss: 1.8000" in ANSI.sub("", stream.getvalue().split("\r")[-1])


def test_progbar_unknown_target_and_add():
    stream = Tty()
    bar = Progbar(None, stream=stream, interval=0.0)
    bar.add(3)
    bar.add(2, {"loss": 1.0})
    out = ANSI.sub("", stream.getvalue())
    assert "      5/Unknown" in out and "loss: 1.0000" in out
    stream = Pipe()
    bar = Progbar(None, stream=stream)
    bar.add(5)
    bar.update(5, finalize=True)
    assert stream.getvalue().startswith("      5/Unknown")


def test_progbar_finalize_early_in_a_log_shows_partial_bar():
    stream = Pipe()
    bar = Progbar(10, stream=stream)
    bar.update(5, finalize=True)
    assert stream.getvalue().startswith(" 5/10 " + "\u2501" * 10 + "\u2500" * 10 + " ")


def test_progbar_writes_to_stdout_by_default(capsys):
    bar = Progbar(2)
    bar.update(1)
    bar.update(2)
    assert capsys.readouterr().out.startswith("2/2 ")  # pytest's capture is not a terminal


def test_epoch_header():
    stream = Pipe()
    print_epoch_header(0, 3, stream=stream)
    print_epoch_header(2, 3, stream=stream)
    print_epoch_header(0, 1, stream=stream)       # one epoch: no header, as Keras 3
    print_epoch_header(1, 3, verbose=0, stream=stream)
    assert stream.getvalue() == "Epoch 1/3\nEpoch 3/3\n"
