"""One rate at the best threshold that keeps another rate at a target, as ``keras.metrics``:
``SensitivityAtSpecificity``, ``SpecificityAtSensitivity``, ``PrecisionAtRecall`` and
``RecallAtPrecision``. Confusion counts are kept at ``num_thresholds`` thresholds evenly
spaced in [0, 1] (plus ``-eps`` and ``1 + eps`` at the ends, as Keras)."""
from __future__ import annotations

from . import config, ops
from .metrics import Metric, _prepare_confusion, _threshold_counts


def _safe_divide(a, b):
    zero = ops.equal(b, 0.0)
    return ops.where(zero, ops.zeros_like(a), ops.divide(a, ops.where(zero, ops.ones_like(b), b)))


class _RateAtRate(Metric):
    """Keeps tp/fp/tn/fn per threshold; ``result`` maximizes ``_dependent`` over the thresholds
    whose ``_constrained`` rate reaches ``value`` (0 when none does)."""

    _arg = "value"

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if not 0 <= value <= 1:
            raise ValueError(f"{type(self).__name__}: `{self._arg}` must be in [0, 1], got {value!r}.")
        if not isinstance(num_thresholds, int) or num_thresholds <= 0:
            raise ValueError(f"{type(self).__name__}: `num_thresholds` must be an int > 0, got {num_thresholds!r}.")
        self.value, self.num_thresholds, self.class_id = value, num_thresholds, class_id
        eps = config.epsilon()
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] if num_thresholds > 1 else []
        self.thresholds = [0.0 - eps] + inner + [1.0 + eps] if num_thresholds > 1 else [0.5]
        for name in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, name, self.add_variable(shape=(len(self.thresholds),), name=name))

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p, w = _prepare_confusion(y_true, y_pred, sample_weight, self.dtype, class_id=self.class_id)
        tp, fp, tn, fn = _threshold_counts(t, p, w, self.thresholds, self.dtype)
        for var, new in ((self.true_positives, tp), (self.false_positives, fp), (self.true_negatives, tn),
                         (self.false_negatives, fn)):
            var.assign_add(new)

    def _rates(self):
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        return {"sensitivity": _safe_divide(tp, ops.add(tp, fn)), "specificity": _safe_divide(tn, ops.add(tn, fp)),
                "precision": _safe_divide(tp, ops.add(tp, fp))}

    def result(self):
        rates = self._rates()
        constrained, dependent = rates[self._constrained], rates[self._dependent]
        feasible = ops.greater_equal(constrained, self.value)
        best = ops.max(ops.where(feasible, dependent, ops.zeros_like(dependent)))
        return ops.where(ops.any(feasible), best, ops.zeros_like(best))

    def get_config(self):
        return {**super().get_config(), self._arg: self.value, "num_thresholds": self.num_thresholds,
                "class_id": self.class_id}


class SensitivityAtSpecificity(_RateAtRate):
    """The best sensitivity (recall) at thresholds where specificity ``>= specificity``."""
    _arg, _constrained, _dependent = "specificity", "specificity", "sensitivity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_RateAtRate):
    """The best specificity at thresholds where sensitivity ``>= sensitivity``."""
    _arg, _constrained, _dependent = "sensitivity", "sensitivity", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_RateAtRate):
    """The best precision at thresholds where recall ``>= recall``."""
    _arg, _constrained, _dependent = "recall", "sensitivity", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_RateAtRate):
    """The best recall at thresholds where precision ``>= precision``."""
    _arg, _constrained, _dependent = "precision", "precision", "sensitivity"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
