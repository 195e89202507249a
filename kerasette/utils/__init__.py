"""Utilities, as ``keras.utils``: data loading and batching, images, files, the
progress bar, seeding, label encoding, and the serialization registry.

Names owned by lower or later-imported modules (the registry in ``saving``,
symbolic-tensor helpers in ``layers``, switches in ``config``) are resolved on
first use, so importing ``kerasette.utils`` pulls in no layers.
"""
import importlib

from . import bounding_boxes  # noqa: F401
from .config_object import Config  # noqa: F401
from .dataset_utils import split_dataset, timeseries_dataset_from_array  # noqa: F401
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
from .packing import pack_x_y_sample_weight, unpack_x_y_sample_weight  # noqa: F401
from .seeding import set_random_seed  # noqa: F401
from .sequence_utils import pad_sequences  # noqa: F401
from .summary import print_summary  # noqa: F401

_LAZY = {
    "kerasette.saving.serialization_lib": (
        "register_keras_serializable", "get_registered_name", "get_registered_object", "get_custom_objects",
        "custom_object_scope", "CustomObjectScope", "serialize_keras_object", "deserialize_keras_object"),
    "kerasette.utils.graph_utils": ("is_keras_tensor", "get_source_inputs"),
    "kerasette.layers.layer": ("clear_session",),
    "kerasette.config": ("enable_interactive_logging", "disable_interactive_logging",
                         "is_interactive_logging_enabled"),
    "kerasette.backends.common": ("standardize_dtype",),
}
_OWNER = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name):
    if name in _OWNER:
        return getattr(importlib.import_module(_OWNER[name]), name)
    raise AttributeError(f"module 'kerasette.utils' has no attribute {name!r}")


__all__ = ["set_random_seed", "to_categorical", "normalize", "Progbar", "plot_model", "model_to_dot",
           "print_summary", "plot_history", "PyDataset", "Sequence", "pad_sequences", "Config",
           "get_file", "load_img", "img_to_array", "array_to_img", "save_img",
           "timeseries_dataset_from_array", "split_dataset", "pack_x_y_sample_weight",
           "unpack_x_y_sample_weight", "image_dataset_from_directory", "text_dataset_from_directory",
           "audio_dataset_from_directory", "HostDataset", "bounding_boxes", *_OWNER]
