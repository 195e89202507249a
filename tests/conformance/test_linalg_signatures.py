"""The linalg family's public signatures are Keras 3's: parameter names, order and defaults."""
import inspect

import pytest

from kerasette.backends.base import Backend

NAMES = ["cholesky", "cholesky_inverse", "det", "slogdet", "logdet", "inv", "pinv", "solve",
         "solve_triangular", "lstsq", "lu_factor", "qr", "svd", "eig", "eigh", "matrix_rank", "norm",
         "cdist", "fft", "fft2", "ifft2", "rfft", "irfft", "stft", "istft"]


def _params(fn, skip_self):
    ps = list(inspect.signature(fn).parameters.values())[1 if skip_self else 0:]
    return [(p.name, p.default) for p in ps]


@pytest.mark.keras_oracle
@pytest.mark.parametrize("name", NAMES)
def test_signature_is_keras(keras_module, name):
    ours = _params(getattr(Backend, name), skip_self=True)
    theirs = _params(getattr(keras_module.ops, name), skip_self=False)
    assert ours == theirs, f"{name}: kerasette {ours} vs Keras {theirs}"
