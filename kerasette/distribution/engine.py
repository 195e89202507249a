"""The active engine's distributed runtime: ``kerasette/backends/<engine>/distributed.py``.

Each engine module provides (the contract the distribution API calls):

- ``list_devices(device_type)`` -> device names, ``"cpu:0"`` style, every process's;
- ``initialize(job_addresses, num_processes, process_id)``: join the job;
- ``process_count()``, ``process_index()``;
- ``device_mesh(mesh)`` -> the engine's mesh for a ``DeviceMesh``;
- ``tensor_layout(layout)`` -> the engine's placement for a ``TensorLayout``;
- ``distribute_tensor(tensor, layout)`` -> the tensor placed per the layout.

Optional, for an engine whose arrays span the whole mesh from one controller
(JAX): ``GLOBAL_ARRAYS = True`` makes ``placement`` lay out the variables and
batches and constrain the step's outputs; ``distribute_data_input(batch, layout)``
builds a global batch from host data (default: ``distribute_tensor``).

The NumPy engine has none: it runs in one process on one device.
"""
import importlib

from .. import config

DISTRIBUTED_ENGINES = ("jax", "torch")


def runtime(what="kerasette.distribution"):
    """The active engine's distributed module; a clear error on an engine without one."""
    name = config.active().name
    if name not in DISTRIBUTED_ENGINES:
        raise ValueError(f"{what}: the {name} engine runs on one device and cannot distribute; "
                         f"distribution runs on the {' and '.join(DISTRIBUTED_ENGINES)} engines "
                         f"(set KERASETTE_BACKEND=jax or KERASETTE_BACKEND=torch).")
    return importlib.import_module(f"kerasette.backends.{name}.distributed")


def list_devices(device_type=None):
    if config.active().name not in DISTRIBUTED_ENGINES:
        return ["cpu:0"]
    return runtime().list_devices(device_type)


_JOINED = [False]  # set by ``initialize``: this process is part of a multi-process job


def initialize(job_addresses=None, num_processes=None, process_id=None):
    runtime("initialize").initialize(job_addresses, num_processes, process_id)
    _JOINED[0] = True


def _in_a_job():
    from .distributions import distribution
    return config.active().name in DISTRIBUTED_ENGINES and (_JOINED[0] or distribution() is not None)


def process_count():
    """How many processes take part (1 outside a job: nothing is imported to tell)."""
    return runtime().process_count() if _in_a_job() else 1


def process_index():
    """This process's rank (0 outside a job); rank 0 is the one that writes files."""
    return runtime().process_index() if _in_a_job() else 0
