"""Recurrent layers on every engine: shapes, a float64 NumPy loop reference
(Keras's gate orders), finite-difference gradients, fused path == loop path,
masking, dropout, errors, configs, and Keras 3 itself as an oracle.

Sizes stay tiny (batch 2, time 4, features 3, units 2-3) so the suite is fast.
"""
import numpy as np
import pytest

from kerasette import config, layers, models, ops

from .harness import check_layer

B, T, F = 2, 4, 3


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _np(a):
    return config.active().to_numpy(a)


# ------------------------------------------------------------- reference
def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _cell_step(kind, xt, states, w, units, reset_after=True):
    k, r = w[0], w[1]
    b = w[2] if len(w) > 2 else None
    u = units
    if kind == "simple":
        h = np.tanh(xt @ k + states[0] @ r + (0 if b is None else b))
        return h, [h]
    if kind == "lstm":
        h, c = states
        z = xt @ k + h @ r + (0 if b is None else b)
        i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        c = _sig(f) * c + _sig(i) * np.tanh(g)
        h = _sig(o) * np.tanh(c)
        return h, [h, c]
    h = states[0]
    if reset_after:
        bi, br = (0, 0) if b is None else (b[0], b[1])
        xz, hz = xt @ k + bi, h @ r + br
        z = _sig(xz[:, :u] + hz[:, :u])
        rr = _sig(xz[:, u:2 * u] + hz[:, u:2 * u])
        hh = np.tanh(xz[:, 2 * u:] + rr * hz[:, 2 * u:])
    else:
        xz = xt @ k + (0 if b is None else b)
        z = _sig(xz[:, :u] + h @ r[:, :u])
        rr = _sig(xz[:, u:2 * u] + h @ r[:, u:2 * u])
        hh = np.tanh(xz[:, 2 * u:] + (rr * h) @ r[:, 2 * u:])
    h = z * h + (1 - z) * hh
    return h, [h]


def ref_rnn(kind, x, w, units, return_sequences=False, return_state=False, go_backwards=False,
            mask=None, initial_state=None, reset_after=True, zero_output=False):
    """Keras 3's RNN semantics as a plain float64 loop."""
    x = np.asarray(x, np.float64)
    w = [np.asarray(a, np.float64) for a in w]
    n = 2 if kind == "lstm" else 1
    states = ([np.asarray(s, np.float64) for s in initial_state] if initial_state is not None
              else [np.zeros((x.shape[0], units))] * n)
    outs = []
    for t in (range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])):
        out, new = _cell_step(kind, x[:, t], states, w, units, reset_after)
        if mask is not None:
            m = np.asarray(mask)[:, t][:, None].astype(bool)
            out = np.where(m, out, 0.0 if zero_output else states[0])
            new = [np.where(m, a, s) for a, s in zip(new, states)]
        states = new
        outs.append(out)
    seq = np.stack(outs, 1)
    output = seq if return_sequences else seq[:, -1]
    return [output, *states] if return_state else output


