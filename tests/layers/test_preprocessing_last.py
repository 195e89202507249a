"""The last image layers (``RandAugment``, ``AugMix``, ``RandomElasticTransform``, CLAHE,
``MaxNumBoundingBoxes``) and ``kerasette.utils.bounding_boxes``: against Keras 3 where
Keras is deterministic, portable draws across engines, and inside a jitted ``fit``."""
import numpy as np
import pytest

from kerasette import config, layers, models, ops
from kerasette.utils import bounding_boxes as bb

RNG = np.random.default_rng(31)
IMAGES = RNG.integers(20, 230, (2, 9, 7, 3)).astype("float32")
XY = RNG.uniform(0, 50, (2, 4, 2))
BOXES = np.concatenate([XY, XY + RNG.uniform(1, 20, (2, 4, 2))], -1).astype("float32")  # xyxy
ANCHORS = BOXES[0] + 1.5
FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx", "rel_xywh",
           "rel_center_xywh")


def npy(x):
    return np.asarray(ops.convert_to_numpy(x), np.float64)


def keras_values(keras_module, fn):
    """``fn()`` on Keras, compiled as one program on Keras's JAX backend (op-by-op eager
    JAX would compile each of its ops: seconds of suite time)."""
    if keras_module.backend.backend() == "jax":
        import jax
        return jax.tree_util.tree_map(np.asarray, jax.jit(fn)())
    return fn()


def _box_calls(f):
    """The same bounding-box calls on ``f`` (kerasette's or Keras's namespace)."""
    angle = [np.array(v, "float32") for v in ([10, -30], [0.1, -0.05], [0, 0.2], [1, 1.3], [5, 0], [0, -8])]
    deltas = f.encode_box_to_deltas(ANCHORS, BOXES, "xyxy", "xyxy")
    out = {f"to_{t}": f.convert_format(BOXES, "xyxy", t, height=60, width=80) for t in FORMATS}
    out["rel_to_rel"] = f.convert_format(BOXES / 90, "rel_center_xywh", "rel_yxyx", height=60, width=80)
    clipped = f.clip_to_image_size({"boxes": BOXES - 10, "labels": np.arange(8).reshape(2, 4)}, height=30, width=40)
    out.update({"clip_boxes": clipped["boxes"], "clip_labels": clipped["labels"],
                "crop": f.crop(BOXES, 5, 7, 30, 40), "pad": f.pad(BOXES, 5, 7),
                "affine": f.affine_transform(BOXES, *angle, 60, 80, center_x=0.2, center_y=0.7),
                "iou": f.compute_iou(BOXES, ANCHORS, "xywh"),
                "iou_masked": f.compute_iou(np.concatenate([BOXES[0], -np.ones((1, 4), "float32")]), ANCHORS, "xyxy",
                                            use_masking=True),
                "ciou": f.compute_ciou(BOXES, BOXES[::-1] + 2, "xyxy"), "deltas": deltas,
                "deltas_var": f.encode_box_to_deltas(ANCHORS, BOXES, "xywh", "xyxy", "center_xywh",
                                                     [0.1, 0.1, 0.2, 0.2]),
                "decoded": f.decode_deltas_to_boxes(ANCHORS, deltas, "xyxy", "rel_yxyx", image_shape=(60, 80, 3))})
    return out


@pytest.fixture(scope="module")
def keras_boxes(keras_module):
    theirs = keras_values(keras_module, lambda: _box_calls(keras_module.utils.bounding_boxes))
    return {k: np.asarray(v, np.float64) for k, v in theirs.items()}


@pytest.mark.keras_oracle
def test_bounding_boxes_match_keras(engine, keras_boxes):
    theirs = keras_boxes
    if config.backend() == "jax":  # traced in one program: eager JAX compiles op by op (seconds)
        import jax
        ours = jax.jit(lambda: _box_calls(bb))()
    else:
        ours = _box_calls(bb)
    for key, value in theirs.items():
        np.testing.assert_allclose(npy(ours[key]), np.asarray(value, np.float64), rtol=1e-4, atol=1e-4, err_msg=key)
    with pytest.raises(ValueError, match="convert_format: `target` must be one of"):
        bb.convert_format(BOXES, "xyxy", "xyz")
    with pytest.raises(ValueError, match="`height` and `width` are needed"):
        bb.convert_format(BOXES, "xyxy", "rel_xyxy")
    with pytest.raises(ValueError, match="compute_iou: `boxes1` must have shape"):
        bb.compute_iou(BOXES[0, 0], ANCHORS, "xyxy")


CLAHE_X = IMAGES / 255.0  # padded, uneven tiles; the shapes of the fit below (eager JAX compiles once)
CLAHE_ARGS = {"tile_grid_size": (2, 3), "clip_limit": 2.0, "value_range": (0, 1)}


@pytest.fixture(scope="module")
def keras_clahe(keras_module):
    layer = keras_module.layers.ContrastLimitedAdaptiveHistogramEqualization(**CLAHE_ARGS)
    return np.asarray(keras_values(keras_module, lambda: layer(CLAHE_X)))


