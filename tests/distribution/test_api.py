"""kerasette.distribution's engine-neutral API, in-process and cheap: LayoutMap's
regex lookup, the layouts' and strategies' errors, the scope, the NumPy engine's
refusal; on JAX with its one device, the runtime's objects. (Several devices:
test_jax_distribution.py, in a subprocess.)"""
import inspect
import types

import numpy as np
import pytest

from kerasette import config
from kerasette import distribution as dist

DEVICES8 = [f"cpu:{i}" for i in range(8)]


def _var(path, shape):
    return types.SimpleNamespace(path=path, shape=shape)


@pytest.fixture(autouse=True)
def _no_distribution():
    yield
    dist.distributions._ACTIVE[0] = None


@pytest.fixture
def mesh():
    return dist.DeviceMesh((2, 4), ["batch", "model"], DEVICES8)


def test_layout_map_lookup_exact_then_regex(mesh):
    lm = dist.LayoutMap(mesh)
    lm["dense/kernel"] = (None, "model")
    lm[".*bias"] = ("model",)
    lm["conv.*kernel"] = dist.TensorLayout([None, None, None, "model"])
    assert lm["dense/kernel"].axes == (None, "model")
    assert lm["dense_1/bias"].axes == ("model",)
    assert lm["block/conv2d/kernel"].axes == (None, None, None, "model")
    assert lm["embedding/embeddings"] is None
    assert lm["conv.*kernel"].device_mesh is mesh  # the map's mesh is given to its layouts
    assert lm.used == {"dense/kernel", ".*bias", "conv.*kernel"}
    assert len(lm) == 3 and list(lm) == ["dense/kernel", ".*bias", "conv.*kernel"]


def test_layout_map_errors(mesh):
    lm = dist.LayoutMap(mesh)
    lm["dense.*"] = (None, "model")
    lm[".*kernel"] = ("model", None)
    with pytest.raises(ValueError, match=r"'dense/kernel' matches several keys"):
        lm["dense/kernel"]
    with pytest.raises(ValueError, match="already has the layout"):
        lm["dense.*"] = (None, None)
    with pytest.raises(ValueError, match="expected a TensorLayout or a tuple"):
        lm["x"] = "model"
    with pytest.raises(ValueError, match=r"axes \['rows'\] are not axes of the mesh"):
        lm["y"] = ("rows", None)


def test_device_mesh_errors():
    with pytest.raises(ValueError, match=r"shape \(2, 4\) needs 8 devices, got 4"):
        dist.DeviceMesh((2, 4), ["batch", "model"], DEVICES8[:4])
    with pytest.raises(ValueError, match="has 2 axes but `axis_names`"):
        dist.DeviceMesh((2, 4), ["batch"], DEVICES8)
    mesh = dist.DeviceMesh((8,), ["data"], DEVICES8)
    assert mesh.devices.shape == (8,) and mesh.axis_names == ("data",)


def test_strategies_layouts_and_errors(mesh):
    dp = dist.DataParallel(devices=DEVICES8)
    assert dp.device_mesh.axis_names == ("batch",) and dp.num_model_replicas == 8
    assert dp.get_data_layout((16, 3, 5)).axes == ("batch", None, None)
    assert dp.get_variable_layout(_var("d/kernel", (3, 4))).axes == (None, None)
    with pytest.raises(ValueError, match="expected a one-axis device mesh"):
        dist.DataParallel(device_mesh=mesh)
    with pytest.raises(ValueError, match=r"global batch size 12 does not divide evenly over 8"):
        dp.check_global_batch(12)
    dp.check_global_batch(16)

    lm = dist.LayoutMap(mesh)
    lm["d/kernel"] = (None, "model")
    mp = dist.ModelParallel(layout_map=lm, batch_dim_name="batch")
    assert mp.num_model_replicas == 2 and mp.get_data_layout((4, 3)).axes == ("batch", None)
    assert mp.get_variable_layout(_var("d/kernel", (3, 4))).axes == (None, "model")
    assert mp.get_variable_layout(_var("d/bias", (4,))).axes == (None,)  # unmatched: replicated
    with pytest.raises(ValueError, match=r"has rank 2 but the variable 'd/kernel' has rank 3"):
        mp.get_variable_layout(_var("d/kernel", (3, 4, 5)))
    with pytest.raises(ValueError, match="batch_dim_name 'rows' is not an axis"):
        dist.ModelParallel(layout_map=lm, batch_dim_name="rows")
    with pytest.raises(ValueError, match="pass `layout_map`"):
        dist.ModelParallel()
    with pytest.raises(TypeError, match="unexpected arguments"):
        dist.ModelParallel(layout_map=lm, mesh=mesh)


def test_numpy_engine_refuses_naming_the_engines_that_distribute():
    previous = config._active
    config.set_backend("numpy")
    try:
        assert dist.list_devices() == ["cpu:0"]
        dp = dist.DataParallel()
        for call in (lambda: dist.set_distribution(dp), lambda: dp.scope().__enter__(),
                     lambda: dist.initialize(), lambda: dist.distribute_tensor(np.zeros(2), None)):
            with pytest.raises(ValueError, match=r"numpy engine .* cannot distribute.*jax and torch"):
                call()
        assert dist.distribution() is None
    finally:
        config._active = previous


def test_set_distribution_and_scope(engine):
    if engine.name == "numpy":
        pytest.skip("the NumPy engine refuses (test above)")
    pytest.importorskip(f"kerasette.backends.{engine.name}.distributed")
    mesh = dist.DeviceMesh((1,), ["batch"], dist.list_devices()[:1])
    outer, inner = dist.DataParallel(device_mesh=mesh), dist.DataParallel(device_mesh=mesh)
    with pytest.raises(ValueError, match="expected a Distribution"):
        dist.set_distribution("data")
    dist.set_distribution(outer)
    with inner.scope() as d:
        assert d is inner and dist.distribution() is inner
    assert dist.distribution() is outer
    dist.set_distribution(None)
    assert dist.distribution() is None


def test_jax_runtime_objects_on_one_device():
    jax = pytest.importorskip("jax")
    previous = config._active
    config.set_backend("jax")
    try:
        assert dist.list_devices() == ["cpu:0"] and dist.get_device_count() == 1
        mesh = dist.DeviceMesh((1,), ["batch"])
        assert isinstance(mesh.backend_mesh, jax.sharding.Mesh) and mesh.backend_mesh.axis_names == ("batch",)
        layout = dist.TensorLayout(["batch", None], mesh)
        assert layout.backend_layout.spec == jax.sharding.PartitionSpec("batch", None)
        x = dist.distribute_tensor(np.ones((2, 3), "float32"), layout)
        assert x.sharding == layout.backend_layout
        inside = jax.jit(lambda t: dist.distribute_tensor(t * 2, layout))(x)  # a constraint in a trace
        assert np.allclose(np.asarray(inside), 2.0)
        with pytest.raises(ValueError, match=r"devices \['cpu:5'\] are not JAX devices"):
            dist.DeviceMesh((1,), ["batch"], ["cpu:5"]).backend_mesh
    finally:
        config._active = previous


@pytest.mark.keras_oracle
def test_signatures_match_keras(keras_module):
    ours, theirs = dist, keras_module.distribution
    for name in ("DataParallel", "ModelParallel", "DeviceMesh", "TensorLayout", "LayoutMap", "initialize",
                 "list_devices", "get_device_count", "distribute_tensor", "set_distribution", "distribution"):
        assert inspect.signature(getattr(ours, name)) == inspect.signature(getattr(theirs, name)), name
