"""Metrics on every engine: accumulated over several batches they equal a NumPy
float64 reference over all the data; state lives only in variables (so the
pure, jitted form works); lookup, ``compile``'s resolution, custom metrics, and
a few comparisons with Keras 3 itself."""
import numpy as np
import pytest

from kerasette import losses, metrics, ops
from kerasette.variables import bind_values, get_values

from .keras_oracle import keras_numpy_values

EPS = 1e-7
RTOL, ATOL = 1e-5, 1e-6
RNG = np.random.default_rng(1)
K = 4
SIZES = (6, 6, 6)   # three batches (one shape: JAX compiles each op once per shape)
UNEVEN = (5, 7, 4)


def npy(x):
    return np.asarray(ops.to_numpy(x), dtype=np.float64)


def f64(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def _probs(n, k=K):
    p = RNG.uniform(0.05, 1.0, size=(n, k))
    return (p / p.sum(-1, keepdims=True)).astype(np.float32)


def batches(make, sizes=SIZES):
    """Three batches of (y_true, y_pred, sample_weight) from ``make(n)``."""
    out = []
    for n in sizes:
        t, p = make(n)
        out.append((t, p, RNG.uniform(0.0, 2.0, size=n).astype(np.float32)))
    return out


def concat(bs):
    return [np.concatenate([b[i] for b in bs]) for i in range(3)]


def accumulate(metric, bs, weighted=True):
    metric.reset_state()
    for t, p, w in bs:
        metric.update_state(t, p, sample_weight=w if weighted else None)
    return npy(metric.result())


def weighted_mean(per_sample, w):
    return (per_sample * w).sum() / w.sum()


# ---------------------------------------------------------------- references
def _softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def _norm(x):
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), EPS)


def _hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


REFS = {
    "mse": lambda t, p: ((t - p) ** 2).mean(-1),
    "mae": lambda t, p: np.abs(t - p).mean(-1),
    "mape": lambda t, p: 100 * (np.abs(t - p) / np.maximum(np.abs(t), EPS)).mean(-1),
    "msle": lambda t, p: ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2).mean(-1),
    "cosine": lambda t, p: (_norm(t) * _norm(p)).sum(-1),
    "logcosh": lambda t, p: np.log(np.cosh(p - t)).mean(-1),
    "hinge": lambda t, p: np.maximum(1 - _hinge_labels(t) * p, 0).mean(-1),
    "squared_hinge": lambda t, p: (np.maximum(1 - _hinge_labels(t) * p, 0) ** 2).mean(-1),
    "categorical_hinge": lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0),
    "kld": lambda t, p: (np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1))).sum(-1),
    "poisson": lambda t, p: (p - t * np.log(p + EPS)).mean(-1),
    "bce": lambda t, p: (-(t * np.log(np.clip(p, EPS, 1 - EPS)) + (1 - t) * np.log(1 - np.clip(p, EPS, 1 - EPS)))
                         ).mean(-1),
    "bce_logits": lambda t, p: (t * _softplus(-p) + (1 - t) * _softplus(p)).mean(-1),
    "cce": lambda t, p: -(t * np.log(np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS))).sum(-1),
    "scce": lambda t, p: -np.log(np.clip(p[np.arange(len(t)), t.astype(int)], EPS, 1 - EPS)),
    "accuracy": lambda t, p: (t == p).astype(np.float64).mean(-1),
    "binary_accuracy": lambda t, p: ((p > 0.5) == t).mean(-1),
    "binary_accuracy_0.7": lambda t, p: ((p > 0.7) == t).mean(-1),
    "categorical_accuracy": lambda t, p: (t.argmax(-1) == p.argmax(-1)).astype(np.float64),
    "sparse_categorical_accuracy": lambda t, p: (t.reshape(-1) == p.argmax(-1)).astype(np.float64),
    "top2": lambda t, p: ((p > p[np.arange(len(p)), t.argmax(-1)][:, None]).sum(-1) < 2).astype(np.float64),
    "sparse_top2": lambda t, p: ((p > p[np.arange(len(p)), t.astype(int)][:, None]).sum(-1) < 2).astype(
        np.float64),
}


