"""Utilities, as ``keras.utils``: seeding, label encoding, the progress bar."""
from .numerical_utils import normalize, to_categorical  # noqa: F401
from .progbar import Progbar  # noqa: F401
from .plot_model import model_to_dot, plot_model  # noqa: F401
from .plotting import plot_history  # noqa: F401
from .py_dataset import PyDataset, Sequence  # noqa: F401
from .packing import pack_x_y_sample_weight, unpack_x_y_sample_weight  # noqa: F401
from .seeding import set_random_seed  # noqa: F401
from .summary import print_summary  # noqa: F401

__all__ = ["set_random_seed", "to_categorical", "normalize", "Progbar", "plot_model", "model_to_dot",
           "print_summary",
           "plot_history", "PyDataset", "Sequence", "pack_x_y_sample_weight",
           "unpack_x_y_sample_weight"]
