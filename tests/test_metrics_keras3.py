"""F-scores, IoU metrics, R², correlations and rate-at-rate metrics: against NumPy
references, Keras 3 itself (values after several weighted batches), and inside
``fit`` on every engine (jitted on JAX)."""
import numpy as np
import pytest

from kerasette import layers, metrics, models, ops

from .keras_oracle import keras_numpy_values

RNG = np.random.default_rng(8)
N, K = 24, 4
LABELS = RNG.integers(0, K, N)
ONEHOT = np.eye(K, dtype="float32")[LABELS]
MULTI = (RNG.random((N, K)) < 0.4).astype("float32")
SCORES = RNG.random((N, K)).astype("float32")
PRED_LABELS = np.where(RNG.random(N) < 0.6, LABELS, RNG.integers(0, K, N))
BIN_TRUE = RNG.integers(0, 2, N).astype("float32")
BIN_SCORE = np.clip(BIN_TRUE * 0.4 + RNG.random(N) * 0.6, 0, 1).astype("float32")
REG_TRUE = RNG.normal(size=(N, 3)).astype("float32")
REG_PRED = (REG_TRUE + RNG.normal(scale=0.5, size=(N, 3))).astype("float32")
SW = RNG.uniform(0.2, 2, N).astype("float32")
# Keras accumulates its IoU confusion matrix in integers, truncating fractional weights
# (kerasette keeps them); whole-number weights compare the two exactly.
SW_INT = RNG.integers(0, 4, N).astype("float32")
SPLITS = [7, 15]


def value(metric, t, p, sw=None):
    for a, b in zip([0] + SPLITS, SPLITS + [N]):
        metric.update_state(t[a:b], p[a:b], sample_weight=None if sw is None else sw[a:b])
    return np.asarray(ops.convert_to_numpy(metric.result()), np.float64)


def ref_f1(t, p, average):
    pred = (p == p.max(1, keepdims=True)).astype(float)
    tp, fp, fn = (pred * t).sum(0), (pred * (1 - t)).sum(0), ((1 - pred) * t).sum(0)
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    prec, rec = tp / (tp + fp + 1e-7), tp / (tp + fn + 1e-7)
    f1 = 2 * prec * rec / (prec + rec + 1e-7)
    return {"macro": f1.mean(), "weighted": (f1 * t.sum(0) / t.sum()).sum()}.get(average, f1)


def ref_mean_iou(t, p, k):
    ious = []
    for c in range(k):
        inter = ((t == c) & (p == c)).sum()
        union = ((t == c) | (p == c)).sum()
        if union:
            ious.append(inter / union)
    return np.mean(ious)


def ref_r2(t, p):
    ss_res = ((t - p) ** 2).sum(0)
    ss_tot = ((t - t.mean(0)) ** 2).sum(0)
    return (1 - ss_res / ss_tot).mean()


def test_against_numpy_references(engine):
    for average in (None, "micro", "macro", "weighted"):
        np.testing.assert_allclose(value(metrics.F1Score(average=average), ONEHOT, SCORES),
                                   ref_f1(ONEHOT, SCORES, average), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(value(metrics.MeanIoU(K), LABELS, PRED_LABELS),
                               ref_mean_iou(LABELS, PRED_LABELS, K), rtol=1e-6)
    np.testing.assert_allclose(value(metrics.R2Score(), REG_TRUE, REG_PRED), ref_r2(REG_TRUE, REG_PRED), rtol=1e-5)
    corr = np.mean([np.corrcoef(a, b)[0, 1] for a, b in zip(REG_TRUE, REG_PRED)])
    np.testing.assert_allclose(value(metrics.PearsonCorrelation(), REG_TRUE, REG_PRED), corr, rtol=1e-4)
    # perfect separation: precision 1 at any recall
    t = np.array([0, 0, 1, 1, 0, 1] * 4, "float32")
    assert float(value(metrics.PrecisionAtRecall(0.9), t, t * 0.5 + 0.25)) == 1.0


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="average"):
        metrics.F1Score(average="mean")
    with pytest.raises(ValueError, match=r"target_class_ids \[5\]"):
        metrics.IoU(3, [0, 5])
    with pytest.raises(ValueError, match="`recall` must be in"):
        metrics.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="2-D inputs"):
        metrics.R2Score().update_state(np.zeros(4), np.zeros(4))


