"""Image ops, channels-last unless ``data_format`` says otherwise: resizing, affine and perspective transforms, colour spaces, patches.

Part of the ops contract (see ``kerasette/backends/base.py`` for the rules).
"""
from __future__ import annotations

import abc


class ImageOps(abc.ABC):
    """Image ops, channels-last unless ``data_format`` says otherwise."""
