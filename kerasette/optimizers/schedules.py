"""Learning-rate schedules: ``step -> learning rate``, as ``keras.optimizers.schedules``.

A schedule is called with the optimizer's iteration count (an engine integer
scalar, possibly traced under ``jit``) and returns a float scalar of floatx. The
formulas use only ``kerasette.ops`` and branch in Python only on the schedule's
own hyper-parameters, never on the step, so they compile under ``jax.jit``.
"""
from __future__ import annotations

import math

from .. import config, ops


def _float_step(step):
    """The step as a floatx engine scalar (Python numbers are accepted too)."""
    if ops.is_array(step):
        return ops.cast(step, config.floatx())
    return ops.convert(step, config.floatx())


class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step)`` and ``get_config()``.

    Example:
        >>> class Halving(LearningRateSchedule):
        ...     def __call__(self, step):
        ...         return ops.power(0.5, ops.cast(step, "float32"))
        ...     def get_config(self):
        ...         return {}
        >>> opt = kerasette.optimizers.SGD(learning_rate=Halving())
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  "override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  "override `get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        """A new schedule from the output of ``get_config()``."""
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def _check_positive(name, value):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class _RateDecay(LearningRateSchedule):
    """Shared by ExponentialDecay and InverseTimeDecay: the same arguments, config
    and progress ``step / decay_steps`` (floored with ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step):
        p = ops.divide(_float_step(step), float(self.decay_steps))
        return ops.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_RateDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive number of steps for one factor of ``decay_rate``.
        decay_rate: the decay base.
        staircase: floor ``step / decay_steps`` (decay at discrete intervals).
        name: a name for the schedule.

    Example:
        >>> ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.96, staircase=True)
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        p = self._progress(step)
        return ops.multiply(ops.power(float(self.decay_rate), p), float(self.initial_learning_rate))


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[1]`` while
    ``step <= boundaries[1]``, ..., ``values[-1]`` after ``boundaries[-1]``.

    Args:
        boundaries: strictly increasing step numbers.
        values: one more rate than there are boundaries.
        name: a name for the schedule.

    Example:
        >>> PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1])
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of "
                             f"values. Received: boundaries={boundaries} of length "
                             f"{len(boundaries)}, and values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        # one indicator per interval, exactly one of them is 1: the sum is exact
        if not ops.is_array(step):
            step = ops.convert(step)
        fx = config.floatx()
        b, v = self.boundaries, self.values
        if not b:
            return ops.add(ops.zeros((), fx), float(v[0]))
        out = ops.multiply(ops.cast(ops.less_equal(step, b[0]), fx), float(v[0]))
        for low, high, value in zip(b[:-1], b[1:], v[1:-1]):
            inside = ops.logical_and(ops.greater(step, low), ops.less_equal(step, high))
            out = ops.add(out, ops.multiply(ops.cast(inside, fx), float(value)))
        return ops.add(out, ops.multiply(ops.cast(ops.greater(step, b[-1]), fx), float(v[-1])))

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - min(step, decay_steps) / decay_steps) ** power + end``.

    With ``cycle=True`` the horizon is the first multiple of ``decay_steps``
    at or above ``step`` instead of clamping ``step``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive number of steps to reach ``end_learning_rate``.
        end_learning_rate: the final rate.
        power: the polynomial's power.
        cycle: restart the decay every ``decay_steps``.
        name: a name for the schedule.

    Example:
        >>> PolynomialDecay(0.1, 10000, end_learning_rate=0.01, power=0.5)
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = _float_step(step)
        horizon = float(self.decay_steps)
        if self.cycle:
            # ceil(step / decay_steps), but 1 at step 0
            horizon = ops.multiply(ops.maximum(ops.ceil(ops.divide(step, horizon)), 1.0), horizon)
        else:
            step = ops.minimum(step, horizon)
        frac = ops.subtract(1.0, ops.divide(step, horizon))
        span = float(self.initial_learning_rate) - float(self.end_learning_rate)
        return ops.add(ops.multiply(ops.power(frac, float(self.power)), span),
                       float(self.end_learning_rate))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_RateDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive step scale.
        decay_rate: the decay rate.
        staircase: floor ``step / decay_steps``.
        name: a name for the schedule.

    Example:
        >>> InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        denom = ops.add(ops.multiply(self._progress(step), float(self.decay_rate)), 1.0)
        return ops.divide(float(self.initial_learning_rate), denom)


def _cosine(step, decay_steps, alpha):
    """``(1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha``."""
    cos = ops.cos(ops.multiply(ops.divide(step, decay_steps), math.pi))
    return ops.add(ops.multiply(ops.add(cos, 1.0), 0.5 * (1.0 - alpha)), alpha)


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup, then cosine decay to ``alpha`` times the peak rate.

    Without ``warmup_target``: ``initial * ((1 - alpha) * 0.5 * (1 + cos(pi *
    min(step, decay_steps) / decay_steps)) + alpha)``. With it: the rate goes
    linearly from ``initial_learning_rate`` to ``warmup_target`` over
    ``warmup_steps``, then decays from ``warmup_target`` over ``decay_steps``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive number of decay steps.
        alpha: the final rate as a fraction of the peak rate.
        name: a name for the schedule.
        warmup_target: the peak rate after warmup; None: no warmup.
        warmup_steps: number of warmup steps.

    Example:
        >>> CosineDecay(0.0, 1000, warmup_target=0.1, warmup_steps=100)
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def __call__(self, step):
        step = _float_step(step)
        decay_steps, alpha = float(self.decay_steps), float(self.alpha)
        if self.warmup_target is None:
            step = ops.minimum(step, decay_steps)
            return ops.multiply(_cosine(step, decay_steps, alpha), float(self.initial_learning_rate))
        target, warm = float(self.warmup_target), float(self.warmup_steps)
        step = ops.minimum(step, decay_steps + warm)
        decayed = ops.multiply(_cosine(ops.subtract(step, warm), decay_steps, alpha), target)
        if warm <= 0:
            return decayed
        lr0 = float(self.initial_learning_rate)
        warmed = ops.add(ops.multiply(ops.divide(step, warm), target - lr0), lr0)
        return ops.where(ops.less(step, warm), warmed, decayed)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR).

    The multiplier decays from 1 to ``alpha`` over ``first_decay_steps``; each
    restart then lasts ``t_mul`` times longer and starts ``m_mul`` times lower.

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: positive length of the first period.
        t_mul: period growth factor.
        m_mul: peak-rate factor per restart.
        alpha: the minimum rate as a fraction of ``initial_learning_rate``.
        name: a name for the schedule.

    Example:
        >>> CosineDecayRestarts(0.1, first_decay_steps=1000)
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        _check_positive("first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        frac = ops.divide(_float_step(step), float(self.first_decay_steps))
        t_mul, m_mul = float(self._t_mul), float(self._m_mul)
        if t_mul == 1.0:
            restart = ops.floor(frac)
            frac = ops.subtract(frac, restart)
        else:
            # restart i begins at fraction (1 - t_mul**i) / (1 - t_mul)
            restart = ops.floor(ops.divide(ops.log(ops.subtract(1.0, ops.multiply(frac, 1.0 - t_mul))),
                                           math.log(t_mul)))
            t_pow = ops.power(t_mul, restart)
            start = ops.divide(ops.subtract(1.0, t_pow), 1.0 - t_mul)
            frac = ops.divide(ops.subtract(frac, start), t_pow)
        peak = ops.power(m_mul, restart)
        alpha = float(self.alpha)
        cos = ops.multiply(ops.add(ops.cos(ops.multiply(frac, math.pi)), 1.0), 0.5)
        decayed = ops.add(ops.multiply(ops.multiply(cos, peak), 1.0 - alpha), alpha)
        return ops.multiply(decayed, float(self.initial_learning_rate))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_SCHEDULES = {c.__name__: c for c in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                                      InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """The schedule as a Keras-3-style dict: ``{'module', 'class_name', 'config', 'registered_name'}``."""
    cls = type(learning_rate_schedule)
    builtin = _SCHEDULES.get(cls.__name__) is cls
    return {"module": "keras.optimizers.schedules" if builtin else cls.__module__,
            "class_name": cls.__name__,
            "config": learning_rate_schedule.get_config(),
            "registered_name": None if builtin else cls.__name__}


def deserialize(config, custom_objects=None):
    """A schedule from ``serialize``'s dict (Keras 2's ``{'class_name', 'config'}`` works too)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot deserialize a learning rate schedule from {config!r}; "
                         "expected a dict with 'class_name' and 'config'.")
    name = config["class_name"]
    custom = custom_objects or {}
    cls = custom.get(name) or custom.get(config.get("registered_name")) or _SCHEDULES.get(name)
    if cls is None:
        raise ValueError(f"Unknown learning rate schedule {name!r}; known: "
                         f"{', '.join(sorted(_SCHEDULES))} (pass others in `custom_objects`).")
    return cls.from_config(dict(config.get("config", {})))
