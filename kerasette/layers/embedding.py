"""``Embedding`` (integer ids to dense vectors) and ``Masking`` (skip padded steps)."""
from __future__ import annotations

from .. import constraints, initializers, ops, regularizers
from .layer import Layer, _shapes_to_tensors


class Embedding(Layer):
    """Turns integer ids ``(batch, ...)`` into vectors ``(batch, ..., output_dim)``.

    Args:
        input_dim: vocabulary size (largest id + 1).
        output_dim: size of each vector.
        embeddings_initializer: default ``'uniform'`` (in [-0.05, 0.05]).
        embeddings_regularizer / activity_regularizer / embeddings_constraint: as Keras.
        mask_zero: id 0 is padding; the layer then emits the mask ``ids != 0``
            that masking-aware layers after it (LSTM, GRU, ...) follow.
        input_length: Keras 2's argument; sets the input shape ``(input_length,)``
            when no other input shape is given.

    Weights: ``embeddings (input_dim, output_dim)``.

    Example:
        >>> Embedding(1000, 64, mask_zero=True)(np.array([[4, 2, 0]])).shape
        (1, 3, 64)
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, activity_regularizer=None, **kwargs):
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Embedding: `{arg}` must be a positive integer, got {value!r}.")
        input_length = kwargs.pop("input_length", None)
        if input_length is not None and not any(k in kwargs for k in
                                                ("input_shape", "batch_input_shape", "batch_shape")):
            kwargs["input_shape"] = (input_length,)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.input_length = input_length
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        if weights is not None:
            self.build()
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1 else [weights])

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight((self.input_dim, self.output_dim),
                                          self.embeddings_initializer, name="embeddings",
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        if ops.dtype(inputs) not in ("int32", "int64"):
            inputs = ops.cast(inputs, "int32")
        return ops.take(self.embeddings.value, inputs, axis=0)

    def compute_mask(self, inputs, previous_mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero}


class Masking(Layer):
    """Marks time steps whose features all equal ``mask_value`` as padding.

    The output is the input with those steps zeroed, and the layer emits the
    mask ``any(inputs != mask_value, axis=-1)`` for masking-aware layers after it.

    Args:
        mask_value: the padding value (default 0.0).

    Example:
        >>> model = Sequential([Input((None, 3)), Masking(0.0), LSTM(8)])
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def _keep(self, inputs, keepdims):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=keepdims)

    def call(self, inputs):
        return ops.multiply(inputs, ops.cast(self._keep(inputs, True), ops.dtype(inputs)))

    def compute_mask(self, inputs, previous_mask=None):
        return self._keep(inputs, False)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}



class ReversibleEmbedding(Embedding):
    """An ``Embedding`` that can also project back: ``layer(hidden, reverse=True)`` gives
    logits ``hidden @ embeddings.T`` over the vocabulary (language-model heads).

    Args:
        input_dim, output_dim, embeddings_initializer, embeddings_regularizer,
        embeddings_constraint, mask_zero: as ``Embedding``.
        tie_weights: the reverse projection uses ``embeddings.T`` (default); False
            gives it its own trainable ``reverse_embeddings (output_dim, input_dim)``.
        reverse_dtype: dtype of the reverse projection (default the compute dtype).
        logit_soft_cap: when set, reverse logits become ``tanh(logits / cap) * cap``.

    Example:
        >>> emb = ReversibleEmbedding(100, 32)
        >>> logits = emb(emb(np.array([[1, 2, 3]])), reverse=True)  # (1, 3, 100)
    """

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 reverse_dtype=None, logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero, **kwargs)
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        if self.built:
            return
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight((self.output_dim, self.input_dim),
                                                      self.embeddings_initializer,
                                                      name="reverse_embeddings")

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        kernel = (ops.transpose(self.embeddings.value) if self.tie_weights
                  else self.reverse_embeddings.value)
        dtype = self.reverse_dtype or self.compute_dtype
        logits = ops.matmul(ops.cast(inputs, dtype), ops.cast(kernel, dtype))
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = ops.multiply(ops.tanh(ops.divide(logits, cap)), cap)
        return logits

    def compute_mask(self, inputs, previous_mask=None):
        if ops.dtype(inputs).startswith("float"):  # a reverse call: logits carry no mask
            return None
        return super().compute_mask(inputs, previous_mask)

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return tuple(input_shape[:-1]) + (self.input_dim,)
        return super().compute_output_shape(input_shape)

    def compute_output_spec(self, inputs, reverse=False, **kwargs):
        return _shapes_to_tensors(self.compute_output_shape(inputs.shape, reverse), self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype, "logit_soft_cap": self.logit_soft_cap}