@pytest.mark.keras_oracle
def test_clahe_matches_keras(engine, keras_clahe):
    x, kwargs, theirs = CLAHE_X, CLAHE_ARGS, keras_clahe
    layer = layers.ContrastLimitedAdaptiveHistogramEqualization(**kwargs)
    np.testing.assert_allclose(npy(layer(x)), theirs, atol=1e-4)
    np.testing.assert_allclose(npy(layer(x, training=False)), theirs, atol=1e-4)  # deterministic: always on
    first = layers.ContrastLimitedAdaptiveHistogramEqualization(data_format="channels_first", **kwargs)
    np.testing.assert_allclose(npy(first(np.moveaxis(x, -1, 1))), np.moveaxis(theirs, -1, 1), atol=1e-4)
    again = layers.ContrastLimitedAdaptiveHistogramEqualization.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="ContrastLimitedAdaptiveHistogramEqualization .*`tile_grid_size`"):
        layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(0, 2))


@pytest.mark.keras_oracle
@pytest.mark.parametrize("max_number", [2, 6])
def test_max_num_bounding_boxes_matches_keras(engine, keras_module, max_number):
    data = {"images": IMAGES, "bounding_boxes": {"boxes": BOXES, "labels": np.arange(8, dtype="int32").reshape(2, 4)}}
    theirs = keras_module.layers.MaxNumBoundingBoxes(max_number, bounding_box_format="xyxy")(data)
    layer = layers.MaxNumBoundingBoxes(max_number, bounding_box_format="xyxy")
    ours = layer(data)
    for key in ("boxes", "labels"):
        np.testing.assert_array_equal(npy(ours["bounding_boxes"][key]), np.asarray(theirs["bounding_boxes"][key]))
    np.testing.assert_array_equal(npy(ours["images"]), IMAGES)
    one = layer({"images": IMAGES[0], "bounding_boxes": {"boxes": BOXES[0], "labels": np.arange(4)}})
    assert tuple(ops.shape(one["bounding_boxes"]["boxes"])) == (max_number, 4)
    np.testing.assert_array_equal(npy(layer(IMAGES)), IMAGES)
    assert layers.MaxNumBoundingBoxes.from_config(layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError, match="MaxNumBoundingBoxes .*`bounding_box_format`"):
        layers.MaxNumBoundingBoxes(3)(data)
    with pytest.raises(ValueError, match="MaxNumBoundingBoxes .*`max_number`"):
        layers.MaxNumBoundingBoxes(0)


def _random_layers():
    return [layers.RandAugment(num_ops=1, seed=4),
            layers.AugMix(num_chains=1, chain_depth=1, all_ops=False, alpha=0.5, seed=4),
            layers.RandomElasticTransform(factor=(1.0, 1.0), seed=4)]


@pytest.mark.keras_oracle
def test_random_layers_identity_settings_match_keras(engine, keras_module):
    k = keras_module.layers
    for ours, theirs in zip(_random_layers(), [k.RandAugment(num_ops=1), k.AugMix(), k.RandomElasticTransform()]):
        np.testing.assert_allclose(npy(ours(IMAGES, training=False)), np.asarray(theirs(IMAGES, training=False)))
        again = type(ours).from_config(ours.get_config())
        assert again.get_config() == ours.get_config()
    for kwargs in ({"factor": 0.0}, {"scale": 0.0}):
        np.testing.assert_array_equal(npy(layers.RandomElasticTransform(**kwargs, seed=1)(IMAGES)),
                                      np.asarray(k.RandomElasticTransform(**kwargs, seed=1)(IMAGES)))
    np.testing.assert_array_equal(npy(layers.RandAugment(num_ops=0)(IMAGES)), IMAGES)  # as Keras's loop of 0 ops
    with pytest.raises(ValueError, match="AugMix .*`alpha`"):
        layers.AugMix(alpha=0)
    with pytest.raises(ValueError, match="RandAugment .*`factor`"):
        layers.RandAugment(factor=2.0)
    with pytest.raises(ValueError, match="RandomElasticTransform .*`fill_mode`"):
        layers.RandomElasticTransform(fill_mode="edge")


def test_random_layers_same_images_on_every_engine(engines):
    """NumPy against torch (JAX runs the same ops jitted in ``test_in_a_jitted_fit``; eager
    JAX would compile each op of the 20 sub-layers, too slow for the suite)."""
    outs = []
    for name in [n for n in engines if n != "jax"]:
        previous = config.backend()
        config.set_backend(name)
        try:
            outs.append([npy(layer(IMAGES)) for layer in _random_layers()])
        finally:
            config.set_backend(previous)
    for got in outs[0]:  # each layer changed the images and kept them in range
        assert np.abs(got - IMAGES).max() > 1.0 and got.min() >= 0 and got.max() <= 255
    for other in outs[1:]:
        for a, b in zip(other, outs[0]):
            np.testing.assert_allclose(a, b, atol=1e-3)


def test_in_a_jitted_fit(engine):
    model = models.Sequential([layers.Input((9, 7, 3)), *_random_layers(), layers.Rescaling(1 / 255.0),
                               layers.ContrastLimitedAdaptiveHistogramEqualization(**CLAHE_ARGS),
                               layers.GlobalAveragePooling2D(), layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(IMAGES, np.ones((2, 1), "float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
