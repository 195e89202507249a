"""kerasette against hand-written engine loops and Keras 3: one command, one table.

    python benchmarks/run.py                  # the full run (about 10 minutes on 2 cores)
    python benchmarks/run.py --quick          # one repeat, shorter epochs (a few minutes)
    python benchmarks/run.py --workloads tiny,mlp --engines torch --impls kerasette,raw
    python benchmarks/run.py --workloads cnn,lstm --engines numpy --jit auto,false  # replay vs eager

Every measurement runs in its own fresh interpreter (``worker.py``): the four
workloads of ``workloads.py`` with kerasette on each engine, hand-written in the
raw engine (``raw_jax.py``, ``raw_torch.py``, ``raw_numpy.py``) and with Keras 3
on JAX and PyTorch where it is installed. The runs are interleaved (each repeat
walks the list in a different order), every process is pinned to one core and
every engine held to one thread, and the table gives medians over the repeats
with their spread; a ratio is the median of the per-repeat ratios of two cells
measured side by side. A cell where a process got less than ``--min-cpu-share``
of its core is flagged as disturbed: the machine was busy.

``--jit`` measures kerasette once per ``compile(jit_compile=...)`` value given
(``auto``, ``true``, ``false``; ``default`` leaves the workload's compile as it
is): on NumPy, ``false`` is the eager step and ``auto`` the recorded-and-replayed
one, so the table gets one row per variant.

Writes ``benchmarks/results.md`` (the table; also printed) and
``benchmarks/results.json`` (every raw measurement).
"""
from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from workloads import WORKLOADS  # noqa: E402

ENGINES = ["numpy", "torch", "jax"]
IMPLS = ["kerasette", "raw", "keras"]

# One thread everywhere: the engines' own pools, BLAS, and XLA's CPU runtime.
THREAD_ENV = {
    "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0",
}

# kerasette step time / raw-engine step time (same engine): issue 7's targets for torch and
# jax, issue 16's for NumPy
TARGETS = {
    ("jax", "mlp"): 1.05, ("jax", "cnn"): 1.05, ("jax", "lstm"): 1.05, ("jax", "tiny"): 2.0,
    ("torch", "mlp"): 1.10, ("torch", "cnn"): 1.10, ("torch", "lstm"): 1.10, ("torch", "tiny"): 2.0,
    ("numpy", "mlp"): 1.0, ("numpy", "tiny"): 3.0,
    ("numpy", "cnn"): 1.5, ("numpy", "lstm"): 2.5,  # against raw PyTorch: no raw NumPy cnn/lstm
}


JIT_VARIANTS = ("default", "auto", "true", "false")


def kerasette_impls(jits):
    """The kerasette impl names for the ``--jit`` variants: ``kerasette`` (the
    workload's own compile) or ``kerasette:jit=<value>``."""
    return ["kerasette" if j == "default" else f"kerasette:jit={j}" for j in jits]


def jit_of(impl):
    """The ``--jit-compile`` value a kerasette impl name stands for (None: default)."""
    return impl.split("jit=", 1)[1] if ":jit=" in impl else None


def configs(workloads, engines, impls, jits=("default",)):
    """The (workload, impl, engine) triples to measure."""
    have = {e: importlib.util.find_spec(e if e != "numpy" else "numpy") is not None for e in ENGINES}
    has_keras = importlib.util.find_spec("keras") is not None
    out = []
    for w in workloads:
        for e in engines:
            if not have[e]:
                continue
            if "kerasette" in impls:
                out.extend((w, k, e) for k in kerasette_impls(jits))
            if "raw" in impls and (e != "numpy" or w in ("mlp", "tiny")):
                out.append((w, "raw", e))
            if "keras" in impls and has_keras and e in ("jax", "torch"):
                out.append((w, "keras", e))
        # NumPy's cnn/lstm are compared with raw PyTorch: measure it even when torch is not selected
        if ("numpy" in engines and w in ("cnn", "lstm") and "torch" not in engines
                and "raw" in impls and have["torch"]):
            out.append((w, "raw", "torch"))
    return out


def run_one(cfg, steps, epochs, timeout, extra=()):
    w, impl, engine = cfg
    jit = jit_of(impl)
    cmd = [sys.executable, os.path.join(HERE, "worker.py"), "--impl", impl.split(":")[0],
           "--engine", engine, "--workload", w, "--steps", str(steps), "--epochs", str(epochs),
           *(("--jit-compile", jit) if jit else ()), *extra]
    env = dict(os.environ, **THREAD_ENV)
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"workload": w, "impl": impl, "engine": engine, "error": f"timed out after {timeout}s"}
    lines = [line for line in p.stdout.splitlines() if line.startswith("RESULT ")]
    if p.returncode != 0 or not lines:
        tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
        return {"workload": w, "impl": impl, "engine": engine, "error": " | ".join(tail)}
    r = json.loads(lines[-1][len("RESULT "):])
    r["impl"] = impl  # with its jit variant
    r["load_before"] = load0
    r["wall_s"] = time.perf_counter() - t0
    return r


