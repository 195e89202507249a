"""RMSprop, as ``keras.optimizers.RMSprop``."""
from __future__ import annotations

from .. import config
from .base import Optimizer


class RMSprop(Optimizer):
    """Divide the gradient by a running root-mean-square of recent gradients.

    Per step: ``v = rho * v + (1 - rho) * g**2``; ``step = lr * g / sqrt(v +
    epsilon)`` (``centered``: ``sqrt(v - a**2 + epsilon)`` with ``a`` the running
    mean gradient); with ``momentum``: ``mom = momentum * mom + step; w -= mom``,
    else ``w -= step``.

    Args:
        learning_rate: float or schedule (default 0.001).
        rho: decay of the squared-gradient average.
        momentum: momentum factor (0: none).
        epsilon: added inside the square root.
        centered: normalize by the gradient's estimated variance.
        **kwargs: the base ``Optimizer`` arguments.

    Example:
        >>> opt = RMSprop(learning_rate=0.001, rho=0.9, centered=True)
    """

    _has_rule = True

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = config.epsilon() if epsilon is None else epsilon
        self.centered = centered

    def _slot_groups(self):
        # separate groups: all velocities, then all momentums, then averages (Keras's order)
        groups = [[("velocity", "zeros")]]
        if self.momentum > 0:
            groups.append([("momentum", "zeros")])
        if self.centered:
            groups.append([("average_gradient", "zeros")])
        return groups

    def _hyper(self):
        return (self.rho, 1.0 - self.rho, self.epsilon, self.momentum)

    def _rule(self, K, g, x, slots, c, h):
        rho, one_minus_rho, eps, momentum = h
        v = K.add(K.multiply(slots[0], rho), K.multiply(K.square(g), one_minus_rho))
        new = [v]
        if self.centered:
            a = K.add(K.multiply(slots[-1], rho), K.multiply(g, one_minus_rho))
            denom = K.add(K.subtract(v, K.square(a)), eps)
        else:
            denom = K.add(v, eps)
        step = K.divide(K.multiply(g, c[0]), K.sqrt(denom))
        if self.momentum > 0:
            step = K.add(K.multiply(slots[1], momentum), step)
            new.append(step)
        if self.centered:
            new.append(a)
        return K.subtract(x, step), new

    def _inplace_supported(self):
        return not self.centered

    def _rule_inplace(self, K, I, gs, xs, slots, c):
        vs = slots[0]
        I.mul_(vs, self.rho)
        I.addcmul_(vs, gs, gs, 1.0 - self.rho)
        denom = I.add(vs, self.epsilon)
        I.sqrt_(denom)
        if self.momentum > 0:
            ms = slots[1]
            I.mul_(ms, self.momentum)
            I.addcdiv_(ms, gs, denom, c[0])
            I.add_(xs, ms, -1.0)
        else:
            I.addcdiv_(xs, gs, denom, K.negative(c[0]))

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                    "centered": self.centered})
        return cfg
