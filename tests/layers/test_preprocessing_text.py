"""IntegerLookup and StringLookup on every engine, against the examples in Keras 3's
docstrings (Keras needs TensorFlow for these layers, which is not installed here),
plus configs, saving with an adapted vocabulary, use in a model, and errors."""
import json

import numpy as np
import pytest

from kerasette import config, layers, models

VOCAB = ["a", "b", "c", "d"]
DATA = np.array([["a", "c", "d"], ["d", "z", "b"]])
INTS = np.array([[12, 1138, 42], [42, 1000, 36]])


def _np(a):
    return a if isinstance(a, np.ndarray) and a.dtype.kind == "U" else np.asarray(config.active().to_numpy(a))


def test_string_lookup_docstring_examples(engine):
    assert _np(layers.StringLookup(vocabulary=VOCAB)(DATA)).tolist() == [[1, 3, 4], [4, 0, 2]]
    adapted = layers.StringLookup()
    adapted.adapt(DATA)
    assert adapted.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert _np(adapted(DATA)).tolist() == [[5, 3, 1], [1, 2, 4]]
    two_oov = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=2)(DATA)
    assert _np(two_oov)[0].tolist() == [2, 4, 5] and _np(two_oov)[1, 1] in (0, 1)
    one_hot = layers.StringLookup(vocabulary=VOCAB, output_mode="one_hot")(np.array(["a", "b", "c", "d", "z"]))
    np.testing.assert_array_equal(_np(one_hot), np.eye(5)[[1, 2, 3, 4, 0]])
    multi = layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot")(np.array([["a", "c", "d", "d"],
                                                                                    ["d", "z", "b", "z"]]))
    assert _np(multi).tolist() == [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]
    count = layers.StringLookup(vocabulary=VOCAB, output_mode="count")(np.array([["a", "c", "d", "d"],
                                                                                ["d", "z", "b", "z"]]))
    assert _np(count).tolist() == [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]
    tfidf = layers.StringLookup(output_mode="tf_idf", vocabulary=VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(_np(tfidf(np.array([["a", "c", "d", "d"], ["d", "z", "b", "z"]]))),
                               [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    inverse = layers.StringLookup(vocabulary=VOCAB, invert=True)(np.array([[1, 3, 4], [4, 0, 2]]))
    assert inverse.tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    masked = layers.StringLookup(vocabulary=VOCAB, mask_token="")
    assert masked.get_vocabulary() == ["", "[UNK]", "a", "b", "c", "d"]
    assert _np(masked(np.array([["a", "", "z"]]))).tolist() == [[2, 0, 1]]


def test_integer_lookup_docstring_examples(engine):
    vocab = [12, 36, 1138, 42]
    assert _np(layers.IntegerLookup(vocabulary=vocab)(INTS)).tolist() == [[1, 3, 4], [4, 0, 2]]
    adapted = layers.IntegerLookup()
    adapted.adapt(INTS)
    assert adapted.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    assert adapted.vocabulary_size() == 6
    two_oov = layers.IntegerLookup(vocabulary=vocab, num_oov_indices=2)(INTS)
    assert _np(two_oov).tolist() == [[2, 4, 5], [5, 0, 3]]  # 1000 % 2 == 0
    multi = layers.IntegerLookup(vocabulary=vocab, output_mode="multi_hot")(
        np.array([[12, 1138, 42, 42], [42, 7, 36, 7]]))
    assert _np(multi).tolist() == [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]
    inverse = layers.IntegerLookup(vocabulary=vocab, invert=True)(np.array([[1, 3, 4], [4, 0, 2]]))
    assert _np(inverse).tolist() == [[12, 1138, 42], [42, -1, 36]]
    tokens = layers.IntegerLookup(vocabulary=vocab, output_mode="count", pad_to_max_tokens=True,
                                  max_tokens=8)(INTS)
    assert _np(tokens).shape == (2, 8)
    want = np.int32 if engine.name == "jax" else np.int64  # JAX runs without 64-bit ints
    assert _np(layers.IntegerLookup(vocabulary=vocab)(INTS.astype("int32"))).dtype == want


def test_adapt_from_batches_max_tokens_and_tf_idf(engine):
    lookup = layers.StringLookup(max_tokens=3)
    lookup.adapt([np.array(["x", "y", "y"]), np.array(["z", "y", "x", "x"])])
    assert lookup.get_vocabulary() == ["[UNK]", "y", "x"]
    tfidf = layers.IntegerLookup(output_mode="tf_idf")
    docs = np.array([[1, 2, 2], [2, 3, 3]])
    tfidf.adapt(docs)
    vocab = tfidf.get_vocabulary(include_special_tokens=False)
    assert vocab == [2, 3, 1]  # by count, then by value
    idf = np.log(1 + 2 / (1 + np.array([2, 1, 1])))  # documents holding 2, 3, 1
    out = _np(tfidf(docs))
    np.testing.assert_allclose(out[0], [0, 2 * idf[0], 0, idf[2]], rtol=1e-6)


def test_vocabulary_file_and_config_round_trip(engine, tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\nd\n")
    from_file = layers.StringLookup(vocabulary=str(path))
    assert _np(from_file(DATA)).tolist() == [[1, 3, 4], [4, 0, 2]]
    assert from_file.get_config()["vocabulary"] == str(path)
    adapted = layers.StringLookup(output_mode="count")
    adapted.adapt(DATA)
    back = layers.StringLookup.from_config(json.loads(json.dumps(adapted.get_config())))
    assert back.get_vocabulary() == adapted.get_vocabulary()
    np.testing.assert_array_equal(_np(back(DATA)), _np(adapted(DATA)))
    given = layers.IntegerLookup(vocabulary=[5, 6], mask_token=0)
    cfg = given.get_config()
    assert cfg["vocabulary"] == [5, 6] and cfg["mask_token"] == 0 and cfg["oov_token"] == -1


def test_string_model_predicts_trains_saves_and_loads(engine, tmp_path):
    lookup = layers.StringLookup(output_mode="multi_hot")
    lookup.adapt(DATA)
    inp = layers.Input((3,), dtype="string")
    ids = layers.IntegerLookup(vocabulary=[1, 2, 3, 4, 5])(
        layers.StringLookup(vocabulary=VOCAB)(inp))
    out = layers.Concatenate()([layers.Dense(2)(lookup(inp)),
                                layers.Dense(2)(layers.CategoryEncoding(7)(ids))])
    model = models.Model(inp, out)
    before = model.predict(DATA, verbose=0)
    assert before.shape == (2, 4)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(DATA, np.ones((2, 4), "float32"), epochs=2, verbose=0)
    after = model.predict(DATA, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(DATA, verbose=0), after, rtol=1e-6)
    names = {type(l).__name__: l for l in loaded.layers}
    assert any(isinstance(l, layers.StringLookup) and l.get_vocabulary() == lookup.get_vocabulary()
               for l in loaded.layers)
    assert "IntegerLookup" in names


def test_errors_name_the_layer_and_value(engine):
    with pytest.raises(ValueError, match=r"StringLookup 's'.*`output_mode`.*'multihot'"):
        layers.StringLookup(output_mode="multihot", name="s")
    with pytest.raises(ValueError, match=r"IntegerLookup 'i'.*repeated terms \[2\]"):
        layers.IntegerLookup(vocabulary=[1, 2, 2], name="i")
    with pytest.raises(ValueError, match=r"`output_mode` must be 'int' when `invert`"):
        layers.StringLookup(vocabulary=VOCAB, invert=True, output_mode="count")
    with pytest.raises(ValueError, match=r"Cannot adapt layer 'fixed'"):
        layers.StringLookup(vocabulary=VOCAB, name="fixed").adapt(DATA)
    with pytest.raises(RuntimeError, match=r"StringLookup 'empty'.*set the vocabulary"):
        layers.StringLookup(output_mode="count", name="empty")(DATA)
    with pytest.raises(ValueError, match=r"num_oov_indices=0.*\['z'\]"):
        layers.StringLookup(vocabulary=VOCAB, num_oov_indices=0)(DATA)
    with pytest.raises(ValueError, match=r"max_tokens"):
        layers.StringLookup(vocabulary=VOCAB, max_tokens=3)
