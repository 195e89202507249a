"""The ops interface: the complete list of what kerasette asks of an engine.

Rules every adapter follows (NumPy semantics unless a docstring says otherwise):

* Arrays are the engine's own (``np.ndarray``, ``torch.Tensor``, ``jax.Array``);
  the NumPy engine wraps them in a traced type only inside ``value_and_grad``.
* Binary element-wise ops broadcast exactly as NumPy does; shapes NumPy would
  refuse raise ``ValueError`` naming the op and both shapes.
* ``axis`` may be an int, a tuple of ints, negative, or ``None`` (all axes).
* Dtypes are named by strings: ``float16 bfloat16 float32 float64 int8 int16
  int32 int64 uint8 bool complex64 complex128``. Python scalars take the dtype of the array they
  meet (NEP 50). A dtype an engine cannot hold raises ``TypeError`` naming it,
  except that JAX (run without x64, as Keras runs it) narrows float64/int64/
  complex128 to float32/int32/complex64.
* Images and sequences are channels-last: ``(batch, *spatial, channels)``, except
  where an op takes Keras's ``data_format`` (conv and pool ops; ``None`` reads
  ``config.image_data_format()``); engine primitives (``_conv``...) see channels-last only.
* Randomness comes only from an explicit integer ``seed`` (a Python int, a 0-d
  integer array, or a ``(2,)`` ``SeedGenerator`` state ``[seed, counter]``, which
  draws as ``seed + counter``); the same seed gives the same numbers on the same engine.

Abstract methods are the primitives an adapter must supply. Concrete methods
here are derived ops written with those primitives; an adapter overrides one
only when its engine has a faster native form with the same contract.
"""
from __future__ import annotations

import abc

from .common import (DTYPES, conv_output_length, conv_transpose_geometry,  # noqa: F401
                     conv_transpose_output_length, normalize_tuple, same_padding,
                     standardize_dtype)
from .contract import (ArrayOps, ControlOps, ElementwiseOps, ImageOps, LinalgOps, NNOps,
                       StatsOps)


def _check_num(b, x, num, axis):
    if num is not None and num != b.shape(x)[axis]:
        raise ValueError(f"unstack: num={num} but axis {axis} of shape {b.shape(x)} has length "
                         f"{b.shape(x)[axis]}.")


