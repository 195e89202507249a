"""Gradients of ``sum(op(x) * W)`` via ``value_and_grad``:

(b) against central finite differences of the float64 reference, and
(c) against another engine's gradient (the NumPy engine's; torch's for NumPy).

Both checks run in one test per (engine, case) so each engine's gradient is
computed once (JAX compiles every op per shape; under ``pytest -n`` a separate
cross-engine test would recompute it on another worker). Tolerances per case
class are in ``harness.TOLS``; the cross-engine check allows twice the FD
tolerance, since both sides carry float32 error.
"""
import pytest

from kerasette import backends

from .cases import CASES
from .harness import assert_grads_close, engine_grads, fd_grads, ref_inputs, ref_loss

GRAD_CASES = [c for c in CASES if c.diff]


def _partner(name, engines):
    for other in ("numpy", "torch", "jax"):
        if other != name and other in engines:
            return other
    return None


@pytest.mark.parametrize("case", GRAD_CASES, ids=lambda c: c.id)
def test_grad(engine, engines, case):
    value, grads = engine_grads(engine, case)
    errors = []
    want_value = ref_loss(case, ref_inputs(case))
    rtol, atol = case.value_tol if case.tol != "exact" else (1e-5, 1e-6)
    if value != pytest.approx(want_value, rel=max(rtol, 1e-5) * 10, abs=max(atol, 1e-5) * 10):
        errors.append(f"loss value {value} on {engine.name}, reference {want_value}")
    try:
        assert_grads_close(case, grads, fd_grads(case), f"on {engine.name} vs float64 finite differences")
    except AssertionError as e:
        errors.append(f"(b) finite differences: {e}")
    other = _partner(engine.name, engines)
    if other is not None:
        try:
            other_grads = engine_grads(backends.get(other), case)[1]
        except Exception as e:  # noqa: BLE001 -- the partner's own test reports it
            other_grads = None
            errors.append(f"(c) could not compute the {other} gradient: {type(e).__name__}: {e}")
        if other_grads is not None:
            try:
                assert_grads_close(case, grads, other_grads, f"on {engine.name} vs {other}", factor=2.0)
            except AssertionError as e:
                errors.append(f"(c) across engines: {e}")
    assert not errors, f"{case.id} on {engine.name}:\n" + "\n".join(errors)
