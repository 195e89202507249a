"""Keras layers, re-exported flat as in ``keras.layers``."""
from .core import Activation, Dense, Dropout, Flatten, Identity, Lambda, Reshape
from .input_layer import Input, InputLayer
from .layer import InputSpec, Layer
