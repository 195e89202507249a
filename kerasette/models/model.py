"""``Model``: a functional graph (``Model(inputs, outputs)``) or a subclass with ``call``.

A functional model sorts its nodes topologically once, at construction;
calling it walks that flat list, substituting values for symbolic tensors and
carrying masks from the layers that make them to the layers that take them.
"""
from __future__ import annotations

import warnings


from .. import config
from ..layers import layer as _layer_mod
from ..layers.input_layer import InputLayer
from ..layers.layer import Layer
from ..layers.symbolic import KerasTensor, flatten, map_structure
from ..trainer import Trainer
from .model_api import ModelAPI


_DEPTH = [0]  # models being called (0: the next model call is a top-level one)


class Model(ModelAPI, Trainer, Layer):
    """Groups layers into an object with training and inference features.

    Functional: ``Model(inputs=x, outputs=y)`` where ``x``/``y`` are symbolic
    tensors (or lists/dicts of them). Subclassed: override ``call``.

    Example:
        >>> inputs = Input(shape=(784,))
        >>> outputs = Dense(10, activation="softmax")(Dense(32, activation="relu")(inputs))
        >>> model = Model(inputs=inputs, outputs=outputs)
    """

    @property
    def _convert_input_args(self):
        # Functional and Sequential models leave input autocasting to their layers (as
        # Keras); a subclassed model's ``call`` gets its inputs in its compute dtype.
        return self.__dict__.get("_graph") is None and "_stack" not in self.__dict__

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", None)
        outputs = kwargs.pop("outputs", None)
        if len(args) >= 1 and inputs is None:
            inputs = args[0]
        if len(args) >= 2 and outputs is None:
            outputs = args[1]
        Layer.__init__(self, **{k: v for k, v in kwargs.items() if k in ("name", "trainable", "dtype")})
        Trainer.__init__(self)
        self._graph = None
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("A functional Model needs both `inputs` and `outputs`.")
            self._init_graph(inputs, outputs)

    # ------------------------------------------------------------ graph
    def _init_graph(self, inputs, outputs):
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._input_tensors = flatten(inputs)
        self._output_tensors = flatten(outputs)
        for t in self._input_tensors + self._output_tensors:
            if not isinstance(t, KerasTensor):
                raise ValueError(f"Model '{self.name}': inputs and outputs must be symbolic tensors "
                                 f"(from Input() and layer calls), got {type(t).__name__}.")
        input_ids = {t._id for t in self._input_tensors}
        nodes = _topological_nodes(self._output_tensors, input_ids, self.name)
        used = {t._id for n in nodes for t in n.input_tensors} | {t._id for t in self._output_tensors}
        for t in self._input_tensors:
            if t._id not in used:
                warnings.warn(f"Model '{self.name}': input '{t.name}' is not used by any output.",
                              stacklevel=3)
        layers = [t._node.layer for t in self._input_tensors]
        for n in nodes:
            if n.layer not in layers:
                layers.append(n.layer)
        names = {}
        for layer in layers:
            if layer.name in names and names[layer.name] is not layer:
                raise ValueError(f"Model '{self.name}': two layers are named '{layer.name}'; "
                                 f"layer names in a model must be unique.")
            names[layer.name] = layer
        self._graph_nodes = nodes
        self._graph = [_Step(n) for n in nodes]
        self.__dict__["_graph_layers"] = layers  # not as owner: functional layers keep their paths
        for layer in layers:
            if layer not in self._layers:
                self._layers.append(layer)
        self.built = True
        self._backend = next((l._backend for l in layers if l._backend is not None), None)

    @property
    def layers(self):
        """The model's layers (functional: input layers first, in graph order)."""
        if self._graph is not None:
            return list(self._graph_layers)
        return list(self._layers)

    @property
    def inputs(self):
        return list(self._input_tensors) if self._graph is not None else None

    @property
    def outputs(self):
        return list(self._output_tensors) if self._graph is not None else None

    @property
    def input(self):
        if self._graph is not None:
            return self._inputs_struct
        return Layer.input.fget(self)

    @property
    def output(self):
        if self._graph is not None:
            return self._outputs_struct
        return Layer.output.fget(self)

    @property
    def input_shape(self):
        """The input shape, ``(None, ...)``; a list of them for several inputs."""
        return self._shapes(self._input_tensors, "input")

    @property
    def output_shape(self):
        """The output shape, ``(None, ...)``; a list of them for several outputs."""
        return self._shapes(self._output_tensors, "output")

    def _shapes(self, tensors, what):
        if self._graph is None:
            raise AttributeError(f"Model '{self.name}' is subclassed and has no fixed {what} shape; "
                                 f"call it on data (or build it) and read the result's shape.")
        shapes = [tuple(t.shape) for t in tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    def to_json(self, **kwargs):
        """The architecture as JSON (``json.dumps`` arguments pass through); see ``model_from_json``."""
        from .cloning import model_to_json
        return model_to_json(self, **kwargs)

    @property
    def input_names(self):
        return [t.name for t in self._input_tensors] if self._graph is not None else []

    @property
    def output_names(self):
        """Names of the output layers, used to key multi-output losses and logs."""
        if self._graph is None:
            return []
        return [t._node.layer.name for t in self._output_tensors]

    def get_layer(self, name=None, index=None):
        """The layer called ``name`` (or at ``index`` in ``layers``)."""
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Model '{self.name}' has layers "
                         f"{[l.name for l in self.layers]}.")

    # ------------------------------------------------------------- calling
    def __call__(self, *args, **kwargs):
        # A call from outside any model starts afresh: the losses that the previous
        # call added (``add_loss``) are dropped first, as Keras does.
        if _DEPTH[0] == 0 and _layer_mod._LOSSES_ADDED[0]:
            self._clear_call_losses()
        _DEPTH[0] += 1
        try:
            return Layer.__call__(self, *args, **kwargs)
        finally:
            _DEPTH[0] -= 1

    def call(self, inputs, training=None, mask=None):
        if self._graph is None:
            raise NotImplementedError(f"Model '{self.name}' has no graph: subclasses of Model must "
                                      f"override `call`, or pass `inputs` and `outputs`.")
        return self._run_graph(inputs, training, mask)

    def _run_graph(self, inputs, training=None, mask=None):
        values = {}
        masks = {}
        flat = self._match_inputs(inputs)
        for t, v in zip(self._input_tensors, flat):
            values[t._id] = v
        if mask is not None:
            for t, m in zip(self._input_tensors, flatten(mask)):
                if m is not None:
                    masks[t._id] = m
        for step in self._graph:
            step.run(values, masks, training)
        return map_structure(lambda t: values[t._id], self._outputs_struct)

    def _match_inputs(self, inputs):
        n = len(self._input_tensors)
        if isinstance(inputs, dict):
            if isinstance(self._inputs_struct, dict):
                keys = sorted(self._inputs_struct, key=str)
            else:
                keys = [t.name for t in self._input_tensors]
            missing = [k for k in keys if k not in inputs]
            if missing:
                raise ValueError(f"Model '{self.name}': missing input(s) {missing}; "
                                 f"got keys {sorted(inputs)}.")
            return [inputs[k] for k in keys]
        flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != n:
            raise ValueError(f"Model '{self.name}' expects {n} input(s) "
                             f"({[t.name for t in self._input_tensors]}), but it received "
                             f"{len(flat)} input tensors.")
        return flat

    def compute_output_spec(self, *args, **kwargs):
        if self._graph is None:
            return Layer.compute_output_spec(self, *args, **kwargs)
        first = args[0] if args else next(iter(kwargs.values()))
        batch = flatten(first)[0].shape[0] if flatten(first) else None
        return map_structure(lambda t: KerasTensor((batch,) + tuple(t.shape[1:]), t.dtype),
                             self._outputs_struct)

    def compute_output_shape(self, input_shape):
        if self._graph is None:
            return Layer.compute_output_shape(self, input_shape)
        return map_structure(lambda t: t.shape, self._outputs_struct)

    def build(self, input_shape=None):
        """Build a subclassed model by calling it once on zeros of ``input_shape``."""
        if self.built or input_shape is None:
            self.built = True
            return
        b = config.active()

        def zeros(shape):
            return b.zeros(tuple(1 if d is None else d for d in shape), config.floatx())

        self.built = True
        self.__call__(map_structure(zeros, input_shape) if isinstance(input_shape, list)
                      else zeros(input_shape), training=False)
        self._clear_call_losses()

    def _build_for_shapes(self, shapes):
        # A subclassed model builds its sub-layers by running ``call`` itself.
        self.built = True

    def build_from_config(self, build_config):
        """Rebuild a subclassed model from ``get_build_config()`` by calling it once."""
        shape = (build_config or {}).get("input_shape")
        if self._graph is not None or shape is None or (self.built and self._layers_built()):
            return
        self.built = False
        if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
            shape = [tuple(s) for s in shape]
        else:
            shape = tuple(shape)
        self.build(shape)

    # ------------------------------------------------------------- config
    def get_config(self):
        if self._graph is None:
            return {"name": self.name, "trainable": self.trainable}
        from .graph_config import functional_config
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if "layers" in config:
            from .graph_config import functional_from_config
            return functional_from_config(cls, config, custom_objects)
        return cls(**config)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print a table of the layers, their output shapes and parameter counts."""
        from ..utils.summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    # ------------------------------------------------------------- saving
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save the model to a ``.keras`` file (Keras 3's format; see ``kerasette.saving``)."""
        from ..saving import save_model
        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights (and optimizer state) to a ``.weights.h5`` file."""
        from ..saving import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights from a ``.weights.h5`` or ``.keras`` file into this built model."""
        from ..saving import load_weights
        load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def get_compile_config(self):
        """The ``compile()`` arguments as Keras 3's ``compile_config`` (None if not compiled)."""
        from ..saving.compile_config import get_compile_config
        return get_compile_config(self)

    def compile_from_config(self, config):
        """``compile()`` with the arguments of ``get_compile_config()``'s dict."""
        from ..saving.compile_config import compile_from_config
        compile_from_config(self, config)


