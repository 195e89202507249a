"""Bad input found by hostile-user probes (issue 12): each fails early with a clear message."""
import numpy as np
import pytest

from kerasette import layers, models


def test_int64_beyond_int32_is_refused_on_jax_and_kept_elsewhere(engine):
    model = models.Sequential([layers.Input((1,)), layers.Dense(1, kernel_initializer="ones")])
    big = np.array([[2 ** 40]], "int64")
    if engine.name == "jax":
        with pytest.raises(ValueError, match=r"`x` holds 1099511627776, outside the int32 range"):
            model.predict(big, verbose=0)
        assert model.predict(np.array([[7]], "int64"), verbose=0)[0, 0] == pytest.approx(7.0)
    else:
        assert model.predict(big, verbose=0)[0, 0] == pytest.approx(2.0 ** 40, rel=1e-6)


def _mlp():
    model = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile("sgd", "mse")
    return model


@pytest.mark.parametrize("bad", [0, -4, 8.5, True, "32"])
def test_batch_size_must_be_a_positive_int_everywhere(engine, bad):
    model, x, y = _mlp(), np.zeros((32, 3), "float32"), np.zeros((32, 2), "float32")
    for call in (lambda: model.fit(x, y, batch_size=bad, verbose=0),
                 lambda: model.evaluate(x, y, batch_size=bad, verbose=0),
                 lambda: model.predict(x, batch_size=bad, verbose=0)):
        with pytest.raises(ValueError, match=f"`batch_size` must be a positive integer \\(or None\\), got {bad!r}"):
            call()
    with pytest.raises(ValueError, match="`validation_batch_size` must be"):
        model.fit(x, y, validation_split=0.5, validation_batch_size=bad, verbose=0)
    with pytest.raises(ValueError, match="`steps_per_epoch` must be"):
        model.fit(x, y, steps_per_epoch=bad, verbose=0)


def test_fit_without_y_says_y_is_missing(engine):
    with pytest.raises(ValueError, match="`y` is missing"):
        _mlp().fit(np.zeros((8, 3), "float32"), verbose=0)


def test_max_epochs_and_max_steps_switches(engine, monkeypatch):
    from kerasette import config
    monkeypatch.setitem(config._switches, "max_epochs", 2)
    monkeypatch.setitem(config._switches, "max_steps_per_epoch", 3)
    seen = []
    cb = __import__("kerasette").callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    history = _mlp().fit(np.zeros((64, 3), "float32"), np.zeros((64, 2), "float32"), batch_size=8, epochs=10,
                         verbose=0, callbacks=[cb])
    assert len(history.history["loss"]) == 2 and seen == [0, 1, 2, 0, 1, 2]


class TwoHeads(models.Model):
    """The book's subclassed model: call returns a tuple (priority, department)."""

    def __init__(self):
        super().__init__()
        self.priority = layers.Dense(1, activation="sigmoid")
        self.department = layers.Dense(4, activation="softmax")

    def call(self, x):
        return self.priority(x), self.department(x)


def test_subclassed_model_with_a_loss_per_output(engine):
    rng = np.random.default_rng(0)
    x = rng.random((64, 5)).astype("float32")
    y = [rng.random((64, 1)).astype("float32"), rng.integers(0, 4, 64)]
    model = TwoHeads()
    model.compile(optimizer="rmsprop", loss=["mean_squared_error", "sparse_categorical_crossentropy"],
                  metrics=[["mean_absolute_error"], ["accuracy"]])
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "mean_absolute_error", "mean_squared_error_loss",
                                       "sparse_categorical_crossentropy_loss"]  # Keras 3's names
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["mean_squared_error_loss"] + logs["sparse_categorical_crossentropy_loss"],
                                         rel=1e-5)
    bad = TwoHeads()
    bad.compile("rmsprop", loss=["mse", "mse", "mse"])
    with pytest.raises(ValueError, match="returns 2 outputs, but compile\\(\\) was given 3 losses"):
        bad.fit(x, y + [y[0]], epochs=1, verbose=0)
