"""The PyTorch engine adapter.

Design rules:

* Thin: a method is one torch call where torch has the op with NumPy semantics;
  the adapter only papers over the places where torch differs (tuple axes for
  max/min/prod, ``np.split``, negative slice steps, half-to-even rounding is
  already torch's, integer division and mean giving float32, ...).
* Arrays live on one device: CUDA when available, else CPU;
  ``KERASETTE_DEVICE`` (e.g. ``cpu``, ``cuda:1``) overrides. ``convert`` moves
  host values there once; nothing on the hot path converts or flattens trees.
* Neural ops are channels-last at the interface and channels-first inside
  ``torch.nn.functional`` (a permuted view, no copy for 2-D/3-D images).
* On CUDA, starting the engine turns off cuDNN's TF32 mode (float32 results
  match the other engines); ``torch.backends.cudnn.allow_tf32 = True`` afterwards
  trades that for speed.
* Gradients: ``value_and_grad`` makes fresh leaf tensors and calls
  ``torch.autograd.grad``; ``jit`` returns the function (eager).
"""
from __future__ import annotations

from .backend import TorchBackend


def make_backend():
    """The adapter instance (``backends.get('torch')`` keeps one)."""
    return TorchBackend()


__all__ = ["TorchBackend", "make_backend"]
