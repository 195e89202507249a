"""Initializers: bit-identical draws on every engine, distributions, names, configs."""
from __future__ import annotations

import math

import numpy as np
import pytest

from kerasette import config, initializers
from kerasette.initializers import compute_fans
from kerasette.utils import set_random_seed
from kerasette.variables import Variable

RANDOM_NAMES = ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal",
                "lecun_uniform", "random_normal", "random_uniform", "truncated_normal",
                "variance_scaling", "orthogonal"]


def _draw(name, shape, seed=123, dtype="float32"):
    set_random_seed(seed)
    return initializers.get(name)(shape, dtype)


# ------------------------------------------------------------- determinism
@pytest.mark.parametrize("name", RANDOM_NAMES)
def test_variable_values_are_bit_identical_to_the_numpy_draw(engine, name):
    shape = (3, 3, 4, 5)
    reference = _draw(name, shape)
    set_random_seed(123)
    v = Variable(initializers.get(name), shape=shape, name="kernel")
    assert v.engine == engine.name
    assert v.dtype == "float32"
    got = v.numpy()
    assert got.dtype == np.float32
    assert np.array_equal(got, reference)


def test_same_seed_same_weights_on_every_engine(engines):
    previous = config._active
    values = {}
    try:
        for name in engines:
            config.set_backend(name)
            set_random_seed(7)
            kernel = Variable(initializers.GlorotUniform(), shape=(8, 6))
            bias = Variable(initializers.get("zeros"), shape=(6,))
            ortho = Variable(initializers.Orthogonal(), shape=(6, 6))
            values[name] = [kernel.numpy(), bias.numpy(), ortho.numpy()]
    finally:
        config._active = previous
    first, *rest = values.values()
    for other in rest:
        for a, b in zip(first, other):
            assert a.dtype == b.dtype and np.array_equal(a, b)


def test_unseeded_follows_the_global_generator():
    a = _draw("glorot_uniform", (4, 4), seed=1)
    b = _draw("glorot_uniform", (4, 4), seed=1)
    assert np.array_equal(a, b)
    init = initializers.GlorotUniform()
    first, second = init((4, 4)), init((4, 4))
    assert not np.array_equal(first, second)  # the global generator advances


@pytest.mark.parametrize("cls", [initializers.RandomNormal, initializers.RandomUniform,
                                 initializers.TruncatedNormal, initializers.GlorotNormal,
                                 initializers.HeUniform, initializers.Orthogonal])
def test_seeded_initializer_repeats_itself(cls):
    init = cls(seed=42)
    set_random_seed(0)
    a = init((5, 5))
    set_random_seed(99)
    b = init((5, 5))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, cls(seed=43)((5, 5)))


def test_seed_must_be_an_integer():
    with pytest.raises(ValueError, match="seed"):
        initializers.RandomNormal(seed=1.5)


# ------------------------------------------------------------------ dtypes
def test_dtypes():
    assert initializers.get("glorot_uniform")((2, 3)).dtype == np.float32  # floatx
    assert initializers.RandomNormal()((2, 3), "float64").dtype == np.float64
    assert initializers.RandomNormal()((2, 3), "float16").dtype == np.float16
    # NumPy has no bfloat16: float32 comes back and the engine casts on conversion
    assert initializers.RandomNormal()((2, 3), "bfloat16").dtype == np.float32
    assert initializers.Zeros()((2,), "int32").dtype == np.int32
    assert initializers.Ones()(4).shape == (4,)


# --------------------------------------------------------------- fans
@pytest.mark.parametrize("shape, fans", [
    ((), (1, 1)),
    ((7,), (7, 7)),
    ((784, 128), (784, 128)),
    ((5, 16, 32), (80, 160)),            # Conv1D (k, c_in, c_out)
    ((3, 3, 16, 32), (144, 288)),        # Conv2D
    ((2, 3, 3, 4, 8), (72, 144)),        # Conv3D
])
def test_compute_fans(shape, fans):
    assert compute_fans(shape) == fans


def test_compute_fans_with_axes():
    assert compute_fans((2, 3, 4, 5), input_axes=[0, 1], output_axes=[2, 3]) == (6, 20)


# ----------------------------------------------------------- distributions
SHAPE = (400, 500)
FAN_IN, FAN_OUT = SHAPE


def test_glorot_uniform_limits_and_variance():
    w = _draw("glorot_uniform", SHAPE).astype(np.float64)
    limit = math.sqrt(6.0 / (FAN_IN + FAN_OUT))
    assert w.min() >= -limit and w.max() <= limit
    assert w.min() < -0.99 * limit and w.max() > 0.99 * limit
    assert abs(w.mean()) < 0.01 * limit
    assert w.std() == pytest.approx(limit / math.sqrt(3.0), rel=0.01)


