"""Bridges to native modules: ``TorchModuleWrapper`` (a ``torch.nn.Module`` as a layer
on the torch engine), ``JaxLayer`` (a pure JAX function with parameters) and
``FlaxLayer`` (a Flax ``linen`` module) on the JAX engine.

The module's parameters become kerasette variables, so ``fit`` trains them (on JAX
inside the one jitted step), ``get_weights``/``save_weights`` hold them, and the
optimizer sees them like any layer's. These are the only layers that hold engine
objects; each refuses any other engine with an error that names both. The engine
calls themselves live in ``kerasette/backends/<engine>/module_bridge.py``.
"""
from __future__ import annotations

import base64
import importlib
import inspect

import numpy as np

from .. import config
from .layer import Layer


def _require(layer_name, engine):
    active = config.backend()
    if active != engine:
        raise ValueError(f"{layer_name} wraps a {'PyTorch' if engine == 'torch' else 'JAX'} module and needs "
                         f"the {engine} engine, but the active engine is {active!r}. Select it with "
                         f"KERASETTE_BACKEND={engine} (or kerasette.config.set_backend({engine!r})).")
    return importlib.import_module(f"kerasette.backends.{engine}.module_bridge")


def _constant(value):
    return lambda shape, dtype: np.asarray(value, dtype=dtype)


class TorchModuleWrapper(Layer):
    """Use a ``torch.nn.Module`` as a layer (torch engine only).

    Its parameters (trainable when they ``requires_grad``) and buffers (e.g.
    BatchNorm's running statistics, non-trainable) become the layer's variables;
    calls run ``torch.func.functional_call`` with their current values, in train
    mode when ``training``.

    Args:
        module: the module (materialized: run lazy modules once first).
        name: the layer's name.
        output_shape: optional, to skip a trial call when building symbolic graphs.

    Example:
        >>> model = Sequential([Input((4,)), TorchModuleWrapper(torch.nn.Linear(4, 2)), Dense(1)])
    """

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        super().__init__(name=name, **kwargs)
        bridge = _require(f"TorchModuleWrapper '{self.name}'", "torch")
        if not bridge.is_module(module):
            raise TypeError(f"TorchModuleWrapper '{self.name}': `module` must be a torch.nn.Module, "
                            f"got {type(module).__name__}.")
        self._bridge = bridge
        self._module = bridge.move(module, config.active().device)
        self._output_shape = output_shape
        self._names = []
        for path, tensor, trainable in bridge.module_tensors(self._module):
            value = tensor.cpu().numpy()
            self.add_weight(shape=value.shape, initializer=_constant(value), dtype=str(value.dtype),
                            trainable=trainable, name=path.replace(".", "_"))
            self._names.append(path)
        self.built = True

    @property
    def module(self):
        """The wrapped module, holding the layer's current (trained) values."""
        self._bridge.write_back(self._module, self._tensors())
        return self._module

    def _tensors(self):
        own = self._trainable_variables + self._non_trainable_variables
        by_name = {v.name: v for v in own}
        return {path: by_name[path.replace(".", "_")].value for path in self._names}

    def call(self, *args, training=None, **kwargs):
        return self._bridge.call_module(self._module, self._tensors(), args, kwargs, training)

    def compute_output_spec(self, *args, **kwargs):
        if self._output_shape is None:
            return super().compute_output_spec(*args, **kwargs)
        from .symbolic import KerasTensor
        return KerasTensor((args[0].shape[0],) + tuple(self._output_shape), self.compute_dtype)

    def get_config(self):
        data = base64.b64encode(self._bridge.dump(self.module)).decode("ascii")
        return {**super().get_config(), "module": data, "output_shape": self._output_shape}

    @classmethod
    def from_config(cls, config):
        from ..saving.serialization_lib import in_safe_mode
        config = dict(config)
        if isinstance(config.get("module"), str):
            if in_safe_mode():
                raise ValueError(f"TorchModuleWrapper '{config.get('name')}' stores its module as a pickle; "
                                 "loading it would run code from the file, which safe mode forbids. If you "
                                 "trust the file, load it with `load_model(..., safe_mode=False)`.")
            bridge = _require(f"TorchModuleWrapper '{config.get('name')}'", "torch")
            config["module"] = bridge.load(base64.b64decode(config["module"]))
        return cls(**config)


_CALL_ARGS = ("params", "state", "rng", "inputs", "training")


