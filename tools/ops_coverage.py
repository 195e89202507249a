"""Print how much of ``keras.ops`` kerasette has, and how much of it is checked.

Counts Keras 3.15's public op names (top level plus the ``nn``, ``image``,
``linalg`` and ``numpy`` namespaces, each name once), how many exist in
``kerasette.ops``, how many have a conformance case (run on every engine:
value against a float64 reference, gradient against finite differences and
the other engines), and how many have a case checked against ``keras.ops``
itself. Run from the repository root: ``python tools/ops_coverage.py``.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import kerasette.ops as kops  # noqa: E402
from kerasette.ops._keras_names import KERAS_OPS  # noqa: E402
from tests.conformance.cases import CASES, SPECIAL  # noqa: E402


def keras_names():
    names = set(KERAS_OPS)
    for ns in ("nn", "image", "linalg", "numpy"):
        names |= set(importlib.import_module(f"kerasette.ops.{ns}").NAMES)
    return sorted(names)


def method_of(name):
    fn = getattr(kops, name, None)
    return getattr(fn, "_kerasette_method", None) or kops._ALIASES.get(name, name)


def main():
    names = keras_names()
    present = [n for n in names if callable(getattr(kops, n, None))]
    cased = {c.method for c in CASES} | set(SPECIAL)
    oracle = {c.method for c in CASES if c.keras is not None}
    graded = {c.method for c in CASES if c.diff}
    checked = [n for n in present if method_of(n) in cased]
    against_keras = [n for n in present if method_of(n) in oracle]
    with_grads = [n for n in present if method_of(n) in graded]
    print(f"keras.ops public names (top level + nn/image/linalg/numpy): {len(names)}")
    print(f"  in kerasette.ops:                         {len(present)}")
    print(f"  with a conformance case on every engine:  {len(checked)}")
    print(f"  with a gradient case (FD + cross-engine): {len(with_grads)}")
    print(f"  checked against keras.ops itself:         {len(against_keras)}")
    print(f"conformance cases: {len(CASES)} ({sum(1 for c in CASES if c.keras is not None)} with a Keras oracle)")
    missing = sorted(set(names) - set(present))
    if missing:
        print("missing:", " ".join(missing))


if __name__ == "__main__":
    main()
