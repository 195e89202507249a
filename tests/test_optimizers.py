"""Optimizers and learning-rate schedules on every engine.

Each optimizer runs N steps on two variables with a fixed gradient sequence and
is compared with an independent NumPy float64 implementation of its update rule
(written from the papers/Keras docs in textbook form). ``keras_oracle`` tests
compare trajectories with Keras 3 itself.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from kerasette import ops, optimizers
from kerasette.optimizers import schedules
from kerasette.variables import Variable, bind_values, get_values

N_STEPS = 5
RTOL, ATOL = 1e-5, 1e-6


# ------------------------------------------------------------ float64 reference
def _data(seed=0):
    rng = np.random.default_rng(seed)
    x0 = [rng.normal(size=(3, 2)), rng.normal(size=(4,))]
    grads = [[rng.normal(size=x.shape) for x in x0] for _ in range(N_STEPS)]
    return x0, grads


def ref_trajectory(kind, kw, x0, grads, lr):
    """Weights after each step, float64, textbook form of each rule."""
    xs = [np.array(x, dtype=np.float64) for x in x0]
    st = [dict() for _ in xs]
    b1, b2 = kw.get("beta_1", 0.9), kw.get("beta_2", 0.999)
    eps = kw.get("epsilon", 1e-7)
    wd = kw.get("weight_decay", 0.004 if kind == "adamw" else None)
    prod_mu = 1.0
    out = []
    for t, gs in enumerate(grads, start=1):
        if kind == "nadam":
            mu_t = b1 * (1 - 0.5 * 0.96 ** t)
            mu_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
            prod_mu *= mu_t
        for k, (x, g) in enumerate(zip(xs, gs)):
            s = st[k]
            if wd:
                x = x - lr * wd * x
            if kind == "sgd":
                mom = kw.get("momentum", 0.0)
                if mom:
                    v = s.get("v", 0.0) * mom - lr * g
                    s["v"] = v
                    x = x + (mom * v - lr * g if kw.get("nesterov") else v)
                else:
                    x = x - lr * g
            elif kind == "rmsprop":
                rho, mom = kw.get("rho", 0.9), kw.get("momentum", 0.0)
                s["ms"] = rho * s.get("ms", 0.0) + (1 - rho) * g * g
                if kw.get("centered"):
                    s["mg"] = rho * s.get("mg", 0.0) + (1 - rho) * g
                    step = lr * g / np.sqrt(s["ms"] - s["mg"] ** 2 + eps)
                else:
                    step = lr * g / np.sqrt(s["ms"] + eps)
                if mom:
                    s["mom"] = mom * s.get("mom", 0.0) + step
                    step = s["mom"]
                x = x - step
            elif kind in ("adam", "adamw"):
                s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
                s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
                v = s["v"]
                if kw.get("amsgrad"):
                    s["vmax"] = np.maximum(s.get("vmax", 0.0), v)
                    v = s["vmax"]
                alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                x = x - alpha * s["m"] / (np.sqrt(v) + eps)
            elif kind == "adagrad":
                s["a"] = s.get("a", kw.get("initial_accumulator_value", 0.1)) + g * g
                x = x - lr * g / np.sqrt(s["a"] + eps)
            elif kind == "adadelta":
                rho = kw.get("rho", 0.95)
                s["eg"] = rho * s.get("eg", 0.0) + (1 - rho) * g * g
                dx = np.sqrt(s.get("ed", 0.0) + eps) / np.sqrt(s["eg"] + eps) * g
                s["ed"] = rho * s.get("ed", 0.0) + (1 - rho) * dx * dx
                x = x - lr * dx
            elif kind == "adamax":
                s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
                s["u"] = np.maximum(b2 * s.get("u", 0.0), np.abs(g))
                x = x - lr / (1 - b1 ** t) * s["m"] / (s["u"] + eps)
            elif kind == "nadam":
                s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
                s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
                m_hat = mu_next * s["m"] / (1 - prod_mu * mu_next) + (1 - mu_t) * g / (1 - prod_mu)
                v_hat = s["v"] / (1 - b2 ** t)
                x = x - lr * m_hat / (np.sqrt(v_hat) + eps)
            elif kind == "lion":
                b2 = kw.get("beta_2", 0.99)
                x = x - lr * np.sign(b1 * s.get("m", 0.0) + (1 - b1) * g)
                s["m"] = b2 * s.get("m", 0.0) + (1 - b2) * g
            else:
                raise AssertionError(kind)
            xs[k] = x
        out.append([x.copy() for x in xs])
    return out


CASES = [
    ("sgd", optimizers.SGD, {}, 0.1),
    ("sgd", optimizers.SGD, {"momentum": 0.9}, 0.1),
    ("sgd", optimizers.SGD, {"momentum": 0.8, "nesterov": True}, 0.1),
    ("rmsprop", optimizers.RMSprop, {}, 0.01),
    ("rmsprop", optimizers.RMSprop, {"momentum": 0.5, "centered": True, "rho": 0.8}, 0.01),
    ("adam", optimizers.Adam, {}, 0.01),
    ("adam", optimizers.Adam, {"amsgrad": True, "beta_1": 0.8}, 0.01),
    ("adamw", optimizers.AdamW, {"weight_decay": 0.1}, 0.01),
    ("adagrad", optimizers.Adagrad, {}, 0.1),
    ("adadelta", optimizers.Adadelta, {}, 1.0),
    ("adamax", optimizers.Adamax, {}, 0.01),
    ("nadam", optimizers.Nadam, {}, 0.01),
    ("lion", optimizers.Lion, {}, 0.01),
    ("sgd", optimizers.SGD, {"weight_decay": 0.05, "momentum": 0.5}, 0.1),
]


def _ids(case):
    kind, _, kw, _ = case
    return kind + "".join(f"-{k}" for k in kw)


def _run(opt, x0, grads, names=("kernel", "bias")):
    vs = [Variable(np.asarray(x, np.float32), name=n) for x, n in zip(x0, names)]
    traj = []
    for gs in grads:
        opt.apply([ops.convert(np.asarray(g, np.float32)) for g in gs], vs)
        traj.append([v.numpy() for v in vs])
    return vs, traj


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_matches_float64_reference(engine, case):
    kind, cls, kw, lr = case
    x0, grads = _data()
    opt = cls(learning_rate=lr, **kw)
    _, traj = _run(opt, x0, grads)
    ref = ref_trajectory(kind, kw, x0, grads, lr)
    for step, (got, want) in enumerate(zip(traj, ref)):
        for a, b in zip(got, want):
            assert a.dtype == np.float32
            np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=f"{kind} step {step + 1}")
    assert int(opt.iterations.numpy()) == N_STEPS


def test_variables_order_names_and_dtypes(engine):
    x0, grads = _data()
    opt = optimizers.Adam(amsgrad=True)
    vs, _ = _run(opt, x0, grads[:1])
    names = [v.name for v in opt.variables]
    assert names == ["iteration", "learning_rate",
                     "kernel_momentum", "kernel_velocity", "bias_momentum", "bias_velocity",
                     "kernel_velocity_hat", "bias_velocity_hat"]
    assert opt.iterations.dtype == ("int32" if engine.name == "jax" else "int64")
    assert opt.variables[1].dtype == "float32"
    assert all(not v.trainable for v in opt.variables)
    rms = optimizers.RMSprop(momentum=0.5, centered=True)
    rms.build(vs)
    assert [v.name for v in rms.variables][2:] == [
        "kernel_velocity", "bias_velocity", "kernel_momentum", "bias_momentum",
        "kernel_average_gradient", "bias_average_gradient"]
    nadam = optimizers.Nadam()
    nadam.build(vs)
    assert len(nadam.variables) == 2 + 4 + 1  # + u_product, last (Keras's order)
    sched = optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5))
    sched.build(vs)
    assert [v.name for v in sched.variables] == ["iteration"]


def test_schedules_match_formulas(engine):
    steps = [0, 3, 7, 12, 19, 25, 100]
    pi = math.pi

    def cos_dec(s, d, a):
        s = min(s, d)
        return (1 - a) * 0.5 * (1 + math.cos(pi * s / d)) + a

    def sgdr(s, first, t_mul, m_mul, alpha):
        frac = s / first
        if t_mul == 1.0:
            i = math.floor(frac)
            frac -= i
        else:
            i = math.floor(math.log(1 - frac * (1 - t_mul)) / math.log(t_mul))
            frac = (frac - (1 - t_mul ** i) / (1 - t_mul)) / t_mul ** i
        return 0.1 * ((1 - alpha) * 0.5 * m_mul ** i * (1 + math.cos(pi * frac)) + alpha)

    def warm_cos(s):
        s = min(s, 20 + 5)
        if s < 5:
            return (0.2 - 0.01) * s / 5 + 0.01
        return 0.2 * cos_dec(s - 5, 20, 0.1)

    cases = [
        (schedules.ExponentialDecay(0.1, 10, 0.5), lambda s: 0.1 * 0.5 ** (s / 10)),
        (schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
         lambda s: 0.1 * 0.5 ** (s // 10)),
        (schedules.PiecewiseConstantDecay([5, 19], [1.0, 0.5, 0.1]),
         lambda s: 1.0 if s <= 5 else (0.5 if s <= 19 else 0.1)),
        (schedules.PolynomialDecay(0.1, 20, 0.01, power=2.0),
         lambda s: (0.1 - 0.01) * (1 - min(s, 20) / 20) ** 2 + 0.01),
        (schedules.PolynomialDecay(0.1, 20, 0.01, cycle=True),
         lambda s: (0.1 - 0.01) * (1 - s / (20 * max(1, math.ceil(s / 20)))) + 0.01),
        (schedules.InverseTimeDecay(0.1, 4, 0.5), lambda s: 0.1 / (1 + 0.5 * s / 4)),
        (schedules.InverseTimeDecay(0.1, 4, 0.5, staircase=True),
         lambda s: 0.1 / (1 + 0.5 * (s // 4))),
        (schedules.CosineDecay(0.1, 30, alpha=0.1), lambda s: 0.1 * cos_dec(s, 30, 0.1)),
        (schedules.CosineDecay(0.01, 20, alpha=0.1, warmup_target=0.2, warmup_steps=5), warm_cos),
        (schedules.CosineDecayRestarts(0.1, 9, alpha=0.05), lambda s: sgdr(s, 9, 2.0, 1.0, 0.05)),
        (schedules.CosineDecayRestarts(0.1, 9, t_mul=1.0, m_mul=0.5),
         lambda s: sgdr(s, 9, 1.0, 0.5, 0.0)),
    ]
    int_dtype = "int32" if engine.name == "jax" else "int64"
    for sched, formula in cases:
        for s in steps:
            got = ops.convert_to_numpy(sched(ops.convert(s, int_dtype)))
            assert got.dtype == np.float32, type(sched).__name__
            np.testing.assert_allclose(got, formula(s), rtol=1e-5, atol=1e-7,
                                       err_msg=f"{type(sched).__name__} at step {s}")
        again = type(sched).from_config(sched.get_config())
        assert again.get_config() == sched.get_config()
        assert schedules.deserialize(schedules.serialize(sched)).get_config() == sched.get_config()


def test_schedule_drives_optimizer(engine):
    sched = schedules.ExponentialDecay(0.1, 1, 0.5)
    opt = optimizers.SGD(learning_rate=sched)
    v = Variable(np.zeros(2, np.float32))
    for _ in range(3):
        opt.apply([ops.ones((2,))], [v])
    np.testing.assert_allclose(v.numpy(), -(0.1 + 0.05 + 0.025), rtol=1e-6)
    np.testing.assert_allclose(float(opt.learning_rate), 0.1 * 0.5 ** 3, rtol=1e-6)
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.5
    opt = optimizers.SGD(learning_rate=lambda: 0.25)  # a callable, as Keras allows
    v = Variable(np.zeros(2, np.float32))
    opt.apply([ops.ones((2,))], [v])
    np.testing.assert_allclose(v.numpy(), -0.25)
    assert [x.name for x in opt.variables] == ["iteration"]


@pytest.mark.parametrize("clip", ["clipnorm", "clipvalue", "global_clipnorm"])
def test_gradient_clipping(engine, clip):
    g = [np.array([3.0, 4.0], np.float32), np.array([[12.0]], np.float32)]
    if clip == "clipnorm":
        want = [g[0] / 5.0, g[1] / 12.0]  # each to norm 1
    elif clip == "clipvalue":
        want = [np.clip(x, -1.0, 1.0) for x in g]
    else:
        want = [x / 13.0 for x in g]  # global norm 13 -> 1
    opt = optimizers.SGD(learning_rate=1.0, **{clip: 1.0})
    vs = [Variable(np.zeros_like(x)) for x in g]
    opt.apply([ops.convert(x) for x in g], vs)
    for v, w in zip(vs, want):
        np.testing.assert_allclose(v.numpy(), -w, rtol=1e-6)
    # small gradients pass unchanged
    opt = optimizers.SGD(learning_rate=1.0, **{clip: 100.0})
    vs = [Variable(np.zeros_like(x)) for x in g]
    opt.apply([ops.convert(x) for x in g], vs)
    for v, x in zip(vs, g):
        np.testing.assert_allclose(v.numpy(), -x, rtol=1e-6)
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_weight_decay_and_exclusion(engine):
    opt = optimizers.SGD(learning_rate=0.5, weight_decay=0.1)
    w = Variable(np.full((2,), 2.0, np.float32), name="kernel")
    b = Variable(np.full((2,), 2.0, np.float32), name="bias")
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply([ops.zeros((2,)), ops.zeros((2,))], [w, b])
    np.testing.assert_allclose(w.numpy(), 2.0 - 2.0 * 0.1 * 0.5, rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), 2.0)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["kernel"])
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)


def test_keras2_arguments(engine):
    with pytest.warns(DeprecationWarning, match="The `lr` argument is deprecated, use "
                                                "`learning_rate` instead."):
        opt = optimizers.SGD(lr=0.5)
    assert opt.get_config()["learning_rate"] == 0.5
    with pytest.warns(DeprecationWarning, match="decay"):
        opt = optimizers.SGD(learning_rate=1.0, decay=0.5)
    v = Variable(np.zeros(1, np.float32))
    for _ in range(3):  # Keras 2: lr / (1 + decay * iterations)
        opt.apply([ops.ones((1,))], [v])
    np.testing.assert_allclose(v.numpy(), -(1.0 + 1 / 1.5 + 1 / 2.0), rtol=1e-6)
    with pytest.warns(DeprecationWarning, match="decay"):
        assert optimizers.SGD.from_config(opt.get_config()).decay == 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.Adam(decay=0.0)  # Keras 2 configs carry decay=0.0
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(foo=1)
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.Adam(learning_rate="fast")


def test_get_and_aliases():
    for name in ("sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "adamax", "nadam",
                 "lion", "RMSProp", "Adam", "SGD"):
        assert isinstance(optimizers.get(name), optimizers.Optimizer)
    assert type(optimizers.get("RMSProp")) is optimizers.RMSprop
    with pytest.raises(ValueError, match="adam"):
        optimizers.get("adamm")
    opt = optimizers.Adam()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret"):
        optimizers.get(3)


ALL = [optimizers.SGD(momentum=0.9, nesterov=True), optimizers.RMSprop(centered=True),
       optimizers.Adam(amsgrad=True), optimizers.AdamW(weight_decay=0.01),
       optimizers.Adagrad(initial_accumulator_value=0.2), optimizers.Adadelta(rho=0.9),
       optimizers.Adamax(beta_2=0.99), optimizers.Nadam(epsilon=1e-6), optimizers.Lion(beta_2=0.9),
       optimizers.Adam(learning_rate=schedules.CosineDecay(0.1, 100, warmup_target=0.2,
                                                           warmup_steps=3),
                       clipnorm=1.0, use_ema=True, gradient_accumulation_steps=2)]


@pytest.mark.parametrize("opt", ALL, ids=lambda o: type(o).__name__)
def test_config_round_trip(opt):
    cfg = opt.get_config()
    for key in ("name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm",
                "clipvalue", "use_ema", "ema_momentum", "ema_overwrite_frequency",
                "loss_scale_factor", "gradient_accumulation_steps"):
        assert key in cfg
    again = type(opt).from_config(cfg)
    assert again.get_config() == cfg
    ser = optimizers.serialize(opt)
    assert ser["class_name"] == type(opt).__name__ and ser["module"] == "keras.optimizers"
    assert optimizers.deserialize(ser).get_config() == cfg
    assert optimizers.get({"class_name": type(opt).__name__.lower(), "config": cfg}).get_config() == cfg


def test_learning_rate_property_and_iterations(engine):
    opt = optimizers.Adam(learning_rate=0.01)
    assert opt.learning_rate == 0.01  # a Python float before any state exists
    opt.learning_rate = 0.02
    v = Variable(np.zeros(3, np.float32))
    opt.apply([ops.ones((3,))], [v])
    np.testing.assert_allclose(float(opt.learning_rate), 0.02, rtol=1e-6)
    opt.learning_rate = 0.005  # what ReduceLROnPlateau / LearningRateScheduler do
    assert opt._learning_rate_var.dtype == "float32"
    np.testing.assert_allclose(float(opt.learning_rate), 0.005, rtol=1e-6)
    opt.apply_gradients([(ops.ones((3,)), v)])
    assert int(opt.iterations.numpy()) == 2
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply([ops.ones((3,))], [Variable(np.zeros(3, np.float32))])


def test_missing_gradient_is_skipped(engine):
    opt = optimizers.SGD(learning_rate=1.0)
    a, b = Variable(np.zeros(2, np.float32), name="a"), Variable(np.zeros(2, np.float32), name="b")
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply([ops.ones((2,)), None], [a, b])
    np.testing.assert_allclose(a.numpy(), -1.0)
    np.testing.assert_allclose(b.numpy(), 0.0)


def test_pure_step_matches_stateful(engine):
    """The trainer's mechanism: bind explicit values, apply, read them back."""
    x0, grads = _data(1)
    opt_a, opt_b = optimizers.Nadam(learning_rate=0.01), optimizers.Nadam(learning_rate=0.01)
    vs_a, traj = _run(opt_a, x0, grads)
    vs_b = [Variable(np.asarray(x, np.float32)) for x in x0]
    opt_b.build(vs_b)
    state = get_values(opt_b.variables)
    params = get_values(vs_b)
    all_vars = vs_b + opt_b.variables

    def step(params, state, gs):
        with bind_values(all_vars, list(params) + list(state)):
            opt_b.apply(gs, vs_b)
            return get_values(vs_b), get_values(opt_b.variables)

    if engine.name == "jax":
        step = ops.jit(step)
    for gs in grads:
        params, state = step(params, state, [ops.convert(np.asarray(g, np.float32)) for g in gs])
    for got, want in zip(params, traj[-1]):
        np.testing.assert_allclose(ops.convert_to_numpy(got), want, rtol=RTOL, atol=ATOL)
    # the variables themselves are untouched by the pure step
    np.testing.assert_array_equal(vs_b[0].numpy(), np.asarray(x0[0], np.float32))
    assert int(ops.convert_to_numpy(state[0])) == N_STEPS


