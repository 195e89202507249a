"""Losses, as ``keras.losses``: functions that give one value per sample, and
``Loss`` objects that reduce them to a scalar.

* A loss function ``fn(y_true, y_pred, **options)`` returns the per-sample loss
  (the last axis reduced) and uses only ``kerasette.ops``.
* ``Loss.__call__(y_true, y_pred, sample_weight=None)`` converts both inputs to
  the loss dtype (floatx), calls ``self.call``, weights by ``sample_weight`` and
  reduces: ``'sum_over_batch_size'`` (default; the weighted sum divided by the
  number of per-sample values), ``'sum'``, ``'mean'`` (same as the default),
  ``'mean_with_sample_weight'`` (divided by the sum of the weights), or
  ``'none'``/``None``.
* Probabilities are clipped to ``[epsilon, 1 - epsilon]`` (epsilon 1e-7) as in
  Keras; ``from_logits=True`` goes through ``log_softmax``/``softplus`` and is
  finite for any finite logits.
* Shapes are checked where the labels cannot fit the loss, and the error says
  which loss fits instead.

To add a loss: write the function, a ``LossFunctionWrapper`` subclass, and list
both in ``_register`` at the bottom.
"""
from __future__ import annotations

import warnings

from . import config, ops
from .activations import unknown_name_error
from .utils import registry as _registry

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# ---------------------------------------------------------------- helpers
def _tensor(x, dtype=None):
    """An engine array of ``x`` (cast to ``dtype`` when given)."""
    b = config._active or config.active()
    if b.is_array(x):  # the common case, straight to the adapter
        return x if dtype is None or b.dtype(x) == dtype else b.cast(x, dtype)
    if not ops.is_array(x):  # host data
        return ops.convert(x, dtype) if dtype is not None else ops.convert(x)
    x = ops.convert(x)  # unwraps a Variable
    if dtype is not None and ops.dtype(x) != dtype:
        x = ops.cast(x, dtype)
    return x


def _float_dtype(x):
    d = ops.dtype(x)
    return d if d in ("float16", "bfloat16", "float32", "float64") else config.floatx()


