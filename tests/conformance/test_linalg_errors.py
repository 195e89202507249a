"""Bad input to the linalg family: the same clear error on every engine.

Non-square input to a square-only op, a matrix op given a vector, a Cholesky
factor of a matrix that is not positive definite, non-float FFT input and
unknown norm orders raise ``ValueError`` (``stft`` of non-float input:
``TypeError``, as Keras) naming the op and what was wrong.
"""
import numpy as np
import pytest

import kerasette.ops as ops

SQUARE_ONLY = ["cholesky", "cholesky_inverse", "det", "slogdet", "logdet", "inv", "lu_factor", "eig",
               "eigh"]
MATRIX_ONLY = ["qr", "svd", "pinv", "matrix_rank"]


@pytest.mark.parametrize("name", SQUARE_ONLY)
def test_non_square_input(engine, name):
    x = engine.convert(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError) as info:
        getattr(engine, name)(x)
    assert name in str(info.value) and "(2, 3)" in str(info.value), str(info.value)
    with pytest.raises(ValueError) as info:
        getattr(ops, name)(x)
    assert name in str(info.value) and "(2, 3)" in str(info.value), str(info.value)


@pytest.mark.parametrize("name", ["solve", "solve_triangular"])
def test_solve_non_square_or_mismatched(engine, name):
    b = engine
    with pytest.raises(ValueError) as info:
        getattr(b, name)(b.convert(np.ones((2, 3), np.float32)), b.convert(np.ones((2, 1), np.float32)))
    assert name in str(info.value) and "(2, 3)" in str(info.value), str(info.value)
    with pytest.raises(ValueError) as info:
        getattr(b, name)(b.convert(np.eye(3, dtype=np.float32)), b.convert(np.ones((2, 1), np.float32)))
    assert name in str(info.value) and "(2, 1)" in str(info.value), str(info.value)


@pytest.mark.parametrize("name", MATRIX_ONLY)
def test_vector_input_to_a_matrix_op(engine, name):
    with pytest.raises(ValueError) as info:
        getattr(engine, name)(engine.convert(np.ones((3,), np.float32)))
    assert name in str(info.value) and "(3,)" in str(info.value), str(info.value)


def test_cholesky_not_positive_definite(engine):
    x = engine.convert(np.array([[1.0, 2.0], [2.0, 1.0]], np.float32))
    with pytest.raises(ValueError, match="cholesky.*positive"):
        engine.cholesky(x)


def test_qr_mode(engine):
    with pytest.raises(ValueError, match="qr.*mode"):
        engine.qr(engine.convert(np.ones((3, 2), np.float32)), mode="r")


@pytest.mark.parametrize("name", ["fft", "fft2", "ifft2", "irfft"])
def test_fft_needs_float_pairs(engine, name):
    b = engine
    ints = b.convert(np.ones((2, 4), np.int32))
    with pytest.raises(ValueError, match=f"{name}.*float"):
        getattr(b, name)((ints, ints))
    with pytest.raises(ValueError, match=name):
        getattr(b, name)(b.convert(np.ones((2, 4), np.float32)))  # not a pair


def test_rfft_and_stft_need_floats(engine):
    b = engine
    with pytest.raises(ValueError, match="rfft.*float"):
        b.rfft(b.convert(np.ones((4,), np.int32)))
    with pytest.raises(TypeError, match="stft.*float32"):
        b.stft(b.convert(np.ones((16,), np.int32)), 4, 2, 4)
    with pytest.raises(ValueError, match="stft.*fft_length"):
        b.stft(b.convert(np.ones((16,), np.float32)), 8, 2, 4)
    with pytest.raises(ValueError, match="stft.*window"):
        b.stft(b.convert(np.ones((16,), np.float32)), 4, 2, 4, window="blackman")


@pytest.mark.parametrize("ord_, axis, shape", [("fro", -1, (3,)), ("nuc", None, (3,)), (3, None, (2, 2)),
                                               (0, (0, 1), (2, 2)), (2, None, (2, 2, 2)),
                                               (2, (0, 1, 2), (2, 2, 2))])
def test_norm_bad_order_or_axes(engine, ord_, axis, shape):
    with pytest.raises(ValueError, match="norm"):
        engine.norm(engine.convert(np.ones(shape, np.float32)), ord=ord_, axis=axis)


@pytest.mark.parametrize("name", ["inv", "det", "cholesky", "eigh", "svd", "qr", "pinv"])
def test_half_precision_is_refused(engine, name):
    x = engine.convert(np.array([[4.0, 2.0], [2.0, 3.0]], np.float16))
    with pytest.raises(TypeError, match=f"{name}.*float16"):
        getattr(engine, name)(x)
