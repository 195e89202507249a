"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Identity, Lambda."""
from __future__ import annotations

import math

from .. import activations, constraints, initializers, ops, regularizers
from ..random import SeedGenerator
from .layer import InputSpec, Layer


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` on the last axis.

    Args:
        units: output size.
        activation: name or callable (None: linear).
        use_bias: add a bias vector.
        kernel_initializer / bias_initializer, *_regularizer, *_constraint: as Keras.

    Weights: ``kernel (in, units)``, ``bias (units,)``.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Dense '{self.name}': `units` must be a positive integer, got {units!r}.")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"Dense '{self.name}': the last dimension of the input must be known, "
                             f"got shape {input_shape}.")
        self.kernel = self.add_weight((in_dim, self.units), self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = (self.add_weight((self.units,), self.bias_initializer, name="bias",
                                     regularizer=self.bias_regularizer, constraint=self.bias_constraint)
                     if self.use_bias else None)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True

    def call(self, inputs):
        y = ops.matmul(inputs, self.kernel.value)
        if self.bias is not None:
            y = ops.add(y, self.bias.value)
        return self.activation(y) if self.activation is not activations.linear else y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class Activation(Layer):
    """Applies an activation function (name or callable)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Identity(Layer):
    """Returns its input unchanged."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


def _noise_shape(shape, noise_shape):
    """``noise_shape`` with its None entries taken from ``shape`` (``shape`` when it is None)."""
    if noise_shape is None:
        return shape
    return tuple(s if n is None else n for s, n in zip(shape, noise_shape))


class Dropout(Layer):
    """Zeroes a ``rate`` fraction of inputs during training, scaling the rest by ``1/(1-rate)``.

    Args:
        rate: fraction to drop, in ``[0, 1)``.
        noise_shape: shape of the binary mask (None entries follow the input).
        seed: makes the masks reproducible.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout '{self.name}': `rate` must be in [0, 1), got {rate!r}.")
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def build(self, input_shape=None):
        if self.rate > 0:
            self._claim_backend()
            self.seed_generator = SeedGenerator(self.seed, name=f"{self.name}_seed")
        self.built = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        keep = ops.bernoulli(self._noise_shape(ops.shape(inputs)), 1.0 - self.rate,
                             self.seed_generator.next(), dtype=ops.dtype(inputs))
        return ops.multiply(inputs, ops.multiply(keep, 1.0 / (1.0 - self.rate)))

    def _noise_shape(self, shape):
        """The shape of the keep mask for inputs of ``shape``."""
        return _noise_shape(shape, self.noise_shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class Flatten(Layer):
    """Flattens every axis but the batch axis."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        if self.data_format == "channels_first" and ops.ndim(inputs) > 2:
            inputs = ops.moveaxis(inputs, 1, -1)
        return ops.reshape(inputs, (ops.shape(inputs)[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes every sample to ``target_shape`` (one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1:
            raise ValueError(f"Reshape '{self.name}': at most one -1 in target_shape {self.target_shape}.")

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        target = list(self.target_shape)
        if any(d is None for d in rest):
            return (input_shape[0],) + tuple(None if d == -1 else d for d in target)
        size = math.prod(rest)
        known = math.prod(d for d in target if d != -1)
        if -1 in target:
            if known == 0 or size % known:
                raise ValueError(f"Reshape '{self.name}': cannot reshape input of shape {tuple(input_shape)} "
                                 f"to {self.target_shape}.")
            target[target.index(-1)] = size // known
        elif known != size:
            raise ValueError(f"Reshape '{self.name}': total size of the new shape {self.target_shape} "
                             f"({known}) must equal the input's {tuple(rest)} ({size}).")
        return (input_shape[0],) + tuple(target)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs):
        return ops.reshape(inputs, (ops.shape(inputs)[0],) + self.target_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class Lambda(Layer):
    """Wraps a function of tensors as a layer.

    Args:
        function: ``f(inputs)`` (or ``f(inputs, **arguments)``) using ``kerasette.ops``.
        output_shape: optional shape or function of the input shape.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = arguments or {}

    def call(self, inputs, mask=None):
        return self.function(inputs, **self.arguments)

    def compute_output_spec(self, *args, **kwargs):
        if self._output_shape is None:
            return super().compute_output_spec(*args, **kwargs)
        from .layer import _shapes_to_tensors
        shape = args[0].shape if hasattr(args[0], "shape") else None
        out = self._output_shape(shape) if callable(self._output_shape) else (shape[0],) + tuple(self._output_shape)
        return _shapes_to_tensors(tuple(out), self.compute_dtype)

    def compute_mask(self, inputs, previous_mask=None):
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def get_config(self):
        from ..saving.serialization_lib import serialize_function
        config = {**super().get_config(), "function": serialize_function(self.function),
                  "arguments": self.arguments}
        if self._output_shape is not None:
            config["output_shape"] = (serialize_function(self._output_shape) if callable(self._output_shape)
                                      else list(self._output_shape))
        if self.mask is not None:
            config["mask"] = serialize_function(self.mask) if callable(self.mask) else self.mask
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from ``get_config`` (or Keras 3's); a stored lambda needs safe mode off."""
        from ..saving.serialization_lib import deserialize_function
        config = dict(config)
        owner = f"Lambda layer {config.get('name', 'lambda')!r}"
        config["function"] = deserialize_function(config["function"], owner, custom_objects)
        for key in ("output_shape", "mask"):
            value = config.get(key)
            if isinstance(value, (dict, str)):
                config[key] = deserialize_function(value, owner, custom_objects)
            elif isinstance(value, list):
                config[key] = tuple(value)
        for key in ("function_type", "output_shape_type", "output_shape_module", "module"):
            config.pop(key, None)
        return cls(**config)
