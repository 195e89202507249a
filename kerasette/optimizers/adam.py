"""The Adam family: Adam, AdamW, Adamax, Nadam, as in ``keras.optimizers``."""
from __future__ import annotations

from .. import config, ops
from .base import Optimizer


class Adam(Optimizer):
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
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = config.epsilon() if epsilon is None else epsilon
        self.amsgrad = amsgrad

    def _slot_groups(self):
        groups = [[("momentum", "zeros"), ("velocity", "zeros")]]
        if self.amsgrad:
            groups.append([("velocity_hat", "zeros")])
        return groups

    def _coefficients(self, lr, dtype):
        t = self._local_step(dtype)
        correction = ops.divide(ops.sqrt(ops.subtract(1.0, ops.power(self.beta_2, t))),
                                ops.subtract(1.0, ops.power(self.beta_1, t)))
        return lr, ops.multiply(lr, correction)

    def _rule(self, g, x, slots, c):
        m = ops.add(slots[0], ops.multiply(ops.subtract(g, slots[0]), 1.0 - self.beta_1))
        v = ops.add(slots[1], ops.multiply(ops.subtract(ops.square(g), slots[1]), 1.0 - self.beta_2))
        new = (m, v)
        if self.amsgrad:
            v = ops.maximum(slots[2], v)
            new = (m, new[1], v)
        step = ops.divide(ops.multiply(m, c[1]), ops.add(ops.sqrt(v), self.epsilon))
        return ops.subtract(x, step), new

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                    "amsgrad": self.amsgrad})
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


class Adamax(Optimizer):
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

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = config.epsilon() if epsilon is None else epsilon

    def _slot_groups(self):
        return [[("momentum", "zeros"), ("norm", "zeros")]]

    def _coefficients(self, lr, dtype):
        t = self._local_step(dtype)
        return lr, ops.subtract(1.0, ops.power(self.beta_1, t))

    def _rule(self, g, x, slots, c):
        m = ops.add(slots[0], ops.multiply(ops.subtract(g, slots[0]), 1.0 - self.beta_1))
        u = ops.maximum(ops.multiply(slots[1], self.beta_2), ops.abs(g))
        step = ops.divide(ops.multiply(m, c[0]), ops.multiply(ops.add(u, self.epsilon), c[1]))
        return ops.subtract(x, step), (m, u)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return cfg


class Nadam(Optimizer):
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

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = config.epsilon() if epsilon is None else epsilon

    def _slot_groups(self):
        return [[("momentum", "zeros"), ("velocity", "zeros")]]

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        super().build(variables)
        dtype = variables[0].dtype if variables else config.floatx()
        self._u_product = self.add_variable((), 1.0, dtype, name="u_product")

    def _prepare_step(self):
        u = self._u_product
        t = self._local_step(u.dtype)
        self._write(u, ops.multiply(ops.multiply(u.value, self.beta_1),
                                    ops.subtract(1.0, ops.multiply(ops.power(0.96, t), 0.5))))

    def _coefficients(self, lr, dtype):
        t = self._local_step(dtype)
        b1 = self.beta_1
        mu_t = ops.multiply(ops.subtract(1.0, ops.multiply(ops.power(0.96, t), 0.5)), b1)
        mu_next = ops.multiply(ops.subtract(1.0, ops.multiply(ops.power(0.96, ops.add(t, 1.0)), 0.5)), b1)
        prod_t = self._u_product.value
        if ops.dtype(prod_t) != dtype:
            prod_t = ops.cast(prod_t, dtype)
        prod_next = ops.multiply(prod_t, mu_next)
        m_coef = ops.divide(mu_next, ops.subtract(1.0, prod_next))
        g_coef = ops.divide(ops.subtract(1.0, mu_t), ops.subtract(1.0, prod_t))
        v_coef = ops.subtract(1.0, ops.power(self.beta_2, t))
        return lr, m_coef, g_coef, v_coef

    def _rule(self, g, x, slots, c):
        m = ops.add(slots[0], ops.multiply(ops.subtract(g, slots[0]), 1.0 - self.beta_1))
        v = ops.add(slots[1], ops.multiply(ops.subtract(ops.square(g), slots[1]), 1.0 - self.beta_2))
        m_hat = ops.add(ops.multiply(m, c[1]), ops.multiply(g, c[2]))
        denom = ops.add(ops.sqrt(ops.divide(v, c[3])), self.epsilon)
        return ops.subtract(x, ops.divide(ops.multiply(m_hat, c[0]), denom)), (m, v)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return cfg
