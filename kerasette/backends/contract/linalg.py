"""Linear algebra (decompositions, solves, norms) and signal processing (FFTs, STFT).

Part of the ops contract (see ``kerasette/backends/base.py`` for the rules).

Conventions shared by every op here (Keras 3 on its JAX backend):

* Matrices are the last two axes; leading axes are a batch. An op that needs a
  square matrix refuses other shapes with ``ValueError`` naming the op and the
  shape. Integer (and bool) inputs are computed in float32; float16/bfloat16
  input to a decomposition or solve raises ``TypeError`` (Keras fails there too).
* Numerically singular input never raises: ``inv`` and ``solve`` of an exactly
  singular matrix (a zero pivot) give an all-NaN result for that matrix on every
  engine (NumPy and torch raise natively, JAX gives a mix of inf and NaN);
  ``det`` gives 0 and ``slogdet`` ``(0, -inf)``.
* ``cholesky`` and ``eigh`` read the symmetric part ``(x + x^T) / 2`` of their
  input, as JAX does, so their gradient is symmetric. ``cholesky`` of a matrix
  that is not positive definite raises ``ValueError`` (as Keras on JAX); inside
  ``jax.jit`` no value can be inspected and the result is NaN.
* Decompositions (``qr``, ``svd``, ``eigh``, ``eig``) are unique only up to the
  signs (phases) of their vectors; engines may differ there.
* The FFT family takes and returns ``(real, imag)`` pairs of float arrays.
"""
from __future__ import annotations

import abc
import math

_FLOATS = ("float16", "bfloat16", "float32", "float64")


def check_matrix(op, shape, square=True, dtype=None):
    """``ValueError`` naming ``op`` unless ``shape`` is ``(..., M, N)`` (square: ``M == N``);
    ``TypeError`` for a half-precision ``dtype`` (no engine's LAPACK takes it; Keras refuses it)."""
    if dtype is not None and str(dtype).replace("torch.", "") in ("float16", "bfloat16", "half"):
        raise TypeError(f"{op}: {str(dtype).replace('torch.', '')} input is not supported (no "
                        f"engine decomposes half-precision matrices); cast it to float32.")
    shape = tuple(shape)
    if len(shape) < 2:
        raise ValueError(f"{op}: expected a matrix of shape (..., M, N), got shape {shape}.")
    if square and shape[-1] != shape[-2]:
        raise ValueError(f"{op}: expected a square matrix (..., M, M); received non-square "
                         f"input with shape {shape}.")


def solve_shapes(op, a_shape, b_shape):
    """Check ``a`` ``(..., M, M)`` against ``b`` (``(M,)`` a vector, else ``(..., M, K)``)."""
    check_matrix(op, a_shape)
    b_shape = tuple(b_shape)
    m = a_shape[-1]
    rows = b_shape[0] if len(b_shape) == 1 else (b_shape[-2] if b_shape else None)
    if rows != m:
        raise ValueError(f"{op}: `b` must be (M,) or (..., M, K) with M = {m} for `a` of shape "
                         f"{tuple(a_shape)}; got `b` of shape {b_shape}.")


def _window_values(op, window, sequence_length, fft_length):
    """Keras's stft window: 'hann' / 'hamming' (periodic), None or an array; padded to
    ``fft_length`` in the middle. Returns a list of floats, or None for an array window."""
    l_pad = (fft_length - sequence_length) // 2
    r_pad = fft_length - sequence_length - l_pad
    if window is None:
        return [1.0] * fft_length
    if isinstance(window, str):
        n = sequence_length
        if window == "hann":
            w = [0.5 - 0.5 * math.cos(2 * math.pi * k / n) for k in range(n)]
        elif window == "hamming":
            w = [0.54 - 0.46 * math.cos(2 * math.pi * k / n) for k in range(n)]
        else:
            raise ValueError(f"{op}: a string `window` must be 'hann' or 'hamming'; got {window!r}.")
        return [0.0] * l_pad + w + [0.0] * r_pad
    return None