_LAYER = {"simple": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def _make(kind, units, **kw):
    cls = getattr(layers, _LAYER[kind])
    return lambda dt: cls(units, dtype=dt, **kw)


def _keras(kind, units, **kw):
    return lambda k: getattr(k.layers, _LAYER[kind])(units, **kw)


# ------------------------------------------------------------ values, grads, oracle
CASES = [
    dict(),
    dict(return_sequences=True),
    dict(return_state=True),
    dict(return_sequences=True, return_state=True, go_backwards=True),
]


@pytest.mark.keras_oracle
@pytest.mark.parametrize("kind", ["lstm", "gru", "simple"])
@pytest.mark.parametrize("case", range(len(CASES)), ids=["last", "seq", "state", "seq_state_back"])
def test_layers_against_reference_fd_and_keras(engine, keras_module, kind, case):
    kw = CASES[case]
    units = 3 if kind == "lstm" else 2
    # JAX's gradient is checked against the NumPy engine's; two cases suffice there
    grad = engine.name != "jax" or case in (0, 3)
    check_layer(_make(kind, units, **kw), _x(B, T, F),
                lambda x, w: ref_rnn(kind, x, w, units, **kw), grad=grad,
                keras_layer=_keras(kind, units, **kw), keras_module=keras_module)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("kind", ["lstm", "gru", "simple"])
def test_masking_matches_reference_and_keras(engine, keras_module, kind):
    # left padding, right padding, a hole in the middle
    mask = np.array([[False, True, True, True], [True, False, True, False]])
    kw = dict(return_sequences=True, return_state=True)
    units = 2
    check_layer(_make(kind, units, **kw), _x(B, T, F),
                lambda x, w: ref_rnn(kind, x, w, units, mask=mask, **kw),
                call_kwargs={"mask": mask},
                keras_layer=_keras(kind, units, **kw), keras_module=keras_module)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_masking_go_backwards_last_output(engine, keras_module, kind):
    mask = np.array([[True, True, True, False], [True, True, False, False]])
    check_layer(_make(kind, 2, go_backwards=True), _x(B, T, F),
                lambda x, w: ref_rnn(kind, x, w, 2, go_backwards=True, mask=mask),
                call_kwargs={"mask": mask}, grad=False,
                keras_layer=_keras(kind, 2, go_backwards=True), keras_module=keras_module)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("kind", ["lstm", "gru", "simple"])
def test_initial_state(engine, keras_module, kind):
    n = 2 if kind == "lstm" else 1
    init = [_x(B, 2, seed=5 + i) for i in range(n)]
    kw = dict(return_sequences=True, return_state=True)
    check_layer(_make(kind, 2, **kw), _x(B, T, F),
                lambda x, w: ref_rnn(kind, x, w, 2, initial_state=init, **kw),
                call_kwargs={"initial_state": init},
                keras_layer=_keras(kind, 2, **kw), keras_module=keras_module)


@pytest.mark.keras_oracle
def test_gru_reset_before_and_no_bias(engine, keras_module):
    check_layer(_make("gru", 2, reset_after=False, return_sequences=True), _x(B, T, F),
                lambda x, w: ref_rnn("gru", x, w, 2, reset_after=False, return_sequences=True),
                keras_layer=_keras("gru", 2, reset_after=False, return_sequences=True),
                keras_module=keras_module)
    check_layer(_make("lstm", 2, use_bias=False), _x(B, T, F),
                lambda x, w: ref_rnn("lstm", x, w, 2),
                keras_layer=_keras("lstm", 2, use_bias=False), keras_module=keras_module)
    check_layer(_make("gru", 2, use_bias=False), _x(B, T, F),
                lambda x, w: ref_rnn("gru", x, w, 2), grad=False,
                keras_layer=_keras("gru", 2, use_bias=False), keras_module=keras_module)


def test_generic_loop_gradients(engine):
    """The cell loop (use_cudnn=False) also matches the reference and finite differences."""
    for kind in ("lstm", "gru"):
        check_layer(_make(kind, 2, use_cudnn=False, return_sequences=True), _x(B, T, F),
                    lambda x, w, kind=kind: ref_rnn(kind, x, w, 2, return_sequences=True))


def test_bias_and_weight_layout(engine):
    lstm = layers.LSTM(3)
    lstm(_x(B, T, F))
    k, r, b = lstm.get_weights()
    assert (k.shape, r.shape, b.shape) == ((F, 12), (3, 12), (12,))
    np.testing.assert_array_equal(b, np.r_[np.zeros(3), np.ones(3), np.zeros(6)])  # unit_forget_bias
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-5)  # orthogonal rows
    assert [w.path for w in lstm.weights] == ["lstm_cell/kernel", "lstm_cell/recurrent_kernel",
                                               "lstm_cell/bias"]
    gru = layers.GRU(2)
    gru(_x(B, T, F))
    assert [w.shape for w in gru.get_weights()] == [(F, 6), (2, 6), (2, 6)]
    gru = layers.GRU(2, reset_after=False)
    gru(_x(B, T, F))
    assert [w.shape for w in gru.get_weights()] == [(F, 6), (2, 6), (6,)]


# ------------------------------------------------------------ fused == loop
def _same_weights(a, b):
    b.set_weights(a.get_weights())


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("opts", [dict(), dict(go_backwards=True, return_sequences=True),
                                  dict(return_state=True, use_bias=False)],
                         ids=["plain", "backwards_seq", "state_nobias"])
