"""``Hashing`` and ``HashedCrossing``: values (or crosses of values) to hash bins, on the
host, with Keras's exact bin numbers (see ``hash_functions.py``).

Values are hashed as TensorFlow's ``as_string`` writes them: strings as UTF-8,
integers in decimal, floats truncated to integers first, booleans as
``true``/``false``. ``HashedCrossing`` hashes each string with Fingerprint64 and
each integer as its own 64-bit value, then folds them into the default cross key.
"""
from __future__ import annotations

import numpy as np

from ... import config, ops
from ._host import HostLayer
from ._utils import categorical_output_shape, check_choice, encode_categorical, refuse_sparse
from .hash_functions import CROSS_KEY, fingerprint64, fingerprint_cat64, siphash24

_MODES = ("int", "one_hot", "multi_hot", "count")


def _as_bytes(value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bool, np.bool_)):
        return b"true" if value else b"false"
    if isinstance(value, (float, np.floating)):
        return str(int(value)).encode()
    return str(value).encode("utf-8")


def _output_dtype(layer, output_mode):
    return "int64" if output_mode == "int" else (layer._declared_dtype or config.floatx())


class Hashing(HostLayer):
    """Hash each value into one of ``num_bins`` bins (FarmHash64, or SipHash with a ``salt``).

    Args:
        num_bins: the number of bins (including bin 0 for ``mask_value`` when set).
        mask_value: a value that goes to bin 0; the others go to ``1..num_bins-1``.
        salt: an int or a pair of ints: the SipHash key (``n`` means ``(n, n)``).
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"`` or ``"count"``.
        sparse: unsupported (kerasette has no sparse tensors).

    Example:
        >>> Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]])  # Keras: [[1], [0], [1], [1], [2]]
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        self._declared_dtype = kwargs.pop("dtype", None)
        if self._declared_dtype is not None and not isinstance(self._declared_dtype, str):
            self._declared_dtype = getattr(self._declared_dtype, "name", None)
        super().__init__(**kwargs)
        where = self._where()
        if not isinstance(num_bins, (int, np.integer)) or isinstance(num_bins, bool) or num_bins < 1:
            raise ValueError(f"{where}: `num_bins` must be a positive int, got {num_bins!r}.")
        check_choice(where, "output_mode", output_mode, _MODES)
        refuse_sparse(where, sparse)
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2 and all(
                    isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in salt):
                salt = [int(s) for s in salt]
            elif isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
                salt = [int(salt), int(salt)]
            else:
                raise ValueError(f"{where}: the `salt` argument can only be an int or a pair of ints; "
                                 f"received salt={salt!r} ({type(salt).__name__}).")
        self.num_bins, self.mask_value, self.salt = int(num_bins), mask_value, salt
        self.output_mode, self.sparse = output_mode, sparse

    def _where(self):
        return f"Hashing layer '{self.name}'"

    @property
    def output_dtype(self):
        return _output_dtype(self, self.output_mode)

    def _bins(self, values):
        bins = self.num_bins - (1 if self.mask_value is not None and self.num_bins > 1 else 0)
        if self.salt is None:
            out = np.array([fingerprint64(_as_bytes(v)) % bins for v in values], dtype=np.int64)
        else:
            k0, k1 = (s & ((1 << 64) - 1) for s in self.salt)
            out = np.array([siphash24(k0, k1, _as_bytes(v)) % bins for v in values], dtype=np.int64)
        if bins != self.num_bins:
            masked = np.array([v == self.mask_value for v in values], dtype=bool)
            out = np.where(masked, 0, out + 1)
        return out

    def call(self, inputs):
        x = np.asarray(inputs)
        ids = self._bins(x.reshape(-1).tolist()).reshape(x.shape)
        if self.output_mode == "int":
            return ops.convert(ids)
        return encode_categorical(ops.convert(ids.astype(np.int32)), self.output_mode, self.num_bins,
                                  self.output_dtype)

    def compute_output_shape(self, input_shape):
        return categorical_output_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode, "sparse": self.sparse}


class HashedCrossing(HostLayer):
    """Cross two or more categorical features into ``num_bins`` hash bins (``tf.sparse.cross_hashed``'s bins).

    Args:
        num_bins: the number of bins.
        output_mode: ``"int"`` or ``"one_hot"``.
        sparse: unsupported (kerasette has no sparse tensors).

    Call it on a tuple of same-shaped string or integer features: ``(batch,)``,
    ``(batch, 1)`` or scalars.

    Example:
        >>> HashedCrossing(num_bins=5)((np.array(["A", "B"]), np.array([101, 101])))  # Keras: [1, 4]
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, **kwargs):
        self._declared_dtype = kwargs.pop("dtype", None)
        if self._declared_dtype is not None and not isinstance(self._declared_dtype, str):
            self._declared_dtype = getattr(self._declared_dtype, "name", None)
        super().__init__(**kwargs)
        where = f"HashedCrossing layer '{self.name}'"
        if not isinstance(num_bins, (int, np.integer)) or isinstance(num_bins, bool) or num_bins < 1:
            raise ValueError(f"{where}: `num_bins` must be a positive int, got {num_bins!r}.")
        check_choice(where, "output_mode", output_mode, ("int", "one_hot"))
        refuse_sparse(where, sparse)
        self.num_bins, self.output_mode, self.sparse = int(num_bins), output_mode, sparse

    @property
    def output_dtype(self):
        return _output_dtype(self, self.output_mode)

    def __call__(self, inputs, *args, **kwargs):
        where = f"HashedCrossing layer '{self.name}'"
        if not isinstance(inputs, (tuple, list)) or len(inputs) < 2:
            raise ValueError(f"{where}: call it on a tuple of at least two features; got "
                             f"{type(inputs).__name__}.")
        from ._utils import to_host
        from ..symbolic import any_symbolic
        if any_symbolic(inputs):
            return super().__call__(inputs, *args, **kwargs)
        self._claim_backend()
        features = [to_host(f) for f in inputs]
        shapes = {f.shape for f in features}
        if len(shapes) != 1:
            raise ValueError(f"{where}: all features must have the same shape; got "
                             f"{[tuple(f.shape) for f in features]}.")
        for i, f in enumerate(features):
            if f.dtype.kind not in "iuUSOb":
                raise ValueError(f"{where}: feature {i} has dtype {f.dtype}; only string and integer "
                                 "features can be crossed.")
        self.built = True
        return self.call(features)

    def call(self, features):
        shape = features[0].shape
        columns = [f.reshape(-1).tolist() for f in features]
        crossed = []
        for row in zip(*columns):
            h = CROSS_KEY
            for v in row:
                if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                    h = fingerprint_cat64(h, int(v) & ((1 << 64) - 1))
                else:
                    h = fingerprint_cat64(h, fingerprint64(_as_bytes(v)))
            crossed.append(h % self.num_bins)
        ids = np.asarray(crossed, dtype=np.int64).reshape(shape)
        if self.output_mode == "int":
            return ops.convert(ids)
        return encode_categorical(ops.convert(ids.astype(np.int32)), "one_hot", self.num_bins, self.output_dtype)

    def compute_output_spec(self, inputs, *args, **kwargs):
        from ..symbolic import KerasTensor
        return KerasTensor(self.compute_output_shape([tuple(f.shape) for f in inputs]), self.output_dtype)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape[0]) if isinstance(input_shape, (list, tuple)) and input_shape and \
            isinstance(input_shape[0], (list, tuple)) else tuple(input_shape)
        return categorical_output_shape(shape, self.output_mode, self.num_bins)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "output_mode": self.output_mode,
                "sparse": self.sparse}
