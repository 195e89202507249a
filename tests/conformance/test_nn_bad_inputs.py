"""Bad input to the nn family (``contract/nn.py``) and Keras's conv/pool forms: a
ValueError (TypeError for unknown keywords) naming the op and what is at fault, the
same on every engine, through ``kerasette.ops``."""
import numpy as np
import pytest

import kerasette.ops as ops


def f(*shape):
    return np.ones(shape, np.float32)


def i(*shape):
    return np.zeros(shape, np.int32)


BAD = [
    ("glu", lambda: ops.glu(f(2, 3)), ["glu", "(2, 3)", "even"]),
    ("batch_normalization", lambda: ops.batch_normalization(f(2, 3), f(4), f(3), axis=-1),
     ["batch_normalization", "mean", "(3,)", "(4,)"]),
    ("layer_normalization", lambda: ops.layer_normalization(f(2, 3), bogus=1), ["layer_normalization", "bogus"]),
    ("normalize", lambda: ops.normalize(f(2, 3), order=-1), ["normalize", "order"]),
    ("psnr", lambda: ops.psnr(f(2, 3), f(3, 2), 1.0), ["psnr", "(2, 3)", "(3, 2)"]),
    ("binary_crossentropy", lambda: ops.binary_crossentropy(f(2, 3), f(2, 4)),
     ["binary_crossentropy", "(2, 3)", "(2, 4)"]),
    ("categorical_crossentropy", lambda: ops.categorical_crossentropy(f(2, 3), f(2, 4)),
     ["categorical_crossentropy", "(2, 3)", "(2, 4)"]),
    ("sparse_categorical_crossentropy", lambda: ops.sparse_categorical_crossentropy(i(3), f(2, 4)),
     ["sparse_categorical_crossentropy", "(3,)", "(2, 4)"]),
    ("multi_hot", lambda: ops.multi_hot(i(2, 3)), ["multi_hot", "num_classes"]),
    ("multi_hot", lambda: ops.multi_hot(i(2, 3), 4, sparse=True), ["multi_hot", "sparse"]),
    ("one_hot", lambda: ops.one_hot(i(2), 4, sparse=True), ["one_hot", "sparse"]),
    ("depth_to_space", lambda: ops.depth_to_space(f(1, 2, 2, 6), 2), ["depth_to_space", "6", "4"]),
    ("depth_to_space", lambda: ops.depth_to_space(f(2, 2, 8), 2), ["depth_to_space", "4-D", "(2, 2, 8)"]),
    ("depth_to_space", lambda: ops.depth_to_space(f(1, 2, 2, 8), 2, "nhwc"), ["depth_to_space", "data_format"]),
    ("space_to_depth", lambda: ops.space_to_depth(f(1, 3, 4, 2), 2), ["space_to_depth", "(3, 4)", "2"]),
    ("unfold", lambda: ops.unfold(f(2, 4, 4), 2), ["unfold", "(2, 4, 4)"]),
    ("unfold", lambda: ops.unfold(f(1, 1, 2, 2), 3), ["unfold", "kernel"]),
    ("fold", lambda: ops.fold(f(1, 8, 5), (4, 4), 2, stride=2), ["fold", "(1, 8, 5)", "(4, 4)"]),
    ("adaptive_average_pool", lambda: ops.adaptive_average_pool(f(1, 4, 4, 2), (2, 2, 2)),
     ["adaptive_average_pool", "output_size"]),
    ("adaptive_max_pool", lambda: ops.adaptive_max_pool(f(3, 2), 2), ["adaptive_max_pool", "(3, 2)"]),
    ("dot_product_attention", lambda: ops.dot_product_attention(f(1, 2, 3, 4), f(1, 5, 2, 4), f(1, 5, 2, 4)),
     ["dot_product_attention", "(1, 2, 3, 4)", "(1, 5, 2, 4)"]),
    ("dot_product_attention", lambda: ops.dot_product_attention(f(2, 3, 4), f(2, 3, 4), f(2, 3, 4)),
     ["dot_product_attention", "4-D"]),
    ("dot_product_attention", lambda: ops.dot_product_attention(f(1, 2, 2, 4), f(1, 3, 2, 4), f(1, 3, 2, 4),
                                                                 flash_attention=True),
     ["dot_product_attention", "flash_attention"]),
    ("conv", lambda: ops.conv(f(1, 5, 5, 3), f(3, 3, 2, 4)), ["conv", "(3, 3, 2, 4)", "(1, 5, 5, 3)"]),
    ("conv", lambda: ops.conv(f(1, 5, 5, 3), f(3, 3, 3, 4), data_format="NHWC"), ["conv", "data_format"]),
    ("depthwise_conv", lambda: ops.depthwise_conv(f(1, 3, 5, 5), f(3, 3, 5, 1), data_format="channels_first"),
     ["depthwise_conv", "(3, 3, 5, 1)", "(1, 3, 5, 5)"]),
    ("max_pool", lambda: ops.max_pool(f(1, 4, 4, 1), 2, data_format="cf"), ["max_pool", "data_format"]),
]


@pytest.mark.parametrize("name,call,words", BAD, ids=[f"{n}-{k}" for k, (n, _, _) in enumerate(BAD)])
def test_bad_input_is_named(engine, name, call, words):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    text = str(info.value)
    missing = [w for w in words if w not in text]
    assert not missing, f"ops.{name} on {engine.name}: the message should name {missing}: {text}"
