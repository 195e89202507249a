"""plot_history draws a History (or its dict) to a PNG, one panel per metric."""
import sys

import pytest

from kerasette.utils import plot_history

from .conftest import tiny_model

pytest.importorskip("matplotlib")


def _is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_plot_history_writes_a_png(engine, data, tmp_path):
    x, y = data
    history = tiny_model(metrics=["mae"]).fit(x, y, validation_split=0.25, epochs=2, verbose=0)
    path = tmp_path / "sub" / "curves.png"
    assert plot_history(history, path) == path
    assert _is_png(path)


def test_plot_history_dict_metrics_and_errors(tmp_path):
    logs = {"loss": [1.0, 0.5], "val_loss": [1.2, 0.7], "mae": [0.9, 0.4]}
    path = str(tmp_path / "loss.png")
    assert plot_history(logs, path, metrics="loss") == path and _is_png(path)
    with pytest.raises(ValueError, match="accuracy"):
        plot_history(logs, path, metrics=["accuracy"])
    with pytest.raises(ValueError, match="History"):
        plot_history({}, path)


def test_plot_history_without_matplotlib(tmp_path, monkeypatch):
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_history({"loss": [1.0]}, str(tmp_path / "x.png"))
