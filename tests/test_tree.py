"""``kerasette.tree`` against hand-written expectations and against ``keras.tree``."""
from __future__ import annotations

import collections

import numpy as np
import pytest

from kerasette import tree

NT = collections.namedtuple("NT", "b a")


def structures():
    od = collections.OrderedDict([("z", 1), ("a", 2)])
    dd = collections.defaultdict(int, {"y": 3, "b": 4})
    return [
        1, None, "abc", (), [], {},
        [1, None, (2, 3)],
        {"b": [1, (2, None)], "a": NT(3, {"q": 4, "c": 5}), "od": od, "dd": dd,
         "e": (), "f": [], "g": {}},
        collections.deque([1, [2, 3]]),
        {1: "x", 0: "y"},
        [np.zeros(2), {"k": np.ones(3)}],
        NT(a=[1, 2], b=None),
    ]


def test_flatten_order_and_none_leaf():
    s = {"b": [1, 2], "a": (3, None)}
    assert tree.flatten(s) == [3, None, 1, 2]
    assert tree.flatten(None) == [None]
    assert tree.flatten("ab") == ["ab"]
    od = collections.OrderedDict([("z", 1), ("a", 2)])
    assert tree.flatten(od) == [1, 2]  # insertion order
    assert tree.flatten(dict(od)) == [2, 1]  # sorted keys
    assert tree.flatten(NT(b=1, a=2)) == [1, 2]  # field order


def test_pack_and_map_keep_types_and_key_order():
    s = {"b": [1, (2, None)], "a": NT(3, 4)}
    out = tree.pack_sequence_as(s, [10, 11, 12, 13, 14])
    assert list(out) == ["b", "a"] and out["a"] == NT(10, 11) and out["b"] == [12, (13, 14)]
    m = tree.map_structure(lambda x: None if x is None else x * 2, s)
    assert m == {"b": [2, (4, None)], "a": NT(6, 8)}
    dd = collections.defaultdict(list, {"y": 1})
    assert tree.map_structure(lambda x: x, dd).default_factory is list
    with pytest.raises(ValueError):
        tree.pack_sequence_as([1, 2], [1])


def test_paths_and_structure_checks():
    assert tree.flatten_with_path({"a": [1, {"c": 2}]}) == [(("a", 0), 1), (("a", 1, "c"), 2)]
    assert tree.flatten_with_path(5) == [((), 5)]
    tree.assert_same_structure([1, [2]], [3, [4]])
    tree.assert_same_structure(collections.OrderedDict(a=1), {"a": 2})
    for a, b in [([1, 2], [1, (2,)]), ([1, 2], (1, 2)), ([1, 2], [1, 2, 3]),
                 ({"a": 1}, {"b": 1}), (NT(1, 2), (1, 2))]:
        with pytest.raises(ValueError):
            tree.assert_same_structure(a, b)
    tree.assert_same_structure([1, 2], (1, 2), check_types=False)
    tree.assert_same_paths([1, 2], (1, 2))
    with pytest.raises(ValueError, match="same paths"):
        tree.assert_same_paths([1, [2]], [1, 2])
    with pytest.raises(ValueError):
        tree.map_structure(lambda a, b: a, [1, 2], (1, 2))
    with pytest.raises(ValueError):
        tree.map_structure(lambda a: a)


def test_traverse_up_to_shapes_lists():
    assert tree.traverse(lambda x: 0 if isinstance(x, list) and len(x) == 1 else None, [1, [2]]) == [1, 0]
    assert tree.traverse(lambda x: tree.MAP_TO_NONE if x == 1 else None, [1, [2]]) == [None, [2]]
    assert tree.traverse(lambda x: x * 2 if isinstance(x, int) else None, [1, [2]], top_down=False) == [2, [4]]
    assert tree.traverse(lambda x: "S" if isinstance(x, tuple) else None, [1, (2, 3)], top_down=False) == [1, "S"]
    assert tree.map_structure_up_to([1, [2, 3]], lambda a: a, [1, [2, [3, 4]]]) == [1, [2, [3, 4]]]
    assert tree.map_structure_up_to([1, (2, 3)], lambda a, b: (a, b), [[1, 2], (3, 4)], [5, (6, 7)]) == \
        [([1, 2], 5), ((3, 6), (4, 7))]
    assert tree.map_shape_structure(lambda s: "X", {"a": (1, 2), "b": [(3,), (None, 4)], "f": (), "d": 5}) == \
        {"a": "X", "b": ["X", "X"], "f": "X", "d": "X"}
    assert tree.lists_to_tuples([1, [2, {"a": [3]}]]) == (1, (2, {"a": (3,)}))
    assert tree.is_nested([]) and tree.is_nested(NT(1, 2)) and not tree.is_nested("ab")
    assert not tree.is_nested(None) and not tree.is_nested(np.zeros(2))


def _same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a.keys()) == list(b.keys())
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple, collections.deque)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a == b


@pytest.mark.keras_oracle
def test_against_keras_tree(keras_module):
    kt = keras_module.tree
    for s in structures():
        _same(tree.flatten(s), kt.flatten(s))
        _same(tree.flatten_with_path(s), kt.flatten_with_path(s))
        n = len(kt.flatten(s))
        _same(tree.pack_sequence_as(s, list(range(n))), kt.pack_sequence_as(s, list(range(n))))
        _same(tree.map_structure(lambda x: ("v", id(x) % 7), s), kt.map_structure(lambda x: ("v", id(x) % 7), s))
        _same(tree.lists_to_tuples(s), kt.lists_to_tuples(s))
        assert tree.is_nested(s) == kt.is_nested(s)
        f = lambda x: "S" if isinstance(x, tuple) else None  # noqa: E731
        _same(tree.traverse(f, s), kt.traverse(f, s))
        _same(tree.traverse(f, s, top_down=False), kt.traverse(f, s, top_down=False))
        _same(tree.map_shape_structure(lambda x: "X", s), kt.map_shape_structure(lambda x: "X", s))
    pairs = [([1, 2], (1, 2)), ([1, [2]], [1, 2]), ({"a": 1}, {"b": 1}), ([1, 2], [3, 4]),
             (NT(1, 2), (1, 2)), (collections.OrderedDict(a=1), {"a": 1})]
    for a, b in pairs:
        for ours, theirs in [(tree.assert_same_structure, kt.assert_same_structure),
                             (tree.assert_same_paths, kt.assert_same_paths)]:
            err = []
            for fn in (ours, theirs):
                try:
                    fn(a, b)
                    err.append(None)
                except ValueError:
                    err.append(ValueError)
            assert err[0] == err[1], (ours.__name__, a, b)


@pytest.mark.keras_oracle
def test_names_and_signatures_match_keras(keras_module):
    import inspect
    kt = keras_module.tree
    for n in [n for n in dir(kt) if not n.startswith("_")]:
        assert hasattr(tree, n), f"kerasette.tree lacks {n}"
        theirs = getattr(kt, n)
        if inspect.isfunction(theirs):
            assert list(inspect.signature(getattr(tree, n)).parameters) == \
                list(inspect.signature(theirs).parameters), n
