"""Custom training (Keras 3's hooks and stateless API) on every engine.

* The overridable hooks of ``Model`` (``train_step``, ``test_step``,
  ``predict_step``, ``compute_loss``, ``compute_metrics``, ``get_metrics_result``,
  ``reset_metrics``, ``metrics``) and the logs they return reaching callbacks.
* The stateless pieces: ``Layer.stateless_call``, ``Optimizer.stateless_apply``,
  ``Metric.stateless_*``, ``Model.stateless_compute_loss``, ``StatelessScope``.
* ``ops.value_and_grad`` / ``ops.grad`` with JAX's calling convention, nested
  (higher-order) on every engine (more in test_higher_order.py).
* One engine-neutral ``train_step`` gives the weights of the built-in ``fit``
  after N steps; so do JAX's stateless form and PyTorch's ``loss.backward()`` idiom.
"""
from __future__ import annotations

import numpy as np
import pytest

import kerasette as K
from kerasette import config, layers, metrics, ops, optimizers

RTOL = 1e-5  # a few float32 SGD steps: the same ops in a different order
ATOL = 1e-5


def _data(n=48, d=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0][:d], "float32"))[:, None] + 0.1
    return x, y


def _npy(t):
    return np.asarray(ops.convert_to_numpy(t))


class _Net(K.Model):
    """Dense -> BatchNormalization -> Dense, with an ``add_loss`` penalty."""

    def __init__(self, penalty=0.0, **kwargs):
        super().__init__(**kwargs)
        self.d1 = layers.Dense(5, activation="tanh")
        self.bn = layers.BatchNormalization()
        self.d2 = layers.Dense(1)
        self.penalty = penalty

    def call(self, x, training=None):
        h = self.bn(self.d1(x), training=training)
        if self.penalty:
            self.add_loss(ops.multiply(ops.mean(ops.square(h)), self.penalty))
        return self.d2(h)


class _EngineNeutral(_Net):
    """The engine-neutral step: stateless_call + ops.value_and_grad + optimizer.apply."""

    def train_step(self, data):
        x, y = data
        tv = [v.value for v in self.trainable_variables]
        ntv = [v.value for v in self.non_trainable_variables]

        def loss_fn(tv):
            y_pred, new_ntv, losses = self.stateless_call(tv, ntv, x, training=True,
                                                          return_losses=True)
            loss = self.compiled_loss_value(y, y_pred)
            for extra in losses:
                loss = ops.add(loss, extra)
            return loss, (y_pred, new_ntv)

        (loss, (y_pred, new_ntv)), grads = ops.value_and_grad(loss_fn, has_aux=True)(tv)
        for v, value in zip(self.non_trainable_variables, new_ntv):
            v.assign(value)
        self.optimizer.apply(grads, self.trainable_variables)
        for m in self.metrics:
            if m.name == "loss":
                m.update_state(loss)
            else:
                m.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def compiled_loss_value(self, y, y_pred):
        return ops.mean(ops.square(ops.subtract(y_pred, y)))


class _Stateless(_Net):
    """JAX's stateless form ``train_step(state, data) -> (logs, state)``."""

    def train_step(self, state, data):
        tv, ntv, ov, mv = state
        x, y = data

        def loss_fn(tv, ntv):
            y_pred, ntv = self.stateless_call(tv, ntv, x, training=True)
            loss, (_, _, new_mv) = self.stateless_compute_loss(tv, ntv, mv, x=x, y=y,
                                                               y_pred=y_pred)
            return loss, (y_pred, ntv)

        (loss, (y_pred, ntv)), grads = ops.value_and_grad(loss_fn, has_aux=True)(tv, ntv)
        tv, ov = self.optimizer.stateless_apply(ov, grads, tv)
        new_mv, logs, i = [], {}, 0
        for m in self.metrics:
            vals = mv[i:i + len(m.variables)]
            i += len(m.variables)
            vals = m.stateless_update_state(vals, loss) if m.name == "loss" else \
                m.stateless_update_state(vals, y, y_pred)
            logs[m.name] = m.stateless_result(vals)
            new_mv += list(vals)
        return logs, (tv, ntv, ov, new_mv)


class _OverridesComputeLoss(_Net):
    """Only ``compute_loss`` overridden (calls super): fit uses the default train_step."""

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return super().compute_loss(x, y, y_pred, sample_weight, training=training)


