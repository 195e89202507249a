"""Attention layers: ``MultiHeadAttention``, ``GroupedQueryAttention``, dot-product
``Attention`` and ``AdditiveAttention`` (Keras 3's
weight layouts, so weights move to and from Keras with ``get_weights``/``set_weights``).

``MultiHeadAttention`` projects with small einsum sub-layers named like
Keras's (``query``, ``key``, ``value``, ``attention_output``): kernels
``(d_model, num_heads, key_dim)`` with biases ``(num_heads, key_dim)``, and an
output kernel ``(num_heads, value_dim, d_model)`` with bias ``(d_model,)``.
"""
from __future__ import annotations

import inspect
import math
import string

from .. import config, constraints, initializers, ops, regularizers
from ..random import SeedGenerator
from .activation_layers import masked_softmax
from .core import Dropout
from .einsum_dense import EinsumDense
from .layer import Layer, _convert_inputs
from .symbolic import KerasTensor, any_symbolic, flatten


# ---------------------------------------------------------------- equations (as Keras)
def _letter(i):
    return string.ascii_lowercase[i]


def _build_proj_equation(free_dims, bound_dims, output_dims):
    """Einsum equation of a projection: ``free`` axes kept, ``bound`` contracted, ``output`` made."""
    inp, ker, out = "", "", ""
    for i in range(free_dims):
        inp += _letter(i)
        out += _letter(i)
    for i in range(bound_dims):
        c = _letter(free_dims + i)
        inp += c
        ker += c
    for i in range(output_dims):
        c = _letter(free_dims + bound_dims + i)
        ker += c
        out += c
    return f"{inp},{ker}->{out}", out[free_dims:]


def _build_attention_equation(rank, attn_axes):
    """(dot-product equation, combine equation, rank of the scores) for projected
    tensors of ``rank`` (``(batch, *axes, heads, dim)``) attending over ``attn_axes``."""
    target = "".join(_letter(i) for i in range(rank))
    batch_dims = tuple(i for i in range(rank) if i not in attn_axes + (rank - 1,))
    offset = rank
    source = ""
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _letter(offset)
            offset += 1
    product = ("".join(target[i] for i in batch_dims) + "".join(target[i] for i in attn_axes)
               + "".join(source[i] for i in attn_axes))
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def _clone_initializer(init):
    init = initializers.get(init)
    get_config = getattr(init, "get_config", None)
    return type(init).from_config(get_config()) if get_config and hasattr(type(init), "from_config") else init


def _causal_mask(tq, tv):
    rows = ops.expand_dims(ops.arange(0, tq, dtype="int32"), -1)
    cols = ops.expand_dims(ops.arange(0, tv, dtype="int32"), 0)
    return ops.expand_dims(ops.greater_equal(rows, cols), 0)  # (1, Tq, Tv)


def _shape_of(t):
    if t is None:
        return None
    if isinstance(t, KerasTensor):
        return tuple(t.shape)
    shape = getattr(t, "shape", None)
    if shape is not None:
        return tuple(int(d) for d in shape)
    import numpy as np
    return tuple(np.shape(t))


