"""``kerasette.ops`` takes Keras's parameter names, in Keras's order.

``KERAS_PARAMS`` is Keras 3.15's parameter list for every ``keras.ops`` name
(``*`` / ``**`` mark variadic ones); the Keras-free tests check kerasette
against it, and the ``keras_oracle`` test checks it against the installed Keras.
An op passes when Keras's parameters are a prefix of kerasette's (extra,
kerasette-only parameters may follow). ``EXCEPTIONS`` lists the ops that do not
yet, with the reason; an op that passes must leave that list.
"""
import inspect

import numpy as np
import pytest

import kerasette.ops as kops

KERAS_PARAMS = {
    'abs': ('x',), 'absolute': ('x',),
    'adaptive_average_pool': ('inputs', 'output_size', 'data_format'),
    'adaptive_max_pool': ('inputs', 'output_size', 'data_format'), 'add': ('x1', 'x2'),
    'all': ('x', 'axis', 'keepdims'), 'allclose': ('x1', 'x2', 'rtol', 'atol', 'equal_nan'),
    'amax': ('x', 'axis', 'keepdims'), 'amin': ('x', 'axis', 'keepdims'), 'angle': ('x',),
    'any': ('x', 'axis', 'keepdims'), 'append': ('x1', 'x2', 'axis'),
    'arange': ('start', 'stop', 'step', 'dtype'), 'arccos': ('x',), 'arccosh': ('x',),
    'arcsin': ('x',), 'arcsinh': ('x',), 'arctan': ('x',), 'arctan2': ('x1', 'x2'),
    'arctanh': ('x',), 'argmax': ('x', 'axis', 'keepdims'), 'argmin': ('x', 'axis', 'keepdims'),
    'argpartition': ('x', 'kth', 'axis'), 'argsort': ('x', 'axis'), 'array': ('x', 'dtype'),
    'array_split': ('x', 'indices_or_sections', 'axis'),
    'associative_scan': ('f', 'elems', 'reverse', 'axis'), 'average': ('x', 'axis', 'weights'),
    'average_pool': ('inputs', 'pool_size', 'strides', 'padding', 'data_format'),
    'bartlett': ('x',),
    'batch_normalization': ('x', 'mean', 'variance', 'axis', 'offset', 'scale', 'epsilon'),
    'binary_crossentropy': ('target', 'output', 'from_logits'),
    'bincount': ('x', 'weights', 'minlength', 'sparse'), 'bitwise_and': ('x', 'y'),
    'bitwise_invert': ('x',), 'bitwise_left_shift': ('x', 'y'), 'bitwise_not': ('x',),
    'bitwise_or': ('x', 'y'), 'bitwise_right_shift': ('x', 'y'), 'bitwise_xor': ('x', 'y'),
    'blackman': ('x',), 'broadcast_to': ('x', 'shape'), 'cast': ('x', 'dtype'),
    'categorical_crossentropy': ('target', 'output', 'from_logits', 'axis'), 'cbrt': ('x',),
    'cdist': ('x', 'y'), 'ceil': ('x',), 'celu': ('x', 'alpha'), 'cholesky': ('x', 'upper'),
    'cholesky_inverse': ('x', 'upper'), 'clip': ('x', 'x_min', 'x_max'),
    'concatenate': ('xs', 'axis'), 'cond': ('pred', 'true_fn', 'false_fn'), 'conj': ('x',),
    'conjugate': ('x',),
    'conv': ('inputs', 'kernel', 'strides', 'padding', 'data_format', 'dilation_rate'),
    'conv_transpose': ('inputs', 'kernel', 'strides', 'padding', 'output_padding', 'data_format', 'dilation_rate'),
    'convert_to_numpy': ('x',), 'convert_to_tensor': ('x', 'dtype', 'sparse', 'ragged'),
    'copy': ('x',), 'corrcoef': ('x',), 'correlate': ('x1', 'x2', 'mode'), 'cos': ('x',),
    'cosh': ('x',), 'count_nonzero': ('x', 'axis'),
    'cross': ('x1', 'x2', 'axisa', 'axisb', 'axisc', 'axis'),
    'ctc_decode': ('inputs', 'sequence_lengths', 'strategy', 'beam_width', 'top_paths', 'merge_repeated', 'mask_index'),
    'ctc_loss': ('target', 'output', 'target_length', 'output_length', 'mask_index'),
    'cumprod': ('x', 'axis', 'dtype'), 'cumsum': ('x', 'axis', 'dtype'), 'custom_gradient': ('f',),
    'deg2rad': ('x',), 'depth_to_space': ('x', 'block_size', 'data_format'),
    'depthwise_conv': ('inputs', 'kernel', 'strides', 'padding', 'data_format', 'dilation_rate'),
    'det': ('x',), 'diag': ('x', 'k'), 'diagflat': ('x', 'k'),
    'diagonal': ('x', 'offset', 'axis1', 'axis2'), 'diff': ('a', 'n', 'axis'),
    'digitize': ('x', 'bins'), 'divide': ('x1', 'x2'), 'divide_no_nan': ('x1', 'x2'),
    'dot': ('x1', 'x2'),
    'dot_product_attention': ('query', 'key', 'value', 'bias', 'mask', 'scale', 'is_causal', 'flash_attention', 'attn_logits_soft_cap'),
    'dsplit': ('x', 'indices_or_sections'), 'dstack': ('xs',), 'dtype': ('x',), 'eig': ('x',),
    'eigh': ('x',), 'einsum': ('subscripts', '*operands', '**kwargs'), 'elu': ('x', 'alpha'),
    'empty': ('shape', 'dtype'), 'empty_like': ('x', 'dtype'), 'equal': ('x1', 'x2'),
    'erf': ('x',), 'erfc': ('x',), 'erfinv': ('x',), 'exp': ('x',), 'exp2': ('x',),
    'expand_dims': ('x', 'axis'), 'expm1': ('x',),
    'extract_sequences': ('x', 'sequence_length', 'sequence_stride'),
    'eye': ('N', 'M', 'k', 'dtype'), 'fabs': ('x',), 'fft': ('x',), 'fft2': ('x',),
    'flip': ('x', 'axis'), 'fliplr': ('x',), 'flipud': ('x',), 'floor': ('x',),
    'floor_divide': ('x1', 'x2'), 'fmax': ('x1', 'x2'), 'fmin': ('x1', 'x2'), 'fmod': ('x1', 'x2'),
    'fold': ('x', 'output_size', 'kernel_size', 'dilation', 'padding', 'stride'),
    'fori_loop': ('lower', 'upper', 'body_fun', 'init_val'),
    'full': ('shape', 'fill_value', 'dtype'), 'full_like': ('x', 'fill_value', 'dtype'),
    'gcd': ('x1', 'x2'), 'gelu': ('x', 'approximate'),
    'geomspace': ('start', 'stop', 'num', 'endpoint', 'dtype', 'axis'), 'get_item': ('x', 'key'),
    'glu': ('x', 'axis'), 'greater': ('x1', 'x2'), 'greater_equal': ('x1', 'x2'),
    'hamming': ('x',), 'hanning': ('x',), 'hard_shrink': ('x', 'threshold'),
    'hard_sigmoid': ('x',), 'hard_silu': ('x',), 'hard_swish': ('x',), 'hard_tanh': ('x',),
    'heaviside': ('x1', 'x2'), 'histogram': ('x', 'bins', 'range'),
    'hsplit': ('x', 'indices_or_sections'), 'hstack': ('xs',), 'hypot': ('x1', 'x2'), 'i0': ('x',),
    'identity': ('n', 'dtype'), 'ifft2': ('x',), 'imag': ('x',),
    'in_top_k': ('targets', 'predictions', 'k'), 'inner': ('x1', 'x2'), 'inv': ('x',),
    'irfft': ('x', 'fft_length'), 'is_tensor': ('x',),
    'isclose': ('x1', 'x2', 'rtol', 'atol', 'equal_nan'), 'isfinite': ('x',),
    'isin': ('x1', 'x2', 'assume_unique', 'invert'), 'isinf': ('x',), 'isnan': ('x',),
    'isneginf': ('x',), 'isposinf': ('x',), 'isreal': ('x',),
    'istft': ('x', 'sequence_length', 'sequence_stride', 'fft_length', 'length', 'window', 'center'),
    'jvp': ('fun', 'primals', 'tangents', 'has_aux'), 'kaiser': ('x', 'beta'),
    'kron': ('x1', 'x2'),
    'layer_normalization': ('x', 'gamma', 'beta', 'axis', 'epsilon', '**kwargs'),
    'lcm': ('x1', 'x2'), 'ldexp': ('x1', 'x2'), 'leaky_relu': ('x', 'negative_slope'),
    'left_shift': ('x', 'y'), 'less': ('x1', 'x2'), 'less_equal': ('x1', 'x2'),
    'linspace': ('start', 'stop', 'num', 'endpoint', 'retstep', 'dtype', 'axis'), 'log': ('x',),
    'log10': ('x',), 'log1p': ('x',), 'log2': ('x',), 'log_sigmoid': ('x',),
    'log_softmax': ('x', 'axis'), 'logaddexp': ('x1', 'x2'), 'logaddexp2': ('x1', 'x2'),
    'logdet': ('x',), 'logical_and': ('x1', 'x2'), 'logical_not': ('x',),
    'logical_or': ('x1', 'x2'), 'logical_xor': ('x1', 'x2'),
    'logspace': ('start', 'stop', 'num', 'endpoint', 'base', 'dtype', 'axis'),
    'logsumexp': ('x', 'axis', 'keepdims'), 'lstsq': ('a', 'b', 'rcond'), 'lu_factor': ('x',),
    'map': ('f', 'xs'), 'matmul': ('x1', 'x2'), 'matrix_rank': ('x', 'tol'),
    'max': ('x', 'axis', 'keepdims', 'initial'),
    'max_pool': ('inputs', 'pool_size', 'strides', 'padding', 'data_format'),
    'maximum': ('x1', 'x2'), 'mean': ('x', 'axis', 'keepdims'),
    'median': ('x', 'axis', 'keepdims'), 'meshgrid': ('*x', 'indexing'),
    'min': ('x', 'axis', 'keepdims', 'initial'), 'minimum': ('x1', 'x2'), 'mod': ('x1', 'x2'),
    'moments': ('x', 'axes', 'keepdims', 'synchronized'),
    'moveaxis': ('x', 'source', 'destination'),
    'multi_hot': ('inputs', 'num_classes', 'axis', 'dtype', 'sparse', '**kwargs'),
    'multiply': ('x1', 'x2'), 'nan_to_num': ('x', 'nan', 'posinf', 'neginf'),
    'nanargmax': ('x', 'axis', 'keepdims'), 'nanargmin': ('x', 'axis', 'keepdims'),
    'nancumprod': ('x', 'axis', 'dtype'), 'nancumsum': ('x', 'axis', 'dtype'),
    'nanmax': ('x', 'axis', 'keepdims'), 'nanmean': ('x', 'axis', 'keepdims'),
    'nanmedian': ('x', 'axis', 'keepdims'), 'nanmin': ('x', 'axis', 'keepdims'),
    'nanpercentile': ('x', 'q', 'axis', 'method', 'keepdims'),
    'nanprod': ('x', 'axis', 'keepdims'), 'nanquantile': ('x', 'q', 'axis', 'method', 'keepdims'),
    'nanstd': ('x', 'axis', 'keepdims'), 'nansum': ('x', 'axis', 'keepdims'),
    'nanvar': ('x', 'axis', 'keepdims'), 'ndim': ('x',), 'negative': ('x',),
    'nextafter': ('x1', 'x2'), 'nonzero': ('x',), 'norm': ('x', 'ord', 'axis', 'keepdims'),
    'normalize': ('x', 'axis', 'order', 'epsilon'), 'not_equal': ('x1', 'x2'),
    'one_hot': ('x', 'num_classes', 'axis', 'dtype', 'sparse'), 'ones': ('shape', 'dtype'),
    'ones_like': ('x', 'dtype'), 'outer': ('x1', 'x2'),
    'pad': ('x', 'pad_width', 'mode', 'constant_values'),
    'percentile': ('x', 'q', 'axis', 'method', 'keepdims'), 'pinv': ('x', 'rcond'),
    'polar': ('abs_', 'angle'), 'power': ('x1', 'x2'), 'prod': ('x', 'axis', 'keepdims', 'dtype'),
    'psnr': ('x1', 'x2', 'max_val'), 'ptp': ('x', 'axis', 'keepdims'), 'qr': ('x', 'mode'),
    'quantile': ('x', 'q', 'axis', 'method', 'keepdims'), 'rad2deg': ('x',), 'ravel': ('x',),
    'real': ('x',), 'rearrange': ('tensor', 'pattern', '**axes_lengths'), 'reciprocal': ('x',),
    'relu': ('x',), 'relu6': ('x',), 'repeat': ('x', 'repeats', 'axis'),
    'reshape': ('x', 'newshape'), 'rfft': ('x', 'fft_length'), 'right_shift': ('x', 'y'),
    'rms_normalization': ('x', 'scale', 'axis', 'epsilon'), 'roll': ('x', 'shift', 'axis'),
    'rot90': ('array', 'k', 'axes'), 'round': ('x', 'decimals'), 'rsqrt': ('x',),
    'saturate_cast': ('x', 'dtype'), 'scan': ('f', 'init', 'xs', 'length', 'reverse', 'unroll'),
    'scatter': ('indices', 'values', 'shape'),
    'scatter_update': ('inputs', 'indices', 'updates', 'reduction'),
    'searchsorted': ('sorted_sequence', 'values', 'side'),
    'segment_max': ('data', 'segment_ids', 'num_segments', 'sorted'),
    'segment_min': ('data', 'segment_ids', 'num_segments', 'sorted'),
    'segment_prod': ('data', 'segment_ids', 'num_segments', 'sorted'),
    'segment_sum': ('data', 'segment_ids', 'num_segments', 'sorted'),
    'select': ('condlist', 'choicelist', 'default'), 'selu': ('x',),
    'separable_conv': ('inputs', 'depthwise_kernel', 'pointwise_kernel', 'strides', 'padding', 'data_format', 'dilation_rate'),
    'shape': ('x',), 'sigmoid': ('x',), 'sign': ('x',), 'signbit': ('x',), 'silu': ('x',),
    'sin': ('x',), 'sinc': ('x',), 'sinh': ('x',), 'size': ('x',),
    'slice': ('inputs', 'start_indices', 'shape'),
    'slice_update': ('inputs', 'start_indices', 'updates'), 'slogdet': ('x',),
    'soft_shrink': ('x', 'threshold'), 'softmax': ('x', 'axis'), 'softplus': ('x',),
    'softsign': ('x',), 'solve': ('a', 'b'), 'solve_triangular': ('a', 'b', 'lower'),
    'sort': ('x', 'axis'), 'space_to_depth': ('x', 'block_size', 'data_format'),
    'sparse_categorical_crossentropy': ('target', 'output', 'from_logits', 'axis'),
    'sparse_plus': ('x',), 'sparse_sigmoid': ('x',), 'sparsemax': ('x', 'axis'),
    'split': ('x', 'indices_or_sections', 'axis'), 'sqrt': ('x',), 'square': ('x',),
    'squareplus': ('x', 'b'), 'squeeze': ('x', 'axis'), 'stack': ('x', 'axis'),
    'std': ('x', 'axis', 'keepdims'),
    'stft': ('x', 'sequence_length', 'sequence_stride', 'fft_length', 'window', 'center'),
    'stop_gradient': ('variable',), 'subtract': ('x1', 'x2'), 'sum': ('x', 'axis', 'keepdims'),
    'svd': ('x', 'full_matrices', 'compute_uv'), 'swapaxes': ('x', 'axis1', 'axis2'),
    'swish': ('x',), 'switch': ('index', 'branches', '*operands'),
    'take': ('x', 'indices', 'axis'), 'take_along_axis': ('x', 'indices', 'axis'), 'tan': ('x',),
    'tanh': ('x',), 'tanh_shrink': ('x',), 'tensordot': ('x1', 'x2', 'axes'),
    'threshold': ('x', 'threshold', 'default_value'), 'tile': ('x', 'repeats'),
    'top_k': ('x', 'k', 'sorted'), 'trace': ('x', 'offset', 'axis1', 'axis2'),
    'transpose': ('x', 'axes'), 'trapezoid': ('y', 'x', 'dx', 'axis'),
    'tri': ('N', 'M', 'k', 'dtype'), 'tril': ('x', 'k'), 'triu': ('x', 'k'),
    'true_divide': ('x1', 'x2'), 'trunc': ('x',),
    'unfold': ('x', 'kernel_size', 'dilation', 'padding', 'stride'),
    'unique': ('x', 'sorted', 'return_index', 'return_inverse', 'return_counts', 'axis', 'size', 'fill_value'),
    'unravel_index': ('indices', 'shape'), 'unstack': ('x', 'num', 'axis'),
    'vander': ('x', 'N', 'increasing'), 'var': ('x', 'axis', 'keepdims'), 'vdot': ('x1', 'x2'),
    'vectorize': ('pyfunc', 'excluded', 'signature'), 'vectorized_map': ('function', 'elements'),
    'view': ('x', 'dtype'), 'view_as_complex': ('x',), 'view_as_real': ('x',),
    'vsplit': ('x', 'indices_or_sections'), 'vstack': ('xs',), 'where': ('condition', 'x1', 'x2'),
    'while_loop': ('cond', 'body', 'loop_vars', 'maximum_iterations'), 'zeros': ('shape', 'dtype'),
    'zeros_like': ('x', 'dtype'),
}

