"""Atomic saves, and clear errors for missing, damaged, foreign or newer files."""
import json
import os
import sys
import zipfile

import numpy as np
import pytest

import kerasette
from kerasette import layers, models, saving
from kerasette.saving import h5_weights, keras_file

from .builders import mlp_sequential, perturb


@pytest.fixture(autouse=True)
def numpy_engine():
    """These checks are about files, not engines: run them on NumPy, then restore."""
    previous = kerasette.config._active
    kerasette.config.set_backend("numpy")
    yield
    kerasette.config._active = previous


@pytest.fixture
def saved(tmp_path):
    """A saved model: ``(path, model, x)``."""
    model, x = mlp_sequential(kerasette)
    perturb(model)
    path = tmp_path / "m.keras"
    model.save(path)
    return path, model, x


def _rewrite(src, dst, replace=None, drop=()):
    """Copy a .keras archive, replacing or dropping members."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            if name in drop:
                continue
            zout.writestr(name, replace.get(name, zin.read(name)))


# ------------------------------------------------------------------ atomicity
def test_interrupted_save_keeps_the_previous_file(saved, monkeypatch):
    path, model, x = saved
    before = path.read_bytes()
    expected = model.predict(x, verbose=0)
    perturb(model, seed=9)  # the save that fails would have written different weights
    real = keras_file._write_member
    calls = []

    def failing(zf, name, data):
        calls.append(name)
        if len(calls) == 2:
            raise RuntimeError("disk full (simulated)")
        real(zf, name, data)

    monkeypatch.setattr(keras_file, "_write_member", failing)
    with pytest.raises(RuntimeError, match="simulated"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["m.keras"]  # no temporary file left behind
    monkeypatch.undo()
    np.testing.assert_allclose(saving.load_model(path).predict(x, verbose=0), expected, rtol=1e-6)


def test_interrupted_weights_save_keeps_the_previous_file(saved, monkeypatch):
    path, model, _ = saved
    wpath = path.parent / "w.weights.h5"
    model.save_weights(wpath)
    before = wpath.read_bytes()

    def failing(model, h5file):
        h5file.create_group("layers/half_written")
        raise KeyboardInterrupt  # even an interrupt leaves the old file

    monkeypatch.setattr(h5_weights, "write_state", failing)
    with pytest.raises(KeyboardInterrupt):
        model.save_weights(wpath)
    assert wpath.read_bytes() == before
    assert sorted(os.listdir(path.parent)) == ["m.keras", "w.weights.h5"]


def test_new_file_permissions_follow_umask(saved):
    path, _, _ = saved
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# ------------------------------------------------------------------ bad files
def test_missing_file(tmp_path):
    missing = tmp_path / "nope.keras"
    with pytest.raises(FileNotFoundError, match="nope.keras"):
        saving.load_model(missing)
    with pytest.raises(ValueError, match="File not found"):  # also a ValueError, as in Keras
        saving.load_model(missing)


def test_truncated_file(saved, tmp_path):
    path, _, _ = saved
    data = path.read_bytes()
    cut = tmp_path / "cut.keras"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cut\.keras.*truncated"):
        saving.load_model(cut)


def test_damaged_member(saved, tmp_path):
    path, _, _ = saved
    data = bytearray(path.read_bytes())
    at = data.index(b"\x89HDF") + 600  # inside the stored weights member
    data[at] ^= 0xFF
    bad = tmp_path / "bad.keras"
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"bad\.keras.*damaged"):
        saving.load_model(bad)


def test_empty_and_foreign_files(tmp_path):
    empty = tmp_path / "empty.keras"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.keras is empty"):
        saving.load_model(empty)
    text = tmp_path / "notes.keras"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.keras is not a \.keras file"):
        saving.load_model(text)
    other_zip = tmp_path / "other.keras"
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("readme.txt", "hi")
    with pytest.raises(ValueError, match=r"other\.keras.*no config\.json"):
        saving.load_model(other_zip)


def test_weights_file_given_to_load_model(saved):
    path, model, _ = saved
    wpath = path.parent / "w.weights.h5"
    model.save_weights(wpath)
    with pytest.raises(ValueError, match="load_weights"):
        saving.load_model(wpath)
    junk = path.parent / "junk.weights.h5"
    junk.write_text("junk")
    with pytest.raises(ValueError, match=r"junk\.weights\.h5 is neither an HDF5"):
        model.load_weights(junk)


def test_archive_without_weights(saved, tmp_path):
    path, _, _ = saved
    bad = tmp_path / "noweights.keras"
    _rewrite(path, bad, drop=("model.weights.h5",))
    with pytest.raises(ValueError, match=r"noweights\.keras.*no model\.weights\.h5"):
        saving.load_model(bad)


@pytest.mark.parametrize("metadata,pattern", [
    ({"keras_version": "3.15.1", "kerasette_format_version": 99, "kerasette_version": "9.0"},
     r"newer kerasette \(9\.0\).*format version 99"),
    ({"keras_version": "4.0.0"}, r"Keras 4\.0\.0, a newer file format"),
])
def test_newer_format_is_refused(saved, tmp_path, metadata, pattern):
    path, _, _ = saved
    newer = tmp_path / "newer.keras"
    _rewrite(path, newer, replace={"metadata.json": json.dumps(metadata)})
    with pytest.raises(ValueError, match=r"newer\.keras.*" + pattern):
        saving.load_model(newer)


def test_missing_h5py_says_how_to_install(saved, monkeypatch):
    path, model, _ = saved
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match="pip install h5py"):
        model.save_weights(path.parent / "w.weights.h5")
    with pytest.raises(ImportError, match="pip install h5py"):
        saving.load_model(path)


# ------------------------------------------------------------- custom classes
class Scale(layers.Layer):
    """A custom layer with one weight (deliberately not registered)."""

    def build(self, input_shape):
        self.factor = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="factor")

    def call(self, x):
        return x * self.factor


@saving.register_keras_serializable(package="kerasette_tests")
class RegisteredScale(Scale):
    pass


def _custom_model(cls):
    inp = layers.Input(shape=(3,))
    return models.Model(inp, layers.Dense(2)(cls(name="scale")(inp)))


def test_unregistered_custom_layer_says_how_to_register(tmp_path):
    model = _custom_model(Scale)
    model.save(tmp_path / "c.keras")
    with pytest.raises(ValueError) as err:
        saving.load_model(tmp_path / "c.keras")
    message = str(err.value)
    assert "c.keras" in message and "Scale" in message
    assert "custom_objects" in message and "register_keras_serializable" in message

    x = np.ones((2, 3), "float32")
    loaded = saving.load_model(tmp_path / "c.keras", custom_objects={"Scale": Scale})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    with saving.custom_object_scope({"Scale": Scale}):
        saving.load_model(tmp_path / "c.keras")


def test_registered_custom_layer_loads_without_help(tmp_path):
    model = _custom_model(RegisteredScale)
    model.save(tmp_path / "r.keras")
    cfg = json.loads(zipfile.ZipFile(tmp_path / "r.keras").read("config.json"))
    scale_cfg = [l for l in cfg["config"]["layers"] if l["config"].get("name") == "scale"][0]
    assert scale_cfg["registered_name"] == "kerasette_tests>RegisteredScale"
    loaded = saving.load_model(tmp_path / "r.keras")
    assert isinstance(loaded.get_layer("scale"), RegisteredScale)


def test_custom_loss_needs_registration_or_custom_objects(tmp_path):
    def my_loss(y_true, y_pred):
        return kerasette.ops.mean(kerasette.ops.abs(y_true - y_pred), axis=-1)

    model, _ = mlp_sequential(kerasette)
    model.compile("sgd", loss=my_loss)
    model.save(tmp_path / "l.keras")
    with pytest.raises(ValueError, match=r"my_loss.*custom_objects.*compile=False"):
        saving.load_model(tmp_path / "l.keras")
    loaded = saving.load_model(tmp_path / "l.keras", custom_objects={"my_loss": my_loss})
    assert loaded.loss is my_loss
    assert not saving.load_model(tmp_path / "l.keras", compile=False).compiled


# ------------------------------------------------- interrupted and failed saves
_SAVE_SCRIPT = """
import os, resource, signal, sys
import numpy as np
from kerasette import layers, models
model = models.Sequential([layers.Input((64,)), layers.Dense(256), layers.Dense(10)])
model.predict(np.zeros((1, 64), "float32"), verbose=0)
if sys.argv[2] == "limit":
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
try:
    model.save(sys.argv[1])
