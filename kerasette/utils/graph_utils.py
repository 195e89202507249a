"""Helpers about symbolic tensors and names: ``is_keras_tensor``, ``get_source_inputs``, ``get_uid``."""
from __future__ import annotations

import collections

from ..layers.symbolic import KerasTensor

_uids = collections.defaultdict(int)


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic ``KerasTensor`` (from ``Input`` or a layer called on one)."""
    return isinstance(x, KerasTensor)


def get_source_inputs(tensor):
    """The ``Input`` tensors that ``tensor`` was computed from, in first-use order.

    Example:
        >>> a, b = Input((2,)), Input((3,))
        >>> get_source_inputs(layers.Concatenate()([a, b])) == [a, b]
    """
    if not is_keras_tensor(tensor):
        raise ValueError(f"get_source_inputs expects a KerasTensor, got {type(tensor).__name__}.")
    sources, seen = [], set()
    stack = [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        node = t._node
        parents = list(node.input_tensors) if node is not None else []
        if not parents:
            sources.append(t)
        stack.extend(reversed(parents))
    return sources


def get_uid(prefix=""):
    """1, 2, 3... for successive calls with the same ``prefix`` (reset by ``clear_session``)."""
    _uids[prefix] += 1
    return _uids[prefix]


def reset_uids():
    _uids.clear()
