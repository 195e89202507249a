"""Profile kerasette's training loop on one workload and engine with cProfile.

    python benchmarks/profile_step.py --engine torch --workload tiny [--steps 2000] [--top 30]
    python benchmarks/profile_step.py --engine numpy --workload lstm --jit-compile false

Prints the functions with the most own time ("tottime") and the most cumulative
time over the timed epoch (after a warm-up epoch), so the Python overhead of
the facade shows next to the engine's kernels.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from worker import load  # noqa: E402
from workloads import WORKLOADS, make_data  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engine", default="numpy", choices=["numpy", "torch", "jax"])
    p.add_argument("--workload", default="tiny", choices=list(WORKLOADS))
    p.add_argument("--impl", default="kerasette", choices=["kerasette", "raw", "keras"])
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--sort", default="tottime")
    p.add_argument("--jit-compile", choices=["auto", "true", "false"], default=None,
                   help="kerasette's compile(jit_compile=...); NumPy: false = eager, auto = replay")
    a = p.parse_args(argv)
    batch = WORKLOADS[a.workload]["batch"]
    steps = a.steps or WORKLOADS[a.workload]["steps"]
    jit = {None: None, "auto": "auto", "true": True, "false": False}[a.jit_compile]
    runner = load(a.impl, a.engine)(a.workload, batch, jit)
    runner.train_epoch(runner.host(*make_data(a.workload, min(steps, 20) * batch, seed=2)))
    data = runner.host(*make_data(a.workload, steps * batch, seed=1))
    prof = cProfile.Profile(time.process_time)  # CPU time: robust to a busy machine
    t0 = time.perf_counter()
    prof.enable()
    runner.train_epoch(data)
    prof.disable()
    wall = time.perf_counter() - t0
    print(f"{a.impl} {a.engine} {a.workload}: {steps} steps, {wall / steps * 1e3:.3f} ms/step "
          f"under the profiler")
    pstats.Stats(prof).sort_stats(a.sort).print_stats(a.top)


if __name__ == "__main__":
    main()
