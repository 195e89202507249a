"""``kerasette.mixed_precision``: Keras 3's mixed-precision names.

``set_global_policy("mixed_float16")`` makes new layers keep float32 weights
and compute in float16; ``compile`` then wraps the optimizer in a
``LossScaleOptimizer`` (``auto_scale_loss=True``), as Keras does.
"""
from .config import dtype_policy, set_dtype_policy
from .dtype_policies import DTypePolicy
from .optimizers.loss_scale import LossScaleOptimizer

Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = ["DTypePolicy", "Policy", "LossScaleOptimizer", "dtype_policy", "global_policy",
           "set_dtype_policy", "set_global_policy"]