def _fit(cls, epochs=2, penalty=0.0, metric_list=("mae",), **compile_kwargs):
    K.utils.set_random_seed(3)
    x, y = _data()
    model = cls(penalty=penalty)
    model.compile(optimizer=optimizers.SGD(0.05, momentum=0.5), loss="mse",
                  metrics=list(metric_list), **compile_kwargs)
    hist = model.fit(x, y, batch_size=16, epochs=epochs, shuffle=False, verbose=0)
    return model, hist


def _assert_same_weights(a, b, rtol=RTOL, atol=ATOL):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for p, q in zip(wa, wb):
        np.testing.assert_allclose(p, q, rtol=rtol, atol=atol)


# ------------------------------------------------------------------ the hooks
@pytest.mark.parametrize("cls", [_EngineNeutral, _Stateless, _OverridesComputeLoss],
                         ids=["engine_neutral", "stateless", "compute_loss"])
def test_custom_step_gives_the_builtin_weights(engine, cls):
    # a stateless_call without return_losses drops add_loss losses (as Keras)
    penalty = 0.1 if cls is _OverridesComputeLoss else 0.0
    ref, ref_hist = _fit(_Net, penalty=penalty)
    model, hist = _fit(cls, penalty=penalty)
    assert model._uses_hooks("train") and not ref._uses_hooks("train")
    _assert_same_weights(ref, model)
    for k in ("loss", "mae"):
        np.testing.assert_allclose(hist.history[k], ref_hist.history[k], rtol=1e-4)


def test_jit_on_and_off_give_the_same_weights(engine):
    if engine.name != "jax":
        pytest.skip("the jit switch matters on JAX only")
    jitted, _ = _fit(_EngineNeutral, epochs=2)
    eager, _ = _fit(_EngineNeutral, epochs=2, run_eagerly=True)
    _assert_same_weights(jitted, eager)
    stateless_jit, _ = _fit(_Stateless, epochs=2)
    stateless_eager, _ = _fit(_Stateless, epochs=2, jit_compile=False)
    _assert_same_weights(stateless_jit, stateless_eager)


def test_custom_step_is_one_jit_on_jax(engine):
    if engine.name != "jax":
        pytest.skip("JAX only")
    calls = []

    class Counting(_EngineNeutral):
        def train_step(self, data):
            calls.append(1)
            return super().train_step(data)

    K.utils.set_random_seed(3)
    x, y = _data()
    model = Counting()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)  # 12 steps
    # Python runs once eagerly (state building) and once when tracing: the rest is jit
    assert len(calls) == 2


def test_torch_backward_idiom(engine):
    if engine.name != "torch":
        pytest.skip("PyTorch's idiom")
    import torch

    class TorchStep(_Net):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            weights = list(self.trainable_weights)
            grads = [v.value.grad for v in weights]
            with torch.no_grad():
                self.optimizer.apply(grads, weights)
            for m in self.metrics:
                if m.name == "loss":
                    m.update_state(loss)
                else:
                    m.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    ref, ref_hist = _fit(_Net, penalty=0.1)
    model, hist = _fit(TorchStep, penalty=0.1)
    _assert_same_weights(ref, model)
    np.testing.assert_allclose(hist.history["loss"], ref_hist.history["loss"], rtol=1e-4)
    # after the step the variables are plain tensors again
    assert not any(v.value.requires_grad for v in model.trainable_variables)


def test_torch_idiom_elsewhere_names_the_engine_neutral_form(engine):
    if engine.name == "torch":
        pytest.skip("PyTorch runs the idiom")

    class TorchStep(_Net):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            return {}

    class NoZeroGrad(_Net):
        def train_step(self, data):
            x, y = data
            loss = self.compute_loss(y=y, y_pred=self(x))
            loss.backward()
            return {}

    class GradAttribute(_Net):
        def train_step(self, data):
            grads = [v.value.grad for v in self.trainable_weights]
            self.optimizer.apply(grads, self.trainable_weights)
            return {}

    x, y = _data(8)
    for cls in (TorchStep, NoZeroGrad, GradAttribute):
        model = cls()
        model.compile(optimizer="sgd", loss="mse")
        with pytest.raises((RuntimeError, AttributeError),
                           match=f"PyTorch's idiom.*{engine.name} engine.*value_and_grad"):
            model.fit(x, y, epochs=1, verbose=0)