class JaxLayer(Layer):
    """Use a pure JAX function with parameters as a layer (JAX engine only).

    ``call_fn`` takes, by name, ``params`` and ``inputs`` and optionally ``state``,
    ``rng`` (a PRNG key, fresh each call) and ``training``; with ``state`` it returns
    ``(outputs, new_state)``, and the new state is kept after training calls. ``params`` (trainable) and ``state`` (non-trainable)
    are pytrees of arrays given directly, or made by ``init_fn(rng, inputs[,
    training])`` (returning ``params`` or ``(params, state)``) from a batch of
    zeros of the input shape when the layer is built.

    Example:
        >>> def call_fn(params, inputs):
        ...     return jnp.tanh(inputs @ params["w"] + params["b"])
        >>> layer = JaxLayer(call_fn, params={"w": w0, "b": b0})
    """

    def __init__(self, call_fn, init_fn=None, params=None, state=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self._bridge = _require(f"{type(self).__name__} '{self.name}'", "jax")
        if params is None and init_fn is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': give `params` or an `init_fn` to make them.")
        self.call_fn, self.init_fn, self.seed = call_fn, init_fn, seed
        self._call_args = self._signature(call_fn, "call_fn")
        from ..random import SeedGenerator
        self.seed_generator = SeedGenerator(seed)
        self._params_def = self._state_def = None
        if params is not None:
            self._adopt(params, state)

    def _signature(self, fn, what):
        names = [n for n in inspect.signature(fn).parameters if n in _CALL_ARGS]
        if what == "call_fn" and not {"params", "inputs"} <= set(names):
            raise ValueError(f"{type(self).__name__} '{self.name}': `call_fn` must take arguments named "
                             f"`params` and `inputs` (and optionally state, rng, training); it takes "
                             f"{list(inspect.signature(fn).parameters)}.")
        return names

    def _adopt(self, params, state):
        leaves, self._params_def = self._bridge.flatten(params)
        self._param_vars = [self.add_weight(shape=a.shape, initializer=_constant(a), dtype=str(a.dtype),
                                            trainable=True, name=f"param_{i}") for i, a in enumerate(leaves)]
        leaves, self._state_def = self._bridge.flatten(state)
        self._state_vars = [self.add_weight(shape=a.shape, initializer=_constant(a), dtype=str(a.dtype),
                                            trainable=False, name=f"state_{i}") for i, a in enumerate(leaves)]
        self.built = True

    def build(self, input_shape):
        if self.built:
            return
        b = config.active()
        inputs = b.zeros(tuple(1 if d is None else d for d in input_shape))
        args = {"rng": self._bridge.key(0 if self.seed is None else self.seed), "inputs": inputs,
                "training": False}
        made = self.init_fn(**{n: args[n] for n in self._signature(self.init_fn, "init_fn")
                               if n in args})
        params, state = made if isinstance(made, tuple) and len(made) == 2 and "state" in self._call_args \
            else (made, None)
        self._adopt(params, state)

    def call(self, inputs, training=None):
        params = self._bridge.unflatten(self._params_def, [v.value for v in self._param_vars])
        state = self._bridge.unflatten(self._state_def, [v.value for v in self._state_vars])
        args = {"params": params, "state": state, "inputs": inputs, "training": bool(training)}
        if "rng" in self._call_args:
            args["rng"] = self._bridge.key(self.seed_generator.next())
        out = self.call_fn(**{n: args[n] for n in self._call_args})
        if "state" in self._call_args:
            out, new_state = out
            if training:  # kept from training calls only, as BatchNormalization's statistics
                for var, value in zip(self._state_vars, self._bridge.leaves(new_state)):
                    var.assign(value)
        return out

    def get_config(self):
        from ..saving.serialization_lib import serialize_function
        return {**super().get_config(), "call_fn": serialize_function(self.call_fn),
                "init_fn": None if self.init_fn is None else serialize_function(self.init_fn), "seed": self.seed}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.serialization_lib import deserialize_function
        config = dict(config)
        owner = f"{cls.__name__} {config.get('name')!r}"
        config["call_fn"] = deserialize_function(config["call_fn"], owner, custom_objects)
        if config.get("init_fn") is not None:
            config["init_fn"] = deserialize_function(config["init_fn"], owner, custom_objects)
        return cls(**config)


class FlaxLayer(JaxLayer):
    """Use a Flax ``linen`` module as a layer (JAX engine only; needs ``flax``).

    Its ``params`` collection is trainable; other collections (e.g. ``batch_stats``)
    are non-trainable state updated by the call (``mutable``). ``method`` names the
    module method to call (default ``__call__``); ``training`` is passed to it when
    it takes that argument, and an ``rngs={"dropout": ...}`` key when training.

    Example:
        >>> layer = FlaxLayer(MyFlaxMLP(features=16))
    """

    def __init__(self, module, method=None, variables=None, **kwargs):
        self.module, self.method = module, method
        fn = getattr(type(module), method or "__call__")
        self._takes_training = "training" in inspect.signature(fn).parameters

        def init_fn(rng, inputs):
            return self._split(module.init({"params": rng, "dropout": rng}, inputs, **self._kw(False)))

        def call_fn(params, state, rng, inputs, training):
            variables = {"params": params, **(state or {})}
            kw = {**self._kw(training), "rngs": {"dropout": rng}}
            if state:
                out, updates = module.apply(variables, inputs, method=self.method, mutable=list(state), **kw)
                return out, {**state, **updates}
            return module.apply(variables, inputs, method=self.method, **kw), state

        params, state = self._split(variables) if variables is not None else (None, None)
        super().__init__(call_fn, init_fn=init_fn, params=params, state=state, **kwargs)

    def _kw(self, training):
        return {"training": training} if self._takes_training else {}

    @staticmethod
    def _split(variables):
        variables = dict(variables)
        params = variables.pop("params")
        return params, (variables or None)

    def get_config(self):
        raise NotImplementedError("FlaxLayer cannot be saved in a config (a Flax module is arbitrary Python); "
                                  "save the weights with save_weights and rebuild the layer in code.")
