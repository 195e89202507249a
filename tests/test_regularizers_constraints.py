"""Regularizers and constraints: values on every engine against NumPy float64."""
from __future__ import annotations

import numpy as np
import pytest

from kerasette import constraints, regularizers
from kerasette.variables import Variable

RNG = np.random.default_rng(0)
W = RNG.standard_normal((6, 4)).astype(np.float32)
K = RNG.standard_normal((3, 3, 2, 5)).astype(np.float32)
EPS = 1e-7


def _np(x, engine):
    return np.asarray(engine.to_numpy(x), dtype=np.float64)


# ----------------------------------------------------------- references
def _ortho_ref(w, factor, mode):
    w = w.astype(np.float64)
    if mode == "columns":
        w = w.T
    n = w.shape[0]
    inv = np.minimum(1.0 / np.sqrt((w ** 2).sum(axis=1, keepdims=True)), 1.0 / EPS)
    u = w * inv
    gram = u @ u.T
    return factor * 0.5 * np.abs(gram * (1 - np.eye(n))).sum() / (n * (n - 1) / 2)


REGULARIZER_CASES = [
    (regularizers.L1(0.3), lambda w: 0.3 * np.abs(w).sum()),
    (regularizers.L2(0.2), lambda w: 0.2 * (w ** 2).sum()),
    (regularizers.L1L2(0.1, 0.05), lambda w: 0.1 * np.abs(w).sum() + 0.05 * (w ** 2).sum()),
    (regularizers.L1L2(l2=0.05), lambda w: 0.05 * (w ** 2).sum()),
    (regularizers.L1L2(), lambda w: 0.0),
    (regularizers.OrthogonalRegularizer(0.4, "rows"), lambda w: _ortho_ref(w, 0.4, "rows")),
    (regularizers.OrthogonalRegularizer(0.4, "columns"), lambda w: _ortho_ref(w, 0.4, "columns")),
]


@pytest.mark.parametrize("reg, ref", REGULARIZER_CASES,
                         ids=[f"{type(r).__name__}-{i}" for i, (r, _) in enumerate(REGULARIZER_CASES)])
def test_regularizer_values(engine, reg, ref):
    out = reg(engine.convert(W))
    assert engine.shape(out) == ()
    assert engine.dtype(out) == "float32"
    np.testing.assert_allclose(_np(out, engine), ref(W.astype(np.float64)), rtol=2e-5, atol=1e-7)
    # a Variable works as well as a raw engine array
    np.testing.assert_allclose(_np(reg(Variable(W)), engine), ref(W.astype(np.float64)),
                               rtol=2e-5, atol=1e-7)


def test_regularizer_gradient(engine):
    reg = regularizers.L1L2(0.1, 0.2)

    def loss(params):
        return reg(params[0]), None

    (value, _), grads = engine.value_and_grad(loss)([engine.convert(W)])
    expected = 0.1 * np.sign(W) + 0.4 * W.astype(np.float64)
    np.testing.assert_allclose(_np(grads[0], engine), expected, rtol=1e-5, atol=1e-6)


def test_orthogonal_regularizer_needs_rank_2(engine):
    with pytest.raises(ValueError, match="rank-2"):
        regularizers.OrthogonalRegularizer()(engine.convert(K))


def _maxnorm_ref(w, max_value, axis):
    norms = np.sqrt((w ** 2).sum(axis=axis, keepdims=True))
    return w * (np.clip(norms, 0, max_value) / (EPS + norms))


def _minmax_ref(w, lo, hi, rate, axis):
    norms = np.sqrt((w ** 2).sum(axis=axis, keepdims=True))
    desired = rate * np.clip(norms, lo, hi) + (1 - rate) * norms
    return w * (desired / (EPS + norms))


CONSTRAINT_CASES = [
    (constraints.MaxNorm(1.5), W, lambda w: _maxnorm_ref(w, 1.5, 0)),
    (constraints.MaxNorm(2.0, axis=[0, 1, 2]), K, lambda w: _maxnorm_ref(w, 2.0, (0, 1, 2))),
    (constraints.MinMaxNorm(1.0, 2.0, rate=0.5, axis=1), W, lambda w: _minmax_ref(w, 1.0, 2.0, 0.5, 1)),
    (constraints.MinMaxNorm(), K, lambda w: _minmax_ref(w, 0.0, 1.0, 1.0, 0)),
    (constraints.NonNeg(), W, lambda w: np.maximum(w, 0)),
    (constraints.UnitNorm(), W, lambda w: w / (EPS + np.sqrt((w ** 2).sum(axis=0, keepdims=True)))),
    (constraints.UnitNorm(axis=[0, 1, 2]), K,
     lambda w: w / (EPS + np.sqrt((w ** 2).sum(axis=(0, 1, 2), keepdims=True)))),
    (constraints.Constraint(), W, lambda w: w),
]


