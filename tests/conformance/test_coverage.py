"""(d) Every public ``Backend`` method has a conformance case or a dedicated test."""
import importlib
import pathlib

from kerasette.backends.base import Backend

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


def _conformance_tests():
    names = set()
    for path in pathlib.Path(__file__).parent.glob("test_*.py"):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        names |= {n for n in dir(module) if n.startswith("test_") and callable(getattr(module, n))}
    return names


def test_special_tests_exist():
    known = _conformance_tests()
    absent = [t for tests in SPECIAL.values() for t in tests if t not in known]
    assert not absent, f"SPECIAL names tests that no tests/conformance/test_*.py defines: {absent}"
