"""Metrics, as ``keras.metrics``: stateful, epoch-averaged measures of a model.

* A ``Metric`` keeps its whole state in ``kerasette.Variable``s made by
  ``add_variable`` (non-trainable, on the engine active at construction).
  ``update_state`` changes them only with ``var.assign(...)`` computed by
  ``kerasette.ops`` -- no host reads -- so the trainer can run it inside a
  jitted pure step: bind explicit values with ``variables.bind_values``, call
  ``update_state``, read the new values with ``variables.get_values``
  (``stateless_update_state`` does exactly that).
* ``result()`` returns an engine scalar; weighted means are epoch-averaged as in
  Keras (``sum(w * v) / sum(w)`` over all batches seen since ``reset_state``).
* ``get`` turns names into metrics like ``keras.metrics.get``; ``resolve`` is what
  ``compile`` uses: it also picks the accuracy / crossentropy variant from the
  loss and the label and output shapes.
"""
from __future__ import annotations

import inspect

import numpy as np

from . import config, ops
from . import losses as _losses
from .activations import unknown_name_error
from .utils import registry as _registry
from .backends.base import DTYPES, standardize_dtype
from .losses import (  # noqa: F401 -- re-exported as in keras.metrics
    _sparse_cce, _tensor, binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
    categorical_focal_crossentropy, categorical_hinge, divide_no_nan, hinge, huber, kl_divergence,
    l2_normalize, log_cosh, mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
    mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy, squared_hinge,
    squeeze_or_expand_to_same_rank)
from .variables import Variable, bind_values, get_values

NEG_INF = -1e10


def _snake(name):
    return _losses._snake(name)


def _zeros_initializer(value):
    def init(shape, dtype):
        host = "float32" if dtype in ("bfloat16", "float16") else dtype
        return np.full(shape, value, dtype=host)
    return init


def _initializer(initializer):
    """A ``(shape, dtype) -> array`` callable for an initializer identifier."""
    if initializer is None or initializer in ("zeros", "Zeros"):
        return _zeros_initializer(0)
    if initializer in ("ones", "Ones"):
        return _zeros_initializer(1)
    if isinstance(initializer, (int, float)):
        return _zeros_initializer(initializer)
    if isinstance(initializer, (str, dict)):
        try:
            from . import initializers
        except ImportError as e:
            raise ValueError(f"Metric variable initializer {initializer!r}: only 'zeros', 'ones', "
                             "numbers and callables are available here.") from e
        initializer = initializers.get(initializer)
    if callable(initializer):
        return initializer
    return lambda shape, dtype: np.broadcast_to(np.asarray(initializer), shape)


# ---------------------------------------------------------------- base class
class Metric:
    """Base class of metrics: state in variables, ``update_state``, ``result``.

    Subclasses create their state in ``__init__`` with ``add_variable`` (Keras
    2's ``add_weight`` also works), accumulate in ``update_state`` with
    ``var.assign(...)`` and ``kerasette.ops``, and compute ``result()`` from
    the variables.

    Args:
        dtype: dtype of the state and result (default floatx).
        name: the metric's name (default: the class name in snake_case).

    Example:
        >>> class BinaryTruePositives(Metric):
        ...     def __init__(self, name="tp", **kwargs):
        ...         super().__init__(name=name, **kwargs)
        ...         self.tp = self.add_variable(shape=(), initializer="zeros", name="tp")
        ...     def update_state(self, y_true, y_pred, sample_weight=None):
        ...         hits = ops.logical_and(ops.equal(y_true, 1), ops.greater(y_pred, 0.5))
        ...         self.tp.assign(self.tp + ops.sum(ops.cast(hits, self.dtype)))
        ...     def result(self):
        ...         return self.tp.value
    """

    _kerasette_metric = True  # layers and models track metrics set as attributes

    def __init__(self, dtype=None, name=None):
        if isinstance(dtype, str) and name is None and dtype not in DTYPES:
            name, dtype = dtype, None  # Keras 2 order: Metric(name, dtype)
        object.__setattr__(self, "_variables", [])
        object.__setattr__(self, "_metrics", [])
        self.name = name or _snake(type(self).__name__)
        self._dtype = standardize_dtype(dtype) if dtype is not None else config.floatx()

    def __setattr__(self, key, value):
        if "_metrics" not in self.__dict__ and isinstance(value, (Metric, Variable)):
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() in __init__ "
                               "before creating state.")
        if isinstance(value, Metric) and value is not self and all(value is not m for m in self._metrics):
            self._metrics.append(value)
        elif isinstance(value, Variable) and all(value is not v for v in self._variables):
            self._variables.append(value)
        object.__setattr__(self, key, value)

    @property
    def dtype(self):
        return self._dtype

    # ------------------------------------------------------------- state
    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None):
        """A new non-trainable state variable owned by the metric.

        Args:
            shape: the variable's shape.
            initializer: ``'zeros'`` (default), ``'ones'``, a number, or a
                callable ``(shape, dtype) -> array``.
            dtype: default the metric's dtype.
            aggregation: accepted for Keras compatibility (unused).
            name: the variable's name.

        Returns:
            A ``kerasette.Variable``.
        """
        if "_variables" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() in __init__ "
                               "before add_variable().")
        shape = tuple(int(d) for d in shape) if shape is not None else ()
        dtype = standardize_dtype(dtype or self.dtype)
        var = Variable(_initializer(initializer), shape=shape, dtype=dtype, trainable=False,
                       name=name or f"variable_{len(self._variables)}")
        var.path = f"{self.name}/{var.name}"
        self._variables.append(var)
        return var

    def add_weight(self, *args, **kwargs):
        """``add_variable`` with Keras 2's argument order too (``add_weight(name, shape, ...)``)."""
        if args and isinstance(args[0], str):
            kwargs.setdefault("name", args[0])
            args = args[1:]
        for k in ("synchronization", "trainable", "use_resource", "regularizer", "constraint"):
            kwargs.pop(k, None)
        return self.add_variable(*args, **kwargs)

    @property
    def variables(self):
        """Every state variable, this metric's then its sub-metrics', in a fixed order."""
        out = list(self._variables)
        for m in self._metrics:
            out.extend(v for v in m.variables if all(v is not o for o in out))
        return out

    def reset_state(self):
        """Set every state variable to zeros."""
        for v in self.variables:
            v.assign(ops.zeros(v.shape, v.dtype))

    def update_state(self, *args, **kwargs):
        """Accumulate statistics from one batch; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        """The metric value from the current state; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def __call__(self, *args, **kwargs):
        """``update_state(...)`` then ``result()``."""
        if "_variables" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() in __init__.")
        self.update_state(*args, **kwargs)
        return self.result()

    # ------------------------------------------------- pure (stateless) forms
    def stateless_update_state(self, values, *args, **kwargs):
        """New state values after ``update_state(*args)`` from state ``values``; the
        variables themselves are left unchanged (for a pure train step)."""
        variables = self.variables
        self._check_values(values, variables)
        with bind_values(variables, values):
            self.update_state(*args, **kwargs)
            return get_values(variables)

    def stateless_result(self, values):
        """``result()`` computed from explicit state ``values``."""
        variables = self.variables
        self._check_values(values, variables)
        with bind_values(variables, values):
            return self.result()

    def stateless_reset_state(self):
        """The state values ``reset_state()`` would give, variables unchanged."""
        variables = self.variables
        with bind_values(variables, get_values(variables)):
            self.reset_state()
            return get_values(variables)

    def _check_values(self, values, variables):
        if len(values) != len(variables):
            raise ValueError(f"{type(self).__name__} {self.name!r} has {len(variables)} state "
                             f"variables; got {len(values)} values.")

    # ------------------------------------------------------------- config
    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


