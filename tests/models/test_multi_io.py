"""Functional models with several inputs and outputs, on every engine: graph
introspection, shared layers and nested models (one set of weights, gradients
summed), per-output losses / loss weights / metrics in ``compile``, Keras's log
names and ``evaluate()`` order, data as lists or dicts, errors, and the same
``evaluate`` dict as Keras 3 for the same weights.

(Single-output graph checks -- unused inputs, outputs not depending on the
inputs, duplicate names -- live in ``test_functional.py``; the cases here are
their multi-input/multi-output forms.)
"""
import numpy as np
import pytest

from kerasette import layers, models, optimizers
from kerasette.utils import set_random_seed

RNG = np.random.default_rng(0)
N = 12
XA = RNG.normal(size=(N, 3)).astype("float32")
XB = RNG.normal(size=(N, 2)).astype("float32")
Y_REG = RNG.normal(size=(N, 1)).astype("float32")
Y_CLS = RNG.integers(0, 3, size=N)


def two_in_two_out(dict_io=False):
    """a(3), b(2) -> concat -> h(4, relu) -> reg(1) and cls(3, softmax)."""
    set_random_seed(1)
    a = layers.Input(shape=(3,), name="a")
    b = layers.Input(shape=(2,), name="b")
    h = layers.Dense(4, activation="relu", name="h")(layers.Concatenate(name="concat")([a, b]))
    reg = layers.Dense(1, name="reg")(h)
    cls = layers.Dense(3, activation="softmax", name="cls")(h)
    if dict_io:
        return models.Model({"a": a, "b": b}, {"r": reg, "c": cls})
    return models.Model([a, b], [reg, cls])


def np_forward(model, xa, xb):
    (wh, bh), (wr, br), (wc, bc) = (model.get_layer(n).get_weights() for n in ("h", "reg", "cls"))
    h = np.maximum(np.concatenate([xa, xb], 1).astype(np.float64) @ wh + bh, 0)
    logits = h @ wc + bc
    e = np.exp(logits - logits.max(1, keepdims=True))
    return h @ wr + br, e / e.sum(1, keepdims=True)


def np_logs(model, loss_weights=(0.5, 2.0)):
    reg, cls = np_forward(model, XA, XB)
    mse = ((reg - Y_REG) ** 2).mean()
    p = np.clip(cls[np.arange(N), Y_CLS], 1e-7, 1 - 1e-7)
    scce = -np.log(p).mean()
    return {"loss": loss_weights[0] * mse + loss_weights[1] * scce, "reg_loss": mse, "cls_loss": scce,
            "reg_mae": np.abs(reg - Y_REG).mean(), "cls_accuracy": (cls.argmax(1) == Y_CLS).mean()}


def _compile(model, **kw):
    args = dict(optimizer="sgd", loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[0.5, 2.0],
                metrics=[["mae"], ["accuracy"]])
    args.update(kw)
    model.compile(**args)
    return model


# ------------------------------------------------------------------ graph
def test_graph_introspection(engine):
    model = two_in_two_out()
    assert [l.name for l in model.layers] == ["a", "b", "concat", "h", "reg", "cls"]
    assert model.input_names == ["a", "b"] and model.output_names == ["reg", "cls"]
    assert [t.name for t in model.inputs] == ["a", "b"] and len(model.outputs) == 2
    concat = model.get_layer("concat")
    assert concat.input == model.inputs and concat.output.shape == (None, 5)
    assert model.get_layer("cls").output is model.outputs[1]
    assert model.get_layer(index=3) is model.get_layer("h")
    assert len(model.weights) == 6


def test_branches_split_and_merge(engine):
    set_random_seed(2)
    inp = layers.Input(shape=(3,))
    left = layers.Dense(4, name="left")(inp)
    right = layers.Dense(4, activation="tanh", name="right")(inp)
    both = layers.Add()([left, layers.Multiply()([left, right])])
    out = layers.Dense(2, name="out")(layers.Concatenate()([both, right]))
    model = models.Model(inp, out)
    (wl, bl), (wr, br), (wo, bo) = (model.get_layer(n).get_weights() for n in ("left", "right", "out"))
    lv = XA @ wl + bl
    rv = np.tanh(XA @ wr + br)
    want = np.concatenate([lv + lv * rv, rv], 1) @ wo + bo
    np.testing.assert_allclose(model.predict(XA, verbose=0), want, rtol=1e-5, atol=1e-5)