@pytest.mark.parametrize("name, target_std", [
    ("he_normal", math.sqrt(2.0 / FAN_IN)),
    ("lecun_normal", math.sqrt(1.0 / FAN_IN)),
    ("glorot_normal", math.sqrt(2.0 / (FAN_IN + FAN_OUT))),
])
def test_truncated_variance_scaling_std(name, target_std):
    w = _draw(name, SHAPE).astype(np.float64)
    assert w.std() == pytest.approx(target_std, rel=0.01)
    assert abs(w.mean()) < 0.01 * target_std
    bound = 2.0 * target_std / 0.87962566103423978  # two stddevs of the untruncated normal
    assert np.abs(w).max() <= bound * (1 + 1e-6)


@pytest.mark.parametrize("name, limit", [
    ("he_uniform", math.sqrt(6.0 / FAN_IN)),
    ("lecun_uniform", math.sqrt(3.0 / FAN_IN)),
])
def test_uniform_variance_scaling_limits(name, limit):
    w = _draw(name, SHAPE).astype(np.float64)
    assert w.min() >= -limit and w.max() <= limit
    assert w.std() == pytest.approx(limit / math.sqrt(3.0), rel=0.01)


def test_variance_scaling_modes_and_untruncated():
    init = initializers.VarianceScaling(3.0, "fan_out", "untruncated_normal", seed=0)
    w = init(SHAPE).astype(np.float64)
    assert w.std() == pytest.approx(math.sqrt(3.0 / FAN_OUT), rel=0.01)
    assert np.abs(w).max() > 3.0 * math.sqrt(3.0 / FAN_OUT)  # not truncated
    assert init.distribution_params(SHAPE) == ("untruncated_normal", math.sqrt(3.0 / FAN_OUT))
    assert initializers.VarianceScaling(distribution="normal").distribution == "truncated_normal"
    with pytest.raises(ValueError):
        initializers.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError):
        initializers.VarianceScaling(scale=0.0)


def test_truncated_normal_redraws_beyond_two_stddev():
    w = initializers.TruncatedNormal(mean=1.0, stddev=0.5, seed=3)(SHAPE, "float64")
    assert w.min() >= 0.0 and w.max() <= 2.0
    assert w.mean() == pytest.approx(1.0, abs=0.005)
    assert w.std() == pytest.approx(0.5 * 0.87962566103423978, rel=0.01)


def test_random_normal_and_uniform():
    w = initializers.RandomNormal(0.5, 2.0, seed=0)(SHAPE, "float64")
    assert w.mean() == pytest.approx(0.5, abs=0.02) and w.std() == pytest.approx(2.0, rel=0.01)
    u = initializers.RandomUniform(-3.0, 1.0, seed=0)(SHAPE, "float64")
    assert u.min() >= -3.0 and u.max() < 1.0 and u.mean() == pytest.approx(-1.0, abs=0.02)


# ------------------------------------------------------- orthogonal, identity
@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10), (3, 3, 4, 8)])
def test_orthogonal_is_orthogonal(shape):
    q = initializers.Orthogonal(gain=2.0, seed=1)(shape, "float64")
    assert q.shape == shape
    m = q.reshape(-1, shape[-1]) / 2.0
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, np.eye(gram.shape[0]), atol=1e-12)


def test_orthogonal_rejects_vectors():
    with pytest.raises(ValueError, match="rank"):
        initializers.Orthogonal()((5,))


def test_identity():
    np.testing.assert_array_equal(initializers.Identity(3.0)((2, 3)), [[3, 0, 0], [0, 3, 0]])
    assert initializers.get("identity")((4, 4)).dtype == np.float32
    with pytest.raises(ValueError, match="2-D"):
        initializers.Identity()((2, 2, 2))


def test_constants():
    np.testing.assert_array_equal(initializers.Constant(0.5)((2, 2)), np.full((2, 2), 0.5, np.float32))
    assert initializers.get("zeros")((3,)).sum() == 0
    assert initializers.get("ones")((3,)).sum() == 3


# ------------------------------------------------------------ get, configs
@pytest.mark.parametrize("name, cls", [
    ("glorot_uniform", initializers.GlorotUniform), ("GlorotUniform", initializers.GlorotUniform),
    ("he_normal", initializers.HeNormal), ("zeros", initializers.Zeros), ("zero", initializers.Zeros),
    ("ones", initializers.Ones), ("normal", initializers.RandomNormal),
    ("uniform", initializers.RandomUniform), ("truncated_normal", initializers.TruncatedNormal),
    ("orthogonal", initializers.Orthogonal), ("lecun_uniform", initializers.LecunUniform),
    ("variance_scaling", initializers.VarianceScaling), ("constant", initializers.Constant),
])
def test_get_by_name(name, cls):
    assert type(initializers.get(name)) is cls


