"""Conformance cases for the image family (``kerasette/backends/contract/image.py``)."""
from __future__ import annotations

import numpy as np  # noqa: F401

from .cases import SPECIAL, add, away, bools, distinct, ints, m, u  # noqa: F401