def test_metrics_property_and_logs_reach_callbacks(engine):
    class Tracked(K.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(1)
            self.loss_tracker = metrics.Mean(name="loss")
            self.mae_metric = metrics.MeanAbsoluteError(name="mae")

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            x, y = data

            def loss_fn(tv):
                y_pred, _ = self.stateless_call(tv, [], x)
                return ops.mean(ops.square(ops.subtract(y_pred, y))), y_pred

            tv = [v.value for v in self.trainable_variables]
            (loss, y_pred), grads = ops.value_and_grad(loss_fn, has_aux=True)(tv)
            self.optimizer.apply(grads, self.trainable_variables)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result(),
                    "extra": ops.convert(7.0)}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            self.loss_tracker.update_state(ops.mean(ops.square(ops.subtract(y_pred, y))))
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    class Recorder(K.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches, self.epochs = [], []

        def on_train_batch_end(self, batch, logs=None):
            self.batches.append(dict(logs))

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append(dict(logs))

    K.utils.set_random_seed(0)
    x, y = _data()
    model = Tracked()
    model.compile(optimizer=optimizers.SGD(0.05))  # no loss: the step computes its own
    # the custom trackers appear after the compiled loss tracker (Keras's order)
    assert [m.name for m in model.metrics] == ["loss", "loss", "mae"]
    assert model.metrics[1] is model.loss_tracker and model.metrics[2] is model.mae_metric
    rec = Recorder()
    hist = model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[rec],
                     validation_data=(x, y))
    assert len(rec.batches) == 6 and set(rec.batches[0]) == {"loss", "mae", "extra"}
    assert all(isinstance(v, float) for v in rec.batches[-1].values())
    assert rec.batches[-1]["extra"] == 7.0
    # epoch logs: the last step's (its keys differ from the metrics'), plus val_
    assert set(hist.history) == {"loss", "mae", "extra", "val_loss", "val_mae"}
    np.testing.assert_allclose(hist.history["loss"][-1], rec.batches[-1]["loss"], rtol=1e-6)
    # metrics variables: compiled tracker (2) + Mean (2) + MAE (2)
    assert len(model.metrics_variables) == 6
    model.reset_metrics()
    assert float(_npy(model.loss_tracker.result())) == 0.0
    logs = model.evaluate(x, y, batch_size=48, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "mae"}
    y_pred = model.predict(x, verbose=0)
    np.testing.assert_allclose(logs["loss"], np.mean((y_pred - y) ** 2), rtol=1e-4)


def test_progress_bar_shows_the_step_logs(engine, capsys):
    K.utils.set_random_seed(0)
    x, y = _data(16)
    model = _EngineNeutral()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(x, y, batch_size=8, epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert "loss:" in out and "mae:" in out


def test_train_step_must_return_a_dict(engine):
    class Bad(_Net):
        def train_step(self, data):
            return 1.0

    x, y = _data(8)
    model = Bad()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match="train_step must return a dict of logs.*float"):
        model.fit(x, y, epochs=1, verbose=0)


def test_test_step_and_predict_step_overrides(engine):
    class Custom(_Net):
        def test_step(self, data):
            x, y = data
            return {"n": ops.convert(float(ops.shape(x)[0])), "mean_y": ops.mean(y)}

        def predict_step(self, data):
            x = data[0] if isinstance(data, tuple) else data
            return ops.multiply(self(x, training=False), 0.0) + 5.0

    K.utils.set_random_seed(0)
    x, y = _data(20)
    model = Custom()
    model.compile(optimizer="sgd", loss="mse")
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    assert logs == {"n": 4.0, "mean_y": pytest.approx(float(np.mean(y[16:])), rel=1e-5)}
    out = model.predict(x, batch_size=8, verbose=0)
    assert out.shape == (20, 1) and np.all(out == 5.0)
    np.testing.assert_array_equal(model.predict_on_batch(x[:3]), np.full((3, 1), 5.0, "float32"))


def test_generator_batches_reach_train_step_as_keras_packs_them(engine):
    seen = []

    class Spy(_Net):
        def train_step(self, data):
            seen.append(type(data).__name__ + str(len(data) if isinstance(data, tuple) else ""))
            return super().train_step(data)

    x, y = _data(16)
    w = np.ones(16, "float32")

    def gen():
        while True:
            for i in range(0, 16, 8):
                yield x[i:i + 8], y[i:i + 8], w[i:i + 8]

    model = Spy()
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    model.fit(gen(), steps_per_epoch=2, epochs=1, verbose=0)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert seen == ["tuple3", "tuple3", "tuple2", "tuple2"]


