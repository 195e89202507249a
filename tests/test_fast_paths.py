"""The speed paths give the same results as the plain ones (no timing is asserted).

* the compiled train step (``jax.jit`` with donated buffers on JAX) and the eager
  one (``run_eagerly=True``) reach the same weights after N steps, on every engine;
* the optimizers' in-place fast path (NumPy, PyTorch: weights and slots the
  optimizer owns, updated in place) and the pure rule reach the same weights and
  slots; the fast path is really taken, and never writes into arrays it does not
  own (a caller's arrays given to ``set_weights`` or ``stateless_apply``);
* host batches reach a jitted JAX step as NumPy arrays (no conversion per batch),
  and the step reads nothing back to the host;
* ``jit_compile=True`` where the engine cannot compile warns once and trains.

Tolerances: float32, rtol 1e-5 / atol 1e-6 after 10 steps (the in-place update
rounds differently in the last bit: ``v *= rho; v += (1 - rho) * g * g`` against
``rho * v + (1 - rho) * g**2``).
"""
import warnings

import numpy as np
import pytest

from kerasette import config, layers, models, optimizers
from kerasette.utils import set_random_seed

RTOL, ATOL = 1e-5, 1e-6


def _data(kind, n=64):
    rng = np.random.default_rng(7)
    if kind == "seq":
        x = rng.integers(0, 50, (n, 9)).astype("int32")
        y = rng.integers(0, 2, (n, 1)).astype("float32")
    elif kind == "image":
        x = rng.random((n, 8, 8, 1), dtype=np.float32)
        y = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    else:
        x = rng.normal(size=(n, 6)).astype("float32")
        y = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    return x, y


def _model(kind):
    set_random_seed(3)
    if kind == "seq":
        return models.Sequential([layers.Input(shape=(9,), dtype="int32"),
                                  layers.Embedding(50, 4), layers.LSTM(5),
                                  layers.Dense(1, activation="sigmoid")])
    if kind == "image":
        return models.Sequential([layers.Input(shape=(8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                                  layers.MaxPooling2D(2), layers.Flatten(),
                                  layers.Dense(3, activation="softmax")])
    return models.Sequential([layers.Input(shape=(6,)), layers.Dense(8, activation="relu"),
                              layers.Dense(3, activation="softmax")])


def _optimizer(name):
    return {
        "sgd": lambda: optimizers.SGD(0.05),
        "sgd_nesterov": lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
        "rmsprop": lambda: optimizers.RMSprop(0.01),
        "rmsprop_momentum": lambda: optimizers.RMSprop(0.01, momentum=0.5),
        "adam": lambda: optimizers.Adam(0.01),
        "adamw": lambda: optimizers.AdamW(0.01, weight_decay=0.1),
    }[name]()


def _train(kind, opt, steps=10, **compile_kwargs):
    model = _model(kind)
    loss = "binary_crossentropy" if kind == "seq" else "categorical_crossentropy"
    model.compile(optimizer=opt, loss=loss, metrics=["accuracy"], **compile_kwargs)
    x, y = _data(kind, 16 * steps)
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    return model


def _assert_same(a, b, what):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=RTOL, atol=ATOL, err_msg=what)


@pytest.mark.parametrize("kind", ["dense", "image", "seq"])
def test_compiled_and_eager_steps_agree(engine, kind):
    compiled = _train(kind, optimizers.RMSprop(0.01))
    eager = _train(kind, optimizers.RMSprop(0.01), run_eagerly=True)
    _assert_same(compiled.get_weights(), eager.get_weights(), f"{engine.name} {kind}")
    _assert_same(compiled.optimizer.get_weights(), eager.optimizer.get_weights(), "slots")


@pytest.mark.parametrize("name", ["sgd", "sgd_nesterov", "rmsprop", "rmsprop_momentum",
                                  "adam", "adamw"])
def test_inplace_and_pure_optimizer_paths_agree(engine, name):
    fast_opt, slow_opt = _optimizer(name), _optimizer(name)
    slow_opt._rule_inplace = None  # the pure rule only
    fast = _train("dense", fast_opt)
    slow = _train("dense", slow_opt)
    _assert_same(fast.get_weights(), slow.get_weights(), f"{engine.name} {name} weights")
    _assert_same(fast_opt.get_weights(), slow_opt.get_weights(), f"{engine.name} {name} slots")
    if getattr(engine, "inplace", None) is not None:
        assert len(fast_opt._owned) == len(fast.trainable_variables), "fast path not taken"
    else:
        assert not fast_opt._owned


def test_inplace_path_leaves_callers_arrays_alone(engine):
    model = _train("dense", optimizers.Adam(0.01), steps=3)
    mine = [w.copy() for w in model.get_weights()]
    given = [w.copy() for w in mine]
    model.set_weights(given)  # the numpy engine may keep these very arrays
    x, y = _data("dense", 48)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    for a, b in zip(given, mine):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(model.get_weights(), mine))


