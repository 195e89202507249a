"""Engine-free helpers the contract and every adapter share: dtype names and
convolution geometry. Importing this imports no engine."""
from __future__ import annotations

DTYPES = ("float16", "bfloat16", "float32", "float64", "int8", "int16",
          "int32", "int64", "uint8", "bool", "complex64", "complex128")


def standardize_dtype(dtype) -> str:
    """Return the canonical dtype name for a string, NumPy, torch or JAX dtype."""
    if dtype is None:
        return None
    if isinstance(dtype, str):
        name = dtype
    elif isinstance(dtype, type):  # a NumPy scalar type such as np.float32
        name = dtype.__name__
    else:
        name = getattr(dtype, "name", None) or str(dtype)
    name = name.replace("torch.", "")
    name = {"float": "float32", "double": "float64", "half": "float16",
            "int": "int64", "long": "int64", "bool_": "bool",
            "cfloat": "complex64", "cdouble": "complex128"}.get(name, name)
    if name not in DTYPES:
        raise TypeError(f"Unsupported dtype {dtype!r}; kerasette supports {', '.join(DTYPES)}.")
    return name


def normalize_tuple(value, n, name):
    """Turn an int or a sequence into a tuple of ``n`` ints (strides, sizes)."""
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"`{name}` must have {n} values, got {value}.")
    return value


def conv_output_length(length, window, stride, padding, dilation=1):
    """Spatial output length of a convolution or pooling window (``None`` stays ``None``)."""
    if length is None:
        return None
    window = (window - 1) * dilation + 1
    if padding == "same":
        return -(-length // stride)
    return max(0, (length - window) // stride + 1)


def conv_transpose_geometry(length, window, stride, padding, output_padding=None, dilation=1):
    """(output length, cells cropped from the front of the full result) of a transposed
    convolution along one axis, by Keras 3's rule.

    The full result (no cropping) has length ``(n - 1) * s + k'``; Keras pads the
    stride-dilated input by ``left = k' - 1 - crop`` in front.
    """
    if length is None:
        return None, 0
    k = (window - 1) * dilation + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return (length - 1) * stride + k + extra, 0
    pad = stride + k - 2 if output_padding is None else k + k % 2 - 2 + output_padding
    left = min(pad // 2 + pad % 2, k - 1)
    return (length - 1) * stride + pad - k + 2, k - 1 - left


def conv_transpose_output_length(length, window, stride, padding, output_padding=None, dilation=1):
    """Spatial output length of a transposed convolution (Keras 3's rule)."""
    return conv_transpose_geometry(length, window, stride, padding, output_padding, dilation)[0]


def same_padding(length, window, stride, dilation=1):
    """(before, after) padding that TensorFlow/Keras's ``'same'`` uses for one axis."""
    window = (window - 1) * dilation + 1
    out = -(-length // stride)
    total = max(0, (out - 1) * stride + window - length)
    return total // 2, total - total // 2