def _pred_and_true(y_true, y_pred):
    """``y_pred`` as a float array and ``y_true`` cast to its dtype."""
    y_pred = _tensor(y_pred)
    y_pred = ops.cast(y_pred, _float_dtype(y_pred)) if ops.dtype(y_pred) != _float_dtype(y_pred) else y_pred
    return _tensor(y_true, ops.dtype(y_pred)), y_pred


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Make ranks equal when they differ by one trailing length-1 axis (as Keras).

    The longer one loses its last axis, except that a rank-1 partner gains one
    when ``expand_rank_1``.
    """
    s1, s2 = ops.shape(x1), ops.shape(x2)
    r1, r2 = len(s1), len(s2)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and s1[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, axis=-1)
    elif r2 == r1 + 1 and s2[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, axis=-1)
    return x1, x2


def divide_no_nan(x, y):
    """``x / y``, and 0 where ``y == 0``."""
    zero = ops.equal(y, 0)
    safe = ops.where(zero, ops.ones_like(y), y)
    return ops.where(zero, ops.zeros_like(ops.divide(x, safe)), ops.divide(x, safe))


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _align_weight(values, weight):
    """``weight`` made broadcastable to ``values``: trailing length-1 axes added
    (a per-sample weight ``(n,)`` against values ``(n, t)``)."""
    values, weight = squeeze_or_expand_to_same_rank(values, weight)
    vr, wr = len(ops.shape(values)), len(ops.shape(weight))
    if 0 < wr < vr:
        weight = ops.reshape(weight, tuple(ops.shape(weight)) + (1,) * (vr - wr))
    return values, weight


def _check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"Invalid loss reduction {reduction!r}; expected one of "
                         f"{', '.join(repr(r) for r in REDUCTIONS)}.")
    return reduction


def _mask_weight(mask, reduction, dtype):
    """A mask as a weight: valid entries get ``total / valid`` under the mean
    reductions so the mean is over the valid entries only (as Keras)."""
    fmask = ops.cast(mask, dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        total = float(_size(ops.shape(mask)))
        fmask = ops.multiply(fmask, divide_no_nan(ops.convert(total, dtype), ops.sum(fmask)))
    return fmask


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None):
    """Weight per-sample ``values`` and reduce them as a Keras loss does.

    Args:
        values: per-sample losses.
        sample_weight: None, a scalar, or an array broadcastable to ``values``
            after Keras's squeeze/expand of a trailing length-1 axis
            (``(n,)``, ``(n, 1)``, or ``values``'s shape).
        mask: optional boolean array of ``values``'s shape (entries to count).
        reduction: see the module docstring.
        dtype: dtype of the result (default: ``values``'s float dtype).

    Returns:
        A scalar, or the weighted values for ``'none'``.
    """
    reduction = _check_reduction(reduction)
    values = _tensor(values, dtype or _float_dtype(_tensor(values)))
    dtype = ops.dtype(values)
    if mask is not None:
        mw = _mask_weight(mask, reduction, dtype)
        if sample_weight is None:
            sample_weight = mw
        else:
            mw, sw = squeeze_or_expand_to_same_rank(mw, _tensor(sample_weight, dtype))
            sample_weight = ops.multiply(sw, mw)
    if sample_weight is not None:
        sample_weight = _tensor(sample_weight, dtype)
        values, sample_weight = _align_weight(values, sample_weight)
        try:
            values = ops.multiply(values, sample_weight)
        except ValueError as e:
            raise ValueError(f"sample_weight of shape {tuple(ops.shape(sample_weight))} cannot be "
                             f"applied to per-sample losses of shape {tuple(ops.shape(values))}.") from e
    shape = tuple(ops.shape(values))
    if reduction in (None, "none") or shape == () or shape == (0,):
        return values
    loss = ops.sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return divide_no_nan(loss, ops.sum(ops.broadcast_to(sample_weight, shape)))
    return ops.divide(loss, float(_size(shape)))


def _snake(name):
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower())):
            out.append("_")
        out.append(c.lower())
    return "".join(out)


# ---------------------------------------------------------------- base classes
class Loss:
    """Base class of losses: subclass it and write ``call(y_true, y_pred)``.

    Args:
        name: the loss's name (default: the class name in snake_case).
        reduction: ``'sum_over_batch_size'`` (default), ``'sum'``, ``'mean'``,
            ``'mean_with_sample_weight'``, ``'none'`` or ``None``.
        dtype: dtype of the computation (default floatx).

    Example:
        >>> class MyMSE(Loss):
        ...     def call(self, y_true, y_pred):
        ...         return ops.mean(ops.square(y_pred - y_true), axis=-1)
        >>> MyMSE()(np.zeros((2, 3)), np.ones((2, 3)))  # 1.0
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or _snake(type(self).__name__)
        self.reduction = _check_reduction(reduction)
        self._dtype = dtype

    @property
    def dtype(self):
        return self._dtype or config.floatx()

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss (a scalar, or per-sample values for reduction ``'none'``)."""
        y_pred = _tensor(y_pred, self.dtype)
        y_true = _tensor(y_true, self.dtype)
        losses, mask = self._call_with_mask(y_true, y_pred)
        return reduce_weighted_values(losses, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=self.dtype)

    def _call_with_mask(self, y_true, y_pred):
        # hook for losses that leave some entries out (ignore_class)
        return self.call(y_true, y_pred), None

    def call(self, y_true, y_pred):
        """Per-sample losses; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A ``Loss`` around a function ``fn(y_true, y_pred, **kwargs)``.

    Args:
        fn: the per-sample loss function.
        reduction, name, dtype: as ``Loss``.
        **kwargs: options passed to ``fn``.

    Example:
        >>> LossFunctionWrapper(mean_absolute_error, name='mae')(y, p)
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            config["fn"] = getattr(self.fn, "__name__", self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config and isinstance(config["fn"], str):
            config["fn"] = get(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__}({getattr(self.fn, '__name__', self.fn)}, kwargs={self._fn_kwargs})>"


# ---------------------------------------------------------------- regression
def mean_squared_error(y_true, y_pred):
    """``mean(square(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pred_and_true(y_true, y_pred))
    return ops.mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pred_and_true(y_true, y_pred))
    return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)``."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pred_and_true(y_true, y_pred))
    diff = ops.abs(ops.divide(ops.subtract(y_true, y_pred), ops.maximum(ops.abs(y_true), config.epsilon())))
    return ops.multiply(ops.mean(diff, axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)``."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pred_and_true(y_true, y_pred))
    eps = config.epsilon()
    first = ops.log(ops.add(ops.maximum(y_pred, eps), 1.0))
    second = ops.log(ops.add(ops.maximum(y_true, eps), 1.0))
    return ops.mean(ops.square(ops.subtract(first, second)), axis=-1)


def l2_normalize(x, axis=-1):
    """``x / max(norm(x), epsilon)`` along ``axis`` (Keras's ``normalize``)."""
    eps = config.epsilon()
    sq = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.divide(x, ops.sqrt(ops.maximum(sq, eps * eps)))


def cosine_similarity(y_true, y_pred, axis=-1):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: -1 for parallel vectors."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pred_and_true(y_true, y_pred))
    return ops.negative(ops.sum(ops.multiply(l2_normalize(y_true, axis), l2_normalize(y_pred, axis)), axis=axis))


def huber(y_true, y_pred, delta=1.0):
    """``mean(0.5 e^2 if |e| <= delta else delta |e| - 0.5 delta^2, axis=-1)``, ``e = y_pred - y_true``."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pred_and_true(y_true, y_pred))
    delta = float(delta)
    err = ops.subtract(y_pred, y_true)
    abs_err = ops.abs(err)
    quad = ops.multiply(ops.square(err), 0.5)
    lin = ops.subtract(ops.multiply(abs_err, delta), 0.5 * delta * delta)
    return ops.mean(ops.where(ops.less_equal(abs_err, delta), quad, lin), axis=-1)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, stable for large errors."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pred_and_true(y_true, y_pred))
    x = ops.subtract(y_pred, y_true)
    val = ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2.0))), 0.6931471805599453)
    return ops.mean(val, axis=-1)


# ---------------------------------------------------------------- probabilistic
def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to ``[eps, 1]``."""
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    eps = config.epsilon()
    y_true = ops.clip(y_true, eps, 1.0)
    y_pred = ops.clip(y_pred, eps, 1.0)
    return ops.sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + eps), axis=-1)``."""
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    return ops.mean(ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, config.epsilon())))),
                    axis=-1)


def _log_probs(y_pred, from_logits, axis):
    if from_logits:
        return ops.log_softmax(y_pred, axis=axis)
    eps = config.epsilon()
    p = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    return ops.log(ops.clip(p, eps, 1.0 - eps))


def _shape_error(loss, y_true, y_pred, expected, advice=""):
    return ValueError(f"{loss}: y_true of shape {tuple(ops.shape(y_true))} does not fit y_pred of shape "
                      f"{tuple(ops.shape(y_pred))}; {expected}.{advice}")


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Crossentropy between one-hot (or soft) labels and class probabilities.

    Args:
        y_true: one-hot labels, the shape of ``y_pred``.
        y_pred: probabilities (normalized along ``axis`` and clipped to
            ``[eps, 1 - eps]``) or logits when ``from_logits``.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: in ``[0, 1]``; labels become
            ``y * (1 - s) + s / num_classes``.
        axis: the class axis.

    Returns:
        ``-sum(y_true * log(p), axis)``: one value per sample.

    Example:
        >>> categorical_crossentropy([[0, 1, 0]], [[0.05, 0.95, 0.]])  # [0.0513]
    """
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"categorical_crossentropy: `axis` must be an int, got {axis!r}.")
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    ts, ps = tuple(ops.shape(y_true)), tuple(ops.shape(y_pred))
    if ts != ps:
        looks_sparse = len(ps) >= 1 and ps[-1] > 1 and (
            ts == ps[:-1] or (len(ts) == len(ps) and ts[:-1] == ps[:-1] and ts[-1] == 1))
        advice = (" These look like integer class labels: use sparse_categorical_crossentropy "
                  "(SparseCategoricalCrossentropy), or one-hot encode them with "
                  "kerasette.utils.to_categorical.") if looks_sparse else ""
        raise _shape_error("categorical_crossentropy", y_true, y_pred,
                           "expected one-hot labels with the same shape as y_pred", advice)
    if len(ps) < 1:
        raise ValueError("categorical_crossentropy: y_pred must have at least one axis (the classes).")
    if ps[axis] == 1:
        warnings.warn(f"categorical_crossentropy: y_pred has shape {ps} with one class; "
                      "use binary_crossentropy for two-class problems.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        s = float(label_smoothing)
        y_true = ops.add(ops.multiply(y_true, 1.0 - s), s / ps[axis])
    return ops.negative(ops.sum(ops.multiply(y_true, _log_probs(y_pred, from_logits, axis)), axis=axis))


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Focal crossentropy for one-hot labels: ``sum(alpha (1 - p)^gamma * -y log p, axis)``."""
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    if tuple(ops.shape(y_true)) != tuple(ops.shape(y_pred)):
        raise _shape_error("categorical_focal_crossentropy", y_true, y_pred,
                           "expected one-hot labels with the same shape as y_pred")
    if label_smoothing:
        s = float(label_smoothing)
        y_true = ops.add(ops.multiply(y_true, 1.0 - s), s / ops.shape(y_true)[axis])
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    eps = config.epsilon()
    out = ops.clip(ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True)), eps, 1.0 - eps)
    cce = ops.negative(ops.multiply(y_true, ops.log(out)))
    factor = ops.multiply(ops.power(ops.subtract(1.0, out), float(gamma)), alpha)
    return ops.sum(ops.multiply(factor, cce), axis=axis)


def _sparse_cce(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """``(per-sample loss, valid mask or None)``."""
    y_pred = _tensor(y_pred)
    if ops.dtype(y_pred) != _float_dtype(y_pred):
        y_pred = ops.cast(y_pred, _float_dtype(y_pred))
    y_true = _tensor(y_true)
    ps, ts = tuple(ops.shape(y_pred)), tuple(ops.shape(y_true))
    if len(ps) < 1:
        raise ValueError("sparse_categorical_crossentropy: y_pred must have at least one axis (the classes).")
    axis = axis % len(ps)
    if len(ts) == len(ps) and ts[axis] == 1:
        y_true = ops.squeeze(y_true, axis=axis)
        ts = tuple(ops.shape(y_true))
    expected = ps[:axis] + ps[axis + 1:]
    if ts != expected:
        advice = (" These look like one-hot labels: use categorical_crossentropy "
                  "(CategoricalCrossentropy).") if ts == ps else ""
        raise _shape_error("sparse_categorical_crossentropy", y_true, y_pred,
                           f"expected integer class labels of shape {expected} (or {expected + (1,)})",
                           advice)
    labels = ops.cast(y_true, "int32")
    mask = None
    if ignore_class is not None:
        mask = ops.not_equal(labels, int(ignore_class))
        labels = ops.where(mask, labels, ops.zeros_like(labels))
    log_prob = _log_probs(y_pred, from_logits, axis)
    onehot = ops.one_hot(labels, ps[axis], dtype=ops.dtype(y_pred))
    if axis != len(ps) - 1:
        onehot = ops.moveaxis(onehot, -1, axis)
    res = ops.negative(ops.sum(ops.multiply(onehot, log_prob), axis=axis))
    if mask is not None:
        res = ops.where(mask, res, ops.zeros_like(res))
    return res, mask


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Crossentropy between integer class labels and class probabilities.

    Args:
        y_true: class indices, ``y_pred``'s shape without the class axis (a
            trailing length-1 axis is accepted).
        y_pred: probabilities or logits (``from_logits``).
        from_logits: whether ``y_pred`` holds logits.
        ignore_class: a label value whose entries give loss 0 (and, in the
            ``SparseCategoricalCrossentropy`` object, are left out of the mean).
        axis: the class axis of ``y_pred``.

    Returns:
        ``-log p[label]``: one value per sample.

    Example:
        >>> sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])  # [0.0513, 2.303]
    """
    return _sparse_cce(y_true, y_pred, from_logits, ignore_class, axis)[0]


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Crossentropy of independent 0/1 labels, averaged over ``axis``.

    Args:
        y_true: 0/1 labels, the shape of ``y_pred``.
        y_pred: probabilities (clipped to ``[eps, 1 - eps]``) or logits.
        from_logits: whether ``y_pred`` holds logits (computed as
            ``y softplus(-x) + (1 - y) softplus(x)``).
        label_smoothing: labels become ``y (1 - s) + s / 2``.
        axis: the axis averaged over.

    Returns:
        One value per sample.

    Example:
        >>> binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])  # [0.916, 0.714]
    """
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_binary_shapes("binary_crossentropy", y_true, y_pred)
    if label_smoothing:
        s = float(label_smoothing)
        y_true = ops.add(ops.multiply(y_true, 1.0 - s), 0.5 * s)
    return ops.mean(_bce(y_true, y_pred, from_logits), axis=axis)


def _check_binary_shapes(name, y_true, y_pred):
    ts, ps = tuple(ops.shape(y_true)), tuple(ops.shape(y_pred))
    if ts != ps:
        advice = ""
        if len(ps) >= 1 and ps[-1] > 1 and (ts == ps[:-1] or ts == ps[:-1] + (1,)):
            advice = (" With one class index per sample and several outputs, use "
                      "sparse_categorical_crossentropy; for 0/1 labels the model needs one output.")
        raise _shape_error(name, y_true, y_pred, "expected labels with the same shape as y_pred", advice)


def _bce(y_true, y_pred, from_logits):
    if from_logits:
        return ops.add(ops.multiply(y_true, ops.softplus(ops.negative(y_pred))),
                       ops.multiply(ops.subtract(1.0, y_true), ops.softplus(y_pred)))
    eps = config.epsilon()
    p = ops.clip(y_pred, eps, 1.0 - eps)
    return ops.negative(ops.add(ops.multiply(y_true, ops.log(p)),
                                ops.multiply(ops.subtract(1.0, y_true), ops.log(ops.subtract(1.0, p)))))


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy scaled by the focal factor ``(1 - p_t) ** gamma``.

    Args:
        y_true, y_pred, from_logits, label_smoothing, axis: as ``binary_crossentropy``.
        apply_class_balancing: also weight class 1 by ``alpha`` and class 0 by ``1 - alpha``.
        alpha: the class-balancing weight.
        gamma: the focusing parameter (0: plain binary crossentropy).

    Returns:
        One value per sample.
    """
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_binary_shapes("binary_focal_crossentropy", y_true, y_pred)
    if label_smoothing:
        s = float(label_smoothing)
        y_true = ops.add(ops.multiply(y_true, 1.0 - s), 0.5 * s)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = _bce(y_true, y_pred, False)
    p_t = ops.add(ops.multiply(y_true, y_pred), ops.multiply(ops.subtract(1.0, y_true), ops.subtract(1.0, y_pred)))
    focal = ops.multiply(ops.power(ops.subtract(1.0, p_t), float(gamma)), bce)
    if apply_class_balancing:
        weight = ops.add(ops.multiply(y_true, alpha), ops.multiply(ops.subtract(1.0, y_true), 1.0 - alpha))
        focal = ops.multiply(weight, focal)
    return ops.mean(focal, axis=axis)


