"""Building, reshaping and indexing arrays beyond the core: ranges, triangles, stacking and splitting variants, slices and scatters, window functions.

Part of the ops contract (see ``kerasette/backends/base.py`` for the rules).
Names, signatures and defaults are Keras 3's (``keras.ops``); where Keras's
backends disagree, its JAX backend is followed and the docstring says so. Most
ops here are derived from the core ops, so they differentiate on every engine
with no adapter code; the primitives are ``copy``, ``view`` and ``scatter_update``.
"""
from __future__ import annotations

import abc
import math
import re

_FLOATS = ("float16", "bfloat16", "float32", "float64")


def _floatx():
    from ... import config
    return config.floatx()


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


class ArrayOps(abc.ABC):
    """Building, reshaping and indexing arrays beyond the core."""

    # ------------------------------------------------------------ primitives
    @abc.abstractmethod
    def copy(self, x):
        """A copy of ``x`` (never a view of the caller's buffer); gradient 1."""

    @abc.abstractmethod
    def view(self, x, dtype=None):
        """``x``'s bytes read as ``dtype`` (no conversion; no gradient). A wider or
        narrower item size changes the last axis length, as ``np.ndarray.view``;
        ``dtype=None`` returns ``x``."""

    @abc.abstractmethod
    def scatter_update(self, inputs, indices, updates, reduction=None):
        """``inputs`` with ``updates`` written at ``indices`` (Keras's ``scatter_update``).

        ``indices``: int ``(N, k)`` with ``k <= inputs.ndim``, each row indexing the
        first ``k`` axes; ``updates``: ``(N, *inputs.shape[k:])``. ``reduction``:
        ``None`` (replace; with repeated indices one of them wins, unspecified on
        JAX, so do not rely on it), ``"add"``, ``"max"``, ``"min"``, ``"mul"``.
        Output: ``inputs``' shape and dtype. Differentiable in ``inputs`` and
        ``updates`` (``None`` and ``"add"`` on every engine)."""

    # -------------------------------------------------------------- creation
    def array(self, x, dtype=None):
        """``convert(x, dtype)`` (Keras's ``array``)."""
        return self.convert(x, dtype)

    def empty(self, shape, dtype=None):
        """An array of ``shape``; kerasette fills it with zeros. ``dtype`` None: floatx."""
        return self.zeros(shape, dtype or _floatx())

    def empty_like(self, x, dtype=None):
        """An array shaped like ``x`` (zeros), of ``dtype`` or ``x``'s."""
        return self.zeros_like(x, dtype)

    def full_like(self, x, fill_value, dtype=None):
        """``fill_value`` in the shape of ``x``, of ``dtype`` or ``x``'s dtype."""
        return self.full(self.shape(x), fill_value, dtype or self.dtype(x))

    def identity(self, n, dtype=None):
        """The ``n x n`` identity matrix (``dtype`` None: floatx)."""
        return self.eye(n, dtype=dtype)

    def is_tensor(self, x):
        """True for an array of the active engine (on NumPy, ``np.ndarray`` is one)."""
        return self.is_array(x)

    def _float_compute(self, dtype):
        return dtype if dtype is not None and str(dtype) in _FLOATS else _floatx()

    def linspace(self, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
        """``num`` evenly spaced values from ``start`` to ``stop`` (``endpoint``: included).

        ``start``/``stop`` may be arrays (broadcast together): the samples then run
        along a new axis at ``axis``. Computed in floatx (or ``dtype`` when it is a
        float); an integer ``dtype`` truncates. ``retstep``: also return the step.
        Differentiable in ``start`` and ``stop``."""
        if num < 0:
            raise ValueError(f"linspace: num must be >= 0, got {num}.")
        ct = self._float_compute(dtype)
        start = self.cast(start, ct)
        stop = self.cast(stop, ct)
        div = num - 1 if endpoint else num
        step = self.divide(self.subtract(stop, start), float(div) if div > 0 else float("nan"))
        nd = max(self.ndim(start), self.ndim(stop))
        i = self.reshape(self.arange(0, num, dtype=ct), (num,) + (1,) * nd)
        out = self.add(start, self.multiply(i, step)) if div > 0 else \
            self.add(self.multiply(i, 0.0), start)
        if endpoint and num > 1:
            out = self.where(self.equal(i, float(num - 1)), self.broadcast_to(stop, self.shape(out)), out)
        if nd and axis != 0:
            out = self.moveaxis(out, 0, axis)
        if dtype is not None and str(dtype) != ct:
            out = self.cast(self.floor(out) if str(dtype) not in _FLOATS else out, dtype)
        return (out, step) if retstep else out

    def logspace(self, start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
        """``base ** linspace(start, stop, ...)``."""
        ct = self._float_compute(dtype)
        exps = self.linspace(start, stop, num, endpoint, dtype=ct, axis=axis)
        out = self.exp(self.multiply(exps, math.log(base))) if _is_num(base) else \
            self.power(self.cast(base, ct), exps)
        return out if dtype is None or str(dtype) == ct else self.cast(out, dtype)

    def geomspace(self, start, stop, num=50, endpoint=True, dtype=None, axis=0):
        """Numbers spaced evenly on a log scale from ``start`` to ``stop`` (same sign, not 0)."""
        ct = self._float_compute(dtype)
        start, stop = self.cast(start, ct), self.cast(stop, ct)
        sign = self.sign(start)
        logs = self.linspace(self.log(self.abs(start)), self.log(self.abs(stop)), num, endpoint,
                             dtype=ct, axis=axis)
        out = self.multiply(self.exp(logs), sign)
        return out if dtype is None or str(dtype) == ct else self.cast(out, dtype)

    def meshgrid(self, *x, indexing="xy"):
        """Coordinate arrays from 1-D coordinate vectors; ``indexing``: ``'xy'``
        (Cartesian: the first two output axes swapped) or ``'ij'`` (matrix)."""
        if indexing not in ("xy", "ij"):
            raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}.")
        xs = [self.reshape(v, (-1,)) for v in x]
        n = len(xs)
        sizes = [self.shape(v)[0] for v in xs]
        pos = list(range(n))
        if indexing == "xy" and n >= 2:
            pos[0], pos[1] = 1, 0
        full = [0] * n
        for i, p in enumerate(pos):
            full[p] = sizes[i]
        out = []
        for i, v in enumerate(xs):
            shape = [1] * n
            shape[pos[i]] = sizes[i]
            out.append(self.broadcast_to(self.reshape(v, tuple(shape)), tuple(full)))
        return out

    def tri(self, N, M=None, k=0, dtype=None):
        """``(N, M)`` array with ones at and below the ``k``-th diagonal (``dtype`` None: floatx)."""
        M = N if M is None else M
        return self.cast(self._lower_mask(N, M, k), dtype or _floatx())

    def _lower_mask(self, n, m, k):
        rows = self.reshape(self.arange(0, n, dtype="int32"), (n, 1))
        cols = self.reshape(self.arange(0, m, dtype="int32"), (1, m))
        return self.greater_equal(self.add(rows, k), cols)

    def tril(self, x, k=0):
        """``x`` with the elements above the ``k``-th diagonal of its last two axes zeroed."""
        n, m = self.shape(x)[-2:]
        return self.where(self._lower_mask(n, m, k), x, self.zeros_like(x))

    def triu(self, x, k=0):
        """``x`` with the elements below the ``k``-th diagonal of its last two axes zeroed."""
        n, m = self.shape(x)[-2:]
        return self.where(self._lower_mask(n, m, k - 1), self.zeros_like(x), x)

    def diag(self, x, k=0):
        """1-D ``x``: a square matrix with ``x`` on its ``k``-th diagonal; 2-D ``x``: its
        ``k``-th diagonal."""
        nd = self.ndim(x)
        if nd == 2:
            return self.diagonal(x, offset=k)
        if nd != 1:
            raise ValueError(f"diag: x must be 1-D or 2-D, got shape {self.shape(x)}.")
        n = self.shape(x)[0]
        size = n + abs(k)
        xp = self.pad(x, ((0, abs(k)),))
        values = self.reshape(xp, (size, 1) if k >= 0 else (1, size))
        rows = self.reshape(self.arange(0, size, dtype="int32"), (size, 1))
        cols = self.reshape(self.arange(0, size, dtype="int32"), (1, size))
        on = self.equal(self.add(rows, k), cols)
        return self.where(on, values, self.zeros((size, size), self.dtype(x)))

    def diagflat(self, x, k=0):
        """``diag`` of the flattened ``x``."""
        return self.diag(self.reshape(x, (-1,)), k)

    def diagonal(self, x, offset=0, axis1=0, axis2=1):
        """The ``offset`` diagonal of the planes spanned by ``axis1`` and ``axis2``;
        the diagonal becomes the last axis (as NumPy)."""
        nd = self.ndim(x)
        if nd < 2:
            raise ValueError(f"diagonal: x must have at least 2 axes, got shape {self.shape(x)}.")
        a1, a2 = axis1 % nd, axis2 % nd
        if a1 == a2:
            raise ValueError(f"diagonal: axis1 and axis2 must differ, got {axis1} and {axis2}.")
        order = [a for a in range(nd) if a not in (a1, a2)] + [a1, a2]
        moved = self.transpose(x, order)
        n1, n2 = self.shape(x)[a1], self.shape(x)[a2]
        if offset >= 0:
            length = max(0, min(n1, n2 - offset))
            rows = self.arange(0, length, dtype="int32")
            cols = self.add(rows, offset)
        else:
            length = max(0, min(n1 + offset, n2))
            cols = self.arange(0, length, dtype="int32")
            rows = self.subtract(cols, offset)
        return self.getitem(moved, (Ellipsis, rows, cols))

    def trace(self, x, offset=0, axis1=0, axis2=1):
        """Sum along the ``offset`` diagonal of the ``axis1``/``axis2`` planes."""
        out = self.sum(self.diagonal(x, offset, axis1, axis2), axis=-1)
        dt = self.dtype(x)
        if dt not in _FLOATS and self.dtype(out) != "int32":
            out = self.cast(out, "int32")  # integer and bool traces are int32, as Keras on JAX
        return out

    def vander(self, x, N=None, increasing=False):
        """Vandermonde matrix of 1-D ``x``: columns are powers of ``x`` (decreasing
        unless ``increasing``), ``N`` columns (default ``len(x)``)."""
        if self.ndim(x) != 1:
            raise ValueError(f"vander: x must be 1-D, got shape {self.shape(x)}.")
        n = self.shape(x)[0] if N is None else int(N)
        if n <= 0:
            return self.zeros((self.shape(x)[0], 0), self.dtype(x))
        cols = [self.ones_like(x)]
        for _ in range(1, n):
            cols.append(self.multiply(cols[-1], x))
        if not increasing:
            cols = cols[::-1]
        return self.stack(cols, axis=1)

    # ---------------------------------------------------------------- shapes
    def ravel(self, x):
        """``x`` flattened to 1-D."""
        return self.reshape(x, (-1,))

    def roll(self, x, shift, axis=None):
        """Elements shifted cyclically by ``shift`` along ``axis`` (None: the
        flattened array, reshaped back). ``shift``/``axis`` may be tuples."""
        if axis is None:
            return self.reshape(self.roll(self.reshape(x, (-1,)), shift, 0), self.shape(x))
        axes = (axis,) if _is_int(axis) else tuple(axis)
        shifts = (shift,) * len(axes) if _is_int(shift) else tuple(int(s) for s in shift)
        if len(shifts) != len(axes):
            raise ValueError(f"roll: shift {shift!r} and axis {axis!r} differ in length.")
        nd = self.ndim(x)
        for s, a in zip(shifts, axes):
            a %= nd
            n = self.shape(x)[a]
            if n == 0 or s % n == 0:
                continue
            s %= n
            pre = (slice(None),) * a
            x = self.concatenate([self.getitem(x, pre + (slice(n - s, None),)),
                                  self.getitem(x, pre + (slice(0, n - s),))], axis=a)
        return x

    def rot90(self, array, k=1, axes=(0, 1)):
        """``array`` rotated by ``k`` quarter turns in the plane of ``axes``
        (from the first axis towards the second)."""
        x = array
        nd = self.ndim(x)
        if nd < 2:
            raise ValueError(f"rot90: the array must have at least 2 axes, got shape {self.shape(x)}.")
        a0, a1 = axes[0] % nd, axes[1] % nd
        if a0 == a1:
            raise ValueError(f"rot90: axes must differ, got {axes!r}.")
        k %= 4
        if k == 0:
            return x
        if k == 2:
            return self.flip(self.flip(x, a0), a1)
        perm = list(range(nd))
        perm[a0], perm[a1] = perm[a1], perm[a0]
        if k == 1:
            return self.transpose(self.flip(x, a1), perm)
        return self.flip(self.transpose(x, perm), a1)

    def fliplr(self, x):
        """``x`` reversed along axis 1."""
        if self.ndim(x) < 2:
            raise ValueError(f"fliplr: x must have at least 2 axes, got shape {self.shape(x)}.")
        return self.flip(x, 1)

    def flipud(self, x):
        """``x`` reversed along axis 0."""
        if self.ndim(x) < 1:
            raise ValueError("flipud: x must have at least 1 axis.")
        return self.flip(x, 0)

    def array_split(self, x, indices_or_sections, axis=0):
        """As ``split``, but an int number of sections need not divide the axis:
        the first ``n % sections`` parts get one extra element."""
        if not _is_int(indices_or_sections):
            return self.split(x, indices_or_sections, axis=axis)
        k = indices_or_sections
        if k <= 0:
            raise ValueError(f"array_split: the number of sections must be > 0, got {k}.")
        n = self.shape(x)[axis]
        q, r = divmod(n, k)
        points, at = [], 0
        for i in range(k - 1):
            at += q + (1 if i < r else 0)
            points.append(at)
        return self.split(x, points, axis=axis)

    def hsplit(self, x, indices_or_sections):
        """``split`` along axis 1 (axis 0 for 1-D ``x``)."""
        return self.split(x, indices_or_sections, axis=1 if self.ndim(x) > 1 else 0)

    def vsplit(self, x, indices_or_sections):
        """``split`` along axis 0 (``x`` at least 2-D)."""
        if self.ndim(x) < 2:
            raise ValueError(f"vsplit: x must have at least 2 axes, got shape {self.shape(x)}.")
        return self.split(x, indices_or_sections, axis=0)

    def dsplit(self, x, indices_or_sections):
        """``split`` along axis 2 (``x`` at least 3-D)."""
        if self.ndim(x) < 3:
            raise ValueError(f"dsplit: x must have at least 3 axes, got shape {self.shape(x)}.")
        return self.split(x, indices_or_sections, axis=2)

    def _at_least(self, x, n):
        x = self.convert(x) if not self.is_array(x) else x
        s = self.shape(x)
        if len(s) >= n:
            return x
        if n == 2:
            return self.reshape(x, (1,) * (2 - len(s)) + s)
        return self.reshape(x, {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)])

    def hstack(self, xs):
        """Join along axis 1 (axis 0 when the arrays are 1-D)."""
        xs = [self._at_least(v, 1) for v in xs]
        return self.concatenate(xs, axis=0 if self.ndim(xs[0]) == 1 else 1)

    def vstack(self, xs):
        """Join along axis 0, 1-D arrays read as rows."""
        return self.concatenate([self._at_least(v, 2) for v in xs], axis=0)

    def dstack(self, xs):
        """Join along axis 2 (1-D ``(n,)`` read as ``(1, n, 1)``, 2-D as ``(m, n, 1)``)."""
        return self.concatenate([self._at_least(v, 3) for v in xs], axis=2)

    def append(self, x1, x2, axis=None):
        """``x2`` joined after ``x1`` along ``axis`` (None: both flattened)."""
        if axis is None:
            return self.concatenate([self.reshape(x1, (-1,)), self.reshape(x2, (-1,))], axis=0)
        return self.concatenate([x1, x2], axis=axis)

    # -------------------------------------------------------------- indexing
    def get_item(self, x, key):
        """``x[key]`` as Keras's ``get_item`` on JAX: ints, slices, None, Ellipsis,
        integer arrays or lists (advanced indexing, NumPy's rules) and boolean
        masks. The gradient scatters back (repeated indices sum)."""
        keys = key if type(key) is tuple else (key,)
        out = []
        for k in keys:
            if isinstance(k, list) or (not self.is_array(k) and hasattr(k, "dtype")
                                       and hasattr(k, "shape") and k.shape != ()):
                k = self.convert(k)
            out.append(k)
        return self.getitem(x, tuple(out) if type(key) is tuple else out[0])

    def _starts(self, start_indices, shape, sizes, op):
        if self.is_array(start_indices):
            start_indices = [int(v) for v in self.to_numpy(self.reshape(start_indices, (-1,)))]
        starts = [int(s) for s in start_indices]
        if len(starts) != len(shape):
            raise ValueError(f"{op}: start_indices {starts} must have one entry per axis of shape "
                             f"{tuple(shape)}.")
        # clamped so the window fits, as jax.lax.dynamic_slice
        return [min(max(s, 0), max(n - z, 0)) for s, n, z in zip(starts, shape, sizes)]

    def slice(self, inputs, start_indices, shape):
        """The window of ``shape`` starting at ``start_indices`` (one per axis). A start
        that would run the window past the end is clamped, as Keras on JAX."""
        full = self.shape(inputs)
        shape = tuple(full[i] if s == -1 else int(s) for i, s in enumerate(shape))
        starts = self._starts(start_indices, full, shape, "slice")
        return self.getitem(inputs, tuple(slice(s, s + z) for s, z in zip(starts, shape)))

    def slice_update(self, inputs, start_indices, updates):
        """``inputs`` with the window at ``start_indices`` replaced by ``updates``
        (clamped to fit, as Keras on JAX). Differentiable in both arrays."""
        full = self.shape(inputs)
        sizes = self.shape(updates)
        if len(sizes) != len(full) or any(z > n for z, n in zip(sizes, full)):
            raise ValueError(f"slice_update: updates of shape {sizes} do not fit inputs of shape {full}.")
        starts = self._starts(start_indices, full, sizes, "slice_update")
        updates = self.cast(updates, self.dtype(inputs))
        padded = self.pad(updates, tuple((s, n - s - z) for s, n, z in zip(starts, full, sizes)))
        mask = None
        for a, (s, n, z) in enumerate(zip(starts, full, sizes)):
            r = self.reshape(self.arange(0, n, dtype="int32"), tuple(n if i == a else 1 for i in range(len(full))))
            inside = self.logical_and(self.greater_equal(r, s), self.less(r, s + z))
            mask = inside if mask is None else self.logical_and(mask, inside)
        if mask is None:
            return updates
        return self.where(mask, padded, inputs)

    def scatter(self, indices, values, shape):
        """Zeros of ``shape`` with ``values`` added at ``indices`` (``(N, k)`` rows
        indexing the first ``k`` axes; repeated indices sum, as Keras)."""
        shape = (shape,) if _is_int(shape) else tuple(int(s) for s in shape)
        if not self.is_array(values):
            values = self.convert(values)
        return self.scatter_update(self.zeros(shape, self.dtype(values)), indices, values, reduction="add")

    def select(self, condlist, choicelist, default=0):
        """The element of ``choicelist[i]`` for the first ``condlist[i]`` that holds,
        else ``default``; all broadcast together."""
        if len(condlist) != len(choicelist):
            raise ValueError(f"select: condlist ({len(condlist)}) and choicelist ({len(choicelist)}) "
                             f"must have the same length.")
        if not condlist:
            raise ValueError("select: condlist must not be empty.")
        out = default
        for c, v in reversed(list(zip(condlist, choicelist))):
            out = self.where(c, v, out)
        return out

    def unravel_index(self, indices, shape):
        """Tuple of coordinate arrays (int32) of the flat ``indices`` in an array of ``shape``."""
        idx = self.cast(indices, "int32")
        coords = []
        for d in reversed(tuple(shape)):
            coords.append(self.mod(idx, d))
            idx = self.floor_divide(idx, d)
        return tuple(reversed(coords))

    def extract_sequences(self, x, sequence_length, sequence_stride):
        """Frames of the last axis: ``(..., num_frames, sequence_length)`` with
        ``num_frames = 1 + (n - sequence_length) // sequence_stride``."""
        n = self.shape(x)[-1]
        if sequence_length > n or sequence_length <= 0 or sequence_stride <= 0:
            raise ValueError(f"extract_sequences: sequence_length {sequence_length} / sequence_stride "
                             f"{sequence_stride} do not fit a last axis of length {n}.")
        frames = 1 + (n - sequence_length) // sequence_stride
        starts = self.reshape(self.multiply(self.arange(0, frames, dtype="int32"), sequence_stride), (frames, 1))
        idx = self.add(starts, self.reshape(self.arange(0, sequence_length, dtype="int32"), (1, -1)))
        return self.take(x, idx, axis=-1)

    def rearrange(self, tensor, pattern, **axes_lengths):
        """Axes rearranged by an einops pattern such as ``'b (h h1) w c -> b h (w h1) c'``:
        transposition, composition ``(a b)`` and decomposition of axes (lengths of
        decomposed axes given in ``axes_lengths``, at most one inferred per group),
        ``...`` for the remaining axes and ``1``/``()`` for unit axes."""
        return _rearrange(self, tensor, pattern, axes_lengths)

    # ----------------------------------------------------------- products
    def dot(self, x1, x2):
        """NumPy's ``dot``: scalars multiply; ``(..., n) . (n,)`` and
        ``(..., n) . (..., n, m)`` sum over the last axis of ``x1`` and the
        second-to-last of ``x2``."""
        n1, n2 = self.ndim(x1), self.ndim(x2)
        if n1 == 0 or n2 == 0:
            return self.multiply(x1, x2)
        return self.tensordot(x1, x2, axes=([n1 - 1], [0 if n2 == 1 else n2 - 2]))

    def vdot(self, x1, x2):
        """Sum of the element-wise product of both arrays flattened (real inputs)."""
        return self.sum(self.multiply(self.reshape(x1, (-1,)), self.reshape(x2, (-1,))))

    def inner(self, x1, x2):
        """Sum of products over the last axes of both (scalars multiply)."""
        if self.ndim(x1) == 0 or self.ndim(x2) == 0:
            return self.multiply(x1, x2)
        return self.tensordot(x1, x2, axes=([-1], [-1]))

    def outer(self, x1, x2):
        """``outer[i, j] = ravel(x1)[i] * ravel(x2)[j]``."""
        return self.multiply(self.reshape(x1, (-1, 1)), self.reshape(x2, (1, -1)))

    def kron(self, x1, x2):
        """Kronecker product: blocks ``x1[i, j, ...] * x2``."""
        s1, s2 = self.shape(x1), self.shape(x2)
        nd = max(len(s1), len(s2))
        s1 = (1,) * (nd - len(s1)) + tuple(s1)
        s2 = (1,) * (nd - len(s2)) + tuple(s2)
        a = self.reshape(x1, tuple(d for n in s1 for d in (n, 1)))
        b = self.reshape(x2, tuple(d for n in s2 for d in (1, n)))
        return self.reshape(self.multiply(a, b), tuple(p * q for p, q in zip(s1, s2)))

    def cross(self, x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
        """Cross product of 3-vectors (or 2-vectors, read with a zero z; two
        2-vectors give the scalar z component) along ``axisa``/``axisb``, the
        result vectors along ``axisc`` (``axis`` sets all three)."""
        if axis is not None:
            axisa = axisb = axisc = axis
        a = self.moveaxis(x1, axisa, -1)
        b = self.moveaxis(x2, axisb, -1)
        na, nb = self.shape(a)[-1], self.shape(b)[-1]
        if na not in (2, 3) or nb not in (2, 3):
            raise ValueError(f"cross: vectors must have 2 or 3 components, got shapes "
                             f"{self.shape(x1)} and {self.shape(x2)}.")

        def comp(v, n, i):
            if i < n:
                return self.getitem(v, (Ellipsis, i))
            return None

        a0, a1, a2 = (comp(a, na, i) for i in range(3))
        b0, b1, b2 = (comp(b, nb, i) for i in range(3))
        z = self.subtract(self.multiply(a0, b1), self.multiply(a1, b0))
        if na == 2 and nb == 2:
            return z

        def mul(p, q):
            return None if p is None or q is None else self.multiply(p, q)

        def sub(p, q):
            if p is None and q is None:
                return self.zeros_like(z)
            if q is None:
                return p
            if p is None:
                return self.negative(q)
            return self.subtract(p, q)

        x = sub(mul(a1, b2), mul(a2, b1))
        y = sub(mul(a2, b0), mul(a0, b2))
        x, y, z = (self.broadcast_to(c, self.shape(z)) if self.shape(c) != self.shape(z) else c
                   for c in (x, y, z))
        return self.moveaxis(self.stack([x, y, z], axis=-1), -1, axisc)

    # ------------------------------------------------------------ windows
    def _window_n(self, x, op):
        m = int(self.to_numpy(x)) if self.is_array(x) else int(x)
        n = self.arange(0, max(m, 0), dtype=_floatx())
        return m, n

    def _cosine_window(self, x, coefs, op):
        m, n = self._window_n(x, op)
        if m <= 1:
            return self.ones((max(m, 0),), _floatx())
        out = None
        for j, c in enumerate(coefs):
            term = c if j == 0 else self.multiply(self.cos(self.multiply(n, 2.0 * math.pi * j / (m - 1))), c)
            out = term if out is None else self.add(out, term)
        return out

    def bartlett(self, x):
        """The Bartlett (triangular) window of ``x`` points (floatx)."""
        m, n = self._window_n(x, "bartlett")
        if m <= 1:
            return self.ones((max(m, 0),), _floatx())
        return self.subtract(1.0, self.abs(self.subtract(self.multiply(n, 2.0 / (m - 1)), 1.0)))

    def blackman(self, x):
        """The Blackman window of ``x`` points."""
        return self._cosine_window(x, (0.42, -0.5, 0.08), "blackman")

    def hamming(self, x):
        """The Hamming window of ``x`` points."""
        return self._cosine_window(x, (0.54, -0.46), "hamming")

    def hanning(self, x):
        """The Hann window of ``x`` points."""
        return self._cosine_window(x, (0.5, -0.5), "hanning")

    def kaiser(self, x, beta):
        """The Kaiser window of ``x`` points with shape parameter ``beta``
        (``I0(beta * sqrt(1 - (2n/(M-1) - 1)^2)) / I0(beta)``)."""
        m, n = self._window_n(x, "kaiser")
        if m <= 1:
            return self.ones((max(m, 0),), _floatx())
        r = self.subtract(self.multiply(n, 2.0 / (m - 1)), 1.0)
        arg = self.multiply(self.sqrt(self.maximum(self.subtract(1.0, self.square(r)), 0.0)), float(beta))
        return self.divide(self._i0(arg), self._i0(self.full((), float(beta), _floatx())))

    def _i0(self, z):
        # the modified Bessel function I0 by its power series sum (z/2)^2k / (k!)^2
        q = self.square(self.multiply(z, 0.5))
        term = self.ones_like(z)
        total = term
        for k in range(1, 80):
            term = self.multiply(term, self.divide(q, float(k * k)))
            total = self.add(total, term)
        return total


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# ------------------------------------------------------------------ rearrange
_TOKEN = re.compile(r"\(|\)|\.\.\.|[A-Za-z_][A-Za-z0-9_]*|\d+|\S")


def _parse_side(side, pattern):
    groups, current = [], None
    for tok in _TOKEN.findall(side):
        if tok == "(":
            if current is not None:
                raise ValueError(f"rearrange: nested parentheses in {pattern!r}.")
            current = []
        elif tok == ")":
            if current is None:
                raise ValueError(f"rearrange: unbalanced parentheses in {pattern!r}.")
            groups.append(current)
            current = None
        elif tok == "..." or tok.isidentifier():
            (current if current is not None else groups).append(tok if current is not None else [tok])
        elif tok.isdigit():
            if tok != "1":
                raise ValueError(f"rearrange: only 1 may appear as a number in {pattern!r}, got {tok}.")
            if current is None:
                groups.append([])
        else:
            raise ValueError(f"rearrange: unexpected {tok!r} in {pattern!r}.")
    if current is not None:
        raise ValueError(f"rearrange: unbalanced parentheses in {pattern!r}.")
    return groups


def _rearrange(b, x, pattern, lengths):
    if pattern.count("->") != 1:
        raise ValueError(f"rearrange: the pattern needs exactly one '->', got {pattern!r}.")
    left_s, right_s = pattern.split("->")
    left, right = _parse_side(left_s, pattern), _parse_side(right_s, pattern)
    shape = b.shape(x)
    ell_groups = [g for g in left if "..." in g]
    n_ell = 0
    if ell_groups:
        if len(ell_groups) > 1 or ell_groups[0] != ["..."]:
            raise ValueError(f"rearrange: '...' may appear once, outside parentheses: {pattern!r}.")
        n_ell = len(shape) - (len(left) - 1)
        if n_ell < 0:
            raise ValueError(f"rearrange: pattern {pattern!r} has more axes than shape {shape}.")
    elif len(left) != len(shape):
        raise ValueError(f"rearrange: pattern {left_s.strip()!r} has {len(left)} axes, the input has "
                         f"shape {shape}.")
    ell = [f"...{i}" for i in range(n_ell)]

    def expand(groups):
        out = []
        for g in groups:
            out.extend([[e] for e in ell] if g == ["..."] else [[e for n in g for e in (ell if n == "..." else [n])]])
        return out

    left, right = expand(left), expand(right)
    sizes = dict(lengths)
    for group, dim in zip(left, shape):
        unknown = [n for n in group if n not in sizes]
        known = 1
        for n in group:
            if n in sizes:
                known *= sizes[n]
        if len(unknown) > 1:
            raise ValueError(f"rearrange: cannot infer the lengths of {unknown} in {pattern!r}; "
                             f"give them as keyword arguments.")
        if unknown:
            if known == 0 or dim % known:
                raise ValueError(f"rearrange: axis of length {dim} does not divide into {group} "
                                 f"({lengths}).")
            sizes[unknown[0]] = dim // known
        elif known != dim:
            raise ValueError(f"rearrange: axis of length {dim} does not match {group} of length {known}.")
    left_flat = [n for g in left for n in g]
    right_flat = [n for g in right for n in g]
    if len(set(left_flat)) != len(left_flat) or len(set(right_flat)) != len(right_flat):
        raise ValueError(f"rearrange: an axis name is repeated in {pattern!r}.")
    if set(left_flat) != set(right_flat):
        raise ValueError(f"rearrange: both sides of {pattern!r} must name the same axes, got "
                         f"{sorted(set(left_flat) ^ set(right_flat))} on one side only.")
    x = b.reshape(x, tuple(sizes[n] for n in left_flat))
    perm = [left_flat.index(n) for n in right_flat]
    if perm != sorted(perm):
        x = b.transpose(x, perm)
    out_shape = []
    for g in right:
        p = 1
        for n in g:
            p *= sizes[n]
        out_shape.append(p)
    return b.reshape(x, tuple(out_shape))
