"""TextVectorization on every engine: the examples in Keras 3's docstring, each
standardize/split/ngrams/output_mode option against hand-computed results, adapt,
tf_idf against NumPy, a model that trains, saves and loads, configs and errors.
(Keras's TextVectorization needs TensorFlow, which is not installed here, so the
expectations are written out by hand.)"""
import json

import numpy as np
import pytest

from kerasette import config, layers, models, saving


def _np(a):
    return np.asarray(config.active().to_numpy(a))


def _vocab_of(texts, **kwargs):
    layer = layers.TextVectorization(**kwargs)
    layer.adapt(texts)
    return layer.get_vocabulary(include_special_tokens=False)


def test_keras_docstring_examples(engine):
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    assert _np(layer([["foo qux bar"], ["qux baz"]])).tolist() == [[4, 1, 3, 0], [1, 2, 0, 0]]
    given = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4,
                                     vocabulary=["earth", "wind", "and", "fire"])
    assert given.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    assert given.vocabulary_size() == 6
    assert given.get_vocabulary(include_special_tokens=False) == ["earth", "wind", "and", "fire"]


def test_standardize_options(engine):
    text = ["Hello, World! Hello ÀB don't-stop"]
    common = dict(standardize=None)
    # Each token once: ties go by descending token (code point order).
    assert _vocab_of(text, **common) == ["ÀB", "don't-stop", "World!", "Hello,", "Hello"]
    # 'lower' lowercases ASCII letters only, as tf.strings.lower without an encoding.
    assert _vocab_of(text, standardize="lower") == ["Àb", "world!", "hello,", "hello", "don't-stop"]
    assert _vocab_of(text, standardize="strip_punctuation") == ["Hello", "ÀB", "dontstop", "World"]
    assert _vocab_of(text) == ["hello", "Àb", "world", "dontstop"]
    every_ascii_punct = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum())
    assert _vocab_of([f"a{every_ascii_punct}b ¿c»"], standardize="strip_punctuation") == ["¿c»", "ab"]
    shout = layers.TextVectorization(standardize=lambda x: np.char.upper(x), split=None)
    shout.adapt(np.array(["ab", "Ab", "c"]))
    assert shout.get_vocabulary(include_special_tokens=False) == ["AB", "C"]


def test_split_options(engine):
    # Runs of ASCII whitespace separate tokens; a no-break space does not.
    assert _vocab_of(["  a\tb\n\nc  a \u00a0d"], standardize=None) == ["a", "\u00a0d", "c", "b"]
    chars = layers.TextVectorization(split="character", standardize=None)
    chars.adapt(["ab b"])
    assert chars.get_vocabulary() == ["", "[UNK]", "b", "a", " "]
    assert _np(chars(np.array(["ba", "b a!"]))).tolist() == [[2, 3, 0, 0], [2, 4, 3, 1]]
    whole = layers.TextVectorization(split=None, vocabulary=["foo bar", "baz"])
    out = _np(whole(np.array(["Foo bar", "baz", "qux"])))
    assert out.tolist() == [[2], [3], [1]]  # rank-1 input -> (batch, 1)
    dashes = layers.TextVectorization(split=lambda x: [s.split("-") for s in x],
                                      standardize=None, vocabulary=["a", "b"])
    assert _np(dashes([["a-b-c"], ["b"]])).tolist() == [[2, 3, 1], [3, 0, 0]]
    empty = layers.TextVectorization(vocabulary=["a"])
    assert _np(empty(np.array(["", "  "]))).shape == (2, 0)


def test_ngrams(engine):
    vocab = ["a", "b", "c", "a b", "b c"]
    two = layers.TextVectorization(vocabulary=vocab, ngrams=2)
    assert _np(two(np.array(["a b c", "c a"]))).tolist() == [[2, 3, 4, 5, 6], [4, 2, 1, 0, 0]]
    only = layers.TextVectorization(vocabulary=["a b", "b c", "a b c"], ngrams=(2, 3))
    assert _np(only(np.array(["a b c", "a"]))).tolist() == [[2, 3, 4], [0, 0, 0]]
    # x, y and "x y" twice each (ties by descending token), "y x" once
    assert _vocab_of(["x y x y"], ngrams=(1, 2)) == ["y", "x y", "x", "y x"]


