"""Intersection-over-union metrics, as ``keras.metrics``: ``IoU``, ``MeanIoU``,
``BinaryIoU``, ``OneHotIoU`` and ``OneHotMeanIoU``. Each accumulates a weighted
``(num_classes, num_classes)`` confusion matrix (rows: true class, columns:
predicted class) and averages ``TP / (TP + FP + FN)`` over the target classes
that occur (a class never seen nor predicted is left out of the mean).

Sample weights count as given; Keras 3 accumulates its matrix in integers and so
truncates fractional weights (whole-number weights give the same values in both)."""
from __future__ import annotations

from . import ops
from .losses import _tensor
from .metrics import Metric


class IoU(Metric):
    """IoU of the classes ``target_class_ids``, from integer labels and predictions.

    Args:
        num_classes: number of classes.
        target_class_ids: the classes to average over.
        name, dtype: as ``Metric``.
        ignore_class: a label value whose samples are left out (e.g. "void").
        sparse_y_true, sparse_y_pred: False when they are one-hot/probabilities:
            the class is then their arg-max along ``axis``.
        axis: the class axis of non-sparse inputs.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype)
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"{type(self).__name__}: `num_classes` must be a positive int, got {num_classes!r}.")
        self.num_classes = num_classes
        self.target_class_ids = list(target_class_ids)
        bad = [c for c in self.target_class_ids if not 0 <= c < num_classes]
        if bad:
            raise ValueError(f"{type(self).__name__}: target_class_ids {bad} are outside [0, {num_classes}).")
        self.ignore_class, self.sparse_y_true, self.sparse_y_pred, self.axis = \
            ignore_class, sparse_y_true, sparse_y_pred, axis
        self.total_cm = self.add_variable(shape=(num_classes, num_classes), name="total_confusion_matrix")

    def _labels(self, y_true, y_pred):
        y_true = ops.argmax(y_true, axis=self.axis) if not self.sparse_y_true else y_true
        y_pred = ops.argmax(y_pred, axis=self.axis) if not self.sparse_y_pred else y_pred
        return y_true, y_pred

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = self._labels(_tensor(y_true), _tensor(y_pred))
        t = ops.cast(ops.reshape(y_true, (-1,)), "int32")
        p = ops.cast(ops.reshape(y_pred, (-1,)), "int32")
        w = ops.ones(ops.shape(t), self.dtype) if sample_weight is None else ops.reshape(
            ops.broadcast_to(_tensor(sample_weight, self.dtype), ops.shape(y_true)), (-1,))
        if self.ignore_class is not None:
            w = ops.where(ops.equal(t, self.ignore_class), ops.zeros_like(w), w)
        n = self.num_classes
        classes = ops.arange(0, n, dtype="int32")
        rows = ops.cast(ops.equal(ops.expand_dims(t, 1), classes), self.dtype)  # (samples, n)
        cols = ops.cast(ops.equal(ops.expand_dims(p, 1), classes), self.dtype)
        cm = ops.matmul(ops.transpose(ops.multiply(rows, ops.expand_dims(w, 1))), cols)
        self.total_cm.assign_add(cm)

    def result(self):
        cm = self.total_cm.value
        rows = ops.sum(cm, axis=1)
        cols = ops.sum(cm, axis=0)
        tp = ops.sum(ops.multiply(cm, ops.eye(self.num_classes, dtype=self.dtype)), axis=1)
        union = ops.subtract(ops.add(rows, cols), tp)
        ids = ops.convert(self.target_class_ids, "int32")
        tp, union = ops.take(tp, ids), ops.take(union, ids)
        present = ops.cast(ops.not_equal(union, 0.0), self.dtype)
        safe = ops.where(ops.equal(union, 0.0), ops.ones_like(union), union)
        iou = ops.multiply(ops.divide(tp, safe), present)
        count = ops.sum(present)
        return ops.divide(ops.sum(iou), ops.where(ops.equal(count, 0.0), ops.ones_like(count), count))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class MeanIoU(IoU):
    """IoU averaged over all ``num_classes`` classes."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred,
                         axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class BinaryIoU(IoU):
    """IoU of binary predictions: ``y_pred > threshold`` is class 1, labels are 0/1."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def _labels(self, y_true, y_pred):
        return y_true, ops.cast(ops.greater(ops.cast(y_pred, self.dtype), self.threshold), "int32")

    def get_config(self):
        return {**Metric.get_config(self), "target_class_ids": self.target_class_ids, "threshold": self.threshold}


class OneHotIoU(IoU):
    """IoU of one-hot labels and per-class scores (each reduced by arg-max)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """Mean IoU of one-hot labels and per-class scores (each reduced by arg-max)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
