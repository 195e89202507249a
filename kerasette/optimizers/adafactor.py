"""Adafactor, as ``keras.optimizers.Adafactor``."""
from __future__ import annotations

from .base import Optimizer


class Adafactor(Optimizer):
    """Adaptive steps with factored second moments (Shazeer & Stern, 2018).

    Per step ``t`` (1-based): ``rho = min(lr, 1 / sqrt(t))``; ``alpha =
    max(epsilon_2, rms(w)) * rho``; ``b = 1 - t**beta_2_decay``; ``G = g**2 +
    epsilon_1``. A variable of rank >= 2 keeps running row and column means of
    ``G`` over its last two axes, ``r = b * r + (1 - b) * mean(G, -1)`` and
    ``c = b * c + (1 - b) * mean(G, -2)``, and rebuilds ``v = (r / mean(r, -1))
    [..., None] * c[..., None, :]``; a smaller one keeps ``v = b * v + (1 - b) *
    G``. Then ``u = g / sqrt(v)``, ``u /= max(1, rms(u) / clip_threshold)`` and
    ``w -= alpha * u``.

    State per variable, in Keras's order: ``r`` and ``c`` (both named after the
    variable; for rank < 2 two unused int32 scalars, as Keras keeps), then
    ``{name}_velocity``.

    Args:
        learning_rate: float or schedule (default 0.001).
        beta_2_decay: the exponent of ``t`` in the second-moment decay.
        epsilon_1: added to the squared gradient.
        epsilon_2: the floor of ``rms(w)`` in the step size.
        clip_threshold: the update's RMS is clipped to this (independent of
            ``clipnorm``/``clipvalue``/``global_clipnorm``).
        relative_step: kept for Keras compatibility; as in Keras 3 the step
            size is ``min(lr, 1 / sqrt(t))`` whatever its value.
        **kwargs: the base ``Optimizer`` arguments.

    Example:
        >>> opt = Adafactor(learning_rate=0.01)
    """

    _has_rule = True

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        super().build(variables)  # no _slot_groups: the slots' shapes depend on each variable
        slots = []
        for var in variables:
            shape = tuple(var.shape)
            if len(shape) < 2:  # unfactored: Keras keeps two scalar placeholders
                r = self.add_variable((), "zeros", "int32", name=var.name)
                c = self.add_variable((), "zeros", "int32", name=var.name)
            else:  # factored over the last two axes
                r = self.add_variable(shape[:-1], "zeros", var.dtype, name=var.name)
                c = self.add_variable(shape[:-2] + shape[-1:], "zeros", var.dtype, name=var.name)
            v = self.add_variable_from_reference(var, "velocity")
            slots.append((r, c, v))
        self._slots = slots

    def _hyper(self):
        return (self.epsilon_1, self.epsilon_2, self.clip_threshold, 1.0)

    def _coefficients(self, K, lr, dtype):
        t = self._local_step(K, dtype)
        one, decay = self._constants(K, dtype, (1.0, self.beta_2_decay))
        rho = K.minimum(lr, K.divide(one, K.sqrt(t)))
        b = K.subtract(one, K.power(t, decay))
        return lr, rho, b, K.subtract(one, b)

    @staticmethod
    def _rms(K, x):
        return K.sqrt(K.mean(K.square(x)))

    def _rule(self, K, g, x, slots, c, h):
        eps_1, eps_2, clip, one = h
        _, rho, b, one_minus_b = c
        r, col, v = slots
        alpha = K.multiply(K.maximum(self._rms(K, x), eps_2), rho)
        g2 = K.add(K.square(g), eps_1)
        if len(K.shape(x)) >= 2:
            r = K.add(K.multiply(r, b), K.multiply(K.mean(g2, axis=-1), one_minus_b))
            col = K.add(K.multiply(col, b), K.multiply(K.mean(g2, axis=-2), one_minus_b))
            row_part = K.divide(r, K.mean(r, axis=-1, keepdims=True))
            v = K.multiply(K.expand_dims(row_part, -1), K.expand_dims(col, -2))
        else:
            v = K.add(K.multiply(v, b), K.multiply(g2, one_minus_b))
        u = K.divide(g, K.sqrt(v))
        u = K.divide(u, K.maximum(one, K.divide(self._rms(K, u), clip)))
        return K.subtract(x, K.multiply(u, alpha)), (r, col, v)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                    "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                    "relative_step": self.relative_step})
        return cfg
