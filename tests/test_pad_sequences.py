"""``utils.pad_sequences``: Keras's semantics (checked against Keras itself), clear
errors on bad rows, and the book pattern (pad, embed, train) on every engine."""
import numpy as np
import pytest

from kerasette import layers, models
from kerasette.utils import pad_sequences

SEQS = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9]]
ARGS = [{}, {"maxlen": 3}, {"maxlen": 3, "padding": "post"}, {"maxlen": 2, "truncating": "post"},
        {"maxlen": 6, "value": -1}, {"dtype": "float32", "value": 0.5}, {"maxlen": 0}]


@pytest.mark.parametrize("kwargs", ARGS, ids=str)
def test_matches_numpy_reference(kwargs):
    out = pad_sequences(SEQS, **kwargs)
    maxlen = kwargs.get("maxlen", 5)
    want = np.full((4, maxlen), kwargs.get("value", 0), dtype=kwargs.get("dtype", "int32"))
    for i, s in enumerate(SEQS):
        s = s[-maxlen:] if kwargs.get("truncating", "pre") == "pre" else s[:maxlen]
        if s and maxlen:
            if kwargs.get("padding", "pre") == "post":
                want[i, :len(s)] = s
            else:
                want[i, maxlen - len(s):] = s
    np.testing.assert_array_equal(out, want)
    assert out.dtype == want.dtype


def test_items_with_a_shape_and_strings():
    out = pad_sequences([np.ones((2, 3)), np.zeros((1, 3))], padding="post")
    assert out.shape == (2, 2, 3) and out[1, 1].tolist() == [0, 0, 0]
    words = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert words.tolist() == [["a", "b"], ["<pad>", "c"]]


def test_bad_input_names_the_row_or_argument():
    with pytest.raises(ValueError, match="row 1 cannot be read as int32"):
        pad_sequences([[1, 2], ["x", "y"]])
    with pytest.raises(ValueError, match="row 2 is int"):
        pad_sequences([[1], [2], 3])
    with pytest.raises(ValueError, match="row 1 has items of shape"):
        pad_sequences([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match='padding type "middle"'):
        pad_sequences(SEQS, padding="middle")
    with pytest.raises(ValueError, match="maxlen"):
        pad_sequences(SEQS, maxlen=-1)
    with pytest.raises(ValueError, match="dtype=object"):
        pad_sequences([["a"]], value="x")


@pytest.mark.keras_oracle
def test_same_as_keras(keras_module):
    for kwargs in ARGS[:-1]:  # Keras fails on maxlen=0 (broadcast error); kerasette returns (n, 0)
        np.testing.assert_array_equal(pad_sequences(SEQS, **kwargs),
                                      keras_module.utils.pad_sequences(SEQS, **kwargs))
    seqs = [np.ones((2, 3)), np.zeros((4, 3))]
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=3, truncating="post"),
                                  keras_module.utils.pad_sequences(seqs, maxlen=3, truncating="post"))


def test_book_pattern_pad_embed_train(engine):
    rng = np.random.default_rng(0)
    seqs = [list(rng.integers(1, 20, rng.integers(1, 12))) for _ in range(64)]
    y = np.array([float(5 in s) for s in seqs], "float32")
    x = pad_sequences(seqs, maxlen=10)
    model = models.Sequential([layers.Input((10,)), layers.Embedding(20, 8),
                               layers.GlobalAveragePooling1D(), layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(x, verbose=0).shape == (64, 1)