def test_fused_path_equals_loop(engine, kind, opts):
    cls = getattr(layers, _LAYER[kind])
    x = _x(B, T, F)
    fused, loop = cls(3, **opts), cls(3, use_cudnn=False, **opts)
    fused(x)
    loop(x)
    _same_weights(fused, loop)
    n = 2 if kind == "lstm" else 1
    init = [_x(B, 3, seed=9 + i) for i in range(n)]
    for kwargs in ({}, {"initial_state": init}):
        a, b = fused(x, **kwargs), loop(x, **kwargs)
        for p, q in zip(a if isinstance(a, tuple) else [a], b if isinstance(b, tuple) else [b]):
            np.testing.assert_allclose(_np(p), _np(q), rtol=1e-5, atol=1e-6)

    # and the gradients agree
    def grads(layer):
        params = layer.trainable_weights
        from kerasette.variables import bind_values

        def f(vals):
            with bind_values(params, vals[1:]):
                out = layer(vals[0])
                out = out[0] if isinstance(out, tuple) else out
                return ops.sum(ops.square(out)), None

        _, g = engine.value_and_grad(f)([engine.convert(x)] + [p.value for p in params])
        return [_np(a) for a in g]

    for p, q in zip(grads(fused), grads(loop)):
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_fused_path_is_taken(engine, kind, monkeypatch):
    calls = []
    b = config.active()
    original = getattr(b, kind)

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(b, kind, spy)
    layer = getattr(layers, _LAYER[kind])(2)
    layer(_x(B, T, F))
    assert calls, "default options must take the fused op"
    calls.clear()
    layer(_x(B, T, F), mask=np.ones((B, T), bool))
    assert not calls, "a mask takes the loop"
    calls.clear()
    getattr(layers, _LAYER[kind])(2, activation="relu")(_x(B, T, F))
    assert not calls, "other activations take the loop"
    if kind == "gru":
        layers.GRU(2, reset_after=False)(_x(B, T, F))
        assert not calls


def test_use_cudnn_true_refuses_a_mask(engine):
    layer = layers.LSTM(2, use_cudnn=True, name="strict_lstm")
    with pytest.raises(ValueError, match="strict_lstm.*use_cudnn"):
        layer(_x(B, T, F), mask=np.ones((B, T), bool))


