"""``LossScaleOptimizer``: dynamic loss scaling around another optimizer (Keras 3's).

The loss is multiplied by ``dynamic_scale`` before differentiation (so small
float16 gradients do not underflow); ``apply`` divides the gradients by it.
A step whose gradients are not all finite is skipped (the inner optimizer's
variables and the weights keep their values) and halves the scale; after
``dynamic_growth_steps`` finite steps in a row the scale doubles. Both
branches are computed and selected with ``where``, and the scale and counter
are optimizer variables, so the step stays pure (one jitted step on JAX).
"""
from __future__ import annotations

from .. import ops
from ..variables import get_values
from .base import Optimizer


class LossScaleOptimizer(Optimizer):
    """An optimizer that dynamically scales the loss to prevent float16 underflow.

    Args:
        inner_optimizer: the ``Optimizer`` that applies the unscaled gradients.
        initial_scale: the first loss scale (a large power of two).
        dynamic_growth_steps: after this many steps with finite gradients, the
            scale doubles.
        name: the optimizer's name.

    Example:
        >>> opt = LossScaleOptimizer(SGD(0.1), initial_scale=8.0)
        >>> # loss = opt.scale_loss(loss); grads of the scaled loss -> opt.apply(grads, vars)
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError("LossScaleOptimizer: `inner_optimizer` must be an Optimizer "
                             f"instance. Received: inner_optimizer={inner_optimizer!r}")
        if kwargs.pop("dynamic", True) is not True:
            raise ValueError("LossScaleOptimizer: only dynamic loss scaling is supported; for a "
                             "fixed scale set `loss_scale_factor` on the optimizer instead.")
        if kwargs.get("loss_scale_factor") is not None:
            raise ValueError("LossScaleOptimizer does not take `loss_scale_factor`.")
        kwargs.pop("loss_scale_factor", None)
        if not isinstance(dynamic_growth_steps, int) or dynamic_growth_steps < 1:
            raise ValueError("LossScaleOptimizer: `dynamic_growth_steps` must be an integer >= 1. "
                             f"Received: dynamic_growth_steps={dynamic_growth_steps!r}")
        super().__init__(learning_rate=0.0, name=name or "loss_scale_optimizer", **kwargs)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = dynamic_growth_steps
        inner_optimizer.loss_scale_factor = None  # the gradients are unscaled here, once
        self.step_counter = None
        self.dynamic_scale = None

    def build(self, var_list):
        """Build the inner optimizer and the scale state (``step_counter``, ``dynamic_scale``)."""
        if self.built:
            return
        self._ensure_state()
        self.inner_optimizer.build(var_list)
        self._trainable_variables = list(var_list)
        self.step_counter = self.add_variable((), "zeros", self._int_dtype, name="step_counter")
        self.dynamic_scale = self.add_variable((), self.initial_scale, "float32", name="dynamic_scale")
        self.built = True

    @property
    def variables(self):
        """Own state (iteration, learning_rate, step_counter, dynamic_scale), then the
        inner optimizer's (Keras's order)."""
        self._ensure_state()
        return list(self._variables) + list(self.inner_optimizer.variables)

    def scale_loss(self, loss):
        """``loss * dynamic_scale`` (``initial_scale`` before the optimizer is built)."""
        if self.built:
            return ops.multiply(loss, ops.cast(self.dynamic_scale.value, ops.dtype(loss)))
        return ops.multiply(loss, self.initial_scale)

    def check_finite(self, grads):
        """A scalar bool: every gradient is finite."""
        flags = [ops.all(ops.isfinite(g)) for g in grads if g is not None]
        out = flags[0]
        for f in flags[1:]:
            out = ops.logical_and(out, f)
        return out

    def apply(self, grads, trainable_variables=None):
        """Unscale ``grads``; apply them with the inner optimizer when all are finite,
        else keep every value; then adjust the scale."""
        if len(grads) == 0:
            return
        trainable_variables = self._apply_targets(trainable_variables)
        inner = self.inner_optimizer
        finite = self.check_finite(grads)
        scale = self.dynamic_scale.value
        unscaled = [None if g is None else ops.divide(g, ops.cast(scale, ops.dtype(g)))
                    for g in grads]
        watched = trainable_variables + inner.variables
        before = get_values(watched)
        inner._pure_call, pure = True, inner._pure_call  # no in-place update of `before`
        try:
            inner.apply(unscaled, trainable_variables)
        finally:
            inner._pure_call = pure
        for var, old in zip(watched, before):
            new = var._value
            if new is not old:
                self._write(var, ops.where(finite, new, old))
        counter = self.step_counter.value
        grow = ops.logical_and(finite, ops.equal(counter, self.dynamic_growth_steps - 1))
        self._write(self.dynamic_scale, ops.where(
            finite, ops.where(grow, ops.multiply(scale, 2.0), scale), ops.multiply(scale, 0.5)))
        zero = ops.zeros_like(counter)
        self._write(self.step_counter, ops.where(
            finite, ops.where(grow, zero, ops.add(counter, ops.ones_like(counter))), zero))

    def _pure_optimizers(self):
        return [self.inner_optimizer]

    @property
    def learning_rate(self):
        """The inner optimizer's learning rate (settable)."""
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if hasattr(self, "inner_optimizer"):
            self.inner_optimizer.learning_rate = value

    @property
    def iterations(self):
        """The inner optimizer's step count (skipped steps do not count)."""
        return self.inner_optimizer.iterations

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        from . import serialize
        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize
        config = dict(config)
        inner = config.pop("inner_optimizer")
        if isinstance(inner, dict):
            inner = deserialize(inner, custom_objects=custom_objects)
        return cls(inner, **config)


def needs_loss_scaling(policy_name):
    """Whether ``compile(auto_scale_loss=True)`` wraps the optimizer (Keras: under
    ``"mixed_float16"`` only)."""
    return policy_name == "mixed_float16"


__all__ = ["LossScaleOptimizer"]
