"""The Keras workflow on every engine: building, calling, compile/fit/evaluate/predict."""
import numpy as np
import pytest

import kerasette
from kerasette import layers, losses, metrics, models, ops, optimizers
from kerasette.utils import set_random_seed


def _xy(n=64, d=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    return x, y


def _binary_model():
    return models.Sequential([layers.Input(shape=(4,)), layers.Dense(8, activation="relu"),
                              layers.Dense(1, activation="sigmoid")])


def test_sequential_without_input_shape_builds_on_fit(engine):
    x, y = _xy()
    model = models.Sequential([layers.Dense(8, activation="relu"), layers.Dense(1, activation="sigmoid")])
    assert not model.built
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, verbose=0)
    assert model.layers[0].kernel.shape == (4, 8)
    assert model.predict(x[:3], verbose=0).shape == (3, 1)


def test_sequential_builds_on_first_call_and_predict(engine):
    model = models.Sequential([layers.Dense(3)])
    out = model.predict(np.ones((5, 2), "float32"), verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (5, 3)


def test_evaluate_return_types(engine):
    x, y = _xy()
    model = _binary_model()
    model.compile("sgd", "binary_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy", "mae"])
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == 3
    d = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(d) == ["loss", "accuracy", "mae"]
    np.testing.assert_allclose(list(d.values()), result, rtol=1e-6)


def test_evaluate_matches_numpy_loss(engine):
    x, y = _xy()
    model = _binary_model()
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    p = model.predict(x, verbose=0).astype(np.float64)
    p = np.clip(p, 1e-7, 1 - 1e-7)
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()
    acc = ((p > 0.5) == (y > 0.5)).mean()
    loss, got_acc = model.evaluate(x, y, batch_size=10, verbose=0)
    np.testing.assert_allclose(loss, bce, rtol=1e-5)
    np.testing.assert_allclose(got_acc, acc, rtol=1e-6)


def test_history_keys_and_validation(engine):
    x, y = _xy(100)
    model = _binary_model()
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, epochs=3, validation_split=0.2, verbose=0)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert h.epoch == [0, 1, 2]
    # validation_split takes the last 20% before shuffling
    val = model.evaluate(x[80:], y[80:], verbose=0, return_dict=True)
    np.testing.assert_allclose(h.history["val_loss"][-1], val["loss"], rtol=1e-5)


def test_validation_data_and_initial_epoch(engine):
    x, y = _xy(40)
    model = _binary_model()
    model.compile("adam", "binary_crossentropy")
    h = model.fit(x, y, epochs=4, initial_epoch=2, validation_data=(x[:8], y[:8]), verbose=0)
    assert h.epoch == [2, 3] and "val_loss" in h.history


def test_steps_per_epoch(engine):
    x, y = _xy(64)
    model = _binary_model()
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=8, epochs=2, steps_per_epoch=3, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 6


def test_on_batch_methods(engine):
    x, y = _xy(16)
    model = _binary_model()
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    before = model.get_weights()
    out = model.train_on_batch(x, y)
    assert isinstance(out, list) and len(out) == 2
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    assert isinstance(model.test_on_batch(x, y, return_dict=True), dict)
    assert model.predict_on_batch(x).shape == (16, 1)


