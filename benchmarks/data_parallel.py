"""Data-parallel throughput on JAX: ``fit`` on 1 device against N devices
(``DataParallel``; virtual CPU devices here, GPUs where there are some).

    python benchmarks/data_parallel.py                 # 1 vs 2 virtual CPU devices, 3 repeats
    python benchmarks/data_parallel.py --devices 1,2,4 --repeats 5
    python benchmarks/data_parallel.py --real          # the machine's own devices (GPUs)

Each measurement runs in a fresh interpreter (the device count is fixed when JAX
starts). Every virtual device is one single-threaded XLA CPU executor
(``--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1``), so N
devices can use N cores. Two scalings of an MLP (784-1024-1024-10, SGD), each
against the same step written in raw JAX (``jax.jit`` over the same shardings:
what the machine allows):

- strong: the global batch fixed (256): the same work split N ways;
- weak: the batch per device fixed (256): N times the work per step.

Scaling efficiency = throughput(N) / (N x throughput(1)); 1.0 is perfect. Work
efficiency = samples per CPU-second, N against 1 (on a busy machine, where N
devices cannot get N cores, the cost of splitting the work). The
table (markdown) is printed; ``--write`` puts it in ``benchmarks/results.md``
between the ``data-parallel`` markers.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
IMPLS = ("kerasette", "raw")
THREAD_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
BEGIN, END = "<!-- data-parallel: begin -->", "<!-- data-parallel: end -->"


def worker(devices, global_batch, steps, epochs, real):
    import numpy as np

    import kerasette
    from kerasette import distribution, layers, models

    names = distribution.list_devices()[:devices]
    if len(names) < devices:
        raise SystemExit(f"asked for {devices} devices, JAX has {len(names)}")
    kerasette.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(global_batch * steps, 784)).astype("float32")
    y = rng.integers(0, 10, size=(global_batch * steps,))
    with distribution.DataParallel(devices=names).scope():
        model = models.Sequential([layers.Input((784,)), layers.Dense(1024, activation="relu"),
                                   layers.Dense(1024, activation="relu"), layers.Dense(10)])
        model.compile(optimizer="sgd", loss=kerasette.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(x, y, batch_size=global_batch, epochs=1, shuffle=False, verbose=0)  # compile, warm up
        times = []
        for _ in range(epochs):
            wall, cpu = time.perf_counter(), time.process_time()
            model.fit(x, y, batch_size=global_batch, epochs=1, shuffle=False, verbose=0)
            model.layers[0].kernel.numpy()  # wait for the last step
            times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return _result(times, devices, global_batch, steps, names)


def _result(times, devices, global_batch, steps, names):
    wall, cpu = min(times, key=lambda t: t[0])
    return {"devices": devices, "global_batch": global_batch, "samples_per_s": global_batch * steps / wall,
            "cpu_per_wall": cpu / wall, "device_kind": names[0].split(":")[0]}


def raw_worker(devices, global_batch, steps, epochs, real):
    """The same model and step in plain JAX: params replicated, batches split, SGD."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    devs = jax.devices()[:devices]
    mesh = Mesh(np.array(devs), ("batch",))
    replicated, split = NamedSharding(mesh, PartitionSpec()), NamedSharding(mesh, PartitionSpec("batch"))
    rng = np.random.default_rng(0)
    params = [jax.device_put((rng.normal(size=s) * 0.03).astype("float32"), replicated)
              for s in [(784, 1024), (1024,), (1024, 1024), (1024,), (1024, 10), (10,)]]

    def loss(p, x, y):
        h = jax.nn.relu(jax.nn.relu(x @ p[0] + p[1]) @ p[2] + p[3])
        logits = h @ p[4] + p[5]
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], 1))

    @functools.partial(jax.jit, donate_argnums=(0,))
    def step(p, x, y):
        return [a - 0.01 * g for a, g in zip(p, jax.grad(loss)(p, x, y))]

    x = rng.normal(size=(global_batch * steps, 784)).astype("float32")
    y = rng.integers(0, 10, size=(global_batch * steps,)).astype("int32")
    times = []
    for e in range(epochs + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        for i in range(steps):
            rows = slice(i * global_batch, (i + 1) * global_batch)
            params = step(params, jax.device_put(x[rows], split), jax.device_put(y[rows], split))
        params[0].block_until_ready()
        if e:  # the first epoch compiles
            times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return _result(times, devices, global_batch, steps, [f"{d.platform}:{d.id}" for d in devs])


def run_worker(impl, devices, global_batch, args):
    env = dict(os.environ, KERASETTE_BACKEND="jax", OMP_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if not args.real:
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices} {THREAD_FLAGS}"
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", str(devices), "--impl", impl,
           "--global-batch", str(global_batch), "--steps", str(args.steps), "--epochs", str(args.epochs)] + \
        (["--real"] if args.real else [])
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(results, counts, per_device):
    rows = ["| scaling | devices | global batch | kerasette samples/s | speed-up | efficiency | work eff. | "
            "raw JAX samples/s | speed-up | efficiency | work eff. |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for kind in ("strong", "weak"):
        base, base_cpu = {}, {}
        for n in counts:
            batch = per_device if kind == "strong" else per_device * n
            row = f"| {kind} | {n} | {batch} |"
            for impl in IMPLS:
                cell = [r["samples_per_s"] for r in results[(impl, kind, n)]]
                thr = statistics.median(cell)
                per_cpu = statistics.median(r["samples_per_s"] / r["cpu_per_wall"]
                                            for r in results[(impl, kind, n)])
                base.setdefault(impl, thr)
                base_cpu.setdefault(impl, per_cpu)
                row += f" {thr:,.0f} ±{(max(cell) - min(cell)) / thr:.0%} | {thr / base[impl]:.2f} | " \
                       f"{thr / (base[impl] * n):.2f} | {per_cpu / base_cpu[impl]:.2f} |"
            rows.append(row)
    return "\n".join(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--devices", default="1,2", help="device counts to compare (the first is the base)")
    p.add_argument("--batch", type=int, default=256, help="strong: the global batch; weak: per device")
    p.add_argument("--steps", type=int, default=16, help="steps per timed epoch")
    p.add_argument("--epochs", type=int, default=3, help="timed epochs per process (the fastest counts)")
    p.add_argument("--repeats", type=int, default=3, help="fresh processes per cell, interleaved")
    p.add_argument("--real", action="store_true", help="use the machine's devices, not virtual CPU ones")
    p.add_argument("--write", action="store_true", help="put the table in benchmarks/results.md")
    p.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--global-batch", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--impl", default="kerasette", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        fn = worker if args.impl == "kerasette" else raw_worker
        print(json.dumps(fn(args.worker, args.global_batch, args.steps, args.epochs, args.real)))
        return
    counts = [int(n) for n in args.devices.split(",")]
    started, load0 = time.time(), os.getloadavg()[0]
    results = {}
    for r in range(args.repeats):
        order = counts if r % 2 == 0 else counts[::-1]
        for kind in ("strong", "weak"):
            for n in order:
                for impl in IMPLS:
                    batch = args.batch if kind == "strong" else args.batch * n
                    results.setdefault((impl, kind, n), []).append(run_worker(impl, n, batch, args))
    cpu_share = {n: statistics.median(r["cpu_per_wall"] for k in ("strong", "weak")
                                      for r in results[("kerasette", k, n)]) for n in counts}
    kind = results[("kerasette", "strong", counts[0])][0]["device_kind"]
    text = "\n".join([
        "## Data-parallel scaling (JAX, `benchmarks/data_parallel.py`)", "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M')} (run took {(time.time() - started) / 60:.1f} min); "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; load average "
        f"{load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end",
        f"- Devices: {'the machine' + chr(39) + 's ' + kind if args.real else 'virtual CPU devices'} "
        f"(`--xla_force_host_platform_device_count=N`); threads: each device one XLA CPU executor "
        f"with one thread (`{THREAD_FLAGS}`), OMP_NUM_THREADS=1; processes not pinned",
        f"- Model: MLP 784-1024-1024-10, SGD, `fit` under `DataParallel` (raw: the same step in plain "
        f"`jax.jit`, same shardings); {args.steps} steps per epoch, "
        f"the fastest of {args.epochs} timed epochs per process, median over {args.repeats} fresh processes",
        f"- Median throughput ± spread (max - min) / median; efficiency = speed-up / devices; work "
        f"eff. = samples per CPU-second of the process, N devices against 1 (the overhead of splitting, "
        f"meaningful where a busy machine makes wall-clock scaling meaningless). "
        f"kerasette's CPU time / wall time per process (the share of the cores it got): "
        + ", ".join(f"{n} device(s): {s:.2f}" for n, s in cpu_share.items()),
        "", table(results, counts, args.batch), ""])
    print(text)
    if args.write:
        path = os.path.join(HERE, "results.md")
        old = open(path).read() if os.path.exists(path) else ""
        block = f"{BEGIN}\n{text}\n{END}"
        if BEGIN in old:
            old = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END):]
        else:
            old = old.rstrip("\n") + "\n\n" + block + "\n"
        with open(path, "w") as f:
            f.write(old)


if __name__ == "__main__":
    main()
