"""Neural-network ops beyond the core: activations, normalizations, attention, losses, rearranging channels.

Part of the ops contract (see ``kerasette/backends/base.py`` for the rules).
Every op here is Keras 3's ``keras.ops.nn`` op of the same name (signature,
defaults, dtypes) and is derived from other ops, so it has gradients on every
engine; an engine overrides one only where it has a native form with the same
contract (attention on torch and JAX).
"""
from __future__ import annotations

import math

# The "minus infinity" of a masked attention logit, per dtype (as jax.nn.dot_product_attention):
# finite, so a fully masked row gives uniform weights instead of NaN.
_MASK_NEG = {"float16": -0.7 * 65504.0, "bfloat16": -0.7 * 3.3895313892515355e38}
_MASK_NEG_DEFAULT = -0.7 * 3.4028234663852886e38


def _epsilon(epsilon):
    if epsilon is not None:
        return epsilon
    from ... import config
    return config.epsilon()


def _data_format(op, data_format):
    if data_format is None:
        from ... import config
        data_format = config.image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"ops.{op}: data_format must be 'channels_last' or 'channels_first', "
                         f"got {data_format!r}.")
    return data_format


def _int_tuple(op, name, value, n):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"ops.{op}: {name} must be an int or {n} ints, got {value!r}.")
    return value


