"""Tiny models built the same way from ``kerasette`` or ``keras`` (passed as ``k``).

Each builder returns ``(model, x)``: the model and a small input batch for it.
"""
import numpy as np


def _rng(seed=0):
    return np.random.default_rng(seed)


def mlp_sequential(k):
    L = k.layers
    model = k.Sequential([k.Input(shape=(6,)), L.Dense(8, activation="relu"), L.Dropout(0.2),
                          L.Dense(3, activation="softmax")], name="mlp")
    return model, _rng().standard_normal((4, 6)).astype("float32")


def convnet_functional(k):
    L = k.layers
    inp = k.Input(shape=(8, 8, 3))
    x = L.Conv2D(4, 3, activation="relu")(inp)
    x = L.BatchNormalization()(x)
    x = L.MaxPooling2D()(x)
    a = L.GlobalAveragePooling2D()(L.Conv2D(3, 3, padding="same")(x))
    b = L.Dense(2)(L.Flatten()(L.AveragePooling2D(2)(x)))
    out = L.Dense(3)(L.Concatenate()([a, b]))
    model = k.Model(inp, out, name="convnet")
    return model, _rng(1).standard_normal((4, 8, 8, 3)).astype("float32")


def rnn_sequential(k):
    L = k.layers
    model = k.Sequential([k.Input(shape=(5,), dtype="int32"), L.Embedding(12, 4),
                          L.LSTM(3, return_sequences=True), L.GRU(2), L.Dense(1)], name="rnn")
    return model, _rng(2).integers(0, 12, size=(4, 5)).astype("int32")


def nested(k):
    L = k.layers
    inner = k.Sequential([k.Input(shape=(4,)), L.Dense(3), L.BatchNormalization()], name="inner")
    inp = k.Input(shape=(4,))
    out = L.Dense(2)(inner(L.Dense(4, activation="tanh")(inp)))
    model = k.Model(inp, out, name="outer")
    return model, _rng(3).standard_normal((4, 4)).astype("float32")


def wrappers(k):
    L = k.layers
    inp = k.Input(shape=(4, 6))
    x = L.MultiHeadAttention(2, 3)(inp, inp)
    x = L.Bidirectional(L.LSTM(2, return_sequences=True))(x)
    x = L.TimeDistributed(L.Dense(2))(x)
    x = L.RNN(L.StackedRNNCells([L.GRUCell(2), L.GRUCell(3)]))(x)
    model = k.Model(inp, L.Dense(1)(x), name="wrappers")
    return model, _rng(4).standard_normal((3, 4, 6)).astype("float32")


BUILDERS = {"mlp_sequential": mlp_sequential, "convnet_functional": convnet_functional,
            "rnn_sequential": rnn_sequential, "nested": nested}
ALL_BUILDERS = dict(BUILDERS, wrappers=wrappers)


def targets(model_out, seed=5):
    """Regression targets shaped like the model's output."""
    return _rng(seed).standard_normal(np.shape(model_out)).astype("float32")


def perturb(model, seed=0):
    """Give every weight (BatchNormalization statistics included) a random positive value."""
    rng = _rng(seed)
    model.set_weights([rng.uniform(0.1, 1.0, np.shape(w)).astype(np.asarray(w).dtype)
                       for w in model.get_weights()])


def step_optimizer(model, steps=2, seed=0):
    """Advance the compiled model's optimizer ``steps`` times with random gradients (no jit)."""
    rng = _rng(seed)
    variables = model.trainable_variables
    model.optimizer.build(variables)
    for _ in range(steps):
        grads = [rng.standard_normal(v.shape).astype("float32") for v in variables]
        model.optimizer.apply([_convert(g) for g in grads], variables)


def _convert(a):
    from kerasette import ops
    return ops.convert(a)
