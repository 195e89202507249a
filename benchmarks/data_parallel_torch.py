"""Data-parallel throughput on the torch engine: 1 process vs N gloo processes.

    python benchmarks/data_parallel_torch.py                 # 1 vs 2 processes, CPU
    python benchmarks/data_parallel_torch.py --procs 4 --threads 1 --batch 512

Each configuration trains the same MLP (784-512-512-10, Adam) for ``--steps``
steps of one global batch after ``--warmup`` steps, in fresh processes started
like ``torchrun`` (RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1); every process holds
``--threads`` torch threads. Prints samples/s per configuration and the scaling
efficiency ``throughput(N) / (N * throughput(1))``, the samples per CPU-second of
all processes together (N vs 1: the work efficiency, meaningful on a busy machine
where wall-clock scaling is not), and the share of the time the gradient
all_reduce takes (waiting for the slower process included). On a machine with N
GPUs the processes take ``cuda:RANK`` and NCCL (leave ``KERASETTE_DEVICE`` unset).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def worker(args):
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    import kerasette
    from kerasette import distribution, layers, models
    from kerasette.distribution import multiprocess
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        distribution.initialize()
        distribution.set_distribution(distribution.DataParallel())
    kerasette.utils.set_random_seed(0)
    model = models.Sequential([layers.Input((784,)), layers.Dense(512, activation="relu"),
                               layers.Dense(512, activation="relu"), layers.Dense(10)])
    model.compile("adam", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    n = args.batch * (args.steps + args.warmup)
    x = rng.normal(size=(n, 784)).astype("float32")
    y = rng.integers(0, 10, size=(n,))
    model.fit(x[:args.batch * args.warmup], y[:args.batch * args.warmup], batch_size=args.batch,
              verbose=0, shuffle=False)
    reduce_time = [0.0]
    original = multiprocess.reduce_gradients

    def timed(grads):
        t = time.perf_counter()
        out = original(grads)
        reduce_time[0] += time.perf_counter() - t
        return out

    multiprocess.reduce_gradients = timed
    start, cpu = time.perf_counter(), time.process_time()
    model.fit(x[args.batch * args.warmup:], y[args.batch * args.warmup:], batch_size=args.batch,
              verbose=0, shuffle=False)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(json.dumps({"procs": world, "seconds": elapsed, "cpu_seconds": cpu,
                      "samples_per_s": args.batch * args.steps / elapsed,
                      "all_reduce_share": reduce_time[0] / elapsed}), flush=True)


def launch(procs, args):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, KERASETTE_BACKEND="torch", MASTER_ADDR="127.0.0.1",
               MASTER_PORT=str(port), WORLD_SIZE=str(procs), OMP_NUM_THREADS=str(args.threads),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--threads", str(args.threads),
           "--batch", str(args.batch), "--steps", str(args.steps), "--warmup", str(args.warmup)]
    ps = [subprocess.Popen(cmd, env=dict(env, RANK=str(r), LOCAL_RANK=str(r)),
                           stdout=subprocess.PIPE, text=True) for r in range(procs)]
    outs = [p.communicate(timeout=600)[0] for p in ps]
    if any(p.returncode for p in ps):
        raise SystemExit(f"a process failed: {[p.returncode for p in ps]}")
    rows = [json.loads([ln for ln in out.splitlines() if ln.startswith("{")][-1]) for out in outs]
    result = rows[0]
    result["samples_per_cpu_s"] = args.batch * args.steps / sum(r["cpu_seconds"] for r in rows)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="torch threads per process")
    ap.add_argument("--batch", type=int, default=256, help="the global batch")
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)
    one = launch(1, args)
    many = launch(args.procs, args)
    eff = many["samples_per_s"] / (args.procs * one["samples_per_s"])
    print(f"torch data parallel, global batch {args.batch}, {args.threads} thread(s)/process, "
          f"{os.cpu_count()} cores")
    for r in (one, many):
        print(f"  {r['procs']} process(es): {r['samples_per_s']:8.0f} samples/s "
              f"(all_reduce {100 * r['all_reduce_share']:.0f}% of the time)")
    print(f"  scaling efficiency over {args.procs}: {100 * eff:.0f}% "
          f"(speed-up {many['samples_per_s'] / one['samples_per_s']:.2f}x)")
    work = many["samples_per_cpu_s"] / one["samples_per_cpu_s"]
    print(f"  per CPU-second of all processes: {one['samples_per_cpu_s']:.0f} vs "
          f"{many['samples_per_cpu_s']:.0f} samples ({100 * work:.0f}%: the work efficiency, "
          f"independent of how busy the machine is)")


if __name__ == "__main__":
    main()