# ---------------------------------------------------------------- hinge
def _hinge_labels(y_true):
    """0/1 labels become -1/1; other labels stay (decided on values, jit-safe)."""
    is_binary = ops.all(ops.logical_or(ops.equal(y_true, 0.0), ops.equal(y_true, 1.0)))
    return ops.where(is_binary, ops.subtract(ops.multiply(y_true, 2.0), 1.0), y_true)


def hinge(y_true, y_pred):
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``; 0/1 labels become -1/1."""
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return ops.mean(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``; 0/1 labels become -1/1."""
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return ops.mean(ops.square(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """``maximum(neg - pos + 1, 0)``, ``pos = sum(y_true * y_pred)``, ``neg = max((1 - y_true) * y_pred)``."""
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


def ctc(y_true, y_pred):
    """CTC (Connectionist Temporal Classification) loss per sample, as ``keras.losses.ctc``.

    Args:
        y_true: int labels ``(batch, max_label_len)``; class 0 is the blank and
            also the padding: a sample's label length is its number of
            non-zero entries (so pad with 0 at the end, and do not use 0 as a
            class).
        y_pred: logits ``(batch, time, classes)``, *not* softmax-normalized;
            every sample uses all ``time`` frames.

    Returns:
        ``-log p(y_true | y_pred)``, shape ``(batch,)``; ``+inf`` where the
        label cannot be aligned to the frames.

    Example:
        >>> ctc(np.array([[1, 2, 0]]), np.zeros((1, 5, 3), "float32"))  # [1.9377]
    """
    y_pred = _tensor(y_pred)
    if len(ops.shape(y_true)) != 2:
        raise ValueError(f"ctc: `y_true` must be integer labels of shape (batch_size, max_length); "
                         f"got shape {tuple(ops.shape(y_true))}.")
    if len(ops.shape(y_pred)) != 3:
        raise ValueError(f"ctc: `y_pred` must be logits of shape (batch_size, max_length, "
                         f"num_classes); got shape {tuple(ops.shape(y_pred))}.")
    y_true = _tensor(y_true, "int32")
    batch, time = ops.shape(y_pred)[:2]
    label_lengths = ops.sum(ops.cast(ops.not_equal(y_true, 0), "int32"), axis=-1)
    logit_lengths = ops.full((batch,), time, "int32")
    return ops.ctc_loss(y_true, y_pred, label_lengths, logit_lengths, mask_index=0)


# ------------------------------------------- overlap, metric-learning and noisy-label
def dice(y_true, y_pred, axis=None):
    """``1 - 2|A∩B| / (|A| + |B|)``, the Dice loss, summed over ``axis`` (None: all axes)."""
    y_pred = _tensor(y_pred)
    y_true = ops.cast(y_true, ops.dtype(y_pred))
    overlap = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    total = ops.add(ops.add(ops.sum(y_true, axis=axis), ops.sum(y_pred, axis=axis)), config.epsilon())
    return ops.subtract(1.0, ops.divide(ops.multiply(overlap, 2.0), total))


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 - TP / (TP + alpha * FP + beta * FN)``, the Tversky loss (``alpha = beta = 0.5``: Dice).

    As Keras: FP counts ``(1 - y_pred) * y_true`` and FN ``y_pred * (1 - y_true)``.
    """
    y_pred = _tensor(y_pred)
    y_true = ops.cast(y_true, ops.dtype(y_pred))
    tp = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    fp = ops.sum(ops.multiply(ops.subtract(1.0, y_pred), y_true), axis=axis)
    fn = ops.sum(ops.multiply(y_pred, ops.subtract(1.0, y_true)), axis=axis)
    denom = ops.add(ops.add(ops.add(tp, ops.multiply(fp, alpha)), ops.multiply(fn, beta)), config.epsilon())
    return ops.subtract(1.0, ops.divide(tp, denom))


_NO_PAIR = -1e30  # stands for -inf in a masked logsumexp: same value, finite gradients


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """Circle loss (Sun et al., 2020) of L2-normalized embeddings ``y_pred`` with integer labels.

    Each sample is compared with ``ref_embeddings`` (default: the batch itself) by cosine
    distance; same-label pairs are pulled together, other pairs pushed apart, each pair
    weighted by how far it is from its optimum. Returns one value per sample (0 for a
    sample with no pair to learn from).
    """
    y_pred = _tensor(y_pred)
    y_true = ops.cast(y_true, "int32")
    refs = y_pred if ref_embeddings is None else _tensor(ref_embeddings)
    ref_labels = y_true if ref_labels is None else ops.cast(ref_labels, "int32")
    dist = ops.maximum(ops.subtract(1.0, ops.matmul(y_pred, ops.transpose(refs))), 0.0)
    query = ops.reshape(y_true, (-1, 1))
    keys = ops.reshape(ref_labels, (1, -1))
    positive = ops.equal(query, keys)
    negative = ops.logical_not(positive)
    if remove_diagonal:
        rows = ops.expand_dims(ops.arange(ops.shape(query)[0]), 1)
        cols = ops.expand_dims(ops.arange(ops.shape(keys)[1]), 0)
        positive = ops.logical_and(positive, ops.not_equal(rows, cols))
    dt = ops.dtype(dist)
    pos_w = ops.maximum(ops.multiply(ops.add(dist, margin), ops.cast(positive, dt)), 0.0)
    neg_w = ops.maximum(ops.multiply(ops.subtract(1.0 + margin, dist), ops.cast(negative, dt)), 0.0)
    pos_terms = ops.multiply(ops.multiply(pos_w, ops.subtract(margin, dist)), -float(gamma))
    neg_terms = ops.multiply(ops.multiply(neg_w, ops.subtract(1.0 - margin, dist)), float(gamma))
    p_loss = ops.logsumexp(ops.where(positive, pos_terms, _NO_PAIR), axis=1)
    n_loss = ops.logsumexp(ops.where(negative, neg_terms, _NO_PAIR), axis=1)
    return ops.softplus(ops.add(p_loss, n_loss))


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """Generalized cross-entropy (Zhang & Sabuncu, 2018): ``(1 - p_true ** q) / q`` for integer
    labels ``y_true`` and probabilities ``y_pred``; robust to noisy labels (``q`` in (0, 1))."""
    y_pred = _tensor(y_pred)
    labels = ops.one_hot(ops.cast(y_true, "int32"), ops.shape(y_pred)[-1], dtype=ops.dtype(y_pred))
    p = ops.sum(ops.multiply(y_pred, labels), axis=-1)
    return ops.divide(ops.subtract(1.0, ops.power(p, float(q))), float(q))


# ---------------------------------------------------------------- Loss classes
class _Wrapper(LossFunctionWrapper):
    # the config is the class's own arguments (``fn`` is fixed by the class)
    _options = ()

    def __init__(self, fn, reduction, name, dtype, **options):
        super().__init__(fn, reduction=reduction, name=name, dtype=dtype, **options)
        for k, v in options.items():
            setattr(self, k, v)

    def get_config(self):
        config = Loss.get_config(self)
        config.update({k: getattr(self, k) for k in self._fn_kwargs})
        return config


class MeanSquaredError(_Wrapper):
    """Mean of squared errors. See ``mean_squared_error``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction, name, dtype)


class MeanAbsoluteError(_Wrapper):
    """Mean of absolute errors. See ``mean_absolute_error``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction, name, dtype)


class MeanAbsolutePercentageError(_Wrapper):
    """Mean absolute percentage error. See ``mean_absolute_percentage_error``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction, name, dtype)


