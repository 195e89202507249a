"""Every public member of Keras 3's ``Model`` exists on kerasette's (functional, Sequential
and subclassed), apart from the documented LEFT_OUT list; the members added for parity
do what Keras's do."""
import numpy as np
import pytest

import kerasette
from kerasette import Input, Model, Sequential, callbacks, layers

QUANTIZATION = ("quantization (int8/int4/float8/GPTQ/AWQ) rewrites the layers' kernels under a "
                "quantized dtype policy and changes the saved layout; kerasette offers the float "
                "policies (mixed precision) only")

LEFT_OUT = {
    "quantize": QUANTIZATION,
    "quantized_build": QUANTIZATION,
    "quantized_call": QUANTIZATION,
    "quantization_mode": QUANTIZATION,
    "get_quantization_layer_structure": QUANTIZATION,
}


def _kinds(K):
    inp = K.Input((3,))
    functional = K.Model(inp, K.layers.Dense(2, name="d")(inp), name="f")
    sequential = K.Sequential([K.Input((3,)), K.layers.Dense(2, name="d")], name="s")

    class Sub(K.Model):
        def __init__(self):
            super().__init__(name="c")
            self.d = K.layers.Dense(2, name="d")

        def call(self, x):
            return self.d(x)

    sub = Sub()
    sub(np.zeros((1, 3), "float32"))
    return {"functional": functional, "sequential": sequential, "subclassed": sub}


@pytest.mark.keras_oracle
def test_every_public_model_member_exists(keras_module):
    theirs, ours = _kinds(keras_module), _kinds(kerasette)
    for kind, model in theirs.items():
        names = {n for n in dir(model) if not n.startswith("_")}
        missing = sorted(n for n in names if n not in dir(ours[kind]) and n not in LEFT_OUT)
        assert not missing, f"kerasette's {kind} Model lacks Keras's {missing}"
        assert all(n in names for n in LEFT_OUT), "a LEFT_OUT name left Keras: drop it"
        present = [n for n in LEFT_OUT if n in dir(ours[kind])]
        assert not present, f"{present} exist now: drop them from LEFT_OUT"
        # the variables' paths (the state tree's keys) are Keras's: 'f' is not in a
        # functional model's, 's' and 'c' are in a Sequential's and a subclassed model's
        paths = sorted(p for p, _ in _leaves(ours[kind].get_state_tree()["trainable_variables"]))
        assert paths == sorted(v.path for v in model.trainable_variables), kind


def _bn_model(K):
    model = K.Sequential([K.Input((2,), name="my_input"), K.layers.Dense(3, name="my_dense"),
                          K.layers.BatchNormalization(name="bn")], name="my_sequential")
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = np.arange(8, dtype="float32").reshape(4, 2) / 8
    model.fit(x, np.ones((4, 3), "float32"), batch_size=4, verbose=0)
    return model, x


_KERAS = {}


def _keras_state(keras_module):
    """Keras's state tree and predictions for ``_bn_model`` (computed once: Keras is slow)."""
    if "state" not in _KERAS:
        model, x = _bn_model(keras_module)
        _KERAS["state"] = (model.get_state_tree("numpy_array"), np.asarray(model.predict(x, verbose=0)))
    return _KERAS["state"]


def _shape_tree(tree):
    return {k: _shape_tree(v) if isinstance(v, dict) else tuple(np.shape(v)) for k, v in tree.items()}


@pytest.mark.keras_oracle
def test_state_tree_matches_keras_and_round_trips(engine, keras_module):
    keras_tree, keras_pred = _keras_state(keras_module)
    ours, x = _bn_model(kerasette)
    mine = ours.get_state_tree("numpy_array")
    for kind in ("trainable_variables", "non_trainable_variables", "metrics_variables"):
        assert _shape_tree(mine[kind]) == _shape_tree(keras_tree[kind]), kind
    assert list(mine["optimizer_variables"]) == [ours.optimizer.name]
    assert len(mine["optimizer_variables"][ours.optimizer.name]) == \
        len(next(iter(keras_tree["optimizer_variables"].values())))
    # Keras's model state, loaded through the tree, gives Keras's predictions
    ours.set_state_tree({k: keras_tree[k] for k in ("trainable_variables", "non_trainable_variables")})
    np.testing.assert_allclose(ours.predict(x, verbose=0), keras_pred, rtol=1e-5, atol=1e-6)
    saved = ours.get_state_tree("numpy_array")
    ours.set_weights([w + 1 for w in ours.get_weights()])
    for v in ours.optimizer.variables + ours.metrics_variables:
        v.assign(np.asarray(v.numpy()) + 1)
    ours.set_state_tree(saved)
    back = ours.get_state_tree("numpy_array")
    for kind in saved:
        for (p, a), (_, b) in zip(_leaves(saved[kind]), _leaves(back[kind])):
            np.testing.assert_array_equal(a, b, err_msg=p)
    with pytest.raises(ValueError, match="no trainable_variables at 'my_sequential/nope/kernel'"):
        ours.set_state_tree({"trainable_variables": {"my_sequential": {"nope": {"kernel": 0}}}})
    with pytest.raises(ValueError, match="unknown variable kind 'weights'"):
        ours.set_state_tree({"weights": {}})


def _leaves(tree, prefix=""):
    for k in sorted(tree):
        if isinstance(tree[k], dict):
            yield from _leaves(tree[k], f"{prefix}{k}/")
        else:
            yield f"{prefix}{k}", np.asarray(tree[k])


