"""Lion, as ``keras.optimizers.Lion``."""
from __future__ import annotations

from .base import Optimizer


class Lion(Optimizer):
    """Sign-of-momentum updates (Chen et al., 2023).

    Per step: ``w -= lr * sign(beta_1 * m + (1 - beta_1) * g)``;
    ``m = beta_2 * m + (1 - beta_2) * g``.

    Args:
        learning_rate: float or schedule (default 0.001).
        beta_1: interpolation for the update direction, in (0, 1].
        beta_2: decay of the momentum.
        **kwargs: the base ``Optimizer`` arguments.

    Example:
        >>> opt = Lion(learning_rate=1e-4, weight_decay=0.01)
    """

    _has_rule = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def _slot_groups(self):
        return [[("momentum", "zeros")]]

    def _hyper(self):
        return (self.beta_1, 1.0 - self.beta_1, self.beta_2, 1.0 - self.beta_2)

    def _rule(self, K, g, x, slots, c, h):
        b1, one_minus_b1, b2, one_minus_b2 = h
        m = slots[0]
        direction = K.sign(K.add(K.multiply(m, b1), K.multiply(g, one_minus_b1)))
        m = K.add(K.multiply(m, b2), K.multiply(g, one_minus_b2))
        return K.subtract(x, K.multiply(direction, c[0])), (m,)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return cfg
