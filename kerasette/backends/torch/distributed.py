"""The PyTorch engine's distributed runtime (``torch.distributed``), one process per device.

The contract the distribution API calls (``kerasette/distribution/engine.py``):
``list_devices``, ``initialize``, ``process_count``, ``process_index``,
``device_mesh``, ``tensor_layout``, ``distribute_tensor``. Plus the collectives
the data-parallel trainer uses (``kerasette/distribution/multiprocess.py``):
``all_reduce_sum``, ``broadcast``, ``broadcast_object``, ``shard_position``.

* Jobs are launched by ``torchrun``: ``initialize()`` reads ``MASTER_ADDR``,
  ``MASTER_PORT``, ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``; gloo on CPU, NCCL on
  CUDA (each process takes ``cuda:LOCAL_RANK``). ``list_devices`` joins such a job
  by itself the first time it is asked.
* Every collective has a bounded wait: ``KERASETTE_DISTRIBUTED_TIMEOUT`` seconds
  (default 300); a rank that died makes the others raise a RuntimeError naming the
  collective instead of hanging.
* Collectives are bucketed: the tensors are flattened into one buffer per dtype
  (at most ``_BUCKET_BYTES`` each), so a step costs one ``all_reduce`` per bucket.
"""
from __future__ import annotations

import datetime
import os

import numpy as np
import torch
import torch.distributed as dist

_BUCKET_BYTES = 32 * 2**20
_TIMEOUT_ENV = "KERASETTE_DISTRIBUTED_TIMEOUT"


def _timeout():
    return datetime.timedelta(seconds=float(os.environ.get(_TIMEOUT_ENV, "300")))


def _joined():
    return dist.is_available() and dist.is_initialized()


def _launched_by_torchrun():
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "MASTER_ADDR" in os.environ \
        and "RANK" in os.environ


def _device_type():
    from ... import config
    return config.active().device.type


def _keras_device_name(kind):
    return "gpu" if kind == "cuda" else kind


# ------------------------------------------------------------------ contract
def list_devices(device_type=None):
    """One device per process of the job (``"cpu:0"``, ``"gpu:1"``...), or this
    process's devices when it is alone."""
    if not _joined() and _launched_by_torchrun():
        initialize()
    kind = _keras_device_name(_device_type())
    wanted = None if device_type is None else _keras_device_name(device_type.lower())
    if wanted not in (None, kind):  # not the kind this job computes on: this process's own
        if wanted == "gpu" and torch.cuda.is_available():
            return [f"gpu:{i}" for i in range(torch.cuda.device_count())]
        return ["cpu:0"] if wanted == "cpu" else []
    if _joined():
        return [f"{kind}:{i}" for i in range(dist.get_world_size())]
    if kind == "gpu":
        return [f"gpu:{i}" for i in range(torch.cuda.device_count())]
    return ["cpu:0"]


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """``torch.distributed.init_process_group`` from the arguments or torchrun's
    environment; gloo on CPU, NCCL on CUDA; collectives time out after
    ``KERASETTE_DISTRIBUTED_TIMEOUT`` seconds. A no-op in a single process launched
    without a job (nothing set) and once joined."""
    if _joined():
        return
    env = os.environ
    if job_addresses is None:
        job_addresses = env.get("KERAS_DISTRIBUTION_JOB_ADDRESSES")
    if num_processes is None:
        num_processes = env.get("KERAS_DISTRIBUTION_NUM_PROCESSES", env.get("WORLD_SIZE"))
    if process_id is None:
        process_id = env.get("KERAS_DISTRIBUTION_PROCESS_ID", env.get("RANK"))
    if job_addresses is None and num_processes in (None, "1", 1) and "MASTER_ADDR" not in env:
        return  # nothing to join: one process
    if job_addresses:
        first = job_addresses.split(",")[0].strip()
        addr, _, port = first.rpartition(":")
        if not addr:
            raise ValueError(f"kerasette.distribution.initialize: job address {first!r} must be "
                             f"'host:port'.")
    else:
        addr, port = env.get("MASTER_ADDR"), env.get("MASTER_PORT", "29500")
    missing = [n for n, v in (("the coordinator address (MASTER_ADDR)", addr),
                              ("num_processes (WORLD_SIZE)", num_processes),
                              ("process_id (RANK)", process_id)) if v in (None, "")]
    if missing:
        raise ValueError(f"kerasette.distribution.initialize: missing {', '.join(missing)}; "
                         f"launch with torchrun or pass job_addresses, num_processes and "
                         f"process_id.")
    world, rank = int(num_processes), int(process_id)
    if not 0 <= rank < world:
        raise ValueError(f"kerasette.distribution.initialize: process_id {rank} is outside "
                         f"0..{world - 1} for num_processes={world}.")
    use_cuda = torch.cuda.is_available() and not env.get("KERASETTE_DEVICE", "").startswith("cpu")
    if use_cuda:
        local = int(env.get("LOCAL_RANK", rank % max(1, torch.cuda.device_count())))
        torch.cuda.set_device(local)
        from ... import config
        b = config.active()
        if b.name == "torch" and b.device.type == "cuda" and "KERASETTE_DEVICE" not in env:
            b.device = torch.device("cuda", local)
            b._generator = torch.Generator(device=b.device)
    dist.init_process_group("nccl" if use_cuda else "gloo", init_method=f"tcp://{addr}:{port}",
                            rank=rank, world_size=world, timeout=_timeout())


def process_count():
    return dist.get_world_size() if _joined() else 1


