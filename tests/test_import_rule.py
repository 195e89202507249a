"""The one rule (DESIGN.md): only ``kerasette/backends/<name>/`` may import its
engine -- torch in ``backends/torch/``, jax/jaxlib in ``backends/jax/`` -- and
nothing in kerasette imports ``keras``. Checked by scanning every module's AST:
``import x``, ``from x import y``, and ``importlib.import_module("x")`` /
``__import__("x")`` with a constant name.
"""
import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "kerasette"
OWNERS = {"torch": "backends/torch", "jax": "backends/jax", "jaxlib": "backends/jax"}
FORBIDDEN = {"keras", "tf_keras", "tensorflow"}


def imported_modules(tree):
    """(line, top-level module name) for every absolute import in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            if name in ("import_module", "__import__") and not node.args[0].value.startswith("."):
                yield node.lineno, node.args[0].value.split(".")[0]


def violations(root=PACKAGE):
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, mod in imported_modules(tree):
            if mod in FORBIDDEN:
                found.append(f"kerasette/{rel}:{line} imports {mod} (kerasette never imports Keras)")
            elif mod in OWNERS and not rel.startswith(OWNERS[mod] + "/"):
                found.append(f"kerasette/{rel}:{line} imports {mod}; only kerasette/{OWNERS[mod]}/ may")
    return found


def test_engines_are_imported_only_by_their_adapter():
    found = violations()
    assert not found, "import rule broken:\n" + "\n".join(found)


def test_scanner_catches_violations(tmp_path):
    (tmp_path / "backends" / "torch").mkdir(parents=True)
    (tmp_path / "backends" / "jax").mkdir(parents=True)
    (tmp_path / "backends" / "torch" / "ok.py").write_text("import torch.nn.functional as F\n")
    (tmp_path / "backends" / "jax" / "ok.py").write_text("from jax import numpy as jnp\nimport jaxlib\n")
    (tmp_path / "backends" / "jax" / "bad.py").write_text("import torch\n")
    (tmp_path / "layers.py").write_text(
        "import numpy\nimport kerasette\ndef f():\n    from jax import lax\n"
        "import importlib\nm = importlib.import_module('torch')\nfrom keras import ops\n")
    found = violations(tmp_path)
    assert len(found) == 4, found
    assert any("bad.py:1 imports torch" in v for v in found)
    assert any("layers.py:4 imports jax" in v for v in found)
    assert any("layers.py:6 imports torch" in v for v in found)
    assert any("layers.py:7 imports keras" in v for v in found)


@pytest.mark.parametrize("engine_dir", ["numpy", "torch", "jax"])
def test_adapter_folders_exist(engine_dir):
    assert (PACKAGE / "backends" / engine_dir / "__init__.py").exists()


def _package_imports(path):
    """Absolute dotted names of the kerasette modules ``path`` imports (relative imports resolved)."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = rel[:-1] if rel[-1] != "__init__" else rel[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            names = [".".join(base + tuple((node.module or "").split(".")))] if node.module else []
            names += [".".join(base + (a.name,)) for a in node.names] if not node.module else []
            yield from (n.rstrip(".") for n in names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names)


def test_layers_know_no_model():
    """DESIGN.md: ``layers/`` never imports ``models/`` (serialization lives in ``saving/``)."""
    found = [f"{p.relative_to(PACKAGE.parent)} imports {name}"
             for p in sorted((PACKAGE / "layers").rglob("*.py")) for name in _package_imports(p)
             if name == "kerasette.models" or name.startswith("kerasette.models.")]
    assert not found, "\n".join(found)
