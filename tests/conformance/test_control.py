"""Control ops beyond "a value against a reference": inside ``jit`` (traced
predicates, indices and bounds on JAX) the result equals the eager one, gradients
flow through ``jit(value_and_grad)``, and bad input raises a clear error."""
import numpy as np
import pytest


def _np(b, x):
    return np.asarray(b.to_numpy(x))


def test_cond_traced_predicate_under_jit(engine):
    b = engine

    def f(x):
        return b.cond(b.greater(b.sum(x), 0.0), lambda: b.sin(x), lambda: b.multiply(x, 3.0))

    jf = b.jit(f)
    for sign in (1.0, -1.0):
        x = b.convert(np.full((3,), sign, np.float32))
        np.testing.assert_allclose(_np(b, jf(x)), _np(b, f(x)), rtol=1e-6)
    np.testing.assert_allclose(_np(b, jf(b.convert(np.ones(3, np.float32)))), np.sin(np.ones(3)), rtol=1e-6)
    np.testing.assert_allclose(_np(b, jf(b.convert(-np.ones(3, np.float32)))), -3 * np.ones(3), rtol=1e-6)


def test_control_jit_matches_eager(engine):
    b = engine

    def f(x, i):
        a = b.switch(i, [lambda v: b.sin(v), lambda v: b.square(v), lambda v: b.exp(v)], x)
        n, v = b.while_loop(lambda n, v: b.less(b.sum(b.abs(v)), 50.0), lambda n, v: (b.add(n, 1), b.multiply(v, 2.0)),
                            (b.convert(0, "int32"), x), maximum_iterations=20)
        c, ys = b.scan(lambda c, t: (b.add(c, t), b.multiply(c, t)), b.zeros((3,)), b.stack([x, a, v]))
        s = b.associative_scan(b.add, b.stack([x, a, v, c]))
        m = b.map(lambda r: b.sum(r), ys)
        return a, n, v, c, ys, s, m

    x = b.convert(np.array([0.5, -0.25, 1.0], np.float32))
    for i in (0, 1, 2, 5):
        idx = b.convert(i, "int32")
        eager, jitted = f(x, idx), b.jit(f)(x, idx)
        for e, j in zip(eager, jitted):
            np.testing.assert_allclose(_np(b, j), _np(b, e), rtol=1e-5, atol=1e-6)
    assert int(_np(b, f(x, b.convert(0, "int32"))[1])) == 5  # 1.75 * 2**5 = 56 > 50


def test_while_loop_under_jit_traced_bound(engine):
    b = engine

    def f(limit, x):
        return b.while_loop(lambda v: b.less(b.max(v), 100.0), lambda v: b.multiply(v, 3.0), x,
                            maximum_iterations=limit)

    def g(upper, x):
        return b.fori_loop(0, upper, lambda i, v: b.add(v, 1.0), x)

    x = b.convert(np.ones(2, np.float32))
    for lim, want in ((2, 9.0), (10, 243.0)):
        got = b.jit(f)(b.convert(lim, "int32"), x)
        np.testing.assert_allclose(_np(b, got), np.full(2, want), rtol=1e-6)
    np.testing.assert_allclose(_np(b, b.jit(g)(b.convert(4, "int32"), x)), np.full(2, 5.0))
    assert int(_np(b, b.while_loop(lambda i: b.less(i, 7), lambda i: b.add(i, 2), b.convert(0, "int32")))) == 8


def test_custom_gradient_under_jit(engine):
    b = engine

    @b.custom_gradient
    def clip_grad(x):
        return b.multiply(x, 1.0), lambda upstream: b.clip(upstream, -0.5, 0.5)

    def loss(params, w):
        return b.sum(b.multiply(clip_grad(params[0]), w)), None

    w = b.convert(np.array([2.0, -0.1, -3.0], np.float32))
    p = [b.convert(np.array([1.0, 2.0, 3.0], np.float32))]
    for vg in (b.value_and_grad(loss), b.jit(b.value_and_grad(loss))):
        (value, _), grads = vg(p, w)
        np.testing.assert_allclose(float(_np(b, value)), 2.0 - 0.2 - 9.0, rtol=1e-6)
        np.testing.assert_allclose(_np(b, grads[0]), [0.5, -0.1, -0.5], rtol=1e-6)


def test_control_errors(engine):
    from kerasette import ops
    b = engine
    with pytest.raises(ValueError, match="switch"):
        b.switch(0, [], b.zeros((2,)))
    with pytest.raises(ValueError, match="scan"):
        b.scan(lambda c, x: (c, x), b.zeros(()), None)
    with pytest.raises(ValueError, match="vectorize"):
        b.vectorize(lambda a: a, signature="(n)")(b.zeros((2,)))
    with pytest.raises(ValueError, match="associative_scan"):
        b.associative_scan(b.add, (b.zeros((3,)), b.zeros((4,))))
    with pytest.raises(ValueError, match="custom_gradient"):
        @ops.custom_gradient
        def bad(x, y):
            return b.add(x, y), lambda g: g  # one gradient for two inputs

        def loss(params):
            return b.sum(bad(params[0], params[1])), None

        b.value_and_grad(loss)([b.ones((2,)), b.ones((2,))])
