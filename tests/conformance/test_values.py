"""(a) Every conformance case's value on every engine against its float64 reference."""
import pytest

from .cases import CASES
from .harness import check_value


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_value(engine, case):
    check_value(engine, case)
