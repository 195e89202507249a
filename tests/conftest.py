"""Shared fixtures for the whole test suite.

* ``engine``: parametrizes a test over every engine whose adapter imports here
  (ids ``numpy``/``torch``/``jax``), makes it the active backend for the test
  and yields the adapter. ``KERASETTE_TEST_ENGINES=numpy,torch`` narrows the set.
* ``engines``: a dict name -> adapter of all of them, for cross-engine checks.
* ``keras_module``: Keras 3 itself, for tests marked ``@pytest.mark.keras_oracle``;
  those tests are skipped cleanly when Keras cannot be imported.
* A Hypothesis profile (``kerasette``) with no deadline and few examples: CI has
  two cores and the suite must stay quick. ``HYPOTHESIS_PROFILE=thorough`` for more.
"""
from __future__ import annotations

import contextlib
import os

# Threads: set before torch (or anything using OpenMP) is imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")

try:  # noqa: SIM105
    import torch as _torch
except ImportError:
    _torch = None
else:
    _torch.set_num_threads(1)

import pytest

from kerasette import config
from kerasette import backends as _backends

try:
    from hypothesis import HealthCheck, settings as _hsettings
except ImportError:  # hypothesis is a dev dependency; tests using it import it themselves
    _hsettings = None
else:
    _checks = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
               HealthCheck.data_too_large]
    _hsettings.register_profile("kerasette", deadline=None, max_examples=15, database=None,
                                suppress_health_check=_checks, derandomize=True)
    _hsettings.register_profile("thorough", deadline=None, max_examples=200, database=None,
                                suppress_health_check=_checks)
    _hsettings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "kerasette"))

ENGINE_NAMES = ("numpy", "torch", "jax")


def _probe_engines():
    """(usable names, {name: error}) -- an engine that is not installed is left
    out; an adapter that is installed but fails to load is kept, so its tests
    fail loudly instead of vanishing."""
    wanted = os.environ.get("KERASETTE_TEST_ENGINES")
    names = [n.strip() for n in wanted.split(",")] if wanted else list(ENGINE_NAMES)
    usable, broken = [], {}
    for name in names:
        try:
            _backends.get(name)
        except ImportError as e:
            if _engine_missing(e):
                continue
            broken[name] = e
        except Exception as e:  # noqa: BLE001 -- reported by the fixture
            broken[name] = e
        usable.append(name)
    return usable, broken


def _engine_missing(err):
    """True when the ImportError is about the engine package itself."""
    text = str(err)
    return "pip install" in text or getattr(err, "name", None) in ("torch", "jax", "jaxlib")


ENGINES, BROKEN_ENGINES = _probe_engines()


def _adapter(name):
    if name in BROKEN_ENGINES:
        err = BROKEN_ENGINES[name]
        pytest.fail(f"the {name} adapter failed to load: {type(err).__name__}: {err}")
    return _backends.get(name)


@contextlib.contextmanager
def active_engine(name):
    """Make engine ``name`` the active backend inside the block; yields its adapter."""
    adapter = _adapter(name)
    previous = config._active
    config.set_backend(name)
    try:
        yield adapter
    finally:
        config._active = previous


@pytest.fixture(params=ENGINES, ids=ENGINES)
def engine(request):
    """The adapter of one engine, made the active backend for the test."""
    with active_engine(request.param) as adapter:
        yield adapter


@pytest.fixture
def numpy_engine():
    """The NumPy engine, active for the test (for tests of its tape and its replay)."""
    with active_engine("numpy") as adapter:
        yield adapter


@pytest.fixture
def engines():
    """All adapters that load, name -> adapter (for cross-engine comparisons); a
    broken adapter is left out here and fails through ``engine``."""
    return {name: _backends.get(name) for name in ENGINES if name not in BROKEN_ENGINES}


@pytest.fixture(scope="session")
def keras_module():
    """Keras 3, imported once; skips the test when it cannot be imported.

    When ``KERAS_BACKEND`` is unset (Keras would pick TensorFlow), Keras is
    imported on JAX or torch, whichever is installed; the variable is restored
    afterwards, so kerasette's own engine resolution never sees it.
    """
    with pytest.MonkeyPatch.context() as mp:
        if not os.environ.get("KERAS_BACKEND"):
            for name in ("jax", "torch"):
                if name in ENGINES and name not in BROKEN_ENGINES:
                    mp.setenv("KERAS_BACKEND", name)
                    break
        try:
            import keras
        except Exception as e:  # noqa: BLE001 -- any import failure means "no oracle here"
            pytest.skip(f"keras is not importable here ({type(e).__name__}: {e})")
    return keras


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "keras_oracle: compares with Keras 3 itself; skipped when keras is not installed")


def pytest_collection_modifyitems(config, items):
    """A test marked ``keras_oracle`` gets the ``keras_module`` fixture, so it skips
    cleanly when Keras is missing even if it does not name the fixture."""
    for item in items:
        if item.get_closest_marker("keras_oracle") and hasattr(item, "fixturenames"):
            if "keras_module" not in item.fixturenames:
                item.fixturenames.insert(0, "keras_module")
