"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization,
UnitNormalization, RMSNormalization and the SpectralNormalization wrapper (Keras 3's
weights, formulas and configs).

``BatchNormalization`` is the one stateful layer here: in training it assigns
new moving statistics inside ``call``; the trainer's pure step binds the
non-trainable variables around the call and reads the new values back.
"""
from __future__ import annotations

from .. import config, constraints, initializers, ops, regularizers
from .layer import InputSpec, Layer
from .wrapper import Wrapper


def _axes_list(axis, ndim, layer):
    """Positive, sorted axes from an int or a list (negative allowed)."""
    axes = [axis] if isinstance(axis, int) else list(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{type(layer).__name__} '{layer.name}': axis {a} is out of bounds for "
                             f"an input of rank {ndim}. Received: axis={axis}")
        out.append(a % ndim)
    return sorted(out)


def _check_axis_bounds(layer, input_shape):
    _axes_list(layer.axis, len(input_shape), layer)
    return tuple(input_shape)


def _int_or_list_axis(axis, layer):
    """``axis`` as given: an int, or a list from a list or tuple."""
    if isinstance(axis, (list, tuple)):
        return list(axis)
    if isinstance(axis, int):
        return axis
    raise TypeError(f"{type(layer).__name__} '{layer.name}': `axis` must be an int or a list of ints, "
                    f"got {axis!r}.")


def _channel_axis(layer, input_shape):
    """``(rank, axis, size)`` of ``layer.axis`` (one axis) in ``input_shape``; its size must be known."""
    nd = len(input_shape)
    (axis,) = _axes_list(layer.axis, nd, layer)
    dim = input_shape[axis]
    if dim is None:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': axis {layer.axis} of the input must "
                         f"have a known size, got shape {tuple(input_shape)}.")
    return nd, axis, dim


def _set_affine_args(layer, epsilon, center, scale, beta_initializer, gamma_initializer,
                     beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint):
    """The ``epsilon``, ``center``/``scale`` and ``beta``/``gamma`` arguments, resolved, on ``layer``."""
    layer.epsilon = float(epsilon)
    layer.center = bool(center)
    layer.scale = bool(scale)
    layer.beta_initializer = initializers.get(beta_initializer)
    layer.gamma_initializer = initializers.get(gamma_initializer)
    layer.beta_regularizer = regularizers.get(beta_regularizer)
    layer.gamma_regularizer = regularizers.get(gamma_regularizer)
    layer.beta_constraint = constraints.get(beta_constraint)
    layer.gamma_constraint = constraints.get(gamma_constraint)


def _affine_config(layer):
    """The config entries of the ``beta``/``gamma`` initializers, regularizers and constraints."""
    return {"beta_initializer": initializers.serialize(layer.beta_initializer),
            "gamma_initializer": initializers.serialize(layer.gamma_initializer),
            "beta_regularizer": regularizers.serialize(layer.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(layer.gamma_regularizer),
            "beta_constraint": constraints.serialize(layer.beta_constraint),
            "gamma_constraint": constraints.serialize(layer.gamma_constraint)}


def _add_affine_weights(layer, shape, scale, center, autocast=True):
    """``layer.gamma`` (when ``scale``) then ``layer.beta`` (when ``center``), of ``shape``."""
    if scale:
        layer.gamma = layer.add_weight(shape, layer.gamma_initializer, name="gamma",
                                       regularizer=layer.gamma_regularizer,
                                       constraint=layer.gamma_constraint, autocast=autocast)
    if center:
        layer.beta = layer.add_weight(shape, layer.beta_initializer, name="beta",
                                      regularizer=layer.beta_regularizer,
                                      constraint=layer.beta_constraint, autocast=autocast)


def _at_least_float32(x):
    """``x`` in float32 when it is float16/bfloat16 (statistics overflow or lose
    precision there; Keras normalizes in float32 under mixed precision)."""
    return ops.cast(x, "float32") if ops.dtype(x) in ("float16", "bfloat16") else x


def _moments(x, axes):
    """Mean and biased variance of ``x`` over ``axes``, kept as size-1 axes."""
    mean = ops.mean(x, axis=axes, keepdims=True)
    var = ops.mean(ops.square(ops.subtract(x, mean)), axis=axes, keepdims=True)
    return mean, var


def _scale_and_shift(mean, var, epsilon, gamma, beta):
    """``(inv, shift)`` with ``x * inv + shift == gamma * (x - mean) / sqrt(var + epsilon) + beta``.

    ``gamma`` and ``beta`` are arrays shaped to broadcast, or None (left out).
    """
    inv = ops.rsqrt(ops.add(var, epsilon))
    if gamma is not None:
        inv = ops.multiply(inv, gamma)
    shift = ops.negative(ops.multiply(mean, inv))
    if beta is not None:
        shift = ops.add(shift, beta)
    return inv, shift


class BatchNormalization(Layer):
    """Normalizes each feature with batch statistics in training, moving ones in inference.

    Training (``training=True`` and the layer trainable): ``y = gamma * (x - mean) /
    sqrt(var + epsilon) + beta`` with the batch's mean and (biased) variance over
    every axis but ``axis``, and the moving statistics are updated::

        moving_mean = moving_mean * momentum + mean * (1 - momentum)
        moving_variance = moving_variance * momentum + var * (1 - momentum)

    Inference: the same formula with the moving statistics. As Keras 3, a frozen
    layer (``trainable = False``) always runs in inference mode.

    Args:
        axis: the feature axis (``-1``; ``1`` for channels-first images).
        momentum: momentum of the moving averages.
        epsilon: added to the variance.
        center / scale: use ``beta`` / ``gamma``.
        *_initializer, *_regularizer, *_constraint: as Keras.

    Weights (Keras's order): ``gamma``, ``beta`` (trainable), ``moving_mean``,
    ``moving_variance`` (non-trainable), each ``(channels,)``.

    Call args: ``mask`` (optional, the input's rank minus one): masked positions are
    left out of the batch statistics.

    Example:
        >>> bn = BatchNormalization()
        >>> y = bn(np.random.rand(8, 3), training=True)   # also updates the moving stats
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, synchronized=False, renorm=False,
                 renorm_clipping=None, renorm_momentum=0.99, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise ValueError(f"BatchNormalization '{self.name}': `axis` must be one int, got {axis!r}.")
            axis = axis[0]
        if renorm:
            raise ValueError(f"BatchNormalization '{self.name}': renorm=True (batch renormalization) "
                             f"is not supported by kerasette.")
        self.axis = int(axis)
        self.momentum = float(momentum)
        _set_affine_args(self, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint)
        self.synchronized = bool(synchronized)
        self.renorm = False
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.supports_masking = True
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        nd, axis, dim = _channel_axis(self, input_shape)
        shape = (dim,)
        _add_affine_weights(self, shape, self.scale, self.center, autocast=False)
        self.moving_mean = self.add_weight(shape, self.moving_mean_initializer, name="moving_mean",
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight(shape, self.moving_variance_initializer,
                                               name="moving_variance", trainable=False,
                                               autocast=False)
        self.input_spec = InputSpec(ndim=nd, axes={self.axis: dim})
        self._axis = axis
        self._reduction_axes = tuple(a for a in range(nd) if a != axis)
        self.built = True

    def _broadcast(self, v, ndim):
        if v is None or self._axis == ndim - 1:
            return v
        shape = [1] * ndim
        shape[self._axis] = -1
        return ops.reshape(v, tuple(shape))

    def _moments(self, x, mask):
        red = self._reduction_axes
        if mask is None:
            mean, var = _moments(x, red)
        else:
            m = ops.broadcast_to(ops.expand_dims(ops.cast(mask, "bool"), -1), ops.shape(x))
            w = ops.sum(ops.cast(m, ops.dtype(x)), axis=red, keepdims=True)
            w = ops.add(w, config.epsilon())
            zero = ops.zeros_like(x)
            mean = ops.divide(ops.sum(ops.where(m, x, zero), axis=red, keepdims=True), w)
            diff = ops.where(m, ops.subtract(x, mean), zero)
            var = ops.divide(ops.sum(ops.square(diff), axis=red, keepdims=True), w)
        return ops.reshape(mean, (-1,)), ops.reshape(var, (-1,))

    def call(self, inputs, training=None, mask=None):
        if mask is not None and ops.ndim(mask) != ops.ndim(inputs) - 1:
            raise ValueError(f"BatchNormalization '{self.name}': the mask must have one dimension less "
                             f"than the inputs. Received: mask.shape={ops.shape(mask)}, "
                             f"inputs.shape={ops.shape(inputs)}")
        nd = ops.ndim(inputs)
        low = ops.dtype(inputs) in ("float16", "bfloat16")
        inputs = _at_least_float32(inputs)
        if training and self.trainable:
            mean, var = self._moments(inputs, mask)
            keep = self.momentum
            self.moving_mean.assign(ops.add(ops.multiply(self.moving_mean.value, keep),
                                            ops.multiply(ops.stop_gradient(mean), 1.0 - keep)))
            self.moving_variance.assign(ops.add(ops.multiply(self.moving_variance.value, keep),
                                                ops.multiply(ops.stop_gradient(var), 1.0 - keep)))
        else:
            mean, var = self.moving_mean.value, self.moving_variance.value
        inv, shift = _scale_and_shift(mean, var, self.epsilon,
                                      None if self.gamma is None else self.gamma.value,
                                      None if self.beta is None else self.beta.value)
        out = ops.add(ops.multiply(inputs, self._broadcast(inv, nd)), self._broadcast(shift, nd))
        return ops.cast(out, self.compute_dtype) if low else out

    def compute_output_shape(self, input_shape):
        return _check_axis_bounds(self, input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
                "synchronized": self.synchronized, "renorm": self.renorm,
                "renorm_clipping": self.renorm_clipping, "renorm_momentum": self.renorm_momentum}


class LayerNormalization(Layer):
    """Normalizes each sample over ``axis`` (the features): ``gamma * (x - mean) /
    sqrt(var + epsilon) + beta``.

    Args:
        axis: int or list of ints to normalize over (``-1``).
        epsilon: added to the variance (``1e-3``, as Keras).
        center / scale: use ``beta`` / ``gamma``.
        *_initializer, *_regularizer, *_constraint: as Keras.

    Weights: ``gamma``, ``beta``, each of the shape of the normalized axes.

    Example:
        >>> LayerNormalization()(np.random.rand(2, 5, 8)).shape
        (2, 5, 8)
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        super().__init__(**kwargs)
        self.axis = _int_or_list_axis(axis, self)
        _set_affine_args(self, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint)
        self.rms_scaling = bool(rms_scaling)
        self.supports_masking = True
        self.autocast = False  # as Keras: normalized in float32, output in compute_dtype
        self.gamma = self.beta = None

    def build(self, input_shape):
        nd = len(input_shape)
        self._axes = _axes_list(self.axis, nd, self)
        shape = tuple(input_shape[a] for a in self._axes)
        if any(d is None for d in shape):
            raise ValueError(f"LayerNormalization '{self.name}': the normalized axes {self.axis} must "
                             f"have known sizes, got input shape {tuple(input_shape)}.")
        _add_affine_weights(self, shape, self.scale or self.rms_scaling,
                            self.center and not self.rms_scaling, autocast=False)
        self._param_shape = tuple(input_shape[a] if a in self._axes else 1 for a in range(nd))
        self._needs_reshape = self._axes != [nd - 1]
        self.built = True

    def _param(self, v):
        if v is None:
            return None
        return ops.reshape(v.value, self._param_shape) if self._needs_reshape else v.value

    def call(self, inputs):
        low = ops.dtype(inputs) in ("float16", "bfloat16")
        out = self._normalize(_at_least_float32(inputs))
        return ops.cast(out, self.compute_dtype) if low else out

    def _normalize(self, inputs):
        mean, var = _moments(inputs, tuple(self._axes))
        if self.rms_scaling:  # Keras's deprecated form: no centring
            out = ops.multiply(inputs, ops.rsqrt(ops.add(var, self.epsilon)))
            return ops.multiply(out, self._param(self.gamma)) if self.gamma is not None else out
        inv, shift = _scale_and_shift(mean, var, self.epsilon, self._param(self.gamma),
                                      self._param(self.beta))
        return ops.add(ops.multiply(inputs, inv), shift)

    def compute_output_shape(self, input_shape):
        return _check_axis_bounds(self, input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling,
                **_affine_config(self)}


class GroupNormalization(Layer):
    """Splits the channels into ``groups`` and normalizes each group of each sample.

    Args:
        groups: number of groups (``32``); it must divide the channels.
            ``-1`` puts each channel in its own group (instance normalization).
        axis: the channel axis (``-1``).
        epsilon: added to the variance (``1e-3``).
        center / scale: use ``beta`` / ``gamma`` (per channel).

    Weights: ``gamma``, ``beta``, each ``(channels,)``.

    Example:
        >>> GroupNormalization(groups=2)(np.random.rand(2, 5, 4)).shape
        (2, 5, 4)
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or isinstance(groups, bool) or (groups <= 0 and groups != -1):
            raise ValueError("GroupNormalization: `groups` must be a positive integer (or -1 for "
                             f"instance normalization), got {groups!r}.")
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = axis
        _set_affine_args(self, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape):
        nd, axis, dim = _channel_axis(self, input_shape)
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"GroupNormalization '{self.name}': the number of groups ({self.groups}) "
                             f"cannot be more than the number of channels ({dim}).")
        if dim % self.groups:
            raise ValueError(f"GroupNormalization '{self.name}': the number of channels ({dim}) must be "
                             f"a multiple of the number of groups ({self.groups}).")
        self.input_spec = InputSpec(ndim=nd, axes={self.axis: dim})
        _add_affine_weights(self, (dim,), self.scale, self.center)
        self._axis = axis
        self.built = True

    def call(self, inputs):
        shape = ops.shape(inputs)
        nd, axis, g = len(shape), self._axis, self.groups
        group_shape = list(shape)
        group_shape[axis] = shape[axis] // g
        group_shape.insert(axis, g)
        x = ops.reshape(inputs, tuple(group_shape))
        # reduce over everything but the batch and the group axis
        mean, var = _moments(x, tuple(a for a in range(1, nd + 1) if a != axis))
        pshape = [1] * (nd + 1)
        pshape[axis], pshape[axis + 1] = g, shape[axis] // g
        gamma, beta = (None if v is None else ops.reshape(v.value, tuple(pshape))
                       for v in (self.gamma, self.beta))
        inv, shift = _scale_and_shift(mean, var, self.epsilon, gamma, beta)
        return ops.reshape(ops.add(ops.multiply(x, inv), shift), shape)

    def compute_output_shape(self, input_shape):
        return _check_axis_bounds(self, input_shape)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                **_affine_config(self)}


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over ``axis``: ``x / max(||x||, 1e-12)``.

    Args:
        axis: int or list of ints (``-1``).

    Example:
        >>> UnitNormalization()(np.array([[3.0, 4.0]]))   # [[0.6, 0.8]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _int_or_list_axis(axis, self)
        self.supports_masking = True

    def call(self, inputs):
        axes = tuple(_axes_list(self.axis, ops.ndim(inputs), self))
        inv = ops.rsqrt(ops.sum(ops.square(inputs), axis=axes, keepdims=True))
        return ops.multiply(inputs, ops.minimum(inv, 1e12))

    def compute_output_shape(self, input_shape):
        return _check_axis_bounds(self, input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class RMSNormalization(Layer):
    """Root-mean-square normalization: ``x * rsqrt(mean(x**2, axis) + epsilon) * scale``.

    Unlike ``LayerNormalization`` the input is not centred and there is no offset.

    Args:
        axis: int or list of ints to normalize over (``-1``).
        epsilon: added to the mean square (``1e-6``, as Keras).

    Weights: ``scale`` (ones), of the shape of the normalized axes.

    Example:
        >>> RMSNormalization()(np.random.rand(2, 5, 8)).shape
        (2, 5, 8)
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = _int_or_list_axis(axis, self)
        self.epsilon = float(epsilon)
        self.scale = None  # Keras's layer does not pass masks on

    def build(self, input_shape):
        nd = len(input_shape)
        self._axes = _axes_list(self.axis, nd, self)
        shape = tuple(input_shape[a] for a in self._axes)
        if any(d is None for d in shape):
            raise ValueError(f"RMSNormalization '{self.name}': the normalized axes {self.axis} must have "
                             f"known sizes, got input shape {tuple(input_shape)}.")
        self.scale = self.add_weight(shape, "ones", name="scale")
        self._param_shape = tuple(input_shape[a] if a in self._axes else 1 for a in range(nd))
        self._needs_reshape = self._axes != list(range(nd - len(self._axes), nd))
        self.built = True

    def call(self, inputs):
        mean_square = ops.mean(ops.square(inputs), axis=tuple(self._axes), keepdims=True)
        scale = self.scale.value
        if self._needs_reshape:
            scale = ops.reshape(scale, self._param_shape)
        return ops.multiply(ops.multiply(inputs, ops.rsqrt(ops.add(mean_square, self.epsilon))), scale)

    def compute_output_shape(self, input_shape):
        return _check_axis_bounds(self, input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


def _l2_normalize(x, epsilon=1e-7):
    """``x / ||x||`` over all entries, the norm floored at ``sqrt(epsilon)`` (as Keras's ``normalize``)."""
    inv = ops.rsqrt(ops.sum(ops.square(x)))
    return ops.multiply(x, ops.minimum(inv, 1.0 / epsilon))


class SpectralNormalization(Wrapper):
    """Divides the wrapped layer's kernel by its largest singular value (in training).

    The singular value is estimated by power iteration with a persistent vector
    ``u``. Each training call (``training=True``) runs ``power_iterations`` steps,
    stores the new ``u`` and assigns ``kernel / sigma`` to the wrapped layer's
    kernel (``embeddings`` for an ``Embedding``), then calls the layer; inference
    calls the layer as it is. A kernel of all zeros is left unchanged.

    Args:
        layer: a layer with a ``kernel`` or ``embeddings`` weight (``Dense``, ``Conv2D``, …).
        power_iterations: power-iteration steps per training call (positive).

    Weights: ``vector_u (1, kernel.shape[-1])`` (non-trainable, truncated normal with
    stddev 0.02), then the wrapped layer's.

    Example:
        >>> sn = SpectralNormalization(Dense(4))
        >>> y = sn(np.random.rand(2, 3).astype("float32"), training=True)
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if not isinstance(power_iterations, int) or isinstance(power_iterations, bool) or power_iterations <= 0:
            raise ValueError(f"SpectralNormalization '{self.name}': `power_iterations` should be a positive "
                             f"integer, got power_iterations={power_iterations!r}.")
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(f"SpectralNormalization '{self.name}': the wrapped {type(self.layer).__name__} "
                             f"'{self.layer.name}' has no `kernel` nor `embeddings` weight.")
        self.kernel = kernel
        self.kernel_shape = tuple(kernel.shape)
        self.vector_u = self.add_weight((1, self.kernel_shape[-1]),
                                        initializers.TruncatedNormal(stddev=0.02), name="vector_u",
                                        trainable=False, dtype=kernel.dtype)
        self.built = True

    def normalized_weights(self):
        """``(new vector_u, kernel / sigma)`` after ``power_iterations`` steps."""
        w = ops.reshape(self.kernel.value, (-1, self.kernel_shape[-1]))
        u = self.vector_u.value
        for _ in range(self.power_iterations):
            v = _l2_normalize(ops.matmul(u, ops.transpose(w)))
            u = _l2_normalize(ops.matmul(v, w))
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        sigma = ops.matmul(ops.matmul(v, w), ops.transpose(u))  # (1, 1)
        sigma = ops.where(ops.equal(sigma, 0), ops.ones_like(sigma), sigma)  # a zero kernel stays zero
        return u, ops.reshape(ops.divide(w, sigma), self.kernel_shape)

    def call(self, inputs, training=False):
        if training:
            all_zero = ops.all(ops.equal(self.kernel.value, 0))
            u, normalized = self.normalized_weights()
            self.vector_u.assign(ops.where(all_zero, self.vector_u.value, u))
            self.kernel.assign(normalized)
        return self.layer(inputs)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}
