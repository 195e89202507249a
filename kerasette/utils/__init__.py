"""Utilities, as ``keras.utils``: seeding, label encoding, the progress bar."""
from .file_utils import get_file  # noqa: F401
from .image_utils import array_to_img, img_to_array, load_img, save_img  # noqa: F401
from .numerical_utils import normalize, to_categorical  # noqa: F401
from .progbar import Progbar  # noqa: F401
from .plot_model import model_to_dot, plot_model  # noqa: F401
from .plotting import plot_history  # noqa: F401
from .py_dataset import PyDataset, Sequence  # noqa: F401
from .seeding import set_random_seed  # noqa: F401
from .sequence_utils import pad_sequences  # noqa: F401
from .summary import print_summary  # noqa: F401

__all__ = ["set_random_seed", "to_categorical", "normalize", "Progbar", "plot_model", "model_to_dot",
           "print_summary",
           "plot_history", "PyDataset", "Sequence", "pad_sequences",
           "get_file", "load_img", "img_to_array", "array_to_img", "save_img"]
