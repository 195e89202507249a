"""The GPU path in one run: conformance, examples, mixed precision and the benchmark on CUDA.

    python benchmarks/gpu_check.py                 # on a machine with an NVIDIA GPU (~8 min)
    python benchmarks/gpu_check.py --allow-cpu --quick   # rehearse the script without a GPU

The torch and jax engines run on CUDA (the numpy engine has no GPU path). Each part
runs in fresh processes on the engine's default device (CUDA when present: the
torch engine picks it unless ``KERASETTE_DEVICE`` says otherwise; JAX's default
device), TF32 as the engines
default it (printed), JAX's memory preallocation off so processes can share the GPU.
Prints one Markdown table and writes it to ``--out`` (default
``benchmarks/gpu_check.md``), with the raw output of every part under it.
"""
from __future__ import annotations

import argparse
import datetime
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ENGINES = ("torch", "jax")

_DEVICE = """
import kerasette
from kerasette import ops
b = kerasette.config.active()
x = ops.convert([1.0, 2.0])
if b.name == "torch":
    import torch
    print("device", x.device, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "-")
    print("tf32", "matmul", torch.backends.cuda.matmul.allow_tf32, "cudnn", torch.backends.cudnn.allow_tf32)
else:
    import jax
    print("device", list(x.devices())[0], jax.devices()[0].device_kind)
    print("tf32", "matmul precision", jax.config.jax_default_matmul_precision or "default (TF32 on Ampere+)")
"""

_MIXED = """
import sys
import numpy as np
import kerasette
from kerasette import layers, models, mixed_precision
from kerasette.utils import set_random_seed
sys.path.insert(0, "examples")
from mnist_mlp import load_data
x_train, x_test, y_train, y_test = load_data()
for policy in ("float32", "mixed_float16", "mixed_bfloat16"):
    mixed_precision.set_global_policy(policy)
    set_random_seed(0)
    model = models.Sequential([layers.Input((64,)), layers.Dense(256, activation="relu"),
                               layers.Dense(10), layers.Activation("softmax", dtype="float32")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=10, batch_size=64, verbose=0)
    print("accuracy", policy, round(float(model.evaluate(x_test, y_test, verbose=0)[1]), 4))
mixed_precision.set_global_policy("float32")
"""

# the conformance cases run on CUDA: the ops that carry models (pytest -k expression)
CUDA_SUBSET = ("matmul or dot or einsum or conv or pool or norm or softmax or sum or mean or relu "
               "or sigmoid or tanh or gelu or lstm or gru or attention or crossentropy or one_hot "
               "or take or where or cumsum")
QUICK_SUBSET = "matmul or conv or softmax or relu or sum"
EXAMPLES = ("mnist_mlp.py", "convnet.py", "text_lstm.py", "custom_loop.py")


def run(cmd, env, timeout):
    """``(returncode, seconds, output)``; a timeout is returncode None."""
    start = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=ROOT, env=env, timeout=timeout, capture_output=True, text=True)
        code, out = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        code, out = None, f"timed out after {timeout} s\n{e.stdout or ''}{e.stderr or ''}"
    return code, time.perf_counter() - start, out if isinstance(out, str) else out.decode()


def engine_env(engine):
    return dict(os.environ, KERASETTE_BACKEND=engine, XLA_PYTHON_CLIENT_PREALLOCATE="false",
                PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="3")


def _status(code, text=""):
    if code is None:
        return "timed out"
    return ("ok " + text).strip() if code == 0 else f"FAILED (exit {code}) {text}".strip()


def check_devices(engine, args, log):
    code, secs, out = run([sys.executable, "-c", _DEVICE], engine_env(engine), 120)
    log.append((f"{engine}: device", out))
    device = re.search(r"^device (.*)$", out, re.M)
    tf32 = re.search(r"^tf32 (.*)$", out, re.M)
    on_gpu = bool(device and ("cuda" in device.group(1) or "gpu" in device.group(1).lower()))
    return [("device", _status(code, device.group(1) if device else "")),
            ("TF32", tf32.group(1) if tf32 else "?")], on_gpu


