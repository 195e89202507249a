"""Merge layers on every engine: values vs NumPy, finite-difference gradients, Keras 3
as an oracle, broadcasting, masks (Keras 3: OR of the input masks; Maximum/Minimum/
Multiply skip masked entries), function forms, and errors at build time.
"""
import numpy as np
import pytest

from kerasette import layers, models

from .harness import check_layer


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _f64(xs):
    return [np.asarray(a, np.float64) for a in xs]


ELEMENTWISE = {
    "Add": lambda xs: sum(xs),
    "Subtract": lambda xs: xs[0] - xs[1],
    "Multiply": lambda xs: np.prod(np.broadcast_arrays(*xs), axis=0),
    "Average": lambda xs: sum(xs) / len(xs),
    "Maximum": lambda xs: np.maximum.reduce(np.broadcast_arrays(*xs)),
    "Minimum": lambda xs: np.minimum.reduce(np.broadcast_arrays(*xs)),
}


@pytest.mark.keras_oracle
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_merges(engine, keras_module, name):
    n = 2 if name == "Subtract" else 3
    xs = [_x(2, 3, 4, seed=i) for i in range(n)]
    check_layer(lambda dt: getattr(layers, name)(dtype=dt), xs, lambda xs, w: ELEMENTWISE[name](_f64(xs)),
                keras_layer=lambda k: getattr(k.layers, name)(), keras_module=keras_module)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("name", ["Add", "Multiply", "Maximum"])
def test_broadcasting_merges(engine, keras_module, name):
    # same rank with a length-1 axis, and a lower-rank input (gets an axis after the batch)
    xs = [_x(2, 1, 3, seed=1), _x(2, 4, 3, seed=2)]
    check_layer(lambda dt: getattr(layers, name)(dtype=dt), xs, lambda xs, w: ELEMENTWISE[name](_f64(xs)),
                keras_layer=lambda k: getattr(k.layers, name)(), keras_module=keras_module)
    xs = [_x(2, 3, seed=3), _x(2, 4, 3, seed=4)]
    layer = check_layer(lambda dt: getattr(layers, name)(dtype=dt), xs,
                        lambda xs, w: ELEMENTWISE[name]([_f64(xs)[0][:, None, :], _f64(xs)[1]]),
                        keras_layer=lambda k: getattr(k.layers, name)(), keras_module=keras_module)
    assert layer.compute_output_shape([(None, 3), (None, 4, 3)]) == (None, 4, 3)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("axis", [-1, 1])
def test_concatenate(engine, keras_module, axis):
    xs = [_x(2, 3, 4, seed=1), _x(2, 3, 4, seed=2)] if axis == 1 else [_x(2, 3, 4, seed=1), _x(2, 3, 2, seed=2)]
    check_layer(lambda dt: layers.Concatenate(axis=axis, dtype=dt), xs,
                lambda xs, w: np.concatenate(xs, axis=axis),
                keras_layer=lambda k: k.layers.Concatenate(axis=axis), keras_module=keras_module)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("axes,shapes,normalize", [
    (1, [(2, 3), (2, 3)], False),
    (-1, [(2, 3), (2, 3)], True),
    ((2, 2), [(2, 3, 4), (2, 5, 4)], False),
    ((1, 1), [(2, 3, 4), (2, 3, 2)], True),
    ((2, 1), [(2, 3, 4), (2, 4, 2)], False),
    (1, [(2, 3), (2, 3, 2)], False),
])
def test_dot(engine, keras_module, axes, shapes, normalize):
    xs = [_x(*s, seed=i) for i, s in enumerate(shapes)]

    def ref(xs, w):
        a, b = _f64(xs)
        ax = (axes, axes) if isinstance(axes, int) else axes
        ax = (ax[0] % a.ndim, ax[1] % b.ndim)
        if normalize:
            a = a / np.sqrt((a ** 2).sum(ax[0], keepdims=True))
            b = b / np.sqrt((b ** 2).sum(ax[1], keepdims=True))
        out = np.stack([np.tensordot(a[i], b[i], axes=(ax[0] - 1, ax[1] - 1)) for i in range(a.shape[0])])
        return out.reshape(out.shape[0], 1) if out.ndim == 1 else out

    check_layer(lambda dt: layers.Dot(axes=axes, normalize=normalize, dtype=dt), xs, ref, rtol=1e-5,
                keras_layer=lambda k: k.layers.Dot(axes=axes, normalize=normalize), keras_module=keras_module)


