"""Utilities, as ``keras.utils``: seeding, label encoding, the progress bar."""
from .dataset_utils import (pack_x_y_sample_weight, split_dataset,  # noqa: F401
                            timeseries_dataset_from_array, unpack_x_y_sample_weight)
from .directory_datasets import (audio_dataset_from_directory, image_dataset_from_directory,  # noqa: F401
                                 text_dataset_from_directory)
from .file_utils import get_file  # noqa: F401
from .host_dataset import HostDataset  # noqa: F401
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
           "get_file", "load_img", "img_to_array", "array_to_img", "save_img",
           "timeseries_dataset_from_array", "split_dataset", "pack_x_y_sample_weight",
           "unpack_x_y_sample_weight", "image_dataset_from_directory", "text_dataset_from_directory",
           "audio_dataset_from_directory", "HostDataset"]
