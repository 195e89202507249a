"""Merge layers (called on a list of tensors): Concatenate, Add, Subtract, Multiply,
Average, Maximum, Minimum, Dot, and their function forms (``add([a, b])``…).

Shapes follow Keras 3's ``Merge``: the batch sizes must agree; the other axes
broadcast NumPy-style (inputs of lower rank get length-1 axes inserted after the
batch axis). Shapes that cannot merge raise ``ValueError`` naming the layer and
the shapes, at build time (so already when the layer is called on symbolic
inputs). Masks: the output mask is the logical OR of the input masks (None
unless every input has one), as Keras 3; ``Maximum``/``Minimum``/``Multiply``
also leave masked entries out of the values, as Keras 3.
"""
from __future__ import annotations

from .. import config, ops
from .layer import Layer


def _is_shape_list(input_shape):
    return (isinstance(input_shape, (list, tuple)) and len(input_shape) > 0
            and all(isinstance(s, (list, tuple)) for s in input_shape))


def _as_mask_list(mask, n):
    if mask is None:
        return [None] * n
    if isinstance(mask, (list, tuple)):
        return list(mask) + [None] * (n - len(mask))
    return [mask] + [None] * (n - 1)


class Merge(Layer):
    """Base of the element-wise merge layers; subclasses define ``_merge_function``."""

    _exact_inputs = None  # Subtract: 2
    _expand_ranks = True  # Dot contracts inputs of different ranks as they are

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _where(self):
        return f"{type(self).__name__} layer '{self.name}'"

    def _check_list(self, input_shape):
        if not _is_shape_list(input_shape):
            raise ValueError(f"{self._where()} should be called on a list of inputs. "
                             f"Received: input_shape={input_shape} (not a list of shapes)")
        n = self._exact_inputs
        if n is not None and len(input_shape) != n:
            raise ValueError(f"{self._where()} should be called on exactly {n} inputs. "
                             f"Received {len(input_shape)} inputs with shapes {list(map(tuple, input_shape))}")

    def _batch_size(self, input_shape):
        sizes = {s[0] for s in input_shape if len(s)} - {None}
        if len(sizes) > 1:
            raise ValueError(f"{self._where()} cannot merge tensors with different batch sizes. "
                             f"Received tensors with shapes {[tuple(s) for s in input_shape]}")
        return sizes.pop() if sizes else None

    def _elementwise_shape(self, shape1, shape2, all_shapes):
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return tuple(shape1)
        out = list(shape1[:-len(shape2)])
        for i, j in zip(shape1[-len(shape2):], shape2):
            if i is None or j is None:
                known = j if i is None else i
                out.append(known if known not in (None, 1) else None)
            elif i == 1:
                out.append(j)
            elif j == 1 or i == j:
                out.append(i)
            else:
                raise ValueError(f"{self._where()}: inputs have incompatible shapes "
                                 f"{[tuple(s) for s in all_shapes]}: cannot broadcast "
                                 f"{(None,) + tuple(shape1)} and {(None,) + tuple(shape2)}.")
        return tuple(out)

    def build(self, input_shape):
        self._check_list(input_shape)
        self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        batch = self._batch_size(input_shape)
        out = tuple(input_shape[0][1:])
        for s in input_shape[1:]:
            out = self._elementwise_shape(out, tuple(s[1:]), input_shape)
        return (batch,) + out

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{self._where()} should be called on a list of inputs. "
                             f"Received a single tensor of shape {ops.shape(inputs)}.")
        inputs = list(inputs)
        masks = _as_mask_list(mask, len(inputs))
        ndims = [ops.ndim(x) for x in inputs]
        if self._expand_ranks and len(set(ndims)) > 1:
            top = max(ndims)
            for k, x in enumerate(inputs):
                for _ in range(top - ops.ndim(x)):
                    x = ops.expand_dims(x, 1)
                inputs[k] = x
        return self._merge_function(inputs, masks)

    def _merge_function(self, inputs, masks):
        raise NotImplementedError

    def _masked_op(self, op, inputs, masks):
        """Keras 3's ``_apply_merge_op_and_or_mask``: a masked entry takes the other operand."""
        output, output_mask = None, None
        for x, m in zip(inputs, masks):
            if m is not None:
                m = ops.broadcast_to(ops.expand_dims(ops.cast(m, "bool"), -1), ops.shape(x))
            if output is None:
                output, output_mask = x, m
                continue
            if m is not None:
                x = ops.where(m, x, output)
            if output_mask is not None:
                output = ops.where(output_mask, output, x)
            output_mask = ops.logical_or(output_mask, m) if m is not None and output_mask is not None else None
            output = op(output, x)
        return output

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        masks = _as_mask_list(mask, len(inputs) if isinstance(inputs, (list, tuple)) else 1)
        if any(m is None for m in masks):
            return None
        out = ops.cast(masks[0], "bool")
        for m in masks[1:]:
            out = ops.logical_or(out, ops.cast(m, "bool"))
        return out


