"""Losses on every engine against NumPy float64 references: per-sample values,
reductions, sample weights, logits stability, label smoothing, lookup, errors,
and a few comparisons with Keras 3 itself."""
import numpy as np
import pytest

from kerasette import losses, ops

from .keras_oracle import keras_numpy_values

EPS = 1e-7
RTOL, ATOL = 1e-5, 1e-6
RNG = np.random.default_rng(0)
N, K = 6, 4


def npy(x):
    return np.asarray(ops.to_numpy(x), dtype=np.float64)


# ---------------------------------------------------------------- data
def _probs(n=N, k=K, rng=RNG):
    p = rng.uniform(0.05, 1.0, size=(n, k))
    return (p / p.sum(-1, keepdims=True)).astype(np.float32)


def _onehot(labels, k=K):
    return np.eye(k, dtype=np.float32)[labels]


LABELS = RNG.integers(0, K, size=N)
ONEHOT = _onehot(LABELS)
PROBS = _probs()
LOGITS = RNG.normal(0, 3, size=(N, K)).astype(np.float32)
BIN_TRUE = RNG.integers(0, 2, size=(N, K)).astype(np.float32)
BIN_PROB = RNG.uniform(0.01, 0.99, size=(N, K)).astype(np.float32)
REG_TRUE = RNG.normal(0, 2, size=(N, K)).astype(np.float32)
REG_PRED = RNG.normal(0, 2, size=(N, K)).astype(np.float32)
POS_TRUE = RNG.uniform(0, 3, size=(N, K)).astype(np.float32)
POS_PRED = RNG.uniform(0.1, 3, size=(N, K)).astype(np.float32)
PM1_TRUE = (2 * BIN_TRUE - 1).astype(np.float32)


# ---------------------------------------------------------------- float64 references
def f64(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def ref_mse(t, p):
    t, p = f64(t, p)
    return ((t - p) ** 2).mean(-1)


def ref_mae(t, p):
    t, p = f64(t, p)
    return np.abs(t - p).mean(-1)


def ref_mape(t, p):
    t, p = f64(t, p)
    return 100 * (np.abs(t - p) / np.maximum(np.abs(t), EPS)).mean(-1)


def ref_msle(t, p):
    t, p = f64(t, p)
    return ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2).mean(-1)


def ref_cosine(t, p, axis=-1):
    t, p = f64(t, p)
    tn = t / np.maximum(np.linalg.norm(t, axis=axis, keepdims=True), EPS)
    pn = p / np.maximum(np.linalg.norm(p, axis=axis, keepdims=True), EPS)
    return -(tn * pn).sum(axis)


def ref_huber(t, p, delta=1.0):
    t, p = f64(t, p)
    e = np.abs(p - t)
    return np.where(e <= delta, 0.5 * e ** 2, delta * e - 0.5 * delta ** 2).mean(-1)


def ref_log_cosh(t, p):
    t, p = f64(t, p)
    return np.log(np.cosh(p - t)).mean(-1)


def ref_kld(t, p):
    t, p = f64(t, p)
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return (t * np.log(t / p)).sum(-1)


def ref_poisson(t, p):
    t, p = f64(t, p)
    return (p - t * np.log(p + EPS)).mean(-1)


def ref_hinge(t, p):
    t, p = f64(t, p)
    if np.all((t == 0) | (t == 1)):
        t = 2 * t - 1
    return np.maximum(1 - t * p, 0).mean(-1)


def ref_squared_hinge(t, p):
    t, p = f64(t, p)
    if np.all((t == 0) | (t == 1)):
        t = 2 * t - 1
    return (np.maximum(1 - t * p, 0) ** 2).mean(-1)


def ref_categorical_hinge(t, p):
    t, p = f64(t, p)
    pos = (t * p).sum(-1)
    neg = ((1 - t) * p).max(-1)
    return np.maximum(neg - pos + 1, 0)


def _log_softmax(z):
    z = np.asarray(z, np.float64)
    m = z.max(-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(-1, keepdims=True))


def _softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def ref_cce(t, p, from_logits=False, label_smoothing=0.0):
    t, p = f64(t, p)
    if label_smoothing:
        t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        logp = _log_softmax(p)
    else:
        logp = np.log(np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS))
    return -(t * logp).sum(-1)


def ref_scce(labels, p, from_logits=False):
    return ref_cce(np.eye(np.shape(p)[-1])[np.asarray(labels).astype(int)], p, from_logits)