class _HeadsAttention(Layer):
    """What ``MultiHeadAttention`` and ``GroupedQueryAttention`` share: the call as
    ``layer(query, value, key=None, ...)`` with graph masks mapped to
    ``query_mask``/``value_mask``/``key_mask``, the projections (``EinsumDense``
    sub-layers), the attention mask, the output mask and the build config."""

    _CALL_NAMES = ("query", "value", "key", "query_mask", "value_mask", "key_mask", "attention_mask")

    def _set_common_args(self, dropout, use_bias, use_gate, sliding_window, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, seed):
        self.supports_masking = True
        self._call_takes_mask = True  # graph masks arrive as `mask=`; __call__ maps them to query_mask…
        self._dropout = float(dropout)
        self._use_bias = bool(use_bias)
        self._use_gate = bool(use_gate)
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError(f"{type(self).__name__} '{self.name}': `sliding_window` must be None or a "
                             f"positive integer, got {sliding_window!r}.")
        self._sliding_window = sliding_window
        self.seed = seed
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self._call_signature = inspect.signature(self.call)

    def _common_config(self):
        return {"dropout": self._dropout, "use_bias": self._use_bias, "use_gate": self._use_gate,
                "sliding_window": self._sliding_window,
                "kernel_initializer": initializers.serialize(self._kernel_initializer),
                "bias_initializer": initializers.serialize(self._bias_initializer),
                "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self._bias_regularizer),
                "activity_regularizer": regularizers.serialize(self._activity_regularizer),
                "kernel_constraint": constraints.serialize(self._kernel_constraint),
                "bias_constraint": constraints.serialize(self._bias_constraint), "seed": self.seed}

    def _projection(self, name, input_shape, bound_dims, out_sizes, activation=None):
        """An ``EinsumDense`` named ``name``, built for ``input_shape``, contracting its
        last ``bound_dims`` axes into new axes of ``out_sizes``."""
        free_dims = len(input_shape) - bound_dims
        eq, out_letters = _build_proj_equation(free_dims, bound_dims, len(out_sizes))
        layer = EinsumDense(eq, output_shape=[None] * (free_dims - 1) + list(out_sizes),
                            bias_axes=out_letters if self._use_bias else None, activation=activation,
                            kernel_initializer=_clone_initializer(self._kernel_initializer),
                            bias_initializer=_clone_initializer(self._bias_initializer),
                            kernel_regularizer=self._kernel_regularizer,
                            bias_regularizer=self._bias_regularizer,
                            kernel_constraint=self._kernel_constraint,
                            bias_constraint=self._bias_constraint,
                            activity_regularizer=self._activity_regularizer, name=name, dtype=self._dtype)
        layer._build_input_shape = tuple(input_shape)
        layer.build(tuple(input_shape))
        return layer

    def _build_projections(self, query_shape, value_shape, key_shape, query_heads, kv_heads, key_dim,
                           value_dim):
        """The ``query``, ``key``, optional ``gate`` and ``value`` projections, in that (Keras's) order."""
        self._query_dense = self._projection("query", query_shape, 1, [query_heads, key_dim])
        self._key_dense = self._projection("key", key_shape, 1, [kv_heads, key_dim])
        if self._use_gate:
            self._gate_dense = self._projection("gate", query_shape, 1, [query_heads, value_dim],
                                                activation="sigmoid")
        self._value_dense = self._projection("value", value_shape, 1, [kv_heads, value_dim])

    def _softmax_combine(self, equation, scores, attention_mask, axes, value, training):
        """Masked softmax of ``scores`` over ``axes``, dropout, then ``einsum(equation, ·, value)``;
        returns ``(output, scores)``."""
        scores = masked_softmax(scores, attention_mask, axes)
        dropped = self._dropout_layer(scores, training=training) if self._dropout > 0 else scores
        return ops.einsum(equation, dropped, value), scores

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False):
        if key is None:
            key = value
        attention_mask = self._compute_attention_mask(query, value, query_mask, value_mask, key_mask,
                                                      attention_mask, use_causal_mask)
        gate = self._gate_dense(query) if self._use_gate else None
        out, scores = self._compute_attention(self._query_dense(query), self._key_dense(key),
                                              self._value_dense(value), attention_mask, training)
        if gate is not None:
            out = ops.multiply(out, gate)
        out = self._output_dense(out)
        return (out, scores) if return_attention_scores else out

    def _check_build_shapes(self, query_shape, value_shape, key_shape):
        if value_shape is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': build needs `query_shape` and "
                             f"`value_shape`.")
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(f"{type(self).__name__} '{self.name}': all dimensions of `value` and `key`, "
                             f"except the last one, must be equal. Received: value_shape={value_shape} "
                             f"and key_shape={key_shape}")
        for nm, s in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if s[-1] is None:
                raise ValueError(f"{type(self).__name__} '{self.name}': the last dimension of `{nm}` must "
                                 f"be known, got shape {s}.")
        self._build_shapes = {"query_shape": query_shape, "value_shape": value_shape,
                              "key_shape": key_shape}
        self._build_input_shape = query_shape
        return query_shape, value_shape, key_shape

    def _make_dropout(self):
        self._dropout_layer = Dropout(rate=self._dropout, seed=self.seed, name="dropout", dtype=self._dtype)
        self._dropout_layer.build()

    def get_build_config(self):
        shapes = getattr(self, "_build_shapes", None)
        return dict(shapes) if shapes else None

    def build_from_config(self, build_config):
        if build_config and not self.built:
            if "query_shape" in build_config:
                self.build(**{k: v for k, v in build_config.items()
                              if k in ("query_shape", "value_shape", "key_shape")})
            elif "input_shape" in build_config:
                s = build_config["input_shape"]
                self.build(s, s)

    def __call__(self, *args, **kwargs):
        # The base builds from the first argument only and converts only it; these
        # layers need all three shapes, and graph masks arrive as one `mask=` list.
        graph_masks = kwargs.pop("mask", None)
        bound = self._call_signature.bind_partial(*args, **kwargs).arguments
        if bound.get("query") is None or bound.get("value") is None:
            raise ValueError(f"{type(self).__name__} '{self.name}' needs `query` and `value` "
                             f"(call it as layer(query, value)).")
        extra = self._graph_mask_kwargs(args, kwargs, graph_masks, bound) if graph_masks is not None else {}
        if not any_symbolic((args, kwargs)):
            b = config.active()
            names = list(self._call_signature.parameters)
            args = tuple(_convert_inputs(b, a) if n in self._CALL_NAMES and a is not None else a
                         for n, a in zip(names, args))
            kwargs = {k: _convert_inputs(b, v) if k in self._CALL_NAMES and v is not None else v
                      for k, v in kwargs.items()}
        if not self.built:
            self.build(_shape_of(bound["query"]), _shape_of(bound["value"]), _shape_of(bound.get("key")))
        return super().__call__(*args, **kwargs, **extra)

    def _graph_mask_kwargs(self, args, kwargs, masks, bound):
        """``query_mask``/``value_mask``/``key_mask`` from the functional graph's mask list
        (one entry per symbolic input, in ``flatten((args, kwargs))`` order), where the
        call did not give them explicitly."""
        masks = masks if isinstance(masks, (list, tuple)) else [masks]
        b = config.active()
        named = list(zip(self._call_signature.parameters, args))
        named += [(k, kwargs[k]) for k in sorted(kwargs, key=str) if k != "training"]
        tensors = [n for n, v in named for leaf in flatten(v)
                   if leaf is not None and (b.is_array(leaf) or isinstance(leaf, KerasTensor))]
        out = {}
        if len(tensors) != len(masks):
            return out
        for name, m in zip(tensors, masks):
            key = f"{name}_mask"
            if m is not None and name in ("query", "value", "key") and bound.get(key) is None:
                out[key] = m
        return out

    def _compute_attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                                use_causal_mask):
        auto = None
        if query_mask is not None:
            auto = ops.expand_dims(ops.cast(query_mask, "bool"), -1)  # (B, T, 1)
        for m in (value_mask, key_mask):
            if m is not None:
                m = ops.expand_dims(ops.cast(m, "bool"), -2)  # (B, 1, S)
                auto = m if auto is None else ops.logical_and(auto, m)
        tq, tv = ops.shape(query)[1], ops.shape(value)[1]
        if use_causal_mask:
            m = _causal_mask(tq, tv)
            auto = m if auto is None else ops.logical_and(auto, m)
        if self._sliding_window is not None:
            rows = ops.reshape(ops.arange(0, tq, dtype="int32"), (1, tq, 1))
            cols = ops.reshape(ops.arange(0, tv, dtype="int32"), (1, 1, tv))
            m = ops.less(ops.abs(ops.subtract(rows, cols)), self._sliding_window)
            auto = m if auto is None else ops.logical_and(auto, m)
        if attention_mask is not None:
            attention_mask = ops.cast(attention_mask, "bool")
        if auto is not None:
            attention_mask = auto if attention_mask is None else ops.logical_and(attention_mask, auto)
        return attention_mask

    def compute_mask(self, inputs, previous_mask=None):
        # The output keeps the query's mask. In a functional graph the masks come one
        # per symbolic input; a positional query is the first of them (a query given
        # only by keyword leaves the output unmasked).
        if isinstance(previous_mask, (list, tuple)):
            positional = not isinstance(inputs, (list, tuple)) or len(inputs) > 0
            return previous_mask[0] if positional and previous_mask else None
        return previous_mask


