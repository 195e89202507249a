"""Activations on every engine against NumPy float64 references, plus lookup."""
import math

import numpy as np
import pytest

from kerasette import activations, ops

RTOL, ATOL = 2e-5, 2e-6
X = np.array([[-20.0, -3.5, -1.0, -0.2, 0.0, 0.7], [0.3, 1.0, 2.9, 6.5, 20.0, -0.6]], dtype=np.float32)


def npy(x):
    return np.asarray(ops.to_numpy(x), dtype=np.float64)


def _sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


def _softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def _erf(x):
    return np.vectorize(math.erf)(x)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


ALPHA, SCALE = 1.6732632423543772, 1.0507009873554805
REFERENCES = {
    "relu": lambda x: np.maximum(x, 0),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softmax": _softmax,
    "log_softmax": lambda x: np.log(_softmax(x)),
    "softplus": _softplus,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "selu": lambda x: SCALE * np.where(x > 0, x, ALPHA * np.expm1(np.minimum(x, 0))),
    "celu": lambda x: np.maximum(x, 0) + np.minimum(0, np.expm1(np.minimum(x, 0))),
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "hard_silu": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "hard_swish": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "log_sigmoid": lambda x: -_softplus(-x),
    "exponential": np.exp,
    "linear": lambda x: x,
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "glu": lambda x: x[..., :x.shape[-1] // 2] * _sigmoid(x[..., x.shape[-1] // 2:]),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    "sparse_sigmoid": lambda x: np.clip((x + 1) / 2, 0, 1),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
    "tanh_shrink": lambda x: x - np.tanh(x),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_matches_reference(engine, name):
    fn = activations.get(name)
    x = X if name != "exponential" else np.clip(X, -20, 10)
    out = npy(fn(ops.convert(x)))
    np.testing.assert_allclose(out, REFERENCES[name](x.astype(np.float64)), rtol=RTOL, atol=ATOL)


def test_relu_options(engine):
    x = ops.convert(np.array([-10, -5, 0.0, 5, 10], dtype=np.float32))
    np.testing.assert_allclose(npy(activations.relu(x)), [0, 0, 0, 5, 10])
    np.testing.assert_allclose(npy(activations.relu(x, negative_slope=0.5)), [-5, -2.5, 0, 5, 10])
    np.testing.assert_allclose(npy(activations.relu(x, max_value=5.0)), [0, 0, 0, 5, 5])
    np.testing.assert_allclose(npy(activations.relu(x, threshold=5.0)), [0, 0, 0, 0, 10])
    np.testing.assert_allclose(npy(activations.relu(x, negative_slope=0.5, threshold=2.0, max_value=8.0)),
                               [-6, -3.5, -1, 5, 8])
    np.testing.assert_allclose(npy(activations.relu(x, max_value=6)), [0, 0, 0, 5, 6])


def test_gelu_default_is_exact_and_approximate_flag(engine):
    x = X.astype(np.float64)
    exact = npy(activations.gelu(ops.convert(X)))
    approx = npy(activations.gelu(ops.convert(X), approximate=True))
    tanh_form = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(exact, REFERENCES["gelu"](x), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(approx, tanh_form, rtol=RTOL, atol=ATOL)


def test_softmax_axis_and_stability(engine):
    x = np.array([[1000.0, 0.0, -1000.0], [3.0, 3.0, 3.0]], dtype=np.float32)
    for axis in (-1, 0):
        out = npy(activations.softmax(ops.convert(x), axis=axis))
        np.testing.assert_allclose(out, _softmax(x.astype(np.float64), axis), atol=1e-6)
    ls = npy(activations.log_softmax(ops.convert(x)))
    assert np.all(np.isfinite(ls))
    np.testing.assert_allclose(ls[0], [0.0, -1000.0, -2000.0], rtol=1e-6)
    big = ops.convert(np.array([-1e4, 1e4], dtype=np.float32))
    for fn in (activations.sigmoid, activations.softplus, activations.log_sigmoid, activations.mish):
        assert np.all(np.isfinite(npy(fn(big)))), fn.__name__


def test_accepts_lists_and_numpy(engine):
    np.testing.assert_allclose(npy(activations.relu([-1.0, 2.0])), [0, 2])
    np.testing.assert_allclose(npy(activations.sigmoid(np.zeros(2, np.float32))), [0.5, 0.5])


def test_get_and_serialize():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.get("ReLU") is activations.relu

    def custom(x):
        return x

    assert activations.get(custom) is custom
    for name in ("relu", "gelu", "softmax", "silu", "linear"):
        assert activations.serialize(activations.get(name)) == name
    assert activations.serialize(activations.get("swish")) == "silu"
    assert activations.deserialize("tanh") is activations.tanh
    assert activations.get({"class_name": "function", "config": "elu"}) is activations.elu


def test_unknown_name_lists_close_names():
    with pytest.raises(ValueError, match="relu6|'relu'") as e:
        activations.get("rleu")
    assert "Unknown activation" in str(e.value)
    with pytest.raises(ValueError, match="softmax"):
        activations.get("sofmax")
    with pytest.raises(ValueError):
        activations.get(42)


@pytest.mark.keras_oracle
def test_matches_keras(engine, keras_module):
    keras = keras_module
    for name in ("relu", "elu", "selu", "gelu", "silu", "hard_sigmoid", "hard_silu", "mish",
                 "softplus", "softsign", "softmax", "log_softmax", "leaky_relu", "relu6", "glu", "hard_shrink",
                 "soft_shrink", "sparse_plus", "sparse_sigmoid", "squareplus", "tanh_shrink", "celu",
                 "hard_tanh", "log_sigmoid"):
        ref = np.asarray(getattr(keras.activations, name)(X))
        ours = npy(activations.get(name)(ops.convert(X)))
        np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6, err_msg=name)
    ref = np.asarray(keras.activations.relu(X, negative_slope=0.3, max_value=4.0, threshold=0.5))
    ours = npy(activations.relu(ops.convert(X), negative_slope=0.3, max_value=4.0, threshold=0.5))
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6)


def test_sparsemax_and_threshold(engine):
    x = np.array([[1.0, 0.9, 0.8, -2.0]], "float32")
    out = npy(activations.sparsemax(ops.convert(x)))
    np.testing.assert_allclose(out, [[0.4333333, 0.3333333, 0.2333333, 0.0]], rtol=1e-5)  # the simplex projection
    assert out.sum() == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose(npy(activations.threshold(ops.convert(x), 0.85, -1.0)), [[1.0, 0.9, -1.0, -1.0]], rtol=1e-7)
    assert activations.get("sparsemax") is activations.sparsemax
