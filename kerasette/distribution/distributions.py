"""Distribution strategies: where variables and batches live (Keras 3's API).

``set_distribution(d)`` (or ``with d.scope():``) makes ``d`` the active strategy;
models built and trained while it is active place their variables with
``get_variable_layout`` and their batches with ``get_data_layout``. The engine
(JAX sharding, torch.distributed) does the placing.
"""
import contextlib

from . import engine
from .layouts import DeviceMesh, LayoutMap, TensorLayout

_ACTIVE = [None]


def distribution():
    """The active distribution, or None."""
    return _ACTIVE[0]


def set_distribution(value):
    """Make ``value`` (a ``Distribution`` or None) the active distribution."""
    if value is not None and not isinstance(value, Distribution):
        raise ValueError(f"set_distribution: expected a Distribution (DataParallel, ModelParallel) "
                         f"or None, got {value!r}.")
    if value is not None:
        engine.runtime("set_distribution")
    _ACTIVE[0] = value


class Distribution:
    """The common part of ``DataParallel`` and ``ModelParallel``."""

    def __init__(self, device_mesh, batch_dim_name=None, auto_shard_dataset=True):
        if batch_dim_name is not None and batch_dim_name not in device_mesh.axis_names:
            raise ValueError(f"{type(self).__name__}: batch_dim_name {batch_dim_name!r} is not an axis "
                             f"of the mesh {list(device_mesh.axis_names)}.")
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name or device_mesh.axis_names[0]
        self.auto_shard_dataset = auto_shard_dataset

    device_mesh = property(lambda self: self._device_mesh)
    batch_dim_name = property(lambda self: self._batch_dim_name)

    @property
    def num_model_replicas(self):
        """How many copies of the model see different data: the size of the batch axis."""
        return self._device_mesh.shape[self._device_mesh.axis_names.index(self._batch_dim_name)]

    @property
    def num_processes(self):
        return engine.process_count()

    @property
    def data_shard_id(self):
        return engine.process_index()

    @contextlib.contextmanager
    def scope(self):
        """Make this the active distribution inside the ``with`` block."""
        previous = distribution()
        set_distribution(self)
        try:
            yield self
        finally:
            _ACTIVE[0] = previous

    def get_data_layout(self, data_shape):
        """Batches are split along their first dimension over the batch axis."""
        return TensorLayout([self._batch_dim_name] + [None] * (len(data_shape) - 1), self._device_mesh)

    def get_variable_layout(self, variable):
        """Replicated, unless a subclass says otherwise."""
        return TensorLayout([None] * len(variable.shape), self._device_mesh)

    def get_tensor_layout(self, path):
        """The layout of an intermediate tensor named ``path``, or None."""
        return None

    def distribute_dataset(self, dataset):
        """Datasets are sharded by the trainer per process; returned unchanged."""
        return dataset

    def check_global_batch(self, batch_size):
        """Refuse a global batch that does not split evenly over the replicas."""
        n = self.num_model_replicas
        if batch_size is not None and batch_size % n:
            raise ValueError(f"{type(self).__name__}: the global batch size {batch_size} does not "
                             f"divide evenly over {n} model replicas; use a multiple of {n}.")

    def __repr__(self):
        return f"<{type(self).__name__} mesh={self._device_mesh}>"


class DataParallel(Distribution):
    """Replicate the model on every device; split each batch over them.

    Args:
        device_mesh: a one-axis ``DeviceMesh`` (its axis is the batch axis).
        devices: device names to build a one-axis mesh ``("batch",)`` from.
        auto_shard_dataset: let each process read only its share of the data.
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True):
        if device_mesh is None:
            if devices is None:
                devices = engine.list_devices()
            device_mesh = DeviceMesh((len(devices),), ["batch"], devices)
        elif len(device_mesh.shape) != 1:
            raise ValueError(f"DataParallel: expected a one-axis device mesh, got shape "
                             f"{device_mesh.shape}; use ModelParallel for several axes.")
        super().__init__(device_mesh, device_mesh.axis_names[0], auto_shard_dataset)


class ModelParallel(Distribution):
    """Shard variables per a ``LayoutMap``; split batches over ``batch_dim_name``.

    Args:
        layout_map: variable path patterns -> layouts (its mesh is the mesh used).
        batch_dim_name: the mesh axis batches are split over (default: the first).
    """

    def __init__(self, *, layout_map=None, batch_dim_name=None, auto_shard_dataset=True, **kwargs):
        device_mesh = kwargs.pop("device_mesh", None)
        if kwargs:
            raise TypeError(f"ModelParallel: unexpected arguments {sorted(kwargs)}.")
        if layout_map is None:
            if device_mesh is None:
                raise ValueError("ModelParallel: pass `layout_map` (a LayoutMap).")
            layout_map = LayoutMap(device_mesh)
        super().__init__(layout_map.device_mesh, batch_dim_name, auto_shard_dataset)
        self._layout_map = layout_map

    layout_map = property(lambda self: self._layout_map)

    def get_variable_layout(self, variable):
        layout = self._layout_map[variable.path]
        if layout is None:
            return super().get_variable_layout(variable)
        if len(layout.axes) != len(variable.shape):
            raise ValueError(f"ModelParallel: the layout {list(layout.axes)} has rank "
                             f"{len(layout.axes)} but the variable {variable.path!r} has rank "
                             f"{len(variable.shape)} (shape {tuple(variable.shape)}).")
        return layout

    def get_tensor_layout(self, path):
        return self._layout_map[path]