# op -> why kerasette's parameters are not yet Keras's (names, order, or missing ones)
# Each is a Keras parameter the contract does not have yet (its family's helper adds it);
# the names kerasette does have are Keras's. Keras's parameter *values* are those families' too.
EXCEPTIONS = {
    "convert_to_tensor": "no sparse/ragged: kerasette has no sparse or ragged tensors",
}


def _ours(name):
    f = getattr(kops, name, None)
    if f is None:
        return None
    out = []
    for p in inspect.signature(f).parameters.values():
        out.append(("*" if p.kind == p.VAR_POSITIONAL else "**" if p.kind == p.VAR_KEYWORD else "")
                   + p.name)
    return tuple(out)


def _mismatch(name):
    """None when Keras's parameters are a prefix of ours, else a description."""
    ours = _ours(name)
    if ours is None:
        return None  # not offered yet: tests/test_ops_surface.py reports it
    theirs = tuple(p for p in KERAS_PARAMS[name] if p != "**kwargs")
    if ours[:len(theirs)] == theirs:
        return None
    return f"{name}: Keras {theirs}, kerasette {ours}"


def test_keras_parameter_names_and_order():
    bad = [d for n in sorted(KERAS_PARAMS) if n not in EXCEPTIONS for d in [_mismatch(n)] if d]
    assert not bad, "ops whose parameters are not Keras's:\n" + "\n".join(bad)


