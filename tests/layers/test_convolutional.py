"""Convolution layers through the generic harness, on every engine.

References are direct loops in NumPy float64 written from the definitions
(TensorFlow's 'same' split, Keras's transposed-conv output lengths), not from
kerasette's helpers.
"""
import numpy as np
import pytest

from kerasette import layers

from .harness import check_config_round_trip, check_layer, keras_configs


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _tup(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


# ---------------------------------------------------------------- references
def _pad_amounts(n, k, s, d, padding):
    kd = (k - 1) * d + 1
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return kd - 1, 0
    out = -(-n // s)
    total = max((out - 1) * s + kd - n, 0)
    return total // 2, total - total // 2


def _windows(x, window, strides, padding, dilation, pad_value=0.0):
    """Yield (output index, window (N, *window, C)) of channels-last float64 ``x``."""
    pads = [_pad_amounts(n, k, s, d, padding)
            for n, k, s, d in zip(x.shape[1:-1], window, strides, dilation)]
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=pad_value)
    out = [(n - (k - 1) * d - 1) // s + 1 for n, k, s, d in zip(xp.shape[1:-1], window, strides, dilation)]
    for idx in np.ndindex(*out):
        key = (slice(None),) + tuple(slice(o * s, o * s + (k - 1) * d + 1, d)
                                     for o, s, k, d in zip(idx, strides, window, dilation))
        yield tuple(out), idx, xp[key + (slice(None),)]


def conv_ref(x, kernel, strides=1, padding="valid", dilation=1, groups=1, bias=None,
             data_format="channels_last"):
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    nsp = x.ndim - 2
    window = kernel.shape[:nsp]
    strides, dilation = _tup(strides, nsp), _tup(dilation, nsp)
    cg, c_out = kernel.shape[-2:]
    og = c_out // groups
    result = None
    for out, idx, win in _windows(x, window, strides, padding, dilation):
        if result is None:
            result = np.zeros((x.shape[0],) + out + (c_out,))
        for g in range(groups):
            w = win[..., g * cg:(g + 1) * cg]
            k = kernel[..., g * og:(g + 1) * og]
            result[(slice(None),) + idx + (slice(g * og, (g + 1) * og),)] = np.tensordot(
                w, k, axes=(list(range(1, nsp + 2)), list(range(nsp + 1))))
    if bias is not None:
        result = result + bias
    if data_format == "channels_first":
        result = np.moveaxis(result, -1, 1)
    return result


def depthwise_ref(x, kernel, strides=1, padding="valid", dilation=1, bias=None):
    x = np.asarray(x, np.float64)
    nsp = x.ndim - 2
    window = kernel.shape[:nsp]
    c, m = kernel.shape[-2:]
    strides, dilation = _tup(strides, nsp), _tup(dilation, nsp)
    result = None
    for out, idx, win in _windows(x, window, strides, padding, dilation):
        if result is None:
            result = np.zeros((x.shape[0],) + out + (c * m,))
        # out channel c * m + j = sum over the window of x[..., c] * kernel[..., c, j]
        prod = np.einsum("nkc,kcj->ncj", win.reshape(x.shape[0], -1, c),
                         kernel.reshape(-1, c, m).astype(np.float64))
        result[(slice(None),) + idx + (slice(None),)] = prod.reshape(x.shape[0], c * m)
    return result if bias is None else result + bias


def conv_transpose_ref(x, kernel, strides=1, padding="valid", output_padding=None, dilation=1,
                       bias=None, data_format="channels_last"):
    """Scatter definition: input cell i adds ``x[i] * kernel[j]`` at ``i * s + j * d`` of the full
    result; Keras keeps the window [start, start + length) of the zero-extended full result."""
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    nsp = x.ndim - 2
    window = kernel.shape[:nsp]
    strides, dilation = _tup(strides, nsp), _tup(dilation, nsp)
    ops_ = (None,) * nsp if output_padding is None else _tup(output_padding, nsp)
    starts, lengths = [], []
    for n, k, s, d, p in zip(x.shape[1:-1], window, strides, dilation, ops_):
        kd = (k - 1) * d + 1
        if padding == "valid":
            starts.append(0)
            lengths.append((n - 1) * s + kd + (max(kd, s) - kd if p is None else p))
        else:
            length = n * s if p is None else (n - 1) * s + kd % 2 + p
            total = (n - 1) * s + kd - length  # cells of the full result dropped
            starts.append(max(total, 0) // 2 if p is None else
                          kd - 1 - min((kd + kd % 2 - 2 + p + 1) // 2, kd - 1))
            lengths.append(length)
    full_shape = [max((n - 1) * s + (k - 1) * d + 1, a + L) for n, k, s, d, a, L
                  in zip(x.shape[1:-1], window, strides, dilation, starts, lengths)]
    full = np.zeros((x.shape[0],) + tuple(full_shape) + (kernel.shape[-2],))
    for i in np.ndindex(*x.shape[1:-1]):
        for j in np.ndindex(*window):
            pos = tuple(a * s + b * d for a, b, s, d in zip(i, j, strides, dilation))
            full[(slice(None),) + pos] += x[(slice(None),) + i] @ kernel[j].T
    y = full[(slice(None),) + tuple(slice(a, a + L) for a, L in zip(starts, lengths))]
    if bias is not None:
        y = y + bias
    if data_format == "channels_first":
        y = np.moveaxis(y, -1, 1)
    return y


def test_references_agree_with_each_other():
    """The transposed reference is the adjoint of the conv reference (valid and same)."""
    rng = np.random.default_rng(1)
    for padding, n, k, s in [("valid", 5, 3, 2), ("same", 5, 3, 2), ("same", 4, 4, 2), ("valid", 4, 2, 1)]:
        x = rng.normal(size=(1, n * s if padding == "same" else (n - 1) * s + k, 2))
        kern = rng.normal(size=(k, 2, 3))
        y = conv_ref(x, kern, s, padding)
        g = rng.normal(size=y.shape)
        xt = conv_transpose_ref(g, kern, s, padding, output_padding=0 if padding == "valid" else None)
        np.testing.assert_allclose(np.sum(y * g), np.sum(x * xt[:, :x.shape[1]]), rtol=1e-10)


# ---------------------------------------------------------------- regular conv
CONV2D_CASES = [
    dict(filters=4, kernel_size=3),
    dict(filters=4, kernel_size=(3, 2), strides=2, padding="same"),
    dict(filters=3, kernel_size=(2, 3), strides=(2, 1), padding="valid"),
    dict(filters=4, kernel_size=3, padding="same", dilation_rate=2),
    dict(filters=4, kernel_size=2, groups=2, padding="same", activation="tanh"),
    dict(filters=3, kernel_size=2, strides=2, padding="same", data_format="channels_first"),
    dict(filters=2, kernel_size=3, use_bias=False, dilation_rate=(1, 2)),
]


def _conv_case_id(case):
    return "-".join(f"{k}={v}" for k, v in case.items() if k != "filters")


@pytest.mark.keras_oracle
@pytest.mark.parametrize("case", CONV2D_CASES, ids=_conv_case_id)
def test_conv2d(engine, keras_module, case):
    cf = case.get("data_format") == "channels_first"
    x = _x(2, 4, 5, 5) if cf else _x(2, 5, 5, 4 if case.get("groups") else 3)
    act = np.tanh if case.get("activation") == "tanh" else (lambda v: v)

    def ref(x, w):
        return act(conv_ref(x, w[0], case.get("strides", 1), case.get("padding", "valid"),
                            case.get("dilation_rate", 1), case.get("groups", 1),
                            w[1] if len(w) > 1 else None, case.get("data_format", "channels_last")))

    layer = check_layer(lambda dt: layers.Conv2D(**case, dtype=dt), x, ref,
                        keras_layer=lambda k: k.layers.Conv2D(**case), keras_module=keras_module)
    c_in = x.shape[1] if cf else x.shape[-1]
    k = _tup(case["kernel_size"], 2)
    assert [w.shape for w in layer.weights] == [k + (c_in // case.get("groups", 1), case["filters"])] + \
        ([(case["filters"],)] if case.get("use_bias", True) else [])
    assert [w.name for w in layer.weights][:1] == ["kernel"]


CONV1D_CASES = [
    dict(filters=3, kernel_size=3),
    dict(filters=3, kernel_size=3, strides=2, padding="same"),
    dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2),
    dict(filters=2, kernel_size=2, padding="causal", strides=2),
    dict(filters=4, kernel_size=2, groups=2, data_format="channels_first"),
]


@pytest.mark.keras_oracle
@pytest.mark.parametrize("case", CONV1D_CASES, ids=_conv_case_id)
def test_conv1d(engine, keras_module, case):
    cf = case.get("data_format") == "channels_first"
    x = _x(2, 4, 7) if cf else _x(2, 7, 3)

    def ref(x, w):
        return conv_ref(x, w[0], case.get("strides", 1), case.get("padding", "valid"),
                        case.get("dilation_rate", 1), case.get("groups", 1), w[1],
                        case.get("data_format", "channels_last"))

    check_layer(lambda dt: layers.Conv1D(**case, dtype=dt), x, ref,
                keras_layer=lambda k: k.layers.Conv1D(**case), keras_module=keras_module)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("case", [dict(filters=2, kernel_size=2),
                                  dict(filters=2, kernel_size=(3, 2, 2), strides=2, padding="same"),
                                  dict(filters=2, kernel_size=2, data_format="channels_first")],
                         ids=_conv_case_id)
def test_conv3d(engine, keras_module, case):
    cf = case.get("data_format") == "channels_first"
    x = _x(2, 2, 4, 3, 4) if cf else _x(2, 4, 3, 4, 2)

    def ref(x, w):
        return conv_ref(x, w[0], case.get("strides", 1), case.get("padding", "valid"), 1, 1, w[1],
                        case.get("data_format", "channels_last"))

    check_layer(lambda dt: layers.Conv3D(**case, dtype=dt), x, ref,
                keras_layer=lambda k: k.layers.Conv3D(**case), keras_module=keras_module)


# -------------------------------------------------------------- depthwise / separable
@pytest.mark.keras_oracle
@pytest.mark.parametrize("case", [dict(kernel_size=3, depth_multiplier=2),
                                  dict(kernel_size=2, strides=2, padding="same"),
                                  dict(kernel_size=3, padding="same", dilation_rate=2, depth_multiplier=2,
                                       activation="relu")],
                         ids=_conv_case_id)
def test_depthwise_conv2d(engine, keras_module, case):
    x = _x(2, 5, 5, 3) + 0.05
    act = (lambda v: np.maximum(v, 0)) if case.get("activation") == "relu" else (lambda v: v)

    def ref(x, w):
        return act(depthwise_ref(x, w[0], case.get("strides", 1), case.get("padding", "valid"),
                                 case.get("dilation_rate", 1), w[1]))

    layer = check_layer(lambda dt: layers.DepthwiseConv2D(**case, dtype=dt), x, ref,
                        keras_layer=lambda k: k.layers.DepthwiseConv2D(**case), keras_module=keras_module)
    m = case.get("depth_multiplier", 1)
    assert [w.shape for w in layer.weights] == [_tup(case["kernel_size"], 2) + (3, m), (3 * m,)]


@pytest.mark.keras_oracle
def test_depthwise_conv1d(engine, keras_module):
    case = dict(kernel_size=3, depth_multiplier=2, padding="same", strides=2)
    check_layer(lambda dt: layers.DepthwiseConv1D(**case, dtype=dt), _x(2, 7, 3),
                lambda x, w: depthwise_ref(x, w[0], 2, "same", 1, w[1]),
                keras_layer=lambda k: k.layers.DepthwiseConv1D(**case), keras_module=keras_module)


def _separable_ref(x, w, strides, padding, dilation):
    y = depthwise_ref(x, w[0], strides, padding, dilation)
    return y @ w[1].reshape(w[1].shape[-2:]).astype(np.float64) + w[2]


@pytest.mark.keras_oracle
@pytest.mark.parametrize("case", [dict(filters=4, kernel_size=3, depth_multiplier=2),
                                  dict(filters=3, kernel_size=2, strides=2, padding="same")],
                         ids=_conv_case_id)
def test_separable_conv2d(engine, keras_module, case):
    layer = check_layer(lambda dt: layers.SeparableConv2D(**case, dtype=dt), _x(2, 5, 5, 3),
                        lambda x, w: _separable_ref(x, w, case.get("strides", 1),
                                                    case.get("padding", "valid"), 1),
                        keras_layer=lambda k: k.layers.SeparableConv2D(**case), keras_module=keras_module)
    m = case.get("depth_multiplier", 1)
    assert [w.name for w in layer.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    assert [w.shape for w in layer.weights] == [_tup(case["kernel_size"], 2) + (3, m),
                                                (1, 1, 3 * m, case["filters"]), (case["filters"],)]


@pytest.mark.keras_oracle
def test_separable_conv1d(engine, keras_module):
    case = dict(filters=4, kernel_size=3, depth_multiplier=2, padding="same", dilation_rate=2)
    check_layer(lambda dt: layers.SeparableConv1D(**case, dtype=dt), _x(2, 7, 3),
                lambda x, w: _separable_ref(x, w, 1, "same", 2),
                keras_layer=lambda k: k.layers.SeparableConv1D(**case), keras_module=keras_module)


# -------------------------------------------------------------- transposed conv
CONV2DT_CASES = [
    dict(filters=3, kernel_size=3, strides=2),
    dict(filters=3, kernel_size=2, strides=3),  # stride > kernel: Keras pads to (n-1)*s + s
    dict(filters=2, kernel_size=3, strides=2, padding="same"),
    dict(filters=2, kernel_size=(4, 3), strides=2, padding="same"),
    dict(filters=2, kernel_size=3, strides=2, padding="valid", output_padding=1),
    dict(filters=2, kernel_size=3, strides=2, padding="same", output_padding=1),
    dict(filters=2, kernel_size=4, strides=(2, 3), padding="same", output_padding=(0, 2)),
    dict(filters=2, kernel_size=3, padding="same", dilation_rate=2),
    dict(filters=2, kernel_size=3, strides=2, padding="same", data_format="channels_first"),
]


@pytest.mark.keras_oracle
@pytest.mark.parametrize("case", CONV2DT_CASES, ids=_conv_case_id)
def test_conv2d_transpose(engine, keras_module, case):
    cf = case.get("data_format") == "channels_first"
    x = _x(2, 3, 3, 4) if cf else _x(2, 3, 4, 3)

    def ref(x, w):
        return conv_transpose_ref(x, w[0], case.get("strides", 1), case.get("padding", "valid"),
                                  case.get("output_padding"), case.get("dilation_rate", 1), w[1],
                                  case.get("data_format", "channels_last"))

    layer = check_layer(lambda dt: layers.Conv2DTranspose(**case, dtype=dt), x, ref,
                        keras_layer=lambda k: k.layers.Conv2DTranspose(**case), keras_module=keras_module)
    assert layer.weights[0].shape == _tup(case["kernel_size"], 2) + (case["filters"], 3)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("case", [dict(filters=2, kernel_size=3, strides=2),
                                  dict(filters=2, kernel_size=3, strides=2, padding="same", output_padding=1),
                                  dict(filters=2, kernel_size=2, padding="same", dilation_rate=2)],
                         ids=_conv_case_id)
def test_conv1d_transpose(engine, keras_module, case):
    def ref(x, w):
        return conv_transpose_ref(x, w[0], case.get("strides", 1), case.get("padding", "valid"),
                                  case.get("output_padding"), case.get("dilation_rate", 1), w[1])

    check_layer(lambda dt: layers.Conv1DTranspose(**case, dtype=dt), _x(2, 4, 3), ref,
                keras_layer=lambda k: k.layers.Conv1DTranspose(**case), keras_module=keras_module)


@pytest.mark.keras_oracle
def test_conv3d_transpose(engine, keras_module):
    case = dict(filters=2, kernel_size=2, strides=2, padding="same")
    check_layer(lambda dt: layers.Conv3DTranspose(**case, dtype=dt), _x(2, 2, 3, 2, 2),
                lambda x, w: conv_transpose_ref(x, w[0], 2, "same", None, 1, w[1]),
                keras_layer=lambda k: k.layers.Conv3DTranspose(**case), keras_module=keras_module)


# -------------------------------------------------------------- shapes, aliases, config
def test_unknown_spatial_dims_stay_none(engine):
    inp = layers.Input(shape=(None, None, 3))
    out = layers.Conv2D(4, 3, strides=2, name="c")(inp)
    assert out.shape == (None, None, None, 4)
    assert layers.Conv2DTranspose(2, 3, strides=2)(inp).shape == (None, None, None, 2)
    assert layers.SeparableConv2D(2, 3, data_format="channels_first")(
        layers.Input(shape=(3, None, 6))).shape == (None, 2, None, 4)
    assert layers.Conv1D(2, 3, padding="causal")(layers.Input(shape=(None, 3))).shape == (None, None, 2)
    layer = layers.Conv2D(4, 3)
    layer(inp)
    assert engine.shape(layer(np.zeros((1, 6, 4, 3), "float32"))) == (1, 4, 2, 4)


@pytest.mark.parametrize("cls, kwargs, shape, want", [
    (layers.Conv2D, dict(filters=2, kernel_size=3, strides=2, padding="same"), (None, 7, 8, 3), (None, 4, 4, 2)),
    (layers.Conv1D, dict(filters=2, kernel_size=3, padding="causal", strides=2), (None, 7, 3), (None, 4, 2)),
    (layers.Conv3D, dict(filters=2, kernel_size=(1, 2, 3)), (None, 3, 4, 5, 1), (None, 3, 3, 3, 2)),
    (layers.DepthwiseConv2D, dict(kernel_size=3, depth_multiplier=3), (None, 5, 5, 2), (None, 3, 3, 6)),
    (layers.Conv2DTranspose, dict(filters=2, kernel_size=2, strides=3), (None, 3, 3, 1), (None, 9, 9, 2)),
    (layers.Conv2DTranspose, dict(filters=2, kernel_size=3, strides=2, padding="same", output_padding=1),
     (None, 3, 3, 1), (None, 6, 6, 2)),
    (layers.Conv1DTranspose, dict(filters=2, kernel_size=3, data_format="channels_first"), (None, 4, 5),
     (None, 2, 7)),
])
def test_compute_output_shape(engine, cls, kwargs, shape, want):
    assert tuple(cls(**kwargs).compute_output_shape(shape)) == want


def test_aliases():
    assert layers.Convolution2D is layers.Conv2D
    assert layers.Convolution1D is layers.Conv1D and layers.Convolution3D is layers.Conv3D
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.SeparableConvolution2D is layers.SeparableConv2D


ALL_CONV = [
    (layers.Conv1D, dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2)),
    (layers.Conv2D, dict(filters=2, kernel_size=(3, 2), strides=2, groups=2, activation="relu")),
    (layers.Conv3D, dict(filters=2, kernel_size=2, data_format="channels_first")),
    (layers.DepthwiseConv1D, dict(kernel_size=3, depth_multiplier=2)),
    (layers.DepthwiseConv2D, dict(kernel_size=3, padding="same")),
    (layers.SeparableConv1D, dict(filters=2, kernel_size=3)),
    (layers.SeparableConv2D, dict(filters=2, kernel_size=3, depth_multiplier=2)),
    (layers.Conv1DTranspose, dict(filters=2, kernel_size=3, output_padding=1, strides=2)),
    (layers.Conv2DTranspose, dict(filters=2, kernel_size=3, padding="same")),
    (layers.Conv3DTranspose, dict(filters=2, kernel_size=3)),
]


@pytest.mark.parametrize("cls, kwargs", ALL_CONV, ids=[c.__name__ for c, _ in ALL_CONV])
def test_get_config_round_trip(cls, kwargs):
    cfg = check_config_round_trip(cls, kwargs)
    for key, value in kwargs.items():
        got = cfg[key]
        assert got == value or got == _tup(value, len(got) if isinstance(got, tuple) else 1)


@pytest.mark.keras_oracle
@pytest.mark.parametrize("cls, kwargs", ALL_CONV, ids=[c.__name__ for c, _ in ALL_CONV])
def test_config_keys_match_keras(keras_module, cls, kwargs):
    ours, theirs, keys = keras_configs(keras_module, cls, kwargs)
    for key in keys:
        if isinstance(theirs[key], (int, str, tuple, bool)) or theirs[key] is None:
            assert ours[key] == theirs[key], key


# -------------------------------------------------------------- bad inputs
def test_conv2d_rank_3_input_says_rank_4(engine):
    with pytest.raises(ValueError, match=r"conv_bad.*expected ndim=4, found ndim=3.*\(2, 5, 3\)"):
        layers.Conv2D(2, 3, name="conv_bad")(np.zeros((2, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r"conv_sym.*ndim=4.*ndim=3"):
        layers.Conv2D(2, 3, name="conv_sym")(layers.Input(shape=(5, 3)))


def test_kernel_larger_than_input_valid(engine):
    with pytest.raises(ValueError, match=r"Conv2D 'big'.*kernel \(4, 4\).*\(3, 3\).*non-positive"):
        layers.Conv2D(2, 4, name="big")(np.zeros((1, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match=r"Conv1D 'dil'.*non-positive"):
        layers.Conv1D(2, 3, dilation_rate=3, name="dil")(layers.Input(shape=(6, 2)))
    # 'same' never shrinks to nothing
    assert engine.shape(layers.Conv2D(2, 4, padding="same")(np.zeros((1, 3, 3, 1), "float32"))) == (1, 3, 3, 2)
    # a kernel too large for an input whose size was unknown at build time
    layer = layers.Conv2D(2, 4, name="late")
    layer(layers.Input(shape=(None, None, 1)))
    with pytest.raises(ValueError, match=r"late.*non-positive"):
        layer(np.zeros((1, 3, 5, 1), "float32"))


def test_channel_mismatch_after_build(engine):
    layer = layers.Conv2D(2, 3, name="chan")
    layer(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r"chan.*axis -1.*value 3.*\(1, 5, 5, 4\)"):
        layer(np.zeros((1, 5, 5, 4), "float32"))
    cf = layers.DepthwiseConv2D(3, data_format="channels_first", name="chan_first")
    cf(np.zeros((1, 2, 5, 5), "float32"))
    with pytest.raises(ValueError, match=r"chan_first.*axis 1.*value 2"):
        cf(np.zeros((1, 3, 5, 5), "float32"))


def test_bad_arguments():
    with pytest.raises(ValueError, match="groups"):
        layers.Conv2D(3, 3, groups=2)
    with pytest.raises(ValueError, match="divisible by groups"):
        layers.Conv2D(4, 3, groups=2)(layers.Input(shape=(5, 5, 3)))
    with pytest.raises(ValueError, match="padding"):
        layers.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="padding"):
        layers.Conv1DTranspose(2, 3, padding="causal")
    with pytest.raises(ValueError, match="dilation"):
        layers.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="output_padding"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="kernel_size"):
        layers.Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="filters"):
        layers.Conv2D(0, 3)
    with pytest.raises(ValueError, match="data_format"):
        layers.Conv2D(2, 3, data_format="nhwc")


def test_conv_in_sequential_trains(engine):
    from kerasette import models
    from kerasette.utils import set_random_seed
    set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6, 6, 1)).astype("float32")
    y = (x[:, :3].sum(axis=(1, 2, 3)) > x[:, 3:].sum(axis=(1, 2, 3))).astype("float32")
    model = models.Sequential([layers.Input(shape=(6, 6, 1)),
                               layers.Conv2D(4, 3, activation="relu", padding="same"),
                               layers.MaxPooling2D(), layers.Flatten(),
                               layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    hist = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    losses = hist.history["loss"]
    assert losses[-1] < losses[0]
