"""``Normalization``: feature-wise standardization with statistics from ``adapt``
or from the constructor (Keras 3's arguments, weights and config)."""
from __future__ import annotations

import warnings

import numpy as np

from ... import config, ops
from ..layer import Layer
from ._utils import iter_batches


class Normalization(Layer):
    """Shifts and scales inputs to zero mean and unit variance per feature:
    ``(x - mean) / max(sqrt(var), epsilon)`` (``invert=True``: the inverse,
    ``mean + x * max(sqrt(var), epsilon)``).

    Args:
        axis: the axis or axes that keep separate statistics (default ``-1``,
            one mean per feature); ``None`` for one scalar mean and variance.
        mean / variance: fixed statistics (both or neither), broadcast to the
            kept axes; without them, call ``adapt(data)`` before use.
        invert: apply the inverse transformation.

    Weights (adapted layers only, non-trainable, Keras's order): ``mean``,
    ``variance`` (shaped by the kept axes) and ``count`` (int32 scalar, kept
    for compatibility with Keras files). They are saved with the model.

    Example:
        >>> norm = Normalization()
        >>> norm.adapt(np.array([[1.0], [2.0], [3.0]]))
        >>> norm(np.array([[2.0]]))  # -> [[0.]]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True
        self._adapted = False
        if (mean is not None) != (variance is not None):
            raise ValueError(f"Normalization '{self.name}': when setting values directly, both "
                             f"`mean` and `variance` must be set. Received: mean={mean} and "
                             f"variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"Normalization '{self.name}': `mean` and `variance` must have the "
                                 f"same shape. Received: mean shape {np.shape(mean)} and variance "
                                 f"shape {np.shape(variance)}")
            if np.ndim(mean) > len(self.axis):
                raise ValueError(f"Normalization '{self.name}': the rank of `mean` must be at most "
                                 f"the number of axes ({len(self.axis)}). Received: mean shape "
                                 f"{np.shape(mean)} for axis {self.axis}")

    def build(self, input_shape=None):
        if input_shape is None or self.built:
            return
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"Normalization '{self.name}': all `axis` values must be in the range "
                             f"[-ndim, ndim). Received inputs with ndim={ndim}, while "
                             f"axis={self.axis}")
        self._build_input_shape = input_shape
        keep = tuple(sorted(a % ndim for a in self.axis))
        for d in keep:
            if input_shape[d] is None:
                raise ValueError(f"Normalization '{self.name}': the kept axes must have a known size. "
                                 f"Received axis={self.axis}, inputs.shape={input_shape}, with "
                                 f"unknown axis at index {d}")
        self._keep_axis = keep
        self._reduce_axis = tuple(d for d in range(ndim) if d not in keep)
        self._broadcast_shape = tuple(input_shape[d] if d in keep else 1 for d in range(ndim))
        stat_shape = tuple(input_shape[d] for d in keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(stat_shape, "zeros", trainable=False, name="mean")
            self.adapt_variance = self.add_weight(stat_shape, "ones", trainable=False, name="variance")
            self.count = self.add_weight((), "zeros", dtype="int32", trainable=False, name="count")
        else:
            self._claim_backend()
            self._mean_c = ops.convert(self._fixed(self.input_mean), self.dtype)
            self._var_c = ops.convert(self._fixed(self.input_variance), self.dtype)
        self.built = True

    def _fixed(self, value):
        """A constant broadcast to the input's rank, aligned right on the kept axes."""
        value = np.asarray(value, dtype=np.float64)
        expanded = [1] * len(self._broadcast_shape)
        for i in range(1, value.ndim + 1):
            expanded[self._keep_axis[-i]] = value.shape[-i]
        return np.broadcast_to(value.reshape(expanded), self._broadcast_shape).astype(self.dtype)

    def adapt(self, data):
        """Compute the mean and (biased) variance of ``data`` over the reduced axes.

        ``data``: a NumPy or engine array, or an iterable of batches (the
        statistics cover all batches, combined exactly).
        """
        if self.input_mean is not None:
            raise ValueError(f"Normalization '{self.name}': cannot adapt a layer created with fixed "
                             f"`mean` and `variance`.")
        total, mean, m2 = 0, None, None
        for batch in iter_batches(f"Normalization '{self.name}'", data):
            batch = np.asarray(batch, dtype=np.float64)
            if not self.built:
                shape = list(batch.shape)
                if 0 not in [a % batch.ndim for a in self.axis if -batch.ndim <= a < batch.ndim]:
                    shape[0] = None
                self.build(tuple(shape))
            elif batch.ndim != len(self._broadcast_shape) or any(
                    batch.shape[d] != self._broadcast_shape[d] for d in self._keep_axis):
                raise ValueError(f"Normalization '{self.name}': the layer was built for "
                                 f"input_shape={self._build_input_shape}, but `adapt` received "
                                 f"data of an incompatible shape {batch.shape}.")
            n = int(np.prod([batch.shape[d] for d in self._reduce_axis], dtype=np.int64))
            if n == 0:
                continue
            b_mean = batch.mean(axis=self._reduce_axis)
            b_m2 = ((batch - batch.mean(axis=self._reduce_axis, keepdims=True)) ** 2).sum(
                axis=self._reduce_axis)
            if mean is None:
                total, mean, m2 = n, b_mean, b_m2
            else:  # Chan et al.'s pairwise combination of means and squared deviations
                delta = b_mean - mean
                new_total = total + n
                mean = mean + delta * (n / new_total)
                m2 = m2 + b_m2 + delta ** 2 * (total * n / new_total)
                total = new_total
        if mean is None:
            raise ValueError(f"Normalization '{self.name}': `adapt` received no data.")
        self.adapt_mean.assign(mean.astype(self.adapt_mean.dtype))
        self.adapt_variance.assign((m2 / total).astype(self.adapt_variance.dtype))
        self._adapted = True

    def _statistics(self):
        if self.input_mean is not None:
            return self._mean_c, self._var_c
        self._check_adapted()
        dtype = self.compute_dtype
        mean = ops.cast(ops.reshape(self.adapt_mean.value, self._broadcast_shape), dtype)
        var = ops.cast(ops.reshape(self.adapt_variance.value, self._broadcast_shape), dtype)
        return mean, var

    def _check_adapted(self):
        """Look once at the statistics: still the initial mean 0 / variance 1 means the
        layer was never adapted (nor loaded, nor set). As in Keras it then passes inputs
        through unchanged; a warning, once, says so. Inside a traced step (values not
        readable) it does not look."""
        if self._adapted:
            return
        try:
            mean = np.asarray(config.active().to_numpy(self.adapt_mean.value))
            var = np.asarray(config.active().to_numpy(self.adapt_variance.value))
        except Exception:  # noqa: BLE001 -- a tracer: cannot look
            return
        self._adapted = True
        if np.all(mean == 0) and np.all(var == 1):
            warnings.warn(f"Normalization '{self.name}' has not been adapted: it passes its "
                          f"inputs through unchanged (mean 0, variance 1). Call "
                          f"`layer.adapt(data)` first, or pass `mean` and `variance`.",
                          stacklevel=4)

    def call(self, inputs):
        mean, var = self._statistics()
        x = ops.cast(inputs, self.compute_dtype)
        scale = ops.maximum(ops.sqrt(var), config.epsilon())
        if self.invert:
            return ops.add(mean, ops.multiply(x, scale))
        return ops.divide(ops.subtract(x, mean), scale)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def set_weights(self, weights):
        super().set_weights(weights)
        self._adapted = False  # re-checked on the next call

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(),
                "variance": np.array(self.input_variance).tolist()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("mean", "variance"):  # Keras writes None as null
            if config.get(key) is None:
                config[key] = None
        if isinstance(config.get("axis"), list):
            config["axis"] = tuple(config["axis"])
        return cls(**config)