def test_exceptions_are_still_needed():
    fixed = [n for n in EXCEPTIONS if _ours(n) is not None and _mismatch(n) is None]
    assert not fixed, f"these ops take Keras's parameters now; remove them from EXCEPTIONS: {fixed}"


@pytest.mark.keras_oracle
def test_table_matches_installed_keras(keras_module):
    differ = []
    for name, want in KERAS_PARAMS.items():
        f = getattr(keras_module.ops, name, None)
        if f is None:
            continue
        got = tuple(("*" if p.kind == p.VAR_POSITIONAL else "**" if p.kind == p.VAR_KEYWORD else "")
                    + p.name for p in inspect.signature(f).parameters.values())
        if got != want:
            differ.append(f"{name}: table {want}, Keras {got}")
    assert not differ, "KERAS_PARAMS is out of date:\n" + "\n".join(differ)


# ----------------------------------------------- calls by Keras's keyword names
def _f(*shape):
    return np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape) / 4


def test_binary_ops_take_x1_x2(engine):
    x, y = _f(2, 3), _f(2, 3) + 1
    for name in ("add", "subtract", "multiply", "divide", "maximum", "minimum", "power", "mod",
                 "equal", "less", "greater_equal", "logical_and"):
        want = kops.convert_to_numpy(getattr(kops, name)(x, y))
        got = kops.convert_to_numpy(getattr(kops, name)(x1=x, x2=y))
        np.testing.assert_array_equal(got, want, err_msg=name)
    assert kops.convert_to_numpy(kops.matmul(x1=x, x2=y.T)).shape == (2, 2)
    assert kops.convert_to_numpy(kops.tensordot(x1=x, x2=y, axes=2)).shape == ()


