"""Keras 3's preprocessing layers.

Numeric and image layers compute with ``kerasette.ops`` (image geometry once, in
``image_geometry.py``, for every engine). The lookup and text layers keep
strings and vocabularies on the host (NumPy / Python) and return engine arrays.
"""
from .category_encoding import CategoryEncoding
from .discretization import Discretization
from .image_augmentation import (RandomBrightness, RandomContrast, RandomCrop, RandomFlip,
                                 RandomRotation, RandomShear, RandomTranslation, RandomZoom)
from .image_color import (AutoContrast, RandomColorDegeneration, RandomColorJitter, RandomGaussianBlur,
                          RandomGrayscale,
                          RandomHue, RandomInvert, RandomPosterization, RandomSaturation,
                          RandomSharpness, Solarization)
from .image_mixing import CutMix, MixUp, RandomErasing
from .image_resizing import CenterCrop, Resizing
from .hashing import HashedCrossing, Hashing
from .image_equalization import Equalization
from .image_clahe import ContrastLimitedAdaptiveHistogramEqualization
from .image_bounding_boxes import MaxNumBoundingBoxes
from .image_compose import AugMix, RandAugment
from .image_elastic import RandomElasticTransform
from .image_perspective import RandomPerspective
from .lookup import IntegerLookup, StringLookup
from .spectrogram import MelSpectrogram, STFTSpectrogram
from .pipeline import Pipeline
from .normalization import Normalization
from .rescaling import Rescaling
from .text_vectorization import TextVectorization