class NNOps:
    """Neural-network ops beyond the core (Keras's ``keras.ops.nn``)."""

    # helpers ---------------------------------------------------------------
    def _float(self, x):
        """``x`` as an engine array; integer and bool inputs become float32 (Keras's rule
        for activations whose values are not integers)."""
        x = self.convert(x)
        if self.dtype(x) not in ("float16", "bfloat16", "float32", "float64"):
            x = self.cast(x, "float32")
        return x

    def _to_channels_last(self, x, data_format):
        return self.moveaxis(x, 1, -1) if data_format == "channels_first" else x

    def _from_channels_last(self, x, data_format):
        return self.moveaxis(x, -1, 1) if data_format == "channels_first" else x

    # ------------------------------------------------------------ activations
    def celu(self, x, alpha=1.0):
        """Continuously differentiable ELU: ``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``."""
        x = self._float(x)
        neg = self.multiply(self.expm1(self.divide(self.minimum(x, 0.0), alpha)), alpha)
        return self.add(self.relu(x), self.minimum(neg, 0.0))

    def glu(self, x, axis=-1):
        """Gated linear unit: ``x`` split in two halves ``a, b`` along ``axis``; ``a * sigmoid(b)``."""
        x = self._float(x)
        n = self.shape(x)[axis]
        if n % 2:
            raise ValueError(f"ops.glu: axis {axis} of shape {self.shape(x)} must have an even "
                             f"length, got {n}.")
        a, b = self.split(x, 2, axis=axis)
        return self.multiply(a, self.sigmoid(b))

    def hard_shrink(self, x, threshold=0.5):
        """``x`` where ``|x| > threshold``, else 0 (integer inputs give float32, as Keras)."""
        x = self._float(x)
        return self.where(self.greater(self.abs(x), threshold), x, self.zeros_like(x))

    def hard_swish(self, x):
        """``x * relu6(x + 3) / 6`` (Keras's alias of ``hard_silu``)."""
        return self.hard_silu(x)

    def hard_tanh(self, x):
        """``clip(x, -1, 1)`` (integer inputs stay integer, as Keras)."""
        return self.clip(self.convert(x), -1, 1)

    def log_sigmoid(self, x):
        """``log(sigmoid(x)) = -softplus(-x)``, stable."""
        return self.negative(self.softplus(self.negative(self._float(x))))

    def soft_shrink(self, x, threshold=0.5):
        """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
        x = self._float(x)
        zero = self.zeros_like(x)
        return self.where(self.greater(x, threshold), self.subtract(x, threshold),
                          self.where(self.less(x, -threshold), self.add(x, threshold), zero))

    def sparse_plus(self, x):
        """0 for ``x <= -1``, ``x`` for ``x >= 1``, ``(x + 1)**2 / 4`` between."""
        x = self._float(x)
        mid = self.multiply(self.square(self.add(self.clip(x, -1.0, 1.0), 1.0)), 0.25)
        return self.where(self.greater_equal(x, 1.0), x, mid)

    def sparse_sigmoid(self, x):
        """``clip((x + 1) / 2, 0, 1)``: 0 for ``x <= -1``, 1 for ``x >= 1``, linear between."""
        x = self._float(x)
        return self.multiply(self.add(self.clip(x, -1.0, 1.0), 1.0), 0.5)

    def sparsemax(self, x, axis=-1):
        """Euclidean projection of ``x`` onto the probability simplex along ``axis``
        (Martins & Astudillo, 2016): ``max(x - tau, 0)`` with ``tau`` chosen so each
        slice sums to 1; many outputs are exactly 0."""
        x = self._float(x)
        xl = self.moveaxis(x, axis, -1)
        n = self.shape(xl)[-1]
        zs = self.stop_gradient(self.top_k(xl, n)[0])  # sorted descending
        ks = self.arange(1, n + 1, dtype=self.dtype(xl))
        support = self.greater(self.add(self.multiply(zs, ks), 1.0), self.cumsum(zs, axis=-1))
        k = self.sum(self.cast(support, "int32"), axis=-1, keepdims=True)
        z_k = self.take_along_axis(zs, self.subtract(k, 1), axis=-1)
        inside = self.cast(self.greater_equal(xl, z_k), self.dtype(xl))
        tau = self.divide(self.subtract(self.sum(self.multiply(xl, inside), axis=-1, keepdims=True), 1.0),
                          self.cast(k, self.dtype(xl)))
        return self.moveaxis(self.relu(self.subtract(xl, tau)), -1, axis)

    def squareplus(self, x, b=4):
        """``(x + sqrt(x**2 + b)) / 2``, a smooth ReLU."""
        x = self._float(x)
        return self.multiply(self.add(x, self.sqrt(self.add(self.square(x), float(b)))), 0.5)

    def tanh_shrink(self, x):
        """``x - tanh(x)``."""
        x = self._float(x)
        return self.subtract(x, self.tanh(x))

    def threshold(self, x, threshold, default_value):
        """``x`` where ``x > threshold``, else ``default_value`` (dtypes promote as ``where``)."""
        x = self.convert(x)
        return self.where(self.greater(x, threshold), x, default_value)

    # --------------------------------------------------------- normalizations
    def moments(self, x, axes, keepdims=False, synchronized=False):
        """``(mean, variance)`` of ``x`` over ``axes`` (population variance).

        float16/bfloat16 inputs are reduced in float32 and cast back (as Keras);
        ``synchronized`` (cross-replica statistics) is accepted for Keras's
        signature; on one device it changes nothing."""
        x = self.convert(x)
        dt = self.dtype(x)
        axes = tuple(axes) if isinstance(axes, (list, tuple)) else axes
        low = dt in ("float16", "bfloat16")
        if low:
            x = self.cast(x, "float32")
        mean = self.mean(x, axis=axes, keepdims=True)
        var = self.mean(self.square(self.subtract(x, mean)), axis=axes, keepdims=True)
        if not keepdims:
            mean = self.squeeze(mean, axis=axes)
            var = self.squeeze(var, axis=axes)
        if low:
            mean, var = self.cast(mean, dt), self.cast(var, dt)
        return mean, var

    def batch_normalization(self, x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
        """``(x - mean) / sqrt(variance + epsilon) * scale + offset``.

        ``mean``, ``variance``, ``offset``, ``scale``: 1-D, of length
        ``x.shape[axis]``, broadcast along ``axis``."""
        x = self.convert(x)
        nd = self.ndim(x)
        ax = axis % nd
        shape = [1] * nd
        shape[ax] = self.shape(x)[ax]

        def along(v, name):
            v = self.convert(v)
            if self.shape(v) != (shape[ax],):
                raise ValueError(f"ops.batch_normalization: {name} must have shape ({shape[ax]},) "
                                 f"(x.shape[{axis}] of x {self.shape(x)}), got {self.shape(v)}.")
            return self.reshape(v, tuple(shape))

        inv = self.rsqrt(self.add(along(variance, "variance"), epsilon))
        if scale is not None:
            inv = self.multiply(inv, along(scale, "scale"))
        out = self.multiply(self.subtract(x, along(mean, "mean")), inv)
        return out if offset is None else self.add(out, along(offset, "offset"))

    def layer_normalization(self, x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
        """``(x - mean) / sqrt(var + epsilon) * gamma + beta`` with the statistics over ``axis``
        (int or tuple); ``epsilon`` defaults to ``config.epsilon()``. Keras's deprecated
        ``rms_scaling=True`` gives what Keras 3.15 computes: ``x / sqrt(var + epsilon) *
        gamma`` (not centred, ``beta`` ignored)."""
        rms = kwargs.pop("rms_scaling", False)
        if kwargs:
            raise TypeError(f"ops.layer_normalization: unexpected arguments {sorted(kwargs)}.")
        x = self._float(x)
        eps = _epsilon(epsilon)
        mean, var = self.moments(x, axis if isinstance(axis, (list, tuple)) else (axis,), keepdims=True)
        if rms:
            out = self.multiply(x, self.rsqrt(self.add(var, eps)))
            return out if gamma is None else self.multiply(out, gamma)
        out = self.multiply(self.subtract(x, mean), self.rsqrt(self.add(var, eps)))
        if gamma is not None:
            out = self.multiply(out, gamma)
        if beta is not None:
            out = self.add(out, beta)
        return out

    def rms_normalization(self, x, scale=None, axis=-1, epsilon=None):
        """``x / sqrt(mean(x**2, axis) + epsilon) * scale``; ``epsilon`` defaults to
        ``config.epsilon()``, ``scale`` to 1."""
        x = self._float(x)
        eps = _epsilon(epsilon)
        axis = tuple(axis) if isinstance(axis, list) else axis
        out = self.multiply(x, self.rsqrt(self.add(self.mean(self.square(x), axis=axis, keepdims=True), eps)))
        return out if scale is None else self.multiply(out, scale)

    def normalize(self, x, axis=-1, order=2, epsilon=None):
        """``x`` divided by its ``order``-norm along ``axis``; the norm is bounded below by
        ``epsilon`` (default ``config.epsilon()``), so zero slices stay zero."""
        x = self._float(x)
        eps = _epsilon(epsilon)
        axis = tuple(axis) if isinstance(axis, list) else axis
        if order == 2:
            ss = self.sum(self.square(x), axis=axis, keepdims=True)
            return self.multiply(x, self.rsqrt(self.maximum(ss, eps * eps)))
        if order == 1:
            norm = self.sum(self.abs(x), axis=axis, keepdims=True)
        elif order in (math.inf, "inf"):
            norm = self.max(self.abs(x), axis=axis, keepdims=True)
        elif isinstance(order, (int, float)) and order > 0:
            norm = self.power(self.sum(self.power(self.abs(x), float(order)), axis=axis, keepdims=True),
                              1.0 / order)
        else:
            raise ValueError(f"ops.normalize: order must be a positive number or inf, got {order!r}.")
        return self.divide(x, self.maximum(norm, eps))

    def psnr(self, x1, x2, max_val):
        """Peak signal-to-noise ratio of two same-shape arrays, a scalar:
        ``20 log10(max_val) - 10 log10(mean((x1 - x2)**2))``."""
        x1, x2 = self._float(x1), self._float(x2)
        if self.shape(x1) != self.shape(x2):
            raise ValueError(f"ops.psnr: x1 and x2 must have the same shape, got {self.shape(x1)} "
                             f"and {self.shape(x2)}.")
        mse = self.mean(self.square(self.subtract(x1, x2)))
        ln10 = math.log(10.0)
        return self.subtract(20.0 * math.log(max_val) / ln10, self.multiply(self.log(mse), 10.0 / ln10))

    # ----------------------------------------------------------------- losses
    def binary_crossentropy(self, target, output, from_logits=False):
        """Element-wise binary cross-entropy (no reduction). Probabilities are clipped to
        ``[epsilon, 1 - epsilon]`` (``config.epsilon()``); logits use ``log_sigmoid``."""
        target, output = self.convert(target), self._float(output)
        if self.shape(target) != self.shape(output):
            raise ValueError(f"ops.binary_crossentropy: target and output must have the same shape, "
                             f"got {self.shape(target)} and {self.shape(output)}.")
        target = self.cast(target, self.dtype(output))
        if from_logits:
            return self.subtract(self.multiply(self.subtract(target, 1.0), self.log_sigmoid(self.negative(output))),
                                 self.multiply(target, self.log_sigmoid(output)))
        eps = _epsilon(None)
        p = self.clip(output, eps, 1.0 - eps)
        return self.negative(self.add(self.multiply(target, self.log(p)),
                                      self.multiply(self.subtract(1.0, target), self.log(self.subtract(1.0, p)))))

    def categorical_crossentropy(self, target, output, from_logits=False, axis=-1):
        """``-sum(target * log p, axis)`` with ``p = softmax(output)`` (logits) or ``output``
        renormalized to sum 1 along ``axis`` and clipped to ``[epsilon, 1 - epsilon]``."""
        target, output = self.convert(target), self._float(output)
        if self.shape(target) != self.shape(output):
            raise ValueError(f"ops.categorical_crossentropy: target and output must have the same "
                             f"shape, got {self.shape(target)} and {self.shape(output)}.")
        if self.ndim(output) < 1:
            raise ValueError("ops.categorical_crossentropy: output must have at least one axis.")
        target = self.cast(target, self.dtype(output))
        if from_logits:
            logp = self.log_softmax(output, axis=axis)
        else:
            eps = _epsilon(None)
            p = self.divide(output, self.sum(output, axis=axis, keepdims=True))
            logp = self.log(self.clip(p, eps, 1.0 - eps))
        return self.negative(self.sum(self.multiply(target, logp), axis=axis))

    def sparse_categorical_crossentropy(self, target, output, from_logits=False, axis=-1):
        """``categorical_crossentropy`` with integer class ``target`` (one fewer axis than
        ``output``, or a trailing axis of 1); out-of-range targets give 0."""
        target, output = self.convert(target), self._float(output)
        ts, os_ = self.shape(target), self.shape(output)
        if len(ts) == len(os_) and ts and ts[-1] == 1:
            target = self.squeeze(target, axis=-1)
            ts = ts[:-1]
        ax = axis % len(os_) if os_ else 0
        if len(ts) != len(os_) - 1 or tuple(ts) != tuple(os_[:ax] + os_[ax + 1:]):
            raise ValueError(f"ops.sparse_categorical_crossentropy: target shape {self.shape(target)} "
                             f"must be output shape {os_} without axis {axis}.")
        onehot = self.one_hot(self.cast(target, "int32"), os_[ax], axis=axis, dtype=self.dtype(output))
        return self.categorical_crossentropy(onehot, output, from_logits=from_logits, axis=axis)

    def multi_hot(self, inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
        """Multi-hot encoding: for a rank-2 ``inputs (batch, n)``, ``(batch, num_classes)``
        with 1 at every class listed in the row (rank 1: one row without batch).
        ``num_tokens`` is Keras's older name of ``num_classes``."""
        if "num_tokens" in kwargs:
            num_classes = kwargs.pop("num_tokens")
        if kwargs:
            raise TypeError(f"ops.multi_hot: unexpected arguments {sorted(kwargs)}.")
        if num_classes is None:
            raise ValueError("ops.multi_hot: num_classes must be given.")
        if sparse:
            raise ValueError("ops.multi_hot: sparse=True is not supported; kerasette has no "
                             "sparse tensors (use sparse=False).")
        x = self.cast(self.convert(inputs), "int32")
        reduce_axis = 1 if self.ndim(x) > 1 else 0
        return self.max(self.one_hot(x, num_classes, axis=axis, dtype=dtype), axis=reduce_axis)

    # ----------------------------------------------------- rearranging pixels
    def depth_to_space(self, x, block_size, data_format="channels_last"):
        """Move channel blocks into ``block_size x block_size`` spatial tiles of a 4-D image.

        channels_last ``(b, h, w, c * bs * bs) -> (b, h * bs, w * bs, c)`` with channel
        ``(i * bs + j) * c + k`` going to tile offset ``(i, j)`` (TensorFlow's order);
        channels_first ``(b, c * bs * bs, h, w) -> (b, c, h * bs, w * bs)`` with channel
        ``k * bs * bs + i * bs + j`` (PyTorch's ``pixel_shuffle`` order), as Keras."""
        x = self.convert(x)
        data_format = _data_format("depth_to_space", data_format)
        bs = int(block_size)
        if self.ndim(x) != 4:
            raise ValueError(f"ops.depth_to_space: x must be 4-D, got shape {self.shape(x)}.")
        if data_format == "channels_last":
            b, h, w, c = self.shape(x)
            if c % (bs * bs):
                raise ValueError(f"ops.depth_to_space: channels {c} of x {self.shape(x)} are not "
                                 f"divisible by block_size**2 = {bs * bs}.")
            y = self.reshape(x, (b, h, w, bs, bs, c // (bs * bs)))
            return self.reshape(self.transpose(y, (0, 1, 3, 2, 4, 5)), (b, h * bs, w * bs, c // (bs * bs)))
        b, c, h, w = self.shape(x)
        if c % (bs * bs):
            raise ValueError(f"ops.depth_to_space: channels {c} of x {self.shape(x)} are not "
                             f"divisible by block_size**2 = {bs * bs}.")
        y = self.reshape(x, (b, c // (bs * bs), bs, bs, h, w))
        return self.reshape(self.transpose(y, (0, 1, 4, 2, 5, 3)), (b, c // (bs * bs), h * bs, w * bs))

    def space_to_depth(self, x, block_size, data_format="channels_last"):
        """The inverse of ``depth_to_space``: ``block_size x block_size`` tiles into channels."""
        x = self.convert(x)
        data_format = _data_format("space_to_depth", data_format)
        bs = int(block_size)
        if self.ndim(x) != 4:
            raise ValueError(f"ops.space_to_depth: x must be 4-D, got shape {self.shape(x)}.")
        if data_format == "channels_last":
            b, h, w, c = self.shape(x)
            if h % bs or w % bs:
                raise ValueError(f"ops.space_to_depth: spatial size ({h}, {w}) of x is not divisible "
                                 f"by block_size {bs}.")
            y = self.reshape(x, (b, h // bs, bs, w // bs, bs, c))
            return self.reshape(self.transpose(y, (0, 1, 3, 2, 4, 5)), (b, h // bs, w // bs, c * bs * bs))
        b, c, h, w = self.shape(x)
        if h % bs or w % bs:
            raise ValueError(f"ops.space_to_depth: spatial size ({h}, {w}) of x is not divisible "
                             f"by block_size {bs}.")
        y = self.reshape(x, (b, c, h // bs, bs, w // bs, bs))
        return self.reshape(self.transpose(y, (0, 1, 3, 5, 2, 4)), (b, c * bs * bs, h // bs, w // bs))

    # ------------------------------------------------------------ convolution
    def separable_conv(self, inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                       data_format=None, dilation_rate=1):
        """``depthwise_conv`` then a 1x1 ``conv`` with ``pointwise_kernel``
        ``(*ones, c_in * multiplier, c_out)``."""
        data_format = _data_format("separable_conv", data_format)
        y = self.depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
        return self.conv(y, pointwise_kernel, 1, "valid", data_format, 1)

    def unfold(self, x, kernel_size, dilation=1, padding=0, stride=1):
        """Sliding local blocks of a channels-first image (as ``torch.nn.functional.unfold``):
        ``(n, c, h, w) -> (n, c * kh * kw, L)``, rows ordered channel-major then kernel
        offset, ``L`` blocks in row-major order."""
        x = self.convert(x)
        if self.ndim(x) != 4:
            raise ValueError(f"ops.unfold: x must be (n, c, h, w), got shape {self.shape(x)}.")
        kh, kw = _int_tuple("unfold", "kernel_size", kernel_size, 2)
        dh, dw = _int_tuple("unfold", "dilation", dilation, 2)
        ph, pw = _int_tuple("unfold", "padding", padding, 2)
        sh, sw = _int_tuple("unfold", "stride", stride, 2)
        n, c, h, w = self.shape(x)
        if ph or pw:
            x = self.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
        ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        if oh < 1 or ow < 1:
            raise ValueError(f"ops.unfold: kernel {kh, kw} (dilation {dh, dw}) does not fit x "
                             f"{self.shape(x)} with padding {ph, pw}.")
        blocks = []
        for i in range(kh):
            for j in range(kw):
                blocks.append(self.getitem(x, (slice(None), slice(None),
                                               slice(i * dh, i * dh + (oh - 1) * sh + 1, sh),
                                               slice(j * dw, j * dw + (ow - 1) * sw + 1, sw))))
        return self.reshape(self.stack(blocks, axis=2), (n, c * kh * kw, oh * ow))

    def fold(self, x, output_size, kernel_size, dilation=1, padding=0, stride=1):
        """The adjoint of ``unfold`` (as ``torch.nn.functional.fold``): ``(n, c * kh * kw, L)
        -> (n, c, *output_size)``, overlapping blocks summed."""
        x = self.convert(x)
        if self.ndim(x) != 3:
            raise ValueError(f"ops.fold: x must be (n, c * kh * kw, L), got shape {self.shape(x)}.")
        h, w = _int_tuple("fold", "output_size", output_size, 2)
        kh, kw = _int_tuple("fold", "kernel_size", kernel_size, 2)
        dh, dw = _int_tuple("fold", "dilation", dilation, 2)
        ph, pw = _int_tuple("fold", "padding", padding, 2)
        sh, sw = _int_tuple("fold", "stride", stride, 2)
        n, ckk, L = self.shape(x)
        oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
        ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        if ckk % (kh * kw) or oh * ow != L or oh < 1 or ow < 1:
            raise ValueError(f"ops.fold: x {self.shape(x)} does not match output_size {h, w}, "
                             f"kernel {kh, kw}, dilation {dh, dw}, padding {ph, pw}, stride {sh, sw} "
                             f"(expected (n, c * {kh * kw}, {oh * ow})).")
        c = ckk // (kh * kw)
        hp, wp = h + 2 * ph, w + 2 * pw
        y = self.reshape(x, (n, c, kh * kw, oh, ow))
        out = None
        for i in range(kh):
            for j in range(kw):
                blk = self.getitem(y, (slice(None), slice(None), i * kw + j))  # (n, c, oh, ow)
                if sh > 1 or sw > 1:  # spread the block out to the stride with zeros
                    blk = self.reshape(self.pad(self.reshape(blk, (n, c, oh, 1, ow, 1)),
                                                ((0, 0), (0, 0), (0, 0), (0, sh - 1), (0, 0), (0, sw - 1))),
                                       (n, c, oh * sh, ow * sw))
                    blk = self.getitem(blk, (slice(None), slice(None), slice(0, (oh - 1) * sh + 1),
                                             slice(0, (ow - 1) * sw + 1)))
                top, left = i * dh, j * dw
                bottom = hp - top - ((oh - 1) * sh + 1)
                right = wp - left - ((ow - 1) * sw + 1)
                blk = self.pad(blk, ((0, 0), (0, 0), (top, bottom), (left, right)))
                out = blk if out is None else self.add(out, blk)
        if ph or pw:
            out = self.getitem(out, (slice(None), slice(None), slice(ph, ph + h), slice(pw, pw + w)))
        return out

    # ---------------------------------------------------------------- pooling
    def _adaptive_pool(self, op, inputs, output_size, data_format, reduce):
        x = self.convert(inputs)
        data_format = _data_format(op, data_format)
        nsp = self.ndim(x) - 2
        if nsp < 1:
            raise ValueError(f"ops.{op}: inputs must be (batch, *spatial, channels) with at least one "
                             f"spatial axis, got shape {self.shape(x)}.")
        sizes = _int_tuple(op, "output_size", output_size, nsp)
        x = self._to_channels_last(x, data_format)
        for d, out_len in enumerate(sizes):
            ax = 1 + d
            length = self.shape(x)[ax]
            if out_len < 1:
                raise ValueError(f"ops.{op}: output_size entries must be >= 1, got {sizes}.")
            parts = []
            for i in range(out_len):  # PyTorch's bins: [floor(i L / n), ceil((i + 1) L / n))
                start, stop = (i * length) // out_len, -(-((i + 1) * length) // out_len)
                key = (slice(None),) * ax + (slice(start, stop),)
                parts.append(reduce(self.getitem(x, key), ax))
            x = self.concatenate(parts, axis=ax)
        return self._from_channels_last(x, data_format)

    def adaptive_average_pool(self, inputs, output_size, data_format=None):
        """Average pooling to a fixed ``output_size`` (int or one per spatial axis), with
        PyTorch's bins ``[floor(i L / n), ceil((i + 1) L / n))`` along each spatial axis."""
        return self._adaptive_pool("adaptive_average_pool", inputs, output_size, data_format,
                                   lambda v, ax: self.mean(v, axis=ax, keepdims=True))

    def adaptive_max_pool(self, inputs, output_size, data_format=None):
        """Max pooling to a fixed ``output_size``, with the bins of ``adaptive_average_pool``."""
        return self._adaptive_pool("adaptive_max_pool", inputs, output_size, data_format,
                                   lambda v, ax: self.max(v, axis=ax, keepdims=True))

    # -------------------------------------------------------------- attention
    def dot_product_attention(self, query, key, value, bias=None, mask=None, scale=None,
                              is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
        """Scaled dot-product attention, Keras's layout.

        ``query (B, T, N, H)``, ``key``/``value`` ``(B, S, K, H)`` with ``N`` a multiple
        of ``K`` (grouped-query attention: query head ``n`` reads key/value head
        ``n // (N // K)``). ``logits = scale * q k^T`` (``scale`` defaults to
        ``1 / sqrt(H)``), optionally capped ``cap * tanh(logits / cap)``, plus ``bias``
        (broadcastable to ``(B, N, T, S)``); where ``mask`` (bool, broadcastable to
        ``(B, N, T, S)``) is False or, with ``is_causal``, key ``s > t``, the logit is
        a large finite negative number (a fully masked row attends uniformly).
        Softmax over ``S``; returns ``(B, T, N, H)``. ``flash_attention=True`` is
        refused (no engine here runs a flash kernel on this device); ``None`` and
        ``False`` compute the plain formula, the same on every engine."""
        q, k, v = self.convert(query), self.convert(key), self.convert(value)
        if flash_attention:
            raise ValueError("ops.dot_product_attention: flash_attention=True is not supported on "
                             f"the {self.name} engine here; pass None or False.")
        if self.ndim(q) != 4 or self.ndim(k) != 4 or self.ndim(v) != 4:
            raise ValueError(f"ops.dot_product_attention: query, key and value must be 4-D "
                             f"(batch, length, heads, head_dim), got {self.shape(q)}, {self.shape(k)}, "
                             f"{self.shape(v)}.")
        b, t, n, h = self.shape(q)
        kb, s, kn, kh = self.shape(k)
        if self.shape(v)[:3] != (kb, s, kn) or kb != b or kh != h or kn == 0 or n % kn:
            raise ValueError(f"ops.dot_product_attention: shapes do not fit: query {self.shape(q)}, "
                             f"key {self.shape(k)}, value {self.shape(v)} (expected key (B, S, K, H) and "
                             f"value (B, S, K, H') with the query's B and H, and N a multiple of K).")
        if scale is None:
            scale = 1.0 / math.sqrt(h)
        if bias is not None:
            bias = self.convert(bias)
        if mask is not None:
            mask = self.cast(self.convert(mask), "bool")
        return self._dot_product_attention(q, k, v, bias, mask, float(scale), bool(is_causal),
                                           attn_logits_soft_cap)

    def _dot_product_attention(self, q, k, v, bias, mask, scale, is_causal, soft_cap):
        """The plain formula (engines may override it with a native kernel of the same contract)."""
        n, kn = self.shape(q)[2], self.shape(k)[2]
        if n != kn:
            k = self.repeat(k, n // kn, axis=2)
            v = self.repeat(v, n // kn, axis=2)
        logits = self.multiply(self.einsum("btnh,bsnh->bnts", q, k), scale)
        if soft_cap is not None:
            logits = self.multiply(self.tanh(self.divide(logits, soft_cap)), soft_cap)
        if bias is not None:
            logits = self.add(logits, bias)
        logits = self._attention_mask(logits, mask, is_causal)
        dt = self.dtype(logits)
        if dt in ("float16", "bfloat16"):
            logits = self.cast(logits, "float32")
        probs = self.cast(self.softmax(logits, axis=-1), self.dtype(v))
        return self.einsum("bnts,bsnh->btnh", probs, v)

    def _attention_mask(self, logits, mask, is_causal):
        keep = mask
        if is_causal:
            t, s = self.shape(logits)[-2:]
            causal = self.less_equal(self.expand_dims(self.arange(0, s), 0), self.expand_dims(self.arange(0, t), 1))
            keep = causal if keep is None else self.logical_and(keep, causal)
        if keep is None:
            return logits
        return self.where(keep, logits, self.full((), _MASK_NEG.get(self.dtype(logits), _MASK_NEG_DEFAULT),
                                                  self.dtype(logits)))
