"""(b) Gradients of ``sum(op(x) * W)`` via ``value_and_grad`` against central finite
differences of the float64 reference, and (c) against the other engines.

Tolerances per case class are in ``harness.TOLS``; the cross-engine check allows
twice the FD tolerance, since both sides carry float32 error.
"""
import pytest

from .cases import CASES
from .harness import assert_grads_close, engine_grads, fd_grads, ref_inputs, ref_loss

GRAD_CASES = [c for c in CASES if c.diff]


@pytest.mark.parametrize("case", GRAD_CASES, ids=lambda c: c.id)
def test_grad_vs_finite_differences(engine, case):
    value, grads = engine_grads(engine, case)
    want_value = ref_loss(case, ref_inputs(case))
    rtol, atol = case.value_tol if case.tol != "exact" else (1e-5, 1e-6)
    assert value == pytest.approx(want_value, rel=max(rtol, 1e-5) * 10, abs=max(atol, 1e-5) * 10), \
        f"{case.id}: loss value {value} on {engine.name}, reference {want_value}"
    assert_grads_close(case, grads, fd_grads(case), f"on {engine.name} vs float64 finite differences")


@pytest.mark.parametrize("case", GRAD_CASES, ids=lambda c: c.id)
def test_grad_across_engines(engines, case):
    if len(engines) < 2:
        pytest.skip("needs two engines")
    names = sorted(engines)
    results = {n: engine_grads(engines[n], case)[1] for n in names}
    base = names[0]
    for other in names[1:]:
        assert_grads_close(case, results[other], results[base], f"on {other} vs {base}", factor=2.0)