# ---------------------------------------------------------------- reductions
def _reduce_to_samplewise(values, sample_weight, reduce_fn, dtype):
    """Values (and weights) reduced to one per sample, as Keras's Mean/Sum do."""
    values = _tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = _tensor(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        wn, vn = len(ops.shape(sample_weight)), len(ops.shape(values))
        if vn > wn:
            values = reduce_fn(values, axis=tuple(range(wn, vn)))
        try:
            sample_weight = ops.broadcast_to(sample_weight, ops.shape(values))
        except ValueError as e:
            raise ValueError(f"sample_weight of shape {tuple(ops.shape(sample_weight))} does not "
                             f"broadcast to the metric values of shape {tuple(ops.shape(values))}.") from e
        values = ops.multiply(values, sample_weight)
        if wn > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, wn)))
    vn = len(ops.shape(values))
    if vn > 1:
        values = reduce_fn(values, axis=tuple(range(1, vn)))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the values seen.

    Example:
        >>> m = Sum(); m.update_state([1, 3, 5, 7]); m.result()  # 16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = _reduce_to_samplewise(values, sample_weight, ops.sum, self.dtype)
        self.total.assign(ops.add(self.total.value, ops.sum(values)))

    def result(self):
        return self.total.value


class Mean(Metric):
    """The (weighted) mean of the values seen: ``sum(w * v) / sum(w)``.

    Example:
        >>> m = Mean(); m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); m.result()  # 2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), name="total")
        self.count = self.add_variable(shape=(), name="count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = _reduce_to_samplewise(values, sample_weight, ops.mean, self.dtype)
        self.total.assign(ops.add(self.total.value, ops.sum(values)))
        if sample_weight is not None:
            n = ops.sum(sample_weight)
        else:
            shape = ops.shape(values)
            n = float(shape[0]) if len(shape) >= 1 else 1.0
        self.count.assign(ops.add(self.count.value, n))

    def update_with_weight(self, value, weight):
        """Add one scalar ``value`` counted ``weight`` times (a Python number): the
        same result as ``update_state(value, sample_weight=weight)``, in two ops (the
        loss trackers' per-batch update)."""
        K = config._active or config.active()
        if not K.is_array(value) or K.shape(value):
            return self.update_state(value, sample_weight=weight)
        if K.dtype(value) != self.dtype:
            value = K.cast(value, self.dtype)
        self.total.assign(K.add(self.total.value, K.multiply(value, weight)))
        self.count.assign(K.add(self.count.value, weight))

    def result(self):
        return divide_no_nan(self.total.value, self.count.value)


class MeanMetricWrapper(Mean):
    """The weighted mean of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    Args:
        fn: the function (any loss function works).
        name: default ``fn``'s name.
        dtype: dtype of the state.
        **kwargs: options passed to ``fn``.

    Example:
        >>> m = MeanMetricWrapper(mean_absolute_error, name='mae')
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None) or "mean_metric_wrapper", dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def _values_and_mask(self, y_true, y_pred):
        return self._fn(y_true, y_pred, **self._fn_kwargs), None

    def update_state(self, y_true, y_pred, sample_weight=None):
        values, mask = self._values_and_mask(y_true, y_pred)
        if mask is not None:
            fmask = ops.cast(mask, self.dtype)
            if sample_weight is None:
                sample_weight = fmask
            else:
                fmask, sw = squeeze_or_expand_to_same_rank(fmask, _tensor(sample_weight, self.dtype))
                sample_weight = ops.multiply(sw, fmask)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        if type(self) is MeanMetricWrapper:
            config["fn"] = getattr(self._fn, "__name__", self._fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), str):
            config["fn"] = _function(config["fn"])
        return cls(**config)


class _FnMetric(MeanMetricWrapper):
    # a MeanMetricWrapper whose function is fixed by the class: config = name, dtype, options
    def get_config(self):
        config = Metric.get_config(self)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


# ---------------------------------------------------------------- accuracy
def accuracy(y_true, y_pred):
    """1.0 where ``y_true == y_pred`` else 0.0."""
    y_pred = _tensor(y_pred)
    y_true = _tensor(y_true, ops.dtype(y_pred))
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ops.cast(ops.equal(y_true, y_pred), config.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``(y_pred > threshold) == y_true`` else 0.0, averaged over the last axis."""
    y_pred = _tensor(y_pred)
    y_true = _tensor(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    fx = config.floatx()
    pred = ops.cast(ops.greater(y_pred, threshold), fx)
    return ops.mean(ops.cast(ops.equal(ops.cast(y_true, fx), pred), fx), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """1.0 where ``argmax(y_true) == argmax(y_pred)`` (one-hot labels) else 0.0."""
    y_true, y_pred = _tensor(y_true), _tensor(y_pred)
    ts, ps = tuple(ops.shape(y_true)), tuple(ops.shape(y_pred))
    if len(ts) == len(ps) - 1 or (len(ts) == len(ps) and ts[-1] == 1 and ps[-1] > 1):
        raise ValueError(f"categorical_accuracy: y_true of shape {ts} looks like integer class labels "
                         f"for y_pred of shape {ps}; use sparse_categorical_accuracy "
                         "(SparseCategoricalAccuracy).")
    return ops.cast(ops.equal(ops.argmax(y_true, axis=-1), ops.argmax(y_pred, axis=-1)), config.floatx())


def _sparse_labels(y_true, y_pred, name):
    ts, ps = tuple(ops.shape(y_true)), tuple(ops.shape(y_pred))
    if len(ts) == len(ps) and ts and ts[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
        ts = ts[:-1]
    if ts != ps[:-1]:
        advice = (" These look like one-hot labels: use the categorical version."
                  if ts == ps else "")
        raise ValueError(f"{name}: y_true of shape {tuple(ops.shape(y_true))} does not fit y_pred of "
                         f"shape {ps}; expected integer class labels of shape {ps[:-1]}.{advice}")
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals ``argmax(y_pred)`` else 0.0."""
    y_pred = _tensor(y_pred)
    y_true = _sparse_labels(_tensor(y_true), y_pred, "sparse_categorical_accuracy")
    pred = ops.cast(ops.argmax(y_pred, axis=-1), "float32")
    return ops.cast(ops.equal(ops.cast(y_true, "float32"), pred), config.floatx())


def _in_top_k(labels, y_pred, k):
    """True where the label's score has fewer than ``k`` scores strictly above it
    (ties at the boundary count as in, as Keras/TensorFlow)."""
    n = ops.shape(y_pred)[-1]
    hit = ops.equal(ops.expand_dims(ops.cast(labels, "int32"), -1), ops.arange(0, n, dtype="int32"))
    at_label = ops.sum(ops.where(hit, y_pred, ops.zeros_like(y_pred)), axis=-1, keepdims=True)
    at_label = ops.where(ops.isnan(at_label), ops.full(ops.shape(at_label), -np.inf, ops.dtype(at_label)),
                         at_label)
    above = ops.sum(ops.cast(ops.greater(y_pred, at_label), "int32"), axis=-1)
    return ops.logical_and(ops.less(above, k), ops.any(hit, axis=-1))


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the ``k`` highest scores."""
    y_pred = _tensor(y_pred)
    labels = ops.argmax(_tensor(y_true), axis=-1)
    return ops.cast(_in_top_k(labels, y_pred, k), config.floatx())


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the ``k`` highest scores (or, with
    ``from_sorted_ids``, among the first ``k`` ids of ``y_pred``)."""
    y_pred = _tensor(y_pred)
    y_true = _tensor(y_true)
    if from_sorted_ids:
        ts = tuple(ops.shape(y_true))
        if len(ts) == len(ops.shape(y_pred)) and ts[-1] == 1:
            y_true = ops.squeeze(y_true, axis=-1)
        top = ops.getitem(y_pred, (Ellipsis, slice(0, k)))
        hit = ops.equal(ops.expand_dims(ops.cast(y_true, "int32"), -1), ops.cast(top, "int32"))
        return ops.cast(ops.any(hit, axis=-1), config.floatx())
    y_true = _sparse_labels(y_true, y_pred, "sparse_top_k_categorical_accuracy")
    return ops.cast(_in_top_k(y_true, y_pred, k), config.floatx())


class Accuracy(_FnMetric):
    """How often predictions equal labels exactly."""
    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(_FnMetric):
    """How often ``y_pred > threshold`` matches 0/1 labels."""
    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(_FnMetric):
    """How often ``argmax(y_pred)`` matches one-hot labels."""
    _direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(_FnMetric):
    """How often ``argmax(y_pred)`` matches integer labels."""
    _direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(_FnMetric):
    """How often the one-hot label is among the top ``k`` predictions."""
    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(_FnMetric):
    """How often the integer label is among the top ``k`` predictions."""
    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids


# ---------------------------------------------------------------- regression / loss metrics
def cosine_similarity(y_true, y_pred, axis=-1):
    """``sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`` (positive; the loss is its negative)."""
    return ops.negative(_losses.cosine_similarity(y_true, y_pred, axis=axis))


class MeanSquaredError(_FnMetric):
    """Mean of squared errors."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(_FnMetric):
    """Mean of absolute errors."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_FnMetric):
    """Mean absolute percentage error."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_FnMetric):
    """Mean squared logarithmic error."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """``sqrt`` of the (weighted) mean of squared errors over everything seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _tensor(y_true, self.dtype)
        y_pred = _tensor(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(ops.square(ops.subtract(y_pred, y_true)), sample_weight=sample_weight)

    def result(self):
        return ops.sqrt(divide_no_nan(self.total.value, self.count.value))


class CosineSimilarity(_FnMetric):
    """Mean cosine similarity between labels and predictions along ``axis``."""
    _direction = "up"

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class LogCoshError(_FnMetric):
    """Mean log-cosh error."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


class Hinge(_FnMetric):
    """Mean hinge loss."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(_FnMetric):
    """Mean squared hinge loss."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(_FnMetric):
    """Mean categorical hinge loss."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)


class KLDivergence(_FnMetric):
    """Mean Kullback-Leibler divergence."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


class Poisson(_FnMetric):
    """Mean Poisson loss."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)


class BinaryCrossentropy(_FnMetric):
    """Mean binary crossentropy."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(_FnMetric):
    """Mean categorical crossentropy (one-hot labels)."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0,
                 axis=-1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_FnMetric):
    """Mean sparse categorical crossentropy (integer labels); ``ignore_class`` entries are left out."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)

    def _values_and_mask(self, y_true, y_pred):
        return _sparse_cce(y_true, y_pred, **self._fn_kwargs)


# ---------------------------------------------------------------- confusion metrics
def _as_list(x):
    return list(x) if isinstance(x, (list, tuple, np.ndarray)) else [x]


def _parse_thresholds(thresholds, default):
    if thresholds is None:
        return [default]
    thresholds = [float(t) for t in _as_list(thresholds)]
    bad = [t for t in thresholds if not 0.0 <= t <= 1.0]
    if bad:
        raise ValueError(f"Threshold values must be in [0, 1]; got {bad}.")
    return thresholds


def _filter_top_k(x, k):
    """``x`` with everything but the top ``k`` of the last axis set to -1e10."""
    _, idx = ops.top_k(x, k)
    keep = ops.sum(ops.one_hot(idx, ops.shape(x)[-1], dtype=ops.dtype(x)), axis=-2)
    return ops.add(ops.multiply(x, keep), ops.multiply(ops.subtract(1.0, keep), NEG_INF))


def _prepare_confusion(y_true, y_pred, sample_weight, dtype, top_k=None, class_id=None):
    """Labels, predictions and weights (broadcast to the predictions), as Keras aligns them."""
    y_true = _tensor(y_true, dtype)
    y_pred = _tensor(y_pred, dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if tuple(ops.shape(y_true)) != tuple(ops.shape(y_pred)):
        raise ValueError(f"y_true of shape {tuple(ops.shape(y_true))} and y_pred of shape "
                         f"{tuple(ops.shape(y_pred))} must have the same shape for this metric.")
    if sample_weight is not None:
        sample_weight = ops.expand_dims(_tensor(sample_weight, dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if len(ops.shape(y_pred)) < 2:
            raise ValueError(f"class_id needs y_pred of shape (samples, classes); got {tuple(ops.shape(y_pred))}.")
        key = (Ellipsis, slice(class_id, class_id + 1))
        y_true, y_pred = ops.getitem(y_true, key), ops.getitem(y_pred, key)
    if sample_weight is not None:
        sample_weight = ops.broadcast_to(sample_weight, ops.shape(y_pred))
    return y_true, y_pred, sample_weight


def _threshold_counts(y_true, y_pred, weights, thresholds, dtype):
    """(tp, fp, tn, fn), each of shape ``(len(thresholds),)``: prediction ``> t`` is positive."""
    pred = ops.reshape(y_pred, (1, -1))
    label = ops.reshape(ops.not_equal(y_true, 0.0), (1, -1))
    th = ops.convert(np.asarray(thresholds, dtype="float32").reshape(-1, 1), dtype)
    pos = ops.greater(pred, th)
    w = None if weights is None else ops.reshape(weights, (1, -1))
    not_label, not_pos = ops.logical_not(label), ops.logical_not(pos)

    def count(a, b):
        cond = ops.logical_and(a, b)
        vals = ops.cast(cond, dtype) if w is None else ops.where(cond, w, ops.zeros_like(w))
        return ops.sum(vals, axis=1)

    return count(label, pos), count(not_label, pos), count(not_label, not_pos), count(label, not_pos)


class _ConfusionMatrixConditionCount(Metric):
    _condition = None  # 'tp', 'fp', 'tn', 'fn'

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p, w = _prepare_confusion(y_true, y_pred, sample_weight, self.dtype)
        tp, fp, tn, fn = _threshold_counts(t, p, w, self.thresholds, self.dtype)
        new = {"tp": tp, "fp": fp, "tn": tn, "fn": fn}[self._condition]
        self.accumulator.assign(ops.add(self.accumulator.value, new))

    def result(self):
        v = self.accumulator.value
        return ops.getitem(v, 0) if len(self.thresholds) == 1 else v

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted count of positives predicted positive (prediction > threshold)."""
    _condition = "tp"

    def __init__(self, thresholds=None, name="true_positives", dtype=None):
        super().__init__(thresholds, name, dtype)


class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted count of negatives predicted positive."""
    _condition = "fp"

    def __init__(self, thresholds=None, name="false_positives", dtype=None):
        super().__init__(thresholds, name, dtype)


class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of negatives predicted negative."""
    _condition = "tn"

    def __init__(self, thresholds=None, name="true_negatives", dtype=None):
        super().__init__(thresholds, name, dtype)


class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of positives predicted negative."""
    _condition = "fn"

    def __init__(self, thresholds=None, name="false_negatives", dtype=None):
        super().__init__(thresholds, name, dtype)


class _PrecisionRecall(Metric):
    _direction = "up"
    _second = None  # 'false_positives' (precision) or 'false_negatives' (recall)

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self.true_positives = self.add_variable(shape=(len(self.thresholds),), name="true_positives")
        setattr(self, self._second, self.add_variable(shape=(len(self.thresholds),), name=self._second))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate counts; ``sample_weight`` broadcasts to ``y_pred`` from the left."""
        t, p, w = _prepare_confusion(y_true, y_pred, sample_weight, self.dtype, self.top_k, self.class_id)
        tp, fp, _, fn = _threshold_counts(t, p, w, self.thresholds, self.dtype)
        other = getattr(self, self._second)
        self.true_positives.assign(ops.add(self.true_positives.value, tp))
        other.assign(ops.add(other.value, fp if self._second == "false_positives" else fn))

    def result(self):
        tp = self.true_positives.value
        r = divide_no_nan(tp, ops.add(tp, getattr(self, self._second).value))
        return ops.getitem(r, 0) if len(self.thresholds) == 1 else r

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """``tp / (tp + fp)`` with predictions ``> threshold`` counted positive.

    Args:
        thresholds: a float or list in ``[0, 1]`` (default 0.5); a list gives
            one precision per threshold.
        top_k: only the top ``k`` predictions of each sample count as positive.
        class_id: restrict to one class of a ``(samples, classes)`` output.
        name, dtype: as ``Metric``.
    """
    _second = "false_positives"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name="precision", dtype=None):
        super().__init__(thresholds, top_k, class_id, name, dtype)


class Recall(_PrecisionRecall):
    """``tp / (tp + fn)`` with predictions ``> threshold`` counted positive (args as ``Precision``)."""
    _second = "false_negatives"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name="recall", dtype=None):
        super().__init__(thresholds, top_k, class_id, name, dtype)


def _evenly_spaced(thresholds):
    n = len(thresholds)
    return n >= 3 and np.allclose(thresholds, np.arange(n, dtype=np.float32) / (n - 1), atol=config.epsilon())


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from confusion counts at fixed thresholds.

    As Keras: ``num_thresholds`` thresholds evenly spaced in ``[0, 1]`` (with
    ``-eps`` and ``1 + eps`` at the ends); ``'interpolation'`` summation is the
    trapezoid rule for ROC and Davis & Goadrich's interpolation for PR;
    ``'minoring'``/``'majoring'`` take the lower/upper Riemann sums.

    Args:
        num_thresholds: number of thresholds (> 1), default 200.
        curve: ``'ROC'`` or ``'PR'``.
        summation_method: ``'interpolation'``, ``'minoring'`` or ``'majoring'``.
        name, dtype: as ``Metric``.
        thresholds: explicit thresholds in ``[0, 1]`` instead of ``num_thresholds``.
        multi_label: one curve per label column, averaged; pass ``num_labels``
            so the state exists before the first update (needed inside a
            compiled train step).
        num_labels: number of label columns (``multi_label`` only).
        label_weights: per-label weights.
        from_logits: apply a sigmoid to the predictions first.
    """
    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        curve_key = str(curve).upper()
        if curve_key not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUC curve {curve!r}; expected "ROC" or "PR".')
        method = str(summation_method).lower()
        if method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"Invalid AUC summation_method {summation_method!r}; expected "
                             "'interpolation', 'minoring' or 'majoring'.")
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(_parse_thresholds(thresholds, 0.5))
            self.num_thresholds = len(inner) + 2
            self._evenly = _evenly_spaced(np.array([0.0] + inner + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be an integer > 1; got {num_thresholds}.")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        super().__init__(name=name or "auc", dtype=dtype)
        eps = config.epsilon()
        self._thresholds = np.array([0.0 - eps] + inner + [1.0 + eps])
        self.curve = curve_key
        self.summation_method = method
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else ops.convert(
            np.asarray(label_weights, dtype="float32"), self.dtype)
        self._label_weights_init = label_weights
        self._from_logits = from_logits
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("AUC: `num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds, ``-eps`` and ``1 + eps`` included."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(f"AUC(multi_label=True) needs y_pred of rank 2; got shape {tuple(shape)}.")
            self._num_labels = shape[1]
            vshape = (self.num_thresholds, self._num_labels)
        else:
            vshape = (self.num_thresholds,)
        self.true_positives = self.add_variable(shape=vshape, name="true_positives")
        self.false_positives = self.add_variable(shape=vshape, name="false_positives")
        self.true_negatives = self.add_variable(shape=vshape, name="true_negatives")
        self.false_negatives = self.add_variable(shape=vshape, name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate confusion counts at every threshold."""
        if not self._built:
            self._build(tuple(ops.shape(y_pred)))
        y_pred = _tensor(y_pred, self.dtype)
        if self._from_logits:
            y_pred = ops.sigmoid(y_pred)
        t, p, w = _prepare_confusion(y_true, y_pred, sample_weight, self.dtype)
        if self.label_weights is not None and not self.multi_label:
            lw = ops.broadcast_to(self.label_weights, ops.shape(p))
            w = lw if w is None else ops.multiply(w, lw)
        if self._evenly:
            tp, fp, tn, fn = self._bucket_counts(t, p, w)
        elif self.multi_label:
            tp, fp, tn, fn = self._multi_label_threshold_counts(t, p, w)
        else:
            tp, fp, tn, fn = _threshold_counts(t, p, w, self._thresholds, self.dtype)
        for var, new in ((self.true_positives, tp), (self.false_positives, fp),
                         (self.true_negatives, tn), (self.false_negatives, fn)):
            var.assign(ops.add(var.value, new))

    def _bucket_counts(self, y_true, y_pred, weights):
        # Each prediction falls in bucket ceil(p * (T - 1)) - 1 (at least 0); it is
        # above thresholds 0..bucket, so counts are reverse cumulative sums.
        T = self.num_thresholds
        pred = ops.clip(y_pred, 0.0, 1.0)
        label = ops.cast(ops.not_equal(y_true, 0.0), self.dtype)
        w = ops.ones_like(pred) if weights is None else weights
        pos_w = ops.multiply(label, w)
        neg_w = ops.multiply(ops.subtract(1.0, label), w)
        bucket = ops.cast(ops.maximum(ops.subtract(ops.ceil(ops.multiply(pred, float(T - 1))), 1.0), 0.0), "int32")
        if self.multi_label:
            onehot = ops.one_hot(bucket, T, dtype=self.dtype)                  # (n, L, T)
            pos_b = ops.sum(ops.multiply(onehot, ops.expand_dims(pos_w, -1)), axis=0)  # (L, T)
            neg_b = ops.sum(ops.multiply(onehot, ops.expand_dims(neg_w, -1)), axis=0)
            tp = ops.transpose(ops.flip(ops.cumsum(ops.flip(pos_b, axis=1), axis=1), axis=1))
            fp = ops.transpose(ops.flip(ops.cumsum(ops.flip(neg_b, axis=1), axis=1), axis=1))
            total_pos, total_neg = ops.sum(pos_w, axis=0), ops.sum(neg_w, axis=0)
        else:
            idx = ops.reshape(bucket, (-1,))
            zeros = ops.zeros((T,), self.dtype)
            pos_b = ops.scatter_add(zeros, idx, ops.reshape(pos_w, (-1,)))
            neg_b = ops.scatter_add(zeros, idx, ops.reshape(neg_w, (-1,)))
            tp = ops.flip(ops.cumsum(ops.flip(pos_b, axis=0), axis=0), axis=0)
            fp = ops.flip(ops.cumsum(ops.flip(neg_b, axis=0), axis=0), axis=0)
            total_pos, total_neg = ops.sum(pos_w), ops.sum(neg_w)
        return tp, fp, ops.subtract(total_neg, fp), ops.subtract(total_pos, tp)

    def _multi_label_threshold_counts(self, y_true, y_pred, weights):
        th = ops.convert(np.asarray(self._thresholds, dtype="float32").reshape(-1, 1, 1), self.dtype)
        pos = ops.greater(ops.expand_dims(y_pred, 0), th)                     # (T, n, L)
        label = ops.expand_dims(ops.not_equal(y_true, 0.0), 0)
        w = ops.ones_like(y_pred) if weights is None else weights
        w = ops.expand_dims(w, 0)

        def count(a, b):
            return ops.sum(ops.where(ops.logical_and(a, b), w, ops.zeros_like(w)), axis=1)

        nl, npos = ops.logical_not(label), ops.logical_not(pos)
        return count(label, pos), count(nl, pos), count(nl, npos), count(label, npos)

    def _average(self, per_threshold_terms):
        if self.multi_label:
            by_label = ops.sum(per_threshold_terms, axis=0)
            if self.label_weights is None:
                return ops.mean(by_label)
            return divide_no_nan(ops.sum(ops.multiply(by_label, self.label_weights)), ops.sum(self.label_weights))
        return ops.sum(per_threshold_terms)

    def _interpolate_pr_auc(self):
        T = self.num_thresholds
        head, tail = slice(0, T - 1), slice(1, None)
        tp, fp, fn = self.true_positives.value, self.false_positives.value, self.false_negatives.value
        dtp = ops.subtract(ops.getitem(tp, head), ops.getitem(tp, tail))
        p = ops.add(tp, fp)
        p_head, p_tail = ops.getitem(p, head), ops.getitem(p, tail)
        dp = ops.subtract(p_head, p_tail)
        slope = divide_no_nan(dtp, ops.maximum(dp, 0.0))
        intercept = ops.subtract(ops.getitem(tp, tail), ops.multiply(slope, p_tail))
        both = ops.logical_and(ops.greater(p_head, 0.0), ops.greater(p_tail, 0.0))
        ratio = ops.where(both, divide_no_nan(p_head, ops.maximum(p_tail, 0.0)), ops.ones_like(p_tail))
        increment = divide_no_nan(
            ops.multiply(slope, ops.add(dtp, ops.multiply(intercept, ops.log(ratio)))),
            ops.maximum(ops.add(ops.getitem(tp, tail), ops.getitem(fn, tail)), 0.0))
        return self._average(increment)

    def result(self):
        if not self._built:
            return ops.convert(0.0, self.dtype)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        T = self.num_thresholds
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        recall = divide_no_nan(tp, ops.add(tp, fn))
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, ops.add(fp, tn)), recall
        else:
            x, y = recall, divide_no_nan(tp, ops.add(tp, fp))
        y_head, y_tail = ops.getitem(y, slice(0, T - 1)), ops.getitem(y, slice(1, None))
        if self.summation_method == "interpolation":
            heights = ops.divide(ops.add(y_head, y_tail), 2.0)
        elif self.summation_method == "minoring":
            heights = ops.minimum(y_head, y_tail)
        else:
            heights = ops.maximum(y_head, y_tail)
        widths = ops.subtract(ops.getitem(x, slice(0, T - 1)), ops.getitem(x, slice(1, None)))
        return self._average(ops.multiply(widths, heights))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "label_weights": self._label_weights_init,
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config


def require_2d(metric, y_true_shape, y_pred_shape, what="classes"):
    """ValueError naming the metric unless both inputs are ``(batch, <what>)`` with a known last axis."""
    if len(y_pred_shape) != 2 or len(y_true_shape) != 2 or y_pred_shape[-1] is None:
        raise ValueError(f"{type(metric).__name__} expects 2-D inputs (batch_size, {what}); got y_true "
                         f"{tuple(y_true_shape)} and y_pred {tuple(y_pred_shape)}.")


# ----------------------------------------------- the families kept in their own modules
from .metrics_at_threshold import (PrecisionAtRecall, RecallAtPrecision,  # noqa: E402
                                   SensitivityAtSpecificity, SpecificityAtSensitivity)
from .metrics_fbeta import F1Score, FBetaScore  # noqa: E402
from .metrics_iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU  # noqa: E402
from .metrics_regression import (ConcordanceCorrelation, PearsonCorrelation, R2Score,  # noqa: E402
                                 concordance_correlation, pearson_correlation)

# ---------------------------------------------------------------- lookup
_CLASSES = [Metric, Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
            SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
            MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
            RootMeanSquaredError, CosineSimilarity, LogCoshError, Hinge, SquaredHinge, CategoricalHinge,
            KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
            SparseCategoricalCrossentropy, TruePositives, FalsePositives, TrueNegatives, FalseNegatives,
            Precision, Recall, AUC, FBetaScore, F1Score, IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU,
            R2Score, PearsonCorrelation, ConcordanceCorrelation, PrecisionAtRecall, RecallAtPrecision,
            SensitivityAtSpecificity, SpecificityAtSensitivity]
_OBJECTS = {}
for _c in _CLASSES:
    _OBJECTS[_c.__name__] = _c
    _OBJECTS.setdefault(_snake(_c.__name__), _c)
del _c
_OBJECTS.update({
    "acc": Accuracy, "mse": MeanSquaredError, "mae": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "rmse": RootMeanSquaredError, "bce": BinaryCrossentropy,
    "kld": KLDivergence, "logcosh": LogCoshError, "log_cosh": LogCoshError, "auc": AUC,
})
# plain functions, for MeanMetricWrapper configs
_FUNCTIONS = {f.__name__: f for f in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, cosine_similarity,
    binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy, categorical_focal_crossentropy,
    sparse_categorical_crossentropy, hinge, squared_hinge, categorical_hinge, huber, kl_divergence,
    log_cosh, mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
    mean_squared_logarithmic_error, poisson, pearson_correlation, concordance_correlation)}


