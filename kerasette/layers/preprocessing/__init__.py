"""Keras 3's preprocessing layers for numbers, categories and text.

Numeric layers compute with ``kerasette.ops``. The lookup and text layers keep
strings and vocabularies on the host (NumPy / Python) and return engine arrays.
"""
from .category_encoding import CategoryEncoding
from .discretization import Discretization
from .normalization import Normalization
from .rescaling import Rescaling
from .lookup import IntegerLookup, StringLookup
from .text_vectorization import TextVectorization
