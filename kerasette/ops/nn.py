"""``kerasette.ops.nn``: Keras 3's ``keras.ops.nn`` namespace (neural-network ops).

The same functions as ``kerasette.ops`` under Keras's namespace; each name is
looked up on ``kerasette.ops`` when first used.
"""
from __future__ import annotations

from ._namespace import namespace_getattr

NAMES = (
    'adaptive_average_pool', 'adaptive_max_pool', 'average_pool', 'batch_normalization',
    'binary_crossentropy', 'categorical_crossentropy', 'celu', 'conv', 'conv_transpose',
    'ctc_decode', 'ctc_loss', 'depth_to_space', 'depthwise_conv', 'dot_product_attention',
    'elu', 'fold', 'gelu', 'glu', 'hard_shrink', 'hard_sigmoid', 'hard_silu', 'hard_swish',
    'hard_tanh', 'layer_normalization', 'leaky_relu', 'log_sigmoid', 'log_softmax',
    'max_pool', 'moments', 'multi_hot', 'normalize', 'one_hot', 'polar', 'psnr', 'relu',
    'relu6', 'rms_normalization', 'selu', 'separable_conv', 'sigmoid', 'silu',
    'soft_shrink', 'softmax', 'softplus', 'softsign', 'space_to_depth',
    'sparse_categorical_crossentropy', 'sparse_plus', 'sparse_sigmoid', 'sparsemax',
    'squareplus', 'swish', 'tanh_shrink', 'threshold', 'unfold'
)

__getattr__, __dir__ = namespace_getattr(__name__, NAMES)
__all__ = list(NAMES)
