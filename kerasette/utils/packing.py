"""``pack_x_y_sample_weight`` / ``unpack_x_y_sample_weight``: the batch format of
``fit`` (Keras 3's rules)."""
from __future__ import annotations


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from a batch: ``x``, ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)`` (a list counts as a tuple); missing parts are None.

    Example:
        >>> x, y, sw = unpack_x_y_sample_weight((features, labels))   # sw is None
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found a tuple of {len(data)} items: {data!r:.200}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch ``fit`` hands to ``train_step``: ``x`` alone (a tuple ``(x,)`` when
    ``x`` is itself a list or tuple), ``(x, y)`` or ``(x, y, sample_weight)``."""
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)
