"""ConvLSTM1D/2D/3D and ConvLSTMCell, on every engine.

Reference: a NumPy float64 loop over time with the convolution reference of
test_convolutional (gates i, f, c, o; recurrent conv stride 1, 'same').
Sizes are tiny: the NumPy engine runs the time loop in Python.
"""
import numpy as np
import pytest

from kerasette import layers, models
from kerasette.saving import load_model
from kerasette.utils import set_random_seed

from .harness import check_config_round_trip, check_layer, keras_configs
from .test_convolutional import conv_ref

B, T = 2, 3


def _x(*shape, seed=0):
    return (np.random.default_rng(seed).normal(size=shape) * 0.5).astype("float32")


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def convlstm_ref(x, w, strides=1, padding="valid", dilation_rate=1, data_format="channels_last",
                 return_sequences=False, return_state=False, go_backwards=False, mask=None,
                 initial_state=None, **_):
    kernel, rk = np.float64(w[0]), np.float64(w[1])
    bias = np.float64(w[2]) if len(w) > 2 else None
    x = np.asarray(x, np.float64)
    if data_format == "channels_first":
        x = np.moveaxis(x, 2, -1)
        if initial_state is not None:
            initial_state = [np.moveaxis(np.float64(s), 1, -1) for s in initial_state]
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    h = c = None
    if initial_state is not None:
        h, c = (np.float64(s) for s in initial_state)
    outs = []
    for t in steps:
        zx = conv_ref(x[:, t], kernel, strides, padding, dilation_rate, bias=bias)
        if h is None:
            h = c = np.zeros(zx.shape[:-1] + (rk.shape[-2],))
        z = zx + conv_ref(h, rk, 1, "same")
        i, f, g, o = np.split(z, 4, axis=-1)
        c_new = _sig(f) * c + _sig(i) * np.tanh(g)
        h_new = _sig(o) * np.tanh(c_new)
        if mask is not None:
            m = np.asarray(mask)[:, t].reshape((-1,) + (1,) * (h.ndim - 1))
            h_new, c_new = np.where(m, h_new, h), np.where(m, c_new, c)
        h, c = h_new, c_new
        outs.append(h)
    out = np.stack(outs, 1) if return_sequences else h
    back = (lambda a, ax: np.moveaxis(a, -1, ax)) if data_format == "channels_first" else (lambda a, ax: a)
    out = back(out, 2 if return_sequences else 1)
    if return_state:
        return [out, back(h, 1), back(c, 1)]
    return out


def _input(rank, spatial, channels, data_format):
    if data_format == "channels_first":
        return _x(B, T, channels, *spatial)
    return _x(B, T, *spatial, channels)


CASES_2D = [
    dict(),
    dict(padding="same", return_sequences=True),
    dict(strides=2, return_state=True),
    dict(go_backwards=True, return_sequences=True, return_state=True),
    dict(padding="same", data_format="channels_first", return_state=True),
    dict(dilation_rate=2, use_bias=False),
    dict(kernel_size=(2, 3), strides=(1, 2), padding="same", go_backwards=True),
]


def _id(case):
    return "-".join(f"{k}={v}" for k, v in case.items()) or "defaults"


def _run_case(engine, keras_module, cls, rank, spatial, case, grad=True, call_kwargs=None):
    case = dict(case)
    kernel_size = case.pop("kernel_size", 2)
    data_format = case.get("data_format", "channels_last")
    x = _input(rank, spatial, 2, data_format)
    kw = dict(filters=2, kernel_size=kernel_size, **case)
    mask = (call_kwargs or {}).get("mask")
    check_layer(lambda dt: getattr(layers, cls)(**kw, dtype=dt), x,
                lambda x, w: convlstm_ref(x, w, mask=mask, **case),
                call_kwargs=call_kwargs, grad=grad,
                keras_layer=lambda k: getattr(k.layers, cls)(**kw), keras_module=keras_module)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("case", CASES_2D, ids=_id)
def test_conv_lstm2d(engine, keras_module, case):
    _run_case(engine, keras_module, "ConvLSTM2D", 2, (5, 4), case)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("case", [dict(), dict(padding="same", return_sequences=True, strides=2,
                                              data_format="channels_first")], ids=_id)
def test_conv_lstm1d(engine, keras_module, case):
    _run_case(engine, keras_module, "ConvLSTM1D", 1, (7,), case)