def test_renamed_parameters(engine):
    x = _f(6)
    np.testing.assert_array_equal(kops.convert_to_numpy(kops.clip(x, x_min=0.5, x_max=1.0)),
                                  np.clip(x, 0.5, 1.0))
    assert kops.shape(kops.reshape(x, newshape=(2, 3))) == (2, 3)
    assert kops.shape(kops.stack(x=[x, x], axis=1)) == (6, 2)
    np.testing.assert_array_equal(kops.convert_to_numpy(kops.where(x > 0.5, x1=x, x2=0.0)),
                                  np.where(x > 0.5, x, 0.0))
    assert float(kops.fori_loop(lower=0, upper=4, body_fun=lambda i, v: v + 1.0, init_val=0.0)) == 4.0
    np.testing.assert_array_equal(kops.convert_to_numpy(kops.stop_gradient(variable=x)), x)
    t = kops.convert_to_tensor
    out = kops.conv(inputs=t(_f(1, 5, 2)), kernel=t(_f(3, 2, 4)))
    assert kops.shape(out) == (1, 3, 4)
    assert kops.shape(kops.max_pool(inputs=t(_f(1, 4, 2)), pool_size=2)) == (1, 2, 2)
    loss = kops.ctc_loss(target=t(np.array([[1, 2]], np.int32)), output=t(_f(1, 5, 4)),
                         target_length=t(np.array([2], np.int32)),
                         output_length=t(np.array([5], np.int32)), mask_index=0)
    assert kops.shape(loss) == (1,)


def test_contract_names_still_work(engine):
    x = _f(4)
    np.testing.assert_array_equal(kops.convert_to_numpy(kops.clip(x, min_value=0.25, max_value=0.5)),
                                  np.clip(x, 0.25, 0.5))
    np.testing.assert_array_equal(kops.convert_to_numpy(kops.add(x, y=1.0)), x + 1)


def test_where_x1_x2_together():
    x = _f(3)
    with pytest.raises(ValueError, match="together"):
        kops.where(x > 0, x1=x)


def test_where_one_argument_is_nonzero(engine):
    if not hasattr(engine, "nonzero"):
        pytest.skip("ops.nonzero is not in the contract on this branch yet")
    c = np.array([[True, False, True], [False, False, True]])
    got = kops.where(kops.convert_to_tensor(c))
    want = np.nonzero(c)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(kops.convert_to_numpy(g), w)
