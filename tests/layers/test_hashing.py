"""``Hashing`` and ``HashedCrossing``: Keras's bin numbers (its documented examples are
the oracle: Keras computes them with TensorFlow, absent here), every output mode, the
hash functions against their published test vectors, errors, configs, and training."""
import numpy as np
import pytest

pytest.importorskip("farmhash")

from kerasette import Input, Model, layers, optimizers  # noqa: E402
from kerasette.layers.preprocessing.hash_functions import siphash24  # noqa: E402

LETTERS = [["A"], ["B"], ["C"], ["D"], ["E"]]


def npy(x):
    from kerasette import ops
    return np.asarray(ops.convert_to_numpy(x))


@pytest.mark.parametrize("kwargs, inputs, want", [
    ({}, LETTERS, [1, 0, 1, 1, 2]),
    ({"mask_value": ""}, [["A"], ["B"], [""], ["C"], ["D"]], [1, 1, 0, 2, 2]),
    ({"salt": [133, 137]}, LETTERS, [1, 2, 1, 0, 2]),
    ({"salt": 133}, LETTERS, [0, 0, 2, 1, 0]),
])
def test_keras_documented_bins(engine, kwargs, inputs, want):
    out = npy(layers.Hashing(num_bins=3, **kwargs)(inputs))
    assert out.shape == (5, 1) and out.ravel().tolist() == want
    assert out.dtype == (np.int32 if engine.name == "jax" else np.int64)  # JAX holds int64 as int32


def test_crossing_documented_bins(engine):
    feat1, feat2 = np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102])
    assert npy(layers.HashedCrossing(num_bins=5)((feat1, feat2))).tolist() == [1, 4, 1, 1, 3]
    one_hot = npy(layers.HashedCrossing(num_bins=5, output_mode="one_hot")((feat1, feat2)))
    np.testing.assert_array_equal(one_hot, np.eye(5, dtype="float32")[[1, 4, 1, 1, 3]])


def test_siphash_published_vector():
    key = bytes(range(16))
    k0, k1 = int.from_bytes(key[:8], "little"), int.from_bytes(key[8:], "little")
    assert siphash24(k0, k1, bytes(range(15))) == 0xA129CA6149BE45E5  # the SipHash paper, appendix A


def test_values_hash_as_tensorflow_writes_them(engine):
    h = layers.Hashing(num_bins=1000)
    np.testing.assert_array_equal(npy(h(np.array([[7], [-3]]))), npy(h([["7"], ["-3"]])))
    np.testing.assert_array_equal(npy(h(np.array([[7.9]]))), npy(h([["7"]])))  # floats truncate first


@pytest.mark.parametrize("mode, shape", [("one_hot", (5, 4)), ("multi_hot", (2, 4)), ("count", (2, 4))])
def test_output_modes(engine, mode, shape):
    h = layers.Hashing(num_bins=4, output_mode=mode)
    x = LETTERS if mode == "one_hot" else [["A", "B", "A"], ["C", "D", "E"]]
    out = npy(h(x))
    assert out.shape == shape and out.dtype == np.float32
    if mode == "count":
        assert out.sum(axis=1).tolist() == [3.0, 3.0]


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="`salt` argument can only be an int or a pair of ints; received salt='x'"):
        layers.Hashing(3, salt="x")
    with pytest.raises(ValueError, match="num_bins"):
        layers.Hashing(0)
    with pytest.raises(ValueError, match="same shape"):
        layers.HashedCrossing(3)((np.array(["a", "b"]), np.array([1])))
    with pytest.raises(ValueError, match="only string and integer"):
        layers.HashedCrossing(3)((np.array(["a"]), np.array([1.5])))


def test_configs_round_trip():
    for layer in (layers.Hashing(7, mask_value="", salt=[1, 2], output_mode="count"),
                  layers.HashedCrossing(9, output_mode="one_hot")):
        again = type(layer).from_config(layer.get_config())
        assert again.get_config() == layer.get_config()


def test_hashed_features_train_on_every_engine(engine):
    rng = np.random.default_rng(0)
    cities = np.array(["paris", "lyon", "nice", "lille"])[rng.integers(0, 4, (64, 1))]
    rooms = rng.integers(1, 4, (64, 1))
    y = ((cities == "paris") | (rooms == 3)).astype("float32")
    a, b = Input((1,), dtype="string"), Input((1,), dtype="int64")
    crossed = layers.HashedCrossing(32, output_mode="one_hot")((a, b))
    hashed = layers.Hashing(16, output_mode="one_hot")(a)
    out = layers.Dense(1, activation="sigmoid")(layers.Concatenate()([crossed, hashed]))
    model = Model([a, b], out)
    model.compile(optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit([cities, rooms], y, epochs=40, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
