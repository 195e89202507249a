"""Ftrl, Lamb and Adafactor on every engine.

Each runs 12 steps on a rank-2, a rank-1 and a rank-3 variable with a fixed
gradient sequence and is compared with a float64 NumPy implementation of its
rule written here in textbook form; ``keras_oracle`` tests compare weights,
state (names, shapes, values) and config keys with Keras 3 itself.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from kerasette import config, layers, models, ops, optimizers
from kerasette.utils import set_random_seed
from kerasette.variables import Variable, bind_values, get_values

from .conftest import ENGINES
from .test_optimizers import _ids, keras_reference_run
from .test_optimizers import _run as _run_named

N_STEPS = 12
RTOL, ATOL = 2e-4, 1e-6
NAMES = ("kernel", "bias", "conv")


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x0 = [rng.normal(size=(3, 2)), rng.normal(size=(4,)), rng.normal(size=(2, 3, 4))]
    grads = [[rng.normal(size=x.shape) for x in x0] for _ in range(N_STEPS)]
    return x0, grads


# ------------------------------------------------------------ float64 reference
def _ftrl(kw, lr):
    p = -kw.get("learning_rate_power", -0.5)
    l1 = kw.get("l1_regularization_strength", 0.0)
    l2 = kw.get("l2_regularization_strength", 0.0)
    shrink = kw.get("l2_shrinkage_regularization_strength", 0.0)
    beta = kw.get("beta", 0.0)
    n0 = kw.get("initial_accumulator_value", 0.1)

    def step(t, x, g, s):
        n = s.get("n", np.full_like(x, n0))
        z = s.get("z", np.zeros_like(x))
        g_shrunk = g + 2.0 * shrink * x
        n_new = n + g * g
        sigma = (n_new ** p - n ** p) / lr
        z = z + g_shrunk - sigma * x
        denom = n_new ** p / lr + 2.0 * (l2 + beta / (2.0 * lr))
        # the proximal step: 0 inside the L1 ball, else shrink z towards 0 by l1
        x = np.where(np.abs(z) <= l1, 0.0, (np.sign(z) * l1 - z) / denom)
        s.update(n=n_new, z=z)
        return x
    return step


def _lamb(kw, lr):
    b1, b2, eps = kw.get("beta_1", 0.9), kw.get("beta_2", 0.999), kw.get("epsilon", 1e-7)

    def step(t, x, g, s):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        u = (s["m"] / (1 - b1 ** t)) / (np.sqrt(s["v"] / (1 - b2 ** t)) + eps)
        w_norm, u_norm = np.linalg.norm(x), np.linalg.norm(u)
        trust = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        return x - lr * trust * u
    return step


def _adafactor(kw, lr):
    decay = kw.get("beta_2_decay", -0.8)
    eps1, eps2 = kw.get("epsilon_1", 1e-30), kw.get("epsilon_2", 1e-3)
    clip = kw.get("clip_threshold", 1.0)

    def rms(a):
        return math.sqrt(np.mean(a * a))

    def step(t, x, g, s):
        rho = min(lr, 1.0 / math.sqrt(t))
        alpha = max(eps2, rms(x)) * rho
        b = 1.0 - t ** decay
        sq = g * g + eps1
        if x.ndim >= 2:
            s["r"] = b * s.get("r", 0.0) + (1 - b) * sq.mean(axis=-1)
            s["c"] = b * s.get("c", 0.0) + (1 - b) * sq.mean(axis=-2)
            row = s["r"] / s["r"].mean(axis=-1, keepdims=True)
            v = row[..., :, None] * s["c"][..., None, :]
        else:
            v = s["v"] = b * s.get("v", 0.0) + (1 - b) * sq
        u = g / np.sqrt(v)
        u = u / max(1.0, rms(u) / clip)
        return x - alpha * u
    return step


RULES = {"ftrl": _ftrl, "lamb": _lamb, "adafactor": _adafactor}


def ref_trajectory(kind, kw, x0, grads, lr):
    """Weights after each step, float64 (weight decay first, as Keras)."""
    rule = RULES[kind](kw, lr)
    wd = kw.get("weight_decay")
    xs = [np.array(x, dtype=np.float64) for x in x0]
    st = [dict() for _ in xs]
    out = []
    for t, gs in enumerate(grads, start=1):
        for k, g in enumerate(gs):
            x = xs[k]
            if wd:
                x = x - lr * wd * x
            xs[k] = rule(t, x, np.asarray(g, np.float64), st[k])
        out.append([x.copy() for x in xs])
    return out


CASES = [
    ("ftrl", optimizers.Ftrl, {}, 0.1),
    ("ftrl", optimizers.Ftrl, {"l1_regularization_strength": 0.05,
                               "l2_regularization_strength": 0.1,
                               "l2_shrinkage_regularization_strength": 0.05, "beta": 0.5,
                               "learning_rate_power": -0.7, "initial_accumulator_value": 0.5},
     0.1),
    ("ftrl", optimizers.Ftrl, {"learning_rate_power": 0.0, "initial_accumulator_value": 0.0}, 0.05),
    ("lamb", optimizers.Lamb, {}, 0.01),
    ("lamb", optimizers.Lamb, {"beta_1": 0.8, "beta_2": 0.99, "weight_decay": 0.1}, 0.01),
    ("adafactor", optimizers.Adafactor, {}, 0.1),
    ("adafactor", optimizers.Adafactor, {"clip_threshold": 0.5, "beta_2_decay": -0.5,
                                         "epsilon_2": 0.01}, 0.01),
    ("adafactor", optimizers.Adafactor, {"relative_step": False}, 0.5),
]


def _run(opt, x0, grads):
    return _run_named(opt, x0, grads, names=NAMES)


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_matches_float64_reference(engine, case):
    kind, cls, kw, lr = case
    x0, grads = _data()
    opt = cls(learning_rate=lr, **kw)
    _, traj = _run(opt, x0, grads)
    ref = ref_trajectory(kind, kw, x0, grads, lr)
    for step, (got, want) in enumerate(zip(traj, ref)):
        for a, b, name in zip(got, want, NAMES):
            assert a.dtype == np.float32
            np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL,
                                       err_msg=f"{kind} {name} step {step + 1}")
    assert int(opt.iterations.numpy()) == N_STEPS


def test_ftrl_l1_gives_exact_zeros(engine):
    x0, grads = _data(4)
    opt = optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=100.0)
    vs, _ = _run(opt, x0, grads[:3])
    for v in vs:  # |z| stays below a large l1: every weight is exactly 0
        np.testing.assert_array_equal(v.numpy(), 0.0)


def test_state_variables_names_shapes_order(engine):
    x0, _ = _data()
    vs = [Variable(np.asarray(x, np.float32), name=n) for x, n in zip(x0, NAMES)]
    ftrl = optimizers.Ftrl(initial_accumulator_value=0.25)
    ftrl.build(vs)
    assert [v.name for v in ftrl.variables] == [
        "iteration", "learning_rate", "kernel_accumulator", "kernel_linear",
        "bias_accumulator", "bias_linear", "conv_accumulator", "conv_linear"]
    np.testing.assert_array_equal(ftrl.variables[2].numpy(), np.full((3, 2), 0.25, np.float32))
    lamb = optimizers.Lamb()
    lamb.build(vs)
    assert [v.name for v in lamb.variables][2:] == [
        "kernel_momentum", "kernel_velocity", "bias_momentum", "bias_velocity",
        "conv_momentum", "conv_velocity"]
    ada = optimizers.Adafactor()
    ada.build(vs)
    got = [(v.name, tuple(v.shape), v.dtype) for v in ada.variables][2:]
    assert got == [("kernel", (3,), "float32"), ("kernel", (2,), "float32"),
                   ("kernel_velocity", (3, 2), "float32"),
                   ("bias", (), "int32"), ("bias", (), "int32"),
                   ("bias_velocity", (4,), "float32"),
                   ("conv", (2, 3), "float32"), ("conv", (2, 4), "float32"),
                   ("conv_velocity", (2, 3, 4), "float32")]
    assert all(not v.trainable for v in ada.variables)


def test_argument_checks():
    for kw in ({"learning_rate_power": 0.5}, {"initial_accumulator_value": -1.0},
               {"l1_regularization_strength": -0.1}, {"l2_regularization_strength": -0.1},
               {"l2_shrinkage_regularization_strength": -0.1}):
        with pytest.raises(ValueError, match=next(iter(kw))):
            optimizers.Ftrl(**kw)
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Lamb(beta_3=0.5)


ALL = [optimizers.Ftrl(learning_rate=0.2, l1_regularization_strength=0.01, beta=0.1),
       optimizers.Lamb(learning_rate=0.003, beta_1=0.8, weight_decay=0.01, clipnorm=1.0),
       optimizers.Adafactor(learning_rate=0.05, clip_threshold=2.0, relative_step=False,
                            use_ema=True)]


@pytest.mark.parametrize("opt", ALL, ids=lambda o: type(o).__name__)
def test_config_round_trip(opt):
    cfg = opt.get_config()
    again = type(opt).from_config(cfg)
    assert again.get_config() == cfg
    ser = optimizers.serialize(opt)
    assert ser["class_name"] == type(opt).__name__ and ser["module"] == "keras.optimizers"
    assert ser["registered_name"] is None
    assert optimizers.deserialize(ser).get_config() == cfg
    name = type(opt).__name__
    assert optimizers.get({"class_name": name.lower(), "config": cfg}).get_config() == cfg
    assert type(optimizers.get(name.lower())) is type(opt)
    assert type(optimizers.get(name)) is type(opt)


def test_defaults_match_keras_signature():
    assert {k: v for k, v in optimizers.Ftrl().get_config().items() if k not in ("name",)} == {
        "learning_rate": 0.001, "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
        "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
        "ema_overwrite_frequency": None, "loss_scale_factor": None,
        "gradient_accumulation_steps": None, "learning_rate_power": -0.5,
        "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
        "l2_regularization_strength": 0.0, "l2_shrinkage_regularization_strength": 0.0,
        "beta": 0.0}
    lamb = optimizers.Lamb().get_config()
    assert (lamb["beta_1"], lamb["beta_2"], lamb["epsilon"]) == (0.9, 0.999, 1e-7)
    ada = optimizers.Adafactor().get_config()
    assert [ada[k] for k in ("beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold",
                             "relative_step")] == [-0.8, 1e-30, 1e-3, 1.0, True]
    with pytest.warns(DeprecationWarning, match="lr"):
        assert optimizers.Lamb(lr=0.02).get_config()["learning_rate"] == 0.02


@pytest.mark.parametrize("cls", [optimizers.Ftrl, optimizers.Lamb, optimizers.Adafactor])
def test_state_save_and_load(engine, cls):
    x0, grads = _data(5)
    opt = cls(learning_rate=0.05)
    vs, _ = _run(opt, x0, grads[:2])
    store = {}
    opt.save_own_variables(store)
    fresh = cls(learning_rate=0.05)
    fresh.build(vs)
    fresh.load_own_variables(store)
    for a, b in zip(opt.variables, fresh.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert int(fresh.iterations.numpy()) == 2


@pytest.mark.parametrize("cls", [optimizers.Ftrl, optimizers.Lamb, optimizers.Adafactor])
def test_pure_step_matches_stateful(engine, cls):
    """The trainer's mechanism (jitted on JAX): bind values, apply, read back."""
    x0, grads = _data(1)
    opt_a, opt_b = cls(learning_rate=0.05), cls(learning_rate=0.05)
    _, traj = _run(opt_a, x0, grads)
    vs = [Variable(np.asarray(x, np.float32), name=n) for x, n in zip(x0, NAMES)]
    opt_b.build(vs)
    all_vars = vs + opt_b.variables

    def step(values, gs):
        with bind_values(all_vars, values):
            opt_b.apply(gs, vs)
            return get_values(all_vars)

    if engine.name == "jax":
        step = ops.jit(step)
    values = get_values(all_vars)
    for gs in grads:
        values = step(values, [ops.convert(np.asarray(g, np.float32)) for g in gs])
    for got, want in zip(values[:3], traj[-1]):
        np.testing.assert_allclose(ops.convert_to_numpy(got), want, rtol=1e-5, atol=1e-6)
    for got, want in zip(values[3:], opt_a.variables):
        np.testing.assert_allclose(ops.convert_to_numpy(got), want.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,lr", [("ftrl", 0.5), ("lamb", 0.02), ("adafactor", 0.05), ("muon", 0.02),
                                     ("schedulefreeadamw", 0.02)])
