"""Utilities, as ``keras.utils``: seeding, label encoding, the progress bar."""
from .numerical_utils import normalize, to_categorical  # noqa: F401
from .progbar import Progbar  # noqa: F401
from .seeding import set_random_seed  # noqa: F401

__all__ = ["set_random_seed", "to_categorical", "normalize", "Progbar"]
