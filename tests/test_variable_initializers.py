"""``Variable(initializer=..., shape=...)`` as Keras 3: names, objects and callables."""
import numpy as np
import pytest

import kerasette
from kerasette import initializers


@pytest.mark.parametrize("name, lo, hi", [("uniform", -0.05, 0.05), ("zeros", 0, 0), ("ones", 1, 1),
                                          ("glorot_uniform", -0.1, 0.1)])
def test_named_initializer_book_pattern(engine, name, lo, hi):
    v = kerasette.Variable(shape=(784, 512), initializer=name)
    x = np.asarray(engine.to_numpy(v.value))
    assert x.shape == (784, 512) and x.dtype == np.float32
    assert lo <= x.min() and x.max() <= hi
    if lo != hi:
        assert x.std() > 0


def test_object_callable_and_dtype(engine):
    v = kerasette.Variable(initializers.Constant(2.0), shape=(2, 3), dtype="float16")
    assert np.asarray(engine.to_numpy(v.value)).tolist() == [[2.0] * 3] * 2
    assert v.dtype == "float16"
    w = kerasette.Variable(lambda shape, dtype: np.full(shape, 3.0), shape=(4,), trainable=False)
    assert not w.trainable and np.asarray(engine.to_numpy(w.value)).tolist() == [3.0] * 4


def test_unknown_name_and_missing_shape():
    with pytest.raises(ValueError, match="Unknown initializer 'nope'"):
        kerasette.Variable(shape=(2,), initializer="nope")
    with pytest.raises(ValueError, match="needs `shape`"):
        kerasette.Variable(initializer="zeros")


@pytest.mark.keras_oracle
def test_same_ranges_as_keras(keras_module):
    k = keras_module.Variable(shape=(64, 32), initializer="uniform")
    ours = kerasette.Variable(shape=(64, 32), initializer="uniform")
    kx = np.asarray(keras_module.ops.convert_to_numpy(k.value))
    assert kx.shape == ours.shape and str(kx.dtype) == ours.dtype
    assert abs(kx).max() <= 0.05 and np.asarray(kerasette.ops.convert_to_numpy(ours.value)).max() <= 0.05
