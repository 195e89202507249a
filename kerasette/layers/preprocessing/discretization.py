"""``Discretization``: buckets of a continuous feature, from given boundaries or
from approximate quantiles learned by ``adapt``."""
from __future__ import annotations

import numpy as np

from ... import ops
from ..layer import Layer
from ._utils import categorical_output_shape, check_choice, encode_categorical, iter_batches, refuse_sparse


class Discretization(Layer):
    """Maps each value to the index of its bucket: ``i`` where
    ``bin_boundaries[i-1] <= x < bin_boundaries[i]`` (``len(bin_boundaries) + 1``
    buckets), then optionally encodes the indices.

    Args:
        bin_boundaries: sorted boundaries; or
        num_bins: the number of buckets to learn with ``adapt`` (quantiles).
        epsilon: error tolerance of the quantile summary used by ``adapt``
            (the summary keeps about ``1 / epsilon`` points).
        output_mode: ``'int'`` (bucket index, int32), ``'one_hot'``,
            ``'multi_hot'`` or ``'count'`` (see ``CategoryEncoding``).
        sparse: not supported (kerasette has no sparse tensors).

    Example:
        >>> Discretization(bin_boundaries=[0.0, 1.0])(np.array([[-1.0, 0.5, 2.0]]))
        # -> [[0, 1, 2]]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None, **kwargs):
        super().__init__(dtype=dtype, name=name, **kwargs)
        where = f"Discretization '{self.name}'"
        refuse_sparse(where, sparse)
        check_choice(where, "output_mode", output_mode, ("int", "one_hot", "multi_hot", "count"))
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"{where}: `num_bins` must be greater than or equal to 0. "
                             f"Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"{where}: set only one of `num_bins` and `bin_boundaries`. "
                             f"Received: `num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError(f"{where}: you need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = list(bin_boundaries) if bin_boundaries is not None else None
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if self.bin_boundaries else _empty_summary()

    @property
    def output_dtype(self):
        return "int32" if self.output_mode == "int" else self.compute_dtype

    def adapt(self, data, steps=None):
        """Learn ``num_bins - 1`` boundaries from the approximate quantiles of ``data``
        (an array or an iterable of batches; ``steps`` limits the batches)."""
        if self.num_bins is None:
            raise ValueError(f"Discretization '{self.name}': cannot adapt a layer that was created "
                             f"with `bin_boundaries`; use `num_bins` instead.")
        self.summary = _empty_summary()
        for i, batch in enumerate(iter_batches(f"Discretization '{self.name}'", data)):
            if steps is not None and i >= steps:
                break
            batch = np.asarray(batch).astype("float32")
            self.summary = _merge(self.summary, _summarize(batch, self.epsilon), self.epsilon)
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()
        self._boundaries_c = None

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f"Discretization '{self.name}': pass `bin_boundaries` to the constructor "
                             f"or call `adapt(data)` before using the layer.")
        key = tuple(self.bin_boundaries)
        if getattr(self, "_boundaries_key", None) != key:
            self._boundaries_c = ops.convert(np.asarray(self.bin_boundaries, dtype="float32"))
            self._boundaries_key = key
        x = ops.cast(inputs, "float32")
        # the bucket of x is the number of boundaries <= x
        indices = ops.sum(ops.cast(ops.greater_equal(ops.expand_dims(x, -1), self._boundaries_c),
                                   "int32"), axis=-1)
        return encode_categorical(indices, self.output_mode, len(self.bin_boundaries) + 1,
                                  self.output_dtype)

    def compute_output_shape(self, input_shape):
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        return categorical_output_shape(input_shape, self.output_mode, depth)

    def compute_output_spec(self, *args, **kwargs):
        from ..symbolic import KerasTensor
        return KerasTensor(self.compute_output_shape(args[0].shape), self.output_dtype)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode, "sparse": self.sparse,
                "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        boundaries = config.get("bin_boundaries")
        if boundaries is not None and config.get("num_bins") is not None:
            # an adapted layer: both are set, which the constructor refuses
            config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = list(boundaries)
            return layer
        return cls(**config)


# Quantile summaries (Keras's algorithm, so adapted boundaries match Keras): a summary
# is a 2-row array, sorted values and the weight (number of samples) each stands for.
def _empty_summary():
    return np.zeros((2, 0), dtype="float32")


def _summarize(values, epsilon):
    """About ``1/epsilon`` evenly spaced order statistics of ``values``, each weighted."""
    ordered = np.sort(values.reshape(-1))
    step = max(ordered.size * epsilon, 1)
    picked = ordered[int(step - 1)::int(step)]
    return np.stack([picked, np.full_like(picked, step)])


def _merge(first, second, epsilon):
    both = np.concatenate([first, second], axis=1)
    both = both[:, np.argsort(both[0])]
    return _compress(both, epsilon)


def _compress(summary, epsilon):
    """Re-sample ``summary`` at cumulative-weight fractions ``epsilon, 2*epsilon, ...``."""
    if summary.shape[1] * epsilon < 1:
        return summary
    targets = np.arange(0.0, 1.0, epsilon) + epsilon
    cumulative = np.cumsum(summary[1])
    fractions = cumulative / cumulative[-1]
    values = np.interp(targets, fractions, summary[0])
    weights = np.diff(np.interp(targets, fractions, cumulative), prepend=0.0)
    return np.stack([values, weights]).astype("float32")
