"""Conformance cases for the nn family (``kerasette/backends/contract/nn.py``)."""
from __future__ import annotations

import numpy as np  # noqa: F401

from .cases import SPECIAL, add, away, bools, distinct, ints, m, u  # noqa: F401
