"""``kerasette.backend``: which engine is active, Keras's global settings, and dtype helpers."""
from . import config as _config
from .backends.common import standardize_dtype as _standardize
from .config import backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx, \
    set_image_data_format  # noqa: F401
from .layers.layer import clear_session  # noqa: F401
from .backends.dtypes import result_type  # noqa: F401
from .utils.graph_utils import get_uid, is_keras_tensor  # noqa: F401

_PYTHON_TYPES = {int: "int32", float: "float32", bool: "bool"}


def standardize_dtype(dtype):
    """Keras's canonical name for a dtype: ``None`` is floatx, Python ``int``/``float``/``bool``
    are ``"int32"``/``"float32"``/``"bool"``, NumPy/torch/JAX dtypes by name.

    Example:
        >>> standardize_dtype(np.float64)
        'float64'
    """
    if dtype is None:
        return _config.floatx()
    if dtype in _PYTHON_TYPES:
        return _PYTHON_TYPES[dtype]
    if dtype == "int":
        return "int32"
    if dtype == "float":
        raise ValueError(f"Invalid dtype: {dtype}")
    return _standardize(dtype)


def is_float_dtype(dtype):
    """Whether ``dtype`` (any spelling) is a floating-point dtype."""
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype):
    """Whether ``dtype`` (any spelling) is a signed or unsigned integer dtype (not bool)."""
    return standardize_dtype(dtype).startswith(("int", "uint"))