def reg(n):
    return RNG.normal(0, 2, (n, K)).astype(np.float32), RNG.normal(0, 2, (n, K)).astype(np.float32)


def positive(n):
    return RNG.uniform(0, 3, (n, K)).astype(np.float32), RNG.uniform(0.1, 3, (n, K)).astype(np.float32)


def binary(n):
    return RNG.integers(0, 2, (n, K)).astype(np.float32), RNG.uniform(0.01, 0.99, (n, K)).astype(np.float32)


def binary_logits(n):
    return RNG.integers(0, 2, (n, K)).astype(np.float32), RNG.normal(0, 3, (n, K)).astype(np.float32)


def onehot(n):
    return np.eye(K, dtype=np.float32)[RNG.integers(0, K, n)], _probs(n)


def sparse(n):
    return RNG.integers(0, K, n), _probs(n)


def sparse_col(n):
    return RNG.integers(0, K, (n, 1)), _probs(n)


def ties(n):
    # scores on a coarse grid so ties happen at the top-k boundary
    return np.eye(K, dtype=np.float32)[RNG.integers(0, K, n)], RNG.integers(0, 3, (n, K)).astype(np.float32)


def exact(n):
    t = RNG.integers(0, 3, (n, 2)).astype(np.float32)
    p = np.where(RNG.uniform(size=(n, 2)) < 0.6, t, RNG.integers(0, 3, (n, 2))).astype(np.float32)
    return t, p


# metric factory, data maker, reference key
MEAN_CASES = [
    (metrics.MeanSquaredError, reg, "mse"),
    (metrics.MeanAbsoluteError, reg, "mae"),
    (metrics.MeanAbsolutePercentageError, reg, "mape"),
    (metrics.MeanSquaredLogarithmicError, positive, "msle"),
    (metrics.CosineSimilarity, reg, "cosine"),
    (metrics.LogCoshError, reg, "logcosh"),
    (metrics.Hinge, binary, "hinge"),
    (metrics.SquaredHinge, binary, "squared_hinge"),
    (metrics.CategoricalHinge, onehot, "categorical_hinge"),
    (metrics.KLDivergence, lambda n: (_probs(n), _probs(n)), "kld"),
    (metrics.Poisson, positive, "poisson"),
    (metrics.BinaryCrossentropy, binary, "bce"),
    (lambda: metrics.BinaryCrossentropy(from_logits=True), binary_logits, "bce_logits"),
    (metrics.CategoricalCrossentropy, onehot, "cce"),
    (metrics.SparseCategoricalCrossentropy, sparse, "scce"),
    (metrics.Accuracy, exact, "accuracy"),
    (metrics.BinaryAccuracy, binary, "binary_accuracy"),
    (lambda: metrics.BinaryAccuracy(threshold=0.7), binary, "binary_accuracy_0.7"),
    (metrics.CategoricalAccuracy, onehot, "categorical_accuracy"),
    (metrics.SparseCategoricalAccuracy, sparse, "sparse_categorical_accuracy"),
    (metrics.SparseCategoricalAccuracy, sparse_col, "sparse_categorical_accuracy"),
    (lambda: metrics.TopKCategoricalAccuracy(k=2), ties, "top2"),
    (lambda: metrics.SparseTopKCategoricalAccuracy(k=2), lambda n: (ties(n)[0].argmax(-1), ties(n)[1]),
     "sparse_top2"),
    (lambda: metrics.MeanMetricWrapper(losses.mean_absolute_error, name="w"), reg, "mae"),
]
MEAN_IDS = [f"{i}-{c[2]}" for i, c in enumerate(MEAN_CASES)]


