"""``CategoryEncoding``: integer ids to one-hot, multi-hot or count vectors."""
from __future__ import annotations

from ... import ops
from ..layer import Layer
from ._utils import categorical_output_shape, check_choice, encode_categorical, refuse_sparse


class CategoryEncoding(Layer):
    """Encodes integer features in ``[0, num_tokens)`` as dense vectors.

    Args:
        num_tokens: the number of ids (the output's last axis).
        output_mode: ``'one_hot'`` (a vector per id; a trailing axis of size 1 is
            replaced), ``'multi_hot'`` (default: per sample, 1 where an id
            occurs) or ``'count'`` (per sample, how often each id occurs).
            ``'binary'`` is accepted as ``'multi_hot'``.
        sparse: not supported (kerasette has no sparse tensors).

    Call args: ``count_weights`` (same shape as the inputs, ``'count'`` only):
    each occurrence adds its weight instead of 1.

    Example:
        >>> CategoryEncoding(4, output_mode="count")(np.array([[0, 1], [0, 0]]))
        # -> [[1, 1, 0, 0], [2, 0, 0, 0]]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        check_choice(f"CategoryEncoding '{self.name}'", "output_mode", output_mode,
                     ("one_hot", "multi_hot", "count"))
        if num_tokens is None:
            raise ValueError(f"CategoryEncoding '{self.name}': `num_tokens` must be set. If the number "
                             f"of tokens is not known beforehand, use IntegerLookup instead.")
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, int) or num_tokens < 1:
            raise ValueError(f"CategoryEncoding '{self.name}': `num_tokens` must be an integer >= 1. "
                             f"Received: num_tokens={num_tokens!r}.")
        refuse_sparse(f"CategoryEncoding '{self.name}'", sparse)
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f"CategoryEncoding '{self.name}': `count_weights` is only used when "
                                 f"`output_mode='count'`; here output_mode={self.output_mode!r}.")
            count_weights = ops.cast(ops.convert(count_weights), self.compute_dtype)
        ids = inputs if ops.dtype(inputs) in ("int32", "int64") else ops.cast(inputs, "int32")
        return encode_categorical(ids, self.output_mode, self.num_tokens, self.compute_dtype,
                                  count_weights)

    def compute_output_shape(self, input_shape):
        return categorical_output_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode}
