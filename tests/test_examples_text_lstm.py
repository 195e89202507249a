"""examples/text_lstm.py trains to > 90% test accuracy on every engine.

Task: does a padded token sequence contain the bigram "3 7"? (An order-blind
bag-of-words classifier gets about 66% on it.) 3 epochs (the script's default
is 12) already give 1.000 on the 500 held-out sequences, identically on numpy,
torch and jax; the threshold 0.9 leaves room for engine-level float drift.
This takes about 3 s (numpy), 3 s (torch) and 5-20 s (jax, mostly compiling
the train step) on two busy CPU cores.
"""
import importlib.util
import pathlib

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "text_lstm.py"


def _load():
    spec = importlib.util.spec_from_file_location("text_lstm_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_text_lstm_example_reaches_90_percent(engine, capsys):
    acc = _load().main(epochs=3, verbose=0)
    out = capsys.readouterr().out
    assert f"engine: {engine.name}  test_acc: " in out
    assert acc > 0.9, out
