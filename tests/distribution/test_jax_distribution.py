"""kerasette.distribution on JAX: 8 virtual CPU devices, in ONE subprocess (the flag
``--xla_force_host_platform_device_count`` must be set before JAX starts, and the rest
of the suite must keep its single device). The script is jax_mesh_script.py."""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("jax")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jax_mesh_script.py")
TIMEOUT_S = 60  # the script takes ~10 s of CPU; the bound leaves room for a busy machine

# float32, same global batch, 2 epochs of Adam: only the order of the gradient sums differs
DP_ATOL = 1e-6
MP_ATOL = 1e-5


@pytest.fixture(scope="module")
def result():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8", KERASETTE_BACKEND="jax",
               OMP_NUM_THREADS="1", PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_eight_virtual_devices(result):
    assert result["devices"] == [f"cpu:{i}" for i in range(8)]


def test_data_parallel_fit_and_evaluate_match_one_device(result):
    assert result["dp_weights_diff"] < DP_ATOL
    single, parallel = result["dp_eval"]
    assert parallel == pytest.approx(single, rel=1e-6)
    assert result["dp_kernel_spec"] == "P(None, None)" and result["dp_kernel_devices"] == 8
    assert result["dp_slot_devices"] == 8
    assert result["dp_batch_shard_rows"] == [2] * 8  # a batch of 16 split over 8 devices


def test_data_parallel_refuses_an_indivisible_global_batch(result):
    assert "global batch size 12" in result["dp_bad_batch"] and "8 model replicas" in result["dp_bad_batch"]


def test_model_parallel_matches_unsharded_and_shards(result):
    assert result["mp_outputs_diff"] < MP_ATOL
    assert result["mp_grads_diff"] < MP_ATOL * max(1.0, result["mp_grads_max"])
    assert result["mp_specs"] == {"up/kernel": "P(None, 'model')", "query/kernel": "P(None, 'model')",
                                  "attention_output/kernel": "P('model',)", "up/bias": "P()"}
    assert result["mp_up_shard_shape"] == [8, 4]  # (8, 16) split 4 ways on its columns
    assert result["mp_slots_like_kernel"] == ["P(None, 'model')"]  # the momentum follows its kernel


def test_model_parallel_layout_errors_and_warnings(result):
    assert len(result["mp_warnings"]) == 1 and "'no_such_layer.*'" in result["mp_warnings"][0]
    assert "'up/kernel'" in result["mp_bad_rank"] and "rank 1" in result["mp_bad_rank"] \
        and "rank 2" in result["mp_bad_rank"]


@pytest.mark.skipif(os.environ.get("KERASETTE_TEST_MULTIPROCESS") != "1",
                    reason="2 JAX processes (~30 s of CPU): set KERASETTE_TEST_MULTIPROCESS=1")
def test_two_processes_through_jax_distributed():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = os.path.join(os.path.dirname(SCRIPT), "jax_process_script.py")
    procs = []
    for i in range(2):
        env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2", OMP_NUM_THREADS="1",
                   KERAS_DISTRIBUTION_JOB_ADDRESSES=f"127.0.0.1:{port}", KERAS_DISTRIBUTION_NUM_PROCESSES="2",
                   KERAS_DISTRIBUTION_PROCESS_ID=str(i),
                   PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        procs.append(subprocess.Popen([sys.executable, script], env=env, cwd=ROOT, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    try:
        outs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            p.kill()
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
        r = json.loads(out.strip().splitlines()[-1])
        assert (r["processes"], r["replicas"]) == (2, 4)
        assert r["weights_diff"] < DP_ATOL
        assert r["eval"][1] == pytest.approx(r["eval"][0], rel=1e-6)
