"""(d) Every public ``Backend`` method has a conformance case or a dedicated test."""
from kerasette.backends.base import Backend

from . import test_special
from .cases import CASES, SPECIAL


def public_methods():
    return sorted(n for n in dir(Backend) if not n.startswith("_") and callable(getattr(Backend, n)))


def test_every_backend_method_has_a_conformance_case():
    covered = {c.method for c in CASES} | set(SPECIAL)
    missing = [n for n in public_methods() if n not in covered]
    assert not missing, f"Backend methods without a conformance case: {', '.join(missing)}"


def test_cases_name_real_methods_and_unique_ids():
    methods = set(public_methods())
    unknown = sorted({c.method for c in CASES} - methods) + sorted(set(SPECIAL) - methods)
    assert not unknown, f"conformance cases for methods Backend does not have: {unknown}"
    ids = [c.id for c in CASES]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes, f"duplicate case ids: {dupes}"


def test_special_tests_exist():
    absent = [t for tests in SPECIAL.values() for t in tests if not callable(getattr(test_special, t, None))]
    assert not absent, f"SPECIAL names tests that test_special.py lacks: {absent}"