def process_index():
    return dist.get_rank() if _joined() else 0


def device_mesh(mesh):
    """A ``torch.distributed.device_mesh.DeviceMesh`` with the mesh's shape and axis names."""
    from torch.distributed.device_mesh import init_device_mesh
    size = process_count()
    if size != mesh.devices.size:
        raise ValueError(f"DeviceMesh: shape {mesh.shape} needs {mesh.devices.size} processes "
                         f"(one per device on the torch engine); the job has {size}.")
    return init_device_mesh(_device_type(), mesh.shape, mesh_dim_names=mesh.axis_names)


def tensor_layout(layout):
    """``(torch DeviceMesh, placements)``: per mesh axis, ``Shard(d)`` where tensor
    dimension ``d`` is laid on it, else ``Replicate()``."""
    from torch.distributed.tensor import Replicate, Shard
    mesh = layout.device_mesh
    placements = []
    for name in mesh.axis_names:
        dims = [d for d, a in enumerate(layout.axes) if a == name]
        if len(dims) > 1:
            raise ValueError(f"TensorLayout {list(layout.axes)}: the mesh axis {name!r} is used by "
                             f"several dimensions {dims}.")
        placements.append(Shard(dims[0]) if dims else Replicate())
    return mesh.backend_mesh, placements


def distribute_tensor(tensor, layout):
    """A DTensor of ``tensor`` laid per ``layout`` (rank 0's values are the ones kept)."""
    from torch.distributed.tensor import DTensor
    from torch.distributed.tensor import distribute_tensor as place
    from ... import config
    if layout is None:
        return tensor
    if not isinstance(tensor, torch.Tensor):
        tensor = config.active().convert(tensor)
    if len(layout.axes) != tensor.ndim:
        raise ValueError(f"distribute_tensor: the layout {list(layout.axes)} has rank "
                         f"{len(layout.axes)} but the tensor has rank {tensor.ndim} "
                         f"(shape {tuple(tensor.shape)}).")
    mesh, placements = tensor_layout(layout)
    if isinstance(tensor, DTensor):
        return tensor.redistribute(mesh, placements)
    return place(tensor.detach(), mesh, placements)


def allow_mixing_with_sharded():
    """Let plain tensors (batches, replicated variables) meet DTensors in one op, as
    replicated DTensors (torch's ``implicit_replication``, kept on from now)."""
    if not _IMPLICIT:
        from torch.distributed.tensor.experimental import implicit_replication
        _IMPLICIT.append(implicit_replication())
        _IMPLICIT[0].__enter__()


_IMPLICIT = []


def is_sharded(tensor):
    """Whether ``tensor`` is a DTensor sharded on some mesh axis."""
    from torch.distributed.tensor import DTensor, Shard
    return isinstance(tensor, DTensor) and any(isinstance(p, Shard) for p in tensor.placements)


# ------------------------------------------------- collectives for the trainer
def shard_position(distribution):
    """``(index, count)``: this process's position along the distribution's batch
    axis and that axis's size (which slice of each global batch it reads)."""
    mesh = distribution.device_mesh
    axis = mesh.axis_names.index(distribution.batch_dim_name)
    count = mesh.shape[axis]
    coords = np.unravel_index(process_index(), mesh.shape)
    return int(coords[axis]), count


def _guard(what, fn):
    try:
        return fn()
    except (RuntimeError, dist.DistBackendError) as e:
        raise RuntimeError(
            f"kerasette.distribution: the collective {what} failed on process "
            f"{process_index()} of {process_count()}; another process probably died or is stuck "
            f"(collectives wait at most {_timeout().total_seconds():g} s, "
            f"{_TIMEOUT_ENV}): {e}") from e


def _buckets(tensors):
    """Index groups of same-dtype tensors, each at most ``_BUCKET_BYTES`` (one tensor
    alone may exceed it)."""
    groups, sizes = {}, {}
    out = []
    for i, t in enumerate(tensors):
        key = t.dtype
        n = t.numel() * t.element_size()
        if key in groups and sizes[key] + n > _BUCKET_BYTES:
            out.append(groups.pop(key))
            sizes[key] = 0
        groups.setdefault(key, []).append(i)
        sizes[key] = sizes.get(key, 0) + n
    out.extend(groups.values())
    return out


def _bucketed(tensors, what, collective, scale=None):
    out = list(tensors)
    for idx in _buckets(tensors):
        flat = torch.cat([tensors[i].detach().reshape(-1) for i in idx])
        if scale is not None:
            flat.mul_(scale)
        _guard(what, lambda: collective(flat))
        offset = 0
        for i in idx:
            n = tensors[i].numel()
            out[i] = flat[offset:offset + n].view(tensors[i].shape)
            offset += n
    return out


def all_reduce_sum(tensors, scale=None, what="all_reduce"):
    """The element-wise sums over every process of ``tensors`` (times ``scale``, when
    given), as new tensors."""
    return _bucketed(tensors, what, lambda flat: dist.all_reduce(flat, op=dist.ReduceOp.SUM),
                     scale)


def broadcast(tensors, src=0, what="broadcast"):
    """Process ``src``'s values of ``tensors`` on every process (new tensors)."""
    return _bucketed(tensors, what, lambda flat: dist.broadcast(flat, src))


def broadcast_object(obj, src=0, what="broadcast"):
    """Process ``src``'s ``obj`` (picklable) on every process."""
    box = [obj]
    _guard(what, lambda: dist.broadcast_object_list(box, src))
    return box[0]
