"""Mixed precision: dtype policies, autocasting, float32 islands (softmax, losses,
BatchNormalization), dynamic loss scaling, and the optimizer wrappers
(LossScaleOptimizer, MultiOptimizer/OptimizerMap) on every engine, against Keras 3."""
from __future__ import annotations

import numpy as np
import pytest

import kerasette as K
from kerasette import config, dtype_policies, layers, mixed_precision, ops, optimizers
from kerasette.variables import Variable

POLICIES = ["float32", "float16", "bfloat16", "float64", "mixed_float16", "mixed_bfloat16"]


@pytest.fixture(autouse=True)
def _global_policy_restored():
    saved = config._policy[0]
    yield
    config._policy[0] = saved


# ------------------------------------------------------------------ policies
@pytest.mark.keras_oracle
def test_policies_match_keras(keras_module):
    kdp = keras_module.dtype_policies
    for name in POLICIES:
        ours, theirs = dtype_policies.DTypePolicy(name), kdp.DTypePolicy(name)
        assert (ours.name, ours.compute_dtype, ours.variable_dtype) == \
            (theirs.name, theirs.compute_dtype, theirs.variable_dtype)
        assert dtype_policies.serialize(ours) == kdp.serialize(theirs)
        assert dtype_policies.deserialize(kdp.serialize(theirs)) == ours
        assert repr(ours) == repr(theirs)
    assert dtype_policies.get("mixed_float16") == mixed_precision.Policy("mixed_float16")
    for bad, err in (("mixed_int8", ValueError), ("foo", ValueError), (3, TypeError)):
        with pytest.raises(err):
            kdp.DTypePolicy(bad)
        with pytest.raises(err, match="DTypePolicy|name"):
            dtype_policies.DTypePolicy(bad)


def test_global_policy():
    assert config.dtype_policy().name == "float32"
    mixed_precision.set_global_policy("mixed_bfloat16")
    assert mixed_precision.global_policy() == config.dtype_policy()
    assert config.dtype_policy().compute_dtype == "bfloat16"
    assert layers.Dense(2).dtype_policy.name == "mixed_bfloat16"
    with pytest.raises(ValueError, match="Invalid `policy`"):
        config.set_dtype_policy(None)
    config.set_dtype_policy(dtype_policies.DTypePolicy("float16"))
    assert layers.Dense(2).compute_dtype == "float16"
    K.backend.clear_session()  # as Keras, it resets the global policy
    assert config.dtype_policy().name == "float32"


# ----------------------------------------------------------- layer autocasting
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_layer_dtypes_and_autocast(engine, policy):
    low = policy.split("_")[1]
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    d = layers.Dense(5, dtype=policy)
    y = d(x)
    assert (d.dtype, d.variable_dtype, d.compute_dtype) == ("float32", "float32", low)
    assert d.kernel.dtype == "float32" and ops.dtype(y) == low
    want = (x.astype(np.float32) @ d.kernel.numpy() + d.bias.numpy())
    np.testing.assert_allclose(ops.to_numpy(ops.cast(y, "float32")), want, rtol=2e-2, atol=2e-2)
    # float islands: a float32 softmax on low-precision inputs; integers are never cast
    s = layers.Activation("softmax", dtype="float32")(y)
    assert ops.dtype(s) == "float32"
    e = layers.Embedding(10, 3, dtype=policy)
    assert ops.dtype(e(np.array([[1, 2]], "int32"))) == low
    # BatchNormalization: float32 statistics (a float16 variance of these would overflow)
    bn = layers.BatchNormalization(dtype=policy)
    big = np.random.default_rng(1).normal(300.0, 300.0, size=(16, 3)).astype("float32")
    out = bn(ops.cast(ops.convert(big), low), training=True)
    assert ops.dtype(out) == low and bn.moving_variance.dtype == "float32"
    assert np.all(np.isfinite(ops.to_numpy(ops.cast(out, "float32"))))
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.99 + 0.01 * big.var(0), rtol=2e-2)


# --------------------------------------------------------------- training
def _problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 8)).astype("float32")
    return x, np.argmax(x[:, :3], axis=1).astype("int32")


