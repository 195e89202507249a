"""One process of a 2-process JAX job (test_jax_distribution.py launches two, each
with 2 virtual CPU devices, joined through ``distribution.initialize()`` on
127.0.0.1): DataParallel fit over the job's 4 devices against a single-device
fit in the same process; prints one JSON line."""
import json
import os
import sys

os.environ["KERASETTE_BACKEND"] = "jax"

import numpy as np  # noqa: E402

import kerasette  # noqa: E402
from kerasette import distribution as dist  # noqa: E402
from kerasette import layers  # noqa: E402

dist.initialize()  # from KERAS_DISTRIBUTION_JOB_ADDRESSES / _NUM_PROCESSES / _PROCESS_ID


def mlp():
    kerasette.utils.set_random_seed(1)
    m = kerasette.Sequential([layers.Input((6,)), layers.Dense(16, activation="relu"), layers.Dense(3)])
    m.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return m


rng = np.random.default_rng(0)
x = rng.normal(size=(68, 6)).astype("float32")  # the last batch of 4 is replicated, not split
y = rng.normal(size=(68, 3)).astype("float32")
single = mlp()
single.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
data_parallel = dist.DataParallel()
with data_parallel.scope():
    parallel = mlp()
    parallel.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    evaluated = parallel.evaluate(x, y, batch_size=16, verbose=0)
json.dump({"process": data_parallel.data_shard_id, "processes": data_parallel.num_processes,
           "replicas": data_parallel.num_model_replicas,
           "weights_diff": max(float(np.max(np.abs(a - b))) for a, b in
                               zip(single.get_weights(), parallel.get_weights())),
           "eval": [single.evaluate(x, y, batch_size=16, verbose=0), evaluated]}, sys.stdout)
print()