def _function(name):
    if name in _FUNCTIONS:
        return _FUNCTIONS[name]
    return _losses.get(name)


def register(obj, name=None):
    """Make a custom metric class or function known to ``get`` by name (and returns it)."""
    (_OBJECTS if inspect.isclass(obj) else _FUNCTIONS)[name or obj.__name__] = obj
    return obj


def get(identifier):
    """A metric from an identifier, as ``keras.metrics.get``.

    Args:
        identifier: a name (``'accuracy'``, ``'acc'``, ``'mae'``, ``'mse'``,
            ``'binary_accuracy'``, ``'AUC'``, ...), a ``Metric`` class or
            instance, a function, a ``{'class_name', 'config'}`` dict, or None.

    Returns:
        A ``Metric`` instance (names and classes are instantiated), or the
        function itself; None for None. ``'accuracy'`` here is the plain
        ``Accuracy``; ``resolve`` picks the right variant for ``compile``.
    """
    return _registry.get(identifier, "metric", "a name, a Metric class or instance, a function or a "
                         "config dict", deserialize, lookup=_lookup)


def _lookup(name):
    """The metric class or function called ``name`` (class names case-insensitively)."""
    if name in _OBJECTS:
        return _OBJECTS[name]
    if name.lower() in _OBJECTS:
        return _OBJECTS[name.lower()]
    if name in _FUNCTIONS:
        return _FUNCTIONS[name]
    if name.lower() in ("crossentropy", "ce"):
        raise ValueError(f"The metric {name!r} depends on the loss and the label shapes: "
                         "use kerasette.metrics.resolve(identifier, loss, y_true_shape, y_pred_shape).")
    raise unknown_name_error("metric", name, list(_OBJECTS) + list(_FUNCTIONS))


