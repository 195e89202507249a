"""``FBetaScore`` and ``F1Score``, as ``keras.metrics``: per-class F-scores of
(batch, classes) predictions, accumulated over batches."""
from __future__ import annotations

from . import config, ops
from .losses import _tensor
from .metrics import Metric, require_2d

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """The F-beta score ``(1 + beta²) P R / (beta² P + R)`` of multi-class or multi-label predictions.

    Args:
        average: None (one score per class), ``"micro"`` (counts pooled over
            classes), ``"macro"`` (mean of the class scores) or ``"weighted"``
            (class scores weighted by each class's share of true labels).
        beta: how much more recall counts than precision.
        threshold: predictions above it are positive; None: the top class of each
            sample (a sample of all zeros has none).
        name, dtype: as ``Metric``.

    Inputs are ``(batch, classes)`` labels and predictions; the state is built
    from the first batch's number of classes.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in _AVERAGES:
            raise ValueError(f"FBetaScore: `average` must be one of {_AVERAGES}, got {average!r}.")
        if not isinstance(beta, (int, float)) or beta <= 0:
            raise ValueError(f"FBetaScore: `beta` must be a number > 0, got {beta!r}.")
        if threshold is not None and (not isinstance(threshold, (int, float)) or not 0 < threshold <= 1):
            raise ValueError(f"FBetaScore: `threshold` must be a float in (0, 1], got {threshold!r}.")
        self.average, self.beta, self.threshold = average, float(beta), threshold
        self._built = False

    def build_for_shapes(self, y_true_shape, y_pred_shape):
        """Create the state for ``(batch, classes)`` inputs (the trainer calls it before the first step)."""
        if self._built:
            return
        require_2d(self, y_true_shape, y_pred_shape)
        shape = () if self.average == "micro" else (int(y_pred_shape[-1]),)
        for name in ("true_positives", "false_positives", "false_negatives", "intermediate_weights"):
            setattr(self, name, self.add_variable(shape=shape, name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _tensor(y_true, self.dtype)
        y_pred = _tensor(y_pred, self.dtype)
        self.build_for_shapes(ops.shape(y_true), ops.shape(y_pred))
        if self.threshold is None:
            top = ops.max(y_pred, axis=-1, keepdims=True)
            pred = ops.logical_and(ops.greater_equal(y_pred, top), ops.greater(ops.abs(y_pred), 1e-9))
        else:
            pred = ops.greater(y_pred, self.threshold)
        pred = ops.cast(pred, self.dtype)
        w = None if sample_weight is None else ops.expand_dims(_tensor(sample_weight, self.dtype), 1)
        axis = None if self.average == "micro" else 0

        def total(values):
            return ops.sum(values if w is None else ops.multiply(values, w), axis=axis)
        self.true_positives.assign_add(total(ops.multiply(pred, y_true)))
        self.false_positives.assign_add(total(ops.multiply(pred, ops.subtract(1.0, y_true))))
        self.false_negatives.assign_add(total(ops.multiply(ops.subtract(1.0, pred), y_true)))
        self.intermediate_weights.assign_add(total(y_true))

    def result(self):
        if not self._built:
            return ops.convert(0.0, self.dtype)
        eps = config.epsilon()
        tp = self.true_positives.value
        precision = ops.divide(tp, ops.add(ops.add(tp, self.false_positives.value), eps))
        recall = ops.divide(tp, ops.add(ops.add(tp, self.false_negatives.value), eps))
        b2 = self.beta ** 2
        score = ops.multiply(ops.divide(ops.multiply(precision, recall),
                                        ops.add(ops.add(ops.multiply(precision, b2), recall), eps)), 1.0 + b2)
        if self.average == "weighted":
            weights = self.intermediate_weights.value
            return ops.sum(ops.multiply(score, ops.divide(weights, ops.sum(weights))))
        if self.average == "macro":
            return ops.mean(score)
        return score

    def get_config(self):
        return {**super().get_config(), "beta": self.beta, "average": self.average, "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F1 score: ``FBetaScore`` with ``beta=1``."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
