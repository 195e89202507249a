"""``model.export(path, format="onnx")`` from every engine, checked with onnxruntime
against ``predict``. One small model per family (the exports are slow)."""
import numpy as np
import pytest

from kerasette import Input, Model, config, layers
from kerasette.utils import set_random_seed

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("torch")


def _cnn():
    inp = Input((8, 8, 3), name="image")
    x = layers.Conv2D(4, 3, activation="relu")(inp)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv1D(2, 2)(layers.Reshape((9, 4))(x))
    x = layers.GlobalAveragePooling1D()(x)
    return Model(inp, layers.Dense(3, activation="softmax")(x)), \
        np.random.default_rng(0).random((5, 8, 8, 3), "float32")


def _rnn():
    inp = Input((6,), dtype="int32", name="tokens")
    x = layers.Embedding(20, 4, mask_zero=True)(inp)  # the mask reaches the LSTM
    x = layers.LSTM(5, return_sequences=True)(x)
    x = layers.GRU(3)(x)
    tokens = np.random.default_rng(0).integers(1, 20, (5, 6)).astype("int32")
    return Model(inp, layers.Dense(2)(x)), tokens * (np.arange(6) < [[2], [6], [4], [1], [5]])  # padded


def _attention():
    inp = Input((4, 6), name="seq")
    x = layers.MultiHeadAttention(num_heads=2, key_dim=3)(inp, inp)
    x = layers.LayerNormalization()(layers.Add()([inp, x]))
    x = layers.Dropout(0.5)(x)
    return Model(inp, layers.Dense(2)(layers.Flatten()(x))), \
        np.random.default_rng(0).random((5, 4, 6), "float32")


FAMILIES = {"cnn": _cnn, "rnn": _rnn, "attention": _attention}
CASES = [("cnn", "jax"), ("rnn", "numpy"), ("attention", "torch")]  # each engine, each family


def _run(path, x):
    sess = ort.InferenceSession(str(path))
    return sess.run(None, {sess.get_inputs()[0].name: x})[0], sess


@pytest.mark.parametrize("family,engine_name", CASES, ids=[f"{f}-{e}" for f, e in CASES])
def test_onnx_matches_predict(family, engine_name, tmp_path):
    from kerasette import backends
    if engine_name not in backends.available():
        pytest.skip(f"{engine_name} not installed")
    previous = config._active
    config.set_backend(engine_name)
    try:
        set_random_seed(1)
        model, x = FAMILIES[family]()
        rng = np.random.default_rng(2)  # every weight (BatchNormalization's statistics too) travels
        model.set_weights([rng.uniform(0.1, 0.6, w.shape).astype(w.dtype) for w in model.get_weights()])
        model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
        got, sess = _run(tmp_path / "m.onnx", x)  # batch 5: the trace used another batch size
        np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-4, atol=1e-5)
        assert sess.get_inputs()[0].name == model.input_names[0]
    finally:
        config._active = previous


def test_export_errors(engine, tmp_path):
    inp = Input((3,))
    model = Model(inp, layers.Dense(2)(inp))
    with pytest.raises(ValueError, match="TensorFlow.*format='onnx'"):
        model.export(tmp_path / "m")
    with pytest.raises(ValueError, match="litert.*TensorFlow"):
        model.export(tmp_path / "m", format="litert")
    seq = Input((None, 2))
    rnn = Model(seq, layers.SimpleRNN(2)(seq))
    with pytest.raises(ValueError, match="simple_rnn.*input_signature"):
        rnn.export(tmp_path / "r.onnx", format="onnx")


def test_unsupported_layer_is_named(tmp_path):
    from kerasette import ops
    previous = config._active
    config.set_backend("numpy")  # rebuilt on torch: the custom class travels with the model
    try:
        class Inverse(layers.Layer):
            def call(self, x):
                return ops.reshape(ops.inv(ops.reshape(x, (-1, 2, 2))), (-1, 4))
        inp = Input((4,))
        model = Model(inp, layers.Dense(1)(Inverse(name="inv")(layers.Dense(4)(inp))))
        with pytest.raises(ValueError, match="layer 'inv' \\(Inverse\\) cannot be exported"):
            model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
    finally:
        config._active = previous


def test_host_layer_is_named(engine, tmp_path):
    inp = Input((1,), dtype="string")
    model = Model(inp, layers.StringLookup(vocabulary=["a", "b"], name="lookup")(inp))
    with pytest.raises(ValueError, match="'lookup' \\(StringLookup\\) runs on the host"):
        model.export(tmp_path / "m.onnx", format="onnx")


def test_missing_package_names_the_extra(engine, tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "onnx", None)  # makes `import onnx` fail
    inp = Input((3,))
    model = Model(inp, layers.Dense(2)(inp))
    with pytest.raises(ImportError, match=r"pip install kerasette\[onnx\]"):
        model.export(tmp_path / "m.onnx", format="onnx")
