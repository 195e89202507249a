"""``TorchBackend``: the ops contract of ``kerasette/backends/base.py`` on PyTorch."""
from __future__ import annotations

import os
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from ..base import Backend, standardize_dtype
from ..contract.arrays import _floatx
from ..numpy.ops import pad_index_map, pad_pairs  # host-side index maps (NumPy as data, not engine)
from . import nn
from .inplace import TorchInPlace
from .common import (  # noqa: F401
    Tensor,
    _PY_SCALARS,
    _PY_DEFAULTS,
    _TORCH_DTYPES,
    _NAMES,
    _FROM_NUMPY,
    _dt,
    _device,
    _shapes_error,
    _dims,
    _joined,
    _truth_reduce,
    _spread,
    _detach,
)
from .elementwise_ops import TorchElementwiseOps
from .stats_ops import TorchStatsOps
from .arrays_ops import TorchArrayOps
from .linalg_ops import TorchLinalgOps
from .nn_ops import TorchNNOps
from .image_ops import TorchImageOps
from .control_ops import TorchControlOps


class TorchBackend(TorchElementwiseOps, TorchStatsOps, TorchArrayOps, TorchLinalgOps,
                   TorchNNOps, TorchImageOps, TorchControlOps,
                   Backend):
    """The PyTorch engine adapter (see the package docstring for its rules)."""

    name = "torch"
    inplace = TorchInPlace()  # the optimizers' in-place fast path (not in the contract)

    def __init__(self):
        self.device = _device()
        self._generator = torch.Generator(device=self.device)
        if self.device.type == "cuda":
            # float32 parity with the other engines: cuDNN convs and RNNs default to
            # TF32 (about 1e-3 relative error); set it back to True for speed.
            torch.backends.cudnn.allow_tf32 = False

    # ------------------------------------------------------------- conversion
    def _t(self, x):
        return x if isinstance(x, Tensor) else self.convert(x)

    def _pair(self, x, y):
        """Tensors for a binary op; a Python scalar beside a tensor stays a scalar (weak type)."""
        tx, ty = isinstance(x, Tensor), isinstance(y, Tensor)
        if not tx and not (ty and type(x) in _PY_SCALARS):
            x, tx = self.convert(x), True
        if not ty and not (tx and type(y) in _PY_SCALARS):
            y = self.convert(y)
        return x, y

    def convert(self, x, dtype=None):
        if isinstance(x, Tensor):
            if dtype is None:
                return x
            dt = _dt(dtype)
            return x if x.dtype is dt else x.to(dt)
        if type(x) in _PY_SCALARS:
            if dtype is None:
                dtype = _PY_DEFAULTS[type(x)]
            return torch.tensor(x, dtype=_dt(dtype), device=self.device)
        if type(x) is np.ndarray and dtype is None:
            dt = _FROM_NUMPY.get(x.dtype)
            if dt is not None:  # the hot path: a host batch; one copy, made by NumPy
                if self.device.type == "cpu":
                    return torch.from_numpy(np.array(x, order="C"))
                return torch.from_numpy(x if x.flags.c_contiguous else np.ascontiguousarray(x)) \
                    .to(self.device, copy=True)
        if isinstance(x, (list, tuple)) and x and any(isinstance(a, Tensor) for a in x):
            return torch.stack([self.convert(a, dtype) for a in x])
        a = np.asarray(x)
        if dtype is not None:
            name = standardize_dtype(dtype)
        else:
            name = standardize_dtype(a.dtype)  # TypeError for a dtype kerasette cannot name
            if name == "float64" and not isinstance(x, (np.ndarray, np.generic)):
                name = "float32"  # Python floats and (nested) lists of them
            elif name == "int64" and not isinstance(x, (np.ndarray, np.generic)) and _fits_int32(a):
                name = "int32"  # Python ints, as Keras
        if a.dtype.name == "bfloat16":  # ml_dtypes' bfloat16: torch cannot read it directly
            a = a.astype(np.float32)
        a = np.asarray(a, dtype=np.float32 if name == "bfloat16" else name, order="C")  # keeps 0-d
        # a copy: the tensor never shares memory with the caller's array
        return torch.from_numpy(a).to(device=self.device, dtype=_TORCH_DTYPES[name], copy=True)

    def to_numpy(self, x):
        if not isinstance(x, Tensor):
            return np.asarray(x)
        if hasattr(x, "full_tensor"):  # a DTensor (ModelParallel): gathered on every process
            x = x.full_tensor()
        x = x.detach()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.cpu().numpy()

    def zeros(self, shape, dtype=None):
        return torch.zeros(shape, dtype=_dt(dtype or _floatx()), device=self.device)

    def ones(self, shape, dtype=None):
        return torch.ones(shape, dtype=_dt(dtype or _floatx()), device=self.device)

    def full(self, shape, fill_value, dtype=None):
        dtype = dtype or _floatx()
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        if isinstance(fill_value, Tensor):
            return fill_value.to(_dt(dtype)).expand(shape).clone()
        return torch.full(shape, fill_value, dtype=_dt(dtype), device=self.device)

    def arange(self, start, stop=None, step=None, dtype=None):
        vals = [v.item() if isinstance(v, Tensor) else v for v in (start, stop, step)]
        start, stop, step = (v.item() if isinstance(v, np.generic) else v for v in vals)
        if dtype is None:
            dtype = "int32" if all(v is None or type(v) is int for v in (start, stop, step)) else _floatx()
        if stop is None:
            start, stop = 0, start
        return torch.arange(start, stop, 1 if step is None else step, dtype=_dt(dtype), device=self.device)

    def eye(self, N, M=None, k=0, dtype=None):
        dt = _dt(dtype or _floatx())
        if k == 0:
            return torch.eye(N, N if M is None else M, dtype=dt, device=self.device)
        M = N if M is None else M
        rows = torch.arange(N, device=self.device).reshape(N, 1)
        return (rows + k == torch.arange(M, device=self.device)).to(dt)

    def cast(self, x, dtype):
        x, dt = self._t(x), _dt(dtype)
        return x if x.dtype is dt else x.to(dt)

    def shape(self, x):
        return tuple(x.shape) if isinstance(x, Tensor) else np.shape(x)

    def dtype(self, x):
        if not isinstance(x, Tensor):
            x = self.convert(x)
        try:
            return _NAMES[x.dtype]
        except KeyError:
            raise TypeError(f"Unsupported dtype {x.dtype}; kerasette supports "
                            f"{', '.join(_NAMES.values())}.") from None

    def is_array(self, x):
        return isinstance(x, Tensor)

    def ndim(self, x):
        return self._t(x).ndim

    def size(self, x):
        return self._t(x).numel()

    def zeros_like(self, x, dtype=None):
        return torch.zeros_like(x, dtype=None if dtype is None else _dt(dtype))

    def ones_like(self, x, dtype=None):
        return torch.ones_like(x, dtype=None if dtype is None else _dt(dtype))

    # ------------------------------------------------------ element-wise binary
    # The `type(...) is not Tensor` test keeps the common tensor-tensor call free
    # of conversion work; a torch RuntimeError there is a shape mismatch.
    def add(self, x, y):
        if type(x) is not Tensor or type(y) is not Tensor:
            x, y = self._pair(x, y)
        try:
            return x + y
        except RuntimeError as e:
            raise _shapes_error("add", e, x, y) from None

    def subtract(self, x, y):
        if type(x) is not Tensor or type(y) is not Tensor:
            x, y = self._pair(x, y)
        try:
            return x - y
        except RuntimeError as e:
            raise _shapes_error("subtract", e, x, y) from None

    def multiply(self, x, y):
        if type(x) is not Tensor or type(y) is not Tensor:
            x, y = self._pair(x, y)
        try:
            return x * y
        except RuntimeError as e:
            raise _shapes_error("multiply", e, x, y) from None

    def divide(self, x, y):
        if type(x) is not Tensor or type(y) is not Tensor:
            x, y = self._pair(x, y)
        try:
            return x / y  # true division: integers give torch's default float32
        except RuntimeError as e:
            raise _shapes_error("divide", e, x, y) from None

    def power(self, x, y):
        if type(x) is not Tensor or type(y) is not Tensor:
            x, y = self._pair(x, y)
        try:
            return x ** y
        except RuntimeError as e:
            raise _shapes_error("power", e, x, y) from None

    def maximum(self, x, y):
        if type(x) is not Tensor or type(y) is not Tensor:
            x, y = self._pair(x, y)
        if type(y) in _PY_SCALARS:
            return torch.clamp_min(x, y)  # gradient to x where x >= y
        try:
            # not torch.maximum: it splits the gradient on ties; `x != x` keeps NaNs
            return torch.where((x >= y) | (x != x), x, y)
        except RuntimeError as e:
            raise _shapes_error("maximum", e, x, y) from None

    def minimum(self, x, y):
        if type(x) is not Tensor or type(y) is not Tensor:
            x, y = self._pair(x, y)
        if type(y) in _PY_SCALARS:
            return torch.clamp_max(x, y)  # gradient to x where x <= y
        try:
            return torch.where((x <= y) | (x != x), x, y)
        except RuntimeError as e:
            raise _shapes_error("minimum", e, x, y) from None

    def floor_divide(self, x, y):
        x, y = self._pair(x, y)
        try:
            return _nograd(x) // _nograd(y)
        except RuntimeError as e:
            raise _shapes_error("floor_divide", e, x, y) from None

    def mod(self, x, y):
        x, y = self._pair(x, y)
        try:
            return x % y  # torch.remainder: the sign of the divisor, as NumPy; gradients as JAX
        except RuntimeError as e:
            raise _shapes_error("mod", e, x, y) from None

    def where(self, condition, x, y):
        condition = self._t(condition)
        if condition.dtype != torch.bool:
            condition = condition != 0
        if not isinstance(x, Tensor) and type(x) not in _PY_SCALARS:
            x = self.convert(x)
        if not isinstance(y, Tensor) and type(y) not in _PY_SCALARS:
            y = self.convert(y)
        try:
            return torch.where(condition, x, y)
        except RuntimeError as e:
            raise _shapes_error("where", e, condition, x, y) from None

    # ------------------------------------------------------- element-wise unary
    def negative(self, x):
        return torch.neg(self._t(x))

    def abs(self, x):
        return torch.abs(self._t(x))

    def sign(self, x):
        return torch.sign(self._t(x))

    def exp(self, x):
        return torch.exp(self._t(x))

    def log(self, x):
        return torch.log(self._t(x))

    def log1p(self, x):
        return torch.log1p(self._t(x))

    def expm1(self, x):
        return torch.expm1(self._t(x))

    def sqrt(self, x):
        return torch.sqrt(self._t(x))

    def square(self, x):
        return torch.square(self._t(x))

    def sin(self, x):
        return torch.sin(self._t(x))

    def cos(self, x):
        return torch.cos(self._t(x))

    def tanh(self, x):
        return torch.tanh(self._t(x))

    def erf(self, x):
        return torch.erf(self._t(x))

    def sigmoid(self, x):
        return torch.sigmoid(self._t(x))

    def relu(self, x):
        return torch.relu(self._t(x))

    def softplus(self, x):
        return F.softplus(self._t(x))

    def round(self, x, decimals=0):
        x = self._t(x)
        if decimals == 0 or x.is_floating_point():
            return torch.round(x, decimals=decimals)  # half to even
        f = 10 ** -decimals if decimals < 0 else 1  # integers to tens, hundreds...
        return (torch.round(x.double() / f) * f).to(x.dtype)

    def floor(self, x):
        return torch.floor(self._t(x))

    def ceil(self, x):
        return torch.ceil(self._t(x))

    def clip(self, x, min_value, max_value):
        return torch.clamp(self._t(x), min_value, max_value)

    # native forms of the derived activations
    def reciprocal(self, x):
        return torch.reciprocal(self._t(x))

    def rsqrt(self, x):
        return torch.rsqrt(self._t(x))

    def softsign(self, x):
        return F.softsign(self._tf(x))

    def elu(self, x, alpha=1.0):
        return F.elu(self._tf(x), alpha)

    def selu(self, x):
        return F.selu(self._tf(x))

    def relu6(self, x):
        return F.relu6(self._tf(x))

    def silu(self, x):
        return F.silu(self._tf(x))

    def gelu(self, x, approximate=True):
        return F.gelu(self._tf(x), approximate="tanh" if approximate else "none")

    def hard_sigmoid(self, x):
        return F.hardsigmoid(self._tf(x))  # relu6(x + 3) / 6 == clip(x / 6 + 0.5, 0, 1)

    def hard_silu(self, x):
        return F.hardswish(self._tf(x))

    # ----------------------------------------------------- comparison and logic
    def equal(self, x, y):
        if type(x) is not Tensor or type(y) is not Tensor:
            x, y = self._pair(x, y)
        try:
            return x == y
        except RuntimeError as e:
            raise _shapes_error("equal", e, x, y) from None

    def not_equal(self, x, y):
        if type(x) is not Tensor or type(y) is not Tensor:
            x, y = self._pair(x, y)
        try:
            return x != y
        except RuntimeError as e:
            raise _shapes_error("not_equal", e, x, y) from None

    def less(self, x, y):
        if type(x) is not Tensor or type(y) is not Tensor:
            x, y = self._pair(x, y)
        try:
            return x < y
        except RuntimeError as e:
            raise _shapes_error("less", e, x, y) from None

    def less_equal(self, x, y):
        if type(x) is not Tensor or type(y) is not Tensor:
            x, y = self._pair(x, y)
        try:
            return x <= y
        except RuntimeError as e:
            raise _shapes_error("less_equal", e, x, y) from None

    def greater(self, x, y):
        if type(x) is not Tensor or type(y) is not Tensor:
            x, y = self._pair(x, y)
        try:
            return x > y
        except RuntimeError as e:
            raise _shapes_error("greater", e, x, y) from None

    def greater_equal(self, x, y):
        if type(x) is not Tensor or type(y) is not Tensor:
            x, y = self._pair(x, y)
        try:
            return x >= y
        except RuntimeError as e:
            raise _shapes_error("greater_equal", e, x, y) from None

    def _logical(self, op, fn, x, y):
        x, y = self._t(x), self._t(y)
        try:
            return fn(x, y)
        except RuntimeError as e:
            raise _shapes_error(op, e, x, y) from None

    def logical_and(self, x, y):
        return self._logical("logical_and", torch.logical_and, x, y)

    def logical_or(self, x, y):
        return self._logical("logical_or", torch.logical_or, x, y)

    def logical_not(self, x):
        return torch.logical_not(self._t(x))

    def isnan(self, x):
        return torch.isnan(self._t(x))

    def isfinite(self, x):
        return torch.isfinite(self._t(x))

    # --------------------------------------------------------------- reductions
    # torch reads dim=() as "all axes"; NumPy's axis=() reduces nothing.
    def sum(self, x, axis=None, keepdims=False):
        if axis is None and not keepdims:
            return self._t(x).sum()
        if axis == ():
            return self._t(x)
        return torch.sum(self._t(x), dim=_dims(axis), keepdim=keepdims)

    def mean(self, x, axis=None, keepdims=False):
        x = self._t(x)
        if not (x.is_floating_point() or x.is_complex()):
            x = x.to(torch.float32)
        if axis == ():
            return x
        if axis is None and not keepdims:
            return x.mean()  # (not dim=(): DTensor's sharding rules read that as "no axis")
        return torch.mean(x, dim=_dims(axis), keepdim=keepdims)

    def max(self, x, axis=None, keepdims=False, initial=None):
        out = self._t(x) if axis == () else torch.amax(self._t(x), dim=_dims(axis), keepdim=keepdims)
        return out if initial is None else self.maximum(out, initial)  # amax: ties share the gradient

    def min(self, x, axis=None, keepdims=False, initial=None):
        out = self._t(x) if axis == () else torch.amin(self._t(x), dim=_dims(axis), keepdim=keepdims)
        return out if initial is None else self.minimum(out, initial)

    def prod(self, x, axis=None, keepdims=False, dtype=None):
        x = self._t(x) if dtype is None else self.cast(x, dtype)
        if x.dtype in _WIDEN:  # torch would widen to int64; Keras gives int32
            return self.cast(self.prod(x.to(torch.int64), axis, keepdims), "int32")
        if axis is None:
            out = torch.prod(x)
            return out.reshape((1,) * x.ndim) if keepdims else out
        if type(axis) is int:
            return torch.prod(x, dim=axis, keepdim=keepdims)
        axes = sorted((a % x.ndim for a in axis), reverse=True)
        for a in axes:  # torch.prod reduces one axis at a time
            x = torch.prod(x, dim=a, keepdim=True)
        return x if keepdims else x.squeeze(tuple(axes))

    def argmax(self, x, axis=None, keepdims=False):
        return _arg(torch.argmax, self._t(x), axis, keepdims)  # first occurrence

    def argmin(self, x, axis=None, keepdims=False):
        return _arg(torch.argmin, self._t(x), axis, keepdims)

    def any(self, x, axis=None, keepdims=False):
        return _truth_reduce(torch.any, self._t(x), axis, keepdims)

    def all(self, x, axis=None, keepdims=False):
        return _truth_reduce(torch.all, self._t(x), axis, keepdims)

    def cumsum(self, x, axis=None, dtype=None):
        x = self._t(x) if dtype is None else self.cast(x, dtype)
        if axis is None:
            x, axis = x.reshape(-1), 0
        # torch would widen integers to int64; Keras keeps them (bool: int32)
        out_dt = torch.int32 if x.dtype == torch.bool else x.dtype
        return torch.cumsum(x, dim=axis, dtype=out_dt)

    def var(self, x, axis=None, keepdims=False):
        return _spread(torch.var, self._t(x), axis, keepdims)

    def std(self, x, axis=None, keepdims=False):
        return _spread(torch.std, self._t(x), axis, keepdims)

    def logsumexp(self, x, axis=None, keepdims=False):
        x = self._t(x)
        if axis == ():
            return x
        dim = tuple(range(x.ndim)) if axis is None else axis
        return torch.logsumexp(x, dim=dim, keepdim=keepdims)

    # --------------------------------------------------------------- shape ops
    def reshape(self, x, shape):
        return self._t(x).reshape(shape)

    def transpose(self, x, axes=None):
        x = self._t(x)
        if axes is None:
            return x.permute(*range(x.ndim - 1, -1, -1))
        return x.permute(*axes)

    def expand_dims(self, x, axis):
        x = self._t(x)
        if type(axis) is int:
            return x.unsqueeze(axis)
        nd = x.ndim + len(axis)
        for a in sorted(a % nd for a in axis):
            x = x.unsqueeze(a)
        return x

    def squeeze(self, x, axis=None):
        x = self._t(x)
        if axis is None:
            return x.squeeze()
        axes = (axis,) if type(axis) is int else tuple(axis)
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(f"squeeze: axis {a} of shape {tuple(x.shape)} has length "
                                 f"{x.shape[a]}, not 1.")
        return x.squeeze(axes)

    def concatenate(self, xs, axis=0):
        return _joined("concatenate", torch.cat, [self._t(a) for a in xs], axis)

    def stack(self, xs, axis=0):
        return _joined("stack", torch.stack, [self._t(a) for a in xs], axis)

    def split(self, x, indices_or_sections, axis=0):
        x = self._t(x)
        if isinstance(indices_or_sections, (int, np.integer)):
            n, k = x.shape[axis], int(indices_or_sections)
            if k <= 0 or n % k:
                raise ValueError(f"split: axis {axis} of length {n} does not divide into "
                                 f"{k} equal sections.")
            return list(torch.split(x, n // k, dim=axis))
        return list(torch.tensor_split(x, [int(i) for i in indices_or_sections], dim=axis))

    def tile(self, x, repeats):
        return torch.tile(self._t(x), (repeats,) if isinstance(repeats, int) else tuple(repeats))

    def repeat(self, x, repeats, axis=None):
        if not isinstance(repeats, (int, np.integer)):
            repeats = self._t(repeats).long().to(self.device).reshape(-1)
            if repeats.numel() == 1:
                repeats = int(repeats)
        return torch.repeat_interleave(self._t(x), repeats, dim=axis)

    def pad(self, x, pad_width, mode="constant", constant_values=None):
        x = self._t(x)
        if mode != "constant":
            if constant_values is not None:
                raise ValueError(f"pad: constant_values is only for mode='constant', got mode={mode!r}.")
            idx = pad_index_map(tuple(x.shape), pad_pairs(pad_width, x.ndim), mode)
            return x.reshape(-1)[torch.from_numpy(idx).to(self.device)]
        if constant_values is None:
            constant_values = 0
        if isinstance(pad_width, (int, np.integer)):
            pairs = [(int(pad_width),) * 2] * x.ndim
        else:
            pw = list(pad_width)
            if pw and isinstance(pw[0], (int, np.integer)):  # one (before, after) for all axes
                pw = [tuple(pw)]
            pairs = [tuple(p) if len(p) == 2 else (p[0], p[0]) for p in pw]
            if len(pairs) == 1:
                pairs = pairs * x.ndim
            if len(pairs) != x.ndim:
                raise ValueError(f"pad: pad_width {pad_width!r} does not fit shape "
                                 f"{tuple(x.shape)}.")
        return F.pad(x, nn.torch_pads(pairs), value=constant_values)

    def getitem(self, x, key):
        keys = key if type(key) is tuple else (key,)
        for k in keys:
            if type(k) is slice and k.step is not None and k.step < 0:
                return _getitem_negative_steps(x, keys)
        return x[key]

    def flip(self, x, axis=None):
        x = self._t(x)
        if axis is None:
            return torch.flip(x, tuple(range(x.ndim)))
        return torch.flip(x, (axis,) if type(axis) is int else tuple(axis))

    def broadcast_to(self, x, shape):
        x = self._t(x)
        try:
            return torch.broadcast_to(x, tuple(shape))
        except RuntimeError as e:
            raise ValueError(f"broadcast_to: cannot broadcast shape {tuple(x.shape)} to "
                             f"{tuple(shape)} ({e})") from None

    def moveaxis(self, x, source, destination):
        return torch.movedim(self._t(x), source, destination)

    def swapaxes(self, x, axis1, axis2):
        return torch.swapaxes(self._t(x), axis1, axis2)

    def unstack(self, x, num=None, axis=0):
        x = self._t(x)
        if num is not None and num != x.shape[axis]:
            raise ValueError(f"unstack: num={num} but axis {axis} of shape {tuple(x.shape)} has "
                             f"length {x.shape[axis]}.")
        return list(torch.unbind(x, dim=axis))

    # ----------------------------------------------------------------- indexing
    def _indices(self, indices):
        indices = self._t(indices)
        if indices.dtype in (torch.uint8, torch.bool) or indices.is_floating_point():
            indices = indices.long()  # a uint8/bool index would act as a mask
        return indices

    def _fill(self, indices, n):
        """Keras's (JAX's) "fill" mode: (indices with negatives wrapped and out-of-range
        ones set to 0, mask of the out-of-range ones or None); no host sync on GPU."""
        if isinstance(indices, int):
            indices = indices + n if indices < 0 else indices
            if 0 <= indices < n:
                return indices, None
            return 0, torch.ones((), dtype=torch.bool, device=self.device)
        if indices.device.type == "cpu" and (indices.numel() == 0 or (
                int(indices.min()) >= 0 and int(indices.max()) < n)):
            return indices, None  # the common case, checked cheaply on the host
        indices = torch.where(indices < 0, indices + n, indices)
        bad = (indices < 0) | (indices >= n)
        return indices.masked_fill(bad, 0), bad

    def _filled(self, out, bad):
        dt = out.dtype
        if dt.is_floating_point:
            value = float("nan")
        elif dt == torch.bool:
            value = True
        elif dt == torch.uint8:
            value = 255
        else:
            value = torch.iinfo(dt).min
        return out.masked_fill(bad, value)

    def take(self, x, indices, axis=None):
        x = self._t(x)
        if isinstance(indices, np.integer):
            indices = int(indices)
        if not isinstance(indices, int):
            indices = self._indices(indices)
        if axis is None:
            x, axis = x.reshape(-1), 0
        a = axis % x.ndim
        indices, bad = self._fill(indices, x.shape[a])
        out = x[(slice(None),) * a + (indices,)]
        if bad is None:
            return out
        if bad.ndim:
            bad = bad.reshape((1,) * a + tuple(bad.shape) + (1,) * (x.ndim - a - 1))
        return self._filled(out, bad)

    def take_along_axis(self, x, indices, axis=None):
        x, indices = self._t(x), self._t(indices)
        if axis is None:
            x, axis = x.reshape(-1), 0
        if indices.dtype != torch.int64:
            indices = indices.long()
        indices, bad = self._fill(indices, x.shape[axis])
        out = torch.take_along_dim(x, indices, dim=axis)
        return out if bad is None else self._filled(out, bad)

    def scatter_add(self, x, indices, updates):
        x, updates = self._t(x), self._t(updates)
        if updates.dtype != x.dtype:
            updates = updates.to(x.dtype)
        try:
            return x.index_add(0, self._indices(indices), updates)
        except (RuntimeError, IndexError) as e:
            raise _shapes_error("scatter_add", e, x, indices, updates) from None

    def top_k(self, x, k, sorted=True):
        values, indices = torch.topk(self._t(x), k, dim=-1, largest=True, sorted=sorted)
        return values, indices.to(torch.int32)

    # ----------------------------------------------------------- linear algebra
    def matmul(self, x, y):
        x, y = self._t(x), self._t(y)
        if x.dtype != y.dtype:
            dt = torch.promote_types(x.dtype, y.dtype)
            x, y = x.to(dt), y.to(dt)
        try:
            return torch.matmul(x, y)
        except RuntimeError as e:
            raise _shapes_error("matmul", e, x, y) from None

    def einsum(self, subscripts, *operands):
        operands = [self._t(a) for a in operands]
        if len({a.dtype for a in operands}) > 1:
            dt = operands[0].dtype
            for a in operands[1:]:
                dt = torch.promote_types(dt, a.dtype)
            operands = [a.to(dt) for a in operands]
        try:
            return torch.einsum(subscripts, *operands)
        except RuntimeError as e:
            raise _shapes_error(f"einsum {subscripts!r}", e, *operands) from None

    def tensordot(self, x, y, axes=2):
        x, y = self._t(x), self._t(y)
        if not isinstance(axes, int):
            axes = [[a] if isinstance(a, int) else list(a) for a in axes]
        return torch.tensordot(x, y, dims=axes)

    # -------------------------------------------------------------- neural ops
    def softmax(self, x, axis=-1):
        if type(axis) is not int:
            return super().softmax(x, axis)
        return torch.softmax(self._tf(x), dim=axis)

    def log_softmax(self, x, axis=-1):
        if type(axis) is not int:
            return super().log_softmax(x, axis)
        return torch.log_softmax(self._tf(x), dim=axis)

    def _conv(self, x, kernel, strides=1, padding="valid", dilation_rate=1, groups=1):
        return nn.conv(x, kernel, strides, padding, dilation_rate, groups)

    def _conv_transpose(self, x, kernel, strides=1, padding="valid", output_padding=None,
                       dilation_rate=1):
        return nn.conv_transpose(x, kernel, strides, padding, output_padding, dilation_rate)

    def _max_pool(self, x, pool_size, strides=None, padding="valid"):
        return nn.max_pool(x, pool_size, strides, padding)

    def _avg_pool(self, x, pool_size, strides=None, padding="valid"):
        return nn.avg_pool(x, pool_size, strides, padding)

    def ctc_loss(self, target, output, target_length, output_length, mask_index=0):
        return nn.ctc_loss(self._t(target), self._t(output), self._t(target_length),
                           self._t(output_length), mask_index)

    def lstm(self, x, h0, c0, kernel, recurrent_kernel, bias, go_backwards=False):
        return nn.lstm(x, h0, c0, kernel, recurrent_kernel, bias, go_backwards)

    def gru(self, x, h0, kernel, recurrent_kernel, bias, go_backwards=False):
        return nn.gru(x, h0, kernel, recurrent_kernel, bias, go_backwards)

    # ------------------------------------------------------------------ random
    def _seeded(self, seed):
        # one generator re-seeded per draw; int() of a device tensor syncs once
        if getattr(seed, "shape", ()) == (2,):  # a (2,) seed state [seed, counter]: seed + counter
            seed = int(seed[0]) + int(seed[1])
        return self._generator.manual_seed(int(seed) & 0xFFFF_FFFF_FFFF_FFFF)

    def random_uniform(self, shape, seed, minval=0.0, maxval=1.0, dtype="float32"):
        u = torch.rand(shape, generator=self._seeded(seed), dtype=_dt(dtype), device=self.device)
        if minval != 0.0 or maxval != 1.0:
            u = u * (maxval - minval) + minval
        return u

    def random_normal(self, shape, seed, mean=0.0, stddev=1.0, dtype="float32"):
        z = torch.randn(shape, generator=self._seeded(seed), dtype=_dt(dtype), device=self.device)
        if mean != 0.0 or stddev != 1.0:
            z = z * stddev + mean
        return z

    # ---------------------------------------------------------------- control
    def stop_gradient(self, x):
        return self._t(x).detach()

    # How many value_and_grad calls are running (>0: a nested call keeps its graph so
    # that its results can be differentiated again), and whether variables are leaf
    # tensors collecting ``.grad`` (Model.zero_grad, the ``loss.backward()`` idiom).
    _grad_depth = 0
    _grad_leaves = False

    def value_and_grad(self, fn):
        def value_and_grad_fn(params, *args):
            nested = self._grad_depth > 0
            higher = nested or self._grad_leaves
            if higher:
                # a new node per param: the results stay functions of the enclosing graph
                leaves = [self._t(p) for p in params]
                leaves = [(p.view_as(p) if p.requires_grad else p.detach().requires_grad_())
                          if p.is_floating_point() else p for p in leaves]
            else:
                leaves = [self._t(p).detach() for p in params]
                leaves = [p.requires_grad_() if p.is_floating_point() else p for p in leaves]
            type(self)._grad_depth += 1
            try:
                with torch.enable_grad():
                    value, aux = fn(leaves, *args)
            finally:
                type(self)._grad_depth -= 1
            wrt = [p for p in leaves if p.requires_grad]
            found = (torch.autograd.grad(value, wrt, allow_unused=True, create_graph=higher)
                     if wrt and value.requires_grad else [None] * len(wrt))
            if len(wrt) < len(leaves):  # non-float params get zeros
                found = iter(found)
                found = [next(found) if p.requires_grad else None for p in leaves]
            grads = [torch.zeros_like(p) if g is None else g for p, g in zip(leaves, found)]
            if higher:  # nested: aux stays a function of the enclosing graph (as on JAX)
                return (value, aux if nested else _detach(aux)), grads
            return (value.detach(), _detach(aux)), grads

        return value_and_grad_fn

    def _mark_grad_leaves(self, variables):
        """Make each float variable's value a leaf tensor that collects ``.grad``
        (PyTorch's ``loss.backward()`` idiom), with ``.grad`` cleared."""
        for v in variables:
            t = v._value
            if t.is_floating_point():
                if not (t.is_leaf and t.requires_grad):
                    v._value = t.detach().requires_grad_()
                else:
                    t.grad = None
        type(self)._grad_leaves = True

    def _unmark_grad_leaves(self, variables):
        """Back to plain tensors after a step that used ``_mark_grad_leaves``."""
        for v in variables:
            t = v._value
            if t.requires_grad:
                v._value = t.detach()
        type(self)._grad_leaves = False

    def jit(self, fn, donate_argnums=(), compile=False):
        """Eager (``fn`` itself) unless ``compile``: then ``torch.compile(fn)``. When
        torch cannot compile it (no C++ compiler, an unsupported construct), the
        step runs eagerly and a warning says so, once."""
        if not compile:
            return fn
        try:
            compiled = torch.compile(fn)
        except Exception as e:  # noqa: BLE001 - any failure of the compiler means eager
            _warn_not_compiled(e)
            return fn
        current = [compiled]

        def run(*args):
            f = current[0]
            if f is fn:
                return fn(*args)
            try:
                return f(*args)
            except Exception as e:  # noqa: BLE001
                out = fn(*args)  # an error of the step itself raises here, unchanged
                current[0] = fn
                _warn_not_compiled(e)
                return out

        return run


_WARNED_NOT_COMPILED = []


def _warn_not_compiled(error):
    if not _WARNED_NOT_COMPILED:
        _WARNED_NOT_COMPILED.append(True)
        first = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        warnings.warn(f"jit_compile=True: torch.compile could not compile the step "
                      f"({type(error).__name__}: {first}); running it eagerly instead.",
                      RuntimeWarning, stacklevel=3)


def _fits_int32(a):
    return a.size == 0 or (int(a.min()) >= -2 ** 31 and int(a.max()) < 2 ** 31)


def _no_bool(x):
    return x.to(torch.uint8) if x.dtype == torch.bool else x


_WIDEN = (torch.bool, torch.int8, torch.int16, torch.int32, torch.uint8)


def _arg(fn, x, axis, keepdims):
    """torch.argmax / argmin as Keras: None flattens, int32 result."""
    x = _no_bool(x)
    if axis is None:
        out = fn(x.reshape(-1))
        out = out.reshape((1,) * x.ndim) if keepdims else out
    else:
        out = fn(x, dim=axis, keepdim=keepdims)
    return out.to(torch.int32)


def _nograd(x):
    return x.detach() if isinstance(x, Tensor) else x


def _getitem_negative_steps(x, keys):
    """``x[keys]`` where some slices step backwards: flip those axes, then step forwards."""
    consumed = sum(1 for k in keys if k is not None and k is not Ellipsis)
    flips, new, d = [], [], 0
    for k in keys:
        if k is Ellipsis:
            d += x.ndim - consumed
        elif k is not None:
            if type(k) is slice and k.step is not None and k.step < 0:
                n = x.shape[d]
                start, stop, step = k.indices(n)
                count = len(range(start, stop, step))
                first = n - 1 - start
                k = slice(first, first + (count - 1) * -step + 1, -step) if count else slice(0, 0)
                flips.append(d)
            d += 1
        new.append(k)
    return torch.flip(x, flips)[tuple(new)]
