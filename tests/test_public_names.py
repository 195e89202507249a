"""kerasette's public names against Keras 3's, module by module. A name Keras has and
kerasette lacks fails the test unless it is listed below with the reason it is left
out. (``keras.ops`` and its namespaces: ``tests/test_ops_surface.py``.)"""
import importlib

import pytest

TENSORFLOW_ONLY = "needs TensorFlow (tf.data / SavedModel), which kerasette does not use"

LEFT_OUT = {
    "utils": {
        "FeatureSpace": TENSORFLOW_ONLY + ": its preprocessing graph is a tf.data pipeline",
        "legacy": "Keras 2 SavedModel/h5 helpers (TensorFlow)",
    },
    "config": {},
    "dtype_policies": {
        **{n: "quantization (int8/int4/float8/GPTQ/AWQ) is not offered"
           for n in ("AWQDTypePolicy", "GPTQDTypePolicy", "Int4DTypePolicy",
                     "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy")},
        "DTypePolicyMap": "per-path policies serve Keras's quantization and distribution; "
                          "not offered yet",
    },
    "mixed_precision": {},
    "saving": {},
    "backend": {},
    "layers": {"TFSMLayer": TENSORFLOW_ONLY + ": it loads a TensorFlow SavedModel"},
    "losses": {},
    "metrics": {},
    "optimizers": {"legacy": "Keras 2's TensorFlow optimizers"},
    "callbacks": {"OrbaxCheckpoint": "Orbax checkpointing (JAX/TensorFlow's checkpoint library); "
                                     "kerasette's ModelCheckpoint/BackupAndRestore write .keras "
                                     "and .weights.h5 files"},
    "activations": {},
    "initializers": {},
    "regularizers": {},
    "constraints": {},
    "wrappers": {},
    "distribution": {},
    "models": {},
    "datasets": {},
    "random": {},
    "tree": {},
}


def _missing(keras_module, module):
    theirs = importlib.import_module(f"keras.{module}")
    ours = importlib.import_module(f"kerasette.{module}")
    names = sorted(n for n in dir(theirs) if not n.startswith("_"))
    return [n for n in names if not hasattr(ours, n) and n not in LEFT_OUT[module]]


@pytest.mark.keras_oracle
@pytest.mark.parametrize("module", sorted(LEFT_OUT))
def test_every_public_name_exists(keras_module, module):
    missing = _missing(keras_module, module)
    assert not missing, f"kerasette.{module} lacks Keras's {missing}"


@pytest.mark.keras_oracle
@pytest.mark.parametrize("module", sorted(LEFT_OUT))
def test_left_out_names_are_really_absent_and_in_keras(keras_module, module):
    theirs = importlib.import_module(f"keras.{module}")
    ours = importlib.import_module(f"kerasette.{module}")
    for name in LEFT_OUT[module]:
        assert hasattr(theirs, name), f"keras.{module}.{name} no longer exists: drop it from LEFT_OUT"
        assert not hasattr(ours, name), f"kerasette.{module}.{name} exists now: drop it from LEFT_OUT"


def test_utils_backend_and_saving_helpers():
    from kerasette import backend, saving, utils
    from kerasette.layers import Input, Dense, Concatenate
    a, b = Input((2,)), Input((3,))
    out = Dense(1)(Concatenate()([a, b]))
    assert utils.get_source_inputs(out) == [a, b] and utils.is_keras_tensor(out)
    assert not backend.is_keras_tensor(1.0)
    assert backend.get_uid("zz") + 1 == backend.get_uid("zz")
    backend.clear_session()
    assert backend.get_uid("zz") == 1
    assert backend.standardize_dtype(None) == "float32" and backend.standardize_dtype(int) == "int32"
    assert backend.is_float_dtype("bfloat16") and backend.is_int_dtype("uint8") and not backend.is_int_dtype("bool")
    assert utils.get_custom_objects() is saving.get_custom_objects()

    @utils.register_keras_serializable(package="names_test")
    class Scale(Dense):
        pass
    assert utils.get_registered_name(Scale) == "names_test>Scale"
    assert saving.get_registered_object("names_test>Scale") is Scale
    with utils.custom_object_scope({"Other": Dense}):
        assert utils.get_registered_object("Other") is Dense
    assert utils.get_registered_object("Other") is None
    c = utils.Config(lr=0.1)
    c.layers = 3
    c.freeze()
    with pytest.raises(ValueError, match="frozen"):
        c.lr = 1.0
    assert c.to_json() == '{"lr": 0.1, "layers": 3}'


def test_interactive_logging_switch(caplog, capsys):
    import logging

    from kerasette import config, utils
    utils.disable_interactive_logging()
    try:
        assert not utils.is_interactive_logging_enabled()
        with caplog.at_level(logging.INFO, logger="kerasette"):
            bar = utils.Progbar(2, stream=None)
            bar.update(2, finalize=True)
        assert capsys.readouterr().out == "" and "2/2" in caplog.text
    finally:
        config.enable_interactive_logging()