class LinalgOps(abc.ABC):
    """Linear algebra (decompositions, solves, norms) and signal processing (FFTs, STFT)."""

    # ----------------------------------------------------------- helpers
    def _linalg_float(self, x):
        x = self.convert(x)
        if self.dtype(x) not in _FLOATS:
            x = self.cast(x, "float32")
        return x

    def _linalg_eye(self, x):
        n = self.shape(x)[-1]
        return self.eye(n, dtype=self.dtype(x))

    def _linalg_tri_mask(self, n, lower):
        rows = self.expand_dims(self.arange(n), 1)
        cols = self.expand_dims(self.arange(n), 0)
        return self.greater_equal(rows, cols) if lower else self.less_equal(rows, cols)

    def _linalg_mT(self, x):
        return self.swapaxes(x, -1, -2)

    # ------------------------------------------------------ primitives
    @abc.abstractmethod
    def cholesky(self, x, upper=False):
        """Cholesky factor of a symmetric positive-definite ``x`` ``(..., M, M)``.

        Returns the lower factor ``L`` (``x = L L^T``), or with ``upper=True`` the
        upper factor ``U = L^T`` (``x = U^T U``). Reads the symmetric part
        ``(x + x^T) / 2``. A matrix that is not positive definite raises
        ``ValueError`` (NaN under ``jax.jit``). Differentiable.
        """

    @abc.abstractmethod
    def det(self, x):
        """Determinant of ``x`` ``(..., M, M)``, shape ``(...)``. Differentiable: the
        gradient is the cofactor matrix ``adj(x)^T`` (``det * inv(x)^T``), right at
        singular matrices too (as JAX; torch's own gives 0 there)."""

    @abc.abstractmethod
    def slogdet(self, x):
        """``(sign, log|det|)`` of ``x`` ``(..., M, M)``, each ``(...)``; a singular
        matrix gives ``(0, -inf)``. Differentiable in ``log|det|``."""

    @abc.abstractmethod
    def inv(self, x):
        """Inverse of ``x`` ``(..., M, M)``; an exactly singular matrix gives all NaN.
        Differentiable (``grad = -inv^T g inv^T``)."""

    @abc.abstractmethod
    def solve(self, a, b):
        """Solution ``X`` of ``a X = b``; ``a`` ``(..., M, M)``, ``b`` ``(M,)`` (a vector)
        or ``(..., M, K)``, batch axes broadcast (NumPy 2 / JAX rules). An exactly
        singular ``a`` gives all NaN. Differentiable in ``a`` and ``b``."""

    @abc.abstractmethod
    def pinv(self, x, rcond=None):
        """Moore-Penrose pseudo-inverse of ``x`` ``(..., M, N)`` -> ``(..., N, M)``.

        Singular values ``<= rcond * max(s)`` count as zero; ``rcond=None`` is
        JAX's default ``10 * max(M, N) * eps`` of the dtype. Differentiable (the
        constant-rank formula)."""

    @abc.abstractmethod
    def lu_factor(self, x):
        """LU with partial pivoting of ``x`` ``(..., M, M)``: ``(lu, pivots)``.

        ``lu`` holds ``U`` and the unit-diagonal ``L`` below it; ``pivots``
        ``(..., M)`` int32, 0-based LAPACK row swaps (row ``i`` was swapped with
        ``pivots[i]``), as JAX / SciPy. Differentiable in ``lu`` (pivots held fixed)."""

    @abc.abstractmethod
    def qr(self, x, mode="reduced"):
        """``(q, r)`` with ``x = q r`` for ``x`` ``(..., M, N)``, ``K = min(M, N)``.

        ``mode='reduced'``: ``q`` ``(..., M, K)``, ``r`` ``(..., K, N)``;
        ``'complete'``: ``q`` ``(..., M, M)``, ``r`` ``(..., M, N)``. Signs of the
        columns of ``q`` (rows of ``r``) are the engine's. Differentiable, except
        ``'complete'`` with ``M > N`` (``q`` is not unique there)."""

    @abc.abstractmethod
    def svd(self, x, full_matrices=True, compute_uv=True):
        """Singular value decomposition ``x = u diag(s) vh`` of ``x`` ``(..., M, N)``.

        Returns ``(u, s, vh)`` (``s`` descending, ``(..., K)``, ``K = min(M, N)``;
        ``full_matrices``: ``u`` ``(..., M, M)``, ``vh`` ``(..., N, N)``, else
        ``(..., M, K)`` and ``(..., K, N)``), or ``s`` alone when not
        ``compute_uv``. Differentiable for distinct non-zero singular values; with
        ``full_matrices`` on a non-square matrix the extra basis vectors (an
        arbitrary basis of the complement) carry no gradient (torch's rule; JAX
        alone would refuse the gradient)."""

    @abc.abstractmethod
    def eig(self, x):
        """Eigenvalues and right eigenvectors ``(w, v)`` of a general square ``x``
        ``(..., M, M)``, both complex64 (complex128 for float64 input where the
        engine has it), unordered. No gradient."""

    @abc.abstractmethod
    def eigh(self, x):
        """Eigenvalues (ascending) and eigenvectors ``(w, v)`` of the symmetric part
        of ``x`` ``(..., M, M)``: ``x = v diag(w) v^T``. Differentiable for distinct
        eigenvalues."""

    @abc.abstractmethod
    def fft(self, x):
        """Discrete Fourier transform along the last axis.

        ``x``: a pair ``(real, imag)`` of float arrays of one shape; returns the
        pair ``(real, imag)`` of the transform (same shape and dtype). Non-float
        input raises ``ValueError``. Differentiable in both parts."""

    # ---------------------------------------------------- derived ops
    def solve_triangular(self, a, b, lower=False):
        """Solution of ``a x = b`` reading only the lower (``lower=True``) or upper
        triangle of ``a`` ``(..., M, M)``; ``b`` ``(..., M)`` or ``(..., M, K)``.
        ``b`` is a (batch of) vector(s) when it has one axis or one axis fewer than
        ``a``. Differentiable; the gradient in ``a`` lies on the triangle read."""
        a, b = self._linalg_float(a), self._linalg_float(b)
        check_matrix("solve_triangular", self.shape(a))
        tri = self.where(self._linalg_tri_mask(self.shape(a)[-1], lower), a, self.zeros_like(a))
        vec = self.ndim(b) == 1 or self.ndim(b) == self.ndim(a) - 1
        rows = self.shape(b)[-1 if vec else -2] if self.ndim(b) else None
        if rows != self.shape(a)[-1]:
            raise ValueError(f"solve_triangular: `b` of shape {self.shape(b)} does not match `a` "
                             f"of shape {self.shape(a)}.")
        if vec:
            return self.squeeze(self.solve(tri, self.expand_dims(b, -1)), -1)
        return self.solve(tri, b)

    def cholesky_inverse(self, x, upper=False):
        """``inv(L L^T)`` for the lower Cholesky factor ``L = tril(x)``, or
        ``inv(U^T U)`` for ``U = triu(x)`` with ``upper=True`` (as Keras on JAX: ``x``
        is the factor, only its triangle is read). Differentiable."""
        x = self._linalg_float(x)
        check_matrix("cholesky_inverse", self.shape(x))
        eye = self.broadcast_to(self._linalg_eye(x), self.shape(x))
        f_inv = self.solve_triangular(x, eye, lower=not upper)
        if upper:
            return self.matmul(f_inv, self._linalg_mT(f_inv))
        return self.matmul(self._linalg_mT(f_inv), f_inv)

    def logdet(self, x):
        """``log|det(x)|`` of ``x`` ``(..., M, M)`` (Keras on JAX: the log of the
        absolute determinant, meant for positive-definite ``x``)."""
        return self.slogdet(x)[1]

    def lstsq(self, a, b, rcond=None):
        """Least-squares solution ``x`` of ``a x = b``: ``a`` ``(..., M, N)``, ``b``
        ``(M,)`` or ``(..., M, K)``; minimum-norm when ``a`` is rank deficient.
        Singular values below ``rcond * max(s)`` count as zero (``rcond=None``:
        ``eps * max(M, N)``, as JAX). Computed as ``pinv(a) @ b``; differentiable."""
        a, b = self._linalg_float(a), self._linalg_float(b)
        check_matrix("lstsq", self.shape(a), square=False)
        m, n = self.shape(a)[-2:]
        bs = self.shape(b)
        if not bs or (bs[0] if len(bs) == 1 else bs[-2]) != m:
            raise ValueError(f"lstsq: `b` must be (M,) or (..., M, K) with M = {m} for `a` of "
                             f"shape {self.shape(a)}; got `b` of shape {bs}.")
        if rcond is None:
            rcond = _eps(self.dtype(a)) * max(m, n)
        p = self.pinv(a, rcond=rcond)
        if len(bs) == 1:
            return self.squeeze(self.matmul(p, self.expand_dims(b, -1)), -1)
        return self.matmul(p, b)

    def matrix_rank(self, x, tol=None):
        """Number of singular values of ``x`` ``(..., M, N)`` above ``tol`` (int32,
        shape ``(...)``); ``tol=None``: ``max(s) * max(M, N) * eps`` (JAX's default)."""
        x = self._linalg_float(x)
        check_matrix("matrix_rank", self.shape(x), square=False)
        s = self.stop_gradient(self.svd(x, compute_uv=False))
        if tol is None:
            m, n = self.shape(x)[-2:]
            tol = self.multiply(self.max(s, axis=-1, keepdims=True), _eps(self.dtype(x)) * max(m, n))
        return self.cast(self.sum(self.cast(self.greater(s, tol), "int32"), axis=-1), "int32")

    def norm(self, x, ord=None, axis=None, keepdims=False):
        """Vector or matrix norm, as ``keras.ops.norm`` / ``numpy.linalg.norm``.

        ``axis`` None: the 2-norm of the flattened ``x`` when ``ord`` is None, else
        ``x`` must be 1-D (vector) or 2-D (matrix). An int axis: vector norms
        (``ord`` None/2, ``inf``, ``-inf``, 0 (count of non-zeros), any other
        number ``p``: ``sum(|x|^p)^(1/p)``). A 2-tuple: matrix norms (None/'fro',
        'nuc', ``inf``, ``-inf``, 1, -1, 2, -2). With ``ord=None`` any set of axes
        gives the 2-norm over them (Keras refuses more than two). Integer input
        gives float32.
        Differentiable (NaN at 0 for the 2-norm, as Keras on JAX)."""
        x = self._linalg_float(x)
        nd = self.ndim(x)
        if axis is None:
            if ord is None:
                return self.sqrt(self.sum(self.square(x), axis=None, keepdims=keepdims))
            if nd not in (1, 2):
                raise ValueError(f"norm: with `ord`={ord!r} and axis=None, `x` must be 1-D or 2-D; "
                                 f"got shape {self.shape(x)}. Pass one axis for a vector norm or "
                                 f"two for a matrix norm.")
            axis = tuple(range(nd))
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        axes = tuple(a % nd for a in axes) if nd else axes
        if ord is None and len(set(axes)) == len(axes):  # the 2-norm over any axes (a superset)
            return self.sqrt(self.sum(self.square(x), axis=axes, keepdims=keepdims))
        if len(axes) == 1:
            return self._vector_norm(x, ord, axes[0], keepdims)
        if len(axes) == 2 and axes[0] != axes[1]:
            return self._matrix_norm(x, ord, axes, keepdims)
        raise ValueError(f"norm: improper axis={axis!r} for `x` of shape {self.shape(x)}: pass one "
                         f"axis for a vector norm or two distinct axes for a matrix norm.")

    def _vector_norm(self, x, ord, axis, keepdims):
        if isinstance(ord, str):
            raise ValueError(f"norm: invalid order {ord!r} for a vector norm.")
        if ord is None or ord == 2:
            return self.sqrt(self.sum(self.square(x), axis=axis, keepdims=keepdims))
        ax = self.abs(x)
        if ord == math.inf:
            return self.max(ax, axis=axis, keepdims=keepdims)
        if ord == -math.inf:
            return self.min(ax, axis=axis, keepdims=keepdims)
        if ord == 0:
            nz = self.cast(self.not_equal(x, 0), self.dtype(x))
            return self.stop_gradient(self.sum(nz, axis=axis, keepdims=keepdims))
        if ord == 1:
            return self.sum(ax, axis=axis, keepdims=keepdims)
        s = self.sum(self.power(ax, float(ord)), axis=axis, keepdims=keepdims)
        return self.power(s, 1.0 / float(ord))

    def _matrix_norm(self, x, ord, axes, keepdims):
        r, c = axes
        if ord is None or ord == "fro":
            return self.sqrt(self.sum(self.square(x), axis=axes, keepdims=keepdims))
        if ord in ("nuc", 2, -2) and not isinstance(ord, bool):
            nd = self.ndim(x)
            rest = [a for a in range(nd) if a not in (r, c)]
            s = self.svd(self.transpose(x, rest + [r, c]), compute_uv=False)
            out = (self.sum(s, axis=-1) if ord == "nuc" else
                   self.max(s, axis=-1) if ord == 2 else self.min(s, axis=-1))
            if keepdims:
                for a in sorted((r, c)):
                    out = self.expand_dims(out, a)
            return out
        if ord in (math.inf, -math.inf, 1, -1) and not isinstance(ord, bool):
            along, across = (c, r) if ord in (math.inf, -math.inf) else (r, c)
            sums = self.sum(self.abs(x), axis=along, keepdims=True)
            pick = self.max if ord in (math.inf, 1) else self.min
            out = pick(sums, axis=across, keepdims=True)
            return out if keepdims else self.squeeze(out, axis=tuple(sorted(axes)))
        raise ValueError(f"norm: invalid order {ord!r} for a matrix norm.")

    def cdist(self, x, y):
        """Euclidean distances between the rows of ``x`` ``(..., M, D)`` and ``y``
        ``(..., N, D)``: ``(..., M, N)``. Differentiable (NaN at distance 0, as
        Keras on JAX)."""
        x, y = self._linalg_float(x), self._linalg_float(y)
        if self.ndim(x) < 2 or self.ndim(y) < 2 or self.shape(x)[-1] != self.shape(y)[-1]:
            raise ValueError(f"cdist: expected x (..., M, D) and y (..., N, D) with the same D; "
                             f"got shapes {self.shape(x)} and {self.shape(y)}.")
        d = self.subtract(self.expand_dims(x, -2), self.expand_dims(y, -3))
        return self.sqrt(self.sum(self.square(d), axis=-1))

    # ---------------------------------------------------------------- signal
    def _fft_pair(self, op, x):
        if not isinstance(x, (tuple, list)) or len(x) != 2:
            raise ValueError(f"{op}: `x` must be a tuple (real, imag) of two float arrays; got "
                             f"{type(x).__name__}.")
        re, im = self.convert(x[0]), self.convert(x[1])
        if self.dtype(re) not in _FLOATS or self.dtype(im) not in _FLOATS:
            raise ValueError(f"{op}: both parts of `x` must be float arrays; got dtypes "
                             f"{self.dtype(re)} and {self.dtype(im)}.")
        if self.shape(re) != self.shape(im):
            raise ValueError(f"{op}: the real and imaginary parts must have one shape; got "
                             f"{self.shape(re)} and {self.shape(im)}.")
        if not self.shape(re):
            raise ValueError(f"{op}: `x` must have at least 1 axis; got a scalar.")
        return re, im

    def fft2(self, x):
        """2-D discrete Fourier transform over the last two axes of ``x = (real, imag)``;
        returns ``(real, imag)``. Differentiable."""
        re, im = self._fft_pair("fft2", x)
        if self.ndim(re) < 2:
            raise ValueError(f"fft2: `x` must have at least 2 axes; got shape {self.shape(re)}.")
        re, im = self.fft((re, im))
        re, im = self.fft((self._linalg_mT(re), self._linalg_mT(im)))
        return self._linalg_mT(re), self._linalg_mT(im)

    def ifft2(self, x):
        """Inverse 2-D discrete Fourier transform over the last two axes of ``x =
        (real, imag)``; returns ``(real, imag)``. Differentiable."""
        re, im = self._fft_pair("ifft2", x)
        if self.ndim(re) < 2:
            raise ValueError(f"ifft2: `x` must have at least 2 axes; got shape {self.shape(re)}.")
        n = float(self.shape(re)[-1] * self.shape(re)[-2])
        fr, fi = self.fft2((re, self.negative(im)))
        return self.divide(fr, n), self.divide(self.negative(fi), n)

    def _fft_fit_last(self, x, n):
        """``x`` cropped or zero-padded to ``n`` entries along the last axis."""
        have = self.shape(x)[-1]
        if have > n:
            return self.getitem(x, (Ellipsis, slice(0, n)))
        if have < n:
            return self.pad(x, [(0, 0)] * (self.ndim(x) - 1) + [(0, n - have)])
        return x

    def rfft(self, x, fft_length=None):
        """Real-input DFT along the last axis: ``(real, imag)`` of ``fft_length // 2 + 1``
        bins; ``x`` is cropped or zero-padded to ``fft_length`` (default: its length).
        Differentiable."""
        x = self.convert(x)
        if self.dtype(x) not in _FLOATS:
            raise ValueError(f"rfft: `x` must be a float array; got dtype {self.dtype(x)}.")
        if not self.shape(x):
            raise ValueError("rfft: `x` must have at least 1 axis; got a scalar.")
        n = self.shape(x)[-1] if fft_length is None else int(fft_length)
        x = self._fft_fit_last(x, n)
        re, im = self.fft((x, self.zeros_like(x)))
        key = (Ellipsis, slice(0, n // 2 + 1))
        return self.getitem(re, key), self.getitem(im, key)

    def irfft(self, x, fft_length=None):
        """Inverse of ``rfft``: ``x = (real, imag)`` of ``K`` bins -> a real signal of
        ``fft_length`` samples (default ``2 * (K - 1)``); the bins are cropped or
        zero-padded to ``fft_length // 2 + 1`` and the imaginary parts of the DC (and
        Nyquist) bins are ignored. Differentiable."""
        re, im = self._fft_pair("irfft", x)
        k = self.shape(re)[-1]
        n = 2 * (k - 1) if fft_length is None else int(fft_length)
        if n < 1:
            raise ValueError(f"irfft: the output length must be >= 1; got fft_length={n} for "
                             f"{k} bins.")
        half = n // 2 + 1
        re, im = self._fft_fit_last(re, half), self._fft_fit_last(im, half)
        # the Hermitian-symmetric full spectrum: X[j] for j <= n/2, conj(X[n - j]) above
        idx = [j if j < half else n - j for j in range(n)]
        sign = [1.0 if j < half else -1.0 for j in range(n)]
        idx = self.convert(idx, "int32")
        full_re = self.take(re, idx, axis=-1)
        full_im = self.multiply(self.take(im, idx, axis=-1), self.convert(sign, self.dtype(im)))
        out, _ = self.fft((full_re, self.negative(full_im)))
        return self.divide(out, float(n))

    def _stft_window(self, op, window, sequence_length, fft_length, dtype):
        w = _window_values(op, window, sequence_length, fft_length)
        if w is not None:
            return self.convert(w, dtype)
        win = self.cast(self.convert(window), dtype)
        if self.shape(win) != (sequence_length,):
            raise ValueError(f"{op}: the shape of `window` must be ({sequence_length},) "
                             f"(sequence_length); got {self.shape(win)}.")
        l_pad = (fft_length - sequence_length) // 2
        return self.pad(win, [(l_pad, fft_length - sequence_length - l_pad)])

    def stft(self, x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
        """Short-time Fourier transform along the last axis, as Keras 3.

        Frames of ``fft_length`` samples every ``sequence_stride`` (after reflect
        padding by ``fft_length // 2`` on both sides when ``center``), each times
        the window (``'hann'``/``'hamming'`` periodic windows of ``sequence_length``
        or an array of that length, zero-padded to ``fft_length`` in the middle;
        ``None``: no window), then ``rfft``. Returns ``(real, imag)`` of shape
        ``(..., frames, fft_length // 2 + 1)``. ``x`` must be float32/float64
        (``TypeError`` otherwise). Differentiable."""
        x = self.convert(x)
        if self.dtype(x) not in ("float32", "float64"):
            raise TypeError(f"stft: `x` must be float32 or float64; got {self.dtype(x)}.")
        if fft_length < sequence_length:
            raise ValueError(f"stft: `fft_length` must be >= `sequence_length`; got "
                             f"sequence_length={sequence_length}, fft_length={fft_length}.")
        n = self.shape(x)[-1]
        pad = fft_length // 2 if center else 0
        if center and pad >= n:
            raise ValueError(f"stft: reflect padding by fft_length // 2 = {pad} needs more than "
                             f"{pad} samples; got {n}.")
        total = n + 2 * pad
        frames = 1 + (total - fft_length) // sequence_stride
        if frames < 1:
            raise ValueError(f"stft: the signal ({total} samples after padding) is shorter than "
                             f"fft_length={fft_length}.")

        def src(p):  # reflect padding as an index map
            p -= pad
            if p < 0:
                return -p
            return 2 * (n - 1) - p if p >= n else p

        idx = [[src(f * sequence_stride + t) for t in range(fft_length)] for f in range(frames)]
        segs = self.take(x, self.convert(idx, "int32"), axis=-1)
        win = self._stft_window("stft", window, sequence_length, fft_length, self.dtype(x))
        return self.rfft(self.multiply(segs, win), fft_length)

    def istft(self, x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
              center=True):
        """Inverse of ``stft`` (the same arguments), as Keras 3 on JAX.

        ``x = (real, imag)`` of shape ``(..., frames, bins)``: ``irfft`` each frame,
        multiply by the window, overlap-add, divide by the overlap-added squared
        window where it exceeds 1e-10. With ``center`` ``fft_length // 2`` samples
        are cut from both ends; ``length`` crops the result to that many samples
        from the start. With ``window=None`` the result is scaled by
        ``fft_length / sequence_stride``, as Keras does. Differentiable."""
        re, im = self._fft_pair("istft", x)
        if self.ndim(re) < 2:
            raise ValueError(f"istft: `x` must have at least 2 axes (..., frames, bins); got "
                             f"shape {self.shape(re)}.")
        frames_n = self.shape(re)[-2]
        dt = self.dtype(re)
        frames = self.irfft((re, im), fft_length)
        frames = self.getitem(frames, (Ellipsis, slice(0, fft_length)))
        win = self._stft_window("istft", window, sequence_length, fft_length, dt)
        frames = self.multiply(frames, win)
        total = fft_length + sequence_stride * (frames_n - 1)
        positions = [f * sequence_stride + t for f in range(frames_n) for t in range(fft_length)]
        pos = self.convert(positions, "int32")
        batch = self.shape(frames)[:-2]
        flat = self.reshape(frames, (-1, frames_n * fft_length))
        flat = self._linalg_mT(flat)  # (frames * fft_length, batch)
        out = self.scatter_add(self.zeros((total, self.shape(flat)[1]), dt), pos, flat)
        out = self.reshape(self._linalg_mT(out), batch + (total,))
        wsq = self.reshape(self.tile(self.square(win), (frames_n,)), (frames_n * fft_length, 1))
        norm = self.reshape(self.scatter_add(self.zeros((total, 1), dt), pos, wsq), (total,))
        norm = self.where(self.greater(norm, 1e-10), norm, self.ones_like(norm))
        out = self.divide(out, norm)
        if window is None:
            out = self.multiply(out, float(fft_length) / float(sequence_stride))
        start = fft_length // 2 if center else 0
        if length is not None:
            stop = start + int(length)
        elif center:
            stop = total - fft_length // 2
        else:
            stop = total
        return self.getitem(out, (Ellipsis, slice(start, stop)))


def _eps(dtype):
    return {"float16": 9.765625e-04, "bfloat16": 7.8125e-03, "float32": 1.1920929e-07,
            "float64": 2.220446049250313e-16}.get(dtype, 1.1920929e-07)
