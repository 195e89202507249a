"""The architecture examples run on every engine, print their result, and learn.

Short runs keep this quick; thresholds, with what the scripts reach in these
runs (the same on numpy, torch and jax; CTC within ~1%) and at their
defaults (``python examples/<name>.py``):

* two_input (digit halves, 8 epochs): test accuracy 0.931; threshold > 0.9
  (default 20 epochs: 0.953).
* two_output (12 epochs): digit accuracy 0.980, ink MAE 0.150 (standardized;
  predicting the mean gives 0.86); thresholds > 0.93 and < 0.3 (default 20
  epochs: 0.978 and 0.124).
* inception (5 epochs): test accuracy 0.88; threshold > 0.8 (default 15
  epochs: 0.973).
* ctc_recognizer (1500 strips, 5 epochs): exact-string accuracy 0.78;
  threshold > 0.5 (default 3000 strips, 20 epochs: 0.956 on jax).
"""
import importlib.util
import pathlib

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"

pytest.importorskip("sklearn")


def _load(name):
    spec = importlib.util.spec_from_file_location(f"arch_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_input(engine, capsys):
    acc = _load("two_input").main(epochs=8, verbose=0)
    out = capsys.readouterr().out
    assert f"engine: {engine.name}  test_acc: " in out
    assert acc > 0.9, out


def test_two_output(engine, capsys):
    logs = _load("two_output").main(epochs=12, verbose=0)
    out = capsys.readouterr().out
    assert f"engine: {engine.name}  test_digit_accuracy: " in out
    assert set(logs) == {"loss", "digit_loss", "ink_loss", "digit_accuracy", "ink_mae"}
    assert logs["loss"] == pytest.approx(logs["digit_loss"] + 0.5 * logs["ink_loss"], rel=1e-5)
    assert logs["digit_accuracy"] > 0.93, out
    assert logs["ink_mae"] < 0.3, out


def test_inception(engine, capsys):
    module = _load("inception")
    model = module.build_model()
    concat = model.get_layer("inception_a_concat")
    assert len(concat.input) == 4 and concat.output.shape == (None, 8, 8, 32)
    acc = module.main(epochs=5, verbose=0)
    out = capsys.readouterr().out
    assert f"engine: {engine.name}  test_acc: " in out
    assert acc > 0.8, out


def test_ctc_recognizer(engine, capsys):
    acc = _load("ctc_recognizer").main(epochs=5, verbose=0, n_train=1500)
    out = capsys.readouterr().out
    assert f"engine: {engine.name}  sequence_acc: " in out
    assert acc > 0.5, out