def _fit(policy, epochs=4, **compile_kw):
    config.set_dtype_policy(policy)
    K.utils.set_random_seed(0)
    model = K.Sequential([K.Input((8,)), layers.Dense(16, activation="relu"),
                          layers.BatchNormalization(), layers.Dense(3),
                          layers.Activation("softmax", dtype="float32")])
    model.compile(optimizer=compile_kw.pop("optimizer", optimizers.Adam(0.02)),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"], **compile_kw)
    x, y = _problem()
    hist = model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    config.set_dtype_policy("float32")
    return model, hist.history


_REFERENCE = {}  # the float32 run, once (the engines agree on it to ~1e-6)


def test_mixed_training_reaches_float32_accuracy(engine):
    if "float32" not in _REFERENCE:
        _REFERENCE["float32"] = _fit("float32")[1]
    ref = _REFERENCE["float32"]
    for policy in ("mixed_float16", "mixed_bfloat16"):
        model, hist = _fit(policy)
        assert isinstance(model.optimizer, optimizers.LossScaleOptimizer) == (policy == "mixed_float16")
        assert model.layers[0].kernel.dtype == "float32"
        assert hist["accuracy"][-1] >= ref["accuracy"][-1] - 0.03, (policy, hist, ref)
        assert abs(hist["loss"][-1] - ref["loss"][-1]) < 0.05, (policy, hist, ref)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_fit_recovers_from_overflowing_loss_scale(engine):
    """A scale of 2**40 overflows float16 gradients: those steps are skipped and the
    scale halves inside the (jitted) train step until training proceeds."""
    opt = optimizers.LossScaleOptimizer(optimizers.Adam(0.02), initial_scale=2.0 ** 40)
    model, hist = _fit("mixed_float16", epochs=1, optimizer=opt)
    scale = float(opt.dynamic_scale.numpy())
    assert scale < 2.0 ** 40 and scale >= 1.0
    skipped = int(np.log2(2.0 ** 40 / scale))
    assert int(opt.iterations.numpy()) == 8 - skipped
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert np.isfinite(hist["loss"][-1])


# ------------------------------------------------------------ loss scaling
_GRADS = [[8.0, 8.0], [np.inf, 1.0], [4.0, -4.0], [4.0, 4.0], [np.nan, 0.0], [2.0, 2.0], [2.0, 6.0]]


_KERAS_RUN = []


def _keras_loss_scale_run(keras):
    if _KERAS_RUN:
        return _KERAS_RUN[0]
    kopt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1, momentum=0.5),
                                               initial_scale=8.0, dynamic_growth_steps=2)
    v = keras.Variable(np.ones(2, "float32"))
    kopt.build([v])
    tv, ov = [v.value], [x.value for x in kopt.variables]
    out = []
    for g in _GRADS:
        tv, ov = kopt.stateless_apply(ov, [keras.ops.convert_to_tensor(np.float32(g))], tv)
        out.append((np.asarray(tv[0]), [np.asarray(x) for x in ov]))
    _KERAS_RUN.append(out)
    return out


@pytest.mark.keras_oracle
def test_loss_scale_optimizer_matches_keras(engine, keras_module):
    want = _keras_loss_scale_run(keras_module)
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(0.1, momentum=0.5), initial_scale=8.0,
                                        dynamic_growth_steps=2)
    v = Variable(np.ones(2, "float32"))
    pure = optimizers.LossScaleOptimizer.from_config(opt.get_config())
    w = Variable(np.ones(2, "float32"))
    pure.build([w])
    tv, ov = [w.value], [x.value for x in pure.variables]
    for g, (kv, kstate) in zip(_GRADS, want):
        opt.apply([ops.convert(np.float32(g))], [v])
        tv, ov = pure.stateless_apply(ov, [ops.convert(np.float32(g))], tv)
        for got in (v.numpy(), ops.to_numpy(tv[0])):
            np.testing.assert_allclose(got, kv, rtol=1e-6)
        assert len(opt.variables) == len(kstate)
        for a, b in zip(opt.variables, kstate):
            np.testing.assert_allclose(a.numpy(), b, rtol=1e-6)
        for a, b in zip(ov, kstate):
            np.testing.assert_allclose(ops.to_numpy(a), b, rtol=1e-6)
    assert float(opt.dynamic_scale.numpy()) == float(want[-1][1][3])
    assert set(opt.get_config()) == set(keras_module.optimizers.LossScaleOptimizer(
        keras_module.optimizers.SGD()).get_config())


def test_loss_scale_optimizer_scale_loss_and_errors(engine):
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(), initial_scale=4.0)
    assert float(ops.to_numpy(opt.scale_loss(ops.convert(np.float32(1.5))))) == 6.0
    assert mixed_precision.LossScaleOptimizer is optimizers.LossScaleOptimizer
    with pytest.raises(ValueError, match="inner_optimizer"):
        optimizers.LossScaleOptimizer("sgd")
    with pytest.raises(ValueError, match="dynamic_growth_steps"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic_growth_steps=0)
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert isinstance(again.inner_optimizer, optimizers.SGD) and again.initial_scale == 4.0


