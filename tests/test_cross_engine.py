"""Model-level conformance: the same seed and data give the same model on every engine.

Tolerances: initial weights are bit-identical; outputs agree to rtol 1e-5; after
20 training steps weights agree to rtol 1e-4 / atol 1e-5 (float32 trajectories
drift a little with summation order); the float64 reference trajectory is met
to rtol 2e-4.
"""
import numpy as np
import pytest

from kerasette import config, layers, models, optimizers
from kerasette.utils import set_random_seed

from .conftest import ENGINES


def _build():
    set_random_seed(123)
    model = models.Sequential([layers.Input(shape=(6,)), layers.Dense(8, activation="tanh"),
                               layers.Dense(3, activation="softmax")])
    return model


def _data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 64)]
    return x, y


def _run_everywhere(fn):
    results = {}
    previous = config._active
    try:
        for name in ENGINES:
            config.set_backend(name)
            results[name] = fn()
    finally:
        config._active = previous
    return results


def test_initial_weights_bit_identical():
    weights = _run_everywhere(lambda: _build().get_weights())
    ref = weights["numpy"]
    for name, ws in weights.items():
        for a, b in zip(ref, ws):
            np.testing.assert_array_equal(a, b, err_msg=name)


def test_outputs_agree():
    x, _ = _data()
    outs = _run_everywhere(lambda: _build().predict(x, verbose=0))
    for name, out in outs.items():
        np.testing.assert_allclose(out, outs["numpy"], rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("opt", ["sgd", "rmsprop", "adam"])
def test_weights_agree_after_20_steps(opt):
    x, y = _data()

    def train():
        model = _build()
        model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, batch_size=16, epochs=5, shuffle=False, verbose=0)
        return model.get_weights()

    weights = _run_everywhere(train)
    for name, ws in weights.items():
        for a, b in zip(weights["numpy"], ws):
            np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5, err_msg=name)


def _reference_trajectory(opt, w, x, y, steps, lr):
    """Float64 NumPy: Dense(1) linear regression with MSE, full batch, Keras 3 update rules."""
    kernel, bias = w[0].astype(np.float64), w[1].astype(np.float64)
    x, y = x.astype(np.float64), y.astype(np.float64)
    state = {}
    for t in range(1, steps + 1):
        err = x @ kernel + bias - y
        g_k = 2 * x.T @ err / err.size
        g_b = 2 * err.sum(axis=0) / err.size
        new = []
        for i, (p, g) in enumerate(((kernel, g_k), (bias, g_b))):
            if opt == "sgd":
                p = p - lr * g
            elif opt == "rmsprop":
                v = state.get(("v", i), np.zeros_like(p))
                v = 0.9 * v + 0.1 * g * g
                state[("v", i)] = v
                p = p - lr * g / np.sqrt(v + 1e-7)
            elif opt == "adam":
                m = state.get(("m", i), np.zeros_like(p))
                v = state.get(("v", i), np.zeros_like(p))
                m = m + (g - m) * 0.1
                v = v + (g * g - v) * 0.001
                state[("m", i)], state[("v", i)] = m, v
                alpha = lr * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
                p = p - alpha * m / (np.sqrt(v) + 1e-7)
            new.append(p)
        kernel, bias = new
    return kernel, bias


@pytest.mark.parametrize("opt", ["sgd", "rmsprop", "adam"])
def test_trajectory_matches_float64_reference(engine, opt):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1)) + 0.5).astype("float32")
    set_random_seed(7)
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(1)])
    w0 = model.get_weights()
    lr = 0.01
    model.compile(optimizer=optimizers.get({"sgd": optimizers.SGD, "rmsprop": optimizers.RMSprop,
                                            "adam": optimizers.Adam}[opt](learning_rate=lr)),
                  loss="mse")
    model.fit(x, y, batch_size=32, epochs=20, shuffle=False, verbose=0)
    k, b = _reference_trajectory(opt, w0, x, y, 20, lr)
    got = model.get_weights()
    np.testing.assert_allclose(got[0], k, rtol=2e-4, atol=1e-5)
    np.testing.assert_allclose(got[1], b, rtol=2e-4, atol=1e-5)


def test_model_refuses_other_engine():
    if len(ENGINES) < 2:
        pytest.skip("needs two engines")
    previous = config._active
    try:
        config.set_backend(ENGINES[0])
        model = _build()
        config.set_backend(ENGINES[1])
        with pytest.raises(RuntimeError, match="engine"):
            model.predict(np.zeros((2, 6), "float32"), verbose=0)
    finally:
        config._active = previous
