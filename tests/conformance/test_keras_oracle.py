"""(e) Keras 3 as the oracle: every case with ``keras=`` run through ``keras.ops`` itself.

Keras's value must match the case's float64 reference (so kerasette, checked
against the same reference on every engine, agrees with Keras), with the dtype
kerasette gives on JAX (Keras runs on JAX or torch here, 32-bit integers by
default). When Keras runs on JAX, its gradient (``jax.grad``) is checked
against the same finite differences as kerasette's engines, for the first
gradient case of each op (kerasette's own gradients are checked for every case
in ``test_grads.py``; this keeps CI's time in bounds).
"""
import numpy as np
import pytest

from .cases import CASES
from .harness import expected_dtype, fd_grads, flatten, reference, weights

pytestmark = pytest.mark.keras_oracle
KERAS_CASES = [c for c in CASES if c.keras is not None]


def _keras_inputs(case):
    return [x for x in case.inputs]


@pytest.mark.parametrize("case", KERAS_CASES, ids=lambda c: c.id)
def test_keras_value(keras_module, case):
    kops = keras_module.ops
    got = flatten(case.keras(kops, *_keras_inputs(case)))
    want = reference(case)
    assert len(got) == len(want), f"{case.id}: Keras gives {len(got)} outputs, the reference {len(want)}"
    rtol, atol = case.value_tol
    for k, (g, w) in enumerate(zip(got, want)):
        gn = np.asarray(kops.convert_to_numpy(g))
        assert gn.shape == w.shape, f"{case.id}: Keras output {k} has shape {gn.shape}, reference {w.shape}"
        if hasattr(g, "dtype"):
            dt = keras_module.backend.standardize_dtype(g.dtype)
            ok = expected_dtype(case, "jax", k, w)
            assert dt in ok, f"{case.id}: Keras output {k} has dtype {dt}, kerasette gives {ok}"
        if w.dtype.kind == "f" and (rtol or atol):
            np.testing.assert_allclose(gn.astype(np.float64), w, rtol=max(rtol, 1e-5), atol=max(atol, 1e-6),
                                       equal_nan=True, err_msg=f"{case.id} output {k}: Keras vs reference")
        else:
            np.testing.assert_array_equal(gn, w.astype(gn.dtype) if w.dtype.kind != "f" else w,
                                          err_msg=f"{case.id} output {k}: Keras vs reference")


def _first_per_method(cases):
    seen, out = set(), []
    for c in cases:
        if c.method not in seen:
            seen.add(c.method)
            out.append(c)
    return out


@pytest.mark.parametrize("case", _first_per_method([c for c in KERAS_CASES if c.diff]), ids=lambda c: c.id)
def test_keras_grad(keras_module, case):
    if keras_module.backend.backend() != "jax":
        pytest.skip("Keras's gradients are taken with jax.grad; Keras runs on another backend here")
    import jax
    import jax.numpy as jnp
    kops = keras_module.ops
    xs = [jnp.asarray(x) if isinstance(x, np.ndarray) else x for x in case.inputs]
    ws = [None if w is None else jnp.asarray(w) for w in weights(case)]

    def loss(*params):
        full = list(xs)
        for i, p in zip(case.diff, params):
            full[i] = p
        outs = flatten(case.keras(kops, *full))
        return sum(jnp.sum(o * w) for o, w in zip(outs, ws) if w is not None)

    grads = jax.grad(loss, argnums=tuple(range(len(case.diff))))(*[xs[i] for i in case.diff])
    rtol, atol = case.grad_tol
    for k, (g, w) in enumerate(zip(grads, fd_grads(case))):
        scale = max(1.0, float(np.max(np.abs(w))) if w.size else 1.0)
        np.testing.assert_allclose(np.asarray(g, np.float64), w, rtol=rtol, atol=atol * scale,
                                   err_msg=f"{case.id}: Keras's gradient of input {case.diff[k]} vs FD")