def test_own_variable_store_path_and_small_members(engine):
    inner = Sequential([Input((3,)), layers.Dense(2, name="d"), layers.BatchNormalization(name="bn")],
                       name="inner")
    inp = Input((3,))
    model = Model(inp, inner(inp), name="outer")
    dense = inner.get_layer("d")
    # Keras's paths: a functional model's layers are made outside it, a Sequential's inside
    assert (dense.path, inner.path, model.path) == ("inner/d", "inner", "outer")
    store = {}
    inner.get_layer("bn").save_own_variables(store)
    assert sorted(store) == ["0", "1", "2", "3"] and store["3"].shape == (2,)
    dense.load_own_variables({"0": np.ones((3, 2)), "1": np.full(2, 0.5)})
    np.testing.assert_array_equal(dense.bias.numpy(), [0.5, 0.5])
    with pytest.raises(ValueError, match="Layer 'd' expected 2 variables, but received 1"):
        dense.load_own_variables({"0": np.ones((3, 2))})
    with pytest.raises(ValueError, match="'d': variable 'kernel' has shape \\(3, 2\\)"):
        dense.load_own_variables({"0": np.ones((3, 3)), "1": np.ones(2)})
    spec = dense.symbolic_call(kerasette.layers.Input((3,)))
    assert tuple(spec.shape) == (None, 2) and not dense._inbound_nodes[1:]
    assert model.input_dtype == "float32" and dense.autocast and model.supports_jit
    assert dense.call_signature_parameters[0] == "inputs"
    assert dense.rematerialized_call(dense.call) == dense.call
    assert model.operations == model.layers
    assert (model.jit_compile, model.run_eagerly, model.loss, model.train_function) == \
        ("auto", False, None, None)
    with pytest.raises(NotImplementedError, match="compile\\(metrics="):
        model.add_metric(0.0)


def test_step_functions_and_compute_loss_and_updates(engine):
    kerasette.utils.set_random_seed(0)
    model = Sequential([Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")
    loss, (unscaled, y_pred, new_nt, new_m) = model.compute_loss_and_updates(
        [v.value for v in model.trainable_variables],
        [v.value for v in model.non_trainable_variables],
        [v.value for v in model.metrics_variables], x, y, None)
    np.testing.assert_allclose(float(loss), model.evaluate(x, y, verbose=0)[0], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(kerasette.ops.convert_to_numpy(y_pred)),
                               model.predict(x, verbose=0), rtol=1e-6)
    model.make_train_function()
    model.make_predict_function()
    before = model.get_weights()[0].copy()
    logs = model.train_function((x, y))
    assert set(logs) == {"loss", "mae"} and not np.allclose(model.get_weights()[0], before)
    np.testing.assert_allclose(model.predict_function((x,)), model.predict(x, verbose=0))
    model.make_test_function()
    assert model.test_function((x, y))["loss"] == pytest.approx(model.evaluate(x, y, verbose=0)[0])
    model.jax_state_sync()  # nothing to sync: the variables already hold the step's state


_HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
          "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin",
          "on_test_batch_end"]


def _record_fit(K):
    calls = []

    class Recorder(K.callbacks.Callback):
        pass
    for hook in _HOOKS:
        setattr(Recorder, hook, lambda self, *a, _h=hook, **k: calls.append(
            _h + (str(a[0]) if a and isinstance(a[0], int) else "")))
    model = K.Sequential([K.Input((2,)), K.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32")
    model.fit(x, y, batch_size=2, epochs=2, validation_data=(x, y), callbacks=[Recorder()], verbose=0)
    return calls


@pytest.mark.keras_oracle
def test_fit_calls_the_test_hooks_in_keras_order(engine, keras_module, capsys):
    if "calls" not in _KERAS:
        _KERAS["calls"] = _record_fit(keras_module)
    assert _record_fit(kerasette) == _KERAS["calls"]
    capsys.readouterr()
    model = Sequential([Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.zeros((4, 2)), np.zeros((4, 1)), validation_data=(np.zeros((4, 2)), np.zeros((4, 1))),
              verbose=1, callbacks=[callbacks.History()])
    out = capsys.readouterr().out
    assert out.count("val_loss") == 1  # validation draws no progress bar of its own


@pytest.mark.keras_oracle
def test_layers_serialize_round_trips_with_keras(engine, keras_module):
    theirs = keras_module.layers.serialize(keras_module.layers.Dense(2, activation="relu", name="zz"))
    layer = layers.deserialize(theirs)
    assert (type(layer).__name__, layer.name, layer.units) == ("Dense", "zz", 2)
    back = keras_module.layers.deserialize(layers.serialize(layer))
    assert (back.name, back.units, back.activation.__name__) == ("zz", 2, "relu")
    with pytest.raises(TypeError, match="expects a Layer"):
        layers.serialize("dense")


def test_fit_validation_sees_swap_ema_weights(engine):
    # fit's validation runs the test hooks, so SwapEMAWeights validates on the moving
    # averages (as in Keras); fit then ends on them, so evaluate gives the same loss
    kerasette.utils.set_random_seed(0)
    x = np.linspace(-1, 1, 16, dtype="float32").reshape(8, 2)
    y = x[:, :1] * 2 - x[:, 1:]
    model = Sequential([Input((2,)), layers.Dense(1)])
    model.compile(kerasette.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5), "mse")
    history = model.fit(x, y, epochs=2, batch_size=4, validation_data=(x, y), verbose=0,
                        callbacks=[callbacks.SwapEMAWeights()])
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-5)
    assert history.history["val_loss"][-1] != pytest.approx(history.history["loss"][-1], rel=1e-3)
