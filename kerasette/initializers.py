"""Weight initializers with Keras 3's names, arguments and configs.

Every initializer draws on the host, in NumPy, and returns a NumPy array:
unseeded ones from kerasette's global generator
(``kerasette.utils.set_random_seed``), seeded ones from their own
``np.random.default_rng(seed)`` made afresh per call, so a seeded initializer
repeats itself (as in Keras 3). Draws are made in float64 and then cast, so the
same seed gives bit-identical initial weights on every engine. ``bfloat16``,
which NumPy cannot hold, comes back as float32; the engine casts it on
conversion.
"""
from __future__ import annotations

import math

import numpy as np

from . import config as _config
from .backends.base import standardize_dtype
from .utils import registry as _registry
from .utils.seeding import global_rng

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "Identity", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
    "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal", "STFT", "STFTInitializer",
    "IdentityInitializer", "OrthogonalInitializer", "compute_fans", "get",
    "serialize", "deserialize",
]

_MODULE = "keras.initializers"
# std of a standard normal truncated to [-2, 2]; VarianceScaling divides by it
_TRUNC_STD = 0.87962566103423978


def _shape(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _np_dtype(dtype):
    name = standardize_dtype(dtype or _config.floatx())
    return np.dtype("float32" if name == "bfloat16" else name)


def compute_fans(shape, input_axes=None, output_axes=None):
    """Number of input and output units of a weight of ``shape``, as Keras.

    Dense kernels ``(in, out)`` give ``(in, out)``; conv kernels ``(*window,
    c_in, c_out)`` give ``(prod(window) * c_in, prod(window) * c_out)``; a vector
    gives its length twice and a scalar ``(1, 1)``. ``input_axes`` and
    ``output_axes`` (both given) name the axes to multiply instead.

    Returns:
        ``(fan_in, fan_out)`` as ints.

    Example:
        >>> compute_fans((3, 3, 16, 32))
        (144, 288)
    """
    shape = _shape(shape)
    if input_axes is not None and output_axes is not None:
        return (int(np.prod([shape[a] for a in input_axes], dtype=np.int64)),
                int(np.prod([shape[a] for a in output_axes], dtype=np.int64)))
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = 1
    for d in shape[:-2]:
        receptive *= d
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``init(shape, dtype=None)`` returns a NumPy array of ``shape``.

    Subclasses implement ``__call__`` and, when they take arguments,
    ``get_config`` returning them (``from_config`` then just calls the class).

    Example:
        >>> class Halves(Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return np.full(shape, 0.5, dtype or "float32")
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype=None).")

    def get_config(self):
        """The constructor arguments, JSON-serializable."""
        return {}

    @classmethod
    def from_config(cls, config):
        """An instance from ``get_config()``'s output."""
        return cls(**config)

    def clone(self):
        """A fresh instance with the same config."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


# ----------------------------------------------------------------- constants
class Zeros(Initializer):
    """All zeros.

    Example:
        >>> Zeros()((2, 3)).sum()
        0.0
    """

    def __call__(self, shape, dtype=None):
        return np.zeros(_shape(shape), _np_dtype(dtype))


class Ones(Initializer):
    """All ones.

    Example:
        >>> Ones()((2,))
        array([1., 1.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return np.ones(_shape(shape), _np_dtype(dtype))


class Constant(Initializer):
    """Every element equal to ``value`` (a scalar).

    Args:
        value: the fill value.

    Example:
        >>> Constant(0.1)((3,))
        array([0.1, 0.1, 0.1], dtype=float32)
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(_shape(shape), np.asarray(self.value), _np_dtype(dtype))

    def get_config(self):
        value = self.value
        if isinstance(value, (np.ndarray, np.generic)):
            value = value.tolist()
        return {"value": value}

    @classmethod
    def from_config(cls, config):
        value = config["value"]
        if isinstance(value, dict) and "config" in value:  # Keras's serialized array form
            value = value["config"].get("value", value["config"])
        return cls(value)


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes; rectangular allowed).

    Args:
        gain: the diagonal value.

    Example:
        >>> Identity(2.0)((2, 2))
        array([[2., 0.],
               [0., 2.]], dtype=float32)
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2-D shape; received shape={shape} "
                             f"of rank {len(shape)}.")
        return (self.gain * np.eye(*shape)).astype(_np_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


_WINDOWS = {  # symmetric window of n points (periodic: n + 1 points, last dropped), cosine sums
    "hann": (0.5, 0.5), "hanning": (0.5, 0.5), "hamming": (0.54, 0.46),
    "blackman": (0.42, 0.5, 0.08), "boxcar": (1.0,), "ones": (1.0,),
}


def _window(name, n, periodic):
    """A window function's ``n`` values, as ``scipy.signal.get_window`` (``periodic``: its
    "fftbins" form); hann, hamming, blackman and boxcar are computed here, others by SciPy."""
    if name in _WINDOWS:
        m = n + 1 if periodic else n
        if m == 1:
            return np.ones(n)
        k = np.arange(m) * (2 * np.pi / (m - 1))
        coefs = _WINDOWS[name]
        w = sum(((-1) ** i) * c * np.cos(i * k) for i, c in enumerate(coefs))
        return w[:n]
    try:
        from scipy.signal import get_window
    except ImportError as e:
        raise ValueError(f"The window {name!r} needs SciPy (pip install scipy); hann, hamming, "
                         "blackman and boxcar do not.") from e
    return np.asarray(get_window(name, n, fftbins=periodic), dtype=np.float64)


class STFT(Initializer):
    """Convolution kernels that compute a short-time Fourier transform, as ``keras.initializers.STFT``.

    For a kernel of shape ``(frame_length, 1, bins)`` the real (``side="real"``:
    cosine) or imaginary (``"imag"``: sine) DFT basis of ``2 * (bins - 1)``-point
    FFTs, times the window, divided by the window's norm (``scaling="density"``),
    its sum (``"spectrum"``) or not at all (None).

    Args:
        side: ``"real"`` or ``"imag"``.
        window: a window name (``"hann"``...), an array of ``frame_length`` values, or None.
        scaling: ``"density"``, ``"spectrum"`` or None.
        periodic: use the periodic form of a named window (for spectral analysis).
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"STFT: side should be 'real' or 'imag', not {side!r}.")
        if scaling not in (None, "density", "spectrum"):
            raise ValueError(f"STFT: scaling must be None, 'density' or 'spectrum'; received scaling={scaling!r}.")
        if isinstance(window, str):
            _window(window, 1, periodic)  # an unknown name fails here, not at build
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) != 3:
            raise ValueError(f"STFT initializer needs a kernel shape (frame_length, 1, bins); got {shape}.")
        frame_length, _, bins = shape
        freq = np.arange(bins).reshape(1, 1, -1) / ((bins - 1) * 2)
        time = np.arange(frame_length).reshape(-1, 1, 1)
        angles = -2.0 * np.pi * time * freq
        kernel = np.cos(angles) if self.side == "real" else np.sin(angles)
        if self.window is not None:
            win = _window(self.window, frame_length, self.periodic) if isinstance(self.window, str) \
                else np.asarray(self.window, dtype=np.float64)
            if win.shape != (frame_length,):
                raise ValueError(f"STFT: the window must have shape ({frame_length},); got {win.shape}.")
            scale = {"density": np.sqrt(np.sum(win ** 2)), "spectrum": np.sum(np.abs(win)), None: 1.0}[self.scaling]
            kernel = kernel * win.reshape(-1, 1, 1) / scale
        return np.broadcast_to(kernel, shape).astype(_np_dtype(dtype))

    def get_config(self):
        window = self.window.tolist() if isinstance(self.window, np.ndarray) else self.window
        return {"side": self.side, "window": window, "scaling": self.scaling, "periodic": self.periodic}


