"""Bad input to the arrays family: the same clear ValueError on every engine, naming the op."""
import numpy as np
import pytest

import kerasette.ops as ops

F = np.float32


def _x(b, shape=(3, 4)):
    return b.convert(np.arange(np.prod(shape), dtype=F).reshape(shape))


BAD = {
    "rearrange-arrow": (lambda b: b.rearrange(_x(b), "a b"), "rearrange"),
    "rearrange-rank": (lambda b: b.rearrange(_x(b), "a b c -> c b a"), "rearrange"),
    "rearrange-missing-axis": (lambda b: b.rearrange(_x(b), "a b -> a"), "rearrange"),
    "rearrange-indivisible": (lambda b: b.rearrange(_x(b), "a (b c) -> a b c", c=3), "rearrange"),
    "pad-mode": (lambda b: b.pad(_x(b), 1, mode="edge"), "pad"),
    "pad-constant-with-reflect": (lambda b: b.pad(_x(b), 1, mode="reflect", constant_values=1.0), "pad"),
    "pad-width": (lambda b: b.pad(_x(b), ((1, 1), (1, 1), (1, 1))), "pad"),
    "scatter_update-indices": (lambda b: b.scatter_update(_x(b), b.convert(np.array([1, 2], np.int32)),
                                                          b.convert(np.ones(1, F))), "scatter_update"),
    "scatter_update-reduction": (lambda b: b.scatter_update(_x(b), b.convert(np.array([[1]], np.int32)),
                                                            b.convert(np.ones((1, 4), F)), reduction="sub"),
                                 "scatter_update"),
    "slice_update-too-big": (lambda b: b.slice_update(_x(b), (0, 0), _x(b, (4, 4))), "slice_update"),
    "unstack-num": (lambda b: b.unstack(_x(b), num=2), "unstack"),
    "cross-size": (lambda b: b.cross(_x(b), _x(b)), "cross"),
    "diagonal-1d": (lambda b: b.diagonal(_x(b, (3,))), "diagonal"),
    "extract_sequences-long": (lambda b: b.extract_sequences(_x(b), 5, 1), "extract_sequences"),
    "meshgrid-indexing": (lambda b: b.meshgrid(_x(b, (2,)), indexing="xx"), "meshgrid"),
    "select-lengths": (lambda b: b.select([_x(b) > 1], []), "select"),
}


@pytest.mark.parametrize("label", sorted(BAD))
def test_bad_input_names_the_op(engine, label):
    call, op = BAD[label]
    with pytest.raises(ValueError) as info:
        call(engine)
    assert op in str(info.value), f"{label}: the message should name {op}: {info.value}"


def test_slice_update_and_scatter_update_gradients_eager(engine):
    """Both arrays get gradients outside jit too (value_and_grad called directly)."""
    b = engine
    x0 = b.convert(np.arange(12, dtype=F).reshape(3, 4))
    u0 = b.convert(np.ones((2, 2), F))
    idx = b.convert(np.array([[0, 1], [2, 3]], np.int32))
    v0 = b.convert(np.array([5.0, 6.0], F))

    def loss(params):
        x, u, v = params
        s = b.slice_update(x, (1, 1), u)
        t = b.scatter_update(x, idx, v)
        return b.add(b.sum(b.multiply(s, s)), b.sum(b.multiply(t, 3.0))), None

    (_, _), (gx, gu, gv) = b.value_and_grad(loss)([x0, u0, v0])
    x = np.arange(12, dtype=np.float64).reshape(3, 4)
    s = x.copy()
    s[1:3, 1:3] = 1.0
    want_x = 2 * s
    want_x[1:3, 1:3] = 0.0
    want_x += 3.0
    want_x[0, 1] -= 3.0
    want_x[2, 3] -= 3.0
    np.testing.assert_allclose(b.to_numpy(gx), want_x, rtol=1e-6)
    np.testing.assert_allclose(b.to_numpy(gu), np.full((2, 2), 2.0), rtol=1e-6)
    np.testing.assert_allclose(b.to_numpy(gv), [3.0, 3.0], rtol=1e-6)


def test_ops_namespace_keeps_keras_keywords(engine):
    x = engine.convert(np.arange(6, dtype=F).reshape(2, 3))
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.eye(2, M=3, k=1, dtype="int32")),
                                  np.eye(2, 3, 1, dtype=np.int32))
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.pad(x, 1, mode="symmetric")),
                                  np.pad(np.arange(6.0).reshape(2, 3), 1, mode="symmetric"))
    assert ops.dtype(ops.arange(0.0, 1.0, 0.25)) == "float32"
    assert ops.dtype(ops.convert_to_tensor([1, 2])) == "int32"
