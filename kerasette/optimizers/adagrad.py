"""Adagrad and Adadelta, as ``keras.optimizers.Adagrad`` / ``Adadelta``."""
from __future__ import annotations

from .. import config
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

    def _hyper(self):
        return (self.epsilon,)

    def _rule(self, K, g, x, slots, c, h):
        acc = K.add(slots[0], K.square(g))
        step = K.divide(K.multiply(g, c[0]), K.sqrt(K.add(acc, h[0])))
        return K.subtract(x, step), (acc,)

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

    def _hyper(self):
        return (self.rho, 1.0 - self.rho, self.epsilon)

    def _rule(self, K, g, x, slots, c, h):
        rho, one_minus_rho, eps = h
        ag = K.add(K.multiply(slots[0], rho), K.multiply(K.square(g), one_minus_rho))
        delta = K.divide(K.multiply(K.sqrt(K.add(slots[1], eps)), g), K.sqrt(K.add(ag, eps)))
        ad = K.add(K.multiply(slots[1], rho), K.multiply(K.square(delta), one_minus_rho))
        return K.subtract(x, K.multiply(delta, c[0])), (ag, ad)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"rho": self.rho, "epsilon": self.epsilon})
        return cfg
