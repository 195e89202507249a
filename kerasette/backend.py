"""``kerasette.backend``: which engine is active, and Keras's global settings."""
from .config import backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx, \
    set_image_data_format  # noqa: F401
from .layers.layer import clear_session  # noqa: F401
from .backends.dtypes import result_type  # noqa: F401
