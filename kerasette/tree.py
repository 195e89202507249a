"""``kerasette.tree``: nested structures of leaves, with ``keras.tree``'s semantics.

Engine-free. A structure is nested when it is a ``list``, a ``tuple``, a
namedtuple, a ``collections.deque`` or a mapping (``dict``, ``OrderedDict``,
``defaultdict``, other ``Mapping`` types); everything else is a leaf (arrays,
strings, ``None`` and numbers included).

Order of leaves, as Keras (and optree, behind it):

* a ``dict`` (and ``defaultdict``, other mappings) is visited by sorted key
  (keys that cannot be compared are sorted by ``(type name, key)``);
* an ``OrderedDict`` keeps its insertion order;
* rebuilt mappings keep the key order of the structure they were built from.

``None`` is a leaf (``none_is_leaf=True``, Keras's default).
"""
from __future__ import annotations

import collections
import collections.abc

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten",
           "flatten_with_path", "is_nested", "lists_to_tuples", "map_shape_structure",
           "map_structure", "map_structure_up_to", "pack_sequence_as", "traverse"]


class _MapToNone:
    """Sentinel: returned by ``traverse``'s ``func``, the node becomes ``None``."""

    def __repr__(self):
        return "MAP_TO_NONE"


MAP_TO_NONE = _MapToNone()


# ------------------------------------------------------------------ node kinds
def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(structure):
    """True if ``structure`` is a list, tuple, namedtuple, deque or mapping (not a leaf)."""
    return isinstance(structure, (list, tuple, collections.deque, collections.abc.Mapping))


def _sorted_keys(mapping):
    keys = list(mapping.keys())
    if isinstance(mapping, collections.OrderedDict):
        return keys
    try:
        return sorted(keys)
    except TypeError:
        return sorted(keys, key=lambda k: (type(k).__name__, repr(k)))


def _children(node):
    """``[(path key, child), ...]`` in flattening order."""
    if isinstance(node, collections.abc.Mapping):
        return [(k, node[k]) for k in _sorted_keys(node)]
    return list(enumerate(node))


def _rebuild(node, values):
    """A node like ``node`` holding ``values`` (in ``_children`` order)."""
    if isinstance(node, collections.abc.Mapping):
        by_key = dict(zip(_sorted_keys(node), values))
        items = [(k, by_key[k]) for k in node.keys()]  # the node's own key order
        if isinstance(node, collections.defaultdict):
            return type(node)(node.default_factory, items)
        try:
            return type(node)(items)
        except TypeError:
            return dict(items)
    if _is_namedtuple(node):
        return type(node)(*values)
    if isinstance(node, collections.deque):
        return collections.deque(values, maxlen=node.maxlen)
    if isinstance(node, list):
        return list(values) if type(node) is list else _try_type(node, list(values))
    return tuple(values) if type(node) is tuple else _try_type(node, tuple(values))


def _try_type(node, values):
    try:
        return type(node)(values)
    except TypeError:
        return values


def _kind(node, check_types=True):
    if isinstance(node, collections.abc.Mapping):
        return "dict"
    if _is_namedtuple(node):
        return type(node)
    if not check_types:
        return "sequence"
    if isinstance(node, collections.deque):
        return "deque"
    return "list" if isinstance(node, list) else "tuple"


def _kind_name(kind):
    return kind if isinstance(kind, str) else f"namedtuple {kind.__name__}"


# ------------------------------------------------------------------ flattening
def flatten(structure):
    """The leaves of ``structure`` as a flat list (see the module docstring for the order).

    >>> flatten({"b": [1, 2], "a": (3, None)})
    [3, None, 1, 2]
    """
    out = []

    def walk(node):
        if is_nested(node):
            for _, child in _children(node):
                walk(child)
        else:
            out.append(node)

    walk(structure)
    return out


def flatten_with_path(structure):
    """``[(path, leaf), ...]``: ``path`` is the tuple of keys / indices from the root."""
    out = []

    def walk(node, path):
        if is_nested(node):
            for k, child in _children(node):
                walk(child, path + (k,))
        else:
            out.append((path, node))

    walk(structure, ())
    return out


def pack_sequence_as(structure, flat_sequence):
    """``structure`` with its leaves replaced, in order, by ``flat_sequence``'s items."""
    if not isinstance(flat_sequence, (list, tuple, collections.deque)):
        raise TypeError(f"tree.pack_sequence_as: `flat_sequence` must be a list or tuple, got "
                        f"{type(flat_sequence).__name__}.")
    flat = list(flat_sequence)
    it = iter(flat)
    n_leaves = len(flatten(structure))
    if n_leaves != len(flat):
        raise ValueError(f"tree.pack_sequence_as: the structure has {n_leaves} leaves but "
                         f"`flat_sequence` has {len(flat)} items.")

    def build(node):
        if is_nested(node):
            return _rebuild(node, [build(c) for _, c in _children(node)])
        return next(it)

    return build(structure)


# ------------------------------------------------------------------ comparing
def _check_same(a, b, check_types=True, where="tree.assert_same_structure"):
    def walk(x, y, path):
        nx, ny = is_nested(x), is_nested(y)
        if nx != ny:
            raise ValueError(f"{where}: the structures don't have the same nested structure "
                             f"at path {path}: {_short(x)} vs {_short(y)}.")
        if not nx:
            return
        kx, ky = _kind(x, check_types), _kind(y, check_types)
        if kx != ky:
            raise ValueError(f"{where}: at path {path}, expected an instance of "
                             f"{_kind_name(kx)}, got {_short(y)}.")
        if isinstance(x, collections.abc.Mapping):
            if set(x.keys()) != set(y.keys()):
                raise ValueError(f"{where}: dictionary key mismatch at path {path}: "
                                 f"{_sorted_keys(x)} vs {_sorted_keys(y)}.")
            for k in _sorted_keys(x):
                walk(x[k], y[k], path + (k,))
            return
        if len(x) != len(y):
            raise ValueError(f"{where}: arity mismatch at path {path}: {len(x)} vs {len(y)} "
                             f"items ({_short(y)}).")
        for i, (cx, cy) in enumerate(zip(x, y)):
            walk(cx, cy, path + (i,))

    walk(a, b, ())


