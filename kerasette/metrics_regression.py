"""Goodness-of-fit metrics, as ``keras.metrics``: ``R2Score``, ``PearsonCorrelation``
and ``ConcordanceCorrelation`` (with their function forms)."""
from __future__ import annotations

import warnings

from . import config, ops
from .losses import _tensor, squeeze_or_expand_to_same_rank
from .metrics import Metric, _FnMetric, require_2d

_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


def _pair(y_true, y_pred):
    y_pred = _tensor(y_pred)
    y_true = ops.cast(_tensor(y_true), ops.dtype(y_pred))
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation of ``y_true`` and ``y_pred`` along ``axis``, one value per sample."""
    y_true, y_pred = _pair(y_true, y_pred)
    t = ops.subtract(y_true, ops.mean(y_true, axis=axis, keepdims=True))
    p = ops.subtract(y_pred, ops.mean(y_pred, axis=axis, keepdims=True))
    t = ops.divide(t, ops.std(t, axis=axis, keepdims=True))
    p = ops.divide(p, ops.std(p, axis=axis, keepdims=True))
    return ops.mean(ops.multiply(t, p), axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation ``2 cov / (var_t + var_p + (mean_t - mean_p)²)`` along ``axis``."""
    y_true, y_pred = _pair(y_true, y_pred)
    mt = ops.mean(y_true, axis=axis, keepdims=True)
    mp = ops.mean(y_pred, axis=axis, keepdims=True)
    cov = ops.mean(ops.multiply(ops.subtract(y_true, mt), ops.subtract(y_pred, mp)), axis=axis, keepdims=True)
    norm = ops.add(ops.add(ops.var(y_true, axis=axis, keepdims=True), ops.var(y_pred, axis=axis, keepdims=True)),
                   ops.square(ops.subtract(mt, mp)))
    return ops.squeeze(ops.divide(ops.multiply(cov, 2.0), ops.add(norm, config.epsilon())), axis=axis)


class PearsonCorrelation(_FnMetric):
    """The mean over samples of ``pearson_correlation``."""

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)


class ConcordanceCorrelation(_FnMetric):
    """The mean over samples of ``concordance_correlation``."""

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)


class R2Score(Metric):
    """The coefficient of determination ``1 - SS_res / SS_tot`` per output column, aggregated.

    Args:
        class_aggregation: None (one score per column), ``"uniform_average"`` or
            ``"variance_weighted_average"`` (weighted by each column's ``SS_tot``).
        num_regressors: with ``p > 0`` the adjusted score ``1 - (1 - R²)(n - 1) / (n - p - 1)``
            (``n``: the number of values seen; falls back to R² with a warning when ``n - 1 <= p``).
        name, dtype: as ``Metric``.

    Inputs are ``(batch, outputs)``; the state is built from the first batch.
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in _AGGREGATIONS:
            raise ValueError(f"R2Score: `class_aggregation` must be one of {_AGGREGATIONS}, "
                             f"got {class_aggregation!r}.")
        if not isinstance(num_regressors, int) or num_regressors < 0:
            raise ValueError(f"R2Score: `num_regressors` must be an int >= 0, got {num_regressors!r}.")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable(shape=(), dtype="int32", name="num_samples")
        self._built = False

    def build_for_shapes(self, y_true_shape, y_pred_shape):
        """Create the per-column state (the trainer calls it before the first step)."""
        if self._built:
            return
        require_2d(self, y_true_shape, y_pred_shape, "outputs")
        shape = (int(y_pred_shape[-1]),)
        for name in ("squared_sum", "sum", "total_mse", "count"):
            setattr(self, name, self.add_variable(shape=shape, name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(_tensor(y_true, self.dtype), _tensor(y_pred, self.dtype))
        self.build_for_shapes(ops.shape(y_true), ops.shape(y_pred))
        w = ops.ones((), self.dtype) if sample_weight is None else _tensor(sample_weight, self.dtype)
        if len(ops.shape(w)) == 1:
            w = ops.expand_dims(w, 1)
        w = ops.broadcast_to(w, ops.shape(y_true))
        weighted = ops.multiply(y_true, w)
        self.sum.assign_add(ops.sum(weighted, axis=0))
        self.squared_sum.assign_add(ops.sum(ops.multiply(y_true, weighted), axis=0))
        self.total_mse.assign_add(ops.sum(ops.multiply(ops.square(ops.subtract(y_true, y_pred)), w), axis=0))
        self.count.assign_add(ops.sum(w, axis=0))
        self.num_samples.assign_add(ops.convert(ops.size(y_true), "int32"))

    def result(self):
        if not self._built:
            return ops.convert(0.0, self.dtype)
        mean = ops.divide(self.sum.value, self.count.value)
        total = ops.subtract(self.squared_sum.value, ops.multiply(self.sum.value, mean))
        raw = ops.subtract(1.0, ops.divide(self.total_mse.value, total))
        infinite = ops.logical_and(ops.logical_not(ops.isfinite(raw)), ops.logical_not(ops.isnan(raw)))
        raw = ops.where(infinite, ops.zeros_like(raw), raw)  # as Keras: a constant column scores 0
        if self.class_aggregation == "uniform_average":
            score = ops.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = ops.divide(ops.sum(ops.multiply(total, raw)), ops.sum(total))
        else:
            score = raw
        if self.num_regressors:
            n = int(ops.convert_to_numpy(self.num_samples.value))  # a host read, as Keras does
            if self.num_regressors >= n - 1:
                warnings.warn(f"R2Score: {self.num_regressors} regressors for {n} values; the adjusted "
                              "score is undefined, returning the plain R² score.", stacklevel=2)
            else:
                score = ops.subtract(1.0, ops.divide(ops.multiply(ops.subtract(1.0, score), n - 1.0),
                                                     float(n - self.num_regressors - 1)))
        return score

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
