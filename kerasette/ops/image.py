"""``kerasette.ops.image``: Keras 3's ``keras.ops.image`` namespace (image ops).

The same functions as ``kerasette.ops`` under Keras's namespace; each name is
looked up on ``kerasette.ops`` when first used.
"""
from __future__ import annotations

from ._namespace import namespace_getattr

NAMES = (
    'affine_transform', 'crop_images', 'elastic_transform', 'extract_patches',
    'extract_patches_3d', 'gaussian_blur', 'hsv_to_rgb', 'map_coordinates', 'pad_images',
    'perspective_transform', 'resize', 'rgb_to_grayscale', 'rgb_to_hsv',
    'scale_and_translate', 'sobel_edges', 'ssim'
)

__getattr__, __dir__ = namespace_getattr(__name__, NAMES)
__all__ = list(NAMES)