class Add(Merge):
    """Element-wise sum of a list of inputs.

    Example:
        >>> Add()([np.ones((2, 3)), np.ones((2, 3))])   # all 2.0
    """

    def _merge_function(self, inputs, masks):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.add(out, x)
        return out


class Subtract(Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs).

    Example:
        >>> Subtract()([np.ones((2, 3)), np.ones((2, 3))])   # all 0.0
    """

    _exact_inputs = 2

    def _merge_function(self, inputs, masks):
        if len(inputs) != 2:
            raise ValueError(f"{self._where()} should be called on exactly 2 inputs. "
                             f"Received {len(inputs)} inputs.")
        return ops.subtract(inputs[0], inputs[1])


class Multiply(Merge):
    """Element-wise product of a list of inputs (a masked entry counts as 1; entries
    masked in every input give 0, as Keras 3)."""

    def _merge_function(self, inputs, masks):
        all_masked = all(m is not None for m in masks)
        output, output_mask = None, None
        for x, m in zip(inputs, masks):
            if m is not None:
                m = ops.broadcast_to(ops.expand_dims(ops.cast(m, "bool"), -1), ops.shape(x))
                x = ops.where(m, x, ops.ones_like(x))
                if all_masked:
                    output_mask = m if output_mask is None else ops.logical_or(output_mask, m)
            output = x if output is None else ops.multiply(output, x)
        if all_masked:
            output = ops.where(output_mask, output, ops.zeros_like(output))
        return output


class Average(Merge):
    """Element-wise mean of a list of inputs."""

    def _merge_function(self, inputs, masks):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.add(out, x)
        return ops.divide(out, float(len(inputs)))


class Maximum(Merge):
    """Element-wise maximum of a list of inputs (masked entries are skipped)."""

    def _merge_function(self, inputs, masks):
        return self._masked_op(ops.maximum, inputs, masks)


class Minimum(Merge):
    """Element-wise minimum of a list of inputs (masked entries are skipped)."""

    def _merge_function(self, inputs, masks):
        return self._masked_op(ops.minimum, inputs, masks)


class Concatenate(Merge):
    """Joins a list of inputs along ``axis``; every other axis must match.

    Args:
        axis: the concatenation axis (``-1``).

    Example:
        >>> Concatenate()([np.ones((2, 3)), np.zeros((2, 4))]).shape
        (2, 7)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        ranks = {len(s) for s in input_shape}
        shapes = [tuple(s) for s in input_shape]
        bad = len(ranks) != 1
        if not bad:
            nd = ranks.pop()
            if not -nd <= self.axis < nd:
                raise ValueError(f"{self._where()}: axis {self.axis} is out of bounds for inputs of "
                                 f"rank {nd}. Received: input_shape={shapes}")
            axis = self.axis % nd
            out = list(shapes[0])
            for s in shapes[1:]:
                for a in range(nd):
                    if a == axis:
                        out[a] = None if out[a] is None or s[a] is None else out[a] + s[a]
                    elif out[a] is None:
                        out[a] = s[a]
                    elif s[a] is not None and s[a] != out[a]:
                        bad = True
        if bad:
            raise ValueError(f"{self._where()} requires inputs with matching shapes except for the "
                             f"concatenation axis ({self.axis}). Received: input_shape={shapes}")
        return tuple(out)

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{self._where()} should be called on a list of inputs. "
                             f"Received a single tensor of shape {ops.shape(inputs)}.")
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        masks = _as_mask_list(mask, len(inputs))
        if all(m is None for m in masks):
            return None
        full = []
        for x, m in zip(inputs, masks):
            if m is None:
                full.append(ops.ones(ops.shape(x), "bool"))
            elif ops.ndim(m) < ops.ndim(x):
                full.append(ops.broadcast_to(ops.expand_dims(ops.cast(m, "bool"), -1), ops.shape(x)))
            else:
                full.append(ops.cast(m, "bool"))
        return ops.any(ops.concatenate(full, axis=self.axis), axis=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def _l2_normalize(x, axis):
    inv = ops.rsqrt(ops.sum(ops.square(x), axis=axis, keepdims=True))
    return ops.multiply(x, ops.minimum(inv, 1.0 / config.epsilon()))


def _batch_dot(x, y, axes):
    """Keras's ``batch_dot``: per-sample dot product of ``x`` and ``y`` over ``axes``."""
    x_ndim, y_ndim = ops.ndim(x), ops.ndim(y)
    a0, a1 = axes
    orig_x, orig_y = x_ndim, y_ndim
    if x_ndim == 2:
        x = ops.expand_dims(x, 1)
        a0 += 1
        x_ndim += 1
    if y_ndim == 2:
        y = ops.expand_dims(y, 2)
        y_ndim += 1
    if a0 != x_ndim - 1:  # contracted axis of x last
        x = ops.transpose(x, [a for a in range(x_ndim) if a != a0] + [a0])
    if a1 != 1:  # contracted axis of y second
        y = ops.transpose(y, [0, a1] + [a for a in range(1, y_ndim) if a != a1])
    xs, ys = ops.shape(x), ops.shape(y)
    if x_ndim > 3:
        x = ops.reshape(x, (xs[0], -1, xs[-1]))
    if y_ndim > 3:
        y = ops.reshape(y, (ys[0], ys[1], -1))
    out = ops.matmul(x, y)
    if x_ndim > 3 or y_ndim > 3:
        out = ops.reshape(out, (xs[0],) + tuple(xs[1:-1]) + tuple(ys[2:]))
    if orig_x == 2:
        out = ops.squeeze(out, 1)
    elif orig_y == 2:
        out = ops.squeeze(out, -1)
    return out


class Dot(Merge):
    """Per-sample dot product of two inputs over ``axes`` (Keras's ``batch_dot``).

    Args:
        axes: int, or a pair ``(axis_of_x, axis_of_y)``; never the batch axis.
        normalize: L2-normalize both inputs along ``axes`` first (cosine similarity).

    Example:
        >>> Dot(axes=1)([np.ones((2, 3)), np.ones((2, 3))])   # [[3.], [3.]]
    """

    _exact_inputs = 2
    _expand_ranks = False

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(f"Dot '{self.name}': `axes` must be an int or a list of two ints, "
                                f"got {axes!r}.")
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Dot '{self.name}': `axes` must hold two ints, got {axes!r}.")
        self.axes = axes
        self.normalize = normalize

    def _axes_for(self, nd1, nd2):
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        return pair[0] % nd1, pair[1] % nd2

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        s1, s2 = list(input_shape[0]), list(input_shape[1])
        if len(s1) < 2 or len(s2) < 2:
            raise ValueError(f"{self._where()}: inputs must have rank >= 2, got shapes "
                             f"{tuple(s1)} and {tuple(s2)}.")
        self._batch_size(input_shape)
        a0, a1 = self._axes_for(len(s1), len(s2))
        if 0 in (a0, a1):
            raise ValueError(f"{self._where()}: cannot take the dot product over the batch axis "
                             f"(axes={self.axes}).")
        if s1[a0] is not None and s2[a1] is not None and s1[a0] != s2[a1]:
            raise ValueError(f"{self._where()}: incompatible input shapes: axis values {s1[a0]} "
                             f"(at axis {a0}) != {s2[a1]} (at axis {a1}). Full input shapes: "
                             f"{tuple(s1)}, {tuple(s2)}")
        s1.pop(a0)
        s2.pop(a1)
        s2.pop(0)
        out = s1 + s2
        if len(out) == 1:
            out.append(1)
        return tuple(out)

    def _merge_function(self, inputs, masks):
        x1, x2 = inputs
        a0, a1 = self._axes_for(ops.ndim(x1), ops.ndim(x2))
        if self.normalize:
            x1 = _l2_normalize(x1, a0)
            x2 = _l2_normalize(x2, a1)
        out = _batch_dot(x1, x2, (a0, a1))
        if ops.ndim(out) == 1:
            out = ops.expand_dims(out, -1)
        return out

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


# ------------------------------------------------------------ function forms
def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis=axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """``Dot(axes=axes, **kwargs)(inputs)``."""
    return Dot(axes=axes, **kwargs)(inputs)
