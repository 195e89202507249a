"""Scale-out with Keras 3's ``keras.distribution`` API, on the engines' own
distributed runtimes: ``jax.sharding``/``jax.distributed`` on JAX,
``torch.distributed`` on PyTorch. The NumPy engine runs on one device and says so.
"""
from . import engine
from .distributions import DataParallel, Distribution, ModelParallel, distribution, set_distribution
from .layouts import DeviceMesh, LayoutMap, TensorLayout
from .multiprocess import is_chief


def list_devices(device_type=None):
    """The devices of the active engine, as ``"cpu:0"``-style names (all processes)."""
    return engine.list_devices(device_type)


def get_device_count(device_type=None):
    """How many devices ``list_devices(device_type)`` returns."""
    return len(list_devices(device_type))


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Join a multi-process job (``jax.distributed.initialize`` on JAX,
    ``torch.distributed.init_process_group`` on PyTorch). Arguments left None are
    read from the environment the launcher sets (``torchrun``'s ``MASTER_ADDR``,
    ``RANK``, ``WORLD_SIZE``; Keras's ``KERAS_DISTRIBUTION_JOB_ADDRESSES``,
    ``KERAS_DISTRIBUTION_NUM_PROCESSES``, ``KERAS_DISTRIBUTION_PROCESS_ID``)."""
    engine.initialize(job_addresses, num_processes, process_id)


def distribute_tensor(tensor, layout):
    """Place ``tensor`` on the mesh per ``layout`` (a ``TensorLayout``)."""
    return engine.runtime("distribute_tensor").distribute_tensor(tensor, layout)


__all__ = ["DataParallel", "DeviceMesh", "Distribution", "LayoutMap", "ModelParallel", "TensorLayout",
           "distribute_tensor", "distribution", "get_device_count", "initialize", "is_chief",
           "list_devices", "set_distribution"]