def ref_bce(t, p, from_logits=False, label_smoothing=0.0):
    t, p = f64(t, p)
    if label_smoothing:
        t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        v = t * _softplus(-p) + (1 - t) * _softplus(p)
    else:
        q = np.clip(p, EPS, 1 - EPS)
        v = -(t * np.log(q) + (1 - t) * np.log(1 - q))
    return v.mean(-1)


def ref_focal(t, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False):
    t, p = f64(t, p)
    if from_logits:
        p = 1 / (1 + np.exp(-p))
    q = np.clip(p, EPS, 1 - EPS)
    bce = -(t * np.log(q) + (1 - t) * np.log(1 - q))
    pt = t * p + (1 - t) * (1 - p)
    v = (1 - pt) ** gamma * bce
    if apply_class_balancing:
        v = (t * alpha + (1 - t) * (1 - alpha)) * v
    return v.mean(-1)


# name, loss class, class kwargs, y_true, y_pred, reference(t, p)
CASES = [
    ("mean_squared_error", losses.MeanSquaredError, {}, REG_TRUE, REG_PRED, ref_mse),
    ("mean_absolute_error", losses.MeanAbsoluteError, {}, REG_TRUE, REG_PRED, ref_mae),
    ("mean_absolute_percentage_error", losses.MeanAbsolutePercentageError, {}, REG_TRUE, REG_PRED, ref_mape),
    ("mean_squared_logarithmic_error", losses.MeanSquaredLogarithmicError, {}, POS_TRUE, POS_PRED, ref_msle),
    ("cosine_similarity", losses.CosineSimilarity, {}, REG_TRUE, REG_PRED, ref_cosine),
    ("huber", losses.Huber, {}, REG_TRUE, REG_PRED, ref_huber),
    ("huber", losses.Huber, {"delta": 2.5}, REG_TRUE, REG_PRED, lambda t, p: ref_huber(t, p, 2.5)),
    ("log_cosh", losses.LogCosh, {}, REG_TRUE, REG_PRED, ref_log_cosh),
    ("kl_divergence", losses.KLDivergence, {}, _probs(), PROBS, ref_kld),
    ("poisson", losses.Poisson, {}, POS_TRUE, POS_PRED, ref_poisson),
    ("hinge", losses.Hinge, {}, BIN_TRUE, REG_PRED, ref_hinge),
    ("hinge", losses.Hinge, {}, PM1_TRUE, REG_PRED, ref_hinge),
    ("squared_hinge", losses.SquaredHinge, {}, BIN_TRUE, REG_PRED, ref_squared_hinge),
    ("categorical_hinge", losses.CategoricalHinge, {}, ONEHOT, REG_PRED, ref_categorical_hinge),
    ("categorical_crossentropy", losses.CategoricalCrossentropy, {}, ONEHOT, PROBS, ref_cce),
    ("categorical_crossentropy", losses.CategoricalCrossentropy, {"from_logits": True}, ONEHOT, LOGITS,
     lambda t, p: ref_cce(t, p, True)),
    ("categorical_crossentropy", losses.CategoricalCrossentropy, {"label_smoothing": 0.2}, ONEHOT, PROBS,
     lambda t, p: ref_cce(t, p, False, 0.2)),
    ("categorical_crossentropy", losses.CategoricalCrossentropy, {"from_logits": True, "label_smoothing": 0.1},
     ONEHOT, LOGITS, lambda t, p: ref_cce(t, p, True, 0.1)),
    ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy, {}, LABELS, PROBS, ref_scce),
    ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy, {"from_logits": True},
     LABELS, LOGITS, lambda t, p: ref_scce(t, p, True)),
    ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy, {}, LABELS[:, None], PROBS,
     lambda t, p: ref_scce(t[:, 0], p)),
    ("binary_crossentropy", losses.BinaryCrossentropy, {}, BIN_TRUE, BIN_PROB, ref_bce),
    ("binary_crossentropy", losses.BinaryCrossentropy, {"from_logits": True}, BIN_TRUE, LOGITS,
     lambda t, p: ref_bce(t, p, True)),
    ("binary_crossentropy", losses.BinaryCrossentropy, {"label_smoothing": 0.3}, BIN_TRUE, BIN_PROB,
     lambda t, p: ref_bce(t, p, False, 0.3)),
    ("binary_crossentropy", losses.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.3},
     BIN_TRUE, LOGITS, lambda t, p: ref_bce(t, p, True, 0.3)),
    ("binary_focal_crossentropy", losses.BinaryFocalCrossentropy, {}, BIN_TRUE, BIN_PROB, ref_focal),
    ("binary_focal_crossentropy", losses.BinaryFocalCrossentropy,
     {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5}, BIN_TRUE, BIN_PROB,
     lambda t, p: ref_focal(t, p, True, 0.4, 1.5)),
    ("binary_focal_crossentropy", losses.BinaryFocalCrossentropy, {"from_logits": True}, BIN_TRUE, LOGITS,
     lambda t, p: ref_focal(t, p, from_logits=True)),
]
CASE_IDS = [f"{c[1].__name__}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_function_matches_reference(engine, case):
    name, cls, kwargs, t, p, ref = case
    fn = losses.get(name)
    out = npy(fn(ops.convert(t), ops.convert(p), **kwargs))
    np.testing.assert_allclose(out, ref(t, p), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_class_reductions_and_sample_weight(engine, case):
    name, cls, kwargs, t, p, ref = case
    per = ref(t, p)
    sw = RNG.uniform(0, 2, size=N).astype(np.float32)
    loss = cls(**kwargs)
    np.testing.assert_allclose(npy(loss(t, p)), per.mean(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(npy(loss(t, p, sample_weight=sw)), (per * sw).sum() / N, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(npy(loss(t, p, sample_weight=sw[:, None])), (per * sw).sum() / N,
                               rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(npy(loss(t, p, sample_weight=2.0)), 2 * per.mean(), rtol=RTOL, atol=ATOL)
    total = cls(reduction="sum", **kwargs)
    np.testing.assert_allclose(npy(total(t, p, sample_weight=sw)), (per * sw).sum(), rtol=RTOL, atol=ATOL)
    none = cls(reduction=None, **kwargs)
    np.testing.assert_allclose(npy(none(t, p, sample_weight=sw)), per * sw, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(npy(cls(reduction="none", **kwargs)(t, p)), per, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(npy(cls(reduction="mean", **kwargs)(t, p)), per.mean(), rtol=RTOL, atol=ATOL)
    mws = cls(reduction="mean_with_sample_weight", **kwargs)
    np.testing.assert_allclose(npy(mws(t, p, sample_weight=sw)), (per * sw).sum() / sw.sum(),
                               rtol=RTOL, atol=ATOL)
    # the engine arrays are accepted as well as NumPy ones
    np.testing.assert_allclose(npy(loss(ops.convert(t), ops.convert(p))), per.mean(), rtol=RTOL, atol=ATOL)


def test_sum_over_batch_size_divides_by_all_per_sample_values(engine):
    # (batch, time, features) -> per-sample losses (batch, time): the mean is over batch*time
    t = RNG.normal(size=(3, 5, 2)).astype(np.float32)
    p = RNG.normal(size=(3, 5, 2)).astype(np.float32)
    per = ref_mse(t, p)
    sw = RNG.uniform(size=3).astype(np.float32)
    loss = losses.MeanSquaredError()
    np.testing.assert_allclose(npy(loss(t, p)), per.mean(), rtol=RTOL)
    np.testing.assert_allclose(npy(loss(t, p, sample_weight=sw)), (per * sw[:, None]).sum() / 15, rtol=RTOL)
    tsw = RNG.uniform(size=(3, 5)).astype(np.float32)
    np.testing.assert_allclose(npy(loss(t, p, sample_weight=tsw)), (per * tsw).sum() / 15, rtol=RTOL)


def test_rank_squeeze_like_keras(engine):
    t = np.array([1.0, 0.0, 2.0], np.float32)
    p = np.array([[0.5], [0.5], [1.0]], np.float32)
    np.testing.assert_allclose(npy(losses.MeanSquaredError()(t, p)), np.mean((t - p[:, 0]) ** 2), rtol=RTOL)
    np.testing.assert_allclose(npy(losses.MeanSquaredError(reduction=None)(t, p)), (t - p[:, 0]) ** 2,
                               rtol=RTOL)
    # binary labels (n,) against probabilities (n, 1)
    bt = np.array([0, 1, 1], np.float32)
    bp = np.array([[0.2], [0.7], [0.9]], np.float32)
    np.testing.assert_allclose(npy(losses.BinaryCrossentropy()(bt, bp)), ref_bce(bt[:, None], bp).mean(),
                               rtol=RTOL)


@pytest.mark.parametrize("extreme", [1e4, 1e30])
def test_from_logits_is_finite_at_extreme_logits(engine, extreme):
    z = np.array([[extreme, -extreme, 0.0], [-extreme, extreme, 1.0]], np.float32)
    onehot = np.array([[0, 1, 0], [1, 0, 0]], np.float32)   # the worst class is the label
    labels = np.array([1, 0])
    btrue = np.array([[0, 1, 1], [1, 0, 0]], np.float32)
    cce = npy(losses.categorical_crossentropy(onehot, z, from_logits=True))
    scce = npy(losses.sparse_categorical_crossentropy(labels, z, from_logits=True))
    bce = npy(losses.binary_crossentropy(btrue, z, from_logits=True))
    focal = npy(losses.binary_focal_crossentropy(btrue, z, from_logits=True))
    for v in (cce, scce, bce, focal):
        assert np.all(np.isfinite(v)), v
    if extreme == 1e4:
        np.testing.assert_allclose(cce, [2e4, 2e4], rtol=1e-6)
        np.testing.assert_allclose(scce, [2e4, 2e4], rtol=1e-6)
        np.testing.assert_allclose(bce, ref_bce(btrue, z.astype(np.float64), True), rtol=1e-6)
    # probabilities at exactly 0 and 1 are clipped, not log(0)
    p = np.array([[0.0, 1.0, 0.0]], np.float32)
    v = npy(losses.categorical_crossentropy(np.array([[1, 0, 0]], np.float32), p))
    np.testing.assert_allclose(v, [-np.log(EPS)], rtol=1e-4)
    v = npy(losses.binary_crossentropy(np.array([[1, 0, 1]], np.float32), p))
    assert np.all(np.isfinite(v))


def test_from_logits_gradient_is_finite(engine):
    z0 = ops.convert(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1.0]], np.float32))
    onehot = ops.convert(np.array([[0, 1, 0], [1, 0, 0]], np.float32))
    bt = ops.convert(np.array([[0, 1, 1], [1, 0, 0]], np.float32))
    cce = losses.CategoricalCrossentropy(from_logits=True)
    bce = losses.BinaryCrossentropy(from_logits=True)

    def fn(params):
        z = params[0]
        return ops.add(cce(onehot, z), bce(bt, z)), None

    (value, _), grads = ops.value_and_grad(fn, has_aux=True)([z0])
    assert np.isfinite(npy(value))
    assert np.all(np.isfinite(npy(grads[0])))


def test_ignore_class_is_left_out_of_the_mean(engine):
    labels = np.array([0, 2, -1, 1, -1], np.int64)
    p = _probs(5, 3)
    valid = labels != -1
    per = np.where(valid, ref_scce(np.where(valid, labels, 0), p), 0.0)
    fn = npy(losses.sparse_categorical_crossentropy(labels, p, ignore_class=-1))
    np.testing.assert_allclose(fn, per, rtol=RTOL, atol=ATOL)
    loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    np.testing.assert_allclose(npy(loss(labels, p)), per[valid].mean(), rtol=RTOL)
    sw = np.array([1.0, 2.0, 3.0, 0.5, 1.0], np.float32)
    np.testing.assert_allclose(npy(losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction="sum")(
        labels, p, sample_weight=sw)), (per * sw).sum(), rtol=RTOL)


def test_sparse_with_class_axis_first(engine):
    logits = RNG.normal(size=(2, K, 3)).astype(np.float32)   # classes on axis 1
    labels = RNG.integers(0, K, size=(2, 3))
    out = npy(losses.sparse_categorical_crossentropy(labels, logits, from_logits=True, axis=1))
    ref = ref_scce(labels, np.moveaxis(logits, 1, -1), True)
    np.testing.assert_allclose(out, ref, rtol=RTOL, atol=ATOL)


def test_function_forms_keep_float64_where_the_engine_can(engine):
    t = np.array([[1.0, 2.0]])
    out = losses.mean_squared_error(t, t + 1e-9)
    assert out.shape == (1,)


# ---------------------------------------------------------------- errors
def test_integer_labels_given_to_categorical_crossentropy(engine):
    p = PROBS
    for labels in (LABELS, LABELS[:, None]):
        with pytest.raises(ValueError) as e:
            losses.CategoricalCrossentropy()(labels, p)
        msg = str(e.value)
        assert "sparse_categorical_crossentropy" in msg
        assert str(tuple(labels.shape)) in msg and str(p.shape) in msg


def test_one_hot_labels_given_to_sparse_categorical_crossentropy(engine):
    with pytest.raises(ValueError) as e:
        losses.SparseCategoricalCrossentropy()(ONEHOT, PROBS)
    assert "categorical_crossentropy" in str(e.value) and str(ONEHOT.shape) in str(e.value)


def test_class_labels_given_to_binary_crossentropy(engine):
    with pytest.raises(ValueError) as e:
        losses.BinaryCrossentropy()(LABELS, PROBS)
    assert "sparse_categorical_crossentropy" in str(e.value) and str(PROBS.shape) in str(e.value)
    with pytest.raises(ValueError, match="same shape"):
        losses.binary_crossentropy(np.zeros((3, 2)), np.zeros((3, 5)))


def test_bad_reduction_and_sample_weight(engine):
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="sample_weight"):
        losses.MeanSquaredError()(REG_TRUE, REG_PRED, sample_weight=np.ones(N + 1, np.float32))


def test_unknown_names_list_close_matches():
    with pytest.raises(ValueError, match="mean_squared_error"):
        losses.get("mean_squared_eror")
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        losses.get("categorical_crosentropy")
    with pytest.raises(ValueError):
        losses.get(3)


# ---------------------------------------------------------------- lookup and config
def test_get_accepts_every_identifier_form():
    assert losses.get(None) is None
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MSE") is losses.mean_squared_error
    assert losses.get("mean_squared_error") is losses.mean_squared_error
    assert losses.get("mae") is losses.mean_absolute_error
    assert losses.get("kld") is losses.kl_divergence
    assert losses.get("bce") is losses.binary_crossentropy
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    inst = losses.Huber(delta=3.0)
    assert losses.get(inst) is inst

    def custom(y_true, y_pred):
        return y_pred

    assert losses.get(custom) is custom
    obj = losses.get({"class_name": "BinaryCrossentropy", "config": {"from_logits": True}})
    assert isinstance(obj, losses.BinaryCrossentropy) and obj.from_logits


def test_config_round_trip():
    for obj in (losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, name="b"),
                losses.SparseCategoricalCrossentropy(ignore_class=255, reduction="sum"),
                losses.Huber(delta=2.0), losses.MeanSquaredError(reduction=None),
                losses.BinaryFocalCrossentropy(gamma=3.0, apply_class_balancing=True),
                losses.CosineSimilarity(axis=0)):
        again = losses.deserialize(losses.serialize(obj))
        assert type(again) is type(obj)
        assert again.get_config() == obj.get_config()
    assert losses.Huber().name == "huber_loss"
    assert losses.MeanSquaredError().get_config() == {"name": "mean_squared_error",
                                                      "reduction": "sum_over_batch_size"}
    w = losses.LossFunctionWrapper(losses.huber, name="h", delta=0.5)
    again = losses.LossFunctionWrapper.from_config(w.get_config())
    assert again.fn is losses.huber and again._fn_kwargs == {"delta": 0.5}


def test_resolve_for_compile(engine):
    mse = losses.resolve("mse")
    assert isinstance(mse, losses.Loss) and mse.name == "mse"
    assert losses.resolve(losses.mean_absolute_error).name == "mean_absolute_error"
    inst = losses.CategoricalCrossentropy()
    assert losses.resolve(inst) is inst
    assert losses.resolve(None) is None
    assert losses.resolve("ce", (None, 1), (None, 1)).fn is losses.binary_crossentropy
    assert losses.resolve("crossentropy", (None,), (None, 10)).fn is losses.sparse_categorical_crossentropy
    assert losses.resolve("crossentropy", (None, 1), (None, 10)).fn is losses.sparse_categorical_crossentropy
    assert losses.resolve("crossentropy", (None, 10), (None, 10)).fn is losses.categorical_crossentropy
    with pytest.raises(ValueError, match="shape"):
        losses.resolve("crossentropy")
    np.testing.assert_allclose(npy(mse(REG_TRUE, REG_PRED)), ref_mse(REG_TRUE, REG_PRED).mean(), rtol=RTOL)


def test_custom_loss_subclass_as_keras_users_write_it(engine):
    class ScaledMSE(losses.Loss):
        def __init__(self, scale=2.0, name="scaled_mse", **kwargs):
            super().__init__(name=name, **kwargs)
            self.scale = scale

        def call(self, y_true, y_pred):
            return ops.multiply(ops.mean(ops.square(ops.subtract(y_pred, y_true)), axis=-1), self.scale)

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    loss = ScaledMSE(scale=3.0)
    sw = np.arange(N, dtype=np.float32)
    np.testing.assert_allclose(npy(loss(REG_TRUE, REG_PRED, sample_weight=sw)),
                               3 * (ref_mse(REG_TRUE, REG_PRED) * sw).sum() / N, rtol=RTOL)
    assert ScaledMSE.from_config(loss.get_config()).scale == 3.0
    assert losses.resolve(loss) is loss

    class Plain(losses.Loss):
        def call(self, y_true, y_pred):
            return ops.abs(ops.subtract(y_pred, y_true))

    assert Plain().name == "plain"
    np.testing.assert_allclose(npy(Plain()(REG_TRUE, REG_PRED)), np.abs(REG_TRUE - REG_PRED).mean(), rtol=RTOL)


def test_inside_the_engines_jit(engine):
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    step = ops.jit(lambda y, z: loss(y, z))
    out = npy(step(ops.convert(LABELS), ops.convert(LOGITS)))
    np.testing.assert_allclose(out, ref_scce(LABELS, LOGITS, True).mean(), rtol=RTOL)
    hinge = ops.jit(lambda y, z: losses.Hinge()(y, z))
    np.testing.assert_allclose(npy(hinge(ops.convert(BIN_TRUE), ops.convert(REG_PRED))),
                               ref_hinge(BIN_TRUE, REG_PRED).mean(), rtol=RTOL)


# ---------------------------------------------------------------- Keras itself
ORACLE_SW = np.linspace(0.1, 2.0, N).astype(np.float32)
# (Keras class name, kwargs, y_true, y_pred); ours is the class of the same name
ORACLE_CASES = [
    ("MeanSquaredError", {}, REG_TRUE, REG_PRED),
    ("MeanAbsolutePercentageError", {}, REG_TRUE, REG_PRED),
    ("Huber", {"delta": 0.7}, REG_TRUE, REG_PRED),
    ("LogCosh", {}, REG_TRUE, REG_PRED),
    ("CosineSimilarity", {}, REG_TRUE, REG_PRED),
    ("KLDivergence", {}, _probs(), PROBS),
    ("Poisson", {}, POS_TRUE, POS_PRED),
    ("SquaredHinge", {}, BIN_TRUE, REG_PRED),
    ("CategoricalHinge", {}, ONEHOT, REG_PRED),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, ONEHOT, PROBS),
    ("CategoricalCrossentropy", {"from_logits": True}, ONEHOT, LOGITS),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, LABELS, LOGITS),
    ("SparseCategoricalCrossentropy", {"ignore_class": 2}, LABELS, PROBS),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, BIN_TRUE, LOGITS),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "gamma": 1.5}, BIN_TRUE, BIN_PROB),
]


