"""Engine choice and global settings (kerasette/config.py).

Precedence: set_backend() > KERASETTE_BACKEND > KERAS_BACKEND (when it names one
of ours) > $KERASETTE_HOME/kerasette.json > 'numpy'. The adapters are replaced
by a stub (``backends.get`` is patched) wherever only the *name* matters, so
these tests need no engine installed.
"""
import json
import os
import subprocess
import sys
import warnings

import pytest

import kerasette
from kerasette import backends, config


class _Stub:
    def __init__(self, name):
        self.name = name


@pytest.fixture
def cfg(monkeypatch, tmp_path):
    """A fresh, unresolved config: no env choice, an empty KERASETTE_HOME, stub adapters."""
    monkeypatch.setattr(config, "_active", None)
    monkeypatch.setattr(config, "_file_loaded", False)
    monkeypatch.setattr(config, "_settings",
                        {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"})
    for var in ("KERASETTE_BACKEND", "KERAS_BACKEND"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KERASETTE_HOME", str(tmp_path))
    monkeypatch.setattr(backends, "get", lambda name=None: _Stub(name))
    return tmp_path


def _write(home, data):
    (home / "kerasette.json").write_text(json.dumps(data))


def test_default_is_numpy(cfg):
    assert config.backend() == "numpy"


def test_file_choice(cfg):
    _write(cfg, {"backend": "jax"})
    assert config.backend() == "jax"


def test_keras_backend_beats_file(cfg, monkeypatch):
    _write(cfg, {"backend": "jax"})
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert config.backend() == "torch"


def test_kerasette_backend_beats_keras_backend(cfg, monkeypatch):
    _write(cfg, {"backend": "jax"})
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    monkeypatch.setenv("KERASETTE_BACKEND", "numpy")
    assert config.backend() == "numpy"


def test_set_backend_beats_everything(cfg, monkeypatch):
    _write(cfg, {"backend": "jax"})
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    monkeypatch.setenv("KERASETTE_BACKEND", "jax")
    config.set_backend("torch")
    assert config.backend() == "torch"


def test_resolved_once(cfg, monkeypatch):
    monkeypatch.setenv("KERASETTE_BACKEND", "torch")
    assert config.backend() == "torch"
    monkeypatch.setenv("KERASETTE_BACKEND", "jax")
    assert config.backend() == "torch", "the choice is resolved once, at first use"


@pytest.mark.parametrize("where", ["env", "file"])
def test_unknown_name_lists_choices(cfg, monkeypatch, where):
    if where == "env":
        monkeypatch.setenv("KERASETTE_BACKEND", "tensorflow")
    else:
        _write(cfg, {"backend": "mxnet"})
    with pytest.raises(ValueError) as info:
        config.backend()
    text = str(info.value)
    assert all(name in text for name in ("numpy", "torch", "jax")), text
    assert ("tensorflow" if where == "env" else "mxnet") in text


def test_unknown_name_in_set_backend(cfg):
    with pytest.raises(ValueError, match="numpy.*torch.*jax"):
        config.set_backend("theano")


def test_keras_backend_naming_another_engine_is_ignored_with_one_warning(cfg, monkeypatch):
    _write(cfg, {"backend": "jax"})
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert config.backend() == "jax"
        assert config.backend() == "jax"
    ours = [w for w in caught if "KERAS_BACKEND" in str(w.message)]
    assert len(ours) == 1, [str(w.message) for w in caught]
    assert "tensorflow" in str(ours[0].message)


def test_keras_backend_tensorflow_falls_back_to_numpy(cfg, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    with pytest.warns(UserWarning, match="KERAS_BACKEND"):
        assert config.backend() == "numpy"


def test_settings_from_file(cfg):
    _write(cfg, {"floatx": "float16", "epsilon": 1e-4, "image_data_format": "channels_first"})
    assert config.floatx() == "float16"
    assert config.epsilon() == 1e-4
    assert config.image_data_format() == "channels_first"


def test_settings_defaults_without_file(cfg):
    assert config.floatx() == "float32"
    assert config.epsilon() == 1e-7
    assert config.image_data_format() == "channels_last"
    assert not os.listdir(cfg), "reading settings must not write a config file"


def test_bad_settings_are_refused(cfg):
    with pytest.raises(ValueError, match="floatx"):
        config.set_floatx("int32")
    with pytest.raises(ValueError, match="image_data_format"):
        config.set_image_data_format("channels_middle")


def test_unreadable_file_raises_value_error_naming_it(cfg):
    (cfg / "kerasette.json").write_text("{not json")
    with pytest.raises(ValueError, match="kerasette.json"):
        config.backend()


# ------------------------------------------------------------ missing engines
@pytest.mark.parametrize("name,package", [("torch", "torch"), ("jax", "jax")])
def test_missing_engine_names_the_pip_package(monkeypatch, name, package):
    """The engine's import fails (simulated via sys.modules): a clear ImportError."""
    monkeypatch.setattr(backends, "_instances", {})
    engine_mods = ("torch",) if name == "torch" else ("jax", "jaxlib")
    for mod in list(sys.modules):
        if mod.split(".")[0] in engine_mods or mod.startswith(f"kerasette.backends.{name}"):
            monkeypatch.delitem(sys.modules, mod)
    for mod in engine_mods:
        monkeypatch.setitem(sys.modules, mod, None)  # makes `import torch` raise ModuleNotFoundError
    with pytest.raises(ImportError) as info:
        backends.get(name)
    assert f"pip install {package}" in str(info.value), str(info.value)
    assert name not in backends.available()


# ------------------------------------------------------------- import hygiene
def test_import_imports_no_engine_and_writes_nothing(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("KERASETTE_BACKEND", "KERAS_BACKEND")}
    env.update(HOME=str(home), KERASETTE_HOME=str(home / ".kerasette"), USERPROFILE=str(home))
    code = (
        "import sys, os\n"
        "import kerasette, kerasette.ops\n"
        "assert 'torch' not in sys.modules, 'importing kerasette imported torch'\n"
        "assert not any(m == 'jax' or m.startswith('jax.') for m in sys.modules), 'importing kerasette imported jax'\n"
        "assert 'KERAS_BACKEND' not in os.environ, 'kerasette set KERAS_BACKEND'\n"
        "print(kerasette.config.floatx(), kerasette.config.backend())\n"
        "assert 'torch' not in sys.modules and 'jax' not in sys.modules, 'the numpy engine imported another engine'\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=str(tmp_path), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["float32", "numpy"]
    written = [os.path.join(d, f) for d, _, files in os.walk(home) for f in files]
    assert not written, f"importing kerasette wrote {written}"
    assert sorted(os.listdir(tmp_path)) == ["home"], "nothing written in the working directory"


def test_package_exposes_config_and_ops():
    assert kerasette.config is config
    assert callable(kerasette.ops.add)
