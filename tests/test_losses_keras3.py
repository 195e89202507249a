"""Dice, Tversky, Circle and CategoricalGeneralizedCrossEntropy: against NumPy float64
references, Keras 3 itself, and training on every engine."""
import numpy as np
import pytest

from kerasette import layers, losses, models, ops, optimizers

from .keras_oracle import keras_numpy_values

RNG = np.random.default_rng(5)
N = 6
SEG_TRUE = (RNG.random((N, 4, 4, 1)) < 0.4).astype("float32")
SEG_PRED = RNG.uniform(0.01, 0.99, (N, 4, 4, 1)).astype("float32")
LABELS = np.array([0, 1, 0, 2, 1, 3])
EMB = RNG.normal(size=(N, 5))
EMB = (EMB / np.linalg.norm(EMB, axis=1, keepdims=True)).astype("float32")
PROBS = RNG.uniform(0.05, 1, (N, 4))
PROBS = (PROBS / PROBS.sum(1, keepdims=True)).astype("float32")
SW = RNG.uniform(0.2, 2, N).astype("float32")
EPS = 1e-7


def ref_dice(t, p, axis=None):
    t, p = t.astype(float), p.astype(float)
    return 1 - 2 * (t * p).sum(axis) / (t.sum(axis) + p.sum(axis) + EPS)


def ref_tversky(t, p, alpha=0.5, beta=0.5, axis=None):
    t, p = t.astype(float), p.astype(float)
    tp, fp, fn = (t * p).sum(axis), ((1 - p) * t).sum(axis), (p * (1 - t)).sum(axis)
    return 1 - tp / (tp + alpha * fp + beta * fn + EPS)


def ref_circle(labels, emb, gamma=80.0, margin=0.4):
    emb = emb.astype(float)
    dist = np.maximum(1 - emb @ emb.T, 0)
    pos = (labels[:, None] == labels[None, :]) & ~np.eye(len(labels), dtype=bool)
    neg = labels[:, None] != labels[None, :]
    out = []
    for i in range(len(labels)):
        ap = np.maximum(dist[i] + margin, 0)
        an = np.maximum(1 + margin - dist[i], 0)
        sp = -gamma * ap * (margin - dist[i])
        sn = gamma * an * (1 - margin - dist[i])
        lp = np.log(np.exp(sp[pos[i]]).sum()) if pos[i].any() else -np.inf
        ln = np.log(np.exp(sn[neg[i]]).sum()) if neg[i].any() else -np.inf
        out.append(np.logaddexp(0, lp + ln))
    return np.array(out)


def ref_gce(labels, p, q=0.5):
    return (1 - p.astype(float)[np.arange(len(labels)), labels] ** q) / q


def test_functions_match_references(engine):
    npy = lambda x: np.asarray(ops.convert_to_numpy(x))  # noqa: E731
    np.testing.assert_allclose(npy(losses.dice(SEG_TRUE, SEG_PRED)), ref_dice(SEG_TRUE, SEG_PRED), rtol=1e-5)
    np.testing.assert_allclose(npy(losses.dice(SEG_TRUE, SEG_PRED, axis=(1, 2, 3))),
                               ref_dice(SEG_TRUE, SEG_PRED, (1, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(npy(losses.tversky(SEG_TRUE, SEG_PRED, alpha=0.7, beta=0.3, axis=(1, 2, 3))),
                               ref_tversky(SEG_TRUE, SEG_PRED, 0.7, 0.3, (1, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(npy(losses.circle(LABELS, EMB)), ref_circle(LABELS, EMB), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(npy(losses.categorical_generalized_cross_entropy(LABELS, PROBS, 0.3)),
                               ref_gce(LABELS, PROBS, 0.3), rtol=1e-5)


def test_circle_mean_counts_only_positive_losses(engine):
    labels = np.array([0, 1, 2, 3, 4, 5])  # no positive pairs: every loss is 0
    assert float(losses.Circle()(labels, EMB)) == 0.0
    per = ref_circle(LABELS, EMB)
    np.testing.assert_allclose(float(losses.Circle()(LABELS, EMB)), per[per > 0].mean(), rtol=1e-4)


def test_gce_validates_q_and_configs_round_trip():
    with pytest.raises(ValueError, match="`q` must be in \\(0, 1\\)"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    for obj in (losses.Dice(axis=(1, 2)), losses.Tversky(alpha=0.2), losses.Circle(gamma=10.0),
                losses.CategoricalGeneralizedCrossEntropy(q=0.7)):
        again = losses.deserialize(losses.serialize(obj))
        assert type(again) is type(obj) and again.get_config() == obj.get_config()
    assert losses.get("dice") is losses.dice and isinstance(losses.get("Tversky"), losses.Tversky)


def test_dice_trains_a_segmenter_on_every_engine(engine):
    x = RNG.normal(size=(32, 4, 4, 1)).astype("float32")
    y = (x > 0.3).astype("float32")
    model = models.Sequential([layers.Input((4, 4, 1)), layers.Conv2D(1, 1, activation="sigmoid")])
    model.compile(optimizers.Adam(0.05), losses.Dice(axis=(1, 2, 3)))
    history = model.fit(x, y, epochs=30, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]


ORACLE = [("Dice", {}, SEG_TRUE, SEG_PRED), ("Dice", {"axis": [1, 2, 3]}, SEG_TRUE, SEG_PRED),
          ("Tversky", {"alpha": 0.7, "beta": 0.3, "axis": [1, 2, 3]}, SEG_TRUE, SEG_PRED),
          ("Circle", {}, LABELS.astype("int32"), EMB), ("Circle", {"gamma": 20.0, "margin": 0.25}, LABELS, EMB),
          ("CategoricalGeneralizedCrossEntropy", {"q": 0.4}, LABELS, PROBS)]


@pytest.mark.keras_oracle
def test_same_values_as_keras(engine, keras_module, tmp_path):
    arrays, cases = {"w": SW}, []
    for i, (name, kwargs, t, p) in enumerate(ORACLE):
        arrays[f"t{i}"], arrays[f"p{i}"] = t, p
        cases.append(("losses", name, kwargs, f"t{i}", f"p{i}", "w", None))
    values = keras_numpy_values(cases, arrays, tmp_path)
    for i, (name, kwargs, t, p) in enumerate(ORACLE):
        ours = getattr(losses, name)(**{k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()})
        np.testing.assert_allclose(float(ours(t, p)), values[f"{i}"], rtol=2e-5, atol=1e-6, err_msg=name)
        if name not in ("Dice", "Tversky") or kwargs:  # axis=None gives one value: no per-sample weight
            np.testing.assert_allclose(float(ours(t, p, sample_weight=SW)), values[f"{i}w"], rtol=2e-5,
                                       atol=1e-6, err_msg=name)