@pytest.mark.keras_oracle
def test_conv_lstm3d(engine, keras_module):
    _run_case(engine, keras_module, "ConvLSTM3D", 3, (3, 4, 3), dict(padding="same", return_state=True),
              grad=False)


@pytest.mark.parametrize("case", [dict(return_sequences=True), dict(go_backwards=True, return_state=True)],
                         ids=_id)
def test_conv_lstm2d_mask(engine, case):
    # no Keras oracle: Keras 3's RNN broadcasts a (batch, 1) step mask against the
    # (batch, h, w, filters) states and fails; kerasette reshapes it to the state's rank
    mask = np.array([[True, False, True], [False, True, True]])
    _run_case(engine, None, "ConvLSTM2D", 2, (4, 4), dict(padding="same", **case),
              call_kwargs={"mask": mask})


def test_initial_state_and_state_shape_errors(engine):
    x = _x(B, T, 4, 4, 2)
    layer = layers.ConvLSTM2D(3, 3, padding="same", return_state=True, name="clstm_init")
    h0, c0 = _x(B, 4, 4, 3, seed=1), _x(B, 4, 4, 3, seed=2)
    out, h, c = layer(x, initial_state=[h0, c0])
    want = convlstm_ref(x, layer.get_weights(), padding="same", return_state=True, initial_state=[h0, c0])
    for got, ref in zip((out, h, c), want):
        np.testing.assert_allclose(engine.to_numpy(got), ref, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"clstm_init.*initial state has shape \(2, 4, 4, 2\).*\(2, 4, 4, 3\)"):
        layer(x, initial_state=[h0[..., :2], c0[..., :2]])


def test_cell_in_generic_rnn_equals_layer(engine):
    x = _x(B, T, 5, 4, 2)
    layer = layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True)
    want = engine.to_numpy(layer(x))
    rnn = layers.RNN(layers.ConvLSTMCell(2, filters=2, kernel_size=3, padding="same"), return_sequences=True)
    rnn(x)
    rnn.set_weights(layer.get_weights())
    np.testing.assert_allclose(engine.to_numpy(rnn(x)), want, rtol=1e-6, atol=1e-6)
    cell = rnn.cell
    h, (h2, c2) = cell(x[:, 0], cell.get_initial_state(B))
    ref = convlstm_ref(x[:, :1], layer.get_weights(), padding="same", return_state=True)
    np.testing.assert_allclose(engine.to_numpy(h), ref[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(engine.to_numpy(c2), ref[2], rtol=1e-5, atol=1e-6)


def test_weights_layout_and_unit_forget_bias(engine):
    layer = layers.ConvLSTM2D(3, (2, 3))
    layer(_x(B, T, 4, 5, 2))
    names = [w.name for w in layer.weights]
    assert names == ["kernel", "recurrent_kernel", "bias"], names
    k, rk, b = layer.get_weights()
    assert k.shape == (2, 3, 2, 12) and rk.shape == (2, 3, 3, 12) and b.shape == (12,)
    np.testing.assert_array_equal(b, np.r_[np.zeros(3), np.ones(3), np.zeros(6)])
    layer = layers.ConvLSTM1D(2, 3, unit_forget_bias=False, use_bias=True)
    layer(_x(B, T, 6, 1))
    assert not layer.get_weights()[2].any()
    assert layer.filters == 2 and layer.kernel_size == (3,) and layer.padding == "valid"


def test_dropout_in_training(engine):
    x = _x(B, T, 4, 4, 2)
    layer = layers.ConvLSTM2D(2, 3, padding="same", dropout=0.5, recurrent_dropout=0.3, seed=1)
    plain = engine.to_numpy(layer(x))
    np.testing.assert_allclose(engine.to_numpy(layer(x, training=False)), plain)
    dropped = engine.to_numpy(layer(x, training=True))
    assert dropped.shape == plain.shape and not np.allclose(dropped, plain)


ALL = [(layers.ConvLSTM1D, dict(filters=2, kernel_size=3, padding="same", return_sequences=True)),
       (layers.ConvLSTM2D, dict(filters=4, kernel_size=(3, 2), strides=2, data_format="channels_first",
                                dropout=0.1, recurrent_dropout=0.2, seed=3, go_backwards=True)),
       (layers.ConvLSTM2D, dict(filters=1, kernel_size=3, dilation_rate=2, activation="relu",
                                recurrent_activation="hard_sigmoid", use_bias=False,
                                unit_forget_bias=False, return_state=True)),
       (layers.ConvLSTM3D, dict(filters=2, kernel_size=1, kernel_regularizer="l2",
                                recurrent_initializer="glorot_uniform"))]


@pytest.mark.parametrize("cls, kwargs", ALL, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(ALL)])
def test_get_config_round_trip(cls, kwargs):
    check_config_round_trip(cls, kwargs)
    check_config_round_trip(layers.ConvLSTMCell, dict(rank=2, filters=2, kernel_size=3))


@pytest.mark.keras_oracle
@pytest.mark.parametrize("cls, kwargs", ALL, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(ALL)])
def test_config_matches_keras(keras_module, cls, kwargs):
    ours, theirs, keys = keras_configs(keras_module, cls, kwargs)
    for key in keys:
        if key.endswith("_initializer"):
            # newer Keras adds keys to some initializers' configs (Orthogonal's axes)
            assert ours[key]["class_name"] == theirs[key]["class_name"], key
            assert ours[key]["config"].items() <= theirs[key]["config"].items(), key
        else:
            assert ours[key] == theirs[key], key