@pytest.fixture(scope="module")
def keras_loss_values(keras_module, tmp_path_factory):
    """Keras's values for ORACLE_CASES, computed once: (plain, weighted) per case."""
    arrays, cases = {"w": ORACLE_SW}, []
    for i, (name, kwargs, t, p) in enumerate(ORACLE_CASES):
        arrays[f"t{i}"], arrays[f"p{i}"] = t, p
        cases.append(("losses", name, kwargs, f"t{i}", f"p{i}", "w", None))
    vals = keras_numpy_values(cases, arrays, tmp_path_factory.mktemp("keras_losses"))
    return [(vals[f"{i}"], vals[f"{i}w"]) for i in range(len(cases))]


@pytest.mark.keras_oracle
def test_matches_keras(engine, keras_loss_values):
    for (name, kwargs, t, p), (plain, weighted) in zip(ORACLE_CASES, keras_loss_values):
        ours = getattr(losses, name)(**kwargs)
        np.testing.assert_allclose(npy(ours(t, p)), plain, rtol=2e-5, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(npy(ours(t, p, sample_weight=ORACLE_SW)), weighted, rtol=2e-5, atol=1e-6,
                                   err_msg=name)


def test_register_makes_a_new_loss_known(engine):
    def double_mae(y_true, y_pred):
        return ops.multiply(losses.mean_absolute_error(y_true, y_pred), 2.0)

    try:
        losses.register(double_mae)
        assert losses.get("double_mae") is double_mae
        obj = losses.resolve("double_mae")
        np.testing.assert_allclose(npy(obj(REG_TRUE, REG_PRED)), 2 * ref_mae(REG_TRUE, REG_PRED).mean(), rtol=RTOL)
    finally:
        losses._OBJECTS.pop("double_mae", None)