class MultiHeadAttention(_HeadsAttention):
    """Multi-head attention as in "Attention Is All You Need" (Keras 3's layer).

    Each of ``query``, ``key``, ``value`` is projected to ``num_heads`` heads;
    scores ``softmax(q k^T / sqrt(key_dim))`` (masked) weight the value heads,
    which an output projection maps back to ``query``'s last size (or
    ``output_shape``).

    Args:
        num_heads: number of heads.
        key_dim: size of each query/key head.
        value_dim: size of each value head (default ``key_dim``).
        dropout: dropout rate on the attention probabilities (training only).
        use_bias: biases in the projections.
        output_shape: last dims of the output (default: the query's last dim).
        attention_axes: axes attended over (default: all but batch, heads and features).
        kernel_*/bias_*, activity_regularizer: as Keras (applied to the projections).
        seed: seed of the attention dropout.

    Call args:
        query ``(B, Tq, dim)``, value ``(B, Tv, dim)``, key (default: value);
        query_mask / value_mask / key_mask ``(B, T)`` (taken from the graph's masks
        when the inputs carry them); attention_mask ``(B, Tq, Tv)`` (True = attend);
        return_attention_scores: also return ``(B, heads, Tq, Tv)``; training;
        use_causal_mask: position ``i`` attends only to ``j <= i``.

    Example:
        >>> x = Input((10, 16))
        >>> y = MultiHeadAttention(num_heads=2, key_dim=8)(x, x)
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, seed=None, use_gate=False,
                 sliding_window=None, flash_attention=None, **kwargs):
        for arg, val, none_ok in (("num_heads", num_heads, False), ("key_dim", key_dim, False),
                                  ("value_dim", value_dim, True)):
            if not (val is None and none_ok) and (not isinstance(val, int) or isinstance(val, bool) or val <= 0):
                raise ValueError(f"MultiHeadAttention: `{arg}` must be a positive integer, got {val!r}.")
        super().__init__(**kwargs)
        self._set_common_args(dropout, use_bias, use_gate, sliding_window, kernel_initializer,
                              bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
                              kernel_constraint, bias_constraint, seed)
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim or key_dim
        if output_shape:
            output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self._output_shape = output_shape or None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(f"MultiHeadAttention '{self.name}': `attention_axes` must be an int, list or "
                             f"tuple, got {attention_axes!r}.")
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        self._flash_attention = flash_attention
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    def build(self, query_shape, value_shape=None, key_shape=None):
        """Create the projections for the given shapes (``key_shape`` defaults to ``value_shape``)."""
        query_shape, value_shape, key_shape = self._check_build_shapes(query_shape, value_shape, key_shape)
        h = self._num_heads
        self._build_projections(query_shape, value_shape, key_shape, h, h, self._key_dim, self._value_dim)
        rank = len(query_shape) + 1  # projected: (batch, *axes, heads, dim)
        axes = self._attention_axes
        self._attn_axes = tuple(range(1, rank - 2)) if axes is None else \
            tuple(a if a >= 0 else (rank - 1) + a for a in axes)
        self._dot_product_equation, self._combine_equation, scores_rank = \
            _build_attention_equation(rank, self._attn_axes)
        self._norm_axes = tuple(range(scores_rank - len(self._attn_axes), scores_rank))
        self._make_dropout()
        out_sizes = list(self._output_shape) if self._output_shape else [query_shape[-1]]
        self._output_dense = self._projection("attention_output", query_shape[:-1] + (h, self._value_dim), 2,
                                              out_sizes)
        self.built = True

    def _compute_attention(self, query, key, value, attention_mask=None, training=None):
        query = ops.multiply(query, self._inverse_sqrt_key_dim)
        scores = ops.einsum(self._dot_product_equation, key, query)
        if attention_mask is not None:
            axis = -len(self._attn_axes) * 2 - 1
            for _ in range(ops.ndim(scores) - ops.ndim(attention_mask)):
                attention_mask = ops.expand_dims(attention_mask, axis)
        return self._softmax_combine(self._combine_equation, scores, attention_mask, self._norm_axes,
                                     value, training)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if value_shape is not None and key_shape is not None and \
                tuple(value_shape)[1:-1] != tuple(key_shape)[1:-1]:
            raise ValueError(f"MultiHeadAttention '{self.name}': all dimensions of `value` and `key`, "
                             f"except the last one, must be equal. Received: value_shape={value_shape} "
                             f"and key_shape={key_shape}")
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def compute_output_spec(self, query, value=None, key=None, return_attention_scores=False, **kwargs):
        out = KerasTensor(self.compute_output_shape(query.shape, value.shape,
                                                    None if key is None else key.shape), self.compute_dtype)
        if not return_attention_scores:
            return out
        key_shape = value.shape if key is None else key.shape
        src, tgt = self._dot_product_equation.split("->")[0].split(",")
        sizes = dict(zip(tgt, tuple(query.shape[:-1]) + (self._num_heads, self._key_dim)))
        sizes.update(zip(src, tuple(key_shape[:-1]) + (self._num_heads, self._key_dim)))
        prod = self._dot_product_equation.split("->")[1]
        return out, KerasTensor(tuple(sizes[c] for c in prod), self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "num_heads": self._num_heads, "key_dim": self._key_dim,
                "value_dim": self._value_dim, "output_shape": self._output_shape,
                "attention_axes": self._attention_axes, **self._common_config()}


class GroupedQueryAttention(_HeadsAttention):
    """Grouped-query attention (Keras 3's ``GroupQueryAttention``): ``num_query_heads``
    query heads share ``num_key_value_heads`` key/value heads, each key/value head
    serving ``num_query_heads // num_key_value_heads`` consecutive query heads.

    Args:
        head_dim: size of each head.
        num_query_heads / num_key_value_heads: the head counts (the second divides the first).
        dropout: dropout rate on the attention probabilities (training only).
        use_bias: biases in the projections.
        use_gate: a sigmoid gate (a ``gate`` projection of the query) on the heads' output.
        sliding_window: position ``i`` attends only to ``j`` with ``|i - j| < sliding_window``.
        kernel_*/bias_*, activity_regularizer: as Keras (applied to the projections).
        seed: seed of the attention dropout.

    Call args: as ``MultiHeadAttention`` (``query (B, Tq, dim)``, ``value (B, Tv, dim)``,
    ``key``, the masks, ``return_attention_scores`` giving ``(B, num_query_heads, Tq, Tv)``,
    ``training``, ``use_causal_mask``). The output has the query's shape.

    Weights: ``query`` kernel ``(dim, num_query_heads, head_dim)`` and bias
    ``(num_query_heads, head_dim)``; ``key`` and ``value`` the same with
    ``num_key_value_heads``; ``attention_output`` kernel ``(num_query_heads, head_dim, dim)``
    and bias ``(dim,)``.

    Example:
        >>> x = Input((10, 16))
        >>> y = GroupQueryAttention(head_dim=8, num_query_heads=4, num_key_value_heads=2)(x, x)
    """

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0, use_bias=True,
                 sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, use_gate=False,
                 seed=None, **kwargs):
        for arg, val in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                         ("num_key_value_heads", num_key_value_heads)):
            if not isinstance(val, int) or isinstance(val, bool) or val <= 0:
                raise ValueError(f"GroupQueryAttention: `{arg}` must be a positive integer, got {val!r}.")
        if num_query_heads % num_key_value_heads:
            raise ValueError(f"GroupQueryAttention: `num_query_heads` must be divisible by "
                             f"`num_key_value_heads`; got num_query_heads={num_query_heads} and "
                             f"num_key_value_heads={num_key_value_heads}.")
        super().__init__(**kwargs)
        self._set_common_args(dropout, use_bias, use_gate, sliding_window, kernel_initializer,
                              bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
                              kernel_constraint, bias_constraint, seed)
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self._flash_attention = flash_attention
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))

    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    use_gate = property(lambda self: self._use_gate)
    sliding_window = property(lambda self: self._sliding_window)

    def build(self, query_shape, value_shape=None, key_shape=None):
        """Create the projections for the given shapes (``key_shape`` defaults to ``value_shape``)."""
        query_shape, value_shape, key_shape = self._check_build_shapes(query_shape, value_shape, key_shape)
        for nm, s in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(s) != 3:
                raise ValueError(f"GroupQueryAttention '{self.name}': `{nm}` must have shape (batch, time, "
                                 f"features), got {s}.")
        self.feature_dim = query_shape[-1]
        hq, hkv, d = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self._build_projections(query_shape, value_shape, key_shape, hq, hkv, d, d)
        self._make_dropout()
        self._output_dense = self._projection("attention_output", (None, None, hq, d), 2, [self.feature_dim])
        self.built = True

    def _compute_attention(self, query, key, value, attention_mask=None, training=None):
        query = ops.multiply(query, self._inverse_sqrt_head_dim)  # (B, Tq, Hq, D)
        key = ops.repeat(key, self.num_repeats, axis=2)           # (B, Tv, Hq, D)
        value = ops.repeat(value, self.num_repeats, axis=2)
        scores = ops.einsum("bquh,bkuh->buqk", query, key)
        if attention_mask is not None:
            attention_mask = ops.expand_dims(attention_mask, -3)  # (B, 1, Tq, Tv)
        return self._softmax_combine("buqk,bkuh->bquh", scores, attention_mask, -1, value, training)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if value_shape is not None and query_shape[-1] != tuple(value_shape)[-1]:
            raise ValueError(f"GroupQueryAttention '{self.name}': the last dimension of `query_shape` and "
                             f"`value_shape` must be equal, but are {query_shape[-1]}, "
                             f"{tuple(value_shape)[-1]}.")
        return query_shape

    def compute_output_spec(self, query, value=None, key=None, return_attention_scores=False, **kwargs):
        out = KerasTensor(self.compute_output_shape(query.shape, value.shape), self.compute_dtype)
        if not return_attention_scores:
            return out
        kv_len = (value if key is None else key).shape[1]
        return out, KerasTensor((query.shape[0], self.num_query_heads, query.shape[1], kv_len),
                                self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads, **self._common_config()}


GroupQueryAttention = GroupedQueryAttention


class Attention(Layer):
    """Dot-product (Luong-style) attention over ``[query, value]`` or ``[query, value, key]``.

    ``scores = query @ key^T`` (``score_mode='dot'``, times a learned ``scale`` when
    ``use_scale``) or ``concat_score_weight * sum(tanh(scale * (q + k)))``
    (``'concat'``); ``softmax(scores) @ value``.

    Args:
        use_scale: learn a scalar ``scale`` for the scores.
        score_mode: ``'dot'`` or ``'concat'``.
        dropout: dropout rate on the attention weights (training only).
        seed: seed of that dropout.

    Call args:
        inputs: ``[query (B, Tq, dim), value (B, Tv, dim)]`` (+ ``key (B, Tv, dim)``).
        mask: ``[query_mask (B, Tq), value_mask (B, Tv)]``: padded values are not
            attended to; padded queries give zero outputs.
        return_attention_scores: also return the ``(B, Tq, Tv)`` weights.
        use_causal_mask: query ``i`` attends only to values ``j <= i``.

    Weights: ``scale`` (when ``use_scale``), ``concat_score_weight`` (``'concat'``), both scalars.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Attention '{self.name}': `score_mode` must be 'dot' or 'concat', "
                             f"got {score_mode!r}.")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self.supports_masking = True
        self.scale = None
        self.concat_score_weight = None

    def _validate(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3 or \
                any(i is None or isinstance(i, int) for i in inputs):  # one shape, not a list of them
            raise ValueError(f"{type(self).__name__} layer '{self.name}' must be called on a list of 2 or 3 "
                             f"inputs, [query, value] or [query, value, key]. Received: {inputs!r:.200}")
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ValueError(f"{type(self).__name__} layer '{self.name}': `mask` must be a list "
                             f"[query_mask, value_mask]. Received: {mask!r:.200}")

    def build(self, input_shape):
        self._validate(input_shape)
        self._build_score_weights(input_shape)
        if self.dropout > 0:
            self._claim_backend()
            self.seed_generator = SeedGenerator(self.seed, name=f"{self.name}_seed")
        self.built = True

    def _build_score_weights(self, input_shape):
        if self.use_scale:
            self.scale = self.add_weight((), "ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight((), "ones", name="concat_score_weight")

    def _calculate_scores(self, query, key):
        """``(B, Tq, Tv)`` scores of ``query (B, Tq, dim)`` against ``key (B, Tv, dim)``."""
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            if self.scale is not None:
                scores = ops.multiply(scores, self.scale.value)
            return scores
        q = ops.expand_dims(query, -2)
        k = ops.expand_dims(key, -3)
        s = ops.add(q, k)
        if self.scale is not None:
            s = ops.multiply(s, self.scale.value)
        return ops.multiply(ops.sum(ops.tanh(s), axis=-1), self.concat_score_weight.value)

    def call(self, inputs, mask=None, training=None, return_attention_scores=False, use_causal_mask=False):
        self._validate(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._calculate_scores(q, k)
        scores_mask = v_mask
        if use_causal_mask:
            causal = _causal_mask(ops.shape(scores)[-2], ops.shape(scores)[-1])
            scores_mask = causal if v_mask is None else \
                ops.logical_and(ops.expand_dims(ops.cast(v_mask, "bool"), -2), causal)
        if scores_mask is not None:
            padding = ops.logical_not(ops.cast(scores_mask, "bool"))
            if ops.ndim(padding) == 2:
                padding = ops.expand_dims(padding, -2)
            big = 65504.0 if ops.dtype(scores) == "float16" else 1.0e9
            scores = ops.where(padding, ops.subtract(scores, big), scores)
        weights = ops.softmax(scores, axis=-1)
        used = weights
        if training and self.dropout > 0:
            keep = ops.bernoulli(ops.shape(weights), 1.0 - self.dropout, self.seed_generator.next(),
                                 dtype=ops.dtype(weights))
            used = ops.multiply(weights, ops.multiply(keep, 1.0 / (1.0 - self.dropout)))
        out = ops.matmul(used, v)
        if q_mask is not None:
            out = ops.where(ops.expand_dims(ops.cast(q_mask, "bool"), -1), out, ops.zeros_like(out))
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        if not mask or mask[0] is None:
            return None
        return mask[0]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def compute_output_spec(self, inputs, mask=None, return_attention_scores=False, training=None,
                            use_causal_mask=False):
        self._validate(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        out = KerasTensor(self.compute_output_shape([q.shape, v.shape, k.shape]), self.compute_dtype)
        if return_attention_scores:
            return out, KerasTensor(tuple(q.shape[:-1]) + (k.shape[-2],), self.compute_dtype)
        return out

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale, "score_mode": self.score_mode,
                "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention over ``[query, value]`` or ``[query, value, key]``.

    ``scores[b, i, j] = sum(scale * tanh(query[b, i] + key[b, j]))`` over the
    features; then, as ``Attention``, ``softmax(scores) @ value`` with the same
    masks, causal mask, dropout and ``return_attention_scores``.

    Args:
        use_scale: learn a ``scale`` vector ``(dim,)`` (glorot-uniform); without it
            the tanh terms are summed unscaled.
        dropout: dropout rate on the attention weights (training only).
        seed: seed of that dropout.

    Weights: ``scale (dim,)`` when ``use_scale``.

    Example:
        >>> AdditiveAttention()([np.zeros((2, 3, 4), "float32"), np.zeros((2, 5, 4), "float32")]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)  # not an argument of this layer; tolerated in old configs
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def _build_score_weights(self, input_shape):
        if self.use_scale:
            dim = input_shape[0][-1]
            if dim is None:
                raise ValueError(f"AdditiveAttention '{self.name}': the last dimension of the query must be "
                                 f"known, got shape {tuple(input_shape[0])}.")
            self.scale = self.add_weight((dim,), "glorot_uniform", name="scale")

    def _calculate_scores(self, query, key):
        terms = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))
        if self.scale is not None:
            terms = ops.multiply(terms, self.scale.value)
        return ops.sum(terms, axis=-1)

    def get_config(self):
        cfg = super().get_config()
        del cfg["score_mode"]
        return cfg
