"""One measurement in a fresh interpreter: ``run.py`` starts this once per (workload,
implementation, engine, repeat) and reads the last stdout line (``RESULT {json}``).

    python benchmarks/worker.py --impl kerasette --engine torch --workload mlp

Measures: time to the first finished training step (model build, compile, trace and
the step), per-epoch training time over ``--epochs`` epochs of ``--steps`` batches
(after a warm-up epoch), ``predict`` throughput, peak RSS, and the CPU time the
process got during the timed epochs (far below the wall time: another process
took the cores). With ``--memory-epochs N`` it instead trains N short epochs and
records the RSS after each one.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

from workloads import WORKLOADS, build_model, make_data  # noqa: E402


class KerasAPIRunner:
    """kerasette or Keras 3, through the public API only: ``fit`` and ``predict``."""

    def __init__(self, lib, name, batch, jit_compile):
        lib.utils.set_random_seed(0)
        self.model = build_model(lib, name)
        if jit_compile is not None:
            self.model.compile(optimizer=self.model.optimizer, loss=self.model.loss,
                               metrics=None if name == "tiny" else ["accuracy"],
                               jit_compile=jit_compile)
        self.batch = batch

    def host(self, x, y):
        return x, y

    def train_epoch(self, data):
        h = self.model.fit(data[0], data[1], batch_size=self.batch, epochs=1, verbose=0,
                           shuffle=True)
        return h.history["loss"][-1]

    def predict(self, data):
        return self.model.predict(data[0], batch_size=self.batch, verbose=0)


def _rss_now_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _limit_torch_threads():
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # already started
            pass


def load(impl, engine):
    """Import the library and the engine; returns ``factory(name, batch, jit_compile)``."""
    if impl == "kerasette":
        import kerasette
        kerasette.config.set_backend(engine)
        kerasette.ops.zeros((1,))  # imports the engine now, not inside the timed build
        _limit_torch_threads()
        return lambda name, batch, jit: KerasAPIRunner(kerasette, name, batch, jit)
    if impl == "keras":
        os.environ["KERAS_BACKEND"] = engine
        import keras
        _limit_torch_threads()
        return lambda name, batch, jit: KerasAPIRunner(keras, name, batch, jit)
    if impl == "raw":
        module = __import__({"numpy": "raw_numpy", "torch": "raw_torch", "jax": "raw_jax"}[engine])
        _limit_torch_threads()
        return lambda name, batch, jit: module.Runner(name, batch)
    raise ValueError(f"unknown implementation {impl!r}")


def pin_to_cores(n):
    """Run on ``n`` cores only (the last ones this process may use), before any engine
    starts its thread pools: XLA sizes its pool from the cores it may run on."""
    if n <= 0 or not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    cores = set(allowed[-n:])
    os.sched_setaffinity(0, cores)
    return sorted(cores)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--impl", required=True, choices=["kerasette", "raw", "keras"])
    p.add_argument("--engine", required=True, choices=["numpy", "torch", "jax"])
    p.add_argument("--workload", required=True, choices=list(WORKLOADS))
    p.add_argument("--steps", type=int, default=None, help="batches per timed epoch")
    p.add_argument("--epochs", type=int, default=3, help="timed epochs")
    p.add_argument("--predict-batches", type=int, default=None)
    p.add_argument("--jit-compile", choices=["auto", "true", "false"], default=None)
    p.add_argument("--memory-epochs", type=int, default=0)
    p.add_argument("--cores", type=int, default=1, help="pin to this many cores (0: no pinning)")
    a = p.parse_args(argv)
    cores = pin_to_cores(a.cores)
    name, batch = a.workload, WORKLOADS[a.workload]["batch"]
    steps = a.steps or WORKLOADS[name]["steps"]
    jit = {None: None, "auto": "auto", "true": True, "false": False}[a.jit_compile]
    out = {"impl": a.impl, "engine": a.engine, "workload": name, "batch": batch, "steps": steps,
           "cores": cores}

    t0 = time.perf_counter()
    x1, y1 = make_data(name, batch, seed=0)
    factory = load(a.impl, a.engine)
    t_build = time.perf_counter()
    runner = factory(name, batch, jit)
    runner.train_epoch(runner.host(x1, y1))
    out["import_s"] = t_build - t0
    out["first_step_s"] = time.perf_counter() - t_build  # build, compile/trace, one step

    if a.memory_epochs:
        data = runner.host(*make_data(name, steps * batch, seed=1))
        rss = []
        for _ in range(a.memory_epochs):
            runner.train_epoch(data)
            rss.append(round(_rss_now_mb(), 2))
        out["rss_epochs_mb"] = rss
        print("RESULT " + json.dumps(out), flush=True)
        return

    warm = runner.host(*make_data(name, min(steps, 10) * batch, seed=2))
    runner.train_epoch(warm)
    data = runner.host(*make_data(name, steps * batch, seed=1))
    times, cpu = [], []
    for _ in range(a.epochs):
        w0, c0 = time.perf_counter(), time.process_time()
        loss = runner.train_epoch(data)
        times.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    out["epoch_s"] = times
    out["epoch_cpu_s"] = cpu
    out["cpu_share"] = sum(cpu) / sum(times)
    out["final_loss"] = float(loss)

    pb = a.predict_batches or max(4, min(steps, 20))
    pdata = runner.host(*make_data(name, pb * batch, seed=3))
    runner.predict(runner.host(x1, y1))
    best = None
    for _ in range(2):  # the faster of two passes: throughput, not the first-call cost
        w0 = time.perf_counter()
        runner.predict(pdata)
        t = time.perf_counter() - w0
        best = t if best is None else min(best, t)
    out["predict_sps"] = pb * batch / best
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["total_s"] = time.perf_counter() - t0
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