class MeanSquaredLogarithmicError(_Wrapper):
    """Mean squared logarithmic error. See ``mean_squared_logarithmic_error``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction, name, dtype)


class CosineSimilarity(_Wrapper):
    """Negative cosine similarity along ``axis``. See ``cosine_similarity``."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)


class Huber(_Wrapper):
    """Huber loss with threshold ``delta``. See ``huber``."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction, name, dtype, delta=delta)


class LogCosh(_Wrapper):
    """Log of the hyperbolic cosine of the error. See ``log_cosh``."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction, name, dtype)


class Hinge(_Wrapper):
    """Hinge loss. See ``hinge``."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction, name, dtype)


class SquaredHinge(_Wrapper):
    """Squared hinge loss. See ``squared_hinge``."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction, name, dtype)


class CategoricalHinge(_Wrapper):
    """Categorical hinge loss. See ``categorical_hinge``."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction, name, dtype)


class KLDivergence(_Wrapper):
    """Kullback-Leibler divergence. See ``kl_divergence``."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction, name, dtype)


class Poisson(_Wrapper):
    """Poisson loss. See ``poisson``."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction, name, dtype)


class BinaryCrossentropy(_Wrapper):
    """Binary crossentropy. See ``binary_crossentropy``.

    Example:
        >>> BinaryCrossentropy(from_logits=True)([[0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]])  # 0.8654
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class BinaryFocalCrossentropy(_Wrapper):
    """Binary focal crossentropy. See ``binary_focal_crossentropy``."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction, name, dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(_Wrapper):
    """Categorical crossentropy for one-hot labels. See ``categorical_crossentropy``."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(_Wrapper):
    """Categorical focal crossentropy. See ``categorical_focal_crossentropy``."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        super().__init__(categorical_focal_crossentropy, reduction, name, dtype, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_Wrapper):
    """Categorical crossentropy for integer labels. See ``sparse_categorical_crossentropy``.

    With ``ignore_class``, entries with that label are left out of the mean.
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)

    def call(self, y_true, y_pred):
        return _sparse_cce(y_true, y_pred, **self._fn_kwargs)[0]

    def _call_with_mask(self, y_true, y_pred):
        return _sparse_cce(y_true, y_pred, **self._fn_kwargs)