def _short(x):
    r = repr(x)
    return r if len(r) < 80 else r[:77] + "..."


def assert_same_structure(a, b, check_types=None):
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same nesting.

    Node types must match (a list is not a tuple, a namedtuple only matches its
    own type); every mapping type matches every other with the same keys. With
    ``check_types=False`` lists, tuples and deques match each other (Keras
    deprecates the argument; ``assert_same_paths`` is the looser check).
    """
    _check_same(a, b, check_types=check_types is None or bool(check_types))


def assert_same_paths(a, b):
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same set of leaf paths
    (so a list matches a tuple, a dict an ``OrderedDict``)."""
    pa = {p for p, _ in flatten_with_path(a)}
    pb = {p for p, _ in flatten_with_path(b)}
    if pa != pb:
        raise ValueError("`a` and `b` don't have the same paths.\n"
                         f"Paths in `a` missing in `b`:\n{pa - pb}\n"
                         f"Paths in `b` missing in `a`:\n{pb - pa}")


# ------------------------------------------------------------------ mapping
def map_structure(func, *structures, none_is_leaf=True):
    """``func`` applied leaf-wise to structures of the same nesting; the result has
    the first structure's nesting. With ``none_is_leaf=False`` a ``None`` in the
    first structure stays ``None`` (``func`` is not called there)."""
    if not structures:
        raise ValueError("tree.map_structure: must provide at least one structure.")
    for other in structures[1:]:
        _check_same(structures[0], other, where="tree.map_structure")
    flats = [flatten(s) for s in structures]
    out = []
    for leaves in zip(*flats):
        if not none_is_leaf and leaves[0] is None:
            out.append(None)
        else:
            out.append(func(*leaves))
    return pack_sequence_as(structures[0], out)


def map_structure_up_to(shallow_structure, func, *structures):
    """``func`` applied to the sub-structures of ``structures`` found at the leaves of
    ``shallow_structure`` (each of ``structures`` must contain its nesting)."""
    if not structures:
        raise ValueError("tree.map_structure_up_to: must provide at least one structure.")

    def shallow_leaves(shallow, node, path):
        if not is_nested(shallow):
            return [node]
        if not is_nested(node):
            raise ValueError(f"tree.map_structure_up_to: at path {path} the shallow structure "
                             f"is nested ({_short(shallow)}) but the input is not ({_short(node)}).")
        ks, kn = _kind(shallow, False), _kind(node, False)
        if ks != kn:
            raise ValueError(f"tree.map_structure_up_to: at path {path}, expected an instance "
                             f"of {_kind_name(ks)}, got {_short(node)}.")
        if isinstance(shallow, collections.abc.Mapping):
            missing = [k for k in shallow.keys() if k not in node]
            if missing or len(node) != len(shallow):
                raise ValueError(f"tree.map_structure_up_to: dictionary key mismatch at path "
                                 f"{path}: {_sorted_keys(shallow)} vs {_sorted_keys(node)}.")
            items = [(k, node[k]) for k, _ in _children(shallow)]
        else:
            if len(node) != len(shallow):
                raise ValueError(f"tree.map_structure_up_to: arity mismatch at path {path}: "
                                 f"{len(shallow)} vs {len(node)} items ({_short(node)}).")
            items = list(enumerate(node))
        out = []
        for (k, child), (_, sh) in zip(items, _children(shallow)):
            out.extend(shallow_leaves(sh, child, path + (k,)))
        return out

    flats = [shallow_leaves(shallow_structure, s, ()) for s in structures]
    return pack_sequence_as(shallow_structure, [func(*xs) for xs in zip(*flats)])


def _is_shape(x):
    return isinstance(x, (list, tuple)) and not _is_namedtuple(x) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in x)


def map_shape_structure(func, structure):
    """``func`` applied to every shape in ``structure``: a list or tuple whose items
    are all ints or ``None`` (the empty tuple included) is a shape, i.e. a leaf."""
    def walk(node):
        if _is_shape(node) or not is_nested(node):
            return func(node)
        return _rebuild(node, [walk(c) for _, c in _children(node)])

    return walk(structure)


def lists_to_tuples(structure):
    """``structure`` with every list (recursively) turned into a tuple."""
    def walk(node):
        if not is_nested(node):
            return node
        values = [walk(c) for _, c in _children(node)]
        if isinstance(node, list):
            return tuple(values)
        return _rebuild(node, values)

    return walk(structure)


def traverse(func, structure, top_down=True):
    """Apply ``func`` to every node (sub-structures and leaves).

    ``top_down=True``: ``func(node)`` first; ``None`` means "keep going into the
    node" (a leaf is kept), any other value replaces the node and its subtree.
    ``top_down=False``: children first, then ``func`` on the node rebuilt from
    them; ``None`` keeps that rebuilt node. Returning ``MAP_TO_NONE`` makes the
    node ``None`` either way.
    """
    def fix(v):
        return None if v is MAP_TO_NONE else v

    def down(node):
        r = func(node)
        if r is not None:
            return fix(r)
        if is_nested(node):
            return _rebuild(node, [down(c) for _, c in _children(node)])
        return node

    def up(node):
        if is_nested(node):
            node = _rebuild(node, [up(c) for _, c in _children(node)])
        r = func(node)
        return node if r is None else fix(r)

    return down(structure) if top_down else up(structure)