# -------------------------------------------------------------------- random
class RandomInitializer(Initializer):
    """Base of the random initializers: owns the ``seed`` rule.

    ``seed=None`` draws from the global generator (``set_random_seed``), so
    successive calls differ; an integer seed makes every call return the same
    values.
    """

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"`seed` must be an integer or None; received seed={seed!r}.")
        self.seed = None if seed is None else int(seed)

    def _rng(self):
        return global_rng() if self.seed is None else np.random.default_rng(self.seed)

    def get_config(self):
        return {"seed": self.seed}


def _truncated_standard_normal(rng, shape):
    """Standard normals, re-drawing each value outside ``[-2, 2]`` until none is left."""
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2.0
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return z


class RandomNormal(RandomInitializer):
    """Normal draws with ``mean`` and ``stddev``.

    Args:
        mean: mean of the distribution.
        stddev: standard deviation.
        seed: integer for repeatable draws, or None for the global generator.

    Example:
        >>> w = RandomNormal(stddev=0.01, seed=1)((784, 10))
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        x = self._rng().normal(self.mean, self.stddev, _shape(shape))
        return x.astype(_np_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(RandomInitializer):
    """Uniform draws in ``[minval, maxval)``.

    Args:
        minval: lower bound (inclusive).
        maxval: upper bound (exclusive).
        seed: integer for repeatable draws, or None for the global generator.

    Example:
        >>> w = RandomUniform(-0.1, 0.1)((3, 4))
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        x = self._rng().uniform(self.minval, self.maxval, _shape(shape))
        return x.astype(_np_dtype(dtype))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class TruncatedNormal(RandomInitializer):
    """Normal draws with values beyond two ``stddev`` from ``mean`` re-drawn.

    Args:
        mean: mean of the untruncated distribution.
        stddev: standard deviation of the untruncated distribution.
        seed: integer for repeatable draws, or None for the global generator.

    Example:
        >>> w = TruncatedNormal(stddev=0.02)((128, 64))
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        z = _truncated_standard_normal(self._rng(), _shape(shape))
        return (self.mean + self.stddev * z).astype(_np_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class VarianceScaling(RandomInitializer):
    """Draws scaled to the weight's fans, as Keras.

    With ``n`` the fan chosen by ``mode`` (``fan_in``, ``fan_out`` or their
    average ``fan_avg``, at least 1): ``truncated_normal`` draws have standard
    deviation ``sqrt(scale / n)`` after truncation at two stddevs;
    ``untruncated_normal`` the same without truncation; ``uniform`` draws lie in
    ``[-limit, limit]`` with ``limit = sqrt(3 * scale / n)``.

    Args:
        scale: positive scaling factor.
        mode: ``'fan_in'``, ``'fan_out'`` or ``'fan_avg'``.
        distribution: ``'truncated_normal'`` (alias ``'normal'``),
            ``'untruncated_normal'`` or ``'uniform'``.
        seed: integer for repeatable draws, or None for the global generator.
        input_axes, output_axes: optional axes for ``compute_fans``.

    Example:
        >>> w = VarianceScaling(2.0, "fan_in", "uniform")((64, 32))
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if not scale > 0.0:
            raise ValueError(f"`scale` must be a positive float; received scale={scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` {mode!r}; expected 'fan_in', 'fan_out' or 'fan_avg'.")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"Invalid `distribution` {distribution!r}; expected 'truncated_normal', "
                             f"'untruncated_normal' or 'uniform'.")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed)

    def distribution_params(self, shape):
        """``(distribution, parameter)`` for ``shape``: the stddev of the normal
        before truncation (``truncated_normal``, ``untruncated_normal``) or the
        uniform ``limit``."""
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            return self.distribution, math.sqrt(scale) / _TRUNC_STD
        if self.distribution == "untruncated_normal":
            return self.distribution, math.sqrt(scale)
        return self.distribution, math.sqrt(3.0 * scale)

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        kind, param = self.distribution_params(shape)
        rng = self._rng()
        if kind == "truncated_normal":
            x = param * _truncated_standard_normal(rng, shape)
        elif kind == "untruncated_normal":
            x = rng.normal(0.0, param, shape)
        else:
            x = rng.uniform(-param, param, shape)
        return x.astype(_np_dtype(dtype))

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "input_axes": self.input_axes, "output_axes": self.output_axes,
                **super().get_config()}