def test_shared_layer_has_one_set_of_weights_and_summed_gradients(engine):
    """out = shared(a) + shared(b); one SGD step (lr 0.1) against the explicit gradient."""
    set_random_seed(3)
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    shared = layers.Dense(2, name="shared")
    model = models.Model([a, b], layers.Add()([shared(a), shared(b)]))
    assert len(model.weights) == 2 and len(shared._inbound_nodes) == 2
    xa, xb = XA, RNG.normal(size=(N, 3)).astype("float32")
    y = RNG.normal(size=(N, 2)).astype("float32")
    w, bias = (v.astype(np.float64) for v in shared.get_weights())
    out = xa @ w + xb @ w + 2 * bias
    g = 2 * (out - y) / out.size                 # d mean((out - y)^2) / d out
    want_w = w - 0.1 * (xa.T @ g + xb.T @ g)     # both calls contribute
    want_b = bias - 0.1 * 2 * g.sum(0)
    model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    model.train_on_batch([xa, xb], y)
    got_w, got_b = shared.get_weights()
    np.testing.assert_allclose(got_w, want_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_b, want_b, rtol=1e-5, atol=1e-6)


def test_model_called_as_a_layer_shares_weights(engine):
    set_random_seed(4)
    inp = layers.Input(shape=(3,))
    encoder = models.Model(inp, layers.Dense(2, activation="tanh", name="enc")(inp), name="encoder")
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    merged = layers.Concatenate()([encoder(a), encoder(b)])   # the same encoder twice
    outer = models.Model([a, b], layers.Dense(1, name="head")(merged))
    assert encoder in outer.layers
    assert len(outer.weights) == 4  # the encoder's two, once, and the head's two
    before = encoder.get_weights()
    outer.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    outer.fit([XA, XA[::-1]], Y_REG, epochs=2, batch_size=4, verbose=0)
    after = encoder.get_weights()
    assert not np.allclose(before[0], after[0])   # training the outer model trained the encoder
    w, bias = after
    wh, bh = outer.get_layer("head").get_weights()
    want = np.concatenate([np.tanh(XA @ w + bias), np.tanh(XA[::-1] @ w + bias)], 1) @ wh + bh
    np.testing.assert_allclose(outer.predict([XA, XA[::-1]], verbose=0), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(encoder.predict(XA, verbose=0), np.tanh(XA @ w + bias), rtol=1e-5, atol=1e-5)


def test_feature_extraction_over_intermediate_outputs(engine):
    model = two_in_two_out()
    features = models.Model(model.inputs, [model.get_layer(n).output for n in ("concat", "h", "cls")])
    concat, h, cls = features.predict([XA, XB], verbose=0)
    wh, bh = model.get_layer("h").get_weights()
    np.testing.assert_allclose(concat, np.concatenate([XA, XB], 1), rtol=1e-6)
    np.testing.assert_allclose(h, np.maximum(concat @ wh + bh, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cls, np_forward(model, XA, XB)[1], rtol=1e-5, atol=1e-6)
    # the extractor holds the same variables: new weights show through
    model.get_layer("h").set_weights([wh * 2, bh])
    h2 = features.predict([XA, XB], verbose=0)[1]
    np.testing.assert_allclose(h2, np.maximum(concat @ (wh * 2) + bh, 0), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ compile / fit / evaluate
def test_lists_fit_evaluate_predict_and_log_names(engine):
    model = _compile(two_in_two_out())
    hist = model.fit([XA, XB], [Y_REG, Y_CLS], epochs=2, batch_size=4, verbose=0,
                     validation_data=([XA, XB], [Y_REG, Y_CLS]))
    keys = {"loss", "reg_loss", "cls_loss", "reg_mae", "cls_accuracy"}
    assert set(hist.history) == keys | {f"val_{k}" for k in keys}
    logs = model.evaluate([XA, XB], [Y_REG, Y_CLS], batch_size=5, verbose=0, return_dict=True)
    want = np_logs(model)
    assert set(logs) == set(want)
    for k, v in want.items():
        assert logs[k] == pytest.approx(v, rel=1e-5, abs=1e-6), k
    # Keras 3's list order: loss, each output's loss in output order, metrics by name
    values = model.evaluate([XA, XB], [Y_REG, Y_CLS], verbose=0)
    order = ["loss", "reg_loss", "cls_loss", "cls_accuracy", "reg_mae"]
    np.testing.assert_allclose(values, [want[k] for k in order], rtol=1e-5, atol=1e-6)
    reg, cls = model.predict([XA, XB], batch_size=5, verbose=0)
    np.testing.assert_allclose(reg, np_forward(model, XA, XB)[0], rtol=1e-5, atol=1e-6)
    assert cls.shape == (N, 3)


def test_dicts_keyed_by_output_keys(engine):
    model = two_in_two_out(dict_io=True)
    model.compile(optimizer="sgd", loss={"r": "mse", "c": "sparse_categorical_crossentropy"},
                  loss_weights={"r": 0.5, "c": 2.0}, metrics={"r": ["mae"], "c": "accuracy"})
    x, y = {"a": XA, "b": XB}, {"r": Y_REG, "c": Y_CLS}
    hist = model.fit(x, y, epochs=1, batch_size=6, verbose=0)
    assert set(hist.history) == {"loss", "r_loss", "c_loss", "r_mae", "c_accuracy"}
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    want = np_logs(model)
    for ours, theirs in [("loss", "loss"), ("r_loss", "reg_loss"), ("c_loss", "cls_loss"),
                         ("r_mae", "reg_mae"), ("c_accuracy", "cls_accuracy")]:
        assert logs[ours] == pytest.approx(want[theirs], rel=1e-5, abs=1e-6), ours
    pred = model.predict(x, verbose=0)
    assert isinstance(pred, dict) and set(pred) == {"r", "c"}
    np.testing.assert_allclose(pred["r"], np_forward(model, XA, XB)[0], rtol=1e-5, atol=1e-6)


def test_list_model_fed_dicts_by_input_and_output_name(engine):
    model = _compile(two_in_two_out(), loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
                     loss_weights={"reg": 0.5, "cls": 2.0}, metrics={"reg": "mae", "cls": ["accuracy"]})
    x, y = {"b": XB, "a": XA}, {"cls": Y_CLS, "reg": Y_REG}
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    for k, v in np_logs(model).items():
        assert logs[k] == pytest.approx(v, rel=1e-5, abs=1e-6), k
    reg, cls = model.predict(x, verbose=0)
    np.testing.assert_allclose(cls, np_forward(model, XA, XB)[1], rtol=1e-5, atol=1e-6)


def test_one_loss_for_every_output_and_outputs_without_loss(engine):
    model = two_in_two_out()
    y_cls = np.eye(3, dtype="float32")[Y_CLS]
    model.compile(optimizer="sgd", loss="mse", metrics=["mae", None])
    logs = model.evaluate([XA, XB], [Y_REG, y_cls], verbose=0, return_dict=True)
    reg, cls = np_forward(model, XA, XB)
    mse_r, mse_c = ((reg - Y_REG) ** 2).mean(), ((cls - y_cls) ** 2).mean()
    assert set(logs) == {"loss", "reg_loss", "cls_loss", "reg_mae"}
    assert logs["loss"] == pytest.approx(mse_r + mse_c, rel=1e-5)
    assert logs["cls_loss"] == pytest.approx(mse_c, rel=1e-5)
    # a None loss leaves that output out of the total (and out of the per-output logs)
    model.compile(optimizer="sgd", loss=[None, "mse"], metrics=[["mae"], []])
    logs = model.evaluate([XA, XB], [Y_REG, y_cls], verbose=0, return_dict=True)
    assert set(logs) == {"loss", "reg_mae"}
    assert logs["loss"] == pytest.approx(mse_c, rel=1e-5)
    hist = model.fit([XA, XB], [Y_REG, y_cls], epochs=1, verbose=0)
    assert np.isfinite(hist.history["loss"][0])


def test_sample_weight_per_output(engine):
    model = _compile(two_in_two_out(), metrics=None)
    sw_reg = RNG.uniform(0, 2, size=N).astype("float32")
    logs = model.evaluate([XA, XB], [Y_REG, Y_CLS], sample_weight=[sw_reg, np.ones(N, "float32")],
                          verbose=0, return_dict=True)
    reg, _ = np_forward(model, XA, XB)
    want = (((reg - Y_REG) ** 2)[:, 0] * sw_reg).mean()
    assert logs["reg_loss"] == pytest.approx(want, rel=1e-5)
    assert logs["loss"] == pytest.approx(0.5 * want + 2.0 * np_logs(model)["cls_loss"], rel=1e-5)


def test_training_reduces_the_weighted_total(engine):
    model = _compile(two_in_two_out(), optimizer="adam")
    hist = model.fit([XA, XB], [Y_REG, Y_CLS], epochs=15, batch_size=4, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


# ------------------------------------------------------------------ errors
def test_output_not_depending_on_the_given_inputs_names_the_input(engine):
    a, b, c = (layers.Input(shape=(2,), name=n) for n in ("in_a", "in_b", "in_c"))
    out1 = layers.Dense(1, name="o1")(a)
    out2 = layers.Dense(1, name="o2")(layers.Add()([b, c]))
    with pytest.raises(ValueError, match="in_c"):
        models.Model([a, b], [out1, out2])


def test_unused_input_among_several_warns(engine):
    a, b, c = (layers.Input(shape=(2,), name=n) for n in ("x1", "x2", "spare"))
    with pytest.warns(UserWarning, match="spare"):
        models.Model([a, b, c], [layers.Dense(1)(a), layers.Dense(1)(b)])


def test_loss_dict_with_unknown_output(engine):
    model = two_in_two_out()
    with pytest.raises(ValueError, match=r"'clss'.*did you mean 'cls'"):
        model.compile(optimizer="sgd", loss={"reg": "mse", "clss": "mse"})
    with pytest.raises(ValueError, match="'nope'"):
        model.compile(optimizer="sgd", loss="mse", loss_weights={"nope": 1.0})
    with pytest.raises(ValueError, match="'oops'"):
        model.compile(optimizer="sgd", loss="mse", metrics={"oops": "mae"})


def test_per_output_lists_of_the_wrong_length(engine):
    model = two_in_two_out()
    with pytest.raises(ValueError, match="2 outputs"):
        model.compile(optimizer="sgd", loss=["mse"])
    with pytest.raises(ValueError, match="2 outputs"):
        model.compile(optimizer="sgd", loss="mse", loss_weights=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="list of 2 entries"):
        model.compile(optimizer="sgd", loss="mse", metrics=["mae", "mse", "mape"])


def test_x_or_y_of_the_wrong_length(engine):
    model = _compile(two_in_two_out())
    with pytest.raises(ValueError, match=r"expects 2 input\(s\).*\['a', 'b'\].*received 1"):
        model.fit([XA], [Y_REG, Y_CLS], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"2 outputs \['reg', 'cls'\].*list of 3"):
        model.fit([XA, XB], [Y_REG, Y_CLS, Y_CLS], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="missing input"):
        model.predict({"a": XA}, verbose=0)
    with pytest.raises(ValueError, match=r"keys .* do not match .*\['reg', 'cls'\]"):
        model.evaluate([XA, XB], {"reg": Y_REG, "klass": Y_CLS}, verbose=0)


def test_two_layers_with_the_same_name_in_branches(engine):
    inp = layers.Input(shape=(3,))
    left = layers.Dense(2, name="twin")(inp)
    right = layers.Dense(2, name="twin")(inp)
    with pytest.raises(ValueError, match="'twin'"):
        models.Model(inp, [left, right])


# ------------------------------------------------------------------ Keras 3 oracle
@pytest.mark.keras_oracle
def test_evaluate_dict_matches_keras(keras_module, engine):
    keras = keras_module
    ours = _compile(two_in_two_out())
    a, b = keras.Input(shape=(3,), name="a"), keras.Input(shape=(2,), name="b")
    h = keras.layers.Dense(4, activation="relu", name="h")(keras.layers.Concatenate(name="concat")([a, b]))
    theirs = keras.Model([a, b], [keras.layers.Dense(1, name="reg")(h),
                                  keras.layers.Dense(3, activation="softmax", name="cls")(h)])
    theirs.set_weights(ours.get_weights())
    theirs.compile(optimizer="sgd", loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[0.5, 2.0],
                   metrics=[["mae"], ["accuracy"]])
    want = theirs.evaluate([XA, XB], [Y_REG, Y_CLS], batch_size=5, verbose=0, return_dict=True)
    got = ours.evaluate([XA, XB], [Y_REG, Y_CLS], batch_size=5, verbose=0, return_dict=True)
    assert set(got) == set(want)
    for k in want:
        assert got[k] == pytest.approx(float(want[k]), rel=1e-5, abs=1e-6), k
    want_list = theirs.evaluate([XA, XB], [Y_REG, Y_CLS], batch_size=5, verbose=0)
    got_list = ours.evaluate([XA, XB], [Y_REG, Y_CLS], batch_size=5, verbose=0)
    np.testing.assert_allclose(got_list, want_list, rtol=1e-5, atol=1e-6)
    preds = ours.predict([XA, XB], verbose=0)
    for p, q in zip(preds, theirs.predict([XA, XB], verbose=0)):
        np.testing.assert_allclose(p, np.asarray(q), rtol=1e-5, atol=1e-6)
