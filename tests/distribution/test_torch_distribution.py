"""kerasette.distribution on the torch engine: 2 gloo processes on 127.0.0.1.

One job (``torch_worker.py``, bounded in time) checks: a DataParallel ``fit``
gives the weights and logs of a single-process fit with the same global batch
(tolerance 1e-5), ``evaluate`` the same metrics, only process 0 writes the
checkpoint and the CSV log, a global batch of 15 over 2 processes is refused
naming both numbers, ModelParallel with DTensor-sharded Dense kernels gives the
unsharded outputs, gradients and trained weights, and a process that dies makes the other stop
with a clear error.
"""
import os
import socket
import subprocess
import sys
import time

import pytest

from ..conftest import ENGINES

pytestmark = pytest.mark.skipif("torch" not in ENGINES, reason="the torch engine is not tested here")

WORKER = os.path.join(os.path.dirname(__file__), "torch_worker.py")
CHECKS = ["devices", "fit_weights", "fit_logs_global", "evaluate", "chief_writes", "odd_batch",
          "mp_sharded", "mp_outputs", "mp_gradients", "mp_fit"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_torch_two_process_job(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, KERASETTE_BACKEND="torch", MASTER_ADDR="127.0.0.1",
               MASTER_PORT=str(_free_port()), WORLD_SIZE="2", OMP_NUM_THREADS="1",
               KERASETTE_DISTRIBUTED_TIMEOUT="15", KERASETTE_DEVICE="cpu",
               PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    procs = [subprocess.Popen([sys.executable, WORKER, str(tmp_path)], cwd=root,
                              env=dict(env, RANK=str(r), LOCAL_RANK=str(r)),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for r in range(2)]
    outs, deadline = [], time.monotonic() + 40  # the whole job, both processes
    try:
        for p in procs:
            outs.append(p.communicate(timeout=max(1.0, deadline - time.monotonic()))[0])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for r, (p, out) in enumerate(zip(procs, outs)):
        assert p.returncode == 0, f"process {r} failed:\n{out}"
        for name in CHECKS:
            assert f"CHECK {name} ok" in out, f"process {r}: no '{name}' check:\n{out}"
    assert "CHECK dead_rank ok" in outs[0], outs[0]