def test_model_trains_with_fit(engine, name, lr):
    set_random_seed(7)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(96, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 2)) + 0.1).astype("float32")
    model = models.Sequential([layers.Input(shape=(5,)), layers.Dense(8, activation="tanh"),
                               layers.Dense(2)])
    opt = optimizers.get({"class_name": name, "config": {"learning_rate": lr}})
    model.compile(optimizer=opt, loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=8, shuffle=False, verbose=0)
    losses = history.history["loss"]
    assert all(np.isfinite(losses))
    assert losses[-1] < 0.8 * losses[0], losses
    assert int(opt.iterations.numpy()) == 8 * 6


# ------------------------------------------------------------- Keras oracle
ORACLE = [
    ("Ftrl", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.05,
              "l2_regularization_strength": 0.1, "l2_shrinkage_regularization_strength": 0.05,
              "beta": 0.5, "learning_rate_power": -0.7, "clipnorm": 1.0}),
    ("Lamb", {"learning_rate": 0.01}),
    ("Lamb", {"learning_rate": 0.01, "weight_decay": 0.1, "beta_1": 0.8}),
    ("Adafactor", {"learning_rate": 0.1}),
    ("Adafactor", {"learning_rate": 0.01, "clip_threshold": 0.5, "relative_step": False,
                   "global_clipnorm": 3.0}),
    ("Lamb", {"learning_rate": 0.01, "gradient_accumulation_steps": 2, "use_ema": True}),
    ("Muon", {"learning_rate": 0.01}),
    ("Muon", {"learning_rate": 0.02, "nesterov": False, "rms_rate": None, "adam_lr_ratio": 0.1,
              "weight_decay": 0.01, "adam_weight_decay": 0.02, "ns_steps": 3}),
    ("Muon", {"learning_rate": 0.01, "exclude_layers": ["kernel"], "clipnorm": 1.0}),
    ("ScheduleFreeAdamW", {"learning_rate": 0.01}),
    ("ScheduleFreeAdamW", {"learning_rate": 0.02, "warmup_steps": 2, "beta_1": 0.8, "weight_decay": 0.01}),
]