@pytest.mark.parametrize("case", MEAN_CASES, ids=MEAN_IDS)
def test_mean_metrics_over_batches_equal_reference_over_all_data(engine, case):
    make_metric, make_data, key = case
    bs = batches(make_data)
    t, p, w = concat(bs)
    per = REFS[key](*f64(t, p))
    m = make_metric()
    np.testing.assert_allclose(accumulate(m, bs), weighted_mean(per, w), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(accumulate(m, bs, weighted=False), per.mean(), rtol=RTOL, atol=ATOL)
    assert npy(m.result()).shape == ()


def test_rmse_over_batches(engine):
    bs = batches(reg, UNEVEN)
    t, p, w = concat(bs)
    sq = (f64(p)[0] - f64(t)[0]) ** 2       # Keras: per-element squares, averaged per sample
    m = metrics.RootMeanSquaredError()
    np.testing.assert_allclose(accumulate(m, bs, weighted=False), np.sqrt(sq.mean()), rtol=RTOL)
    np.testing.assert_allclose(accumulate(m, bs), np.sqrt(weighted_mean(sq.mean(-1), w)), rtol=RTOL)


def test_mean_and_sum_weighting_forms(engine):
    v = np.array([1.0, 3.0, 5.0, 7.0], np.float32)
    m, s = metrics.Mean(), metrics.Sum()
    m.update_state(v)
    s.update_state(v)
    np.testing.assert_allclose(npy(m.result()), 4.0)
    np.testing.assert_allclose(npy(s.result()), 16.0)
    m.reset_state()
    s.reset_state()
    m.update_state(v, sample_weight=[1, 1, 0, 0])
    s.update_state(v, sample_weight=[1, 1, 0, 0])
    np.testing.assert_allclose(npy(m.result()), 2.0)
    np.testing.assert_allclose(npy(s.result()), 4.0)
    m.update_state(ops.convert(np.array(10.0, np.float32)))      # a scalar counts as one sample
    np.testing.assert_allclose(npy(m.result()), 14.0 / 3)
    # 2-D values with per-sample weights: each row is averaged first
    m2 = metrics.Mean()
    vals = np.array([[1.0, 3.0], [5.0, 7.0], [0.0, 2.0]], np.float32)
    w = np.array([0.5, 1.0, 2.0], np.float32)
    m2.update_state(vals, sample_weight=w)
    np.testing.assert_allclose(npy(m2.result()), weighted_mean(vals.mean(-1), w), rtol=RTOL)
    m2.reset_state()
    m2.update_state(vals, sample_weight=w[:, None])
    np.testing.assert_allclose(npy(m2.result()), weighted_mean(vals.mean(-1), w), rtol=RTOL)
    empty = metrics.Mean()
    np.testing.assert_allclose(npy(empty.result()), 0.0)


@pytest.mark.parametrize("value", [2.5, [1.0, 4.0]], ids=["scalar", "vector"])
def test_mean_update_with_weight_equals_update_state_with_sample_weight(engine, value):
    """The loss trackers' two-op update is ``update_state(value, sample_weight=n)``."""
    fast, plain = metrics.Mean(), metrics.Mean()
    for step, n in enumerate((32, 7, 32)):
        v = ops.convert(np.asarray(value, np.float32) * (step + 1))
        fast.update_with_weight(v, n)
        plain.update_state(v, sample_weight=n)
        np.testing.assert_allclose(npy(fast.result()), npy(plain.result()), rtol=1e-6)
        np.testing.assert_allclose(npy(fast.count.value), npy(plain.count.value), rtol=1e-6)


def test_sparse_crossentropy_metric_ignores_class(engine):
    labels = np.array([0, 3, 255, 1, 255, 2])
    p = _probs(6)
    valid = labels != 255
    per = REFS["scce"](*f64(np.where(valid, labels, 0), p))
    m = metrics.SparseCategoricalCrossentropy(ignore_class=255)
    m.update_state(labels, p)
    np.testing.assert_allclose(npy(m.result()), per[valid].mean(), rtol=RTOL)


# ---------------------------------------------------------------- confusion metrics
def confusion_ref(t, p, w, thresholds):
    """(tp, fp, tn, fn) per threshold, float64, prediction > threshold is positive."""
    t, p, w = f64(t, p, w)
    t = t.reshape(-1) != 0
    w = np.broadcast_to(w.reshape(-1, *([1] * (p.ndim - 1))), p.shape).reshape(-1)
    p = p.reshape(-1)
    out = []
    for th in thresholds:
        pos = p > th
        out.append([(w * (t & pos)).sum(), (w * (~t & pos)).sum(), (w * (~t & ~pos)).sum(),
                    (w * (t & ~pos)).sum()])
    return np.array(out).T


def binary_scores(n):
    t = RNG.integers(0, 2, (n, 3)).astype(np.float32)
    p = np.clip(0.35 * t + RNG.uniform(0, 0.75, (n, 3)), 0, 1).astype(np.float32)
    return t, p


def test_precision_recall_over_batches(engine):
    bs = batches(binary_scores)
    t, p, w = concat(bs)
    th = [0.2, 0.5, 0.8]
    tp, fp, tn, fn = confusion_ref(t, p, w, th)
    prec, rec = metrics.Precision(thresholds=th), metrics.Recall(thresholds=th)
    np.testing.assert_allclose(accumulate(prec, bs), tp / (tp + fp), rtol=RTOL)
    np.testing.assert_allclose(accumulate(rec, bs), tp / (tp + fn), rtol=RTOL)
    tp, fp, tn, fn = confusion_ref(t, p, np.ones(len(t)), [0.5])
    single = metrics.Precision()
    np.testing.assert_allclose(accumulate(single, bs, weighted=False), (tp / (tp + fp))[0], rtol=RTOL)
    assert npy(single.result()).shape == ()
    for cls, idx in ((metrics.TruePositives, 0), (metrics.FalsePositives, 1), (metrics.TrueNegatives, 2),
                     (metrics.FalseNegatives, 3)):
        np.testing.assert_allclose(accumulate(cls(), bs, weighted=False), confusion_ref(t, p, np.ones(len(t)),
                                                                                         [0.5])[idx][0])
        np.testing.assert_allclose(accumulate(cls(thresholds=th), bs), confusion_ref(t, p, w, th)[idx],
                                   rtol=RTOL)


def test_precision_recall_top_k_and_class_id(engine):
    bs = batches(lambda n: (RNG.integers(0, 2, (n, 5)).astype(np.float32),
                            RNG.uniform(0, 1, (n, 5)).astype(np.float32)))
    t, p, w = concat(bs)
    # top_k: only each row's 2 best count as positive (threshold -inf)
    kth = np.sort(p, axis=-1)[:, -2][:, None]
    pos = p >= kth
    tw = np.broadcast_to(w[:, None], t.shape)
    tp = (tw * (pos & (t == 1))).sum()
    fp = (tw * (pos & (t == 0))).sum()
    fn = (tw * (~pos & (t == 1))).sum()
    np.testing.assert_allclose(accumulate(metrics.Precision(top_k=2), bs), tp / (tp + fp), rtol=RTOL)
    np.testing.assert_allclose(accumulate(metrics.Recall(top_k=2), bs), tp / (tp + fn), rtol=RTOL)
    c = 3
    ref = confusion_ref(t[:, c], p[:, c], w, [0.5])
    np.testing.assert_allclose(accumulate(metrics.Precision(class_id=c), bs), ref[0][0] / (ref[0][0] + ref[1][0]),
                               rtol=RTOL)
    np.testing.assert_allclose(accumulate(metrics.Recall(class_id=c), bs), ref[0][0] / (ref[0][0] + ref[3][0]),
                               rtol=RTOL)


def auc_ref(t, p, w, thresholds, curve="ROC", method="interpolation"):
    """AUC from float64 confusion counts on the same thresholds (Keras's formulas)."""
    tp, fp, tn, fn = confusion_ref(t, p, w, thresholds)

    def div(a, b):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))

    if curve == "PR" and method == "interpolation":
        dtp = tp[:-1] - tp[1:]
        pp = tp + fp
        dp = pp[:-1] - pp[1:]
        slope = div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * pp[1:]
        ratio = np.where((pp[:-1] > 0) & (pp[1:] > 0), div(pp[:-1], np.maximum(pp[1:], 0)), 1.0)
        return div(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)).sum()
    recall = div(tp, tp + fn)
    if curve == "ROC":
        x, y = div(fp, fp + tn), recall
    else:
        x, y = recall, div(tp, tp + fp)
    h = {"interpolation": (y[:-1] + y[1:]) / 2, "minoring": np.minimum(y[:-1], y[1:]),
         "majoring": np.maximum(y[:-1], y[1:])}[method]
    return ((x[:-1] - x[1:]) * h).sum()


