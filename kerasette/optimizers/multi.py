"""``OptimizerMap`` and ``MultiOptimizer``: one optimizer per group of variables (Keras 3's).

``OptimizerMap`` maps variable paths (exact, else regular expressions matched
whole with ``re.fullmatch``) to optimizers, with a default for the rest.
``MultiOptimizer`` builds each inner optimizer on its own variables and, at
every ``apply``, hands each its gradients; its own ``iterations`` counts the
steps. Its ``variables`` (own iteration, then each inner optimizer's) are what
the trainer's pure step threads.
"""
from __future__ import annotations

import re
from collections.abc import MutableMapping

from .. import ops
from .base import Optimizer
from .loss_scale import LossScaleOptimizer


def _check_inner(optimizer, what):
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"{what} must be a kerasette Optimizer instance. Received: {optimizer!r}")
    if isinstance(optimizer, LossScaleOptimizer):
        raise ValueError(f"{what} cannot be a LossScaleOptimizer (wrap the MultiOptimizer instead).")
    if isinstance(optimizer, MultiOptimizer):
        raise ValueError(f"{what} cannot be a MultiOptimizer.")


class OptimizerMap(MutableMapping):
    """Variable path (or regex) -> ``Optimizer``, with ``default_optimizer`` for the rest.

    Args:
        default_optimizer: the optimizer of unmatched variables.
        optimizer_map: an initial dict ``{path or regex: optimizer}``.

    Example:
        >>> m = OptimizerMap(SGD(), {"encoder/.*": Adam()})
        >>> m["encoder/dense/kernel"].name, m["head/kernel"].name
        ('adam', 'sgd')
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError("default_optimizer must be a kerasette Optimizer instance. "
                            f"Received: {default_optimizer!r}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map!r}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for key, opt in (optimizer_map or {}).items():
            self[key] = opt

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        """The optimizer of path ``key``: an exact key, else the one regex that
        matches it whole, else ``default_optimizer`` (several matches: ValueError)."""
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matches = [p for p in self._optimizer_map if re.fullmatch(p, key)]
        if len(matches) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key!r} (patterns {matches}).")
        return self._optimizer_map[matches[0]] if matches else self._default_optimizer

    def __setitem__(self, key, optimizer):
        if not isinstance(key, str):
            raise ValueError(f"OptimizerMap: a key must be a string. Received: {key!r}")
        if key in self._optimizer_map:
            raise ValueError(f"{key!r} already exists in the OptimizerMap with value "
                             f"{self._optimizer_map[key]}; keys must not repeat.")
        _check_inner(optimizer, f"OptimizerMap[{key!r}]")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[variable.path]

    def get_config(self):
        from . import serialize
        return {"default_optimizer": serialize(self._default_optimizer),
                "optimizer_map": {k: serialize(v) for k, v in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize

        def load(c):
            return deserialize(c, custom_objects) if isinstance(c, dict) else c
        mapping = config.get("optimizer_map") or {}
        if isinstance(mapping, dict) and "class_name" in mapping and "config" in mapping:
            mapping = mapping["config"]  # a serialized dict (Keras writes the plain dict)
        return cls(load(config["default_optimizer"]), {k: load(v) for k, v in mapping.items()})


class MultiOptimizer(Optimizer):
    """Delegates each variable to its own optimizer.

    Args:
        optimizer_map: an ``OptimizerMap``, or a callable ``variable -> Optimizer``.
        loss_scale_factor: set on every inner optimizer (gradients divided by it).
        name: the optimizer's name.

    ``learning_rate`` is not defined (each inner optimizer has its own: see
    ``optimizers``).

    Example:
        >>> opt = MultiOptimizer(OptimizerMap(SGD(0.1), {"encoder/.*": Adam()}))
        >>> model.compile(optimizer=opt, loss="mse")
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        if not (isinstance(optimizer_map, OptimizerMap) or callable(optimizer_map)):
            raise ValueError("MultiOptimizer: `optimizer_map` must be an OptimizerMap or a "
                             f"callable variable -> Optimizer. Received: {optimizer_map!r}")
        self._inner_optimizers = []
        super().__init__(learning_rate=0.0, name=name, loss_scale_factor=loss_scale_factor)
        self._optimizer_map = optimizer_map
        if isinstance(optimizer_map, OptimizerMap):
            for opt in list(optimizer_map.values()) + [optimizer_map.default_optimizer]:
                self._add_inner(opt)
        self._groups = []

    def _add_inner(self, opt):
        if all(opt is not o for o in self._inner_optimizers):
            opt.loss_scale_factor = self.loss_scale_factor
            self._inner_optimizers.append(opt)

    @property
    def optimizers(self):
        """The inner optimizers."""
        return self._inner_optimizers

    @property
    def loss_scale_factor(self):
        return self.__dict__.get("_loss_scale_factor")

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self.__dict__["_loss_scale_factor"] = value
        for opt in self.__dict__.get("_inner_optimizers", ()):
            opt.loss_scale_factor = value

    @property
    def learning_rate(self):
        raise AttributeError("Learning rate cannot be accessed on a MultiOptimizer. Access the "
                             "learning rate on the individual sub-optimizers instead.")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError("Learning rate cannot be set on a MultiOptimizer. Set the learning "
                             "rate on the individual sub-optimizers instead.")

    def build(self, var_list):
        """Assign each variable to its optimizer and build each on its variables."""
        if self.built:
            return
        self._ensure_state()
        var_list = list(var_list)
        owner = []
        for var in var_list:
            opt = self._optimizer_map(var)
            _check_inner(opt, f"The optimizer of variable {getattr(var, 'path', var.name)!r}")
            self._add_inner(opt)
            owner.append(next(k for k, o in enumerate(self._inner_optimizers) if o is opt))
        self._groups = [[i for i, k in enumerate(owner) if k == j]
                        for j in range(len(self._inner_optimizers))]
        for opt, idx in zip(self._inner_optimizers, self._groups):
            if idx:
                opt.build([var_list[i] for i in idx])
        self._trainable_variables = var_list
        self._index = {id(v): i for i, v in enumerate(var_list)}
        self.built = True

    @property
    def variables(self):
        """Own ``iteration`` (its learning rate is unused), then each inner optimizer's."""
        self._ensure_state()
        out = [self._iterations]
        for opt in self._inner_optimizers:
            out.extend(opt.variables)
        return out

    def apply(self, grads, trainable_variables=None):
        """Give each inner optimizer the gradients of its variables; advance ``iterations``."""
        if len(grads) == 0:
            return
        trainable_variables = self._apply_targets(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError("Gradients must match trainable variables one-to-one. Received "
                             f"{len(grads)} gradients and {len(trainable_variables)} variables.")
        positions = [self._get_variable_index(v) for v in trainable_variables]
        where = {p: k for k, p in enumerate(positions)}
        for opt, idx in zip(self._inner_optimizers, self._groups):
            mine = [where[i] for i in idx if i in where]
            if mine:
                opt.apply([grads[k] for k in mine], [trainable_variables[k] for k in mine])
        it = self._iterations
        self._write(it, ops.add(it.value, ops.ones_like(it.value)))

    def _pure_optimizers(self):
        return list(self._inner_optimizers)

    def finalize_variable_values(self, var_list):
        var_list = list(var_list)
        for opt, idx in zip(self._inner_optimizers, self._groups):
            if idx:
                opt.finalize_variable_values([var_list[i] for i in idx])

    def get_config(self):
        m = self._optimizer_map
        if isinstance(m, OptimizerMap):
            m = {"module": "keras.optimizers", "class_name": "OptimizerMap",
                 "config": m.get_config(), "registered_name": None}
        else:
            m = {"class_name": "function", "config": getattr(m, "__name__", repr(m))}
        return {"optimizer_map": m, "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        m = config["optimizer_map"]
        if isinstance(m, dict) and m.get("class_name") == "OptimizerMap":
            config["optimizer_map"] = OptimizerMap.from_config(m["config"], custom_objects)
        elif isinstance(m, dict):
            fn = (custom_objects or {}).get(m.get("config"))
            if fn is None:
                raise ValueError(f"MultiOptimizer: cannot restore the selector function "
                                 f"{m.get('config')!r}; pass it in `custom_objects`.")
            config["optimizer_map"] = fn
        return cls(**config)


__all__ = ["OptimizerMap", "MultiOptimizer"]