# ------------------------------------------------------------------ saving
def test_save_load_keeps_policy(engine, tmp_path):
    model, _ = _fit("mixed_float16", epochs=0)
    model.optimizer.build(model.trainable_variables)
    model.optimizer.dynamic_scale.assign(np.float32(64.0))
    cfg = model.layers[0].get_config()["dtype"]
    assert cfg == {"module": "keras", "class_name": "DTypePolicy",
                   "config": {"name": "mixed_float16"}, "registered_name": None}
    path = tmp_path / "m.keras"
    model.save(path)
    back = K.saving.load_model(path)
    assert [layer.dtype_policy.name for layer in back.layers] == \
        ["mixed_float16"] * 3 + ["float32"]
    x, y = _problem()
    np.testing.assert_allclose(ops.to_numpy(back(x[:8])), ops.to_numpy(model(x[:8])), atol=1e-6)
    assert isinstance(back.optimizer, optimizers.LossScaleOptimizer)
    for a, b in zip(back.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.keras_oracle
def test_keras_reads_and_writes_mixed_files(keras_module, tmp_path):
    config.set_backend("numpy")
    model, _ = _fit("mixed_bfloat16", epochs=1)
    x, _ = _problem()
    ours = tmp_path / "ours.keras"
    model.save(ours)
    theirs = keras_module.saving.load_model(ours)
    assert [layer.dtype_policy.name for layer in theirs.layers] == \
        ["mixed_bfloat16"] * 3 + ["float32"]
    np.testing.assert_allclose(np.asarray(theirs(x[:8])), ops.to_numpy(model(x[:8])), atol=1e-2)
    path = tmp_path / "theirs.keras"
    theirs.save(path)
    back = K.saving.load_model(path)
    assert back.layers[0].dtype_policy.name == "mixed_bfloat16"
    np.testing.assert_allclose(ops.to_numpy(back(x[:8])), np.asarray(theirs(x[:8])), atol=1e-2)


# ------------------------------------------------------- MultiOptimizer
def _two_dense():
    K.utils.set_random_seed(1)
    model = K.Sequential([K.Input((3,)), layers.Dense(4, name="enc"), layers.Dense(2, name="head")])
    return model


def test_multi_optimizer_matches_separate_optimizers(engine):
    model = _two_dense()
    tv = model.trainable_variables
    rng = np.random.default_rng(0)
    grads = [[rng.normal(size=v.shape).astype("float32") for v in tv] for _ in range(3)]
    x0 = [v.numpy() for v in tv]
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.1, momentum=0.9), {"enc/.*": optimizers.Adam(0.01)}))
    for gs in grads:
        multi.apply([ops.convert(g) for g in gs], tv)
    got = [v.numpy() for v in tv]
    # the same groups by hand, each with its own optimizer
    ref_vars = [Variable(x) for x in x0]
    adam, sgd = optimizers.Adam(0.01), optimizers.SGD(0.1, momentum=0.9)
    for gs in grads:
        adam.apply([ops.convert(g) for g in gs[:2]], ref_vars[:2])
        sgd.apply([ops.convert(g) for g in gs[2:]], ref_vars[2:])
    for a, b in zip(got, ref_vars):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-6, atol=1e-7)
    assert int(multi.iterations.numpy()) == 3 and len(multi.optimizers) == 2
    assert len(multi.variables) == 1 + len(adam.variables) + len(sgd.variables)
    with pytest.raises(AttributeError, match="sub-optimizers"):
        multi.learning_rate  # noqa: B018
    # a callable selector, in fit (the pure, jitted step where the engine compiles)
    model2 = _two_dense()
    model2.compile(optimizer=optimizers.MultiOptimizer(
        lambda v: adam2 if v.path.startswith("enc") else sgd2), loss="mse")
    adam2, sgd2 = optimizers.Adam(0.01), optimizers.SGD(0.1)
    before = [v.numpy() for v in model2.trainable_variables]
    model2.fit(np.ones((8, 3), "float32"), np.zeros((8, 2), "float32"), epochs=1, batch_size=4,
               verbose=0)
    assert int(adam2.iterations.numpy()) == 2 and int(sgd2.iterations.numpy()) == 2
    assert all(np.any(a != v.numpy()) for a, v in zip(before, model2.trainable_variables))


@pytest.mark.keras_oracle
def test_multi_optimizer_config_and_map_match_keras(keras_module):
    kopt = keras_module.optimizers
    m = optimizers.OptimizerMap(optimizers.RMSprop(), {"encoder/.*": optimizers.SGD(),
                                                       "decoder": optimizers.Adam()})
    km = kopt.OptimizerMap(kopt.RMSprop(), {"encoder/.*": kopt.SGD(), "decoder": kopt.Adam()})
    for key in ("decoder", "encoder/layer_0/dense", "decoder/layer_0/dense"):
        assert type(m[key]).__name__ == type(km[key]).__name__
    with pytest.raises(ValueError, match="already exists"):
        m["decoder"] = optimizers.SGD()
    with pytest.raises(ValueError, match="LossScaleOptimizer"):
        m["x"] = optimizers.LossScaleOptimizer(optimizers.SGD())
    ours = optimizers.serialize(optimizers.MultiOptimizer(m))
    theirs = kopt.serialize(kopt.MultiOptimizer(km))
    assert set(ours["config"]) == set(theirs["config"])
    assert ours["config"]["optimizer_map"]["class_name"] == "OptimizerMap"
    back = optimizers.deserialize(theirs)
    assert isinstance(back, optimizers.MultiOptimizer)
    assert type(back._optimizer_map["encoder/x"]).__name__ == "SGD"
