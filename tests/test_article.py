"""The code of the Keras introduction, run as written on every engine."""
import numpy as np
import pytest

from kerasette import layers, models, optimizers


def _data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784)).astype("float32")
    labels = (x[:, :10].argmax(axis=1))
    y = np.eye(10, dtype="float32")[labels]
    return x, y


def test_dense_input_shape_accepts_only_784(engine):
    layer = layers.Dense(32, input_shape=(784,))
    model = models.Sequential([layer])
    out = model(np.zeros((3, 784), "float32"))
    assert tuple(engine.shape(out)) == (3, 32)
    with pytest.raises(ValueError, match=r"(?s)dense.*784.*(100|shape)"):
        model(np.zeros((3, 100), "float32"))


def test_sequential_add_infers_second_layer(engine):
    model = models.Sequential()
    model.add(layers.Dense(32, input_shape=(784,)))
    model.add(layers.Dense(32))
    assert model.layers[1].kernel.shape == (32, 32)
    assert model.output_shape == (None, 32)


def _sequential():
    model = models.Sequential()
    model.add(layers.Dense(32, activation="relu", input_shape=(784,)))
    model.add(layers.Dense(10, activation="softmax"))
    return model


def _functional():
    input_tensor = layers.Input(shape=(784,))
    x = layers.Dense(32, activation="relu")(input_tensor)
    output_tensor = layers.Dense(10, activation="softmax")(x)
    return models.Model(inputs=input_tensor, outputs=output_tensor)


@pytest.mark.parametrize("build", [_sequential, _functional], ids=["sequential", "functional"])
def test_compile_fit_loss_falls(engine, build):
    x, y = _data()
    model = build()
    with pytest.warns(DeprecationWarning, match="lr"):
        opt = optimizers.RMSprop(lr=0.001)
    model.compile(optimizer=opt, loss="mse", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=128, epochs=10, verbose=0)
    loss = history.history["loss"]
    assert len(loss) == 10 and history.epoch == list(range(10))
    assert loss[-1] < loss[0]
    assert "accuracy" in history.history
    probs = model.predict(x[:5], verbose=0)
    assert probs.shape == (5, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
