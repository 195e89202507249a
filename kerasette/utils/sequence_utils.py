"""``pad_sequences``: a list of variable-length sequences as one padded NumPy array (host data)."""
from __future__ import annotations

import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pad (and truncate) sequences to one length, as ``keras.utils.pad_sequences``.

    Args:
        sequences: a list (or iterable) of sequences; each may be a list or an
            array, its items scalars or equal-shaped arrays.
        maxlen: the output length; default the longest sequence.
        dtype: the output dtype (strings are allowed with an object/str dtype).
        padding: ``"pre"`` or ``"post"``: pad before or after each sequence.
        truncating: ``"pre"`` or ``"post"``: drop values from the start or the end
            of sequences longer than ``maxlen``.
        value: the padding value.

    Returns:
        A NumPy array ``(len(sequences), maxlen, *item_shape)``.

    Example:
        >>> pad_sequences([[1, 2, 3], [4]], maxlen=2)
        array([[2, 3],
               [0, 4]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    for name, arg in (("padding", padding), ("truncating", truncating)):
        if arg not in ("pre", "post"):
            raise ValueError(f'{name} type "{arg}" not understood: use "pre" or "post".')
    if maxlen is not None and (not isinstance(maxlen, (int, np.integer)) or maxlen < 0):
        raise ValueError(f"`maxlen` must be a non-negative int or None, got {maxlen!r}.")
    lengths, sample_shape = [], ()
    shape_found = False
    for i, x in enumerate(sequences):
        try:
            lengths.append(len(x))
        except TypeError as e:
            raise ValueError(f"`sequences` must be a list of iterables; row {i} is "
                             f"{type(x).__name__} {x!r}.") from e
        if not shape_found and len(x):
            sample_shape = np.asarray(x).shape[1:]
            shape_found = True
    num_samples = len(lengths)
    if maxlen is None:
        maxlen = max(lengths, default=0)
    is_text = np.issubdtype(np.dtype(dtype), np.str_) or np.issubdtype(np.dtype(dtype), np.object_)
    if isinstance(value, str) and dtype != object and not is_text:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type {type(value)}; "
                         "pass dtype=object to pad with strings.")
    out = np.full((num_samples, maxlen) + sample_shape, value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s) or not maxlen:
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        try:
            trunc = np.asarray(trunc, dtype=dtype)
        except (ValueError, TypeError) as e:
            raise ValueError(f"pad_sequences: row {i} cannot be read as {np.dtype(dtype).name} "
                             f"({e}); its first values are {list(trunc[:5])!r}.") from e
        if trunc.shape[1:] != sample_shape:
            raise ValueError(f"pad_sequences: row {i} has items of shape {trunc.shape[1:]}, "
                             f"expected {sample_shape} (the shape of the first non-empty row's items).")
        if padding == "post":
            out[i, :len(trunc)] = trunc
        else:
            out[i, -len(trunc):] = trunc
    return out