def test_fused_dropout_equals_loop_dropout(engine):
    """With the same seed, input dropout draws the same mask on both paths."""
    x = _x(B, T, F)
    a = layers.LSTM(3, dropout=0.5, seed=3, return_sequences=True)
    b = layers.LSTM(3, dropout=0.5, seed=3, return_sequences=True, use_cudnn=False)
    a(x)
    b(x)
    _same_weights(a, b)
    np.testing.assert_allclose(_np(a(x, training=True)), _np(b(x, training=True)), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------ dropout
def test_dropout_mask_is_fixed_across_time(engine):
    # kernel = identity, no recurrence: each step's output is x_t * mask; x is the
    # same at every step, so equal outputs across time mean one mask per call
    layer = layers.SimpleRNN(4, activation=None, use_bias=False, dropout=0.5, seed=1,
                             return_sequences=True)
    x = np.ones((8, 5, 4), "float32")
    layer(x)
    layer.set_weights([np.eye(4, dtype="float32"), np.zeros((4, 4), "float32")])
    out = _np(layer(x, training=True))
    assert set(np.unique(out)) <= {0.0, 2.0} and (out == 0).any() and (out == 2).any()
    np.testing.assert_array_equal(out, np.repeat(out[:, :1], 5, axis=1))
    np.testing.assert_array_equal(_np(layer(x, training=False)), x)
    again = _np(layer(x, training=True))
    assert (again != out).any(), "each call draws new masks"


@pytest.mark.parametrize("kind", ["lstm", "gru", "simple"])
def test_recurrent_dropout_in_training(engine, kind):
    cls = getattr(layers, _LAYER[kind])
    layer = cls(3, dropout=0.3, recurrent_dropout=0.4, seed=0, return_sequences=True)
    x = _x(B, T, F)
    infer = _np(layer(x))
    train = _np(layer(x, training=True))
    assert train.shape == infer.shape and np.isfinite(train).all()
    assert not np.allclose(train, infer)
    ref = layers.LSTM if kind == "lstm" else None
    if ref is not None:  # inference ignores dropout: equals a dropout-free copy
        plain = cls(3, return_sequences=True)
        plain(x)
        plain.set_weights(layer.get_weights())
        np.testing.assert_allclose(_np(plain(x)), infer, rtol=1e-5, atol=1e-6)


def test_fit_with_dropout_and_recurrent_dropout(engine):
    """Dropout masks are drawn outside the time loop, so a compiled train step works."""
    from kerasette.utils import set_random_seed
    set_random_seed(0)
    x = _x(16, T, F)
    y = (x.sum(axis=(1, 2)) > 0).astype("float32")[:, None]
    model = models.Sequential([layers.Input((T, F)),
                               layers.LSTM(4, dropout=0.2, recurrent_dropout=0.2),
                               layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    hist = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()


# ------------------------------------------------------------ cells, RNN, stacking
def test_rnn_of_cell_equals_named_layer(engine):
    x = _x(B, T, F)
    for cell_cls, kind in ((layers.LSTMCell, "lstm"), (layers.GRUCell, "gru"),
                           (layers.SimpleRNNCell, "simple")):
        check_layer(lambda dt, c=cell_cls: layers.RNN(c(2, dtype=dt), return_sequences=True, dtype=dt), x,
                    lambda x, w, kind=kind: ref_rnn(kind, x, w, 2, return_sequences=True), grad=False)


def test_stacked_cells(engine):
    def ref(x, w):
        h1 = ref_rnn("lstm", x, w[:3], 3, return_sequences=True)
        return ref_rnn("gru", h1, w[3:], 2, return_sequences=True)

    check_layer(lambda dt: layers.RNN([layers.LSTMCell(3, dtype=dt), layers.GRUCell(2, dtype=dt)],
                                      return_sequences=True, dtype=dt), _x(B, T, F), ref)


class MinimalRNNCell(layers.Layer):
    """Keras's documented custom-cell example."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight((input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight((self.units, self.units), name="recurrent_kernel")

    def call(self, inputs, states):
        h = ops.add(ops.matmul(inputs, self.kernel.value), ops.matmul(states[0], self.recurrent_kernel.value))
        return h, [h]


def test_custom_cell_with_mask(engine):
    mask = np.array([[True, True, False, True], [False, True, True, True]])

    def ref(x, w):
        h = np.zeros((B, 2))
        for t in range(T):
            new = x[:, t].astype(np.float64) @ w[0] + h @ w[1]
            h = np.where(mask[:, t][:, None], new, h)
        return h

    check_layer(lambda dt: layers.RNN(MinimalRNNCell(2, dtype=dt), dtype=dt), _x(B, T, F), ref,
                call_kwargs={"mask": mask})


def test_cell_single_step(engine):
    cell = layers.LSTMCell(2)
    x = _x(B, F)
    h0, c0 = _x(B, 2, seed=1), _x(B, 2, seed=2)
    out, (h, c) = cell(x, [h0, c0])
    want, (wh, wc) = _cell_step("lstm", x.astype(np.float64), [h0, c0],
                                [w.astype(np.float64) for w in cell.get_weights()], 2)
    np.testing.assert_allclose(_np(out), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(c), wc, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------ wrappers
@pytest.mark.keras_oracle
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional(engine, keras_module, merge_mode):
    def ref(x, w):
        f = ref_rnn("lstm", x, w[:3], 2, return_sequences=True)
        b = ref_rnn("lstm", x, w[3:], 2, return_sequences=True, go_backwards=True)[:, ::-1]
        return {"concat": lambda: np.concatenate([f, b], -1), "sum": lambda: f + b,
                "mul": lambda: f * b, "ave": lambda: (f + b) / 2, None: lambda: [f, b]}[merge_mode]()

    check_layer(lambda dt: layers.Bidirectional(layers.LSTM(2, return_sequences=True, dtype=dt),
                                                merge_mode=merge_mode, dtype=dt),
                _x(B, T, F), ref, grad=merge_mode in ("concat", None),
                keras_layer=lambda k: k.layers.Bidirectional(k.layers.LSTM(2, return_sequences=True),
                                                             merge_mode=merge_mode),
                keras_module=keras_module)


@pytest.mark.keras_oracle
def test_bidirectional_gru_state_and_mask(engine, keras_module):
    mask = np.array([[True, True, True, False], [True, True, False, False]])

    def ref(x, w):
        f = ref_rnn("gru", x, w[:3], 2, return_state=True, mask=mask)
        b = ref_rnn("gru", x, w[3:], 2, return_state=True, go_backwards=True, mask=mask)
        return [np.concatenate([f[0], b[0]], -1), f[1], b[1]]

    check_layer(lambda dt: layers.Bidirectional(layers.GRU(2, return_state=True, dtype=dt), dtype=dt),
                _x(B, T, F), ref, call_kwargs={"mask": mask},
                keras_layer=lambda k: k.layers.Bidirectional(k.layers.GRU(2, return_state=True)),
                keras_module=keras_module)


@pytest.mark.keras_oracle
def test_bidirectional_sequences_with_mask_zero_outputs(engine, keras_module):
    mask = np.array([[True, True, True, False], [True, False, True, True]])

    def ref(x, w):
        f = ref_rnn("simple", x, w[:3], 2, return_sequences=True, mask=mask, zero_output=True)
        b = ref_rnn("simple", x, w[3:], 2, return_sequences=True, go_backwards=True, mask=mask,
                    zero_output=True)[:, ::-1]
        return np.concatenate([f, b], -1)

    check_layer(lambda dt: layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True, dtype=dt),
                                                dtype=dt),
                _x(B, T, F), ref, call_kwargs={"mask": mask}, grad=False,
                keras_layer=lambda k: k.layers.Bidirectional(k.layers.SimpleRNN(2, return_sequences=True)),
                keras_module=keras_module)


@pytest.mark.keras_oracle
def test_time_distributed(engine, keras_module):
    check_layer(lambda dt: layers.TimeDistributed(layers.Dense(4, activation="tanh", dtype=dt), dtype=dt),
                _x(B, T, F), lambda x, w: np.tanh(x.astype(np.float64) @ w[0] + w[1]),
                keras_layer=lambda k: k.layers.TimeDistributed(k.layers.Dense(4, activation="tanh")),
                keras_module=keras_module)


def test_time_distributed_in_a_model_and_bad_input(engine):
    inp = layers.Input((T, F))
    seq = layers.LSTM(3, return_sequences=True)(inp)
    out = layers.TimeDistributed(layers.Dense(2))(seq)
    model = models.Model(inp, out)
    assert model.output_shape if hasattr(model, "output_shape") else True
    assert out.shape == (None, T, 2)
    assert _np(model(_x(B, T, F))).shape == (B, T, 2)
    with pytest.raises(ValueError, match="td_layer.*3 dimensions"):
        layers.TimeDistributed(layers.Dense(2), name="td_layer")(_x(B, F))


# ------------------------------------------------------------ masks in models
def test_mask_flows_from_embedding_and_compute_mask(engine):
    ids = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2]])
    inp = layers.Input((5,), dtype="int32")
    emb = layers.Embedding(10, 3, mask_zero=True)
    lstm1 = layers.LSTM(4, return_sequences=True)
    lstm2 = layers.GRU(2)
    h = lstm1(emb(inp))
    model = models.Model(inp, lstm2(h))
    out = _np(model(ids))
    # the padded sample gives what its unpadded prefix gives
    x0 = emb(ids[:1, :3])
    want = _np(lstm2(lstm1(x0)))
    np.testing.assert_allclose(out[:1], want, rtol=1e-5, atol=1e-6)
    m = engine.convert(ids != 0)
    assert _np(lstm1.compute_mask(None, m)).tolist() == (ids != 0).tolist()
    assert lstm2.compute_mask(None, m) is None
    assert layers.LSTM(2, return_state=True).compute_mask(None, m)[1:] == [None, None]


def test_sequential_embedding_lstm_mask(engine):
    ids = np.array([[5, 2, 0, 0], [1, 2, 3, 4]])
    model = models.Sequential([layers.Embedding(8, 3, mask_zero=True), layers.LSTM(2)])
    out = _np(model(ids))
    emb, lstm = model.layers
    np.testing.assert_allclose(out[:1], _np(lstm(emb(ids[:1, :2]))), rtol=1e-5, atol=1e-6)
    assert not np.allclose(out[:1], _np(lstm(emb(ids[:1]))))


def test_masking_layer_feeds_lstm(engine):
    x = _x(B, T, F)
    x[0, 2:] = 0.0
    model = models.Sequential([layers.Input((T, F)), layers.Masking(0.0), layers.LSTM(2)])
    out = _np(model(x))
    lstm = model.layers[1]
    np.testing.assert_allclose(out[:1], _np(lstm(x[:1, :2])), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------ errors
def test_lstm_on_2d_input_names_layer_and_shape(engine):
    with pytest.raises(ValueError, match=r"my_lstm.*expected ndim=3.*\(2, 3\)"):
        layers.LSTM(2, name="my_lstm")(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"sym_lstm.*ndim=3"):
        layers.LSTM(2, name="sym_lstm")(layers.Input((3,)))


def test_bad_mask_shape_names_layer(engine):
    layer = layers.GRU(2, name="my_gru")
    with pytest.raises(ValueError, match=r"my_gru.*mask has shape \(2, 5\).*\(2, 4, 3\)"):
        layer(_x(B, T, F), mask=np.ones((2, 5), bool))


def test_bad_initial_state_and_stateful(engine):
    with pytest.raises(ValueError, match=r"lstm_s.*expects 2 initial state"):
        layers.LSTM(2, name="lstm_s")(_x(B, T, F), initial_state=[np.zeros((B, 2), "float32")])
    with pytest.raises(ValueError, match=r"gru_s.*initial state has shape \(2, 3\)"):
        layers.GRU(2, name="gru_s")(_x(B, T, F), initial_state=[np.zeros((B, 3), "float32")])
    with pytest.raises(ValueError, match="units"):
        layers.LSTM(0)
    with pytest.raises(ValueError, match="merge_mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")


# ------------------------------------------------------------ configs
@pytest.mark.parametrize("make", [
    lambda: layers.LSTM(3, dropout=0.1, return_sequences=True, unit_forget_bias=False),
    lambda: layers.GRU(2, reset_after=False, go_backwards=True, recurrent_activation="hard_sigmoid"),
    lambda: layers.SimpleRNN(4, activation="relu", return_state=True),
    lambda: layers.RNN(layers.LSTMCell(2), return_sequences=True),
    lambda: layers.RNN([layers.LSTMCell(2), layers.GRUCell(3)]),
    lambda: layers.Bidirectional(layers.GRU(2), merge_mode="sum"),
    lambda: layers.TimeDistributed(layers.Dense(3)),
    lambda: layers.LSTMCell(3, recurrent_dropout=0.2),
], ids=["lstm", "gru", "simple", "rnn", "stacked", "bidir", "timedist", "cell"])
def test_config_round_trip(engine, make):
    layer = make()
    cfg = layer.get_config()
    again = type(layer).from_config(cfg)
    assert again.get_config() == cfg
    if not isinstance(layer, layers.LSTMCell):
        a, b = layer(_x(B, T, F)), again(_x(B, T, F))
        assert [w.shape for w in layer.get_weights()] == [w.shape for w in again.get_weights()]
        assert np.shape(_np(a[0] if isinstance(a, tuple) else a)) == \
            np.shape(_np(b[0] if isinstance(b, tuple) else b))


@pytest.mark.keras_oracle
def test_keras_reads_our_configs(keras_module):
    k = keras_module
    for layer in (layers.LSTM(3, return_sequences=True), layers.GRU(2, reset_after=False),
                  layers.SimpleRNN(2), layers.Bidirectional(layers.LSTM(2), merge_mode="ave")):
        cfg = layer.get_config()
        kl = getattr(k.layers, type(layer).__name__).from_config(cfg)
        assert kl.get_config()["name"] == cfg["name"]
        for key in ("units", "return_sequences", "go_backwards", "merge_mode", "reset_after"):
            if key in cfg:
                assert kl.get_config()[key] == cfg[key]


def test_seq2seq_encoder_states_feed_decoder(engine):
    """Keras's encoder-decoder recipe: symbolic initial_state in a functional model."""
    enc_in, dec_in = layers.Input((None, F)), layers.Input((None, 2))
    _, h, c = layers.LSTM(3, return_state=True)(enc_in)
    dec, dense = layers.LSTM(3, return_sequences=True), layers.Dense(2)
    out = dense(dec(dec_in, initial_state=[h, c]))
    model = models.Model([enc_in, dec_in], out)
    assert out.shape == (None, None, 2)
    xe, xd = _x(B, T, F), _x(B, 5, 2, seed=1)
    got = _np(model([xe, xd]))
    enc = [l for l in model.layers if isinstance(l, layers.LSTM) and l is not dec][0]
    _, h0, c0 = enc(xe)
    np.testing.assert_allclose(got, _np(dense(dec(xd, initial_state=[h0, c0]))), rtol=1e-5, atol=1e-6)
    assert not np.allclose(got, _np(dense(dec(xd))))
    model.compile(optimizer="adam", loss="mse")
    hist = model.fit([xe, xd], np.zeros((B, 5, 2), "float32"), epochs=2, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()


def test_regularizers_and_constraints_reach_the_cell(engine):
    layer = layers.GRU(2, kernel_regularizer="l2", recurrent_regularizer="l1",
                       bias_constraint="non_neg", activity_regularizer="l2")
    layer(_x(B, T, F))
    assert len(layer.losses) == 3  # the activity penalty, then the two weight penalties
    k = layer.get_weights()[0]
    np.testing.assert_allclose(float(_np(layer.losses[1])), 0.01 * (k.astype(np.float64) ** 2).sum(),
                               rtol=1e-5)
    assert [v.name for v, _ in layer.cell._constraints] == ["bias"]