def test_unpack_and_pack_follow_keras(engine):
    from kerasette.utils import pack_x_y_sample_weight, unpack_x_y_sample_weight
    a, b, c = np.zeros(1), np.ones(1), np.full(1, 2.0)
    assert unpack_x_y_sample_weight(a) == (a, None, None)
    assert unpack_x_y_sample_weight((a,)) == (a, None, None)
    assert unpack_x_y_sample_weight([a, b]) == (a, b, None)
    assert unpack_x_y_sample_weight((a, b, c)) == (a, b, c)
    with pytest.raises(ValueError, match="found a tuple of 4"):
        unpack_x_y_sample_weight((a, b, c, c))
    assert pack_x_y_sample_weight(a) is a
    assert pack_x_y_sample_weight([a, b]) == ([a, b],)
    assert pack_x_y_sample_weight(a, b) == (a, b)


def test_compute_loss_includes_added_losses(engine):
    K.utils.set_random_seed(0)
    x, y = _data(8)
    model = _Net(penalty=0.5)
    model.compile(optimizer="sgd", loss="mse")
    y_pred = model(ops.convert(x), training=False)
    loss = model.compute_loss(x=x, y=ops.convert(y), y_pred=y_pred)
    h = model.bn(model.d1(ops.convert(x)), training=False)
    expect = np.mean((_npy(y_pred) - y) ** 2) + 0.5 * np.mean(_npy(h) ** 2)
    np.testing.assert_allclose(_npy(loss), expect, rtol=1e-5)
    # compute_metrics updates the compiled metrics, not the loss tracker
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    logs = model.compute_metrics(x, ops.convert(y), y_pred)
    assert set(logs) == {"loss", "mae"} and float(_npy(logs["loss"])) == 0.0
    np.testing.assert_allclose(_npy(logs["mae"]), np.mean(np.abs(_npy(y_pred) - y)), rtol=1e-5)
    assert set(model.get_metrics_result()) == {"loss", "mae"}