def test_function_forms(engine):
    a, b = _x(2, 3, seed=1), _x(2, 3, seed=2)
    ia, ib = layers.Input((3,)), layers.Input((3,))
    cases = {"add": a + b, "subtract": a - b, "multiply": a * b, "average": (a + b) / 2,
             "maximum": np.maximum(a, b), "minimum": np.minimum(a, b), "concatenate": np.concatenate([a, b], -1),
             "dot": (a * b).sum(-1, keepdims=True)}
    for name, want in cases.items():
        fn = getattr(layers, name)
        kwargs = {"axes": 1} if name == "dot" else {}
        np.testing.assert_allclose(engine.to_numpy(fn([a, b], **kwargs)), want, rtol=1e-5, atol=1e-6)
        model = models.Model([ia, ib], fn([ia, ib], **kwargs))
        np.testing.assert_allclose(model.predict([a, b], verbose=0), want, rtol=1e-5, atol=1e-6)
    assert isinstance(layers.concatenate([ia, ib], axis=1, name="cat_fn")._node.layer, layers.Concatenate)


def test_bad_shapes_fail_at_build_time_naming_layer_and_shapes(engine):
    a, b = layers.Input((3, 4)), layers.Input((3, 5))
    with pytest.raises(ValueError, match=r"add_bad.*\(None, 3, 4\).*\(None, 3, 5\)"):
        layers.Add(name="add_bad")([a, b])
    with pytest.raises(ValueError, match=r"cat_bad.*\(None, 3, 4\).*\(None, 2, 5\)"):
        layers.Concatenate(name="cat_bad")([a, layers.Input((2, 5))])
    with pytest.raises(ValueError, match=r"dot_bad.*4.*5"):
        layers.Dot(axes=2, name="dot_bad")([a, b])
    with pytest.raises(ValueError, match="sub_bad.*exactly 2"):
        layers.Subtract(name="sub_bad")([a, a, a])
    with pytest.raises(ValueError, match="max_bad.*list"):
        layers.Maximum(name="max_bad")(a)
    with pytest.raises(ValueError, match="batch sizes"):
        layers.Add()([np.zeros((2, 3), "float32"), np.zeros((3, 3), "float32")])
    with pytest.raises(ValueError, match=r"mul_bad.*\(2, 4\)"):
        layers.Multiply(name="mul_bad")([np.zeros((2, 3), "float32"), np.zeros((2, 4), "float32")])