def trapezoid_roc(t, p):
    """The exact ROC AUC (every score a threshold), for a loose sanity check."""
    order = np.argsort(-p, kind="stable")
    t = t[order]
    tpr = np.concatenate([[0], np.cumsum(t) / t.sum()])
    fpr = np.concatenate([[0], np.cumsum(1 - t) / (1 - t).sum()])
    return np.trapezoid(tpr, fpr) if hasattr(np, "trapezoid") else np.trapz(tpr, fpr)


@pytest.mark.parametrize("curve,method", [("ROC", "interpolation"), ("PR", "interpolation"),
                                          ("ROC", "minoring"), ("ROC", "majoring"), ("PR", "majoring"),
                                          ("PR", "minoring")])
def test_auc_matches_reference_on_the_same_thresholds(engine, curve, method):
    bs = batches(binary_scores)
    t, p, w = concat(bs)
    m = metrics.AUC(curve=curve, summation_method=method)
    assert len(m.thresholds) == 200
    got = accumulate(m, bs)
    np.testing.assert_allclose(got, auc_ref(t, p, w, m.thresholds, curve, method), rtol=1e-5, atol=1e-6)
    got = accumulate(m, bs, weighted=False)
    np.testing.assert_allclose(got, auc_ref(t, p, np.ones(len(t)), m.thresholds, curve, method),
                               rtol=1e-5, atol=1e-6)
    if curve == "ROC" and method == "interpolation":
        np.testing.assert_allclose(got, trapezoid_roc(t.reshape(-1), p.reshape(-1)), atol=5e-3)


