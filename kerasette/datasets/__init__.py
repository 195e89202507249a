"""Loaders for the Keras datasets, read from the files Keras caches; nothing is downloaded.

Each module's ``load_data`` reads the exact file(s) Keras uses, from Keras's
cache folder (``~/.keras/datasets/``, or ``$KERAS_HOME/datasets/``) or a given
path, and returns the same arrays as Keras. A missing file raises
``FileNotFoundError`` saying which file to download from where, and where to
put it.
"""
from . import (boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb,  # noqa: F401
               mnist, reuters)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist", "imdb",
           "mnist", "reuters"]