def _lookup_class(name):
    if name in _OBJECTS:
        return _OBJECTS[name]
    raise unknown_name_error("metric class", name, [k for k in _OBJECTS if k[0].isupper()])


def serialize(metric):
    """``{'class_name', 'config'}`` for a ``Metric``; the name of a function."""
    return _registry.to_class_config(metric, Metric)


def deserialize(config, custom_objects=None):
    """The metric described by ``serialize``'s output (``custom_objects`` first)."""
    return _registry.from_class_config(config, custom_objects, get, _lookup_class, classes_only=True)


_BINARY, _SPARSE, _CATEGORICAL = "binary", "sparse", "categorical"
_LOSS_KINDS = {
    _losses.binary_crossentropy: _BINARY, _losses.binary_focal_crossentropy: _BINARY,
    _losses.sparse_categorical_crossentropy: _SPARSE,
    _losses.categorical_crossentropy: _CATEGORICAL, _losses.categorical_focal_crossentropy: _CATEGORICAL,
}


def _loss_kind(loss):
    """'binary' / 'sparse' / 'categorical' when the loss is a crossentropy of that kind, else None."""
    if loss is None:
        return None
    if isinstance(loss, str):
        if loss.lower() in ("crossentropy", "ce"):
            return None
        try:
            loss = _losses.get(loss)
        except ValueError:
            return None
    if inspect.isclass(loss):
        fns = [f for f, c in _losses.FUNCTION_TO_CLASS.items() if issubclass(loss, c)]
        loss = fns[0] if fns else None
    if isinstance(loss, _losses.LossFunctionWrapper):
        loss = loss.fn
    return _LOSS_KINDS.get(loss) if callable(loss) else None


