"""``model.summary()`` (Keras 3's table) and ``kerasette.utils.plot_model``."""
import importlib
import math
import shutil

import numpy as np
import pytest

import kerasette
from kerasette import layers, models, utils

plot_module = importlib.import_module("kerasette.utils.plot_model")  # the function shadows the module name


@pytest.fixture(autouse=True)
def numpy_engine():
    previous = kerasette.config._active
    kerasette.config.set_backend("numpy")
    yield
    kerasette.config._active = previous


def _lines(model, **kwargs):
    out = []
    model.summary(print_fn=out.append, **kwargs)
    return out


def _count(weights):
    return sum(math.prod(w.shape) for w in weights)


def _total(lines, label):
    line = next(l for l in lines if l.startswith(f" {label}:"))
    return int(line.split(":")[1].split("(")[0].replace(",", ""))


def _mlp():
    return models.Sequential([layers.Input(shape=(6,)), layers.Dense(8, activation="relu", name="hidden"),
                              layers.Dropout(0.2, name="drop"), layers.Dense(3, name="out")], name="mlp")


def _branched():
    inp = layers.Input(shape=(8, 8, 3), name="image")
    x = layers.Conv2D(4, 3, name="conv")(inp)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.MaxPooling2D(name="pool")(x)
    a = layers.GlobalAveragePooling2D(name="gap")(x)
    b = layers.Dense(2, name="side")(layers.Flatten(name="flat")(x))
    out = layers.Dense(3, name="head")(layers.Concatenate(name="cat")([a, b]))
    return models.Model(inp, out, name="branched")


def test_sequential_summary_matches_count_params():
    model = _mlp()
    lines = _lines(model)
    assert lines[0] == 'Model: "mlp"'
    header = lines[2]
    assert "Layer (type)" in header and "Output Shape" in header and "Param #" in header
    assert "Connected to" not in header
    table = [l for l in lines[1:] if l[:1] in "┏┃┡│├└"]
    assert all(len(l) == 88 for l in table)
    for layer in model.layers:
        row = next(l for l in lines if f"{layer.name} ({type(layer).__name__})" in l)
        assert row.rstrip("│ ").endswith(f"{layer.count_params():,}")
    assert "(None, 8)" in next(l for l in lines if "hidden (Dense)" in l)
    assert _total(lines, "Total params") == model.count_params() == 6 * 8 + 8 + 8 * 3 + 3
    assert _total(lines, "Trainable params") == model.count_params()
    assert _total(lines, "Non-trainable params") == 0
    assert lines[-3].endswith("(332.00 B)")  # 83 float32 weights
    assert not any("Optimizer params" in l for l in lines)


def test_unbuilt_sequential_says_so():
    model = models.Sequential([layers.Dense(4, name="a"), layers.Dense(2, name="b")], name="later")
    lines = _lines(model)
    rows = [l for l in lines if "(Dense)" in l]
    assert len(rows) == 2 and all("0 (unbuilt)" in r and "│ ?" in r for r in rows)
    assert _total(lines, "Total params") == 0


def test_branched_functional_has_connected_to():
    model = _branched()
    lines = _lines(model)
    assert "Connected to" in lines[2]
    assert all(len(l) == 108 for l in lines[1:] if l[:1] in "┏┃┡│├└")
    cat = " ".join(l for l in lines if "cat" in l or "side[0][0]" in l)
    assert "gap[0][0]" in cat and "side[0][0]" in cat
    assert "image[0][0]" in next(l for l in lines if "conv (Conv2D)" in l)
    assert _total(lines, "Non-trainable params") == 8  # BatchNormalization's moving statistics
    assert _total(lines, "Trainable params") == _count(model.trainable_weights)
    assert _total(lines, "Total params") == model.count_params()


def test_chain_functional_has_no_connected_to():
    inp = layers.Input(shape=(3,))
    model = models.Model(inp, layers.Dense(2)(layers.Dense(4)(inp)), name="chain")
    assert "Connected to" not in _lines(model)[2]