def test_stateless_apply_is_pure_after_apply(engine):
    model = _model("dense")
    opt = optimizers.RMSprop(0.01)
    tv = model.trainable_variables
    grads = [engine.ones(v.shape, "float32") for v in tv]
    for _ in range(2):  # the optimizer now owns the variables' values
        opt.apply(grads, tv)
    values = [v.value for v in tv]
    slots = [v.value for v in opt.variables]
    before = [np.array(engine.to_numpy(a)) for a in values + slots]
    new_t, new_o = opt.stateless_apply(slots, grads, values)
    after = [np.array(engine.to_numpy(a)) for a in values + slots]
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(engine.to_numpy(new_t[0]), before[0])


def test_jax_step_takes_numpy_batches():
    if "jax" not in _engines():
        pytest.skip("jax is not installed")
    previous = config._active
    config.set_backend("jax")
    try:
        model = _model("dense")
        model.compile(optimizer="sgd", loss="categorical_crossentropy")
        feed = model._feeder()
        x, _ = _data("dense", 4)
        assert feed(x) is x and feed(None) is None
        model.compile(optimizer="sgd", loss="categorical_crossentropy", run_eagerly=True)
        assert config.active().is_array(model._feeder()(x))
    finally:
        config._active = previous


def test_jax_train_step_reads_nothing_back():
    """The jitted step runs without a device-to-host read: JAX can run ahead."""
    if "jax" not in _engines():
        pytest.skip("jax is not installed")
    import jax
    previous = config._active
    config.set_backend("jax")
    try:
        model = _train("dense", optimizers.RMSprop(0.01), steps=2)
        x, y = _data("dense", 16)
        feed = model._feeder()
        with jax.transfer_guard_device_to_host("disallow"):
            for _ in range(3):
                model._run_step("train", feed(x), feed(y), None)
        assert np.isfinite(model.get_weights()[0]).all()
    finally:
        config._active = previous


def test_jit_compile_true_on_numpy_records_and_replays_without_a_warning():
    if "numpy" not in _engines():
        pytest.skip("numpy adapter missing")
    previous = config._active
    config.set_backend("numpy")
    try:
        from kerasette import trainer
        trainer._WARNED.clear()
        model = _model("dense")
        model.compile(optimizer="sgd", loss="categorical_crossentropy", jit_compile=True)
        x, y = _data("dense", 32)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            model.fit(x, y, batch_size=16, epochs=3, verbose=0)
            model.evaluate(x, y, verbose=0)
        assert not [w for w in seen if "jit_compile=True" in str(w.message) or "eagerly" in
                    str(w.message)]
        assert model._steps["train"][0].stats["replayed"] > 0  # numpy's jit: backends/numpy/replay.py
    finally:
        config._active = previous


def test_torch_compile_failure_falls_back_with_one_warning(monkeypatch):
    if "torch" not in _engines():
        pytest.skip("torch is not installed")
    import torch

    from kerasette.backends.torch import backend as torch_backend

    def broken_compile(fn, *args, **kwargs):
        def run(*a, **k):
            raise RuntimeError("no compiler here")
        return run

    monkeypatch.setattr(torch, "compile", broken_compile)
    monkeypatch.setattr(torch_backend, "_WARNED_NOT_COMPILED", [])
    previous = config._active
    config.set_backend("torch")
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            compiled = _train("dense", optimizers.RMSprop(0.01), jit_compile=True)
        eager = _train("dense", optimizers.RMSprop(0.01), run_eagerly=True)
    finally:
        config._active = previous
    messages = [str(w.message) for w in seen if "torch.compile" in str(w.message)]
    assert len(messages) == 1 and "running it eagerly" in messages[0]
    _assert_same(compiled.get_weights(), eager.get_weights(), "torch fallback")


def _engines():
    from .conftest import ENGINES
    return ENGINES