@pytest.mark.parametrize("opt_fn", [
    lambda: optimizers.Adam(learning_rate=schedules.CosineDecay(0.1, 10, warmup_target=0.2,
                                                               warmup_steps=2), clipnorm=1.0),
    lambda: optimizers.SGD(learning_rate=schedules.PiecewiseConstantDecay([2], [0.1, 0.01]),
                           momentum=0.9, global_clipnorm=1.0, weight_decay=0.01),
    lambda: optimizers.RMSprop(use_ema=True, ema_overwrite_frequency=2,
                               gradient_accumulation_steps=2),
], ids=["adam-cosine-clipnorm", "sgd-piecewise", "rmsprop-ema-accumulate"])
def test_jit_matches_eager(engine, opt_fn):
    if engine.name != "jax":
        pytest.skip("jit compiles on the jax engine only")
    x0, grads = _data(2)
    opt_a = opt_fn()
    _, traj = _run(opt_a, x0, grads)
    opt_b = opt_fn()
    vs = [Variable(np.asarray(x, np.float32)) for x in x0]
    opt_b.build(vs)
    all_vars = vs + opt_b.variables

    @ops.jit
    def step(values, gs):
        with bind_values(all_vars, values):
            opt_b.apply(gs, vs)
            return get_values(all_vars)

    values = get_values(all_vars)
    for gs in grads:
        values = step(values, [ops.convert(np.asarray(g, np.float32)) for g in gs])
    for got, want in zip(values[:2], traj[-1]):
        np.testing.assert_allclose(ops.convert_to_numpy(got), want, rtol=RTOL, atol=ATOL)
    for got, want in zip(values[2:], opt_a.variables):
        np.testing.assert_allclose(ops.convert_to_numpy(got), want.numpy(), rtol=RTOL, atol=ATOL)


