"""``Input()`` and ``InputLayer``: the entry points of a functional graph."""
from __future__ import annotations

from .. import config
from .layer import Layer
from .symbolic import KerasTensor, Node


class InputLayer(Layer):
    """A placeholder layer whose output is the symbolic input tensor.

    Args:
        shape: the shape without the batch dimension, e.g. ``(784,)``.
        batch_size: an optional fixed batch size.
        dtype: the input dtype (floatx by default).
        batch_shape: the full shape, batch included (alternative to ``shape``).
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=False, batch_shape=None,
                 input_tensor=None, name=None, **kwargs):
        for old in ("input_shape", "batch_input_shape"):
            if old in kwargs:
                value = kwargs.pop(old)
                if old == "input_shape":
                    shape = value
                else:
                    batch_shape = value
        # 'string' inputs feed the host-side preprocessing layers (StringLookup, TextVectorization)
        super().__init__(name=name, dtype=None if dtype == "string" else dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError(f"InputLayer '{self.name}': give `shape` (without the batch dimension) "
                                 f"or `batch_shape`.")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self._input_dtype = dtype or config.floatx()
        self.built = True
        tensor = input_tensor or KerasTensor(self.batch_shape, self._input_dtype, name=self.name)
        node = Node(self, (), {}, tensor)
        self._inbound_nodes.append(node)
        self.output_tensor = tensor

    @property
    def dtype(self):
        return self._input_dtype

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self._input_dtype,
                "sparse": False, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=False, batch_shape=None, name=None,
          tensor=None):
    """A symbolic input tensor for the functional API.

    Example:
        >>> x = Input(shape=(784,))
        >>> y = Dense(10)(x)
        >>> model = Model(x, y)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor)
    return layer.output_tensor