class Backend(ElementwiseOps, StatsOps, ArrayOps, LinalgOps, NNOps, ImageOps, ControlOps,
              abc.ABC):
    """The abstract engine adapter. ``name`` is 'numpy', 'torch' or 'jax'."""

    name: str = "abstract"

    # ------------------------------------------------------------------ creation
    @abc.abstractmethod
    def convert(self, x, dtype=None):
        """Engine array from an array-like, a scalar or an engine array.

        With ``dtype=None``: NumPy arrays keep their dtype (float64 becomes
        float32 where the engine has no float64, i.e. JAX without x64); Python
        floats and lists of floats become float32; Python ints and lists of them
        become int32 (as Keras); bools stay bool. Engine arrays pass through.
        """

    @abc.abstractmethod
    def to_numpy(self, x):
        """A NumPy copy (or view) of an engine array, detached from any tape."""

    @abc.abstractmethod
    def zeros(self, shape, dtype=None):
        """Array of zeros of ``shape`` (``dtype`` None: floatx)."""

    @abc.abstractmethod
    def ones(self, shape, dtype=None):
        """Array of ones of ``shape`` (``dtype`` None: floatx)."""

    @abc.abstractmethod
    def full(self, shape, fill_value, dtype=None):
        """Array of ``shape`` filled with ``fill_value``; ``dtype`` None: floatx, whatever
        the fill value (as Keras 3 on every backend)."""

    @abc.abstractmethod
    def arange(self, start, stop=None, step=None, dtype=None):
        """Evenly spaced values in ``[start, stop)``, as ``np.arange`` (``step`` None: 1).
        ``dtype`` None: int32 when ``start``, ``stop`` and ``step`` are all integers,
        else floatx (as Keras)."""

    @abc.abstractmethod
    def eye(self, N, M=None, k=0, dtype=None):
        """``(N, M)`` (``M`` None: ``N``) with ones on the ``k``-th diagonal (``k > 0``
        above the main one); ``dtype`` None: floatx."""

    @abc.abstractmethod
    def cast(self, x, dtype):
        """``x`` as ``dtype`` (float to int truncates toward zero)."""

    @abc.abstractmethod
    def shape(self, x):
        """Static shape of ``x`` as a tuple of Python ints."""

    @abc.abstractmethod
    def dtype(self, x):
        """Canonical dtype name of ``x`` (see ``standardize_dtype``)."""

    @abc.abstractmethod
    def is_array(self, x):
        """True when ``x`` is an array of this engine (traced ones included)."""

    def ndim(self, x):
        """Number of axes of ``x``."""
        return len(self.shape(x))

    def size(self, x):
        """Number of elements of ``x``."""
        n = 1
        for d in self.shape(x):
            n *= d
        return n

    def zeros_like(self, x, dtype=None):
        """Zeros with the shape (and dtype unless given) of ``x``."""
        return self.zeros(self.shape(x), dtype or self.dtype(x))

    def ones_like(self, x, dtype=None):
        """Ones with the shape (and dtype unless given) of ``x``."""
        return self.ones(self.shape(x), dtype or self.dtype(x))

    # ------------------------------------------------------ element-wise binary
    @abc.abstractmethod
    def add(self, x, y):
        """``x + y`` with NumPy broadcasting."""

    @abc.abstractmethod
    def subtract(self, x, y):
        """``x - y`` with NumPy broadcasting."""

    @abc.abstractmethod
    def multiply(self, x, y):
        """``x * y`` with NumPy broadcasting."""

    @abc.abstractmethod
    def divide(self, x, y):
        """True division ``x / y``; integer inputs give float32."""

    @abc.abstractmethod
    def power(self, x, y):
        """``x ** y`` element-wise."""

    @abc.abstractmethod
    def maximum(self, x, y):
        """Element-wise maximum; the gradient goes to ``x`` where ``x >= y``."""

    @abc.abstractmethod
    def minimum(self, x, y):
        """Element-wise minimum; the gradient goes to ``x`` where ``x <= y``."""

    @abc.abstractmethod
    def floor_divide(self, x, y):
        """``x // y`` (no gradient)."""

    @abc.abstractmethod
    def mod(self, x, y):
        """``x % y`` with the sign of ``y``, as NumPy. Gradient as Keras/JAX: 1 for ``x``,
        ``-floor(x / y)`` for ``y``."""

    @abc.abstractmethod
    def where(self, condition, x, y):
        """``x`` where ``condition`` else ``y``, all three broadcast together."""

    # ------------------------------------------------------- element-wise unary
    @abc.abstractmethod
    def negative(self, x):
        """``-x``."""

    @abc.abstractmethod
    def abs(self, x):
        """``|x|``; gradient ``sign(x)`` (0 at 0)."""

    @abc.abstractmethod
    def sign(self, x):
        """-1, 0 or 1 (zero gradient)."""

    @abc.abstractmethod
    def exp(self, x):
        """``e ** x``."""

    @abc.abstractmethod
    def log(self, x):
        """Natural logarithm."""

    @abc.abstractmethod
    def log1p(self, x):
        """``log(1 + x)``, accurate near 0."""

    @abc.abstractmethod
    def expm1(self, x):
        """``exp(x) - 1``, accurate near 0."""

    @abc.abstractmethod
    def sqrt(self, x):
        """Square root."""

    @abc.abstractmethod
    def square(self, x):
        """``x * x``."""

    @abc.abstractmethod
    def sin(self, x):
        """Sine."""

    @abc.abstractmethod
    def cos(self, x):
        """Cosine."""

    @abc.abstractmethod
    def tanh(self, x):
        """Hyperbolic tangent."""

    @abc.abstractmethod
    def erf(self, x):
        """The error function."""

    @abc.abstractmethod
    def sigmoid(self, x):
        """``1 / (1 + exp(-x))``, stable for large ``|x|``."""

    @abc.abstractmethod
    def relu(self, x):
        """``max(x, 0)``; gradient 0 at 0."""

    @abc.abstractmethod
    def softplus(self, x):
        """``log(1 + exp(x))``, stable for large ``|x|``."""

    @abc.abstractmethod
    def round(self, x, decimals=0):
        """Round half to even to ``decimals`` places (negative: tens, hundreds...); zero
        gradient. Integer ``x`` stays integer."""

    @abc.abstractmethod
    def floor(self, x):
        """Floor (zero gradient)."""

    @abc.abstractmethod
    def ceil(self, x):
        """Ceiling (zero gradient)."""

    @abc.abstractmethod
    def clip(self, x, min_value, max_value):
        """``x`` limited to ``[min_value, max_value]`` (scalars); gradient 1 inside, 0 outside."""

    # derived activations (Keras's signatures and defaults; integer inputs give float32) ----
    def reciprocal(self, x):
        """``1 / x``."""
        return self.divide(1.0, x)

    def rsqrt(self, x):
        """``1 / sqrt(x)``."""
        return self.divide(1.0, self.sqrt(x))

    def softsign(self, x):
        """``x / (1 + |x|)``."""
        x = self._float(x)  # integer inputs give float32, as Keras
        return self.divide(x, self.add(self.abs(x), 1.0))

    def elu(self, x, alpha=1.0):
        """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
        x = self._float(x)  # integer inputs give float32, as Keras
        return self.where(self.greater(x, 0.0), x,
                          self.multiply(self.expm1(self.minimum(x, 0.0)), alpha))

    def selu(self, x):
        """Scaled ELU with Keras's constants."""
        alpha, scale = 1.6732632423543772, 1.0507009873554805
        return self.multiply(self.elu(x, alpha), scale)

    def leaky_relu(self, x, negative_slope=0.2):
        """``x`` if ``x >= 0`` else ``negative_slope * x`` (Keras's default slope 0.2)."""
        x = self._float(x)  # integer inputs give float32, as Keras
        return self.where(self.greater_equal(x, 0.0), x, self.multiply(x, negative_slope))

    def relu6(self, x):
        """``min(max(x, 0), 6)``."""
        x = self._float(x)  # integer inputs give float32, as Keras
        return self.clip(x, 0.0, 6.0)

    def silu(self, x):
        """``x * sigmoid(x)`` (swish)."""
        x = self._float(x)  # integer inputs give float32, as Keras
        return self.multiply(x, self.sigmoid(x))

    def gelu(self, x, approximate=True):
        """Gaussian error linear unit; the tanh form when ``approximate``."""
        x = self._float(x)  # integer inputs give float32, as Keras
        if approximate:
            c = 0.7978845608028654  # sqrt(2 / pi)
            inner = self.multiply(self.add(x, self.multiply(self.power(x, 3.0), 0.044715)), c)
            return self.multiply(self.multiply(x, 0.5), self.add(self.tanh(inner), 1.0))
        return self.multiply(self.multiply(x, 0.5),
                             self.add(self.erf(self.multiply(x, 0.7071067811865476)), 1.0))

    def hard_sigmoid(self, x):
        """``clip(x / 6 + 0.5, 0, 1)`` (Keras 3's definition)."""
        x = self._float(x)  # integer inputs give float32, as Keras
        return self.clip(self.add(self.divide(x, 6.0), 0.5), 0.0, 1.0)

    def hard_silu(self, x):
        """``x * hard_sigmoid(x)``."""
        x = self._float(x)  # integer inputs give float32, as Keras
        return self.multiply(x, self.hard_sigmoid(x))

    # ----------------------------------------------------- comparison and logic
    @abc.abstractmethod
    def equal(self, x, y):
        """``x == y`` as bool."""

    @abc.abstractmethod
    def not_equal(self, x, y):
        """``x != y`` as bool."""

    @abc.abstractmethod
    def less(self, x, y):
        """``x < y`` as bool."""

    @abc.abstractmethod
    def less_equal(self, x, y):
        """``x <= y`` as bool."""

    @abc.abstractmethod
    def greater(self, x, y):
        """``x > y`` as bool."""

    @abc.abstractmethod
    def greater_equal(self, x, y):
        """``x >= y`` as bool."""

    @abc.abstractmethod
    def logical_and(self, x, y):
        """Element-wise AND of truth values."""

    @abc.abstractmethod
    def logical_or(self, x, y):
        """Element-wise OR of truth values."""

    @abc.abstractmethod
    def logical_not(self, x):
        """Element-wise NOT of truth values."""

    @abc.abstractmethod
    def isnan(self, x):
        """True where ``x`` is NaN."""

    @abc.abstractmethod
    def isfinite(self, x):
        """True where ``x`` is neither infinite nor NaN."""

    # --------------------------------------------------------------- reductions
    @abc.abstractmethod
    def sum(self, x, axis=None, keepdims=False):
        """Sum over ``axis``."""

    @abc.abstractmethod
    def mean(self, x, axis=None, keepdims=False):
        """Arithmetic mean over ``axis`` (integer inputs give float32)."""

    @abc.abstractmethod
    def max(self, x, axis=None, keepdims=False, initial=None):
        """Maximum over ``axis``; ties share the gradient equally. ``initial``: a
        scalar the result is at least (``maximum(max(x), initial)``)."""

    @abc.abstractmethod
    def min(self, x, axis=None, keepdims=False, initial=None):
        """Minimum over ``axis``; ties share the gradient equally. ``initial``: a
        scalar the result is at most (``minimum(min(x), initial)``)."""

    @abc.abstractmethod
    def prod(self, x, axis=None, keepdims=False, dtype=None):
        """Product over ``axis``. ``dtype`` casts the input first; else bool and
        integers narrower than 32 bits give int32 (as Keras on JAX), others stay."""

    @abc.abstractmethod
    def argmax(self, x, axis=None, keepdims=False):
        """Index of the first maximum along one ``axis`` (None: of the flattened
        array, as Keras), int32 on every engine; ``keepdims`` keeps the axis
        (all axes, as length 1, when ``axis`` is None)."""

    @abc.abstractmethod
    def argmin(self, x, axis=None, keepdims=False):
        """Index of the first minimum along one ``axis``; as ``argmax``."""

    @abc.abstractmethod
    def any(self, x, axis=None, keepdims=False):
        """True where any element along ``axis`` is true."""

    @abc.abstractmethod
    def all(self, x, axis=None, keepdims=False):
        """True where every element along ``axis`` is true."""

    @abc.abstractmethod
    def cumsum(self, x, axis=None, dtype=None):
        """Cumulative sum along one ``axis`` (None: of the flattened array, as
        Keras). ``dtype`` casts the input first; else bool gives int32 and other
        dtypes stay (as Keras on JAX)."""

    def var(self, x, axis=None, keepdims=False):
        """Population variance (``ddof=0``) over ``axis``."""
        centered = self.subtract(x, self.mean(x, axis=axis, keepdims=True))
        return self.mean(self.square(centered), axis=axis, keepdims=keepdims)

    def std(self, x, axis=None, keepdims=False):
        """Population standard deviation over ``axis``."""
        return self.sqrt(self.var(x, axis=axis, keepdims=keepdims))

    def logsumexp(self, x, axis=None, keepdims=False):
        """``log(sum(exp(x)))`` over ``axis``, stable (shifts by the max)."""
        m = self.stop_gradient(self.max(x, axis=axis, keepdims=True))
        m = self.where(self.isfinite(m), m, self.zeros_like(m))
        out = self.add(self.log(self.sum(self.exp(self.subtract(x, m)), axis=axis, keepdims=True)), m)
        return out if keepdims else self.squeeze(out, axis=axis)

    # --------------------------------------------------------------- shape ops
    @abc.abstractmethod
    def reshape(self, x, shape):
        """``x`` with a new shape (one entry may be -1)."""

    @abc.abstractmethod
    def transpose(self, x, axes=None):
        """Permute axes (reverse them when ``axes`` is None)."""

    @abc.abstractmethod
    def expand_dims(self, x, axis):
        """Insert a length-1 axis at ``axis``."""

    @abc.abstractmethod
    def squeeze(self, x, axis=None):
        """Remove length-1 axes (``axis`` None: all of them)."""

    @abc.abstractmethod
    def concatenate(self, xs, axis=0):
        """Join a sequence of arrays along an existing axis."""

    @abc.abstractmethod
    def stack(self, xs, axis=0):
        """Join a sequence of same-shape arrays along a new axis."""

    @abc.abstractmethod
    def split(self, x, indices_or_sections, axis=0):
        """List of sub-arrays, as ``np.split`` (equal sections or split points)."""

    @abc.abstractmethod
    def tile(self, x, repeats):
        """Repeat the whole array ``repeats`` times per axis, as ``np.tile``."""

    @abc.abstractmethod
    def repeat(self, x, repeats, axis=None):
        """Repeat each element ``repeats`` times along ``axis`` (None: of the flattened
        ``x``); ``repeats`` an int or a 1-D int array/list with one count per element
        (JAX under ``jit`` needs it concrete)."""

    @abc.abstractmethod
    def pad(self, x, pad_width, mode="constant", constant_values=None):
        """Pad ``x``; ``pad_width``: an int, one ``(before, after)`` for every axis, or
        one pair per axis. ``mode``: ``'constant'`` (``constant_values``, None: 0),
        ``'reflect'`` (mirror without the edge) or ``'symmetric'`` (with the edge);
        ``constant_values`` with another mode is a ValueError (as Keras)."""

    @abc.abstractmethod
    def getitem(self, x, key):
        """Basic indexing ``x[key]``: ints, slices (with steps), None, Ellipsis."""

    @abc.abstractmethod
    def flip(self, x, axis=None):
        """Reverse the order of elements along ``axis`` (int or tuple)."""

    @abc.abstractmethod
    def broadcast_to(self, x, shape):
        """``x`` broadcast to ``shape``; the gradient sums back."""

    def moveaxis(self, x, source, destination):
        """Move one axis to a new position."""
        nd = self.ndim(x)
        order = [a for a in range(nd) if a != source % nd]
        order.insert(destination % nd, source % nd)
        return self.transpose(x, order)

    def swapaxes(self, x, axis1, axis2):
        """Exchange two axes."""
        order = list(range(self.ndim(x)))
        order[axis1], order[axis2] = order[axis2], order[axis1]
        return self.transpose(x, order)

    def unstack(self, x, num=None, axis=0):
        """List of the slices of ``x`` along ``axis`` (``num``, if given, must be its length)."""
        _check_num(self, x, num, axis)
        return [self.squeeze(p, axis=axis) for p in self.split(x, self.shape(x)[axis], axis=axis)]

    # ----------------------------------------------------------------- indexing
    @abc.abstractmethod
    def take(self, x, indices, axis=None):
        """Gather along ``axis`` (flattened when None) by integer ``indices``; the
        gradient scatter-adds (repeated indices sum). As Keras on JAX: a negative
        index counts from the end, and one outside ``[-n, n)`` gives the fill value
        (NaN for floats, the most negative integer for signed ints, the largest for
        unsigned, True for bool)."""

    @abc.abstractmethod
    def take_along_axis(self, x, indices, axis=None):
        """Gather with ``indices`` of ``x``'s rank, as ``np.take_along_axis`` (``axis``
        None: ``x`` flattened, ``indices`` 1-D). Indices out of range as ``take``."""

    @abc.abstractmethod
    def scatter_add(self, x, indices, updates):
        """``x`` with ``updates[i]`` added at row ``indices[i]`` of axis 0;
        ``indices`` is 1-D, ``updates`` is ``(len(indices), *x.shape[1:])``,
        repeated indices sum. Differentiable in ``x`` and ``updates``."""

    @abc.abstractmethod
    def top_k(self, x, k, sorted=True):
        """The ``k`` largest values along the last axis and their int32 indices;
        ``sorted=False`` allows any order."""

    def one_hot(self, x, num_classes, axis=-1, dtype=None, sparse=False):
        """Indicator vectors along a new axis ``axis`` of the output (default last);
        negative and out-of-range indices give zeros. ``dtype`` defaults to
        ``config.floatx()``; ``sparse=True`` is refused (no sparse tensors here)."""
        if sparse:
            raise ValueError("ops.one_hot: sparse=True is not supported; kerasette has no sparse "
                             "tensors (use sparse=False).")
        if dtype is None:
            from .. import config
            dtype = config.floatx()
        x = self.convert(x)
        classes = self.arange(0, num_classes, dtype=self.dtype(x))
        out = self.cast(self.equal(self.expand_dims(x, -1), classes), dtype)
        return out if axis in (-1, self.ndim(x)) else self.moveaxis(out, -1, axis)

    # ----------------------------------------------------------- linear algebra
    @abc.abstractmethod
    def matmul(self, x, y):
        """Matrix product with batch broadcasting, as ``np.matmul``."""

    @abc.abstractmethod
    def einsum(self, subscripts, *operands):
        """Einstein summation, as ``np.einsum`` (explicit ``->`` recommended)."""

    def tensordot(self, x, y, axes=2):
        """Sum of products over the given axes, as ``np.tensordot``."""
        if isinstance(axes, int):
            ax_x = list(range(self.ndim(x) - axes, self.ndim(x)))
            ax_y = list(range(axes))
        else:
            ax_x, ax_y = ([a] if isinstance(a, int) else list(a) for a in axes)
        nx, ny = self.ndim(x), self.ndim(y)
        ax_x = [a % nx for a in ax_x]
        ax_y = [a % ny for a in ax_y]
        free_x = [a for a in range(nx) if a not in ax_x]
        free_y = [a for a in range(ny) if a not in ax_y]
        sx, sy = self.shape(x), self.shape(y)
        k = 1
        for a in ax_x:
            k *= sx[a]
        xm = self.reshape(self.transpose(x, free_x + ax_x), (-1, k))
        ym = self.reshape(self.transpose(y, ax_y + free_y), (k, -1))
        out = self.matmul(xm, ym)
        return self.reshape(out, tuple(sx[a] for a in free_x) + tuple(sy[a] for a in free_y))

    # -------------------------------------------------------------- neural ops
    def softmax(self, x, axis=-1):
        """``exp(x) / sum(exp(x))`` along ``axis``, stable."""
        x = self._float(x)  # integer inputs give float32, as Keras
        e = self.exp(self.subtract(x, self.stop_gradient(self.max(x, axis=axis, keepdims=True))))
        return self.divide(e, self.sum(e, axis=axis, keepdims=True))

    def log_softmax(self, x, axis=-1):
        """``x - logsumexp(x)`` along ``axis``."""
        x = self._float(x)  # integer inputs give float32, as Keras
        return self.subtract(x, self.logsumexp(x, axis=axis, keepdims=True))

    # Keras's conv/pool signatures: ``data_format`` (None: ``config.image_data_format()``)
    # is resolved here and the engines' primitives (``_conv``, ...) see channels-last only.
    def conv(self, inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
        """N-D cross-correlation (Keras's ``ops.conv``).

        ``inputs``: ``(batch, *spatial, c_in)`` (channels_last) or ``(batch, c_in,
        *spatial)`` (channels_first; ``data_format=None`` reads
        ``config.image_data_format()``); ``kernel``: ``(*window, c_in // groups,
        c_out)`` (Keras's layout), where ``groups = c_in / kernel.shape[-2]`` is
        inferred, as Keras does. ``padding``: ``'valid'`` or ``'same'`` (Keras's
        asymmetric split, extra on the end). Output in ``inputs``'s layout.
        """
        data_format = self._conv_data_format("conv", data_format)
        x = self._to_channels_last(self.convert(inputs), data_format)
        c_in, k_in = self.shape(x)[-1], self.shape(kernel)[-2]
        if (self.ndim(kernel) != self.ndim(x) or k_in == 0 or c_in % k_in
                or self.shape(kernel)[-1] % (c_in // k_in)):
            raise ValueError(f"ops.conv: kernel {self.shape(kernel)} does not fit inputs {self.shape(inputs)} "
                             f"({data_format}): expected (*window, c_in // groups, c_out) with c_in = {c_in} "
                             f"divisible by kernel.shape[-2] and c_out divisible by groups.")
        y = self._conv(x, kernel, strides, padding, dilation_rate, c_in // k_in)
        return self._from_channels_last(y, data_format)

    @abc.abstractmethod
    def _conv(self, x, kernel, strides, padding, dilation_rate, groups):
        """The engine's channels-last grouped convolution: ``x (batch, *spatial, c_in)``,
        ``kernel (*window, c_in // groups, c_out)``; see ``conv``."""

    def depthwise_conv(self, inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
        """Depthwise convolution; ``kernel``: ``(*window, c_in, multiplier)``;
        output channels ``c_in * multiplier``, ordered channel-major like Keras."""
        data_format = self._conv_data_format("depthwise_conv", data_format)
        x = self._to_channels_last(self.convert(inputs), data_format)
        *window, c_in, mult = self.shape(kernel)
        if self.shape(x)[-1] != c_in:
            raise ValueError(f"ops.depthwise_conv: kernel {self.shape(kernel)} (*window, c_in, multiplier) "
                             f"does not fit inputs {self.shape(inputs)} ({data_format}).")
        k = self.reshape(kernel, (*window, 1, c_in * mult))
        return self._from_channels_last(self._conv(x, k, strides, padding, dilation_rate, c_in), data_format)

    def conv_transpose(self, inputs, kernel, strides=1, padding="valid", output_padding=None,
                       data_format=None, dilation_rate=1):
        """Transposed convolution (the gradient of ``conv`` w.r.t. its input).

        ``kernel``: ``(*window, c_out, c_in)`` (Keras's ConvNDTranspose layout);
        ``data_format`` as ``conv``. Output length and alignment per axis follow
        Keras 3 exactly: see ``conv_transpose_geometry`` (``k' = (k - 1) * dilation
        + 1``; without ``output_padding``: ``valid`` gives ``(n - 1) * s + max(k', s)``,
        ``same`` gives ``n * s``)."""
        data_format = self._conv_data_format("conv_transpose", data_format)
        x = self._to_channels_last(self.convert(inputs), data_format)
        y = self._conv_transpose(x, kernel, strides, padding, output_padding, dilation_rate)
        return self._from_channels_last(y, data_format)

    @abc.abstractmethod
    def _conv_transpose(self, x, kernel, strides, padding, output_padding, dilation_rate):
        """The engine's channels-last transposed convolution; see ``conv_transpose``."""

    def max_pool(self, inputs, pool_size, strides=None, padding="valid", data_format=None):
        """Max pooling over the spatial axes (layout as ``conv``); ``strides``
        defaults to ``pool_size``; ``'same'`` pads with -inf."""
        data_format = self._conv_data_format("max_pool", data_format)
        x = self._to_channels_last(self.convert(inputs), data_format)
        return self._from_channels_last(self._max_pool(x, pool_size, strides, padding), data_format)

    @abc.abstractmethod
    def _max_pool(self, x, pool_size, strides, padding):
        """The engine's channels-last max pooling; see ``max_pool``."""

    def avg_pool(self, inputs, pool_size, strides=None, padding="valid", data_format=None):
        """Average pooling (Keras's ``average_pool``; layout as ``conv``); with
        ``'same'``, padded cells are left out of each average (as TensorFlow/Keras)."""
        data_format = self._conv_data_format("average_pool", data_format)
        x = self._to_channels_last(self.convert(inputs), data_format)
        return self._from_channels_last(self._avg_pool(x, pool_size, strides, padding), data_format)

    @abc.abstractmethod
    def _avg_pool(self, x, pool_size, strides, padding):
        """The engine's channels-last average pooling; see ``avg_pool``."""

    def _conv_data_format(self, op, data_format):
        from .contract.nn import _data_format
        return _data_format(op, data_format)

    def ctc_loss(self, target, output, target_length, output_length, mask_index=0):
        """Connectionist Temporal Classification loss, one value per sample (Keras's signature).

        ``target``: int ``(batch, max_label_len)``; ``output``: ``(batch, time,
        classes)`` unnormalized logits; ``target_length`` and ``output_length``: int
        ``(batch,)``; ``mask_index``: the blank class. Returns ``-log p(target |
        output)`` ``(batch,)``, computed in log space by the forward algorithm (an
        impossible alignment gives +inf on every engine).
        """
        from .ctc import ctc_forward
        return ctc_forward(self, target, output, target_length, output_length, mask_index)

    # -------------------------------------------------------------- recurrence
    def lstm(self, x, h0, c0, kernel, recurrent_kernel, bias, go_backwards=False):
        """A whole LSTM layer over time, Keras's gate order ``i, f, c, o``.

        ``x``: ``(batch, time, features)``; ``kernel``: ``(features, 4 * units)``;
        ``recurrent_kernel``: ``(units, 4 * units)``; ``bias``: ``(4 * units,)``.
        Activations tanh / sigmoid. Returns ``(outputs (batch, time, units),
        h_last, c_last)``; with ``go_backwards`` the time order is reversed and
        outputs are in the processed order, as Keras.
        """
        xs = self.matmul(x, kernel)
        if bias is not None:
            xs = self.add(xs, bias)
        xs = self.swapaxes(xs, 0, 1)
        if go_backwards:
            xs = self.flip(xs, axis=0)

        def step(carry, z_x):
            h, c = carry
            z = self.add(z_x, self.matmul(h, recurrent_kernel))
            i, f, g, o = self.split(z, 4, axis=-1)
            c = self.add(self.multiply(self.sigmoid(f), c), self.multiply(self.sigmoid(i), self.tanh(g)))
            h = self.multiply(self.sigmoid(o), self.tanh(c))
            return (h, c), h

        (h, c), ys = self.scan(step, (h0, c0), xs)
        return self.swapaxes(ys, 0, 1), h, c

    def gru(self, x, h0, kernel, recurrent_kernel, bias, go_backwards=False):
        """A whole GRU layer over time, Keras's ``reset_after=True`` form, gates ``z, r, h``.

        ``kernel``: ``(features, 3 * units)``; ``recurrent_kernel``: ``(units,
        3 * units)``; ``bias``: ``(2, 3 * units)`` (input bias, recurrent bias).
        Returns ``(outputs (batch, time, units), h_last)``.
        """
        xs = self.matmul(x, kernel)
        b_in, b_rec = (None, None) if bias is None else (self.getitem(bias, 0), self.getitem(bias, 1))
        if b_in is not None:
            xs = self.add(xs, b_in)
        xs = self.swapaxes(xs, 0, 1)
        if go_backwards:
            xs = self.flip(xs, axis=0)

        def step(h, z_x):
            r_h = self.matmul(h, recurrent_kernel)
            if b_rec is not None:
                r_h = self.add(r_h, b_rec)
            xz, xr, xh = self.split(z_x, 3, axis=-1)
            hz, hr, hh = self.split(r_h, 3, axis=-1)
            z = self.sigmoid(self.add(xz, hz))
            r = self.sigmoid(self.add(xr, hr))
            hc = self.tanh(self.add(xh, self.multiply(r, hh)))
            h = self.add(self.multiply(z, h), self.multiply(self.subtract(1.0, z), hc))
            return h, h

        h, ys = self.scan(step, h0, xs)
        return self.swapaxes(ys, 0, 1), h

    # ------------------------------------------------------------------ random
    @abc.abstractmethod
    def random_uniform(self, shape, seed, minval=0.0, maxval=1.0, dtype="float32"):
        """Uniform numbers in ``[minval, maxval)`` from ``seed``."""

    @abc.abstractmethod
    def random_normal(self, shape, seed, mean=0.0, stddev=1.0, dtype="float32"):
        """Normal numbers from ``seed``."""

    def truncated_normal(self, shape, seed, mean=0.0, stddev=1.0, dtype="float32"):
        """Normal numbers restricted to two stddevs around ``mean``, from ``seed``.

        Exact inverse-CDF sampling: uniforms in ``[Phi(-2), Phi(2)]`` mapped through
        the inverse normal CDF, so every engine needs only ``random_uniform``.
        """
        lo = 0.022750131948179195  # Phi(-2)
        u = self.random_uniform(shape, seed, lo, 1.0 - lo, dtype)
        # inverse normal CDF by a rational approximation (Acklam), |error| < 1.2e-9
        z = self._ndtri(u)
        return self.add(self.multiply(z, stddev), mean)

    def _ndtri(self, p):
        a = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
        b = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01)
        c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
        d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
             3.754408661907416e+00)

        def poly(coefs, t):
            acc = self.add(self.zeros_like(t), coefs[0])
            for k in coefs[1:]:
                acc = self.add(self.multiply(acc, t), k)
            return acc

        q = self.subtract(p, 0.5)
        r = self.square(q)
        central = self.divide(self.multiply(poly(a, r), q), self.add(self.multiply(poly(b, r), r), 1.0))
        tail_p = self.minimum(p, self.subtract(1.0, p))
        t = self.sqrt(self.multiply(self.log(self.maximum(tail_p, 1e-30)), -2.0))
        tail = self.divide(poly(c, t), self.add(self.multiply(poly(d, t), t), 1.0))
        tail = self.where(self.less(p, 0.5), tail, self.negative(tail))
        return self.where(self.less(self.abs(q), 0.47575), central, tail)

    def bernoulli(self, shape, p, seed, dtype="float32"):
        """1 with probability ``p`` else 0, from ``seed``."""
        return self.cast(self.less(self.random_uniform(shape, seed, dtype="float32"), p), dtype)

    # ---------------------------------------------------------------- control
    @abc.abstractmethod
    def stop_gradient(self, x):
        """``x`` with no gradient flowing back through it."""

    @abc.abstractmethod
    def value_and_grad(self, fn):
        """Functional gradient.

        ``fn(params, *args) -> (scalar value, aux)`` with ``params`` a list of
        engine float arrays. Returns ``g(params, *args) -> ((value, aux), grads)``
        where ``grads`` is a list of arrays of the params' shapes (zeros where a
        param does not affect the value). ``aux`` may be any nest of arrays; it
        carries no gradient.
        """

    @abc.abstractmethod
    def jit(self, fn, donate_argnums=()):
        """Compile a pure function where the engine can (JAX), else return ``fn``.

        ``donate_argnums``: positional arguments whose buffers the result may reuse.
        """

    def __repr__(self):
        return f"<kerasette backend {self.name!r}>"
