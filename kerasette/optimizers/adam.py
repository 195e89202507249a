"""The Adam family: Adam, AdamW, Adamax, Nadam, as in ``keras.optimizers``."""
from __future__ import annotations

from .. import config
from .base import Optimizer


class _Moments(Optimizer):
    """Shared by the Adam family and Lamb: the ``beta_1`` / ``beta_2`` /
    ``epsilon`` arguments (``epsilon=None`` means ``config.epsilon()``) and
    their config keys, in that order."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = config.epsilon() if epsilon is None else epsilon

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return cfg


class Adam(_Moments):
    """Adaptive moment estimation (Kingma & Ba, 2014).

    Per step ``t`` (1-based): ``m += (g - m) * (1 - beta_1)``; ``v += (g**2 - v)
    * (1 - beta_2)``; ``w -= m * alpha / (sqrt(v) + epsilon)`` with ``alpha = lr
    * sqrt(1 - beta_2**t) / (1 - beta_1**t)`` (bias correction folded into the
    step size, epsilon outside the root). ``amsgrad`` uses the running maximum
    of ``v``.

    Args:
        learning_rate: float or schedule (default 0.001).
        beta_1: decay of the first-moment average.
        beta_2: decay of the second-moment average.
        epsilon: added to the root of the second moment.
        amsgrad: use AMSGrad's maximum of past second moments.
        **kwargs: the base ``Optimizer`` arguments.

    Example:
        >>> opt = Adam(learning_rate=1e-3)
    """

    _has_rule = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, name=name, **kwargs)
        self.amsgrad = amsgrad

    def _slot_groups(self):
        groups = [[("momentum", "zeros"), ("velocity", "zeros")]]
        if self.amsgrad:
            groups.append([("velocity_hat", "zeros")])
        return groups

    def _hyper(self):
        return (1.0 - self.beta_1, 1.0 - self.beta_2, self.epsilon)

    def _coefficients(self, K, lr, dtype):
        t = self._local_step(K, dtype)
        one, b1, b2 = self._constants(K, dtype, (1.0, self.beta_1, self.beta_2))
        correction = K.divide(K.sqrt(K.subtract(one, K.power(b2, t))),
                              K.subtract(one, K.power(b1, t)))
        return lr, K.multiply(lr, correction)

    def _rule(self, K, g, x, slots, c, h):
        one_minus_b1, one_minus_b2, eps = h
        m = K.add(slots[0], K.multiply(K.subtract(g, slots[0]), one_minus_b1))
        v = K.add(slots[1], K.multiply(K.subtract(K.square(g), slots[1]), one_minus_b2))
        new = (m, v)
        if self.amsgrad:
            v = K.maximum(slots[2], v)
            new = (m, new[1], v)
        step = K.divide(K.multiply(m, c[1]), K.add(K.sqrt(v), eps))
        return K.subtract(x, step), new

    def _inplace_supported(self):
        return not self.amsgrad

    def _rule_inplace(self, K, I, gs, xs, slots, c):
        ms, vs = slots
        I.mul_(ms, self.beta_1)
        I.add_(ms, gs, 1.0 - self.beta_1)
        I.mul_(vs, self.beta_2)
        I.addcmul_(vs, gs, gs, 1.0 - self.beta_2)
        denom = I.sqrt(vs)
        I.add_scalar_(denom, self.epsilon)
        I.addcdiv_(xs, ms, denom, K.negative(c[1]))

    def get_config(self):
        cfg = super().get_config()
        cfg["amsgrad"] = self.amsgrad
        return cfg


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Each step first decays the weights, ``w -= w * weight_decay * lr``, then
    takes an Adam step.

    Args:
        learning_rate: float or schedule (default 0.001).
        weight_decay: the decay factor (default 0.004; required).
        beta_1, beta_2, epsilon, amsgrad: as ``Adam``.
        **kwargs: the base ``Optimizer`` arguments.

    Example:
        >>> opt = AdamW(learning_rate=1e-3, weight_decay=0.01)
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, name=name,
                         weight_decay=weight_decay, **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")


class Adamax(_Moments):
    """Adam with the infinity norm (Kingma & Ba, 2014, section 7).

    Per step ``t``: ``m += (g - m) * (1 - beta_1)``; ``u = max(beta_2 * u,
    |g|)``; ``w -= lr * m / ((1 - beta_1**t) * (u + epsilon))``.

    Args:
        learning_rate: float or schedule (default 0.001).
        beta_1: decay of the first-moment average.
        beta_2: decay of the infinity norm.
        epsilon: added to ``u``.
        **kwargs: the base ``Optimizer`` arguments.

    Example:
        >>> opt = Adamax(learning_rate=2e-3)
    """

    _has_rule = True

    def _slot_groups(self):
        return [[("momentum", "zeros"), ("norm", "zeros")]]

    def _hyper(self):
        return (1.0 - self.beta_1, self.beta_2, self.epsilon)

    def _coefficients(self, K, lr, dtype):
        t = self._local_step(K, dtype)
        one, b1 = self._constants(K, dtype, (1.0, self.beta_1))
        return lr, K.subtract(one, K.power(b1, t))

    def _rule(self, K, g, x, slots, c, h):
        one_minus_b1, b2, eps = h
        m = K.add(slots[0], K.multiply(K.subtract(g, slots[0]), one_minus_b1))
        u = K.maximum(K.multiply(slots[1], b2), K.abs(g))
        step = K.divide(K.multiply(m, c[0]), K.multiply(K.add(u, eps), c[1]))
        return K.subtract(x, step), (m, u)


class Nadam(_Moments):
    """Adam with Nesterov momentum (Dozat, 2015), with Keras's momentum schedule.

    Per step ``t``: ``mu_t = beta_1 * (1 - 0.5 * 0.96**t)``; ``P_t = prod(mu_1..mu_t)``;
    ``m``, ``v`` as Adam; ``m_hat = mu_{t+1} * m / (1 - P_t * mu_{t+1}) + (1 -
    mu_t) * g / (1 - P_t)``; ``v_hat = v / (1 - beta_2**t)``; ``w -= lr * m_hat
    / (sqrt(v_hat) + epsilon)``. ``P_t`` is kept in a state variable.

    Args:
        learning_rate: float or schedule (default 0.001).
        beta_1: decay of the first-moment average.
        beta_2: decay of the second-moment average.
        epsilon: added to the root of the second moment.
        **kwargs: the base ``Optimizer`` arguments.

    Example:
        >>> opt = Nadam(learning_rate=2e-3)
    """

    _has_rule = True

    def _slot_groups(self):
        return [[("momentum", "zeros"), ("velocity", "zeros")]]

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        super().build(variables)
        dtype = variables[0].dtype if variables else config.floatx()
        self._u_product = self.add_variable((), 1.0, dtype, name="u_product")

    def _mu(self, K, t, dtype):
        """``beta_1 * (1 - 0.5 * 0.96**t)``, Keras's momentum schedule."""
        one, half, decay, b1 = self._constants(K, dtype, (1.0, 0.5, 0.96, self.beta_1))
        return K.multiply(K.subtract(one, K.multiply(K.power(decay, t), half)), b1)

    def _prepare_step(self):
        K = config._active or config.active()
        u = self._u_product
        dtype = u.dtype
        self._write(u, K.multiply(u.value, self._mu(K, self._local_step(K, dtype), dtype)))

    def _hyper(self):
        return (1.0 - self.beta_1, 1.0 - self.beta_2, self.epsilon)

    def _coefficients(self, K, lr, dtype):
        t = self._local_step(K, dtype)
        one, b2 = self._constants(K, dtype, (1.0, self.beta_2))
        mu_t, mu_next = self._mu(K, t, dtype), self._mu(K, K.add(t, one), dtype)
        prod_t = self._u_product.value
        if K.dtype(prod_t) != dtype:
            prod_t = K.cast(prod_t, dtype)
        prod_next = K.multiply(prod_t, mu_next)
        m_coef = K.divide(mu_next, K.subtract(one, prod_next))
        g_coef = K.divide(K.subtract(one, mu_t), K.subtract(one, prod_t))
        v_coef = K.subtract(one, K.power(b2, t))
        return lr, m_coef, g_coef, v_coef

    def _rule(self, K, g, x, slots, c, h):
        one_minus_b1, one_minus_b2, eps = h
        m = K.add(slots[0], K.multiply(K.subtract(g, slots[0]), one_minus_b1))
        v = K.add(slots[1], K.multiply(K.subtract(K.square(g), slots[1]), one_minus_b2))
        m_hat = K.add(K.multiply(m, c[1]), K.multiply(g, c[2]))
        denom = K.add(K.sqrt(K.divide(v, c[3])), eps)
        return K.subtract(x, K.divide(K.multiply(m_hat, c[0]), denom)), (m, v)
