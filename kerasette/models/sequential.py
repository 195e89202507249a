"""``Sequential``: a linear stack of layers.

With an input shape (an ``Input``/``InputLayer`` first, or ``input_shape=`` on
the first layer), the stack is built as soon as layers are added, so shapes
are inferred and ``summary()`` works; without one it builds on its first call,
``fit`` or ``predict``, from the data's shape.
"""
from __future__ import annotations

from .. import config
from ..layers.input_layer import InputLayer
from ..layers.layer import Layer
from ..layers.symbolic import KerasTensor
from .model import Model


class Sequential(Model):
    """A model made of a list of single-input, single-output layers.

    Example:
        >>> model = Sequential([Dense(32, activation="relu", input_shape=(784,)), Dense(10)])
        >>> model.add(Dense(1))
    """

    def __init__(self, layers=None, trainable=True, name=None):
        Model.__init__(self, trainable=trainable, name=name)
        self._stack = []
        self._input_layer = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build_graph()

    def add(self, layer, rebuild=True):
        """Append a layer (or an ``Input`` tensor, which sets the input shape)."""
        if isinstance(layer, KerasTensor) and isinstance(layer._node.layer, InputLayer):
            layer = layer._node.layer
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential '{self.name}' can only add layers, got {type(layer).__name__}.")
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError(f"Sequential '{self.name}': an Input can only be the first layer.")
            self._input_layer = layer
        else:
            if any(l is layer for l in self._stack):
                raise ValueError(f"Sequential '{self.name}': layer '{layer.name}' was already added.")
            names = {l.name for l in self._stack}
            if layer.name in names:
                raise ValueError(f"Sequential '{self.name}': two layers are named '{layer.name}'; "
                                 f"layer names must be unique.")
            if not self._stack and self._input_layer is None and layer._batch_input_shape is not None:
                self._input_layer = InputLayer(batch_shape=layer._batch_input_shape,
                                               name=f"{layer.name}_input")
            self._stack.append(layer)
            self._layers.append(layer)
            self._adopt(layer)
        self._graph = None
        self.built = False
        if rebuild:
            self._maybe_build_graph()

    def pop(self):
        """Remove the last layer."""
        if not self._stack:
            raise TypeError(f"Sequential '{self.name}' has no layers to pop.")
        layer = self._stack.pop()
        self._layers.remove(layer)
        self._graph = None
        self.built = False
        self._maybe_build_graph()
        return layer

    def _maybe_build_graph(self):
        if self._input_layer is None or not self._stack:
            return
        x = inputs = self._input_layer.output_tensor
        for layer in self._stack:
            x = layer(x)
        saved = list(self._layers)
        self._init_graph(inputs, x)
        self._layers[:] = saved

    @property
    def layers(self):
        return list(self._stack)

    def build(self, input_shape=None):
        """Build the stack for ``input_shape`` (batch dimension included)."""
        if self._graph is not None:
            return
        if input_shape is None:
            raise ValueError(f"Sequential '{self.name}' has no input shape yet; give one to build(), "
                             f"add an Input first, or call the model on data.")
        self._input_layer = InputLayer(batch_shape=tuple(input_shape), name=f"{self.name}_input")
        self._maybe_build_graph()

    def call(self, inputs, training=None, mask=None):
        if self._graph is not None:
            return self._run_graph(inputs, training, mask)
        x = inputs
        for layer in self._stack:
            kwargs = {} if training is None else {"training": training}
            if mask is not None and layer._call_takes_mask:
                kwargs["mask"] = mask
            y = layer(x, **kwargs)
            mask = layer.compute_mask(x, mask)
            x = y
        return x

    def __call__(self, *args, **kwargs):
        if self._graph is None and self._input_layer is None and args and \
                not isinstance(args[0], (KerasTensor, list, tuple, dict)):
            b = config._active or config.active()
            x = args[0]
            shape = tuple(b.shape(x)) if b.is_array(x) else tuple(getattr(x, "shape", ()))
            if shape:
                self.build((None,) + shape[1:])
        return Model.__call__(self, *args, **kwargs)

    @property
    def input_shape(self):
        if self._input_layer is None:
            raise AttributeError(f"Sequential '{self.name}' has no defined input shape yet.")
        return self._input_layer.batch_shape

    @property
    def output_shape(self):
        if self._graph is None:
            raise AttributeError(f"Sequential '{self.name}' is not built yet.")
        return self._output_tensors[0].shape

    def get_config(self):
        from .graph_config import sequential_config
        return sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .graph_config import sequential_from_config
        return sequential_from_config(cls, config, custom_objects)
