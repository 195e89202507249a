"""Run by test_jax_distribution.py in a subprocess with 8 virtual CPU devices
(``XLA_FLAGS=--xla_force_host_platform_device_count=8``); prints one JSON line.

Checks: DataParallel fit/evaluate over 8 devices against one device (same global
batch); ModelParallel (2 x 4 mesh, LayoutMap) on a Dense + attention model
against unsharded outputs and gradients, with the kernels really sharded.
"""
import json
import os
import sys
import warnings

os.environ["KERASETTE_BACKEND"] = "jax"

import numpy as np  # noqa: E402

import kerasette  # noqa: E402
from kerasette import distribution as dist  # noqa: E402
from kerasette import layers  # noqa: E402

out = {"devices": dist.list_devices()}
rng = np.random.default_rng(0)


def max_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(u) - np.asarray(v)))) for u, v in zip(a, b))


# ---------------------------------------------------------------- DataParallel
def mlp():
    kerasette.utils.set_random_seed(1)
    m = kerasette.Sequential([layers.Input((6,)), layers.Dense(16, activation="relu"), layers.Dense(3)])
    m.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return m


# 68 rows in batches of 16: the last batch (4 rows) does not split over 8 devices and is replicated
x = rng.normal(size=(68, 6)).astype("float32")
y = rng.normal(size=(68, 3)).astype("float32")
single = mlp()
single.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
ev_single = single.evaluate(x, y, batch_size=16, verbose=0)

data_parallel = dist.DataParallel()
with data_parallel.scope():
    dp = mlp()
dp.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
ev_dp = dp.evaluate(x, y, batch_size=16, verbose=0)
out["dp_weights_diff"] = max_diff(single.get_weights(), dp.get_weights())
out["dp_eval"] = [ev_single, ev_dp]
out["dp_kernel_spec"] = str(dp.layers[0].kernel.value.sharding.spec)
out["dp_kernel_devices"] = len(dp.layers[0].kernel.value.sharding.device_set)
out["dp_slot_devices"] = len(dp.optimizer.variables[-1].value.sharding.device_set)
batch = dp._feeder()(x[:16])
out["dp_batch_shard_rows"] = [s.data.shape[0] for s in batch.addressable_shards]
try:
    dp.fit(x, y, batch_size=12, epochs=1, verbose=0)
except ValueError as e:
    out["dp_bad_batch"] = str(e)

# --------------------------------------------------------------- ModelParallel
def attention_model():
    kerasette.utils.set_random_seed(2)
    inp = layers.Input((4, 8))
    h = layers.Dense(16, name="up")(inp)
    a = layers.MultiHeadAttention(num_heads=4, key_dim=4, name="mha")(h, h)
    m = kerasette.Model(inp, layers.Dense(2, name="down")(layers.GlobalAveragePooling1D()(a)))
    m.compile(optimizer=kerasette.optimizers.SGD(learning_rate=1.0, momentum=0.5), loss="mse")
    return m


xa = rng.normal(size=(8, 4, 8)).astype("float32")
ya = rng.normal(size=(8, 2)).astype("float32")
plain = attention_model()
mesh = dist.DeviceMesh((2, 4), ["batch", "model"])
layout_map = dist.LayoutMap(mesh)
layout_map["up/kernel"] = (None, "model")
layout_map["(query|key|value)/kernel"] = (None, "model", None)
layout_map["attention_output/kernel"] = ("model", None, None)
layout_map["down/kernel"] = ("model", None)
layout_map["no_such_layer.*"] = (None,)
model_parallel = dist.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
with model_parallel.scope(), warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    sharded = attention_model()
    outputs = sharded.predict(xa, verbose=0)
    out["mp_outputs_diff"] = float(np.max(np.abs(plain.predict(xa, verbose=0) - outputs)))
    before = sharded.get_weights()
    sharded.train_on_batch(xa, ya)  # SGD(1.0): the first change is minus the gradient
out["mp_warnings"] = [str(w.message) for w in caught if "LayoutMap" in str(w.message)]
p_before = plain.get_weights()
plain.train_on_batch(xa, ya)
grads_plain = [b - a for a, b in zip(plain.get_weights(), p_before)]
grads_sharded = [b - a for a, b in zip(sharded.get_weights(), before)]
out["mp_grads_diff"] = max_diff(grads_plain, grads_sharded)
out["mp_grads_max"] = max(float(np.max(np.abs(g))) for g in grads_plain)
kernels = {v.path: v for v in sharded.weights}
out["mp_specs"] = {p: str(kernels[p].value.sharding.spec) for p in ("up/kernel", "query/kernel",
                                                                    "attention_output/kernel", "up/bias")}
out["mp_up_shard_shape"] = list(kernels["up/kernel"].value.addressable_shards[0].data.shape)
slot = [v for v in sharded.optimizer.variables if tuple(v.shape) == (8, 16)]
out["mp_slots_like_kernel"] = [str(v.value.sharding.spec) for v in slot]
bad = dist.LayoutMap(mesh)
bad["up/kernel"] = ("model",)
try:
    with dist.ModelParallel(layout_map=bad).scope():
        attention_model()
except ValueError as e:
    out["mp_bad_rank"] = str(e)
json.dump(out, sys.stdout)
print()
