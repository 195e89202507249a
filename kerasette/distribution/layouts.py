"""Device meshes and tensor layouts (Keras 3's ``keras.distribution`` objects).

Engine-neutral descriptions only: an engine turns them into its own objects
(``jax.sharding.Mesh``/``NamedSharding``, ``torch.distributed`` device meshes)
through ``backend_mesh``/``backend_layout``.
"""
import collections.abc
import math
import re

import numpy as np

from . import engine


class DeviceMesh:
    """A grid of devices with named axes.

    Args:
        shape: the grid's shape, e.g. ``(2, 4)``.
        axis_names: one name per axis, e.g. ``["batch", "model"]``.
        devices: device names (``"cpu:0"``, ``"gpu:1"``...) in row-major order;
            default: every device ``list_devices()`` returns.
    """

    def __init__(self, shape, axis_names, devices=None):
        shape, axis_names = tuple(int(s) for s in shape), tuple(axis_names)
        if not shape:
            raise ValueError("DeviceMesh: `shape` must have at least one axis.")
        if len(shape) != len(axis_names):
            raise ValueError(f"DeviceMesh: `shape` {shape} has {len(shape)} axes but `axis_names` "
                             f"{list(axis_names)} names {len(axis_names)}.")
        if devices is None:
            devices = engine.list_devices()
        devices = np.asarray(devices, dtype=object)
        if devices.size != math.prod(shape):
            raise ValueError(f"DeviceMesh: shape {shape} needs {math.prod(shape)} devices, "
                             f"got {devices.size}: {list(devices.ravel())}.")
        self._shape, self._axis_names = shape, axis_names
        self._devices = devices.reshape(shape)
        self._backend_mesh = None

    shape = property(lambda self: self._shape)
    axis_names = property(lambda self: self._axis_names)
    devices = property(lambda self: self._devices)

    @property
    def backend_mesh(self):
        """The active engine's mesh object (built once)."""
        if self._backend_mesh is None:
            self._backend_mesh = engine.runtime("DeviceMesh").device_mesh(self)
        return self._backend_mesh

    def __repr__(self):
        return f"<DeviceMesh shape={self.shape} axis_names={list(self.axis_names)}>"


class TensorLayout:
    """How a tensor lies on a mesh: one mesh axis name (or None: replicated) per
    tensor dimension."""

    def __init__(self, axes, device_mesh=None):
        self._axes = tuple(axes)
        self._device_mesh = self._backend_layout = None
        if device_mesh is not None:
            self.device_mesh = device_mesh

    axes = property(lambda self: self._axes)

    @property
    def device_mesh(self):
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, mesh):
        unknown = [a for a in self._axes if a is not None and a not in mesh.axis_names]
        if unknown:
            raise ValueError(f"TensorLayout {list(self._axes)}: axes {unknown} are not axes of the "
                             f"mesh {list(mesh.axis_names)}.")
        self._device_mesh = mesh
        self._backend_layout = None

    @property
    def backend_layout(self):
        """The active engine's layout object for this layout (built once)."""
        if self._device_mesh is None:
            raise ValueError(f"TensorLayout {list(self._axes)} has no device mesh.")
        if self._backend_layout is None:
            self._backend_layout = engine.runtime("TensorLayout").tensor_layout(self)
        return self._backend_layout

    def __repr__(self):
        return f"<TensorLayout axes={list(self.axes)}>"


class LayoutMap(collections.abc.MutableMapping):
    """Variable paths -> layouts. Keys are regular expressions: a lookup first tries
    the exact key, then every key that ``re.search``-matches the path; several
    matches are an error."""

    def __init__(self, device_mesh):
        self._device_mesh = device_mesh
        self._layouts = {}
        self.used = set()  # keys that matched a variable (unmatched ones earn a warning)

    device_mesh = property(lambda self: self._device_mesh)

    def __getitem__(self, key):
        if key in self._layouts:
            self.used.add(key)
            return self._layouts[key]
        matches = [k for k in self._layouts if re.search(k, key)]
        if len(matches) > 1:
            raise ValueError(f"LayoutMap: the path {key!r} matches several keys {matches}; make "
                             f"the keys more specific.")
        if matches:
            self.used.add(matches[0])
            return self._layouts[matches[0]]
        return None

    def __setitem__(self, key, layout):
        if key in self._layouts:
            raise ValueError(f"LayoutMap: {key!r} already has the layout {self._layouts[key]}.")
        if not isinstance(layout, TensorLayout):
            if not isinstance(layout, (tuple, list)):
                raise ValueError(f"LayoutMap[{key!r}]: expected a TensorLayout or a tuple of axis "
                                 f"names, got {layout!r}.")
            layout = TensorLayout(layout)
        layout.device_mesh = self._device_mesh
        self._layouts[key] = layout

    def __delitem__(self, key):
        del self._layouts[key]

    def __len__(self):
        return len(self._layouts)

    def __iter__(self):
        return iter(self._layouts)