def test_auc_options(engine):
    bs = batches(binary_scores)
    t, p, w = concat(bs)
    uneven = metrics.AUC(thresholds=[0.1, 0.15, 0.6, 0.9])
    assert len(uneven.thresholds) == 6
    np.testing.assert_allclose(accumulate(uneven, bs), auc_ref(t, p, w, uneven.thresholds), rtol=1e-5)
    logits = np.log(np.clip(p, 1e-3, 1 - 1e-3) / (1 - np.clip(p, 1e-3, 1 - 1e-3))).astype(np.float32)
    fl = metrics.AUC(from_logits=True)
    fl.update_state(t, logits, sample_weight=w)
    np.testing.assert_allclose(npy(fl.result()), auc_ref(t, 1 / (1 + np.exp(-logits.astype(np.float64))), w,
                                                         fl.thresholds), rtol=1e-4)
    ml = metrics.AUC(multi_label=True, num_labels=3)
    got = accumulate(ml, bs)
    per_label = [auc_ref(t[:, j], p[:, j], w, ml.thresholds) for j in range(3)]
    np.testing.assert_allclose(got, np.mean(per_label), rtol=1e-5)
    lw = np.array([1.0, 2.0, 0.5])
    mlw = metrics.AUC(multi_label=True, num_labels=3, label_weights=lw)
    np.testing.assert_allclose(accumulate(mlw, bs), (np.array(per_label) * lw).sum() / lw.sum(), rtol=1e-5)
    # thresholds outside [0, 1] and an empty AUC
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.AUC(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")
    np.testing.assert_allclose(npy(metrics.AUC().result()), 0.0)


# ---------------------------------------------------------------- state, purity, jit
def test_variables_and_reset(engine):
    m = metrics.AUC()
    assert [v.name for v in m.variables] == ["true_positives", "false_positives", "true_negatives",
                                             "false_negatives"]
    assert all(not v.trainable and v.shape == (200,) for v in m.variables)
    m.update_state(*binary_scores(6))
    assert npy(m.variables[0].value).sum() > 0
    m.reset_state()
    assert all(npy(v.value).sum() == 0 for v in m.variables)
    assert len(metrics.Mean().variables) == 2 and len(metrics.Precision().variables) == 2


def test_stateless_update_is_pure_and_jits(engine):
    m = metrics.SparseCategoricalAccuracy()
    auc = metrics.AUC()
    mvars = m.variables + auc.variables
    labels = RNG.integers(0, K, 6)
    probs = _probs(6)
    bt, bp = binary_scores(6)

    def step(values, y, p, yb, pb):
        with bind_values(mvars, values):
            m.update_state(y, p)
            auc.update_state(yb, pb)
            return get_values(mvars), (m.result(), auc.result())

    jitted = ops.jit(step)
    values = get_values(mvars)
    for _ in range(2):
        values, (acc, a) = jitted(values, ops.convert(labels), ops.convert(probs), ops.convert(bt),
                                  ops.convert(bp))
    # the variables themselves never changed
    assert all(npy(v.value).sum() == 0 for v in mvars)
    ref = (labels == probs.argmax(-1)).mean()
    np.testing.assert_allclose(npy(acc), ref, rtol=RTOL)
    w1 = np.ones(6)
    ref_auc = auc_ref(np.concatenate([bt, bt]), np.concatenate([bp, bp]), np.ones(12), auc.thresholds)
    np.testing.assert_allclose(npy(a), ref_auc, rtol=1e-5)
    # the convenience forms on Metric
    new = m.stateless_update_state(get_values(m.variables), labels, probs, sample_weight=w1)
    np.testing.assert_allclose(npy(m.stateless_result(new)), ref, rtol=RTOL)
    assert npy(m.result()) == 0.0
    np.testing.assert_allclose([npy(v) for v in m.stateless_reset_state()], [0.0, 0.0])
    with pytest.raises(ValueError, match="2 state variables"):
        m.stateless_result(new[:1])


def test_call_is_update_then_result(engine):
    m = metrics.MeanAbsoluteError()
    r1 = npy(m([[1.0, 2.0]], [[2.0, 2.0]]))
    r2 = npy(m([[0.0, 0.0]], [[0.0, 0.0]]))
    np.testing.assert_allclose([r1, r2], [0.5, 0.25])


# ---------------------------------------------------------------- custom metrics
class BinaryTruePositives(metrics.Metric):
    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), initializer="zeros", name="true_positives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(ops.convert(y_true), "bool")
        y_pred = ops.cast(ops.convert(y_pred), "bool")
        values = ops.cast(ops.logical_and(ops.equal(y_true, True), ops.equal(y_pred, True)), self.dtype)
        if sample_weight is not None:
            values = ops.multiply(values, ops.cast(ops.convert(sample_weight), self.dtype))
        self.true_positives.assign(self.true_positives + ops.sum(values))

    def result(self):
        return self.true_positives.value