def summarize(results, min_share):
    """Per config: median ms/step over the processes, spread, CPU ms/step, predict, RSS."""
    by = {}
    for r in results:
        by.setdefault((r["workload"], r["impl"], r["engine"]), []).append(r)
    out = {}
    for key, rs in by.items():
        ok = [r for r in rs if "error" not in r]
        if not ok:
            out[key] = {"error": rs[-1]["error"]}
            continue
        per_proc = [statistics.median(r["epoch_s"]) / r["steps"] * 1e3 for r in ok]
        per_proc_cpu = [statistics.median(r["epoch_cpu_s"]) / r["steps"] * 1e3 for r in ok]
        by_repeat = {r.get("repeat", i): (w, c) for i, (r, w, c) in
                     enumerate(zip(ok, per_proc, per_proc_cpu))}
        if len(ok) > 1:
            values = per_proc
        else:  # one process: the spread of its epochs
            values = [t / ok[0]["steps"] * 1e3 for t in ok[0]["epoch_s"]]
        med = statistics.median(per_proc)
        spread = (max(values) - min(values)) / statistics.median(values)
        share = min(r["cpu_share"] for r in ok)
        out[key] = {
            "ms": med, "spread": spread, "cpu_ms": statistics.median(per_proc_cpu),
            "sps": ok[0]["batch"] / med * 1e3,
            "predict_sps": statistics.median(r["predict_sps"] for r in ok),
            "rss_mb": statistics.median(r["peak_rss_mb"] for r in ok),
            "first_s": statistics.median(r["first_step_s"] for r in ok),
            "cpu_share": share, "n": len(ok), "by_repeat": by_repeat,
            "disturbed": share < min_share,
        }
    return out


def _fmt_ms(v):
    return f"{v:.3f}" if v < 10 else f"{v:.1f}"


def _ratio(summary, num, den, use_cpu=False, with_range=False):
    """Median over the repeats of num/den, each pair measured side by side in one
    repeat (a machine that slows down between repeats cancels out)."""
    a, b = summary.get(num), summary.get(den)
    if not a or not b or "error" in a or "error" in b:
        return (None, None) if with_range else None
    k = 1 if use_cpu else 0
    pairs = [a["by_repeat"][r][k] / b["by_repeat"][r][k] for r in a["by_repeat"]
             if r in b["by_repeat"]]
    if not pairs:
        pairs = [a["cpu_ms" if use_cpu else "ms"] / b["cpu_ms" if use_cpu else "ms"]]
    med = statistics.median(pairs)
    return (med, (min(pairs), max(pairs))) if with_range else med


def machine():
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) / 2**20
    except (OSError, ValueError, IndexError):
        mem = float("nan")
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}"


def versions():
    out = [f"Python {platform.python_version()}"]
    for mod in ("numpy", "torch", "jax", "keras"):
        try:
            out.append(f"{mod} {__import__(mod).__version__}")
        except Exception:  # noqa: BLE001 - not installed, or broken: just not listed
            pass
    return ", ".join(out)


def _kerasette_rows(summary, args):
    """(workload, engine, kerasette impl) for each measured row, in table order."""
    return [(w, e, ki) for w in args.workloads for e in args.engines
            for ki in kerasette_impls(args.jits) if (w, ki, e) in summary]


def _engine_label(engine, impl):
    jit = jit_of(impl)
    return engine if jit is None else f"{engine}, jit_compile={_JIT_LABELS[jit]}"


_JIT_LABELS = {"auto": '"auto"', "true": "True", "false": "False"}


