"""JAX's distributed runtime for ``kerasette.distribution`` (the contract in
``kerasette/distribution/engine.py``): SPMD through ``jax.sharding``.

One controller drives every device of the mesh: a variable or a batch is one
global ``jax.Array`` laid out by a ``NamedSharding``; the single jitted step
compiles with those shardings and XLA inserts the collectives (the gradient
all-reduce of data parallelism, the gathers of a sharded kernel). Several hosts
run one process each, joined by ``jax.distributed.initialize``.
"""
import os

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

# Arrays span every device of the mesh: the trainer places variables and batches
# with ``distribute_tensor`` and constrains the step's outputs to the same layouts.
GLOBAL_ARRAYS = True


def _name(device):
    return f"{device.platform}:{device.id}"


def list_devices(device_type=None):
    """Every process's devices as ``"cpu:0"``-style names (``device_type``: "cpu",
    "gpu", "tpu"; default: JAX's default backend)."""
    devices = jax.devices(device_type.lower()) if device_type else jax.devices()
    return [_name(d) for d in devices]


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """``jax.distributed.initialize`` from the arguments, else from Keras's variables
    ``KERAS_DISTRIBUTION_JOB_ADDRESSES`` (comma-separated ``host:port``; the first
    is the coordinator), ``KERAS_DISTRIBUTION_NUM_PROCESSES``,
    ``KERAS_DISTRIBUTION_PROCESS_ID``; with none of them JAX detects the cluster
    (SLURM, TPU pods, its own ``JAX_COORDINATOR_ADDRESS``...)."""
    env = os.environ
    if job_addresses is None:
        job_addresses = env.get("KERAS_DISTRIBUTION_JOB_ADDRESSES")
    if num_processes is None and env.get("KERAS_DISTRIBUTION_NUM_PROCESSES"):
        num_processes = int(env["KERAS_DISTRIBUTION_NUM_PROCESSES"])
    if process_id is None and env.get("KERAS_DISTRIBUTION_PROCESS_ID"):
        process_id = int(env["KERAS_DISTRIBUTION_PROCESS_ID"])
    coordinator = job_addresses.split(",")[0].strip() if job_addresses else None
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes,
                               process_id=process_id)


def process_count():
    return jax.process_count()


def process_index():
    return jax.process_index()


def device_mesh(mesh):
    """The ``jax.sharding.Mesh`` of a ``DeviceMesh`` (its device names resolved)."""
    by_name = {_name(d): d for d in jax.devices()}
    for kind in {str(n).split(":")[0] for n in mesh.devices.ravel()} - {d.platform for d in jax.devices()}:
        by_name.update({_name(d): d for d in jax.devices(kind)})
    unknown = [n for n in mesh.devices.ravel() if str(n) not in by_name]
    if unknown:
        raise ValueError(f"DeviceMesh: devices {unknown} are not JAX devices; JAX has "
                         f"{sorted(by_name)}.")
    grid = np.array([by_name[str(n)] for n in mesh.devices.ravel()], dtype=object)
    return Mesh(grid.reshape(mesh.shape), mesh.axis_names)


def tensor_layout(layout):
    """The ``NamedSharding`` of a ``TensorLayout`` (a ``PartitionSpec`` on its mesh)."""
    return NamedSharding(layout.device_mesh.backend_mesh, PartitionSpec(*layout.axes))


def _sharding(layout):
    return layout if isinstance(layout, jax.sharding.Sharding) else layout.backend_layout


def distribute_tensor(tensor, layout):
    """``tensor`` laid out per ``layout`` (a ``TensorLayout`` or a JAX sharding):
    ``jax.device_put`` outside a trace, ``with_sharding_constraint`` inside ``jit``."""
    sharding = _sharding(layout)
    if isinstance(tensor, jax.core.Tracer):
        return jax.lax.with_sharding_constraint(tensor, sharding)
    if isinstance(tensor, jax.Array) and tensor.sharding == sharding:
        return tensor
    if jax.process_count() > 1 and not sharding.is_fully_addressable:
        host = np.asarray(tensor)  # the same value in every process (same seed, or broadcast)
        return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])
    return jax.device_put(tensor, sharding)


def distribute_data_input(batch, layout):
    """A host batch (the global batch: every process reads the same batches) as one
    global array split per ``layout``; each process copies in only the rows of
    the devices it drives."""
    sharding = _sharding(layout)
    if jax.process_count() == 1 or isinstance(batch, (jax.core.Tracer, jax.Array)):
        return distribute_tensor(batch, sharding)
    batch = np.asarray(batch)
    return jax.make_array_from_callback(batch.shape, sharding, lambda index: batch[index])


def to_host(array):
    """A NumPy copy of a global array that spans several processes: a replicated one
    from this process's copy, a sharded one gathered from every process (a
    collective: every process must ask)."""
    if array.is_fully_replicated:
        return np.asarray(array.addressable_data(0))
    from jax.experimental import multihost_utils
    return np.asarray(multihost_utils.process_allgather(array, tiled=True))