class Keras2Style(metrics.Metric):
    def __init__(self, name="k2", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_weight(name="total", initializer="zeros")
        self.n = self.add_weight("n", shape=(), initializer="zeros")
        self.inner = metrics.Mean(name="inner")

    def update_state(self, values, sample_weight=None):
        self.total.assign_add(ops.sum(ops.convert(values)))
        self.n.assign_add(float(len(values)))
        self.inner.update_state(values)

    def result(self):
        return ops.divide(self.total.value, self.n.value)


def test_custom_metrics_as_keras_users_write_them(engine):
    m = BinaryTruePositives()
    m.update_state([1, 1, 0, 1], [1, 0, 1, 1])
    m.update_state([1, 1], [1, 1], sample_weight=[0.5, 2.0])
    np.testing.assert_allclose(npy(m.result()), 4.5)
    assert m.variables[0].path == "binary_true_positives/true_positives"
    k2 = Keras2Style()
    assert [v.name for v in k2.variables] == ["total", "n", "total", "count"]
    k2.update_state(np.array([1.0, 2.0, 6.0], np.float32))
    np.testing.assert_allclose(npy(k2.result()), 3.0)
    k2.reset_state()
    assert all(npy(v.value) == 0 for v in k2.variables)

    class Forgot(metrics.Metric):
        def __init__(self):
            self.v = self.add_variable(shape=())

    with pytest.raises(RuntimeError, match="super"):
        Forgot()


# ---------------------------------------------------------------- lookup and compile resolution
def test_get_names_and_errors(engine):
    assert isinstance(metrics.get("accuracy"), metrics.Accuracy)
    assert isinstance(metrics.get("acc"), metrics.Accuracy)
    assert isinstance(metrics.get("mae"), metrics.MeanAbsoluteError)
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    assert isinstance(metrics.get("binary_accuracy"), metrics.BinaryAccuracy)
    assert isinstance(metrics.get("AUC"), metrics.AUC) and isinstance(metrics.get("auc"), metrics.AUC)
    assert isinstance(metrics.get("root_mean_squared_error"), metrics.RootMeanSquaredError)
    assert isinstance(metrics.get("top_k_categorical_accuracy"), metrics.TopKCategoricalAccuracy)
    assert isinstance(metrics.get(metrics.Precision), metrics.Precision)
    obj = metrics.Recall(thresholds=[0.3, 0.6])
    assert metrics.get(obj) is obj
    assert metrics.get(losses.mean_absolute_error) is losses.mean_absolute_error
    assert metrics.get(None) is None
    with pytest.raises(ValueError, match="binary_accuracy"):
        metrics.get("binary_acuracy")
    with pytest.raises(ValueError, match="resolve"):
        metrics.get("crossentropy")
    with pytest.raises(ValueError):
        metrics.get(3.5)


def test_resolve_accuracy_like_keras_compile(engine):
    r = metrics.resolve
    # from the loss
    assert type(r("accuracy", loss="binary_crossentropy")) is metrics.BinaryAccuracy
    assert type(r("accuracy", loss=losses.BinaryCrossentropy(from_logits=True),
                  y_true_shape=(None, 5), y_pred_shape=(None, 5))) is metrics.BinaryAccuracy
    assert type(r("acc", loss="sparse_categorical_crossentropy")) is metrics.SparseCategoricalAccuracy
    assert type(r("acc", loss=losses.SparseCategoricalCrossentropy)) is metrics.SparseCategoricalAccuracy
    assert type(r("accuracy", loss=losses.categorical_crossentropy)) is metrics.CategoricalAccuracy
    # from the shapes
    assert type(r("accuracy", loss="mse", y_true_shape=(None, 1), y_pred_shape=(None, 1))) is metrics.BinaryAccuracy
    assert type(r("accuracy", y_true_shape=(None,), y_pred_shape=(None, 10))) is metrics.SparseCategoricalAccuracy
    assert type(r("accuracy", y_true_shape=(32, 1), y_pred_shape=(32, 10))) is metrics.SparseCategoricalAccuracy
    assert type(r("accuracy", y_true_shape=(32, 10), y_pred_shape=(32, 10))) is metrics.CategoricalAccuracy
    assert type(r("accuracy", y_true_shape=(32,), y_pred_shape=(32, 1))) is metrics.BinaryAccuracy
    assert r("acc", loss="binary_crossentropy").name == "acc"
    assert r("accuracy", loss="binary_crossentropy").name == "accuracy"
    assert metrics.resolve_accuracy is metrics.resolve
    with pytest.raises(ValueError, match="shape"):
        r("accuracy")
    # crossentropy follows the same rule and the loss's from_logits
    ce = r("crossentropy", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    assert type(ce) is metrics.SparseCategoricalCrossentropy and ce._fn_kwargs["from_logits"]
    assert ce.name == "crossentropy"
    assert type(r("ce", y_true_shape=(None, 1), y_pred_shape=(None, 1))) is metrics.BinaryCrossentropy
    # other identifiers keep the string as the name; functions are wrapped
    mse = r("mse")
    assert type(mse) is metrics.MeanSquaredError and mse.name == "mse"
    w = r(losses.mean_absolute_error)
    assert type(w) is metrics.MeanMetricWrapper and w.name == "mean_absolute_error"
    inst = metrics.AUC(name="my_auc")
    assert r(inst) is inst and inst.name == "my_auc"

    def my_metric(y_true, y_pred):
        return ops.mean(ops.abs(ops.subtract(y_pred, y_true)), axis=-1)

    mm = r(my_metric)
    assert mm.name == "my_metric"
    mm.update_state(np.zeros((2, 3), np.float32), np.ones((2, 3), np.float32))
    np.testing.assert_allclose(npy(mm.result()), 1.0)


def test_bad_inputs(engine):
    with pytest.raises(ValueError, match="sparse_categorical_accuracy"):
        metrics.CategoricalAccuracy().update_state(np.array([1, 2]), _probs(2))
    with pytest.raises(ValueError, match="one-hot"):
        metrics.SparseCategoricalAccuracy().update_state(np.eye(K)[[1, 2]], _probs(2))
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        metrics.CategoricalCrossentropy().update_state(np.array([1, 2]), _probs(2))
    with pytest.raises(ValueError, match="same shape"):
        metrics.Precision().update_state(np.zeros((3, 2)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="sample_weight"):
        metrics.Mean().update_state(np.ones((3,)), sample_weight=np.ones((4,)))


def test_config_round_trip(engine):
    for obj in (metrics.BinaryAccuracy(threshold=0.3, name="ba"), metrics.TopKCategoricalAccuracy(k=3),
                metrics.Precision(thresholds=[0.2, 0.4], class_id=1), metrics.Recall(top_k=2),
                metrics.AUC(num_thresholds=50, curve="PR", summation_method="minoring"),
                metrics.AUC(thresholds=[0.1, 0.3]), metrics.BinaryCrossentropy(from_logits=True),
                metrics.SparseCategoricalCrossentropy(ignore_class=0), metrics.Mean(name="m"),
                metrics.RootMeanSquaredError(), metrics.CosineSimilarity(axis=-1)):
        again = metrics.deserialize(metrics.serialize(obj))
        assert type(again) is type(obj)
        assert again.get_config() == obj.get_config()
    w = metrics.MeanMetricWrapper(losses.huber, name="h", delta=0.5)
    again = metrics.MeanMetricWrapper.from_config(w.get_config())
    assert again._fn is losses.huber and again._fn_kwargs == {"delta": 0.5} and again.name == "h"


# ---------------------------------------------------------------- Keras itself
def _oracle_data():
    # the shapes of the other tests' batches, so JAX reuses their compiled ops
    rng = np.random.default_rng(7)
    n = sum(SIZES)
    t = rng.integers(0, 2, (n, 3)).astype(np.float32)
    p = np.clip(0.3 * t + rng.uniform(0, 0.8, (n, 3)), 0, 1).astype(np.float32)
    w = rng.uniform(0, 2, n).astype(np.float32)
    labels = rng.integers(0, K, n)
    probs = rng.uniform(0.05, 1, (n, K)).astype(np.float32)
    probs /= probs.sum(-1, keepdims=True)
    return t, p, w, labels, probs


SPLITS = list(np.cumsum(SIZES)[:-1].tolist())


ORACLE = [  # (class name, kwargs, data kind)
    ("AUC", {}, "bin"), ("AUC", {"curve": "PR"}, "bin"),
    ("AUC", {"num_thresholds": 13, "multi_label": True}, "bin"),
    ("Precision", {"thresholds": [0.3, 0.6]}, "bin"), ("Recall", {"top_k": 1}, "bin"),
    ("BinaryAccuracy", {}, "bin"), ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    ("SparseCategoricalCrossentropy", {}, "sparse"), ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    ("RootMeanSquaredError", {}, "bin"), ("CosineSimilarity", {}, "bin"),
]


def _oracle_args(kind):
    t, p, w, labels, probs = _oracle_data()
    if kind == "bin":
        return t, p, w
    if kind == "sparse":
        return labels, probs, w
    return np.eye(K, dtype=np.float32)[labels], probs, w


def _run(metric, t, p, w):
    for a, b in zip([0] + SPLITS, SPLITS + [len(t)]):
        metric.update_state(t[a:b], p[a:b], sample_weight=w[a:b])
    return metric.result()


@pytest.fixture(scope="module")
def keras_metric_values(keras_module, tmp_path_factory):
    arrays, cases = {}, []
    for i, (name, kwargs, kind) in enumerate(ORACLE):
        arrays[f"t{i}"], arrays[f"p{i}"], arrays[f"w{i}"] = _oracle_args(kind)
        cases.append(("metrics", name, kwargs, f"t{i}", f"p{i}", f"w{i}", SPLITS))
    vals = keras_numpy_values(cases, arrays, tmp_path_factory.mktemp("keras_metrics"))
    return [vals[f"{i}"] for i in range(len(cases))]


@pytest.mark.keras_oracle
def test_matches_keras(engine, keras_metric_values):
    for (name, kw, kind), ref in zip(ORACLE, keras_metric_values):
        ours = _run(getattr(metrics, name)(**kw), *_oracle_args(kind))
        np.testing.assert_allclose(npy(ours), ref, rtol=2e-5, atol=1e-6, err_msg=f"{name}{kw}")