class _Step:
    """One node of a functional graph, prepared for fast replay."""

    __slots__ = ("layer", "args", "kwargs", "in_ids", "out_ids", "simple", "masking", "single_out")

    def __init__(self, node):
        self.layer = node.layer
        self.args = node.args
        self.kwargs = node.kwargs
        self.in_ids = [t._id for t in node.input_tensors]
        self.out_ids = [t._id for t in node.output_tensors]
        self.single_out = isinstance(node.outputs, KerasTensor)
        self.simple = (len(node.args) == 1 and isinstance(node.args[0], KerasTensor) and not node.kwargs)
        layer = node.layer
        self.masking = layer._call_takes_mask or layer.supports_masking or \
            type(layer).compute_mask is not Layer.compute_mask

    def run(self, values, masks, training):
        layer = self.layer
        if self.simple:
            args = (values[self.in_ids[0]],)
            kwargs = {}
        else:
            sub = lambda t: values[t._id] if isinstance(t, KerasTensor) else t  # noqa: E731
            args = map_structure(sub, list(self.args))
            kwargs = {k: map_structure(sub, v) for k, v in self.kwargs.items()}
        in_mask = None
        if masks and self.masking:
            in_masks = [masks.get(i) for i in self.in_ids]
            if any(m is not None for m in in_masks):
                in_mask = in_masks[0] if len(in_masks) == 1 else in_masks
                if layer._call_takes_mask and "mask" not in kwargs:
                    kwargs["mask"] = in_mask
        if training is not None:
            kwargs["training"] = training
        out = layer(*args, **kwargs)
        if self.single_out:
            values[self.out_ids[0]] = out
        else:
            for i, o in zip(self.out_ids, flatten(out)):
                values[i] = o
        if self.masking:
            out_mask = layer.compute_mask(args[0] if len(args) == 1 else args, in_mask)
            if out_mask is not None:
                for i, m in zip(self.out_ids, out_mask if isinstance(out_mask, (list, tuple)) else [out_mask]):
                    if m is not None:
                        masks[i] = m


def _topological_nodes(output_tensors, input_ids, model_name):
    """Nodes between the inputs and the outputs, each after the nodes it reads."""
    order, state = [], {}
    stack = [(t._node, False) for t in reversed(output_tensors)]
    for t in output_tensors:
        if t._node is None:
            raise ValueError(f"Model '{model_name}': output {t} was not produced by a layer.")
    while stack:
        node, done = stack.pop()
        if done:
            if state.get(id(node)) != 2:
                state[id(node)] = 2
                order.append(node)
            continue
        if state.get(id(node)):
            continue
        state[id(node)] = 1
        if isinstance(node.layer, InputLayer):
            t = node.output_tensors[0]
            if t._id not in input_ids:
                raise ValueError(f"Model '{model_name}': an output depends on the input "
                                 f"'{t.name}' (shape {t.shape}), which is not among the model's "
                                 f"`inputs`.")
            state[id(node)] = 2
            continue
        stack.append((node, True))
        for t in reversed(node.input_tensors):
            if t._id in input_ids:
                continue
            if t._node is None:
                raise ValueError(f"Model '{model_name}': tensor {t} has no producing layer.")
            if not state.get(id(t._node)):
                stack.append((t._node, False))
    return order
