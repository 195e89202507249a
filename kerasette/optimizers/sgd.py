"""SGD with optional (Nesterov) momentum, as ``keras.optimizers.SGD``."""
from __future__ import annotations

from .base import Optimizer


class SGD(Optimizer):
    """Gradient descent with momentum.

    Per step: ``m = momentum * m - lr * g``; then ``w += m`` or, with
    ``nesterov``, ``w += momentum * m - lr * g`` (without momentum,
    ``w -= lr * g``).

    Args:
        learning_rate: float or schedule (default 0.01).
        momentum: float in [0, 1].
        nesterov: use Nesterov momentum.
        **kwargs: the base ``Optimizer`` arguments (``weight_decay``,
            ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``use_ema``, ``name``, ...).

    Example:
        >>> opt = SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    """

    _has_rule = True

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) \
                or not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slot_groups(self):
        return [[("momentum", "zeros")]] if self.momentum != 0 else []

    def _hyper(self):
        return (self.momentum,)

    def _rule(self, K, g, x, slots, c, h):
        step = K.multiply(g, c[0])
        if self.momentum == 0:
            return K.subtract(x, step), ()
        mu = h[0]
        m = K.subtract(K.multiply(slots[0], mu), step)
        if self.nesterov:
            return K.add(x, K.subtract(K.multiply(m, mu), step)), (m,)
        return K.add(x, m), (m,)

    def _rule_inplace(self, K, I, gs, xs, slots, c):
        neg_lr = K.negative(c[0])
        if self.momentum == 0:
            I.add_(xs, gs, neg_lr)
            return
        ms = slots[0]
        I.mul_(ms, self.momentum)
        I.add_(ms, gs, neg_lr)
        if self.nesterov:
            I.add_(xs, ms, self.momentum)
            I.add_(xs, gs, neg_lr)
        else:
            I.add_(xs, ms)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return cfg