_KERAS_RUNS = {}


@pytest.mark.keras_oracle
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras's own __array__ notice
@pytest.mark.parametrize("name,kw", ORACLE, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ORACLE)])
def test_matches_keras(engine, keras_module, name, kw):
    want_vars, want_state, want_cfg = keras_reference_run(keras_module, name, kw, _data(3), NAMES,
                                                          _KERAS_RUNS)
    x0, grads = _data(3)
    opt = getattr(optimizers, name)(**kw)
    vs, _ = _run(opt, x0, grads)
    for a, b in zip(vs, want_vars):
        np.testing.assert_allclose(a.numpy(), b, rtol=RTOL, atol=ATOL)
    assert [v.name for v in opt.variables] == [n for n, _ in want_state]
    for a, (n, b) in zip(opt.variables, want_state):
        assert tuple(a.shape) == b.shape, n
        np.testing.assert_allclose(a.numpy(), b, rtol=RTOL, atol=1e-5, err_msg=n)
    cfg = opt.get_config()
    assert set(cfg) == set(want_cfg)
    for k, v in want_cfg.items():
        if k not in ("name", "learning_rate"):
            assert cfg[k] == v, k
    np.testing.assert_allclose(cfg["learning_rate"], want_cfg["learning_rate"], rtol=1e-6)


