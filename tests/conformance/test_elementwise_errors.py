"""Bad input to the elementwise family: the same clear error on every engine."""
import numpy as np
import pytest

import kerasette.ops as ops


def _t(b, x):
    return b.convert(np.asarray(x))


@pytest.mark.parametrize("name", ["gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor",
                                  "bitwise_left_shift", "bitwise_right_shift"])
def test_integer_ops_refuse_floats(engine, name):
    x = _t(engine, np.ones(3, np.float32))
    with pytest.raises(TypeError, match=f"{name}.*float32"):
        getattr(engine, name)(x, x)


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_lcm_refuse_bools(engine, name):
    x = _t(engine, np.array([True, False]))
    with pytest.raises(TypeError, match=f"{name}.*bool"):
        getattr(engine, name)(x, x)


def test_bitwise_not_refuses_floats(engine):
    with pytest.raises(TypeError, match="bitwise_not.*float32"):
        engine.bitwise_not(_t(engine, np.ones(3, np.float32)))


def test_ldexp_needs_an_integer_exponent(engine):
    x = _t(engine, np.ones(3, np.float32))
    with pytest.raises(TypeError, match="ldexp.*x2"):
        engine.ldexp(x, x)


@pytest.mark.parametrize("name", ["arctan2", "hypot", "logaddexp", "fmod", "nextafter", "gcd",
                                  "bitwise_and", "fmax", "heaviside", "isclose"])
def test_shape_mismatch_names_op_and_shapes(engine, name):
    dt = np.int32 if name in ("gcd", "bitwise_and") else np.float32
    x, y = _t(engine, np.ones((2, 3), dt)), _t(engine, np.ones((4,), dt))
    with pytest.raises(ValueError) as info:
        getattr(ops, name)(x, y)
    msg = str(info.value)
    assert name in msg and "(2, 3)" in msg and "(4,)" in msg, msg


def test_view_as_complex_needs_a_last_axis_of_two(engine):
    with pytest.raises(ValueError, match=r"view_as_complex.*\(3, 3\)"):
        engine.view_as_complex(_t(engine, np.ones((3, 3), np.float32)))


def test_view_as_real_needs_complex(engine):
    with pytest.raises(ValueError, match="view_as_real.*float32"):
        engine.view_as_real(_t(engine, np.ones((3, 2), np.float32)))