def test_gradient_accumulation_and_ema(engine):
    opt = optimizers.SGD(learning_rate=1.0, gradient_accumulation_steps=2)
    v = Variable(np.zeros(1, np.float32))
    for g in (1.0, 3.0, 5.0):
        opt.apply([ops.convert(np.array([g], np.float32))], [v])
    np.testing.assert_allclose(v.numpy(), [-2.0])  # mean of 1 and 3; 5 is still accumulating
    assert int(ops.convert_to_numpy(opt.iterations)) == 1
    assert int(opt._iterations.numpy()) == 3
    np.testing.assert_allclose(opt._accumulators[0].numpy(), [5.0])

    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    v = Variable(np.zeros(1, np.float32))
    for _ in range(3):
        opt.apply([ops.ones((1,))], [v])
    # weights -1, -2, -3; average: -1 (first step), then 0.5 * avg + 0.5 * w
    np.testing.assert_allclose(opt._averages[0].numpy(), [-2.25])
    opt.finalize_variable_values([v])
    np.testing.assert_allclose(v.numpy(), [-2.25])


def test_custom_keras_style_optimizer(engine):
    class SignSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def build(self, variables):
            super().build(variables)
            self.counts = [self.add_variable_from_reference(v, "count") for v in variables]

        def update_step(self, gradient, variable, learning_rate):
            i = self._get_variable_index(variable)
            self.assign_add(self.counts[i], ops.ones_like(gradient))
            self.assign_sub(variable, ops.multiply(ops.sign(gradient), learning_rate))

    opt = SignSGD(weight_decay=0.5)
    v = Variable(np.array([2.0, -2.0], np.float32), name="w")
    opt.apply([ops.convert(np.array([3.0, -0.5], np.float32))], [v])
    np.testing.assert_allclose(v.numpy(), [2.0 - 0.1 - 0.1, -2.0 + 0.1 + 0.1], rtol=1e-6)
    np.testing.assert_allclose(opt.counts[0].numpy(), [1.0, 1.0])
    assert [x.name for x in opt.variables] == ["iteration", "learning_rate", "w_count"]


