"""LAMB, as ``keras.optimizers.Lamb``."""
from __future__ import annotations

from .adam import _Moments


class Lamb(_Moments):
    """Layer-wise adaptive moments (You et al., 2019): Adam steps rescaled per
    variable by the ratio of the weight norm to the step norm.

    Per step ``t`` (1-based): ``m += (g - m) * (1 - beta_1)``; ``v += (g**2 - v)
    * (1 - beta_2)``; ``u = (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) +
    epsilon)``; ``r = ||w|| / ||u||`` (1 when either norm is 0); ``w -= r * lr * u``.

    Args:
        learning_rate: float or schedule (default 0.001).
        beta_1: decay of the first-moment average.
        beta_2: decay of the second-moment average.
        epsilon: added to the root of the corrected second moment.
        **kwargs: the base ``Optimizer`` arguments.

    Example:
        >>> opt = Lamb(learning_rate=1e-3)
    """

    _has_rule = True

    def _slot_groups(self):
        return [[("momentum", "zeros"), ("velocity", "zeros")]]

    def _hyper(self):
        return (1.0 - self.beta_1, 1.0 - self.beta_2, self.epsilon, 0.0, 1.0)

    def _coefficients(self, K, lr, dtype):
        t = self._local_step(K, dtype)
        one, b1, b2 = self._constants(K, dtype, (1.0, self.beta_1, self.beta_2))
        return lr, K.subtract(one, K.power(b1, t)), K.subtract(one, K.power(b2, t))

    def _rule(self, K, g, x, slots, c, h):
        one_minus_b1, one_minus_b2, eps, zero, one = h
        lr, m_corr, v_corr = c
        m = K.add(slots[0], K.multiply(K.subtract(g, slots[0]), one_minus_b1))
        v = K.add(slots[1], K.multiply(K.subtract(K.square(g), slots[1]), one_minus_b2))
        step = K.divide(K.divide(m, m_corr), K.add(K.sqrt(K.divide(v, v_corr)), eps))
        w_norm = K.sqrt(K.sum(K.square(x)))
        u_norm = K.sqrt(K.sum(K.square(step)))
        ratio = K.where(K.greater(w_norm, zero),
                        K.where(K.greater(u_norm, zero), K.divide(w_norm, u_norm), one), one)
        return K.subtract(x, K.multiply(step, K.multiply(ratio, lr))), (m, v)
