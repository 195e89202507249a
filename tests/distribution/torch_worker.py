"""One process of the 2-process gloo job of ``test_torch_distribution.py``.

Run with torchrun's environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and
KERASETTE_BACKEND=torch; argv[1] is a scratch folder shared by the processes.
Prints ``CHECK <name> ok`` per check; any failure raises (nonzero exit).
"""
import os
import sys
import time

import numpy as np

import kerasette
from kerasette import callbacks, distribution, layers, models, ops

TOL = 1e-5  # float32 reduction order: the processes sum the gradient halves in another order


def check(name, cond, detail=""):
    if not cond:
        raise AssertionError(f"rank {rank}: {name} failed {detail}")
    print(f"CHECK {name} ok", flush=True)


def mlp():
    kerasette.utils.set_random_seed(1)
    m = models.Sequential([layers.Input((5,)), layers.Dense(8, activation="tanh"), layers.Dense(3)])
    m.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return m


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(71, 5)).astype("float32")  # 71 = 4 batches of 16 + 7 (split 3 / 4)
    y = rng.normal(size=(71, 3)).astype("float32")
    sw = rng.uniform(0.5, 1.5, size=(71,)).astype("float32")
    return x, y, sw


def fit(m, x, y, sw, **kw):
    kerasette.utils.set_random_seed(2)  # the shuffle order
    return m.fit(x, y, sample_weight=sw, batch_size=16, epochs=2, shuffle=True, verbose=0, **kw)


out = sys.argv[1]
x, y, sw = data()

# the single-process reference, before any distribution is set
ref = mlp()
fit(ref, x, y, sw)
ref_eval = ref.evaluate(x, y, batch_size=16, verbose=0)

distribution.initialize()
rank, world = distribution.engine.process_index(), distribution.engine.process_count()
assert world == 2, world
dp = distribution.DataParallel()
check("devices", dp.device_mesh.shape == (2,), dp.device_mesh.shape)

with dp.scope():
    m = mlp()
    if rank == 1:  # different starting weights: rank 0's are broadcast
        m.layers[0].kernel.assign(np.zeros((5, 8), "float32"))
    cbs = [callbacks.CSVLogger(os.path.join(out, f"log{rank}.csv")),
           callbacks.ModelCheckpoint(os.path.join(out, f"ckpt{rank}.weights.h5"),
                                     save_weights_only=True)]
    hist = fit(m, x, y, sw, callbacks=cbs)
    for a, b in zip(ref.get_weights(), m.get_weights()):
        np.testing.assert_allclose(b, a, rtol=TOL, atol=TOL)
    check("fit_weights", True)
    check("fit_logs_global", abs(hist.history["loss"][-1] - ref.history.history["loss"][-1]) < 1e-4,
          (hist.history["loss"], ref.history.history["loss"]))
    got = m.evaluate(x, y, batch_size=16, verbose=0)
    np.testing.assert_allclose(got, ref_eval, rtol=1e-5)
    check("evaluate", True)
    files = sorted(os.listdir(out))
    check("chief_writes", {"log0.csv", "ckpt0.weights.h5"} <= set(files)  # evaluate synced us
          and "log1.csv" not in files and "ckpt1.weights.h5" not in files, files)
    try:
        m.fit(x, y, batch_size=15, epochs=1, verbose=0)
        raise AssertionError("batch 15 over 2 processes was accepted")
    except ValueError as e:
        check("odd_batch", "15" in str(e) and "2" in str(e), str(e))

# ModelParallel: the Dense kernels sharded over the 2 processes, same outputs and gradients
mesh = distribution.DeviceMesh((1, 2), ["batch", "model"])
lm = distribution.LayoutMap(mesh)
lm["dense.*kernel"] = (None, "model")
lm["dense.*bias"] = ("model",)
plain = models.Sequential([layers.Input((5,)), layers.Dense(8, activation="tanh"), layers.Dense(4)])
plain.build((None, 5))


def grads_of(model):
    def loss(values):
        out, _ = model.stateless_call(values, [], ops.convert_to_tensor(x))
        return ops.mean(out ** 2)
    values = [v.value for v in model.trainable_variables]
    return [ops.convert_to_numpy(g) for g in ops.value_and_grad(loss)(values)[1]]


want_out, want_grads = plain.predict(x, verbose=0), grads_of(plain)
plain.compile(optimizer="adam", loss="mse")
start_weights = [w.copy() for w in plain.get_weights()]
plain.fit(x[:32], y[:32, :1].repeat(4, 1), batch_size=16, shuffle=False, verbose=0)
plain_trained = plain.get_weights()
with distribution.ModelParallel(layout_map=lm, batch_dim_name="batch").scope():
    sharded = models.Sequential([layers.Input((5,)), layers.Dense(8, activation="tanh"),
                                 layers.Dense(4)])
    sharded.set_weights(start_weights)
    got = sharded.predict(x, verbose=0)  # places the variables per the LayoutMap
    check("mp_sharded", distribution.engine.runtime().is_sharded(sharded.layers[0].kernel.value))
    np.testing.assert_allclose(got, want_out, rtol=1e-5, atol=1e-6)
    check("mp_outputs", True)
    for a, b in zip(want_grads, grads_of(sharded)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    check("mp_gradients", True)
    sharded.compile(optimizer="adam", loss="mse")
    sharded.fit(x[:32], y[:32, :1].repeat(4, 1), batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(plain_trained, sharded.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    check("mp_fit", True)

# a process that dies: the other stops with a clear error, within the timeout
with dp.scope():
    if rank == 1:
        os._exit(0)
    start = time.time()
    try:
        m.fit(x, y, batch_size=16, epochs=50, verbose=0)
        raise AssertionError("training went on without process 1")
    except RuntimeError as e:
        check("dead_rank", "process" in str(e) and time.time() - start < 20,
              f"{time.time() - start:.1f}s: {e}")
sys.stdout.flush()
os._exit(0)  # no process-group teardown: the peer is gone
