"""The book examples (examples/binary_classification.py, multiclass_classification.py,
regression_kfold.py) run on every engine, print their result and save their plot.

Few epochs keep this fast; the thresholds, with what the scripts reach (the same
on numpy, torch and jax):

* binary (breast cancer, 5 epochs): test accuracy 0.965; threshold > 0.93.
* multi-class (digits, 8 epochs): test accuracy 0.931 with one-hot labels and
  categorical crossentropy, identical with integer labels and sparse
  categorical crossentropy; threshold > 0.9, and the two within 1e-6.
* regression (diabetes, 4-fold, 10 epochs): mean validation MAE 45.2;
  threshold < 55 (predicting the mean target gives about 64).
"""
import importlib.util
import pathlib

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")


def _load(name):
    spec = importlib.util.spec_from_file_location(f"book_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_binary_classification(engine, tmp_path, capsys):
    acc = _load("binary_classification").main(epochs=5, verbose=0, out=tmp_path)
    out = capsys.readouterr().out
    assert f"engine: {engine.name}  test_acc: " in out
    assert acc > 0.93, out
    assert _is_png(tmp_path / f"binary_classification_{engine.name}.png")


def test_multiclass_classification_both_label_encodings(engine, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KERASETTE_EXAMPLES_OUT", str(tmp_path))  # the env var names the folder
    results = _load("multiclass_classification").main(epochs=8, verbose=0)
    out = capsys.readouterr().out
    assert set(results) == {"categorical", "sparse"}
    assert results["categorical"] > 0.9, out
    assert results["sparse"] == pytest.approx(results["categorical"], abs=1e-6), out
    for name in results:
        assert _is_png(tmp_path / f"multiclass_{name}_{engine.name}.png")


def test_regression_kfold(engine, tmp_path, capsys):
    mae = _load("regression_kfold").main(epochs=10, verbose=0, out=tmp_path)
    out = capsys.readouterr().out
    assert f"engine: {engine.name}  k-fold val_mae: " in out
    assert mae < 55, out
    assert _is_png(tmp_path / f"regression_kfold_{engine.name}.png")
