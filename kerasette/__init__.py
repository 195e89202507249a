"""kerasette: the Keras API on NumPy, PyTorch and JAX.

Choose the engine with ``KERASETTE_BACKEND`` (or ``KERAS_BACKEND``, or
``~/.kerasette/kerasette.json``); the default is NumPy. Importing kerasette
imports no engine until one is needed.
"""
__version__ = "0.1.0"

from . import config, ops  # noqa: F401
from . import activations, backend, callbacks, constraints, initializers, losses, metrics  # noqa: F401
from . import dtype_policies, mixed_precision, optimizers, random, regularizers, tree, utils  # noqa: F401
from . import layers, models  # noqa: F401
from . import saving  # noqa: F401
from . import datasets  # noqa: F401
from . import wrappers  # noqa: F401
from . import distribution  # noqa: F401
from .layers import Input, InputSpec, Layer  # noqa: F401
from .models import Model, Sequential  # noqa: F401
from .variables import Variable  # noqa: F401
from .stateless_scope import StatelessScope  # noqa: F401