class CTC(_Wrapper):
    """CTC loss: labels ``(batch, max_label_len)`` padded with 0 (the blank),
    logits ``(batch, time, classes)``. See ``ctc``.

    Example:
        >>> model.compile(optimizer="adam", loss=CTC())
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction, name, dtype)

    def call(self, y_true, y_pred):
        return ctc(y_true, y_pred)  # no rank matching: labels and logits differ by design


class Dice(_Wrapper):
    """The Dice loss. See ``dice``."""

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction, name, dtype, axis=axis)


class Tversky(_Wrapper):
    """The Tversky loss. See ``tversky``."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky", axis=None,
                 dtype=None):
        super().__init__(tversky, reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)


class Circle(_Wrapper):
    """The Circle loss for metric learning. See ``circle``.

    As Keras, the batch mean counts only samples whose loss is positive.
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction="sum_over_batch_size",
                 name="circle", dtype=None):
        super().__init__(circle, reduction, name, dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)

    def _call_with_mask(self, y_true, y_pred):
        losses = circle(y_true, y_pred, **self._fn_kwargs)
        return losses, ops.greater(losses, 0.0)


class CategoricalGeneralizedCrossEntropy(_Wrapper):
    """Generalized cross-entropy for noisy labels. See ``categorical_generalized_cross_entropy``."""

    def __init__(self, q=0.5, reduction="sum_over_batch_size", name="categorical_generalized_cross_entropy",
                 dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: `q` must be in (0, 1), got {q}.")
        super().__init__(categorical_generalized_cross_entropy, reduction, name, dtype, q=q)


# ---------------------------------------------------------------- lookup
_OBJECTS = {}   # name -> function or class
_ALIASES = {
    "mse": "mean_squared_error", "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
    "kld": "kl_divergence", "kullback_leibler_divergence": "kl_divergence",
    "bce": "binary_crossentropy", "logcosh": "log_cosh", "huber_loss": "huber",
}
# per-sample function -> the Loss class that wraps it (for metric resolution)
FUNCTION_TO_CLASS = {}


def _register(*objects):
    for obj in objects:
        _OBJECTS[obj.__name__] = obj


_register(Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
          MeanSquaredLogarithmicError, CosineSimilarity, Huber, LogCosh, Hinge, SquaredHinge,
          CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy, BinaryFocalCrossentropy,
          CategoricalCrossentropy, CategoricalFocalCrossentropy, SparseCategoricalCrossentropy,
          mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
          mean_squared_logarithmic_error, cosine_similarity, huber, log_cosh, kl_divergence, poisson,
          binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
          categorical_focal_crossentropy, sparse_categorical_crossentropy, hinge, squared_hinge,
          categorical_hinge, CTC, ctc, Dice, Tversky, Circle, CategoricalGeneralizedCrossEntropy, dice,
          tversky, circle, categorical_generalized_cross_entropy)
for _cls in (MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
             CosineSimilarity, Huber, LogCosh, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson,
             BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
             CategoricalFocalCrossentropy, SparseCategoricalCrossentropy, CTC, Dice, Tversky, Circle,
             CategoricalGeneralizedCrossEntropy):
    FUNCTION_TO_CLASS[_cls().fn] = _cls
del _cls

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
logcosh = log_cosh


def register(obj, name=None):
    """Make a custom loss function or class known to ``get`` by name (and returns it)."""
    _OBJECTS[name or obj.__name__] = obj
    return obj


def _lookup(name):
    if name in _OBJECTS:
        return _OBJECTS[name]
    key = _ALIASES.get(name, _ALIASES.get(name.lower(), name))
    if key in _OBJECTS:
        return _OBJECTS[key]
    raise unknown_name_error("loss", name, list(_OBJECTS) + list(_ALIASES))


def get(identifier):
    """A loss function or ``Loss`` object from an identifier, as ``keras.losses.get``.

    Args:
        identifier: a function or class name (``'mse'``, ``'mean_squared_error'``,
            ``'CategoricalCrossentropy'``), a ``Loss`` class or instance, a
            callable, a ``{'class_name': ..., 'config': {...}}`` dict, or None.

    Returns:
        A function for function names, a ``Loss`` instance for class names
        and classes, the object itself otherwise; None for None.

    Example:
        >>> get('mse') is mean_squared_error
        True
    """
    return _registry.get(identifier, "loss", "a name, a Loss class or instance, a callable or a "
                         "config dict", deserialize, lookup=_lookup)


def serialize(loss):
    """``{'class_name', 'config'}`` for a ``Loss``; the name for a loss function."""
    return _registry.to_class_config(loss, Loss)


def deserialize(config, custom_objects=None):
    """The loss described by ``serialize``'s output (``custom_objects`` first)."""
    return _registry.from_class_config(config, custom_objects, get, _lookup)