def test_subclass_of_builtin_keeps_keras_hook(engine):
    calls = []

    class LoggedAdam(optimizers.Adam):
        def update_step(self, gradient, variable, learning_rate):
            calls.append(variable.name)
            super().update_step(gradient, variable, learning_rate)

    x0, grads = _data()
    _, traj = _run(LoggedAdam(learning_rate=0.01, weight_decay=0.1), x0, grads)
    ref = ref_trajectory("adam", {"weight_decay": 0.1}, x0, grads, 0.01)
    np.testing.assert_allclose(traj[-1][0], ref[-1][0], rtol=RTOL, atol=ATOL)
    assert calls[:2] == ["kernel", "bias"]


def test_state_save_and_load(engine):
    x0, grads = _data()
    opt = optimizers.Adam(learning_rate=0.01)
    vs, _ = _run(opt, x0, grads[:2])
    store = {}
    opt.save_own_variables(store)
    fresh = optimizers.Adam(learning_rate=0.01)
    fresh.build(vs)
    fresh.load_own_variables(store)
    for a, b in zip(opt.variables, fresh.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert int(fresh.iterations.numpy()) == 2


# ------------------------------------------------------------- Keras oracle
ORACLE = [
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True, "clipnorm": 1.0}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True, "global_clipnorm": 2.0}),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1}),
    ("Adagrad", {"learning_rate": 0.1, "clipvalue": 0.5}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Nadam", {"learning_rate": 0.01}),
    ("Lion", {"learning_rate": 0.01, "weight_decay": 0.05}),
    ("Adam", {"learning_rate": 0.01, "gradient_accumulation_steps": 2, "use_ema": True,
              "ema_overwrite_frequency": 2}),
    ("RMSprop", {"learning_rate": 0.01, "loss_scale_factor": 4.0, "use_ema": True}),
]


