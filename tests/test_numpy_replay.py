"""The NumPy engine's recorded-and-replayed steps (``backends/numpy/replay.py``).

Each model is trained twice from the same weights, eagerly (``jit_compile=False``)
and replayed (the default); weights, logs and predictions must be bit-identical,
and the replayed run must really have replayed.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import kerasette as K
from kerasette import config
from kerasette.backends.numpy import replay


@pytest.fixture(autouse=True)
def _numpy(numpy_engine):
    """Every test here runs on the NumPy engine."""


L = K.layers


def _dense():
    return K.Sequential([L.Input((6,)), L.Dense(8, activation="relu"), L.Dense(3)])


def _conv():
    return K.Sequential([L.Input((8, 8, 2)), L.Conv2D(3, 3, padding="same", activation="relu"),
                         L.MaxPooling2D(2), L.Conv2D(2, 2), L.AveragePooling2D(2), L.Flatten(),
                         L.Dense(3)])


def _lstm():
    return K.Sequential([L.Input((5, 6)), L.LSTM(4, return_sequences=True), L.GRU(3), L.Dense(3)])


def _recurrent_dropout():  # the step-by-step (ops.scan) path, with its dropout masks
    return K.Sequential([L.Input((4, 6)), L.LSTM(3, dropout=0.2, recurrent_dropout=0.3, seed=2),
                         L.Dense(3)])


def _norm_dropout():
    return K.Sequential([L.Input((6,)), L.Dense(8), L.BatchNormalization(), L.Dropout(0.4, seed=3),
                         L.LayerNormalization(), L.Dense(3)])


def _attention():
    x = L.Input((4, 6))
    h = L.MultiHeadAttention(2, 3)(x, x)
    return K.Model(x, L.Dense(3)(L.GlobalAveragePooling1D()(h)))


def _embedding():
    x = L.Input((5,), dtype="int32")
    return K.Model(x, L.Dense(3)(L.GlobalAveragePooling1D()(L.Embedding(10, 4)(x))))


_MODELS = {"dense": _dense, "conv": _conv, "recurrent": _lstm, "recurrent_dropout": _recurrent_dropout,
           "norm_dropout": _norm_dropout,
           "attention": _attention, "embedding": _embedding}


def _data(name, n=22):
    rng = np.random.default_rng(1)
    if name == "embedding":
        x = rng.integers(0, 10, size=(n, 5)).astype("int32")
    else:
        shape = {"conv": (8, 8, 2), "recurrent": (5, 6), "recurrent_dropout": (4, 6),
                 "attention": (4, 6)}.get(name, (6,))
        x = rng.normal(size=(n, *shape)).astype("float32")
    return x, rng.integers(0, 3, size=n)


def _train(name, optimizer, jit, epochs=2, callbacks=()):
    m = _MODELS[name]()
    m.set_weights([np.sin(np.arange(w.size, dtype="float32")).reshape(w.shape) * 0.3 + 0.5 + 0.01 * i
                   for i, w in enumerate(m.get_weights())])
    opt = K.optimizers.get(optimizer) if isinstance(optimizer, str) else optimizer()
    m.compile(optimizer=opt, loss="sparse_categorical_crossentropy", jit_compile=jit,
              metrics=["accuracy", K.metrics.SparseTopKCategoricalAccuracy(2)])
    x, y = _data(name)
    h = m.fit(x, y, batch_size=4, epochs=epochs, verbose=0, shuffle=False, callbacks=list(callbacks))
    ev = m.evaluate(x, y, batch_size=4, verbose=0)
    p = m.predict(x, batch_size=4, verbose=0)
    return m, h.history, ev, p


def _same(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a, b)) and len(a) == len(b)


def _check(name, optimizer, epochs=2):
    m1, h1, e1, p1 = _train(name, optimizer, False, epochs)
    m2, h2, e2, p2 = _train(name, optimizer, "auto", epochs)
    step = m2._steps["train"][0]
    assert isinstance(step, replay.Replayed)
    assert step.stats["replayed"] > 0, (step.stats, step.causes)
    assert _same(m1.get_weights(), m2.get_weights())
    assert h1 == h2 and e1 == e2
    assert np.array_equal(p1, p2)
    assert m2._steps["predict"][0].stats["replayed"] > 0
    return m2


@pytest.mark.parametrize("name", sorted(_MODELS))
def test_replay_is_bit_identical_per_layer_family(name):
    _check(name, "adam")


@pytest.mark.parametrize("optimizer", [
    "sgd", lambda: K.optimizers.SGD(0.05, momentum=0.9, nesterov=True), "rmsprop",
    lambda: K.optimizers.RMSprop(momentum=0.5, centered=True), "adagrad", "adadelta", "adamax",
    "nadam", lambda: K.optimizers.AdamW(weight_decay=0.1), lambda: K.optimizers.Adam(amsgrad=True),
    "lion", "ftrl", lambda: K.optimizers.SGD(clipnorm=0.5, learning_rate=K.optimizers.schedules.
                                             ExponentialDecay(0.1, 3, 0.5))],
    ids=["sgd", "nesterov", "rmsprop", "rmsprop_centered", "adagrad", "adadelta", "adamax", "nadam",
         "adamw", "amsgrad", "lion", "ftrl", "clip_schedule"])
def test_replay_is_bit_identical_per_optimizer(optimizer):
    _check("dense", optimizer, epochs=1)


def test_a_callback_reads_and_writes_weights_mid_epoch():
    class Probe(K.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen = []

        def on_train_batch_end(self, batch, logs=None):
            self.seen.append(self.model.layers[0].kernel.numpy().copy())
            if batch == 3:  # a value assigned from outside: the next step must use it
                k = self.model.layers[0].kernel
                k.assign(k.numpy() * 0.5)

    runs = []
    for jit in (False, "auto"):
        probe = Probe()
        schedule = K.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
        m, h, _, _ = _train("dense", "adam", jit, epochs=2, callbacks=[probe, schedule])
        runs.append((m.get_weights(), probe.seen, h))
    assert _same(runs[0][0], runs[1][0]) and _same(runs[0][1], runs[1][1])
    assert runs[0][2] == runs[1][2]


def test_predict_results_are_never_overwritten():
    m = _dense()
    m.compile(loss="mse")
    x = np.random.default_rng(0).normal(size=(8, 6)).astype("float32")
    f = m.predict_on_batch
    outs = [f(x * (i + 1)) for i in range(6)]  # recorded, then replayed
    expected = [m.predict_on_batch(x * (i + 1)).copy() for i in range(6)]
    assert m._steps["predict"][0].stats["replayed"] >= 3
    assert all(np.array_equal(a, b) for a, b in zip(outs, expected))
    assert len({id(o) for o in outs}) == len(outs)


def test_a_new_batch_shape_records_again_and_jit_compile_false_is_eager():
    m = _dense()
    m.compile(loss="mse", optimizer="sgd")
    rng = np.random.default_rng(0)
    for n in (4, 4, 4, 4, 3, 3, 3, 3):
        m.train_on_batch(rng.normal(size=(n, 6)).astype("float32"), np.zeros((n, 3), "float32"))
    step = m._steps["train"][0]
    assert step.stats["replayed"] >= 2 and len([p for p in step.programs.values() if callable(p)]) == 2
    f = config.active().jit(lambda x: config.active().multiply(x, 2))
    outs = [f(np.ones(2, dt)) for dt in ("float32",) * 4 + ("float64",)]
    assert f.stats == {"recorded": 3, "replayed": 2, "eager": 0}  # a new dtype records
    assert outs[-1].dtype == np.float64 and outs[0].dtype == np.float32
    m.compile(loss="mse", optimizer="sgd", jit_compile=False)
    m.train_on_batch(rng.normal(size=(4, 6)).astype("float32"), np.zeros((4, 3), "float32"))
    assert not isinstance(m._steps["train"][0], replay.Replayed)


def test_python_reading_values_falls_back_to_eager_with_one_message():
    b = config.active()

    def step(x):
        s = b.sum(x)
        return b.multiply(x, float(s))  # a Python number computed from the data

    f = b.jit(step)
    xs = [np.arange(3, dtype="float32") + i for i in range(6)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outs = [f(x) for x in xs]
    assert all(np.array_equal(o, x * x.sum()) for o, x in zip(outs, xs))
    assert f.stats["replayed"] == 0
    assert len([w for w in caught if "eagerly" in str(w.message)]) == 1
    assert "ops.multiply gets a Python value computed from the data" in f.causes[0]


def test_traced_value_read_in_python_is_named():
    b = config.active()
    grad = b.value_and_grad(lambda p: (b.sum(b.multiply(p[0], float(b.sum(p[0])))), ()))
    f = b.jit(lambda x: grad([x])[1][0])
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        out = f(np.ones(3, "float32"))
    assert np.allclose(out, 3.0)  # float() cuts the gradient
    assert "float() of it" in f.causes[0]


def test_one_array_in_two_places_is_part_of_the_signature():
    b = config.active()
    f = b.jit(lambda x, y: b.subtract(x, y))
    x = np.arange(3, dtype="float32")
    for _ in range(4):
        assert np.array_equal(f(x, x), np.zeros(3, "float32"))  # recorded with x aliasing y
    assert np.array_equal(f(x, x + 1), -np.ones(3, "float32"))


def test_host_layers_and_run_eagerly_run_eagerly_with_one_message():
    from kerasette import trainer
    trainer._WARNED.clear()
    x = L.Input((1,), dtype="string")
    m = K.Model(x, L.Dense(1)(L.StringLookup(vocabulary=["a", "b"], output_mode="one_hot")(x)))
    m.compile(loss="mse")
    data = np.array([["a"], ["b"], ["c"], ["a"]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            m.fit(data, np.zeros((4, 1), "float32"), batch_size=2, verbose=0)
    assert len([w for w in caught if "host-side layers" in str(w.message)]) == 1
    assert not isinstance(m._steps["train"][0], replay.Replayed)
    d = _dense()
    d.compile(loss="mse", run_eagerly=True)
    d.train_on_batch(np.zeros((2, 6), "float32"), np.zeros((2, 3), "float32"))
    assert not isinstance(d._steps["train"][0], replay.Replayed)


def _regression(jit):
    m = K.Sequential([L.Input((6,)), L.Dense(5, activation="relu"), L.Dense(2)])
    m.set_weights([np.cos(np.arange(w.size, dtype="float32")).reshape(w.shape) * 0.4 + 0.01 * i
                   for i, w in enumerate(m.get_weights())])
    m.compile(optimizer=K.optimizers.RMSprop(0.01), loss="mse", metrics=["mae"], jit_compile=jit)
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(22, 6)).astype("float32"), rng.normal(size=(22, 2)).astype("float32")
    h = m.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    return m, h.history, m.predict(x, batch_size=4, verbose=0)


def test_a_step_whose_ops_all_have_plain_forms_replays_as_plain_numpy():
    m1, h1, p1 = _regression(False)
    m2, h2, p2 = _regression("auto")
    step = m2._steps["train"][0]
    prog = next(p for p in step.programs.values() if callable(p))
    assert step.stats["replayed"] > 0 and ".vjp(" not in prog.source  # no tape closures
    assert _same(m1.get_weights(), m2.get_weights()) and h1 == h2 and np.array_equal(p1, p2)


def test_in_place_results_never_touch_an_array_read_again():
    b = config.active()

    def fn(x, w, c):
        h = b.add(b.matmul(x, w), c)  # h is read twice below: never written into
        return b.relu(b.add(h, c)), b.multiply(h, 2.0), b.relu(b.matmul(x, w))

    f = b.jit(fn)
    rng = np.random.default_rng(0)
    w, c = rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=4).astype("float32")
    for i in range(5):
        x = rng.normal(size=(2, 3)).astype("float32")
        assert _same(f(x, w, c), fn(x, w, c))
    assert f.stats["replayed"] == 3
    assert "out=r" in f.fast.source.splitlines()[-2]  # the last relu writes into its matmul


def test_the_fast_signature_check_sends_a_new_dtype_or_nesting_to_a_new_recording():
    b = config.active()
    f = b.jit(lambda xs, s: b.multiply(xs[0], s))
    x = np.arange(3, dtype="float32")
    for _ in range(4):
        f([x], 2.0)
    assert f.fast is not None and f.stats["replayed"] == 2
    assert f([x.astype("float64")], 2.0).dtype == np.float64
    assert np.array_equal(f([x], 3.0), x * 3) and np.array_equal(f((x,), 2.0), x * 2)
    assert f([x[:2]], 2.0).shape == (2,)


def test_reflected_operators_lower_too():
    b = config.active()
    ints = np.arange(3)  # int64 meeting float32: float64, demoted back to float32
    grad = b.value_and_grad(lambda p: (b.sum((1.0 - p[0]) * (2.0 / p[0]) + b.square(p[1])
                                             + b.multiply(p[0], ints)), ()))
    f = b.jit(lambda w, v: grad([w, v]))
    rng = np.random.default_rng(0)
    for _ in range(4):
        w, v = rng.random(3).astype("float32") + 0.5, rng.random((2, 3)).astype("float32")
        (value, _), grads = f(w, v)
        (value2, _), grads2 = grad([w, v])
        assert np.array_equal(value, value2) and _same(grads, grads2)
        assert value.dtype == value2.dtype == np.float32
    assert f.stats["replayed"] == 2 and ".vjp(" not in f.fast.source