def test_output_modes(engine):
    vocab = ["a", "b", "c"]
    data = np.array(["a b b d", "c"])
    multi = layers.TextVectorization(vocabulary=vocab, output_mode="multi_hot")
    assert _np(multi(data)).tolist() == [[1, 1, 1, 0], [0, 0, 0, 1]]
    count = layers.TextVectorization(vocabulary=vocab, output_mode="count")
    assert _np(count(data)).tolist() == [[1, 1, 2, 0], [0, 0, 0, 1]]
    assert count.get_vocabulary() == ["[UNK]", "a", "b", "c"]  # no mask index outside 'int'
    padded = layers.TextVectorization(vocabulary=vocab, output_mode="count", max_tokens=6,
                                      pad_to_max_tokens=True)
    assert _np(padded(data)).tolist() == [[1, 1, 2, 0, 0, 0], [0, 0, 0, 1, 0, 0]]
    tfidf = layers.TextVectorization(vocabulary=vocab, output_mode="tf_idf", idf_weights=[0.5, 1.0, 2.0])
    np.testing.assert_allclose(_np(tfidf(data)), [[3.5 / 3, 0.5, 2.0, 0], [0, 0, 0, 2.0]], rtol=1e-6)
    assert _np(multi(np.array([["a"], ["z"]]))).shape == (2, 4)
    assert _np(multi(np.array("b c"))).tolist() == [0, 0, 1, 1]


def test_output_sequence_length_pads_and_truncates(engine):
    layer = layers.TextVectorization(vocabulary=["a", "b", "c"], output_sequence_length=3)
    out = _np(layer(np.array(["a b c a b", "c", ""])))
    assert out.tolist() == [[2, 3, 4], [4, 0, 0], [0, 0, 0]]
    assert layers.TextVectorization(vocabulary=["a"], output_sequence_length=0)(
        np.array(["a a"])).shape == (1, 0)
    free = layers.TextVectorization(vocabulary=["a", "b", "c"])
    assert _np(free(np.array(["a b c a b", "c"]))).tolist() == [[2, 3, 4, 2, 3], [4, 0, 0, 0, 0]]


def test_adapt_max_tokens_batches_and_steps(engine):
    texts = ["the cat sat", "The dog sat.", "a cat, the end"]
    # counts: the 3, sat 2, cat 2, dog 1, end 1, a 1; ties by descending token
    assert _vocab_of(texts) == ["the", "sat", "cat", "end", "dog", "a"]
    assert _vocab_of(texts, max_tokens=5) == ["the", "sat", "cat"]
    assert _vocab_of(texts, max_tokens=5, output_mode="count") == ["the", "sat", "cat", "end"]
    batches = [np.array([[t]]) for t in texts]
    assert _vocab_of(iter(batches)) == _vocab_of(texts)
    stepped = layers.TextVectorization()
    stepped.adapt(iter(batches), steps=1)
    assert stepped.get_vocabulary(include_special_tokens=False) == ["the", "sat", "cat"]
    stepped.adapt(texts[1:])  # adapting again starts over
    assert stepped.get_vocabulary(include_special_tokens=False) == ["the", "sat", "end", "dog",
                                                                    "cat", "a"]


def test_tf_idf_matches_numpy(engine):
    texts = ["the cat sat", "the dog sat sat", "a cat"]
    layer = layers.TextVectorization(output_mode="tf_idf")
    layer.adapt(texts)
    vocab = layer.get_vocabulary(include_special_tokens=False)
    docs = [t.split() for t in texts]
    doc_freq = np.array([sum(w in d for d in docs) for w in vocab], np.float64)
    idf = np.log(1 + len(docs) / (1 + doc_freq))
    query = ["sat the sat zzz", "cat"]
    counts = np.array([[q.split().count(w) for w in vocab] for q in query], np.float64)
    oov = np.array([sum(w not in vocab for w in q.split()) for q in query], np.float64)
    want = np.concatenate([(oov * idf.mean())[:, None], counts * idf], axis=1)
    np.testing.assert_allclose(_np(layer(np.array(query))), want, rtol=1e-6)


