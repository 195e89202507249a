"""The stats family beyond value-vs-reference: bad input (a ValueError naming the
op and what is at fault, the same on every engine), ``unique`` with a static
``size`` under ``jit``, the length rules of ``bincount`` / segment reductions
under ``jit``, and eager gradients (the table's are taken under ``jit``)."""
import numpy as np
import pytest

F32 = np.float32


def _c(b, x):
    return b.convert(np.asarray(x))


BAD = {
    "searchsorted-2d": ("searchsorted", lambda b: b.searchsorted(_c(b, np.ones((2, 2), F32)), _c(b, [1.0])),
                        "1-D"),
    "searchsorted-side": ("searchsorted", lambda b: b.searchsorted(_c(b, [1.0, 2.0]), _c(b, [1.0]), side="middle"),
                          "middle"),
    "digitize-2d-bins": ("digitize", lambda b: b.digitize(_c(b, [1.0]), _c(b, np.ones((2, 2), F32))), "(2, 2)"),
    "nonzero-0d": ("nonzero", lambda b: b.nonzero(_c(b, np.float32(3.0))), "0-d"),
    "quantile-q-range": ("quantile", lambda b: b.quantile(_c(b, [1.0, 2.0]), 1.5), "1.5"),
    "percentile-q-range": ("percentile", lambda b: b.percentile(_c(b, [1.0, 2.0]), [50.0, 101.0]), "101"),
    "quantile-method": ("quantile", lambda b: b.quantile(_c(b, [1.0, 2.0]), 0.5, method="cubic"), "cubic"),
    "quantile-2d-q": ("quantile", lambda b: b.quantile(_c(b, [1.0, 2.0]), _c(b, np.full((2, 2), 0.5, F32))),
                      "(2, 2)"),
    "median-axis": ("median", lambda b: b.median(_c(b, np.ones((2, 3), F32)), axis=2), "axis 2"),
    "average-weights": ("average", lambda b: b.average(_c(b, np.ones((2, 3), F32)), axis=1,
                                                       weights=_c(b, np.ones(2, F32))), "length 2"),
    "histogram-2d": ("histogram", lambda b: b.histogram(_c(b, np.ones((2, 3), F32))), "(2, 3)"),
    "histogram-range": ("histogram", lambda b: b.histogram(_c(b, [1.0, 2.0]), range=(3.0, 1.0)), "range"),
    "bincount-negative": ("bincount", lambda b: b.bincount(_c(b, np.array([1, -2, 0], np.int32))), "-2"),
    "bincount-float": ("bincount", lambda b: b.bincount(_c(b, [1.0, 2.0])), "float"),
    "bincount-weights": ("bincount", lambda b: b.bincount(_c(b, np.array([1, 2], np.int32)),
                                                          weights=_c(b, np.ones(3, F32))), "(3,)"),
    "correlate-2d": ("correlate", lambda b: b.correlate(_c(b, np.ones((2, 2), F32)), _c(b, [1.0])), "(2, 2)"),
    "correlate-mode": ("correlate", lambda b: b.correlate(_c(b, [1.0]), _c(b, [1.0]), mode="wide"), "wide"),
    "diff-0d": ("diff", lambda b: b.diff(_c(b, np.float32(1.0))), "0-d"),
    "diff-negative-n": ("diff", lambda b: b.diff(_c(b, [1.0, 2.0]), n=-1), "-1"),
    "in_top_k-shapes": ("in_top_k", lambda b: b.in_top_k(_c(b, np.array([0, 1, 2], np.int32)),
                                                         _c(b, np.ones((2, 4), F32)), 1), "(2, 4)"),
    "argpartition-kth": ("argpartition", lambda b: b.argpartition(_c(b, [1.0, 2.0, 3.0]), 5), "5"),
    "corrcoef-3d": ("corrcoef", lambda b: b.corrcoef(_c(b, np.ones((2, 2, 2), F32))), "(2, 2, 2)"),
}
SEGMENT_OPS = ["segment_sum", "segment_max", "segment_min", "segment_prod"]


@pytest.mark.parametrize("label", sorted(BAD))
def test_stats_bad_input(engine, label):
    op, call, detail = BAD[label]
    with pytest.raises(ValueError) as info:
        call(engine)
    text = str(info.value)
    assert op in text and detail in text, f"{label}: the message should name {op!r} and {detail!r}: {text}"


@pytest.mark.parametrize("name", SEGMENT_OPS)
def test_segment_ids_shape_mismatch(engine, name):
    b = engine
    with pytest.raises(ValueError) as info:
        getattr(b, name)(_c(b, np.ones((4, 2), F32)), _c(b, np.array([0, 1, 0], np.int32)), num_segments=2)
    assert name in str(info.value) and "(4, 2)" in str(info.value)


def test_unique_static_size_under_jit(engine):
    b = engine
    f = b.jit(lambda v: b.unique(v, return_inverse=True, return_counts=True, size=4, fill_value=-1))
    values, inverse, counts = f(_c(b, np.array([7, 3, 7, 7, 1], np.int32)))
    np.testing.assert_array_equal(b.to_numpy(values), [1, 3, 7, -1])
    np.testing.assert_array_equal(b.to_numpy(inverse), [2, 1, 2, 2, 0])
    np.testing.assert_array_equal(b.to_numpy(counts), [1, 1, 3, 0])
    assert [b.dtype(a) for a in (values, inverse, counts)] == ["int32"] * 3


def test_lengths_under_jit(engine):
    """Under ``jit`` the output length may not depend on values: ``minlength`` /
    ``num_segments`` give it, and leaving them out is a clear error on JAX."""
    b = engine
    x = _c(b, np.array([0, 2, 2, 1], np.int32))
    counts = b.jit(lambda v: b.bincount(v, minlength=3))(x)
    np.testing.assert_array_equal(b.to_numpy(counts), [1, 1, 2])
    data = _c(b, np.arange(8, dtype=F32).reshape(4, 2))
    for name in SEGMENT_OPS:
        out = b.jit(lambda d, i, n=name: getattr(b, n)(d, i, num_segments=3))(data, x)
        assert b.shape(out) == (3, 2)
    if b.name == "jax":
        with pytest.raises(ValueError, match="minlength"):
            b.jit(lambda v: b.bincount(v))(x)
        for name in SEGMENT_OPS:
            with pytest.raises(ValueError, match="num_segments"):
                b.jit(lambda d, i, n=name: getattr(b, n)(d, i))(data, x)


def test_eager_gradients_sort_quantile_nan(engine):
    """Eager ``value_and_grad`` (the table takes gradients under ``jit``)."""
    b = engine
    x = np.array([[0.5, -1.0, 2.0, 1.5], [3.0, np.nan, -2.0, 0.25]], F32)

    def loss(p):
        s = b.sort(p[0], axis=-1)
        q = b.nanquantile(p[0], 0.5, axis=1)
        m = b.nanmax(p[0], axis=1)
        return b.add(b.add(b.sum(b.multiply(s, b.convert(np.arange(4, dtype=F32)))), b.sum(q)), b.sum(m)), None

    (_, _), (g,) = b.value_and_grad(loss)([b.convert(x)])
    g = np.asarray(b.to_numpy(g))
    # sort: rank r gets weight r (NaN sorts last); nanquantile of row 0 interpolates
    # 0.5 and 1.5, of row 1 takes 0.25; nanmax: 2.0 and 3.0 (the NaN gets only its sort weight)
    want = np.array([[1 + 0.5, 0.0, 3 + 1, 2 + 0.5], [2 + 1, 3.0, 0.0, 1 + 1]])
    np.testing.assert_allclose(g, want, rtol=1e-6)
