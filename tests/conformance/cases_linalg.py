"""Conformance cases for the linalg family (``kerasette/backends/contract/linalg.py``)."""
from __future__ import annotations

import numpy as np  # noqa: F401

from .cases import SPECIAL, add, away, bools, distinct, ints, m, u  # noqa: F401