def report(summary, memory, args, started, loads, wall):
    L = []
    L.append("# kerasette benchmark results\n")
    L.append(f"- Date: {started:%Y-%m-%d %H:%M} (run took {wall / 60:.1f} min)")
    L.append(f"- Machine: {machine()}")
    L.append(f"- Software: {versions()}")
    pin = f"each process pinned to {args.cores} core(s) (`sched_setaffinity`), " if args.cores else ""
    L.append(f"- Threads: {pin}one thread per engine (OMP/MKL/OPENBLAS_NUM_THREADS=1, "
             "`torch.set_num_threads(1)` and `set_num_interop_threads(1)`, "
             "XLA_FLAGS=`--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1`)")
    L.append(f"- Command: `python benchmarks/run.py {' '.join(args.argv)}`".replace("  ", " ").rstrip())
    L.append(f"- Repeats: {args.repeats} fresh processes per cell, interleaved; {args.epochs} timed "
             f"epochs each (median); load average {loads[0]:.1f} at the start, {loads[1]:.1f} at the end")
    L.append("- ms/step: median wall time of one training step (`fit` for kerasette and Keras 3, "
             "the loop for raw) over the repeats, ± the spread (max - min) / median; `!` marks a "
             f"disturbed cell (a process got < {args.min_cpu_share:.0%} of its core). Ratios: the "
             "median over the repeats of the two cells measured side by side in that repeat "
             "(range in brackets), so a machine that drifts between repeats cancels out")
    L.append("")
    L.append("## Training step\n")
    L.append("| workload | engine | kerasette ms/step | raw ms/step | Keras 3 ms/step | "
             "kerasette / raw | target | kerasette / Keras 3 | kerasette samples/s |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for w, e, ki in _kerasette_rows(summary, args):
        k = summary[(w, ki, e)]
        raw_key = (w, "raw", "torch") if e == "numpy" and w in ("cnn", "lstm") else (w, "raw", e)
        raw = summary.get(raw_key)
        ker = summary.get((w, "keras", e))

        def cell(s):
            if not s:
                return "—"
            if "error" in s:
                return "error"
            return f"{_fmt_ms(s['ms'])} ±{s['spread']:.0%}" + (" !" if s["disturbed"] else "")

        r, r_range = _ratio(summary, (w, ki, e), raw_key, with_range=True)
        rk = _ratio(summary, (w, ki, e), (w, "keras", e))
        target = TARGETS.get((e, w))
        mark = "" if r is None or target is None else (" ✓" if r <= target else " ✗")
        if r_range and r_range[1] > r_range[0] * 1.001:
            mark += f" ({r_range[0]:.2f}–{r_range[1]:.2f})"
        raw_cell = cell(raw) + (" (torch)" if raw_key[2] != e and raw else "")
        sps = "—" if "error" in k else f"{k['sps']:,.0f}"
        L.append(f"| {w} | {_engine_label(e, ki)} | {cell(k)} | {raw_cell} | {cell(ker)} | "
                 f"{'—' if r is None else f'{r:.2f}'}{mark} | "
                 f"{'—' if target is None else f'≤ {target:g}'} | "
                 f"{'—' if rk is None else f'{rk:.2f}'} | {sps} |")
    L.append("")
    L.append("Same ratios from CPU time (the time the process actually ran; less sensitive to a "
             "busy machine than wall time):\n")
    L.append("| workload | engine | kerasette / raw (CPU) | kerasette / Keras 3 (CPU) |")
    L.append("|---|---|---:|---:|")
    for w, e, ki in _kerasette_rows(summary, args):
        raw_key = (w, "raw", "torch") if e == "numpy" and w in ("cnn", "lstm") else (w, "raw", e)
        r = _ratio(summary, (w, ki, e), raw_key, True)
        rk = _ratio(summary, (w, ki, e), (w, "keras", e), True)
        L.append(f"| {w} | {_engine_label(e, ki)} | {'—' if r is None else f'{r:.2f}'} | "
                 f"{'—' if rk is None else f'{rk:.2f}'} |")
    L.append("")
    L.append("## Predict, memory, start-up\n")
    L.append("| workload | engine | impl | predict samples/s | peak RSS MB | first step s |")
    L.append("|---|---|---|---:|---:|---:|")
    for w in args.workloads:
        for e in ENGINES:
            for impl in kerasette_impls(args.jits) + IMPLS[1:]:
                s = summary.get((w, impl, e))
                if not s:
                    continue
                if "error" in s:
                    L.append(f"| {w} | {e} | {impl} | error: {s['error'][:80]} | | |")
                    continue
                L.append(f"| {w} | {e} | {impl} | {s['predict_sps']:,.0f} | {s['rss_mb']:.0f} | "
                         f"{s['first_s']:.2f} |")
    L.append("")
    L.append("First step: from the engine loaded to the first training step done (model build, "
             "compile/trace, one step); imports excluded.")
    if memory:
        L.append("")
        L.append("## Memory across epochs (kerasette)\n")
        L.append("| workload | engine | RSS after epoch 2 MB | after last epoch MB | growth MB | epochs |")
        L.append("|---|---|---:|---:|---:|---:|")
        for r in memory:
            if "error" in r:
                L.append(f"| {r['workload']} | {r['engine']} | error: {r['error'][:80]} | | | |")
                continue
            rss = r["rss_epochs_mb"]
            L.append(f"| {r['workload']} | {r['engine']} | {rss[1]:.1f} | {rss[-1]:.1f} | "
                     f"{rss[-1] - rss[1]:+.1f} | {len(rss)} |")
    return "\n".join(L) + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--engines", default=",".join(ENGINES))
    p.add_argument("--impls", default=",".join(IMPLS), help="kerasette,raw,keras")
    p.add_argument("--jit", default="default",
                   help="kerasette's compile(jit_compile=...) variants, each measured: "
                        "default,auto,true,false (NumPy: false = eager, auto = replay)")
    p.add_argument("--repeats", type=int, default=None, help="fresh processes per cell (3)")
    p.add_argument("--epochs", type=int, default=None, help="timed epochs per process (3)")
    p.add_argument("--scale", type=float, default=None, help="multiplies the steps per epoch (1)")
    p.add_argument("--quick", action="store_true",
                   help="defaults --repeats 1 --epochs 2 --scale 0.4, and no memory runs")
    p.add_argument("--no-memory", action="store_true", help="skip the 20-epoch RSS runs")
    p.add_argument("--memory-epochs", type=int, default=20)
    p.add_argument("--min-cpu-share", type=float, default=0.85)
    p.add_argument("--cores", type=int, default=1,
                   help="pin each measurement to this many cores (0: no pinning)")
    p.add_argument("--timeout", type=int, default=300, help="seconds per process")
    p.add_argument("--out", default=os.path.join(HERE, "results.md"))
    args = p.parse_args(argv)
    args.argv = argv
    quick = {"repeats": 1, "epochs": 2, "scale": 0.4}
    full = {"repeats": 3, "epochs": 3, "scale": 1.0}
    for k, v in (quick if args.quick else full).items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.quick:
        args.no_memory = True
    args.workloads = [w for w in args.workloads.split(",") if w]
    args.engines = [e for e in args.engines.split(",") if e]
    impls = [i for i in args.impls.split(",") if i]
    args.jits = [j for j in args.jit.split(",") if j]
    for j in args.jits:
        if j not in JIT_VARIANTS:
            p.error(f"unknown --jit value {j!r}; choose from {', '.join(JIT_VARIANTS)}")
    for w in args.workloads:
        if w not in WORKLOADS:
            p.error(f"unknown workload {w!r}; choose from {', '.join(WORKLOADS)}")
    cfgs = configs(args.workloads, args.engines, impls, args.jits)
    started = datetime.datetime.now()
    loads = [os.getloadavg()[0]]
    print(f"{len(cfgs)} cells x {args.repeats} repeats; machine: {machine()}", flush=True)
    print("threads: " + " ".join(f"{k}={v!r}" for k, v in THREAD_ENV.items()
                                  if k != "TF_CPP_MIN_LOG_LEVEL") + "; torch.set_num_threads(1)",
          flush=True)
    t0 = time.perf_counter()
    results = []
    for rep in range(args.repeats):
        order = cfgs[rep % len(cfgs):] + cfgs[:rep % len(cfgs)]
        if rep % 2:
            order.reverse()
        for cfg in order:
            steps = max(2, int(WORKLOADS[cfg[0]]["steps"] * args.scale))
            r = run_one(cfg, steps, args.epochs, args.timeout, ("--cores", str(args.cores)))
            r["repeat"] = rep
            results.append(r)
            if "error" in r:
                msg = f"ERROR {r['error'][:160]}"
            else:
                ms = statistics.median(r["epoch_s"]) / r["steps"] * 1e3
                msg = f"{_fmt_ms(ms)} ms/step (cpu share {r['cpu_share']:.2f})"
            print(f"[{rep + 1}/{args.repeats}] {cfg[0]:5s} {cfg[1]:9s} {cfg[2]:5s} {msg}", flush=True)
    memory = []
    if not args.no_memory and "kerasette" in impls:
        for w in [w for w in ("tiny", "mlp") if w in args.workloads]:
            for e in args.engines:
                ki = kerasette_impls(args.jits)[0]
                if (w, ki, e) not in cfgs:
                    continue
                steps = max(2, int(WORKLOADS[w]["steps"] * 0.1 * max(args.scale, 0.5)))
                r = run_one((w, ki, e), steps, 1, args.timeout,
                            ("--memory-epochs", str(args.memory_epochs)))
                memory.append(r)
                if "error" not in r:
                    rss = r["rss_epochs_mb"]
                    print(f"[memory] {w:5s} {e:5s} RSS {rss[1]:.1f} -> {rss[-1]:.1f} MB over "
                          f"{len(rss)} epochs", flush=True)
    loads.append(os.getloadavg()[0])
    summary = summarize(results, args.min_cpu_share)
    text = report(summary, memory, args, started, loads, time.perf_counter() - t0)
    print()
    print(text)
    with open(args.out, "w") as f:
        f.write(text)
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump({"results": results, "memory": memory, "argv": argv}, f, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