def test_model_trains_saves_and_loads(engine, tmp_path):
    texts = np.array([["good movie"], ["great film, good"], ["bad movie"], ["awful, bad film"]])
    labels = np.array([[1.0], [1.0], [0.0], [0.0]], "float32")
    vec = layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    vec.adapt(texts)
    inp = layers.Input(shape=(1,), dtype="string")
    x = layers.Embedding(20, 4)(vec(inp))
    out = layers.Dense(1, activation="sigmoid")(layers.GlobalAveragePooling1D()(x))
    model = models.Model(inp, out)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(texts, labels, epochs=3, batch_size=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    want = model.predict(texts, verbose=0)
    assert want.shape == (4, 1)
    model.save(tmp_path / "x.keras")
    loaded = models.load_model(tmp_path / "x.keras")
    np.testing.assert_allclose(loaded.predict(texts, verbose=0), want, rtol=1e-6)
    back = next(l for l in loaded.layers if isinstance(l, layers.TextVectorization))
    assert back.get_vocabulary() == vec.get_vocabulary()


def test_vocabulary_file_set_vocabulary_and_config_round_trip(engine, tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("earth\nwind\nand\nfire\n")
    from_file = layers.TextVectorization(vocabulary=str(path))
    assert from_file.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    assert from_file.get_config()["vocabulary"] == str(path)
    adapted = layers.TextVectorization(output_mode="tf_idf", ngrams=(1, 2), max_tokens=10,
                                       pad_to_max_tokens=True, name="tv")
    adapted.adapt(["a b c", "b c d", "c"])
    cfg = json.loads(json.dumps(adapted.get_config()))
    assert {"max_tokens", "standardize", "split", "ngrams", "output_mode", "output_sequence_length",
            "pad_to_max_tokens", "sparse", "ragged", "vocabulary", "idf_weights", "encoding",
            "vocabulary_size", "name"} <= set(cfg)
    back = layers.TextVectorization.from_config(cfg)
    assert back._ngrams == (1, 2) and back.get_vocabulary() == adapted.get_vocabulary()
    data = np.array(["a b zz", "c d"])
    np.testing.assert_allclose(_np(back(data)), _np(adapted(data)), rtol=1e-6)
    assert _np(back(data)).shape == (2, 10)
    settable = layers.TextVectorization(output_mode="tf_idf")
    settable.set_vocabulary(["x", "y"], idf_weights=[1.0, 3.0])
    np.testing.assert_allclose(_np(settable(np.array(["y y q"]))), [[2.0, 0.0, 6.0]], rtol=1e-6)


@saving.register_keras_serializable(package="tvtest")
def dash_split(x):
    return [s.split("-") for s in x]


def test_registered_callables_round_trip(engine):
    layer = layers.TextVectorization(split=dash_split, standardize=None, vocabulary=["A", "b"])
    cfg = json.loads(json.dumps(layer.get_config()))
    assert cfg["split"]["registered_name"] == "tvtest>dash_split"
    back = layers.TextVectorization.from_config(cfg)
    assert _np(back(np.array(["A-b-a"]))).tolist() == [[2, 3, 1]]


def test_errors_name_the_layer(engine):
    with pytest.raises(ValueError, match=r"TextVectorization 'tv'.*`output_mode`.*'multihot'"):
        layers.TextVectorization(output_mode="multihot", name="tv")
    with pytest.raises(ValueError, match=r"TextVectorization 'tv'.*`output_sequence_length` must "
                                         r"not be set.*'count'"):
        layers.TextVectorization(output_mode="count", output_sequence_length=4, name="tv")
    with pytest.raises(ValueError, match=r"TextVectorization 'tv'.*`ragged=True` is not supported"):
        layers.TextVectorization(ragged=True, name="tv")
    with pytest.raises(ValueError, match=r"TextVectorization 'tv'.*`standardize`.*'upper'"):
        layers.TextVectorization(standardize="upper", name="tv")
    with pytest.raises(ValueError, match=r"TextVectorization 'tv'.*`split`.*'comma'"):
        layers.TextVectorization(split="comma", name="tv")
    with pytest.raises(ValueError, match=r"TextVectorization 'tv'.*`ngrams`"):
        layers.TextVectorization(ngrams=[1, 2], name="tv")
    with pytest.raises(ValueError, match=r"TextVectorization 'tv'.*`sparse=True`"):
        layers.TextVectorization(sparse=True, name="tv")
    with pytest.raises(ValueError, match=r"TextVectorization 'tv'.*idf_weights"):
        layers.TextVectorization(output_mode="tf_idf", vocabulary=["a"], name="tv")
    with pytest.raises(ValueError, match=r"Cannot adapt TextVectorization 'tv'"):
        layers.TextVectorization(vocabulary=["a"], name="tv").adapt(["a b"])
    with pytest.raises(ValueError, match=r"TextVectorization 'tv'.*last dimension of 1"):
        layers.TextVectorization(vocabulary=["a"], name="tv")(np.array([["a", "b"]]))
