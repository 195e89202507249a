"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax (Keras 3's arguments and defaults)."""
from __future__ import annotations

import warnings

from .. import activations, constraints, initializers, ops, regularizers
from .layer import InputSpec, Layer


class _Elementwise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class ReLU(_Elementwise):
    """Rectified linear unit with Keras's optional cap, slope and threshold.

    ``f(x) = max_value`` for ``x >= max_value``; ``x`` for ``threshold <= x <
    max_value``; ``negative_slope * (x - threshold)`` otherwise.

    Args:
        max_value: saturation value (None: no cap), ``>= 0``.
        negative_slope: slope below the threshold, ``>= 0``.
        threshold: where the function switches, ``>= 0``.

    Example:
        >>> ReLU(max_value=6.0)(np.array([-1.0, 3.0, 9.0]))   # [0, 3, 6]
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"ReLU '{self.name}': `max_value` cannot be negative, got {max_value!r}.")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(f"ReLU '{self.name}': `negative_slope` cannot be None or negative, "
                             f"got {negative_slope!r}.")
        if threshold is None or threshold < 0.0:
            raise ValueError(f"ReLU '{self.name}': `threshold` cannot be None or negative, got {threshold!r}.")
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(_Elementwise):
    """``x`` for ``x >= 0``, ``negative_slope * x`` otherwise.

    Args:
        negative_slope: slope for negative inputs (``0.3``, Keras 3's default).
            Keras 2's ``alpha=`` is accepted with a deprecation warning.

    Example:
        >>> LeakyReLU(negative_slope=0.1)(np.array([-2.0, 2.0]))   # [-0.2, 2.0]
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: argument `alpha` is deprecated; use `negative_slope` instead.",
                          DeprecationWarning, stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"LeakyReLU '{self.name}': `negative_slope` cannot be None or negative, "
                             f"got {negative_slope!r}.")
        self.negative_slope = negative_slope

    def call(self, inputs):
        return ops.leaky_relu(inputs, self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class PReLU(_Elementwise):
    """Leaky ReLU with a learned slope: ``relu(x) - alpha * relu(-x)``.

    Args:
        alpha_initializer: initializer of the slopes (``'Zeros'``).
        alpha_regularizer / alpha_constraint: as Keras.
        shared_axes: axes (1-based, batch excluded) along which one slope is shared,
            e.g. ``[1, 2]`` for one slope per channel of images.

    Weights: ``alpha`` of the input shape without the batch axis, 1 on shared axes.
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        for a in self.shared_axes or ():
            if not 1 <= a < len(input_shape):
                raise ValueError(f"PReLU '{self.name}': shared axis {a} is out of range for input shape "
                                 f"{tuple(input_shape)} (axes are 1-based, the batch axis excluded).")
            param_shape[a - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f"PReLU '{self.name}': unknown input dimensions {tuple(input_shape)} must be "
                             f"listed in `shared_axes`.")
        self.alpha = self.add_weight(tuple(param_shape), self.alpha_initializer, name="alpha",
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        axes = {i: input_shape[i] for i in range(1, len(input_shape)) if i not in (self.shared_axes or ())}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        pos = ops.relu(inputs)
        neg = ops.multiply(self.alpha.value, ops.relu(ops.negative(inputs)))
        return ops.subtract(pos, neg)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}


class ELU(_Elementwise):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Args:
        alpha: scale of the negative part (``1.0``).
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, inputs):
        return ops.elu(inputs, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


def _large_negative(dtype):
    return -3e4 if dtype == "float16" else -1e9


def masked_softmax(x, mask, axis):
    """Softmax of ``x`` over ``axis`` (int or tuple); entries where ``mask`` is false get
    a large negative logit before and 0 after, as Keras 3's ``Softmax``."""
    if mask is not None:
        if ops.dtype(mask) != "bool":
            mask = ops.greater(mask, 0.5)
        x = ops.where(mask, x, ops.full((), _large_negative(ops.dtype(x)), ops.dtype(x)))
    if isinstance(axis, (list, tuple)) and len(axis) > 1:
        out = ops.exp(ops.subtract(x, ops.logsumexp(x, axis=tuple(axis), keepdims=True)))
    else:
        out = ops.softmax(x, axis=axis[0] if isinstance(axis, (list, tuple)) else axis)
    if mask is not None:
        out = ops.where(mask, out, ops.zeros_like(out))
    return out


class Softmax(_Elementwise):
    """Softmax over ``axis``; with a mask (broadcastable to the input, ``True`` = keep),
    masked positions get a large negative logit, so they receive ~0 probability.

    Args:
        axis: int or tuple of ints (``-1``).

    Example:
        >>> Softmax()(np.array([[1.0, 1.0, 5.0]]), mask=np.array([[True, True, False]]))
        ... # [[0.5, 0.5, 0.0]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            ms, xs = tuple(ops.shape(mask)), tuple(ops.shape(inputs))
            if len(ms) > len(xs) or any(m != 1 and m != x for m, x in zip(ms[::-1], xs[::-1])):
                raise ValueError(f"Softmax '{self.name}': the mask must be broadcastable to the inputs. "
                                 f"Received: inputs.shape={xs}, mask.shape={ms}")
        return masked_softmax(inputs, mask, self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