_KERAS_RUNS = {}


def keras_reference_run(keras, name, kw, data, names, cache):
    """Keras's optimizer ``name(**kw)`` applied to ``data = (x0, grads)``: its final
    weights, its ``(variable name, value)`` state and its config (once per case in ``cache``)."""
    key = (name, repr(sorted(kw.items())))
    if key not in cache:
        x0, grads = data
        kopt = getattr(keras.optimizers, name)(**kw)
        kvars = [keras.Variable(np.asarray(x, np.float32), name=n) for x, n in zip(x0, names)]
        for gs in grads:
            kopt.apply([keras.ops.convert_to_tensor(np.asarray(g, np.float32)) for g in gs], kvars)
        cache[key] = ([keras.ops.convert_to_numpy(v) for v in kvars],
                      [(v.name, keras.ops.convert_to_numpy(v)) for v in kopt.variables],
                      kopt.get_config())
    return cache[key]


@pytest.mark.keras_oracle
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras's own __array__ notice
@pytest.mark.parametrize("name,kw", ORACLE, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ORACLE)])
def test_matches_keras(engine, keras_module, name, kw):
    want_vars, want_state, want_cfg = keras_reference_run(keras_module, name, kw, _data(3),
                                                          ("k", "b"), _KERAS_RUNS)
    x0, grads = _data(3)
    opt = getattr(optimizers, name)(**kw)
    vs, _ = _run(opt, x0, grads)
    for a, b in zip(vs, want_vars):
        np.testing.assert_allclose(a.numpy(), b, rtol=RTOL, atol=ATOL)
    assert len(opt.variables) == len(want_state)
    for a, (_, b) in zip(opt.variables, want_state):
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-4, atol=1e-6)
    assert set(opt.get_config()) == set(want_cfg)