@pytest.mark.keras_oracle
def test_hooks_agree_with_keras(engine, keras_module):
    """compute_loss (with an add_loss), compute_metrics and metrics names as Keras."""
    keras = keras_module
    K.utils.set_random_seed(0)
    x, y = _data(8)

    class KNet(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = keras.layers.Dense(5, activation="tanh")
            self.d2 = keras.layers.Dense(1)
            self.tracker = keras.metrics.Mean(name="custom")

        def call(self, x, training=None):
            h = self.d1(x)
            self.add_loss(0.5 * keras.ops.mean(keras.ops.square(h)))
            return self.d2(h)

    class Net(K.Model):
        def __init__(self):
            super().__init__()
            self.d1 = layers.Dense(5, activation="tanh")
            self.d2 = layers.Dense(1)
            self.tracker = metrics.Mean(name="custom")

        def call(self, x, training=None):
            h = self.d1(x)
            self.add_loss(ops.multiply(ops.mean(ops.square(h)), 0.5))
            return self.d2(h)

    km, m = KNet(), Net()
    for mod in (km, m):
        mod.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        mod(x[:1])
    m.set_weights(km.get_weights())
    ky = km(x)
    kloss = km.compute_loss(x=x, y=y, y_pred=ky)
    yp = m(ops.convert(x))
    loss = m.compute_loss(x=x, y=ops.convert(y), y_pred=yp)
    np.testing.assert_allclose(_npy(loss), np.asarray(kloss), rtol=1e-5)
    klogs = km.compute_metrics(x, y, ky)
    logs = m.compute_metrics(x, ops.convert(y), yp)
    assert set(klogs) == set(logs) == {"loss", "mae", "custom"}
    np.testing.assert_allclose(float(_npy(logs["mae"])), float(klogs["mae"]), rtol=1e-5)
    assert [n for n in m.metrics_names if n != "compile_metrics"][-1] == "custom"


@pytest.mark.keras_oracle
def test_stateless_train_step_matches_keras(engine, keras_module):
    """The same JAX-style stateless train_step in Keras and kerasette: same numbers."""
    keras = keras_module
    if keras.backend.backend() != "jax":
        pytest.skip("the stateless train_step(state, data) form is Keras's JAX form")
    x, y = _data()

    def make(lib, base):
        class Net(base):
            def __init__(self):
                super().__init__()
                self.d1 = lib.layers.Dense(5, activation="tanh")
                self.d2 = lib.layers.Dense(1)

            def call(self, x, training=None):
                return self.d2(self.d1(x))

            def train_step(self, state, data):
                tv, ntv, ov, mv = state
                x, y = data

                def loss_fn(tv, ntv):
                    y_pred, ntv = self.stateless_call(tv, ntv, x, training=True)
                    loss, _ = self.stateless_compute_loss(tv, ntv, mv, x=x, y=y, y_pred=y_pred)
                    return loss, ntv

                grad_fn = (keras_ops_vg if lib is keras else ops.value_and_grad)
                (loss, ntv), grads = grad_fn(loss_fn, has_aux=True)(tv, ntv)
                tv, ov = self.optimizer.stateless_apply(ov, grads, tv)
                tracker = self.metrics[0]
                mvals = tracker.stateless_update_state(mv[:2], loss)
                return {"loss": tracker.stateless_result(mvals)}, (tv, ntv, ov,
                                                                   list(mvals) + list(mv[2:]))
        return Net()

    import jax
    keras_ops_vg = jax.value_and_grad
    km, m = make(keras, keras.Model), make(K, K.Model)
    for mod in (km, m):
        mod.compile(optimizer=(keras.optimizers.Adam(0.01) if mod is km else
                               optimizers.Adam(0.01)), loss="mse")
        mod(x[:1])
    m.set_weights(km.get_weights())
    kh = km.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    h = m.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for p, q in zip(km.get_weights(), m.get_weights()):
        np.testing.assert_allclose(q, p, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h.history["loss"], kh.history["loss"], rtol=1e-4)


# ------------------------------------------------------------ stateless pieces
def test_stateless_call_pure_and_checked(engine):
    K.utils.set_random_seed(0)
    x, _ = _data(8)
    model = _Net(name="net")
    model(ops.convert(x))
    before = model.get_weights()
    tv = [ops.multiply(v.value, 2.0) for v in model.trainable_variables]
    ntv = [v.value for v in model.non_trainable_variables]
    out, new_ntv = model.stateless_call(tv, ntv, ops.convert(x), training=True)
    # BatchNormalization's moving statistics change in new_ntv, not in the model
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(not np.allclose(_npy(a), _npy(b)) for a, b in zip(ntv, new_ntv))
    for v, t in zip(model.trainable_variables, tv):
        v.assign(t)
    for v, t in zip(model.non_trainable_variables, ntv):
        v.assign(t)
    np.testing.assert_allclose(_npy(out), _npy(model(ops.convert(x), training=True)), rtol=1e-5)
    with pytest.raises(ValueError, match=r"net'.*trainable_variables.*length 1.*expected 6"):
        model.stateless_call(tv[:1], ntv, ops.convert(x))
    with pytest.raises(ValueError, match=r"non_trainable_variables.*length 0.*expected 2"):
        model.stateless_call(tv, [], ops.convert(x))
    wrong = list(tv)
    wrong[0] = ops.zeros((3, 5))
    with pytest.raises(ValueError, match=r"dense.*kernel.*shape \(3, 5\).*\(4, 5\)"):
        model.stateless_call(wrong, ntv, ops.convert(x))
    with pytest.raises(ValueError, match="must be built"):
        _Net().stateless_call([], [], ops.convert(x))
    # return_losses: the losses of this call only
    pen = _Net(penalty=1.0)
    pen(ops.convert(x))
    _, _, losses = pen.stateless_call([v.value for v in pen.trainable_variables],
                                      [v.value for v in pen.non_trainable_variables],
                                      ops.convert(x), return_losses=True)
    assert len(losses) == 1 and not any(l._call_losses for l in pen._flatten_layers())


def test_optimizer_stateless_apply_matches_apply(engine):
    K.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    w0 = [rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=(2,)).astype("float32")]
    grads = [ops.convert(rng.normal(size=w.shape).astype("float32")) for w in w0]
    va = [K.Variable(w) for w in w0]
    vb = [K.Variable(w) for w in w0]
    a, b = optimizers.Adam(0.1), optimizers.Adam(0.1)
    with pytest.raises(ValueError, match="must be built"):
        b.stateless_apply([], grads, [v.value for v in vb])
    b.build(vb)
    assert len(b.variables) == 2 + 2 * 2  # iteration, learning rate, two slots each
    tv, ov = [v.value for v in vb], [v.value for v in b.variables]
    for _ in range(3):
        a.apply(grads, va)
        tv, ov = b.stateless_apply(ov, grads, tv)
    for v, t in zip(va, tv):
        np.testing.assert_allclose(v.numpy(), _npy(t), rtol=1e-6)
    np.testing.assert_array_equal(vb[0].numpy(), w0[0])  # the variables did not move
    assert int(_npy(ov[0])) == 3 and int(a.iterations.numpy()) == 3
    c = optimizers.SGD(0.1)
    vc = [K.Variable(w) for w in w0]
    c.apply_gradients(zip(grads, vc))
    np.testing.assert_allclose(vc[1].numpy(), w0[1] - 0.1 * _npy(grads[1]), rtol=1e-6)
    with pytest.raises(ValueError, match="optimizer values"):
        b.stateless_apply(ov[:1], grads, tv)
    with pytest.raises(ValueError, match="expected 2 trainable values.*got 1"):
        b.stateless_apply(ov, grads, tv[:1])


