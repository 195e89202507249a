"""``kerasette.ops`` has every public name of ``keras.ops`` (3.15) and of its
namespaces ``nn``, ``image``, ``linalg`` and ``numpy``; ``kerasette.random`` and
``kerasette.tree`` have Keras's. Names left out on purpose are listed with why."""
import importlib

import pytest

import kerasette.ops as kops
from kerasette.ops._keras_names import KERAS_OPS

# name -> why kerasette does not offer it (empty: everything is offered)
LEFT_OUT = {}

NAMESPACES = ("nn", "image", "linalg", "numpy")


def _missing(module, names):
    return sorted(n for n in names if n not in LEFT_OUT and not callable(getattr(module, n, None)))


def test_every_keras_ops_name_exists():
    missing = _missing(kops, KERAS_OPS)
    assert not missing, f"{len(missing)} keras.ops names missing from kerasette.ops: {' '.join(missing)}"


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_namespace_name_exists(namespace):
    module = importlib.import_module(f"kerasette.ops.{namespace}")
    missing = _missing(module, module.NAMES)
    assert not missing, f"kerasette.ops.{namespace} lacks: {' '.join(missing)}"


@pytest.mark.keras_oracle
@pytest.mark.parametrize("namespace", ("",) + NAMESPACES)
def test_name_lists_match_installed_keras(keras_module, namespace):
    kmod = keras_module.ops if not namespace else getattr(keras_module.ops, namespace)
    ours = KERAS_OPS if not namespace else importlib.import_module(f"kerasette.ops.{namespace}").NAMES
    theirs = {n for n in dir(kmod) if not n.startswith("_") and (namespace or callable(getattr(kmod, n)))}
    assert not sorted(theirs - set(ours)), f"Keras has names our lists lack: {sorted(theirs - set(ours))}"
