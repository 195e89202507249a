"""The ops contract, one mixin per family of ops; ``base.Backend`` inherits them all.

Each mixin follows the rules stated in ``base.py``: abstract methods are primitives
every adapter supplies; concrete methods are derived ops written on other methods."""

from .elementwise import ElementwiseOps  # noqa: F401
from .stats import StatsOps  # noqa: F401
from .arrays import ArrayOps  # noqa: F401
from .linalg import LinalgOps  # noqa: F401
from .nn import NNOps  # noqa: F401
from .image import ImageOps  # noqa: F401
from .control import ControlOps  # noqa: F401