def check_conformance(engine, args, log):
    env = dict(engine_env(engine), KERASETTE_TEST_ENGINES=engine)
    files = ["tests/conformance/test_values.py", "tests/conformance/test_grads.py"]
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files]
    cmd += ["-k", QUICK_SUBSET if args.quick else CUDA_SUBSET, "-n", str(args.workers)]
    code, secs, out = run(cmd, env, args.part_timeout)
    log.append((f"{engine}: conformance", out[-4000:]))
    summary = re.findall(r"(\d+) (passed|failed|skipped|error)", out)
    text = ", ".join(f"{n} {what}" for n, what in summary) or out.strip().splitlines()[-1:]
    return [("conformance, CUDA subset (values + gradients)", f"{text} in {secs:.0f} s")]


def check_examples(engine, args, log):
    rows = []
    for name in EXAMPLES[:1] if args.quick else EXAMPLES:
        code, secs, out = run([sys.executable, os.path.join("examples", name)], engine_env(engine),
                              args.part_timeout)
        log.append((f"{engine}: examples/{name}", out[-2000:]))
        rows.append((f"examples/{name}", _status(code, f"{secs:.1f} s")))
    return rows


def check_mixed_precision(engine, args, log):
    code, secs, out = run([sys.executable, "-c", _MIXED], engine_env(engine), args.part_timeout)
    log.append((f"{engine}: mixed precision", out[-3000:]))
    found = re.findall(r"^accuracy (\S+) (\S+)$", out, re.M)
    if code != 0 or not found:
        return [("mixed precision", _status(code or 1, "see the log below"))]
    return [(f"accuracy, {policy}", acc) for policy, acc in found]


def check_benchmark(args, log):
    out_md = os.path.join(HERE, "gpu_benchmark.md")
    cmd = [sys.executable, os.path.join(HERE, "run.py"), "--engines", ",".join(ENGINES),
           "--impls", "kerasette,raw", "--no-memory", "--quick", "--out", out_md,
           "--min-cpu-share", "0"]
    code, secs, out = run(cmd, engine_env("torch"), args.part_timeout * 2)
    log.append(("benchmark", out[-6000:]))
    return [("benchmark (kerasette vs raw, quick)", _status(code, f"{secs:.0f} s: {out_md}"))]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--allow-cpu", action="store_true", help="run even where no GPU is found")
    p.add_argument("--quick", action="store_true", help="a few conformance cases, one example")
    p.add_argument("--skip-benchmark", action="store_true")
    p.add_argument("--workers", type=int, default=8, help="pytest-xdist workers for conformance")
    p.add_argument("--part-timeout", type=int, default=240, help="seconds per part")
    p.add_argument("--out", default=os.path.join(HERE, "gpu_check.md"))
    args = p.parse_args(argv)

    log, table = [], []
    started = time.perf_counter()
    for engine in ENGINES:
        rows, on_gpu = check_devices(engine, args, log)
        table += [(engine, *r) for r in rows]
        if not on_gpu and not args.allow_cpu:
            table.append((engine, "skipped", "no CUDA device (pass --allow-cpu to rehearse)"))
            continue
        for part in (check_conformance, check_examples, check_mixed_precision):
            table += [(engine, *r) for r in part(engine, args, log)]
    if not args.skip_benchmark:
        table += [("torch, jax", *r) for r in check_benchmark(args, log)]

    lines = [f"# kerasette GPU check ({datetime.datetime.now():%Y-%m-%d %H:%M}, "
             f"{time.perf_counter() - started:.0f} s)", "",
             "| engine | check | result |", "|---|---|---|"]
    lines += [f"| {e} | {c} | {r} |" for e, c, r in table]
    report = "\n".join(lines)
    print(report)
    with open(args.out, "w") as f:
        f.write(report + "\n\n## Output of each part\n")
        for title, text in log:
            f.write(f"\n### {title}\n\n```\n{text.strip()}\n```\n")
    failed = [r for r in table if "FAILED" in r[2] or "timed out" in r[2] or " failed" in r[2]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
