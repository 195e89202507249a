"""Saving and loading, as ``keras.saving``: the ``.keras`` archive, ``.weights.h5``
files, and the registry of custom classes.

Files use Keras 3's formats, so a model saved by kerasette loads in Keras 3 and
the other way round; a file saved on one engine loads on the others. h5py is
needed for weights (``pip install h5py``); it is imported only when used.
"""
from .serialization_lib import (CustomObjectScope, custom_object_scope,  # noqa: F401
                                deserialize_keras_object, get_custom_objects, get_registered_name,
                                get_registered_object, register_keras_serializable,
                                serialize_keras_object)
from .compile_config import compile_from_config, get_compile_config  # noqa: F401
from .h5_weights import load_weights, save_weights  # noqa: F401
from .keras_file import load_model, save_model  # noqa: F401
from .file_editor import KerasFileEditor  # noqa: F401

__all__ = ["save_model", "load_model", "save_weights", "load_weights",
           "register_keras_serializable", "custom_object_scope", "CustomObjectScope",
           "serialize_keras_object", "deserialize_keras_object", "get_registered_name",
           "get_registered_object", "get_custom_objects", "KerasFileEditor"]