def test_model_fits_saves_and_loads(engine, tmp_path):
    set_random_seed(0)
    model = models.Sequential([layers.Input(shape=(T, 4, 4, 1)),
                               layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True),
                               layers.ConvLSTM2D(2, 2, strides=2),
                               layers.Flatten(), layers.Dense(1)])
    model.compile("adam", "mse")
    x, y = _x(4, T, 4, 4, 1), np.linspace(-1, 1, 4, dtype="float32").reshape(4, 1)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=3, batch_size=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights())), "weights moved"
    path = tmp_path / "convlstm.keras"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_fit_with_dropout(engine):
    set_random_seed(0)
    model = models.Sequential([layers.Input(shape=(T, 3, 3, 1)),
                               layers.ConvLSTM2D(1, 2, dropout=0.2, recurrent_dropout=0.2, seed=0),
                               layers.Flatten(), layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(_x(4, T, 3, 3, 1), np.ones((4, 1), "float32"), epochs=2, batch_size=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_symbolic_shapes(engine):
    inp = layers.Input(shape=(None, 6, 5, 2))
    seq, h, c = layers.ConvLSTM2D(3, 3, strides=(2, 1), return_sequences=True, return_state=True)(inp)
    assert seq.shape == (None, None, 2, 3, 3) and h.shape == (None, 2, 3, 3) and c.shape == h.shape
    out = layers.ConvLSTM1D(4, 2, data_format="channels_first")(layers.Input(shape=(5, 2, 7)))
    assert out.shape == (None, 4, 6)


def test_bad_arguments(engine):
    with pytest.raises(ValueError, match=r"ConvLSTM2D 'c0'.*`filters` must be a positive integer.*0"):
        layers.ConvLSTM2D(0, 3, name="c0")
    with pytest.raises(ValueError, match=r"ConvLSTM1D 'c1'.*padding.*'causal'"):
        layers.ConvLSTM1D(2, 3, padding="causal", name="c1")
    with pytest.raises(ValueError, match=r"ConvLSTM3D 'c3'.*kernel_size"):
        layers.ConvLSTM3D(2, (3, 3), name="c3")
    with pytest.raises(ValueError, match=r"ConvLSTM2D 'c4'.*strides > 1 cannot be combined with dilation"):
        layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2, name="c4")
    with pytest.raises(ValueError, match=r"ConvLSTM2D 'c5'.*`dropout` must be a float in \[0, 1\]"):
        layers.ConvLSTM2D(2, 3, dropout=1.5, name="c5")
    with pytest.raises(ValueError, match=r"c6.*expected ndim=5, found ndim=4"):
        layers.ConvLSTM2D(2, 3, name="c6")(_x(B, T, 4, 2))
    with pytest.raises(ValueError, match=r"ConvLSTM2D 'c7'.*spatial and channel dimensions.*must be known"):
        layers.ConvLSTM2D(2, 3, name="c7")(layers.Input(shape=(T, None, 4, 2)))
    with pytest.raises(ValueError, match=r"ConvLSTM2D 'c8'.*kernel \(3, 3\).*larger.*\(2, 4\)"):
        layers.ConvLSTM2D(2, 3, name="c8")(_x(B, T, 2, 4, 1))