KERAS_SCHEDULES = [
    ("ExponentialDecay", (0.1, 7, 0.6), {"staircase": True}),
    ("PiecewiseConstantDecay", ([3, 8], [0.3, 0.2, 0.1]), {}),
    ("PolynomialDecay", (0.1, 9), {"cycle": True, "power": 0.5}),
    ("InverseTimeDecay", (0.1, 3, 0.7), {}),
    ("CosineDecay", (0.0, 10), {"warmup_target": 0.1, "warmup_steps": 4, "alpha": 0.1}),
    ("CosineDecayRestarts", (0.1, 5), {"t_mul": 1.5, "m_mul": 0.8, "alpha": 0.1}),
]
KERAS_STEPS = (0, 2, 4, 6, 9, 13, 21)


@pytest.fixture(scope="module")
def keras_schedule_values(keras_module):
    """Keras's values, computed once for all engines (Keras's eager ops are slow)."""
    ks = keras_module.optimizers.schedules
    out = {}
    for name, args, kw in KERAS_SCHEDULES:
        sched = getattr(ks, name)(*args, **kw)
        out[name] = (sched.get_config(),
                     [keras_module.ops.convert_to_numpy(sched(s)) for s in KERAS_STEPS])
    return out


@pytest.mark.keras_oracle
def test_schedules_match_keras(engine, keras_schedule_values):
    for name, args, kw in KERAS_SCHEDULES:
        mine = getattr(schedules, name)(*args, **kw)
        cfg, values = keras_schedule_values[name]
        assert mine.get_config() == cfg
        for s, want in zip(KERAS_STEPS, values):
            got = ops.convert_to_numpy(mine(s))
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, err_msg=f"{name} @ {s}")