def _kind(identifier, loss, y_true_shape, y_pred_shape):
    """Binary when the loss is a binary crossentropy or the output's last dim is 1;
    sparse when the loss is sparse or the labels have one axis fewer (or last dim
    1 against a wider output); else categorical."""
    from_loss = _loss_kind(loss)
    known = y_true_shape is not None and y_pred_shape is not None
    if not known and from_loss is None:
        raise ValueError(f"The metric {identifier!r} is chosen from the loss or the label and output "
                         "shapes; pass a crossentropy loss or y_true_shape and y_pred_shape.")
    binary, sparse = _losses._is_binary_or_sparse(y_true_shape, y_pred_shape) if known else (False, False)
    if from_loss == _BINARY or binary:
        return _BINARY
    if from_loss == _SPARSE or sparse:
        return _SPARSE
    return _CATEGORICAL


def resolve(identifier, loss=None, y_true_shape=None, y_pred_shape=None):
    """The ``Metric`` object ``compile`` uses for ``identifier`` (for one output).

    ``'accuracy'``/``'acc'`` become ``BinaryAccuracy`` when the loss is a binary
    crossentropy or the output's last dim is 1; ``SparseCategoricalAccuracy``
    when the loss is sparse categorical crossentropy or ``y_true`` has one axis
    fewer than ``y_pred`` (or last dim 1 while ``y_pred``'s is not); else
    ``CategoricalAccuracy``. ``'crossentropy'``/``'ce'`` likewise pick the
    crossentropy metric (taking ``from_logits`` from a matching loss object).
    String identifiers become the metric's name (``'acc'`` logs as ``acc``);
    functions are wrapped in ``MeanMetricWrapper``.

    Args:
        identifier: anything ``get`` accepts, plus ``'crossentropy'``/``'ce'``.
        loss: the loss identifier or object of the same output, or None.
        y_true_shape, y_pred_shape: label and output shapes (the batch axis
            may be None).

    Returns:
        A ``Metric``.
    """
    if identifier is None:
        raise ValueError("Expected a metric, got None.")
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        kind = _kind(identifier, loss, y_true_shape, y_pred_shape)
        cls = {_BINARY: BinaryAccuracy, _SPARSE: SparseCategoricalAccuracy,
               _CATEGORICAL: CategoricalAccuracy}[kind]
        return cls(name=identifier)
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        kind = _kind(identifier, loss, y_true_shape, y_pred_shape)
        cls = {_BINARY: BinaryCrossentropy, _SPARSE: SparseCategoricalCrossentropy,
               _CATEGORICAL: CategoricalCrossentropy}[kind]
        from_logits = False
        if _loss_kind(loss) == kind and not isinstance(loss, str):
            from_logits = bool(getattr(loss, "from_logits", False) or
                               getattr(loss, "_fn_kwargs", {}).get("from_logits", False))
        return cls(name=identifier, from_logits=from_logits)
    obj = get(identifier)
    if not isinstance(obj, Metric):
        if not callable(obj):
            raise ValueError(f"Could not interpret metric identifier {identifier!r}.")
        obj = MeanMetricWrapper(obj, name=identifier if isinstance(identifier, str) else None)
    elif isinstance(identifier, str):
        obj.name = identifier
    return obj


resolve_accuracy = resolve

__all__ = [c.__name__ for c in _CLASSES] + sorted(_FUNCTIONS) + [
    "get", "serialize", "deserialize", "register", "resolve", "resolve_accuracy"]