except OSError as e:
    print("ERROR:", e)
"""


def _run_save(path, mode):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-c", _SAVE_SCRIPT, str(path), mode], capture_output=True,
                          text=True, timeout=120, env={**__import__("os").environ, "KERASETTE_BACKEND": "numpy"})


def test_a_failed_write_names_the_file_and_keeps_the_old_one(tmp_path):
    target = tmp_path / "m.keras"
    target.write_bytes(b"old content")
    out = _run_save(target, "limit").stdout
    assert "Could not save" in out and str(target) in out and "File too large" in out
    assert target.read_bytes() == b"old content"
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_temp_files_of_killed_savers_are_removed_by_the_next_save(tmp_path):
    import subprocess
    import sys
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, timeout=60).stdout.strip()
    stale = tmp_path / f".m.keras.{dead}.abc123.tmp"
    stale.write_bytes(b"x" * 1000)
    other = tmp_path / ".other.keras.1.abc.tmp"  # another target's: left alone
    other.write_bytes(b"y")
    _run_save(tmp_path / "m.keras", "plain")
    assert not stale.exists() and other.exists() and (tmp_path / "m.keras").stat().st_size > 1000


def test_a_file_holding_a_bare_layer_says_so(tmp_path):
    import json
    import zipfile
    from kerasette.saving.serialization_lib import serialize_keras_object
    cfg = serialize_keras_object(layers.Dense(3))
    path = tmp_path / "layer.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        z.writestr("config.json", json.dumps(cfg))
        z.writestr("model.weights.h5", b"")
    with pytest.raises(ValueError, match="holds a single Dense layer .* not a model"):
        saving.load_model(path)
