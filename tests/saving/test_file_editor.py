"""``saving.KerasFileEditor`` on files written by kerasette and by Keras 3."""
import numpy as np
import pytest

import kerasette
from kerasette.saving import KerasFileEditor

pytest.importorskip("h5py")


def _model(K, extra=False):
    layers = [K.Input((3,)), K.layers.Dense(4, name="d1"), K.layers.Dense(2, name="d2")]
    if extra:
        layers.append(K.layers.Dense(1, name="d3"))
    return K.Sequential(layers, name="seq")


def test_edit_a_kerasette_file(engine, tmp_path, capsys):
    model = _model(kerasette)
    model.compile("adam", "mse")
    model.optimizer.build(model.trainable_variables)
    model.save(tmp_path / "a.keras")
    editor = KerasFileEditor(tmp_path / "a.keras")
    assert editor.metadata["keras_version"] and editor.config["class_name"] == "Sequential"
    editor.summary()
    out = capsys.readouterr().out
    assert "dense ('d1')" in out and "0: shape=(3, 4), dtype=float32" in out
    assert editor.compare(model) == {"status": "success", "error_count": 0, "match_count": 14}

    bigger = _model(kerasette, extra=True)
    result = editor.compare(bigger)  # a layer missing from the file, an optimizer the model lacks
    assert (result["status"], result["error_count"]) == ("error", 2)
    assert "/layers/dense_2 present in reference model, missing from saved file" in capsys.readouterr().out
    editor.delete_object("optimizer")
    editor.add_object("layers/dense_2", {"0": np.full((2, 1), 2.0), "1": np.zeros(1)})
    assert editor.compare(bigger)["status"] == "success"
    editor.save(tmp_path / "b.weights.h5")
    bigger.load_weights(tmp_path / "b.weights.h5")
    np.testing.assert_array_equal(bigger.get_layer("d3").get_weights()[0], np.full((2, 1), 2.0))
    np.testing.assert_array_equal(bigger.get_layer("d1").get_weights()[0],
                                  model.get_layer("d1").get_weights()[0])

    editor.delete_weight("dense_2", "1")
    editor.add_weights("layers/dense_2", {"1": np.ones(1)})
    assert editor.weights_dict["layers"]["dense_2"]["1"].tolist() == [1.0]
    editor.rename_object("dense_2", "dense_9")
    assert list(editor.weights_dict["layers"]) == ["dense", "dense_1", "dense_9"]


def test_editor_errors(tmp_path):
    model = _model(kerasette)
    model.save_weights(tmp_path / "w.weights.h5")
    editor = KerasFileEditor(tmp_path / "w.weights.h5")
    editor.add_object("dense", {"0": np.zeros(1)})  # a second object called 'dense'
    with pytest.raises(ValueError, match="'dense' occurs more than once"):
        editor.delete_object("dense")
    with pytest.raises(ValueError, match="Path 'layers/nope' not found"):
        editor.delete_object("layers/nope")
    with pytest.raises(ValueError, match="'nope' does not appear"):
        editor.rename_object("nope", "x")
    with pytest.raises(ValueError, match="leaf name"):
        editor.rename_object("layers/dense", "a/b")
    with pytest.raises(ValueError, match="Weight 7 not found in object layers/dense_1"):
        editor.delete_weight("layers/dense_1", "7")
    with pytest.raises(ValueError, match="should be a dict"):
        editor.add_weights("dense_1", [np.zeros(1)])
    with pytest.raises(ValueError, match="Path 'nothing' not found"):
        editor.add_object("nothing/dense", {})
    with pytest.raises(ValueError, match="expected a `.weights.h5` extension"):
        editor.save(tmp_path / "x.h5")
    with pytest.raises(ValueError, match="expected a `.keras` or `.weights.h5`"):
        KerasFileEditor(tmp_path / "w.h5")
    (tmp_path / "bad.keras").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="bad.keras is not a .keras file"):
        KerasFileEditor(tmp_path / "bad.keras")


@pytest.mark.keras_oracle
def test_edit_a_keras_file_and_match_keras_editor(keras_module, tmp_path, capsys):
    theirs = _model(keras_module)
    theirs.save(str(tmp_path / "k.keras"))
    x = np.linspace(0, 1, 6, dtype="float32").reshape(2, 3)
    expected = np.asarray(theirs.predict(x, verbose=0))
    editor = KerasFileEditor(tmp_path / "k.keras")
    keras_editor = keras_module.saving.KerasFileEditor(str(tmp_path / "k.keras"))
    ours = _model(kerasette)
    mine, keras_result = editor.compare(ours), keras_editor.compare(theirs)
    # Keras's match_count adds nested counts twice (6 for these 4 weights); ours counts weights
    assert (mine["status"], mine["error_count"], mine["match_count"]) == \
        (keras_result["status"], keras_result["error_count"], 4)
    editor.rename_object("dense_1", "dense_7")
    keras_editor.rename_object("dense_1", "dense_7")
    editor.save(tmp_path / "ours.weights.h5")
    # Keras reads kerasette's edited file to the same weights as its own edit
    reread = keras_module.saving.KerasFileEditor(str(tmp_path / "ours.weights.h5")).weights_dict
    for name in ("dense", "dense_7"):
        for i in ("0", "1"):
            np.testing.assert_array_equal(reread["layers"][name][i],
                                          keras_editor.weights_dict["layers"][name][i])
    editor.rename_object("dense_7", "dense_1")
    editor.save(tmp_path / "back.weights.h5")
    ours.load_weights(tmp_path / "back.weights.h5")
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-6)
    capsys.readouterr()