def test_get_other_identifiers():
    assert initializers.get(None) is None
    inst = initializers.HeNormal(seed=1)
    assert initializers.get(inst) is inst
    assert type(initializers.get(initializers.Ones)) is initializers.Ones
    fn = lambda shape, dtype=None: np.zeros(shape)  # noqa: E731
    assert initializers.get(fn) is fn
    fixed = initializers.get(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(fixed((2, 3)), np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match="shape"):
        fixed((3, 2))
    with pytest.raises(ValueError):
        initializers.get(3.5)


def test_unknown_name_suggests_close_names():
    with pytest.raises(ValueError, match="glorot_uniform"):
        initializers.get("glorot_unifrom")


ALL_INSTANCES = [
    initializers.Zeros(), initializers.Ones(), initializers.Constant(0.25), initializers.Identity(2.0),
    initializers.RandomNormal(0.1, 0.2, seed=3), initializers.RandomUniform(-1, 2, seed=4),
    initializers.TruncatedNormal(0.0, 0.3, seed=5),
    initializers.VarianceScaling(2.0, "fan_avg", "uniform", seed=6),
    initializers.GlorotUniform(seed=7), initializers.GlorotNormal(), initializers.HeNormal(seed=8),
    initializers.HeUniform(), initializers.LecunNormal(), initializers.LecunUniform(seed=9),
    initializers.Orthogonal(gain=0.5, seed=10),
]


@pytest.mark.parametrize("init", ALL_INSTANCES, ids=lambda i: type(i).__name__)
def test_config_round_trip(init):
    cfg = initializers.serialize(init)
    assert cfg["module"] == "keras.initializers" and cfg["class_name"] == type(init).__name__
    again = initializers.get(cfg)
    assert type(again) is type(init) and again.get_config() == init.get_config()
    assert type(init).from_config(init.get_config()).get_config() == init.get_config()
    assert init.clone().get_config() == init.get_config()
    if getattr(init, "seed", None) is not None:
        np.testing.assert_array_equal(again((3, 4)), init((3, 4)))


# ------------------------------------------------------------- Keras oracle
ORACLE_SHAPES = [(), (7,), (784, 128), (5, 16, 32), (3, 3, 16, 32), (2, 3, 3, 4, 8), (1, 1)]


@pytest.mark.keras_oracle
def test_fans_and_distribution_parameters_match_keras(keras_module, monkeypatch):
    from keras.src.initializers import random_initializers as kri

    calls = []

    def recorder(kind, key):
        def fn(shape, *args, **kwargs):
            calls.append((kind, kwargs[key] if key != "limit" else kwargs["maxval"]))
            return np.zeros(shape)
        return fn

    monkeypatch.setattr(kri.random, "truncated_normal", recorder("truncated_normal", "stddev"))
    monkeypatch.setattr(kri.random, "normal", recorder("untruncated_normal", "stddev"))
    monkeypatch.setattr(kri.random, "uniform", recorder("uniform", "limit"))
    pairs = [(keras_module.initializers.get(n), initializers.get(n))
             for n in ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
                       "lecun_normal", "lecun_uniform"]]
    pairs += [(keras_module.initializers.VarianceScaling(s, m, d), initializers.VarianceScaling(s, m, d))
              for s, m, d in [(0.5, "fan_out", "untruncated_normal"), (3.0, "fan_avg", "truncated_normal"),
                              (2.0, "fan_out", "uniform")]]
    for shape in ORACLE_SHAPES:
        assert compute_fans(shape) == kri.compute_fans(shape)
        for k_init, ours in pairs:
            calls.clear()
            k_init(shape, "float32")
            kind, param = ours.distribution_params(shape)
            assert calls[0][0] == kind
            assert calls[0][1] == pytest.approx(param, rel=1e-12), (type(ours).__name__, shape)


@pytest.mark.keras_oracle
def test_names_and_configs_match_keras(keras_module):
    from keras.src import initializers as kinit

    keras_names = {n for n, cls in kinit.ALL_OBJECTS_DICT.items() if "STFT" not in cls.__name__}
    assert keras_names <= set(initializers._TABLE)
    for ours in ALL_INSTANCES:
        theirs = kinit.get(initializers.serialize(ours))
        assert type(theirs).__name__ == type(ours).__name__
        k_cfg = {k: v for k, v in theirs.get_config().items() if v is not None}
        o_cfg = {k: v for k, v in ours.get_config().items() if v is not None}
        if type(ours).__name__ == "Identity":
            o_cfg.pop("gain")  # Keras 3's Identity.get_config() forgets its gain
        assert k_cfg == o_cfg
