"""Bad input: shapes NumPy refuses, and dtype names kerasette does not know.

base.py: "shapes NumPy would refuse raise ValueError naming the op and both
shapes"; "A dtype an engine cannot hold raises TypeError naming it."
"""
import numpy as np
import pytest

import kerasette.ops as ops

BINARY = ["add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "floor_divide", "mod",
          "equal", "not_equal", "less", "less_equal", "greater", "greater_equal"]
LOGICAL = ["logical_and", "logical_or"]


def _pair(b, name):
    if name in LOGICAL:
        return b.convert(np.ones((2, 3), bool)), b.convert(np.ones((4,), bool))
    return b.convert(np.ones((2, 3), np.float32)), b.convert(np.full((4,), 2.0, np.float32))


def _names_op_and_shapes(err, name):
    text = str(err)
    return name in text and "(2, 3)" in text and "(4,)" in text


@pytest.mark.parametrize("name", BINARY + LOGICAL)
def test_incompatible_shapes_via_ops(engine, name):
    x, y = _pair(engine, name)
    with pytest.raises(ValueError) as info:
        getattr(ops, name)(x, y)
    assert _names_op_and_shapes(info.value, name), f"message should name {name}, (2, 3) and (4,): {info.value}"


@pytest.mark.parametrize("name", BINARY + LOGICAL)
def test_incompatible_shapes_on_the_adapter(engine, name):
    x, y = _pair(engine, name)
    with pytest.raises(ValueError) as info:
        getattr(engine, name)(x, y)
    assert _names_op_and_shapes(info.value, name), f"message should name {name}, (2, 3) and (4,): {info.value}"


def test_incompatible_where(engine):
    b = engine
    with pytest.raises(ValueError) as info:
        ops.where(b.convert(np.ones((2, 3), bool)), b.convert(np.ones((2, 3), np.float32)),
                  b.convert(np.ones((4,), np.float32)))
    assert "where" in str(info.value) and "(4,)" in str(info.value)


def test_incompatible_matmul(engine):
    b = engine
    with pytest.raises(ValueError) as info:
        ops.matmul(b.convert(np.ones((2, 3), np.float32)), b.convert(np.ones((4, 5), np.float32)))
    assert "matmul" in str(info.value) and "(2, 3)" in str(info.value) and "(4, 5)" in str(info.value)


BAD_DTYPES = ["uint16", "float8", "string", "int4"]


@pytest.mark.parametrize("dtype", BAD_DTYPES)
def test_unknown_dtype_raises_type_error(engine, dtype):
    b = engine
    x = b.convert(np.ones(3, np.float32))
    for call in (lambda: b.zeros((2,), dtype), lambda: b.cast(x, dtype), lambda: b.convert([1.0], dtype),
                 lambda: b.full((2,), 1.0, dtype), lambda: ops.zeros((2,), dtype), lambda: ops.cast(x, dtype)):
        with pytest.raises(TypeError) as info:
            call()
        assert dtype in str(info.value), f"TypeError should name {dtype!r}: {info.value}"