@pytest.mark.parametrize("name", ["ftrl", "lamb", "adafactor"])
def test_model_save_and_load_keeps_optimizer(engine, tmp_path, name):
    from kerasette import saving

    set_random_seed(3)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 3)).astype("float32")
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3)])
    model.compile(optimizer=name, loss="mse")
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = saving.load_model(path)
    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert int(loaded.optimizer.iterations.numpy()) == 2
    want = [v.numpy() for v in model.optimizer.variables]
    got = [v.numpy() for v in loaded.optimizer.variables]
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    # training resumes identically
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["ftrl", "lamb", "adafactor"])
def test_engines_agree_after_fit(name):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(48, 5)).astype("float32")
    y = rng.normal(size=(48, 2)).astype("float32")
    results = {}
    previous = config._active
    try:
        for eng in ENGINES:
            config.set_backend(eng)
            set_random_seed(11)
            model = models.Sequential([layers.Input(shape=(5,)), layers.Dense(6, activation="tanh"),
                                       layers.Dense(2)])
            model.compile(optimizer=optimizers.get({"class_name": name,
                                                    "config": {"learning_rate": 0.05}}),
                          loss="mse")
            model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
            results[eng] = model.get_weights()
    finally:
        config._active = previous
    first = results[ENGINES[0]]
    for eng, ws in results.items():
        for a, b in zip(first, ws):
            np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5, err_msg=eng)