def test_metric_stateless_forms(engine):
    m = metrics.MeanAbsoluteError()
    y, p = ops.convert(np.array([[1.0], [2.0]], "float32")), ops.convert(
        np.array([[0.0], [4.0]], "float32"))
    values = m.stateless_reset_state()
    values = m.stateless_update_state(values, y, p)
    assert float(_npy(m.stateless_result(values))) == pytest.approx(1.5)
    assert float(_npy(m.result())) == 0.0  # the metric itself is untouched
    m.update_state(y, p)
    assert float(_npy(m.result())) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="has 2 state variables; got 1"):
        m.stateless_result(values[:1])


def test_stateless_scope(engine):
    v = K.Variable(np.zeros(3, "float32"), name="v")
    w = K.Variable(np.ones(2, "float32"), name="w")
    assert K.StatelessScope is not None
    with K.StatelessScope(state_mapping=[(v, ops.ones(3))]) as scope:
        np.testing.assert_array_equal(_npy(ops.add(v, 0.0)), np.ones(3))
        v.assign(ops.add(v.value, 1.0))
        w.assign(ops.zeros(2))  # not mapped: recorded too, undone on exit
        np.testing.assert_array_equal(_npy(scope.get_current_value(v)), np.full(3, 2.0))
    np.testing.assert_array_equal(v.numpy(), np.zeros(3))
    np.testing.assert_array_equal(w.numpy(), np.ones(2))
    np.testing.assert_array_equal(_npy(scope.get_current_value(v)), np.full(3, 2.0))
    np.testing.assert_array_equal(_npy(scope.get_current_value(w)), np.zeros(2))
    with pytest.raises(ValueError, match=r"'v'.*shape \(2,\).*\(3,\)"):
        K.StatelessScope(state_mapping=[(v, ops.ones(2))])


def test_stateless_compute_loss(engine):
    K.utils.set_random_seed(0)
    x, y = _data(8)
    model = _Net()
    model.compile(optimizer="sgd", loss="mse")
    model(ops.convert(x))
    tv = [ops.multiply(v.value, 0.5) for v in model.trainable_variables]
    ntv = [v.value for v in model.non_trainable_variables]
    mv = [v.value for v in model.metrics_variables]
    y_pred = ops.convert(np.zeros((8, 1), "float32"))
    loss, (tv2, ntv2, mv2) = model.stateless_compute_loss(tv, ntv, mv, x=x, y=ops.convert(y),
                                                           y_pred=y_pred)
    np.testing.assert_allclose(_npy(loss), np.mean(y ** 2), rtol=1e-5)
    assert len(tv2) == len(tv) and len(ntv2) == len(ntv) and len(mv2) == len(mv)
    with pytest.raises(ValueError, match="metrics_variables.*length 0.*expected 2"):
        model.stateless_compute_loss(tv, ntv, [], y=ops.convert(y), y_pred=y_pred)


# ------------------------------------------------------------------ gradients
def test_value_and_grad_jax_convention(engine):
    def f(params, x, scale):
        return ops.sum(ops.square(ops.multiply(params["a"], x))) + params["b"][0] * scale

    params = {"a": ops.convert(np.array([1.0, 2.0], "float32")),
              "b": [ops.convert(np.array(3.0, "float32"))]}
    x = ops.convert(np.array([1.0, -1.0], "float32"))
    value, g = ops.value_and_grad(f)(params, x, 2.0)
    assert float(_npy(value)) == pytest.approx(11.0)
    assert set(g) == {"a", "b"} and isinstance(g["b"], list)
    np.testing.assert_allclose(_npy(g["a"]), [2.0, 4.0])
    np.testing.assert_allclose(_npy(g["b"][0]), 2.0)
    (value, aux), (ga, gx) = ops.value_and_grad(
        lambda a, x: (ops.sum(ops.multiply(a, x)), ops.multiply(a, 10.0)), argnums=(0, 1),
        has_aux=True)(params["a"], x)
    np.testing.assert_allclose(_npy(ga), [1.0, -1.0])
    np.testing.assert_allclose(_npy(gx), [1.0, 2.0])
    np.testing.assert_allclose(_npy(aux), [10.0, 20.0])
    gx = ops.grad(lambda a, x: ops.sum(ops.multiply(a, x)), argnums=1)(params["a"], x)
    np.testing.assert_allclose(_npy(gx), [1.0, 2.0])
    (g, aux) = ops.grad(lambda a: (ops.sum(a), 5), has_aux=True)(params["a"])
    np.testing.assert_allclose(_npy(g), [1.0, 1.0])
    assert aux == 5
    v = K.Variable(np.array([3.0], "float32"))
    np.testing.assert_allclose(_npy(ops.grad(lambda w: ops.sum(ops.square(w)))(v)), [6.0])
    with pytest.raises(ValueError, match="has_aux=True"):
        ops.value_and_grad(lambda a: (ops.sum(a), 1))(params["a"])
    with pytest.raises(ValueError, match="argnums=3"):
        ops.grad(lambda a: ops.sum(a), argnums=3)(params["a"])