# ------------------------------------------------------------------------ masks
def test_masks_combine_like_keras3(engine):
    a, b = _x(2, 4, 3, seed=1), _x(2, 4, 3, seed=2)
    ma = np.array([[1, 1, 0, 0], [1, 0, 1, 0]], bool)
    mb = np.array([[1, 0, 1, 0], [1, 1, 1, 0]], bool)
    ca, cb = engine.convert(ma), engine.convert(mb)
    for cls in (layers.Add, layers.Subtract, layers.Average, layers.Maximum, layers.Minimum, layers.Multiply):
        layer = cls()
        np.testing.assert_array_equal(engine.to_numpy(layer.compute_mask([a, b], [ca, cb])), ma | mb)
        assert layer.compute_mask([a, b], [ca, None]) is None
        assert layer.compute_mask([a, b], None) is None
    # masked entries are skipped by Maximum/Minimum, count as 1 in Multiply
    both = (ma | mb)[..., None]
    ea, eb = ma[..., None], mb[..., None]
    want_max = np.where(ea & eb, np.maximum(a, b), np.where(ea, a, b))
    want_min = np.where(ea & eb, np.minimum(a, b), np.where(ea, a, b))
    want_mul = np.where(both, np.where(ea, a, 1) * np.where(eb, b, 1), 0)
    for cls, want in ((layers.Maximum, want_max), (layers.Minimum, want_min), (layers.Multiply, want_mul)):
        got = engine.to_numpy(cls()([a, b], mask=[ca, cb]))
        np.testing.assert_allclose(got[np.broadcast_to(both, got.shape)], want[np.broadcast_to(both, got.shape)],
                                   rtol=1e-6)
    np.testing.assert_allclose(engine.to_numpy(layers.Add()([a, b], mask=[ca, cb])), a + b, rtol=1e-6)
    # Concatenate: masks joined along the axis (a missing mask counts as all-true)
    cat = layers.Concatenate(axis=1)
    np.testing.assert_array_equal(engine.to_numpy(cat.compute_mask([a, b], [ca, cb])), np.concatenate([ma, mb], 1))
    np.testing.assert_array_equal(engine.to_numpy(cat.compute_mask([a, b], [ca, None])),
                                  np.concatenate([ma, np.ones_like(mb)], 1))
    assert layers.Dot(axes=2).compute_mask([a, b], [ca, cb]) is None


@pytest.mark.keras_oracle
@pytest.mark.parametrize("merge", ["Maximum", "Multiply", "Add", "ConcatTime", "ConcatFeatures"])
def test_masked_merge_in_a_graph_matches_keras(engine, keras_module, merge):
    """Embedding(mask_zero) masks flow through the merge into a masked average pooling."""
    ids_a = np.array([[3, 1, 0, 0], [2, 2, 4, 0]], "int32")
    ids_b = np.array([[1, 0, 2, 0], [4, 3, 1, 2]], "int32")

    def build(L):
        ia, ib = L.Input((4,), dtype="int32"), L.Input((4,), dtype="int32")
        ea = L.Embedding(5, 3, mask_zero=True)(ia)
        eb = L.Embedding(5, 3, mask_zero=True)(ib)
        if merge == "ConcatTime":
            m = L.Concatenate(axis=1)([ea, eb])
        elif merge == "ConcatFeatures":
            m = L.Concatenate(axis=-1)([ea, eb])
        else:
            m = getattr(L, merge)()([ea, eb])
        return L.GlobalAveragePooling1D()(m), (ia, ib)

    out, ins = build(layers)
    ours = models.Model(list(ins), out)
    kout, kins = build(keras_module.layers)
    theirs = keras_module.Model(list(kins), kout)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours.predict([ids_a, ids_b], verbose=0),
                               keras_module.ops.convert_to_numpy(theirs([ids_a, ids_b])), rtol=1e-5, atol=1e-6)


def test_configs(engine):
    for layer in (layers.Concatenate(axis=1), layers.Dot(axes=(1, 2), normalize=True), layers.Add(name="a1")):
        cfg = layer.get_config()
        assert type(layer).from_config(cfg).get_config() == cfg
    assert layers.Dot(axes=(1, 2)).get_config()["axes"] == (1, 2)


@pytest.mark.keras_oracle
def test_configs_load_in_keras(engine, keras_module):
    for ours in (layers.Concatenate(axis=1), layers.Dot(axes=[1, 2], normalize=True), layers.Maximum()):
        cfg = ours.get_config()
        theirs = getattr(keras_module.layers, type(ours).__name__).from_config(cfg).get_config()
        for key, value in cfg.items():
            if key not in ("dtype", "name") and key in theirs:
                assert theirs[key] == value, (type(ours).__name__, key, value, theirs[key])
