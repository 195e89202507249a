"""Stateful recurrent layers (``stateful=True``), as Keras 3: each batch starts from the
states the previous batch ended with; ``reset_states()`` zeroes them; the states are
threaded through the train/test/predict steps (jitted on JAX) but are not weights."""
import numpy as np
import pytest

from kerasette import layers, models, ops
from kerasette.utils import set_random_seed

B, T, F, U = 3, 8, 4, 5


def _seq(t=T, seed=0):
    return np.random.default_rng(seed).normal(size=(B, t, F)).astype("float32")


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_chunks_continue_the_sequence(engine, cls):
    """Two calls on the halves of a sequence equal one call on the whole of it."""
    set_random_seed(1)
    whole = getattr(layers, cls)(U, return_sequences=True)
    x = _seq()
    expected = _np(whole(x))
    stateful = getattr(layers, cls)(U, return_sequences=True, stateful=True)
    stateful(x[:, :1])  # build
    stateful.set_weights(whole.get_weights())
    stateful.reset_states()
    first, second = _np(stateful(x[:, :T // 2])), _np(stateful(x[:, T // 2:]))
    np.testing.assert_allclose(np.concatenate([first, second], 1), expected, rtol=1e-5, atol=1e-6)
    stateful.reset_states()  # back to zeros: the first half again
    np.testing.assert_allclose(_np(stateful(x[:, :T // 2])), first, rtol=1e-6, atol=1e-7)


def test_conv_lstm_chunks_continue_the_sequence(engine):
    set_random_seed(3)
    x = np.random.default_rng(4).normal(size=(2, 4, 6, 2)).astype("float32")  # (b, t, w, c)
    whole = layers.ConvLSTM1D(3, 3, padding="same", return_sequences=True)
    expected = _np(whole(x))
    stateful = layers.ConvLSTM1D(3, 3, padding="same", return_sequences=True, stateful=True)
    stateful(x[:, :1])
    stateful.set_weights(whole.get_weights())
    stateful.reset_states()
    got = np.concatenate([_np(stateful(x[:, :2])), _np(stateful(x[:, 2:]))], 1)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_states_are_threaded_by_fit_predict_and_evaluate_but_not_saved(engine, tmp_path):
    set_random_seed(2)
    model = models.Sequential([layers.Input((T, F), batch_size=B),
                               layers.LSTM(U, stateful=True, name="rnn"), layers.Dense(1)])
    model.compile("sgd", "mse")
    rnn = model.get_layer("rnn")
    assert len(model.weights) == 5 and len(rnn.states) == 2  # LSTM: 3, Dense: 2
    assert not any(v is s for v in model.weights for s in rnn.states)
    x, y = _seq(), np.zeros((B, 1), "float32")
    p1 = model.predict(x, batch_size=B, verbose=0)
    h = _np(rnn.states[0].value)
    assert np.abs(h).sum() > 0  # predict moved the state
    p2 = model.predict(x, batch_size=B, verbose=0)
    assert not np.allclose(p1, p2)  # and the next call starts from it
    rnn.reset_states()
    np.testing.assert_allclose(model.predict(x, batch_size=B, verbose=0), p1, rtol=1e-5, atol=1e-6)
    before = _np(rnn.states[1].value)
    model.fit(np.concatenate([x, x]), np.concatenate([y, y]), batch_size=B, shuffle=False,
              epochs=1, verbose=0)
    assert not np.allclose(_np(rnn.states[1].value), before)
    after_fit = _np(rnn.states[1].value)
    model.evaluate(x, y, batch_size=B, verbose=0)
    assert not np.allclose(_np(rnn.states[1].value), after_fit)
    path = str(tmp_path / "stateful.keras")
    model.save(path)
    loaded = models.load_model(path)
    assert loaded.get_layer("rnn").stateful and len(loaded.weights) == 5
    assert np.abs(_np(loaded.get_layer("rnn").states[0].value)).sum() == 0  # states not saved


def test_bidirectional_stateful_and_reset(engine):
    bi = layers.Bidirectional(layers.GRU(U, stateful=True))
    x = _seq()
    first = _np(bi(x))
    assert not np.allclose(_np(bi(x)), first)
    bi.reset_states()
    np.testing.assert_allclose(_np(bi(x)), first, rtol=1e-6, atol=1e-7)


def test_stateful_errors_name_the_layer(engine):
    model_in = layers.Input((T, F))  # no batch size
    with pytest.raises(ValueError, match=r"'rnn_nb'.*fixed batch size.*batch_size="):
        layers.LSTM(U, stateful=True, name="rnn_nb")(model_in)
    rnn = layers.GRU(U, stateful=True, name="rnn_b")
    rnn(_seq())
    with pytest.raises(ValueError, match=r"'rnn_b' is stateful with batch size 3.*batch of 2"):
        rnn(_seq()[:2])


def test_stateful_config_round_trip(engine):
    cfg = layers.LSTM(U, stateful=True).get_config()
    assert cfg["stateful"] is True and layers.LSTM.from_config(cfg).stateful
