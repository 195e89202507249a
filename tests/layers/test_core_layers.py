"""Core layers through the generic harness, on every engine."""
import numpy as np
import pytest

from kerasette import layers

from .harness import check_layer


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.keras_oracle
def test_dense_against_reference_fd_and_keras(engine, keras_module):
    def ref(x, w):
        return np.tanh(x.astype(np.float64) @ w[0] + w[1])

    check_layer(lambda dt: layers.Dense(4, activation="tanh", dtype=dt), _x(3, 5), ref,
                keras_layer=lambda k: k.layers.Dense(4, activation="tanh"), keras_module=keras_module)


def test_dense_on_3d_input(engine):
    check_layer(lambda dt: layers.Dense(2, dtype=dt), _x(2, 3, 4),
                lambda x, w: x.astype(np.float64) @ w[0] + w[1])


def test_flatten_reshape_activation(engine):
    check_layer(lambda dt: layers.Flatten(dtype=dt), _x(2, 3, 4), lambda x, w: x.reshape(2, -1))
    check_layer(lambda dt: layers.Reshape((4, 3), dtype=dt), _x(2, 3, 4), lambda x, w: x.reshape(2, 4, 3))
    check_layer(lambda dt: layers.Reshape((-1, 2), dtype=dt), _x(2, 3, 4), lambda x, w: x.reshape(2, 6, 2))
    check_layer(lambda dt: layers.Activation("relu", dtype=dt), _x(2, 5) + 0.05,
                lambda x, w: np.maximum(x, 0))


def test_dropout_training_and_inference(engine):
    x = np.ones((200, 50), "float32")
    layer = layers.Dropout(0.5, seed=1)
    out = engine.to_numpy(layer(x, training=True))
    kept = out != 0
    assert 0.4 < kept.mean() < 0.6
    np.testing.assert_allclose(out[kept], 2.0)
    np.testing.assert_array_equal(engine.to_numpy(layer(x, training=False)), x)
    again = engine.to_numpy(layer(x, training=True))
    assert (again != out).any(), "each call draws a new mask"


def test_dense_wrong_last_dim_names_layer_and_shapes(engine):
    layer = layers.Dense(3, name="my_dense")
    layer(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"my_dense.*4.*\(2, 5\)"):
        layer(np.zeros((2, 5), "float32"))


def test_reshape_bad_size(engine):
    with pytest.raises(ValueError, match="reshape"):
        layers.Reshape((7,), name="reshape")(layers.Input(shape=(3, 4)))
