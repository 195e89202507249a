"""Adagrad and Adadelta, as ``keras.optimizers.Adagrad`` / ``Adadelta``."""
from __future__ import annotations

from .. import config, ops
from .base import Optimizer


class Adagrad(Optimizer):
    """Per-parameter rates scaled by the sum of all past squared gradients.

    Per step: ``acc += g**2``; ``w -= lr * g / sqrt(acc + epsilon)``.

    Args:
        learning_rate: float or schedule (default 0.001).
        initial_accumulator_value: starting value of ``acc``.
        epsilon: added inside the square root.
        **kwargs: the base ``Optimizer`` arguments.

    Example:
        >>> opt = Adagrad(learning_rate=0.01)
    """

    _has_rule = True

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = config.epsilon() if epsilon is None else epsilon

    def _slot_groups(self):
        return [[("accumulator", float(self.initial_accumulator_value))]]

    def _rule(self, g, x, slots, c):
        acc = ops.add(slots[0], ops.square(g))
        step = ops.divide(ops.multiply(g, c[0]), ops.sqrt(ops.add(acc, self.epsilon)))
        return ops.subtract(x, step), (acc,)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"initial_accumulator_value": self.initial_accumulator_value,
                    "epsilon": self.epsilon})
        return cfg


class Adadelta(Optimizer):
    """Adadelta: steps scaled by running RMS of past updates over RMS of gradients.

    Per step: ``ag = rho * ag + (1 - rho) * g**2``; ``d = sqrt(ad + eps) * g /
    sqrt(ag + eps)``; ``ad = rho * ad + (1 - rho) * d**2``; ``w -= lr * d``.

    Args:
        learning_rate: float or schedule (default 0.001).
        rho: decay rate of both running averages.
        epsilon: added inside the square roots.
        **kwargs: the base ``Optimizer`` arguments.

    Example:
        >>> opt = Adadelta(learning_rate=1.0, rho=0.95)
    """

    _has_rule = True

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = rho
        self.epsilon = config.epsilon() if epsilon is None else epsilon

    def _slot_groups(self):
        return [[("accumulated_grad", "zeros"), ("accumulated_delta_var", "zeros")]]

    def _rule(self, g, x, slots, c):
        rho, eps = self.rho, self.epsilon
        ag = ops.add(ops.multiply(slots[0], rho), ops.multiply(ops.square(g), 1.0 - rho))
        delta = ops.divide(ops.multiply(ops.sqrt(ops.add(slots[1], eps)), g),
                           ops.sqrt(ops.add(ag, eps)))
        ad = ops.add(ops.multiply(slots[1], rho), ops.multiply(ops.square(delta), 1.0 - rho))
        return ops.subtract(x, ops.multiply(delta, c[0])), (ag, ad)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"rho": self.rho, "epsilon": self.epsilon})
        return cfg