def _is_binary_or_sparse(y_true_shape, y_pred_shape):
    """Keras's shape rule: (binary, sparse) for 'accuracy' and 'crossentropy'."""
    yt, yp = tuple(y_true_shape), tuple(y_pred_shape)
    binary = len(yp) > 0 and yp[-1] == 1
    sparse = len(yt) < len(yp) or (len(yt) > 0 and len(yp) > 0 and yt[-1] == 1 and yp[-1] != 1)
    return binary, sparse


def resolve(identifier, y_true_shape=None, y_pred_shape=None):
    """The ``Loss`` object ``compile`` uses for ``identifier`` (for one output).

    Functions and names are wrapped in ``LossFunctionWrapper`` named after the
    identifier (``'mse'`` stays ``'mse'``). ``'crossentropy'``/``'ce'`` become
    binary, sparse or categorical crossentropy from the shapes (Keras's rule:
    y_pred last dim 1 -> binary; y_true one axis fewer, or last dim 1 while
    y_pred's is not -> sparse; else categorical), so the shapes are needed then.

    Returns:
        A ``Loss``, or None for None.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        if y_true_shape is None or y_pred_shape is None:
            raise ValueError(f"The loss {identifier!r} is chosen from the label and output shapes; "
                             "pass y_true_shape and y_pred_shape.")
        binary, sparse = _is_binary_or_sparse(y_true_shape, y_pred_shape)
        obj = (binary_crossentropy if binary else
               sparse_categorical_crossentropy if sparse else categorical_crossentropy)
    else:
        obj = get(identifier)
    if isinstance(obj, Loss):
        return obj
    if not callable(obj):
        raise ValueError(f"Could not interpret loss identifier {identifier!r}.")
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
    return LossFunctionWrapper(obj, name=name)


__all__ = ["Loss", "LossFunctionWrapper", "REDUCTIONS", "get", "serialize", "deserialize", "register",
           "resolve", "reduce_weighted_values", "squeeze_or_expand_to_same_rank", "divide_no_nan",
           "l2_normalize", "mse", "mae", "mape", "msle", "kld", "logcosh", "MSE", "MAE", "MAPE",
           "MSLE", "KLD"] + [n for n in _OBJECTS if n not in ("Loss", "LossFunctionWrapper")]
