"""Reductions and statistics beyond the core: sorting and searching, nan-reductions, quantiles, histograms, set membership, segment reductions.

Part of the ops contract (see ``kerasette/backends/base.py`` for the rules).
Keras 3's names, signatures and dtypes: integer results (indices, counts) are
int32; statistics of integer input (median, quantile, average, nanmean...) are
float32. Where Keras's backends disagree, its JAX backend is followed.

Primitives: ``argsort``, ``searchsorted``, ``unique``, ``nonzero``, ``cumprod``.
Everything else is derived here, so gradients come from the primitives' ones:
``sort`` and the quantile family gather with ``take_along_axis`` (the gradient
scatters back to the selected elements, linear interpolation weighting them),
nan-reductions first replace NaN by a neutral value with ``where`` (the gradient
is zero at NaN), ``segment_sum`` / ``bincount`` / ``histogram`` are one
``scatter_add``, ``isin`` a binary search. ``segment_max/min/prod`` here mask an
``(N, num_segments)`` grid and reduce; the engines override them natively
(NumPy ``ufunc.at`` with VJPs, torch ``scatter_reduce``, JAX ``jax.ops`` for max/min:
its segment_prod has no gradient for repeated ids), as
they do ``sort``.
"""
from __future__ import annotations

import abc
import operator

_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")
# the fill of an empty segment for segment_max / segment_min on integer data
_INT_MIN = {"int8": -2 ** 7, "int16": -2 ** 15, "int32": -2 ** 31, "int64": -2 ** 63, "uint8": 0,
            "bool": False}
_INT_MAX = {"int8": 2 ** 7 - 1, "int16": 2 ** 15 - 1, "int32": 2 ** 31 - 1, "int64": 2 ** 63 - 1,
            "uint8": 255, "bool": True}


def _is_float(name):
    return name.startswith(("float", "bfloat"))


