"""FTRL-Proximal, as ``keras.optimizers.Ftrl``."""
from __future__ import annotations

from .base import Optimizer


class Ftrl(Optimizer):
    """Follow The Regularized Leader (McMahan et al., 2013), Keras's variant.

    With ``p = -learning_rate_power`` (0.5 by default), per step:
    ``g' = g + 2 * l2_shrinkage * w``; ``n_new = n + g**2``;
    ``z += g' - (n_new**p - n**p) / lr * w``;
    ``w = (clip(z, -l1, l1) - z) / (n_new**p / lr + 2 * (l2 + beta / (2 * lr)))``;
    ``n = n_new``. So ``w`` is 0 wherever ``|z| <= l1``.

    Args:
        learning_rate: float or schedule (default 0.001).
        learning_rate_power: how the per-coordinate rate shrinks, ``<= 0``
            (0: a fixed rate).
        initial_accumulator_value: starting value of ``n``, ``>= 0``.
        l1_regularization_strength: L1 strength ``l1``, ``>= 0``.
        l2_regularization_strength: L2 (stabilization) strength ``l2``, ``>= 0``.
        l2_shrinkage_regularization_strength: an L2 penalty on the weights'
            magnitude, added to the gradient, ``>= 0``.
        beta: the paper's ``beta`` (adds ``beta / (2 * lr)`` to ``l2``).
        **kwargs: the base ``Optimizer`` arguments.

    Example:
        >>> opt = Ftrl(learning_rate=0.1, l1_regularization_strength=0.01)
    """

    _has_rule = True

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        for arg, value in (("initial_accumulator_value", initial_accumulator_value),
                           ("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength",
                            l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(f"`{arg}` needs to be positive or zero. Received: {arg}={value}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _slot_groups(self):
        return [[("accumulator", float(self.initial_accumulator_value)), ("linear", "zeros")]]

    def _hyper(self):
        l1 = self.l1_regularization_strength
        return (-self.learning_rate_power, 2.0 * self.l2_shrinkage_regularization_strength,
                -l1, l1)

    def _coefficients(self, K, lr, dtype):
        two, l2, beta = self._constants(K, dtype, (2.0, self.l2_regularization_strength,
                                                   self.beta))
        # 2 * (l2 + beta / (2 * lr)): the constant part of the quadratic term
        return lr, K.multiply(K.add(K.divide(beta, K.multiply(lr, two)), l2), two)

    def _rule(self, K, g, x, slots, c, h):
        power, shrink, neg_l1, l1 = h
        lr, quad_const = c
        n, z = slots
        n_new = K.add(n, K.square(g))
        root_new = K.power(n_new, power)
        sigma = K.divide(K.subtract(root_new, K.power(n, power)), lr)
        z = K.add(z, K.subtract(K.add(g, K.multiply(x, shrink)), K.multiply(sigma, x)))
        quadratic = K.add(K.divide(root_new, lr), quad_const)
        z_clipped = K.minimum(K.maximum(z, neg_l1), l1)
        return K.divide(K.subtract(z_clipped, z), quadratic), (n_new, z)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"learning_rate_power": self.learning_rate_power,
                    "initial_accumulator_value": self.initial_accumulator_value,
                    "l1_regularization_strength": self.l1_regularization_strength,
                    "l2_regularization_strength": self.l2_regularization_strength,
                    "l2_shrinkage_regularization_strength":
                        self.l2_shrinkage_regularization_strength,
                    "beta": self.beta})
        return cfg