@pytest.mark.parametrize("constraint, w, ref", CONSTRAINT_CASES,
                         ids=[f"{type(c).__name__}-{i}" for i, (c, _, _) in enumerate(CONSTRAINT_CASES)])
def test_constraint_values(engine, constraint, w, ref):
    out = constraint(engine.convert(w))
    assert engine.shape(out) == w.shape and engine.dtype(out) == "float32"
    np.testing.assert_allclose(_np(out, engine), ref(w.astype(np.float64)), rtol=2e-6, atol=1e-7)


def test_constraint_on_variable(engine):
    v = Variable(W)
    v.assign(constraints.UnitNorm()(v))
    np.testing.assert_allclose(np.linalg.norm(v.numpy(), axis=0), 1.0, rtol=1e-5)


# ------------------------------------------------------------ get, configs
def test_regularizer_get():
    assert regularizers.get(None) is None
    assert type(regularizers.get("l1")) is regularizers.L1 and regularizers.get("l1").l1 == 0.01
    assert regularizers.get("L2").l2 == 0.01
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert regularizers.get("L1L2").get_config() == {"l1": 0.0, "l2": 0.0}  # class defaults, as Keras 3
    assert regularizers.get("orthogonal_regularizer").get_config() == {"factor": 0.01, "mode": "rows"}
    assert regularizers.l1 is regularizers.L1 and regularizers.l1_l2 is regularizers.L1L2
    reg = regularizers.L2(0.5)
    assert regularizers.get(reg) is reg
    fn = lambda x: 0.0  # noqa: E731
    assert regularizers.get(fn) is fn
    with pytest.raises(ValueError, match="'l2'"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L1(-1.0)
    with pytest.raises(ValueError):
        regularizers.OrthogonalRegularizer(mode="diagonal")


@pytest.mark.parametrize("reg", [regularizers.L1(0.2), regularizers.L2(0.3), regularizers.L1L2(0.1, 0.2),
                                 regularizers.OrthogonalRegularizer(0.5, "columns")],
                         ids=lambda r: type(r).__name__)
def test_regularizer_config_round_trip(reg):
    cfg = regularizers.serialize(reg)
    assert cfg["module"] == "keras.regularizers" and cfg["class_name"] == type(reg).__name__
    again = regularizers.get(cfg)
    assert type(again) is type(reg) and again.get_config() == reg.get_config()


def test_constraint_get():
    assert constraints.get(None) is None
    assert type(constraints.get("max_norm")) is constraints.MaxNorm
    assert constraints.get("MaxNorm").get_config() == {"max_value": 2, "axis": 0}
    assert type(constraints.get("non_neg")) is constraints.NonNeg
    assert constraints.get("unit_norm").axis == 0
    assert constraints.get("min_max_norm").get_config() == {"min_value": 0.0, "max_value": 1.0,
                                                            "rate": 1.0, "axis": 0}
    with pytest.raises(ValueError, match="max_norm"):
        constraints.get("max_nrom")
    for c in (constraints.MaxNorm(3, axis=[0, 1]), constraints.MinMaxNorm(0.5, 2.0, 0.7, 1),
              constraints.NonNeg(), constraints.UnitNorm(1)):
        again = constraints.get(constraints.serialize(c))
        assert type(again) is type(c) and again.get_config() == c.get_config()


# ------------------------------------------------------------- Keras oracle
@pytest.mark.keras_oracle
def test_values_and_configs_match_keras(keras_module, engine):
    for ours, _ in REGULARIZER_CASES:
        theirs = keras_module.regularizers.get(regularizers.serialize(ours))
        k_cfg, o_cfg = theirs.get_config(), ours.get_config()
        assert k_cfg.keys() == o_cfg.keys()
        for key, value in o_cfg.items():  # Keras keeps some factors as float32
            assert k_cfg[key] == (pytest.approx(value, rel=1e-6) if isinstance(value, float) else value)
        # a Keras tensor: Keras's NumPy path of normalize() treats axis=0 as -1
        w_keras = keras_module.ops.convert_to_tensor(W)
        np.testing.assert_allclose(float(np.asarray(theirs(w_keras))), _np(ours(engine.convert(W)), engine),
                                   rtol=1e-5, atol=1e-7)
    for ours, w, _ in CONSTRAINT_CASES:
        theirs = keras_module.constraints.get(constraints.serialize(ours))
        assert theirs.get_config() == ours.get_config()
        np.testing.assert_allclose(np.asarray(theirs(w)), _np(ours(engine.convert(w)), engine),
                                   rtol=1e-6, atol=1e-7)