class _FixedVarianceScaling(VarianceScaling):
    """A named VarianceScaling preset; its config holds only the seed (and axes if set)."""

    _preset = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        scale, mode, distribution = self._preset
        super().__init__(scale, mode, distribution, seed, input_axes, output_axes)

    def get_config(self):
        cfg = {"seed": self.seed}
        if self.input_axes is not None or self.output_axes is not None:
            cfg.update(input_axes=self.input_axes, output_axes=self.output_axes)
        return cfg


class GlorotUniform(_FixedVarianceScaling):
    """Uniform in ``[-limit, limit]``, ``limit = sqrt(6 / (fan_in + fan_out))`` (Xavier).

    Args:
        seed: integer for repeatable draws, or None for the global generator.

    Example:
        >>> kernel = GlorotUniform()((784, 128))
    """

    _preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    """Truncated normal with stddev ``sqrt(2 / (fan_in + fan_out))`` after truncation.

    Args:
        seed: integer for repeatable draws, or None for the global generator.

    Example:
        >>> kernel = GlorotNormal(seed=0)((64, 64))
    """

    _preset = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_FixedVarianceScaling):
    """Truncated normal with stddev ``sqrt(2 / fan_in)`` after truncation.

    Args:
        seed: integer for repeatable draws, or None for the global generator.

    Example:
        >>> kernel = HeNormal()((3, 3, 16, 32))
    """

    _preset = (2.0, "fan_in", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    """Uniform in ``[-limit, limit]``, ``limit = sqrt(6 / fan_in)``.

    Args:
        seed: integer for repeatable draws, or None for the global generator.

    Example:
        >>> kernel = HeUniform()((256, 256))
    """

    _preset = (2.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    """Truncated normal with stddev ``sqrt(1 / fan_in)`` after truncation.

    Args:
        seed: integer for repeatable draws, or None for the global generator.

    Example:
        >>> kernel = LecunNormal()((128, 10))
    """

    _preset = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    """Uniform in ``[-limit, limit]``, ``limit = sqrt(3 / fan_in)``.

    Args:
        seed: integer for repeatable draws, or None for the global generator.

    Example:
        >>> kernel = LecunUniform()((128, 10))
    """

    _preset = (1.0, "fan_in", "uniform")


class Orthogonal(RandomInitializer):
    """An orthogonal matrix (times ``gain``) from the QR decomposition of normal draws.

    Shapes of rank > 2 are treated as ``(prod(shape[:-1]), shape[-1])``; with
    fewer rows than columns the rows are orthonormal, else the columns are.

    Args:
        gain: multiplicative factor.
        seed: integer for repeatable draws, or None for the global generator.

    Example:
        >>> q = Orthogonal()((4, 4)); np.allclose(q @ q.T, np.eye(4), atol=1e-6)
        True
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank >= 2; received "
                             f"shape={shape} of rank {len(shape)}.")
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(_np_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


# ------------------------------------------------------------- name handling
_CLASSES = (Initializer, Zeros, Ones, Constant, Identity, RandomNormal, RandomUniform,
            TruncatedNormal, VarianceScaling, GlorotUniform, GlorotNormal, HeNormal, HeUniform,
            LecunNormal, LecunUniform, Orthogonal, STFT)
_TABLE = _registry.name_table(_CLASSES, {
    "normal": RandomNormal, "uniform": RandomUniform, "zero": Zeros, "one": Ones,
    "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal, "STFTInitializer": STFT,
})

# snake_case aliases, as ``keras.initializers.glorot_uniform``
zeros = zero = Zeros
ones = one = Ones
constant = Constant
identity = Identity
random_normal = normal = RandomNormal
random_uniform = uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = Orthogonal
stft = STFTInitializer = STFT
IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal


def serialize(initializer):
    """Keras 3's config dict for an initializer (None stays None).

    Example:
        >>> serialize(GlorotUniform(seed=3))["class_name"]
        'GlorotUniform'
    """
    return _registry.serialize(initializer, _MODULE)


def deserialize(config, custom_objects=None):
    """An initializer from ``serialize``'s dict (or Keras 3's) or a name."""
    return _registry.deserialize(config, _TABLE, "initializer", custom_objects)


def get(identifier):
    """An initializer from a name, a config dict, an instance, a class or a callable.

    Names are Keras's class names and snake_case names (``'glorot_uniform'``,
    ``'he_normal'``, ``'zeros'``, …). A NumPy array gives an initializer that
    returns it (the requested shape must match). ``None`` gives ``None``.

    Raises:
        ValueError: for an unknown name (the message lists close names) or an
            identifier of another kind.

    Example:
        >>> get("he_normal")
        HeNormal(seed=None)
    """
    if isinstance(identifier, (np.ndarray, np.generic)):
        fixed = np.asarray(identifier)

        def initialize_fn(shape, dtype=None):
            if _shape(shape) != fixed.shape:
                raise ValueError(f"This initializer holds an array of shape {fixed.shape}; "
                                 f"received shape={_shape(shape)}.")
            return fixed.astype(_np_dtype(dtype))

        return initialize_fn
    return _registry.get(identifier, "initializer", "a name, a config dict, an Initializer or a "
                         "callable (shape, dtype) -> array", deserialize)
