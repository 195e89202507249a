"""Seeds for layers that draw random numbers (Dropout, noise).

A ``SeedGenerator`` keeps its counter in a non-trainable ``Variable``, so
drawing a seed inside the pure train step is just a state update the step
returns, and a jitted step gets fresh seeds every call.
"""
from __future__ import annotations

from . import config
from .utils.seeding import draw_seed
from .variables import Variable


class SeedGenerator:
    """Produces a new engine integer seed per ``next()``; reproducible from ``seed``."""

    def __init__(self, seed=None, name="seed_generator"):
        start = draw_seed() if seed is None else int(seed)
        dtype = "int32" if config.backend() == "jax" else "int64"
        self.state = Variable(config.active().convert(start, dtype), dtype=dtype,
                              trainable=False, name=f"{name}_state")

    def next(self):
        """The current seed (engine int scalar); advances the state."""
        seed = self.state.value
        self.state.assign(config.active().add(seed, 1))
        return seed
