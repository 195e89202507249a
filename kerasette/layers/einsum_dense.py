"""``EinsumDense``: a dense layer whose product is any einsum equation (Keras 3's layer).

The equation names the input, the kernel and the output axes (``'abc,cd->abd'``);
an ellipsis may stand for leading (``'...b,bc->...c'``) or trailing
(``'ab...,bc->ac...'``) input axes. The kernel's shape comes from the input's
and ``output_shape``'s sizes, as Keras computes it, so weights move to and from Keras.
"""
from __future__ import annotations

import re

from .. import activations, constraints, initializers, ops, regularizers
from .layer import InputSpec, Layer

_FORMS = (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", None),
          (r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)", "left"),
          (r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\.", "right"))


def analyze_equation(equation, bias_axes, input_shape, output_shape, owner="EinsumDense"):
    """``(kernel_shape, bias_shape, full_output_shape, kernel_input_axes, kernel_output_axes)``.

    ``output_shape`` is the output without its batch axis (None for sizes taken from
    the input); ``bias_shape`` is None without ``bias_axes``. ``owner`` names the layer
    in errors.
    """
    for pattern, elided_side in _FORMS:
        match = re.fullmatch(pattern, equation) if isinstance(equation, str) else None
        if match:
            break
    else:
        raise ValueError(f"{owner}: invalid einsum equation {equation!r}. Equations must be in the form "
                         f"[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...")
    in_spec, w_spec, out_spec = match.groups()
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (elided > 0 and elided_side is None):
        raise ValueError(f"{owner}: the equation {equation!r} expects an input of rank {len(in_spec)}, "
                         f"got shape {input_shape}.")
    out = [input_shape[0]] + list((output_shape,) if isinstance(output_shape, int) else output_shape)
    if elided_side == "left":
        out[1:1] = list(input_shape[1:elided])
        in_pos = {c: i + elided for i, c in enumerate(in_spec)}
        out_pos = {c: i + elided for i, c in enumerate(out_spec)}
    else:
        if elided_side == "right":
            out += list(input_shape[len(input_shape) - elided:])
        in_pos = {c: i for i, c in enumerate(in_spec)}
        out_pos = {c: i for i, c in enumerate(out_spec)}
    if len(out) != len(out_pos) + (elided if elided_side else 0):
        raise ValueError(f"{owner}: `output_shape` {tuple(out[1:])} does not fit the output spec "
                         f"'{out_spec}' of the equation {equation!r} (its first axis is the batch).")
    for c in in_spec:
        if c in out_pos and out[out_pos[c]] is not None and out[out_pos[c]] != input_shape[in_pos[c]]:
            raise ValueError(f"{owner}: input shape and output shape do not match at shared dimension "
                             f"'{c}': the input has {input_shape[in_pos[c]]}, the output {out[out_pos[c]]}.")
        if c in out_pos and out[out_pos[c]] is None:
            out[out_pos[c]] = input_shape[in_pos[c]]
    for c in out_spec:
        if c not in in_spec and c not in w_spec:
            raise ValueError(f"{owner}: output dimension '{c}' of {equation!r} is in neither the input "
                             f"spec '{in_spec}' nor the weight spec '{w_spec}'.")
    kernel_shape, in_axes, out_axes = [], [], []
    for i, c in enumerate(w_spec):
        if c in out_pos:
            kernel_shape.append(out[out_pos[c]])
            out_axes.append(i)
        elif c in in_pos:
            kernel_shape.append(input_shape[in_pos[c]])
            in_axes.append(i)
        else:
            raise ValueError(f"{owner}: weight dimension '{c}' of {equation!r} is in neither the input "
                             f"spec '{in_spec}' nor the output spec '{out_spec}'.")
    if any(d is None for d in kernel_shape):
        raise ValueError(f"{owner}: the kernel shape {tuple(kernel_shape)} of {equation!r} has unknown "
                         f"sizes; give them in `output_shape` or in the input shape {input_shape}.")
    bias_shape = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(f"{owner}: bias dimension '{c}' was requested, but is not part of the "
                                 f"output spec '{out_spec}'.")
        shift = elided if elided_side == "left" else 0
        first = min(out_spec.find(c) for c in bias_axes)
        bias_shape = [out[i + shift] if c in bias_axes else 1 for i, c in enumerate(out_spec)
                      if i >= first]
        if elided_side == "right":
            bias_shape += [1] * elided
    return tuple(kernel_shape), None if bias_shape is None else tuple(bias_shape), tuple(out), in_axes, out_axes


class EinsumDense(Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)``.

    Args:
        equation: ``'<input>,<kernel>-><output>'``, e.g. ``'ab,bc->ac'`` (a Dense),
            ``'abc,cd->abd'`` (a Dense on the last axis of a sequence) or
            ``'abc,cde->abde'`` (a projection to heads); ``...`` may lead or trail.
        output_shape: the output's shape without the batch axis (an int for rank 2);
            None entries take the input's size.
        activation: name or callable (None: linear).
        bias_axes: letters of the output axes a bias is added along (None: no bias).
        kernel_initializer / bias_initializer, *_regularizer, *_constraint: as Keras.

    Weights: ``kernel`` (shaped by the kernel spec), ``bias`` (the output from the
    first bias axis on, 1 where an axis has no bias).

    Example:
        >>> EinsumDense("abc,cde->abde", output_shape=(None, 2, 8), bias_axes="de")(
        ...     np.zeros((4, 5, 16), "float32")).shape
        (4, 5, 2, 8)
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if lora_rank or quantization_config is not None:
            raise ValueError(f"EinsumDense '{self.name}': LoRA and quantization (lora_rank={lora_rank!r}, "
                             f"quantization_config={quantization_config!r}) are not supported by kerasette.")
        if not isinstance(equation, str) or not any(re.fullmatch(p, equation) for p, _ in _FORMS):
            raise ValueError(f"EinsumDense '{self.name}': invalid einsum equation {equation!r}. Equations "
                             f"must be in the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...")
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise ValueError(f"EinsumDense '{self.name}': `bias_axes` must be a string of output axis "
                             f"letters or None, got {bias_axes!r}.")
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.kernel = self.bias = None

    def _analyze(self, input_shape):
        return analyze_equation(self.equation, self.bias_axes, input_shape, self.partial_output_shape,
                                owner=f"EinsumDense '{self.name}'")

    def build(self, input_shape):
        kernel_shape, bias_shape, _, in_axes, out_axes = self._analyze(input_shape)
        self.input_spec = InputSpec(ndim=len(input_shape))
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling) and (init.input_axes is None
                                                                or init.output_axes is None):
            cfg = dict(init.get_config(), input_axes=in_axes, output_axes=out_axes)
            cfg["seed"] = init.seed
            init = type(init).from_config(cfg)  # fans over the contracted / produced axes, as Keras
        self.kernel = self.add_weight(kernel_shape, init, name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = self.add_weight(bias_shape, self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs):
        y = ops.einsum(self.equation, inputs, self.kernel.value)
        if self.bias is not None:
            y = ops.add(y, self.bias.value)
        return self.activation(y) if self.activation is not activations.linear else y

    def compute_output_shape(self, input_shape):
        return self._analyze(input_shape)[2]

    def get_config(self):
        return {**super().get_config(), "output_shape": self.partial_output_shape,
                "equation": self.equation, "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}