def test_value_and_grad_agrees_with_jax(engine):
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 2)).astype("float32")
    x = rng.normal(size=(4, 3)).astype("float32")

    def f_jax(p, x):
        return jnp.sum(jnp.tanh(x @ p["w"]) ** 2) + jnp.sum(p["b"] ** 3)

    def f(p, x):
        return ops.add(ops.sum(ops.square(ops.tanh(ops.matmul(x, p["w"])))),
                       ops.sum(ops.power(p["b"], 3)))

    b = np.array([0.5, -1.0], "float32")
    jv, jg = jax.value_and_grad(f_jax)({"w": w, "b": b}, x)
    v, g = ops.value_and_grad(f)({"w": ops.convert(w), "b": ops.convert(b)}, ops.convert(x))
    np.testing.assert_allclose(_npy(v), np.asarray(jv), rtol=1e-5)
    np.testing.assert_allclose(_npy(g["w"]), np.asarray(jg["w"]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_npy(g["b"]), np.asarray(jg["b"]), rtol=1e-5)


def test_higher_order_gradients(engine):
    x = ops.convert(np.array([2.0, -1.0], "float32"))

    def hess_diag(x):
        return ops.grad(lambda x: ops.sum(ops.grad(lambda y: ops.sum(ops.power(y, 3)))(x)))(x)

    def gradient_penalty_grad(w):
        # WGAN-GP's shape: the gradient (w.r.t. the input) of a critic closing over w
        def penalty(w):
            gx = ops.grad(lambda xi: ops.sum(ops.tanh(ops.multiply(w, xi))))(x)
            return ops.sum(ops.square(gx))
        return ops.grad(penalty)(w)

    w = ops.convert(np.array([0.3, 0.7], "float32"))
    np.testing.assert_allclose(_npy(hess_diag(x)), [12.0, -6.0], rtol=1e-5)
    # d/dw sum((w sech^2(w x))^2), by hand
    wn, xn = np.array([0.3, 0.7]), np.array([2.0, -1.0])
    s2 = 1 / np.cosh(wn * xn) ** 2
    d = 2 * (wn * s2) * (s2 + wn * (-2 * s2 * np.tanh(wn * xn) * xn))
    np.testing.assert_allclose(_npy(gradient_penalty_grad(w)), d, rtol=1e-4)
    # the built-in step is unaffected by nesting: first-order gradients are detached
    value, g = ops.value_and_grad(lambda a: ops.sum(ops.square(a)))(x)
    np.testing.assert_allclose(_npy(g), [4.0, -2.0])


def test_default_steps_match_builtin_for_several_outputs(engine):
    """Two outputs, loss weights, a kernel regularizer, sample weights and
    validation_split: the default steps through the hooks (``compute_loss``
    overridden) give the built-in logs (same names, order, values) and weights."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    y1 = rng.normal(size=(40, 1)).astype("float32")
    y2 = np.eye(2, dtype="float32")[rng.integers(0, 2, 40)]
    sw = np.linspace(0.5, 1.5, 40).astype("float32")

    class Hooked(K.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return super().compute_loss(x, y, y_pred, sample_weight, training)

    results = []
    for cls in (K.Model, Hooked):
        K.utils.set_random_seed(0)
        i = layers.Input(shape=(3,))
        h = layers.Dense(4, activation="relu", kernel_regularizer="l2")(i)
        model = cls(i, [layers.Dense(1, name="reg")(h),
                        layers.Dense(2, activation="softmax", name="cls")(h)])
        model.compile(optimizer="adam", loss=["mse", "categorical_crossentropy"],
                      loss_weights=[1.0, 0.5], metrics=[["mae"], ["accuracy"]])
        hist = model.fit(x, [y1, y2], batch_size=8, epochs=2, verbose=0, validation_split=0.25,
                         sample_weight=sw)
        results.append((hist.history, model.evaluate(x, [y1, y2], verbose=0),
                        model.get_weights(), model._uses_hooks("train")))
    (h0, e0, w0, hooks0), (h1, e1, w1, hooks1) = results
    assert not hooks0 and hooks1
    assert list(h0) == list(h1)
    for k in h0:
        np.testing.assert_allclose(h1[k], h0[k], rtol=1e-4, err_msg=k)
    np.testing.assert_allclose(e1, e0, rtol=1e-4)
    for a, b in zip(w0, w1):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)


def test_on_batch_methods_use_the_hooks(engine):
    x, y = _data(16)

    def make(cls):
        K.utils.set_random_seed(3)
        model = cls()
        model(ops.convert(x))
        model.compile(optimizer=optimizers.SGD(0.05), loss="mse", metrics=["mae"])
        return model

    ref, model = make(_Net), make(_OverridesComputeLoss)
    for _ in range(2):
        a = ref.train_on_batch(x, y, return_dict=True)
        b = model.train_on_batch(x, y, return_dict=True)
        assert list(a) == list(b) == ["loss", "mae"]
        np.testing.assert_allclose(list(b.values()), list(a.values()), rtol=1e-5)
    np.testing.assert_allclose(model.test_on_batch(x, y), ref.test_on_batch(x, y), rtol=1e-5)
    _assert_same_weights(ref, model)


def test_a_top_level_call_drops_the_previous_calls_losses(engine):
    """Keras's rule: ``model.losses`` holds the losses of the last call only."""
    K.utils.set_random_seed(0)
    x, _ = _data(8)
    model = _Net(penalty=1.0)
    model(ops.convert(x))
    model(ops.convert(x))
    assert len(model.losses) == 1
    class Outer(K.Model):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def call(self, x):
            return self.inner(x)

    outer = Outer(model)  # the nested model's call is not a top-level one
    outer(ops.convert(x))
    outer(ops.convert(x))
    assert len(outer.losses) == 1


@pytest.mark.keras_oracle
def test_stateless_methods_agree_with_keras(engine, keras_module):
    """stateless_call, Adam's stateless_apply (values and optimizer-variable order) and a
    metric's stateless update give Keras's numbers."""
    keras = keras_module
    kops = keras.ops
    rng = np.random.default_rng(5)
    x = rng.normal(size=(6, 4)).astype("float32")
    kd, d = keras.layers.Dense(3, activation="tanh"), layers.Dense(3, activation="tanh")
    kd.build((None, 4))
    d.build((None, 4))
    d.set_weights(kd.get_weights())
    tv = [(w * 2 + 0.1).astype("float32") for w in kd.get_weights()]
    kout, _ = kd.stateless_call([kops.convert_to_tensor(t) for t in tv], [], x)
    out, _ = d.stateless_call([ops.convert(t) for t in tv], [], ops.convert(x))
    np.testing.assert_allclose(_npy(out), np.asarray(kout), rtol=1e-5, atol=1e-6)

    w0 = [rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=(2,)).astype("float32")]
    g = [rng.normal(size=w.shape).astype("float32") for w in w0]
    kopt, opt = keras.optimizers.Adam(0.1), optimizers.Adam(0.1)
    kvars, vars_ = [keras.Variable(w) for w in w0], [K.Variable(w) for w in w0]
    kopt.build(kvars)
    opt.build(vars_)
    assert len(opt.variables) == len(kopt.variables)
    ktv, kov = [v.value for v in kvars], [v.value for v in kopt.variables]
    tv, ov = [v.value for v in vars_], [v.value for v in opt.variables]
    for _ in range(3):
        ktv, kov = kopt.stateless_apply(kov, [kops.convert_to_tensor(a) for a in g], ktv)
        tv, ov = opt.stateless_apply(ov, [ops.convert(a) for a in g], tv)
    for a, b in zip(tv + ov, ktv + kov):
        np.testing.assert_allclose(_npy(a), np.asarray(b), rtol=1e-5, atol=1e-6)

    km, m = keras.metrics.MeanAbsoluteError(), metrics.MeanAbsoluteError()
    yt, yp = rng.normal(size=(5, 2)).astype("float32"), rng.normal(size=(5, 2)).astype("float32")
    kvals = km.stateless_update_state(km.stateless_reset_state(), yt, yp)
    vals = m.stateless_update_state(m.stateless_reset_state(), ops.convert(yt), ops.convert(yp))
    np.testing.assert_allclose(_npy(m.stateless_result(vals)),
                               np.asarray(km.stateless_result(kvals)), rtol=1e-6)