def test_configs_round_trip():
    for m in (metrics.F1Score(average="macro", threshold=0.4), metrics.FBetaScore(beta=2.0),
              metrics.IoU(3, [1, 2], ignore_class=0), metrics.MeanIoU(4), metrics.BinaryIoU([1], threshold=0.3),
              metrics.OneHotIoU(3, [0]), metrics.OneHotMeanIoU(5), metrics.R2Score(num_regressors=2),
              metrics.PearsonCorrelation(axis=0), metrics.SensitivityAtSpecificity(0.7, num_thresholds=50)):
        again = metrics.deserialize(metrics.serialize(m))
        assert type(again) is type(m) and again.get_config() == m.get_config()


def test_inside_fit_on_every_engine(engine):
    x = RNG.normal(size=(64, 5)).astype("float32")
    y = np.eye(3, dtype="float32")[(x[:, 0] > 0).astype(int) + (x[:, 1] > 1).astype(int)]
    model = models.Sequential([layers.Input((5,)), layers.Dense(3, activation="softmax")])
    model.compile("adam", "categorical_crossentropy",
                  metrics=[metrics.F1Score(average="macro"), metrics.OneHotMeanIoU(3), metrics.R2Score()])
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    for name in ("f1_score", "one_hot_mean_io_u", "r2_score"):
        assert name in history.history and np.isfinite(history.history[name]).all()


ORACLE = [
    ("F1Score", {}, ONEHOT, SCORES), ("F1Score", {"average": "weighted"}, MULTI, SCORES),
    ("FBetaScore", {"beta": 2.0, "average": "micro", "threshold": 0.5}, MULTI, SCORES),
    ("FBetaScore", {"average": "macro", "beta": 0.5}, ONEHOT, SCORES),
    ("IoU", {"num_classes": K, "target_class_ids": [0, 2]}, LABELS, PRED_LABELS),
    ("MeanIoU", {"num_classes": K}, LABELS, PRED_LABELS),
    ("MeanIoU", {"num_classes": K, "ignore_class": 1}, LABELS, PRED_LABELS),
    ("BinaryIoU", {"target_class_ids": [0, 1], "threshold": 0.4}, BIN_TRUE, BIN_SCORE),
    ("OneHotIoU", {"num_classes": K, "target_class_ids": [1, 3]}, ONEHOT, SCORES),
    ("OneHotMeanIoU", {"num_classes": K}, ONEHOT, SCORES),
    ("R2Score", {}, REG_TRUE, REG_PRED), ("R2Score", {"class_aggregation": "variance_weighted_average"},
                                          REG_TRUE, REG_PRED),
    ("R2Score", {"class_aggregation": None}, REG_TRUE, REG_PRED),
    ("R2Score", {"num_regressors": 2}, REG_TRUE, REG_PRED),
    ("PearsonCorrelation", {}, REG_TRUE, REG_PRED), ("ConcordanceCorrelation", {}, REG_TRUE, REG_PRED),
    ("SensitivityAtSpecificity", {"specificity": 0.6}, BIN_TRUE, BIN_SCORE),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7, "num_thresholds": 50}, BIN_TRUE, BIN_SCORE),
    ("PrecisionAtRecall", {"recall": 0.5}, BIN_TRUE, BIN_SCORE),
    ("RecallAtPrecision", {"precision": 0.8}, BIN_TRUE, BIN_SCORE),
    ("PrecisionAtRecall", {"recall": 0.5, "class_id": 2}, ONEHOT, SCORES),
]


@pytest.mark.keras_oracle
def test_same_values_as_keras(engine, keras_module, tmp_path):
    arrays, cases = {"w": SW, "wi": SW_INT}, []
    for i, (name, kwargs, t, p) in enumerate(ORACLE):
        arrays[f"t{i}"], arrays[f"p{i}"] = t, p
        cases.append(("metrics", name, kwargs, f"t{i}", f"p{i}", "wi" if "IoU" in name else "w", SPLITS))
    keras_values = keras_numpy_values(cases, arrays, tmp_path)
    for i, (name, kwargs, t, p) in enumerate(ORACLE):
        ours = value(getattr(metrics, name)(**kwargs), t, p, SW_INT if "IoU" in name else SW)
        np.testing.assert_allclose(ours, keras_values[str(i)], rtol=2e-5, atol=2e-6, err_msg=f"{name} {kwargs}")
