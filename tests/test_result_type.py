"""``result_type``: Keras 3's dtype promotion (``kerasette/backends/dtypes.py``), the
same from ``kerasette.backend``, ``kerasette.ops`` and every engine's ``Backend``.

Checked against ``keras.backend.result_type`` for every pair and some triples of
Keras's dtype names and the Python types int, float, bool, complex (Keras's
``result_type`` narrows 64-bit results to 32 bits on every backend but
TensorFlow; so does ours)."""
import itertools

import pytest

import kerasette
import kerasette.ops as kops
from kerasette.backends.dtypes import NAMES, result_type

KINDS = list(NAMES) + [int, float, bool, complex]


@pytest.mark.parametrize("args, want", [
    (("int8", "uint8"), "int16"),
    (("uint8", "uint16"), "uint16"),
    (("int8", int), "int8"),
    (("bool", int), "int32"),
    (("bool", "bool"), "bool"),
    (("bool", bool), "bool"),
    (("float16", int), "float16"),
    (("float16", float), "float16"),
    (("int32", float), "float32"),
    (("int64", "float16"), "float16"),
    (("bfloat16", "float16"), "float32"),
    (("int64", "uint64"), "float32"),
    (("uint32", "int8"), "int32"),  # int64 before the narrowing
    (("float32", "float64"), "float32"),  # float64 before the narrowing
    (("float32", complex), "complex64"),
    (("complex64", "float64"), "complex64"),
    ((int, float), "float32"),
    ((int,), "int32"),
    ((float,), "float32"),
    ((complex,), "complex64"),
    ((), "float32"),
    ((None, "int8"), "float32"),
])
def test_known_promotions(args, want):
    assert result_type(*args) == want
    assert kerasette.backend.result_type(*args) == want
    assert kops.result_type(*args) == want


def test_symmetric_and_associative():
    for a, b in itertools.product(KINDS, KINDS):
        assert result_type(a, b) == result_type(b, a), (a, b)
    for a, b, c in itertools.product(NAMES, NAMES, [int, float, "int8", "float16"]):
        assert result_type(a, b, c) == result_type(result_type(a, b), c) or \
            result_type(a, b, c) == result_type(a, result_type(b, c)), (a, b, c)


def test_engine_dtypes_accepted(engine):
    x = engine.convert([1, 2], "int8")
    assert engine.result_type(engine.dtype(x), "uint8") == "int16"
    assert engine.result_type(engine.dtype(engine.convert([1.0], "float16")), int) == "float16"


def test_invalid_dtype():
    with pytest.raises(ValueError, match="float8"):
        result_type("float8", "int8")


@pytest.mark.keras_oracle
def test_every_pair_matches_keras(keras_module):
    differ = []
    for a, b in itertools.product(KINDS, KINDS):
        want = keras_module.backend.result_type(a, b)
        if result_type(a, b) != want:
            differ.append(f"{a}, {b}: Keras {want}, kerasette {result_type(a, b)}")
    assert not differ, "\n".join(differ)


@pytest.mark.keras_oracle
def test_triples_match_keras(keras_module):
    differ = []
    for args in itertools.product(["bool", "uint8", "int8", "int32", "float16", "bfloat16", "float32"],
                                  [int, float, bool, "uint16"], ["int16", "float64", complex]):
        want = keras_module.backend.result_type(*args)
        if result_type(*args) != want:
            differ.append(f"{args}: Keras {want}, kerasette {result_type(*args)}")
    assert not differ, "\n".join(differ)