class Tower(models.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(4, name="t_hidden")
        self.head = layers.Dense(1, name="t_head")

    def call(self, x):
        return self.head(self.hidden(x))


def test_subclassed_model():
    model = Tower(name="tower")
    model(np.ones((2, 5), "float32"))
    lines = _lines(model)
    assert lines[0] == 'Model: "tower"'
    assert "24" in next(l for l in lines if "t_hidden (Dense)" in l)
    assert _total(lines, "Total params") == 5 * 4 + 4 + 4 + 1


def test_nested_model_and_expand_nested():
    inner = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3, name="inner_dense")], name="inner")
    inp = layers.Input(shape=(4,))
    outer = models.Model(inp, layers.Dense(2, name="outer_dense")(inner(inp)), name="outer")
    lines = _lines(outer)
    assert any("inner (Sequential)" in l and "15" in l for l in lines)
    assert not any("inner_dense" in l for l in lines)
    expanded = _lines(outer, expand_nested=True)
    assert any("└ inner_dense (Dense)" in l for l in expanded)


def test_optimizer_params_after_fit():
    model = _mlp()
    model.compile("adam", "mse")
    model.fit(np.ones((4, 6), "float32"), np.zeros((4, 3), "float32"), verbose=0)
    lines = _lines(model)
    opt = _count(model.optimizer.variables)
    assert opt == 2 * model.count_params() + 2  # Adam: two slots, plus iterations and learning rate
    assert _total(lines, "Optimizer params") == opt
    assert _total(lines, "Total params") == model.count_params() + opt


def test_show_trainable_and_layer_range():
    model = _mlp()
    model.get_layer("out").trainable = False
    lines = _lines(model, show_trainable=True)
    assert "Trainable" in lines[2]
    assert next(l for l in lines if "out (Dense)" in l).split("│")[-2].strip() == "N"
    assert next(l for l in lines if "hidden (Dense)" in l).split("│")[-2].strip() == "Y"
    assert next(l for l in lines if "drop (Dropout)" in l).split("│")[-2].strip() == "-"
    assert _total(lines, "Non-trainable params") == 8 * 3 + 3
    ranged = _lines(model, layer_range=("drop", "out"))
    assert not any("hidden (Dense)" in l for l in ranged) and any("out (Dense)" in l for l in ranged)


def test_default_print_fn_prints(capsys):
    utils.print_summary(_mlp())
    out = capsys.readouterr().out
    assert out.startswith('Model: "mlp"\n') and "Total params: 83" in out


@pytest.mark.keras_oracle
def test_counts_match_keras(keras_module):
    keras = keras_module
    theirs = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8), keras.layers.BatchNormalization(),
                               keras.layers.Dense(3)])
    captured = []
    theirs.summary(print_fn=lambda text, **kw: captured.append(text))
    keras_totals = [l.strip() for l in "".join(captured).splitlines() if "params:" in l]
    ours = models.Sequential([layers.Input(shape=(6,)), layers.Dense(8), layers.BatchNormalization(),
                              layers.Dense(3)])
    our_totals = [l.strip() for l in _lines(ours) if "params:" in l]
    assert our_totals == keras_totals


# ------------------------------------------------------------------ plot_model
def test_model_to_dot_lists_layers_and_edges():
    model = _branched()
    dot = utils.model_to_dot(model, show_shapes=True)
    assert dot.startswith('digraph "branched" {')
    for layer in model.layers:
        assert f"{layer.name} ({type(layer).__name__})" in dot
    assert dot.count("->") == 9  # one edge per connection between layers
    assert "output: (None, 8, 8, 3)" in dot and "output: (None, 3)" in dot


def test_model_to_dot_expand_nested():
    inner = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3, name="in_a"),
                               layers.Dense(3, name="in_b")], name="inner")
    inp = layers.Input(shape=(4,))
    outer = models.Model(inp, layers.Dense(2, name="last")(inner(inp)), name="outer")
    assert "in_a" not in utils.model_to_dot(outer)
    dot = utils.model_to_dot(outer, expand_nested=True)
    assert "in_a (Dense)" in dot and "in_b (Dense)" in dot and dot.count("->") == 3


def test_plot_model_to_dot_file_needs_no_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    text = utils.plot_model(_mlp(), to_file=tmp_path / "m.dot", show_shapes=True)
    assert (tmp_path / "m.dot").read_text() == text and "hidden (Dense)" in text


def test_plot_model_without_graphviz_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "pydot", None)
    monkeypatch.setattr(plot_module.shutil, "which", lambda name: None)
    with pytest.raises(ImportError) as err:
        utils.plot_model(_mlp(), to_file=tmp_path / "m.png")
    assert "pip install pydot" in str(err.value) and "graphviz" in str(err.value).lower()
    assert not (tmp_path / "m.png").exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_plot_model_renders_png(tmp_path):
    utils.plot_model(_branched(), to_file=tmp_path / "m.png", show_shapes=True)
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