def test_subclassed_model(engine):
    class MLP(models.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(8, activation="relu")
            self.drop = layers.Dropout(0.1)
            self.out = layers.Dense(1)

        def call(self, inputs, training=None):
            return self.out(self.drop(self.hidden(inputs), training=training))

    x, y = _xy()
    set_random_seed(0)
    model = MLP()
    model.compile(optimizers.Adam(0.01), "mse")
    h = model.fit(x, y, epochs=10, verbose=0)
    assert len(model.trainable_weights) == 4
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_custom_layer_loss_metric_activation(engine):
    class Scale(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return ops.multiply(x, self.w)

        def compute_output_shape(self, input_shape):
            return input_shape

        def get_config(self):
            return super().get_config()

    class MyLoss(losses.Loss):
        def call(self, y_true, y_pred):
            return ops.mean(ops.square(y_true - y_pred), axis=-1)

    class Count(metrics.Metric):
        def __init__(self, name="count", **kw):
            super().__init__(name=name, **kw)
            self.n = self.add_variable(shape=(), name="n")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.n.assign(self.n.value + ops.cast(ops.shape(y_true)[0], "float32"))

        def result(self):
            return self.n.value

    x, y = _xy(32)
    inp = layers.Input(shape=(4,))
    out = layers.Dense(1, activation=lambda t: ops.tanh(t) * 2.0)(Scale()(inp))
    model = models.Model(inp, out)
    model.compile("sgd", MyLoss(), metrics=[Count()])
    h = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert h.history["count"] == [32.0, 32.0]


def test_variable_with_ops_and_apply_gradients(engine):
    v = kerasette.Variable(np.array([1.0, 2.0], "float32"), name="v")
    opt = optimizers.SGD(learning_rate=0.5)
    grads = [ops.convert_to_tensor(np.array([1.0, -1.0], "float32"))]
    opt.apply_gradients(zip(grads, [v]))
    np.testing.assert_allclose(v.numpy(), [0.5, 2.5])
    np.testing.assert_allclose(engine.to_numpy(ops.add(v, 1.0)), [1.5, 3.5])
    assert kerasette.__version__


def test_regularizers_add_to_loss(engine):
    set_random_seed(0)
    x, y = _xy(16)
    model = models.Sequential([layers.Input(shape=(4,)),
                               layers.Dense(1, kernel_regularizer="l2")])
    model.compile("sgd", "mse")
    w = model.get_weights()[0].astype(np.float64)
    pred = model.predict(x, verbose=0).astype(np.float64)
    expected = ((pred - y) ** 2).mean() + 0.01 * (w ** 2).sum()
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected, rtol=1e-5)
    assert len(model.losses) == 1


def test_jit_and_eager_agree(engine):
    x, y = _xy()
    results = []
    for eager in (False, True):
        set_random_seed(3)
        model = _binary_model()
        model.compile("adam", "binary_crossentropy", run_eagerly=eager)
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_shuffle_reproducible_from_seed(engine):
    x, y = _xy()
    runs = []
    for _ in range(2):
        set_random_seed(11)
        model = _binary_model()
        model.compile("sgd", "binary_crossentropy")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=True, verbose=0)
        runs.append(model.get_weights())
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ bad input
def test_fit_before_compile(engine):
    with pytest.raises(RuntimeError, match="compile"):
        _binary_model().fit(*_xy(), verbose=0)


def test_x_y_length_mismatch(engine):
    model = _binary_model()
    model.compile("sgd", "mse")
    x, y = _xy()
    with pytest.raises(ValueError, match=r"64.*10|10.*64"):
        model.fit(x, y[:10], verbose=0)


@pytest.mark.parametrize("kind", ["loss", "metric", "optimizer"])
def test_unknown_names_list_close_matches(engine, kind):
    model = _binary_model()
    kwargs = {"optimizer": "sgd", "loss": "mse", "metrics": []}
    kwargs[{"loss": "loss", "metric": "metrics", "optimizer": "optimizer"}[kind]] = \
        {"loss": "mean_sqared_error", "metric": ["acuracy"], "optimizer": "adamm"}[kind]
    with pytest.raises(ValueError, match=r"mean_squared_error|accuracy|adam"):
        model.compile(**kwargs)
        model.fit(*_xy(), verbose=0)


def test_integer_labels_with_categorical_crossentropy_suggest_sparse(engine):
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    x = np.zeros((8, 4), "float32")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(x, np.arange(8) % 3, verbose=0)


def test_ragged_and_non_numeric_inputs(engine):
    model = _binary_model()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="ragged|numeric"):
        model.fit([[1.0, 2.0], [1.0]], np.zeros((2, 1)), verbose=0)
    with pytest.raises(ValueError, match="numeric"):
        model.fit(np.array([["a", "b", "c", "d"]]), np.zeros((1, 1)), verbose=0)