class StatsOps(abc.ABC):
    """Reductions and statistics beyond the core."""

    # ------------------------------------------------------------ helpers
    def _axes(self, op, x, axis):
        """``axis`` (None, int or sequence) as a sorted tuple of non-negative axes."""
        nd = self.ndim(x)
        if axis is None:
            return tuple(range(nd))
        try:
            axes = (operator.index(axis),)
        except TypeError:
            axes = tuple(operator.index(a) for a in axis)
        for a in axes:
            if not -max(nd, 1) <= a < max(nd, 1):
                raise ValueError(f"{op}: axis {a} is out of bounds for an array of shape {self.shape(x)}.")
        return tuple(sorted({a % max(nd, 1) for a in axes}))

    def _to_last(self, op, x, axis):
        """``x`` with the ``axis`` axes flattened into one last axis.

        Returns ``(xt, rest_shape, keep_shape)``: ``xt`` has shape ``(*rest_shape, n)``,
        ``keep_shape`` is ``x``'s shape with the reduced axes set to 1."""
        shp = tuple(self.shape(x))
        if not shp:
            return self.reshape(x, (1,)), (), ()
        axes = self._axes(op, x, axis)
        rest = [a for a in range(len(shp)) if a not in axes]
        if rest + list(axes) != list(range(len(shp))):
            x = self.transpose(x, rest + list(axes))
        rest_shape = tuple(shp[a] for a in rest)
        keep_shape = tuple(1 if a in axes else d for a, d in enumerate(shp))
        return self.reshape(x, rest_shape + (-1,)), rest_shape, keep_shape

    def _floated(self, x):
        """``x`` as floats: float dtypes stay, others become float32."""
        x = self.convert(x)
        return x if _is_float(self.dtype(x)) else self.cast(x, "float32")

    def _sanitized(self, x, fill):
        """(``x`` with NaN replaced by ``fill``, mask of NaNs or None for non-float ``x``)."""
        x = self.convert(x)
        if not _is_float(self.dtype(x)):
            return x, None
        nan = self.isnan(x)
        return self.where(nan, fill, x), nan

    # ------------------------------------------------------- sort and search
    @abc.abstractmethod
    def argsort(self, x, axis=-1):
        """Indices that sort ``x`` ascending along ``axis`` (None: flattened), stable
        (equal elements keep their order); NaN sorts last. int32."""

    def sort(self, x, axis=-1):
        """``x`` sorted ascending along ``axis`` (None: flattened); NaN last.
        The gradient goes back to each element's original place."""
        x = self.convert(x)
        if axis is None:
            x, axis = self.reshape(x, (-1,)), -1
        return self.take_along_axis(x, self.argsort(x, axis=axis), axis)

    def argpartition(self, x, kth, axis=-1):
        """Indices that partition ``x`` along ``axis``: the element at ``kth`` is in
        its sorted place, smaller ones before, larger ones after (int32).

        Any such arrangement is valid (Keras's backends differ); kerasette returns
        the stable full sort, one valid partition, the same on every engine."""
        x = self.convert(x)
        n = self.shape(x)[axis] if axis is not None else self.size(x)
        try:
            kths = (operator.index(kth),)
        except TypeError:
            kths = tuple(kth)
        for k in kths:
            if not -n <= k < n:
                raise ValueError(f"argpartition: kth {k} is out of bounds for an axis of length {n}.")
        return self.argsort(x, axis=axis)

    @abc.abstractmethod
    def searchsorted(self, sorted_sequence, values, side="left"):
        """Insertion indices of ``values`` into the 1-D ascending ``sorted_sequence``
        that keep it sorted (``side='left'``: before equal elements, ``'right'``:
        after). int32, ``values``' shape."""

    def digitize(self, x, bins):
        """Index of the bin of each ``x``: ``i`` with ``bins[i-1] <= x < bins[i]`` for
        ascending 1-D ``bins`` (0 below the first edge, ``len(bins)`` at or past the
        last). int32."""
        bins = self.convert(bins)
        if self.ndim(bins) != 1:
            raise ValueError(f"digitize: bins must be 1-D, got shape {self.shape(bins)}.")
        return self.searchsorted(bins, x, side="right")

    @abc.abstractmethod
    def unique(self, x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
               axis=None, size=None, fill_value=None):
        """The unique elements of ``x`` (flattened; with ``axis``: the unique slices
        along it), ascending.

        With the ``return_*`` flags a tuple ``(values, index, inverse, counts)``
        (those asked for, in that order): ``index`` the first occurrence of each
        value, ``inverse`` maps ``x`` (``x``'s shape; along ``axis``: 1-D) back to
        the values, ``counts`` the occurrences; all int32. ``sorted=False`` allows
        any order; kerasette always sorts (as Keras on JAX). With a static
        ``size`` the outputs have exactly ``size`` values (traceable under
        ``jit`` on JAX): truncated, or padded with ``fill_value`` (default: the
        smallest value), index padded with the first index, counts with 0.
        Without ``size`` the shape depends on the values (not traceable). Each NaN
        is a value of its own (not merged), as Keras on JAX.
        """

    @abc.abstractmethod
    def nonzero(self, x):
        """Tuple (one per axis of ``x``) of the int32 indices of the non-zero
        elements, in row-major order. 0-d input is refused (ValueError), as JAX."""

    def count_nonzero(self, x, axis=None):
        """Number of non-zero (true) elements over ``axis`` (int32)."""
        x = self.convert(x)
        axes = self._axes("count_nonzero", x, axis) if axis is not None else None
        return self.cast(self.sum(self.cast(self.not_equal(x, 0), "int32"), axis=axes), "int32")

    def in_top_k(self, targets, predictions, k):
        """True where ``predictions[i, targets[i]]`` is among the ``k`` largest of row
        ``i``: fewer than ``k`` scores strictly above it (ties at the boundary count
        as in, as Keras/TensorFlow). ``targets`` ``(batch,)`` int, ``predictions``
        ``(batch, classes)``. A NaN score at the target, or a target out of range,
        gives False."""
        predictions = self.convert(predictions)
        targets = self.cast(targets, "int32")
        if self.ndim(predictions) != 2 or self.ndim(targets) != 1 \
                or self.shape(targets)[0] != self.shape(predictions)[0]:
            raise ValueError(f"in_top_k: expected targets (batch,) and predictions (batch, classes), got "
                             f"{self.shape(targets)} and {self.shape(predictions)}.")
        n = self.shape(predictions)[-1]
        hit = self.equal(self.expand_dims(targets, -1), self.arange(0, n, dtype="int32"))
        at = self.sum(self.where(hit, predictions, self.zeros_like(predictions)), axis=-1, keepdims=True)
        above = self.sum(self.cast(self.greater(predictions, at), "int32"), axis=-1)
        ok = self.logical_and(self.less(above, k), self.any(hit, axis=-1))
        at = self.squeeze(at, -1)
        return self.logical_and(ok, self.logical_not(self.isnan(at))) if _is_float(self.dtype(at)) else ok

    def isin(self, x1, x2, assume_unique=False, invert=False):
        """True where an element of ``x1`` is in ``x2`` (any shape); ``invert``: not in."""
        x1, x2 = self.convert(x1), self.convert(x2)
        m = self.size(x2)
        if m == 0:
            found = self.zeros(self.shape(x1), "bool")
        else:  # binary search in the sorted x2: O((n + m) log m)
            s = self.sort(self.reshape(self.stop_gradient(x2), (-1,)))
            if self.dtype(s) != self.dtype(x1):
                dt = self.dtype(self.add(self.zeros((), self.dtype(x1)), self.zeros((), self.dtype(s))))
                x1, s = self.cast(x1, dt), self.cast(s, dt)
            # NaNs sort last; searching among +inf instead keeps torch's binary search sound
            key = self.where(self.isnan(s), float("inf"), s) if _is_float(self.dtype(s)) else s
            pos = self.clip(self.searchsorted(key, x1, side="left"), 0, m - 1)
            found = self.equal(self.take(s, pos, axis=0), x1)
        return self.logical_not(found) if invert else found

    # ----------------------------------------------------------- cumulative
    @abc.abstractmethod
    def cumprod(self, x, axis=None, dtype=None):
        """Cumulative product along ``axis`` (None: flattened). ``dtype`` casts the
        input first; else bool gives int32 and other dtypes stay (as Keras on
        JAX). Differentiable, zeros included."""

    def nancumsum(self, x, axis=None, dtype=None):
        """``cumsum`` treating NaN as 0 (gradient 0 at NaN)."""
        x, _ = self._sanitized(x, 0.0)
        return self.cumsum(x, axis=axis, dtype=dtype)

    def nancumprod(self, x, axis=None, dtype=None):
        """``cumprod`` treating NaN as 1 (gradient 0 at NaN)."""
        x, _ = self._sanitized(x, 1.0)
        return self.cumprod(x, axis=axis, dtype=dtype)

    def diff(self, a, n=1, axis=-1):
        """The ``n``-th discrete difference along ``axis``: ``a[1:] - a[:-1]``
        applied ``n`` times (bool: ``a[1:] != a[:-1]``)."""
        a = self.convert(a)
        nd = self.ndim(a)
        if nd == 0:
            raise ValueError("diff: needs an array of at least one axis, got a 0-d one.")
        if n < 0:
            raise ValueError(f"diff: order n must be non-negative, got {n}.")
        ax = self._axes("diff", a, axis)[0]
        pre = (slice(None),) * ax
        for _ in range(n):
            hi, lo = self.getitem(a, pre + (slice(1, None),)), self.getitem(a, pre + (slice(None, -1),))
            a = self.not_equal(hi, lo) if self.dtype(a) == "bool" else self.subtract(hi, lo)
        return a

    def trapezoid(self, y, x=None, dx=1.0, axis=-1):
        """Integral of ``y`` along ``axis`` by the trapezoidal rule, sample points
        ``x`` (same length along ``axis``, or 1-D) or spacing ``dx``. Float result."""
        y = self._floated(y)
        nd = self.ndim(y)
        ax = self._axes("trapezoid", y, axis)[0]
        pre = (slice(None),) * ax
        mid = self.multiply(self.add(self.getitem(y, pre + (slice(1, None),)),
                                     self.getitem(y, pre + (slice(None, -1),))), 0.5)
        if x is None:
            return self.multiply(self.sum(mid, axis=ax), dx)
        x = self.cast(x, self.dtype(y))
        if self.ndim(x) == 1:
            d = self.diff(x)
            d = self.reshape(d, tuple(-1 if i == ax else 1 for i in range(nd)))
        else:
            d = self.diff(x, axis=ax)
        return self.sum(self.multiply(mid, d), axis=ax)

    # ------------------------------------------------------------ statistics
    def _quantile(self, op, x, q, axis, method, keepdims, ignore_nan=False):
        if method not in _QUANTILE_METHODS:
            raise ValueError(f"{op}: method must be one of {', '.join(_QUANTILE_METHODS)}; got {method!r}.")
        x = self._floated(x)
        dt = self.dtype(x)
        q = self.cast(q, dt) if self.is_array(q) else self.convert(q, dt)
        if self.ndim(q) > 1:
            raise ValueError(f"{op}: q must be a scalar or 1-D, got shape {self.shape(q)}.")
        xt, rest, keep = self._to_last(op, x, axis)
        n = self.shape(xt)[-1]
        s = self.sort(xt, axis=-1)  # NaN last
        qf = self.reshape(q, (-1,))
        if ignore_nan:
            cnt = self.sum(self.cast(self.logical_not(self.isnan(xt)), dt), axis=-1, keepdims=True)
            pos = self.maximum(self.multiply(qf, self.subtract(cnt, 1.0)), 0.0)
        else:
            pos = self.broadcast_to(self.multiply(qf, float(n - 1)), rest + self.shape(qf))
        lo = self.floor(pos)
        frac = self.subtract(pos, lo)
        lo_i = self.cast(self.clip(lo, 0, n - 1), "int32")
        hi_i = self.cast(self.clip(self.ceil(pos), 0, n - 1), "int32")
        v_lo = self.take_along_axis(s, lo_i, -1)
        v_hi = self.take_along_axis(s, hi_i, -1)
        if method == "linear":
            out = self.add(v_lo, self.multiply(self.subtract(v_hi, v_lo), frac))
        elif method == "lower":
            out = v_lo
        elif method == "higher":
            out = v_hi
        elif method == "midpoint":
            out = self.multiply(self.add(v_lo, v_hi), 0.5)
        else:  # nearest; a tie (frac == 0.5) goes to the lower one, as Keras on JAX
            out = self.where(self.greater(frac, 0.5), v_hi, v_lo)
        out = self.moveaxis(out, -1, 0)  # (nq, *rest): q's axis first, as NumPy
        if keepdims:
            out = self.reshape(out, (self.shape(out)[0],) + keep)
        return self.getitem(out, 0) if self.ndim(q) == 0 else out

    def _check_q(self, op, q, hi):
        if not self.is_array(q):
            flat = q if isinstance(q, (list, tuple)) else [q]
            flat = [v for row in flat for v in (row if isinstance(row, (list, tuple)) else [row])]
            bad = [v for v in flat if isinstance(v, (int, float)) and not 0 <= v <= hi]
            if bad:
                raise ValueError(f"{op}: q must be in [0, {hi}], got {bad[0]!r}.")

    def quantile(self, x, q, axis=None, method="linear", keepdims=False):
        """The ``q``-th quantiles (``q`` in [0, 1], scalar or 1-D) of ``x`` over
        ``axis``, as NumPy's ``method`` (``linear``, ``lower``, ``higher``,
        ``midpoint``, ``nearest``; a ``nearest`` tie goes to the lower element, as
        Keras on JAX). A 1-D ``q`` adds a leading axis. Float result (float32 for
        integer ``x``); the gradient goes to the selected elements."""
        self._check_q("quantile", q, 1)
        return self._quantile("quantile", x, q, axis, method, keepdims)

    def percentile(self, x, q, axis=None, method="linear", keepdims=False):
        """``quantile`` with ``q`` in percent ([0, 100])."""
        self._check_q("percentile", q, 100)
        return self._quantile("percentile", x, self._percent(q, x), axis, method, keepdims)

    def _percent(self, q, x):
        if self.is_array(q):
            return self.divide(self._floated(q), 100.0)
        q = self.convert(q, self.dtype(self._floated(x)))
        return self.divide(q, 100.0)

    def median(self, x, axis=None, keepdims=False):
        """The median over ``axis`` (the mean of the two middle elements for an even
        count). Float result; the gradient goes to the middle element(s)."""
        return self._quantile("median", x, 0.5, axis, "linear", keepdims)

    def nanquantile(self, x, q, axis=None, method="linear", keepdims=False):
        """``quantile`` ignoring NaNs (NaN where a slice is all NaN)."""
        self._check_q("nanquantile", q, 1)
        return self._quantile("nanquantile", x, q, axis, method, keepdims, ignore_nan=True)

    def nanpercentile(self, x, q, axis=None, method="linear", keepdims=False):
        """``percentile`` ignoring NaNs (NaN where a slice is all NaN)."""
        self._check_q("nanpercentile", q, 100)
        return self._quantile("nanpercentile", x, self._percent(q, x), axis, method, keepdims,
                              ignore_nan=True)

    def nanmedian(self, x, axis=None, keepdims=False):
        """``median`` ignoring NaNs (NaN where a slice is all NaN)."""
        return self._quantile("nanmedian", x, 0.5, axis, "linear", keepdims, ignore_nan=True)

    def average(self, x, axis=None, weights=None):
        """Weighted mean over ``axis`` (one int or None). ``weights``: ``x``'s shape,
        or 1-D of the length of ``axis``. Float result (float32 for integers)."""
        x = self._floated(x)
        if weights is None:
            return self.mean(x, axis=axis)
        w = self.cast(weights, self.dtype(x))
        xs, ws = self.shape(x), self.shape(w)
        if ws != xs:
            if axis is None or self.ndim(w) != 1:
                raise ValueError(f"average: weights of shape {ws} differ from x's shape {xs}; give 1-D "
                                 f"weights together with an axis.")
            ax = self._axes("average", x, axis)[0]
            if ws[0] != xs[ax]:
                raise ValueError(f"average: 1-D weights of length {ws[0]} do not match axis {axis} of "
                                 f"x's shape {xs}.")
            w = self.broadcast_to(self.reshape(w, tuple(-1 if i == ax else 1 for i in range(len(xs)))), xs)
        return self.divide(self.sum(self.multiply(x, w), axis=axis), self.sum(w, axis=axis))

    def ptp(self, x, axis=None, keepdims=False):
        """Range ``max - min`` over ``axis``."""
        return self.subtract(self.max(x, axis=axis, keepdims=keepdims), self.min(x, axis=axis, keepdims=keepdims))

    def corrcoef(self, x):
        """Pearson correlation coefficients of the rows of ``x`` (variables in rows,
        observations in columns): ``(rows, rows)``; 1-D ``x`` gives 1.0. Float."""
        x = self._floated(x)
        if self.ndim(x) > 2:
            raise ValueError(f"corrcoef: x must be 1-D or 2-D, got shape {self.shape(x)}.")
        one = self.ndim(x) == 1
        if one:
            x = self.expand_dims(x, 0)
        xc = self.subtract(x, self.mean(x, axis=1, keepdims=True))
        cov = self.matmul(xc, self.transpose(xc))
        d = self.sqrt(self.sum(self.square(xc), axis=1))
        out = self.clip(self.divide(self.divide(cov, self.expand_dims(d, 1)), self.expand_dims(d, 0)), -1.0, 1.0)
        return self.reshape(out, ()) if one else out

    def histogram(self, x, bins=10, range=None):
        """Counts of the 1-D ``x`` in ``bins`` equal-width bins over
        ``range`` (default: ``(min(x), max(x))``; an empty span is widened by 0.5
        each side, as NumPy). Returns ``(counts, bin_edges)``: float32 counts
        (as Keras on JAX) and ``bins + 1`` float edges. Values outside ``range``
        are left out; the last bin includes its right edge."""
        if not isinstance(bins, int) or bins <= 0:
            raise ValueError(f"histogram: bins must be a positive int, got {bins!r}.")
        x = self._floated(self.stop_gradient(self.convert(x)))
        if self.ndim(x) != 1:
            raise ValueError(f"histogram: x must be 1-D (as Keras), got shape {self.shape(x)}.")
        dt = self.dtype(x)
        if range is None:
            lo, hi = self.min(x), self.max(x)
        else:
            if len(range) != 2 or not range[0] <= range[1]:
                raise ValueError(f"histogram: range must be (low, high) with low <= high, got {range!r}.")
            lo, hi = self.convert(range[0], dt), self.convert(range[1], dt)
        empty = self.equal(lo, hi)
        lo = self.where(empty, self.subtract(lo, 0.5), lo)
        hi = self.where(empty, self.add(hi, 0.5), hi)
        steps = self.cast(self.arange(0, bins + 1, dtype="int32"), dt)
        edges = self.add(lo, self.multiply(steps, self.divide(self.subtract(hi, lo), float(bins))))
        edges = self.where(self.equal(steps, float(bins)), hi, edges)  # the last edge exactly hi
        # bin k holds edges[k] <= x < edges[k + 1]; the last also x == edges[-1]
        pos = self.subtract(self.searchsorted(edges, x, side="right"), 1)
        pos = self.where(self.equal(x, self.getitem(edges, -1)), bins - 1, pos)
        valid = self.logical_and(self.greater_equal(pos, 0), self.less(pos, bins))
        counts = self.scatter_add(self.zeros((bins,), "float32"), self.where(valid, pos, 0),
                                  self.cast(valid, "float32"))
        return counts, edges

    def bincount(self, x, weights=None, minlength=0, sparse=False):
        """Occurrences of each value ``0..max(x)`` of the non-negative integer ``x``
        (1-D, or 2-D: one count per row), at least ``minlength`` long. With
        ``weights`` (``x``'s shape) the weights are summed instead (differentiable
        in them). int32 counts; weighted: the weights' dtype (float32 for bool).
        The length is ``max(max(x) + 1, minlength)``, read on the host; under
        ``jit`` (JAX) it is ``minlength``, which must then be given."""
        if sparse:
            raise ValueError("bincount: sparse=True is not supported by kerasette (dense outputs only).")
        x = self.convert(x)
        if _is_float(self.dtype(x)) or self.ndim(x) not in (1, 2):
            raise ValueError(f"bincount: x must be a 1-D or 2-D integer array, got {self.dtype(x)} of shape "
                             f"{self.shape(x)}.")
        length = int(minlength)
        if self.size(x):
            try:
                lo, hi = int(self.to_numpy(self.min(x))), int(self.to_numpy(self.max(x)))
            except Exception:  # noqa: BLE001 -- traced (under jit): values unknown
                if length <= 0:
                    raise ValueError("bincount: under jit the output length cannot depend on x's "
                                     "values; give minlength (values >= minlength are dropped).") from None
                lo, hi = 0, -1
            if lo < 0:
                raise ValueError(f"bincount: x must be non-negative, got the value {lo}.")
            length = max(length, hi + 1)
        x = self.cast(x, "int32")
        if weights is None:
            w, wdt = self.ones_like(x, "int32"), "int32"
        else:
            w = self.convert(weights)
            if self.dtype(w) == "bool":
                w = self.cast(w, "float32")
            if self.shape(w) != self.shape(x):
                raise ValueError(f"bincount: weights of shape {self.shape(w)} differ from x's shape "
                                 f"{self.shape(x)}.")
            wdt = self.dtype(w)
            if not (_is_float(wdt) or wdt == "int64"):
                w, wdt = self.cast(w, "int32"), "int32"
        # one scatter-add into rows * length bins: O(n), differentiable in the weights
        rows = self.shape(x)[0] if self.ndim(x) == 2 else 1
        inside = self.less(x, length)  # False only under jit, for values past minlength
        idx = x if self.ndim(x) == 1 else self.add(x, self.expand_dims(self.arange(0, rows * length, length,
                                                                                   dtype="int32"), 1))
        idx = self.reshape(self.where(inside, idx, 0), (-1,))
        w = self.reshape(self.where(inside, w, self.zeros_like(w)), (-1,))
        out = self.scatter_add(self.zeros((rows * length,), wdt), idx, w)
        return self.reshape(out, (length,) if self.ndim(x) == 1 else (rows, length))

    def correlate(self, x1, x2, mode="valid"):
        """Cross-correlation of two 1-D arrays, ``c[k] = sum_n x1[n + k] * x2[n]``,
        as NumPy: ``mode`` ``'valid'`` (``max - min + 1`` values), ``'same'``
        (``max(len)``), ``'full'`` (``len1 + len2 - 1``). Float result
        (float32 for integers); differentiable in both inputs."""
        if mode not in ("valid", "same", "full"):
            raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full', got {mode!r}.")
        x1, x2 = self._floated(x1), self._floated(x2)
        if self.ndim(x1) != 1 or self.ndim(x2) != 1:
            raise ValueError(f"correlate: x1 and x2 must be 1-D, got shapes {self.shape(x1)} and {self.shape(x2)}.")
        n, m = self.shape(x1)[0], self.shape(x2)[0]
        if n == 0 or m == 0:
            raise ValueError(f"correlate: x1 and x2 must not be empty, got lengths {n} and {m}.")
        if self.dtype(x1) != self.dtype(x2):
            dt = "float64" if "float64" in (self.dtype(x1), self.dtype(x2)) else "float32"
            x1, x2 = self.cast(x1, dt), self.cast(x2, dt)
        if mode == "full":
            start, length = 0, n + m - 1
        elif mode == "same":
            start, length = (min(n, m) - 1) // 2, max(n, m)
        else:
            start, length = min(n, m) - 1, abs(n - m) + 1
        padded = self.pad(x1, ((m - 1, m - 1),))
        k = self.arange(start, start + length, dtype="int32")
        idx = self.add(self.expand_dims(k, 1), self.arange(0, m, dtype="int32"))  # (length, m)
        return self.matmul(self.take(padded, idx, axis=0), x2)

    # ---------------------------------------------------------- segments
    def _segments(self, op, data, segment_ids, num_segments):
        """(data, ids, S, mask (N, S, 1...)) for a segment reduction."""
        data = self.convert(data)
        ids = self.cast(segment_ids, "int32")
        if self.ndim(ids) != 1 or self.ndim(data) < 1 or self.shape(ids)[0] != self.shape(data)[0]:
            raise ValueError(f"{op}: segment_ids must be 1-D and as long as data's first axis; got shapes "
                             f"{self.shape(segment_ids)} and {self.shape(data)}.")
        if num_segments is None:
            try:
                num_segments = int(self.to_numpy(self.max(ids))) + 1 if self.shape(ids)[0] else 0
            except Exception:  # noqa: BLE001 -- traced (under jit): values unknown
                raise ValueError(f"{op}: num_segments must be given under jit (the number of segments "
                                 f"fixes the output's shape).") from None
        s = int(num_segments)
        hit = self.equal(self.expand_dims(ids, -1), self.arange(0, s, dtype="int32"))  # (N, S)
        mask = self.reshape(hit, self.shape(hit) + (1,) * (self.ndim(data) - 1))
        return data, ids, s, mask

    def segment_sum(self, data, segment_ids, num_segments=None, sorted=False):
        """Sum of the rows of ``data`` (axis 0) sharing a segment id: output
        ``(num_segments, *data.shape[1:])``; ids outside ``[0, num_segments)`` are
        dropped, empty segments give 0. ``num_segments=None``: ``max(ids) + 1``
        (read on the host; JAX's ``jit`` needs it given, as Keras). ``sorted`` is
        a hint only."""
        data, ids, s, _ = self._segments("segment_sum", data, segment_ids, num_segments)
        valid = self.logical_and(self.greater_equal(ids, 0), self.less(ids, s))
        rows = self.reshape(valid, self.shape(valid) + (1,) * (self.ndim(data) - 1))
        data = self.where(rows, data, self.zeros_like(data))
        out = self.zeros((s,) + tuple(self.shape(data)[1:]), self.dtype(data))
        return self.scatter_add(out, self.where(valid, ids, 0), data)

    def _segment_reduce(self, op, reduce, fill, data, segment_ids, num_segments):
        data, _, _, mask = self._segments(op, data, segment_ids, num_segments)
        spread = self.where(mask, self.expand_dims(data, 1), fill)  # (N, S, ...)
        return reduce(spread, axis=0)

    def segment_max(self, data, segment_ids, num_segments=None, sorted=False):
        """Maximum per segment (see ``segment_sum``); empty segments give -inf (the
        dtype's minimum for integers). Ties share the gradient."""
        dt = self.dtype(self.convert(data))
        fill = float("-inf") if _is_float(dt) else _INT_MIN[dt]
        return self._segment_reduce("segment_max", self.max, fill, data, segment_ids, num_segments)

    def segment_min(self, data, segment_ids, num_segments=None, sorted=False):
        """Minimum per segment (see ``segment_sum``); empty segments give +inf (the
        dtype's maximum for integers)."""
        dt = self.dtype(self.convert(data))
        fill = float("inf") if _is_float(dt) else _INT_MAX[dt]
        return self._segment_reduce("segment_min", self.min, fill, data, segment_ids, num_segments)

    def segment_prod(self, data, segment_ids, num_segments=None, sorted=False):
        """Product per segment (see ``segment_sum``); empty segments give 1."""
        return self._segment_reduce("segment_prod", self.prod, 1, data, segment_ids, num_segments)

    # ------------------------------------------------------ nan-reductions
    def nansum(self, x, axis=None, keepdims=False):
        """``sum`` with NaN as 0 (bool and small ints give int32, as Keras)."""
        x, _ = self._sanitized(x, 0.0)
        out = self.sum(x, axis=axis, keepdims=keepdims)
        if self.dtype(x) in ("bool", "int8", "int16", "int32", "uint8"):
            out = self.cast(out, "int32")  # NumPy and torch would widen to int64
        return out

    def nanprod(self, x, axis=None, keepdims=False):
        """``prod`` with NaN as 1."""
        x, _ = self._sanitized(x, 1.0)
        return self.prod(x, axis=axis, keepdims=keepdims)

    def _nancount(self, x, nan, axis, keepdims):
        if nan is None:
            return self.sum(self.ones_like(x), axis=axis, keepdims=keepdims)
        return self.sum(self.cast(self.logical_not(nan), self.dtype(x)), axis=axis, keepdims=keepdims)

    def nanmean(self, x, axis=None, keepdims=False):
        """``mean`` of the non-NaN elements (NaN where all are NaN). Float."""
        x, nan = self._sanitized(self._floated(x), 0.0)
        return self.divide(self.sum(x, axis=axis, keepdims=keepdims), self._nancount(x, nan, axis, keepdims))

    def nanvar(self, x, axis=None, keepdims=False):
        """Population variance of the non-NaN elements (NaN where all are NaN). Float."""
        x, nan = self._sanitized(self._floated(x), 0.0)
        cnt = self._nancount(x, nan, axis, True)
        mu = self.divide(self.sum(x, axis=axis, keepdims=True), cnt)
        sq = self.square(self.subtract(x, mu))
        if nan is not None:
            sq = self.where(nan, 0.0, sq)
        out = self.divide(self.sum(sq, axis=axis, keepdims=True), cnt)
        if keepdims:
            return out
        return self.squeeze(out, axis=self._axes("nanvar", x, axis)) if self.ndim(x) else self.reshape(out, ())

    def nanstd(self, x, axis=None, keepdims=False):
        """Population standard deviation of the non-NaN elements. Float."""
        return self.sqrt(self.nanvar(x, axis=axis, keepdims=keepdims))

    def _nanextremum(self, reduce, fill, x, axis, keepdims):
        x = self.convert(x)
        if not _is_float(self.dtype(x)):
            return reduce(x, axis=axis, keepdims=keepdims)
        clean, nan = self._sanitized(x, fill)
        out = reduce(clean, axis=axis, keepdims=keepdims)
        return self.where(self.all(nan, axis=axis, keepdims=keepdims), float("nan"), out)

    def nanmax(self, x, axis=None, keepdims=False):
        """``max`` ignoring NaNs (NaN where all are NaN; gradient 0 at NaN)."""
        return self._nanextremum(self.max, float("-inf"), x, axis, keepdims)

    def nanmin(self, x, axis=None, keepdims=False):
        """``min`` ignoring NaNs (NaN where all are NaN; gradient 0 at NaN)."""
        return self._nanextremum(self.min, float("inf"), x, axis, keepdims)

    def _nanarg(self, arg, fill, x, axis, keepdims):
        x = self.convert(x)
        if not _is_float(self.dtype(x)):
            return arg(x, axis=axis, keepdims=keepdims)
        clean, nan = self._sanitized(x, fill)
        idx = arg(clean, axis=axis, keepdims=keepdims)
        if axis is None:
            allnan = self.all(nan, keepdims=keepdims)
        else:
            allnan = self.all(nan, axis=axis, keepdims=keepdims)
        return self.where(allnan, -1, idx)

    def nanargmax(self, x, axis=None, keepdims=False):
        """``argmax`` ignoring NaNs; -1 where all are NaN (as Keras on JAX). int32."""
        return self._nanarg(self.argmax, float("-inf"), x, axis, keepdims)

    def nanargmin(self, x, axis=None, keepdims=False):
        """``argmin`` ignoring NaNs; -1 where all are NaN (as Keras on JAX). int32."""
        return self._nanarg(self.argmin, float("inf"), x, axis, keepdims)
