"""kerasette: the Keras API on NumPy, PyTorch and JAX.

Choose the engine with ``KERASETTE_BACKEND`` (or ``KERAS_BACKEND``, or
``~/.kerasette/kerasette.json``); the default is NumPy. Importing kerasette
imports no engine until one is needed.
"""
__version__ = "0.1.0"

from . import config, ops  # noqa: F401
from .variables import Variable  # noqa: F401
