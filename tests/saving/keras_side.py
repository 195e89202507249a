"""The Keras 3 half of the interop tests, run in a subprocess on Keras's PyTorch backend
(eager, so tiny models need no compilation; the test process may hold Keras on JAX).

    python -m tests.saving.keras_side write FOLDER   Keras writes FOLDER/<name>.keras and
                                                     <name>.weights.h5 for every builder,
                                                     and <name>.npz (input, outputs, optimizer state)
    python -m tests.saving.keras_side read MANIFEST  Keras loads the kerasette files listed in the
                                                     JSON manifest and writes what it computes
"""
import json
import os
import sys

import numpy as np


def _state(model):
    return [np.asarray(v.numpy() if hasattr(v, "numpy") else v) for v in model.optimizer.variables]


def write(folder):
    import keras

    from .builders import ALL_BUILDERS, perturb
    for name, build in ALL_BUILDERS.items():
        keras.utils.set_random_seed(0)
        model, x = build(keras)
        perturb(model, seed=3)  # moves BatchNormalization statistics too
        if name == "mlp_sequential":  # objects in the compile config, not only names
            model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
                          loss=keras.losses.MeanSquaredError(),
                          metrics=["mae", keras.metrics.RootMeanSquaredError()])
        else:
            model.compile(optimizer="adam", loss="mse")
        model.optimizer.build(model.trainable_variables)
        rng = np.random.default_rng(4)
        for v in model.optimizer.variables:  # a plausible state after one step
            shape = tuple(v.shape)
            v.assign(np.ones(shape, v.dtype) if "iteration" in v.path else
                     rng.uniform(0.0, 0.01, shape).astype(v.dtype) if shape else np.asarray(0.001, v.dtype))
        model.save(os.path.join(folder, f"{name}.keras"))
        model.save_weights(os.path.join(folder, f"{name}.weights.h5"))
        y = keras.ops.convert_to_numpy(model(x, training=False))
        np.savez(os.path.join(folder, f"{name}.npz"), x=x, y=y,
                 **{f"opt_{i}": s for i, s in enumerate(_state(model))})


def read(manifest):
    import keras

    from .builders import ALL_BUILDERS
    with open(manifest) as f:
        cases = json.load(f)
    for case in cases:
        data = np.load(case["inputs"])
        x = data["x"]
        out = {}
        if case["kind"] == "model":
            model = keras.saving.load_model(case["file"])
            out["iterations"] = np.asarray(int(keras.ops.convert_to_numpy(model.optimizer.iterations)))
            out["optimizer"] = np.asarray(type(model.optimizer).__name__)
            out["momentum"] = np.asarray(float(model.optimizer.get_config().get("momentum", -1)))
            out["loss"] = np.asarray(model.loss if isinstance(model.loss, str) else type(model.loss).__name__)
            for i, s in enumerate(_state(model)):
                out[f"opt_{i}"] = s
        else:
            model, _ = ALL_BUILDERS[case["builder"]](keras)
            model.load_weights(case["file"])
        out["y"] = keras.ops.convert_to_numpy(model(x, training=False))
        np.savez(case["result"], **out)


if __name__ == "__main__":
    {"write": write, "read": read}[sys.argv[1]](sys.argv[2])
