"""Schedule-free AdamW, as ``keras.optimizers.ScheduleFreeAdamW``."""
from __future__ import annotations

from .. import ops
from .base import Optimizer


class ScheduleFreeAdamW(Optimizer):
    """AdamW without a learning-rate schedule (Defazio et al., 2024).

    Keeps ``z`` (the "momentum" slot, starting at the weights) moved by Adam-scaled
    gradient steps, and an average ``x`` of the ``z`` iterates (weight ``1 / t``); the
    weights hold ``y = (1 - beta_1) z + beta_1 x``, where the gradient is taken.
    ``warmup_steps`` ramps the learning rate linearly at the start.

    Args:
        learning_rate: float or schedule (default 0.0025).
        beta_1: interpolation between ``z`` and the average.
        beta_2, epsilon: Adam's second-moment decay and fuzz.
        warmup_steps: steps of linear warm-up.
        **kwargs: the base ``Optimizer`` arguments.
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.warmup_steps = beta_1, beta_2, epsilon, warmup_steps

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])
        for z, var in zip(self._momentums, var_list):
            z.assign(ops.copy(var.value))  # its own buffer: the jitted step donates both

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        g = ops.cast(gradient, dtype)
        step = ops.cast(ops.add(ops.convert(self.iterations), 1), dtype)
        b1, b2 = self.beta_1, self.beta_2
        if self.warmup_steps > 0:
            lr = ops.multiply(lr, ops.minimum(ops.divide(step, float(self.warmup_steps)), 1.0))
        i = self._get_variable_index(variable)
        z, v = self._momentums[i], self._velocities[i]
        z_old = z.value
        v.assign(ops.add(v.value, ops.multiply(ops.subtract(ops.square(g), v.value), 1 - b2)))
        correction = ops.subtract(1.0, ops.power(ops.convert(b2, dtype), step))
        denom = ops.add(ops.sqrt(ops.divide(v.value, correction)), self.epsilon)
        z.assign(ops.subtract(z_old, ops.divide(ops.multiply(lr, g), denom)))
        weight = ops.divide(1.0, step)
        x_old = ops.divide(ops.subtract(variable.value, ops.multiply(z_old, 1 - b1)), b1)
        x_new = ops.add(ops.multiply(x_old, ops.subtract(1.0, weight)), ops.multiply(z.value, weight))
        variable.assign(ops.add(ops.multiply(z.value, 1 - b1), ops.multiply(x_new, b1)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "warmup_steps": self.warmup_steps}
