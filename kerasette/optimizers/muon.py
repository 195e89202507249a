"""Muon, as ``keras.optimizers.Muon``."""
from __future__ import annotations

import re

from .. import ops
from .base import Optimizer


class Muon(Optimizer):
    """Momentum orthogonalized by Newton-Schulz (Jordan et al., 2024), for 2-D weights.

    2-D weights (except embeddings and ``exclude_layers``) take the momentum
    ``m = momentum * m + g``, the Nesterov direction ``g + momentum * m``,
    orthogonalized by ``ns_steps`` quintic Newton-Schulz iterations (coefficients
    ``muon_a/b/c``) and scaled by ``rms_rate * sqrt(max(rows, cols))`` (Moonlight's
    rule). Every other weight takes AdamW steps with ``learning_rate * adam_lr_ratio``
    and ``adam_weight_decay``.

    Args:
        learning_rate: float or schedule.
        adam_beta_1, adam_beta_2, epsilon, adam_weight_decay, adam_lr_ratio: the AdamW part.
        weight_decay: decay of the Muon-updated weights.
        exclude_layers: regular expressions; weights whose path matches take AdamW.
        exclude_embeddings: embeddings (paths containing "embedding") take AdamW.
        muon_a, muon_b, muon_c, ns_steps: the Newton-Schulz iteration.
        momentum, nesterov: the Muon momentum.
        rms_rate: the update-scale factor (None: no scaling).
        **kwargs: the base ``Optimizer`` arguments.
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
                 epsilon=1e-7, weight_decay=0.004, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None, exclude_embeddings=True,
                 muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5,
                 nesterov=True, rms_rate=0.2, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.adam_beta_1, self.adam_beta_2, self.epsilon = adam_beta_1, adam_beta_2, epsilon
        self.muon_a, self.muon_b, self.muon_c = muon_a, muon_b, muon_c
        self.adam_lr_ratio, self.momentum, self.ns_steps, self.nesterov = adam_lr_ratio, momentum, ns_steps, nesterov
        self.exclude_embeddings, self.exclude_layers = exclude_embeddings, list(exclude_layers or [])
        self.adam_weight_decay, self.rms_rate = adam_weight_decay, rms_rate

    def _should_use_adamw(self, variable):
        if len(variable.shape) != 2:
            return True
        path = str(getattr(variable, "path", variable.name))
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(pattern, path) for pattern in self.exclude_layers)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.momentums, self.adam_velocities = [], []
        for var in var_list:
            self.momentums.append(self.add_variable_from_reference(var, "momentum"))
            self.adam_velocities.append(self.add_variable_from_reference(var, "velocity")
                                        if self._should_use_adamw(var) else None)

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        m, v = self.momentums[i], self.adam_velocities[i]
        if v is not None:
            self._adamw_step(gradient, variable, ops.multiply(learning_rate, self.adam_lr_ratio), m, v)
        else:
            self._muon_step(gradient, variable, learning_rate, m)

    def _muon_step(self, g, variable, lr, m):
        m.assign(ops.add(ops.multiply(m.value, self.momentum), g))
        direction = ops.add(g, ops.multiply(m.value, self.momentum)) if self.nesterov else m.value
        update = ops.multiply(self.orthogonalize(direction), ops.cast(lr, variable.dtype))
        if self.rms_rate is not None:
            rows, cols = variable.shape
            update = ops.multiply(update, max(rows, cols) ** 0.5 * self.rms_rate)
        variable.assign(ops.subtract(variable.value, update))

    def _adamw_step(self, g, variable, lr, m, v):
        dtype = variable.dtype
        step = ops.cast(ops.add(ops.convert(self.iterations), 1), dtype)
        b1_power = ops.power(ops.convert(self.adam_beta_1, dtype), step)
        b2_power = ops.power(ops.convert(self.adam_beta_2, dtype), step)
        alpha = ops.divide(ops.multiply(ops.cast(lr, dtype), ops.sqrt(ops.subtract(1.0, b2_power))),
                           ops.subtract(1.0, b1_power))
        m.assign(ops.add(m.value, ops.multiply(ops.subtract(g, m.value), 1 - self.adam_beta_1)))
        v.assign(ops.add(v.value, ops.multiply(ops.subtract(ops.square(g), v.value), 1 - self.adam_beta_2)))
        variable.assign(ops.subtract(variable.value, ops.divide(ops.multiply(m.value, alpha),
                                                                ops.add(ops.sqrt(v.value), self.epsilon))))

    def orthogonalize(self, x):
        """The quintic Newton-Schulz iteration towards ``U Vᵀ`` of ``x``'s SVD (last two axes)."""
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = ops.swapaxes(x, -1, -2)
        x = ops.divide(x, ops.add(ops.norm(x, axis=(-2, -1), keepdims=True), 1e-7))
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        for _ in range(self.ns_steps):
            gram = ops.matmul(x, ops.swapaxes(x, -1, -2))
            poly = ops.add(ops.multiply(gram, b), ops.multiply(ops.matmul(gram, gram), c))
            x = ops.add(ops.multiply(x, a), ops.matmul(poly, x))
        return ops.swapaxes(x, -1, -2) if tall else x

    def _apply_weight_decay(self, variables, lr):
        for var in variables:
            if not self._use_weight_decay(var):
                continue
            decay = self.adam_weight_decay if self._should_use_adamw(var) else self.weight_decay
            if decay is None:
                continue
            x = var.value
            var.assign(ops.subtract(x, ops.multiply(ops.multiply(x, decay), ops.cast(lr, ops.dtype(x)))))

    def get_config(self):
        return {**super().get_config(), "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
                "epsilon": self.epsilon, "exclude_layers": self.exclude_layers, "muon_a": self.muon_a,
                "muon_b": self.muon_b, "muon_c": self.muon_c, "adam_lr_ratio": self.adam_lr_ratio,
                "momentum": self.momentum, "ns_steps": self.ns_steps, "nesterov": self.nesterov,
                "exclude_embeddings": self.exclude_embeddings, "adam_weight_decay": self.adam_weight_decay,
                "rms_rate": self.rms_rate}
