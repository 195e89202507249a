"""Bad input found by hostile-user probes (issue 12): each fails early with a clear message."""
import numpy as np
import pytest

from kerasette import layers, models


def test_int64_beyond_int32_is_refused_on_jax_and_kept_elsewhere(engine):
    model = models.Sequential([layers.Input((1,)), layers.Dense(1, kernel_initializer="ones")])
    big = np.array([[2 ** 40]], "int64")
    if engine.name == "jax":
        with pytest.raises(ValueError, match=r"`x` holds 1099511627776, outside the int32 range"):
            model.predict(big, verbose=0)
        assert model.predict(np.array([[7]], "int64"), verbose=0)[0, 0] == pytest.approx(7.0)
    else:
        assert model.predict(big, verbose=0)[0, 0] == pytest.approx(2.0 ** 40, rel=1e-6)
