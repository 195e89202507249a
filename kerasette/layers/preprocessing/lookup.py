"""``IntegerLookup`` and ``StringLookup``: map tokens to indices through a vocabulary
(given as a list or a file, or learned by ``adapt``), on the host.

Index layout (Keras's): ``[mask_token]`` (``output_mode='int'`` with a mask
token only), then ``num_oov_indices`` OOV slots, then the vocabulary. The
vocabulary is part of ``get_config`` -- also an adapted one (with its
``idf_weights``), so ``model.save``/``load_model`` keep it. (Keras stores an
adapted vocabulary as an asset file instead; a config written here reloads as
a layer with a fixed vocabulary, which then cannot be adapted again.)
"""
from __future__ import annotations

import collections
import os
import zlib

import numpy as np

from ... import config, ops
from ._host import HostLayer, as_str_array
from ._utils import check_choice, encode_categorical, iter_batches, refuse_sparse


class IndexLookup(HostLayer):
    """Shared machinery of ``IntegerLookup`` and ``StringLookup``."""

    _is_string = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, vocabulary_dtype=None, name=None, **kwargs):
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        has_input = kwargs.pop("has_input_vocabulary", None)
        self._owner_label = kwargs.pop("_owner_label", None)  # set by TextVectorization
        for k in ("oov_method", "salt", "encoding"):
            kwargs.pop(k, None)
        super().__init__(name=name, **{k: v for k, v in kwargs.items() if k != "dtype"})
        where = self._where()
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{where}: if set, `max_tokens` must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{where}: if `pad_to_max_tokens` is True, `max_tokens` must be set. "
                             f"Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"{where}: `num_oov_indices` must be greater than or equal to 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        check_choice(where, "output_mode", output_mode, ("int", "one_hot", "multi_hot", "count", "tf_idf"))
        if invert and output_mode != "int":
            raise ValueError(f"{where}: `output_mode` must be 'int' when `invert` is true. "
                             f"Received: output_mode={output_mode}")
        refuse_sparse(where, sparse)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{where}: `idf_weights` should only be set if `output_mode` is "
                             f"'tf_idf'. Received: output_mode={output_mode}")
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = bool(invert)
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.vocabulary_dtype = vocabulary_dtype
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self._vocab_file = vocabulary if isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_input if has_input is not None else vocabulary is not None
        self._tokens = None      # the learned/given tokens, without special ones
        self.idf = None          # host float array for tf_idf
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError(f"{where}: when `vocabulary` is given in 'tf_idf' output mode, "
                             f"`idf_weights` must also be given.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    def _where(self):
        """How errors name this layer (the owning layer's label when it is internal)."""
        return self._owner_label or f"{type(self).__name__} '{self.name}'"

    # ------------------------------------------------------------ layout
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def _host_tokens(self, x):
        x = np.asarray(x)
        if self._is_string:
            return as_str_array(x)
        if x.dtype.kind == "f":
            x = x.astype(np.int64)
        return x.astype(np.int64)

    def vocabulary_size(self):
        """Size of the index space: special indices plus tokens."""
        return len(self._tokens or ()) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens in index order (with the mask and OOV tokens unless told not to)."""
        vocab = [self.oov_token] * self._token_start_index() + list(self._tokens or ())
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        if not include_special_tokens:
            vocab = vocab[self._token_start_index():]
        return [str(t) if self._is_string else int(t) for t in vocab] if vocab else []

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Replace the vocabulary: a list/array of tokens, or a path to a file of one token a line."""
        where = self._where()
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{where}: `idf_weights` must be set if output_mode is 'tf_idf'.")
        if isinstance(vocabulary, str):
            if not os.path.exists(vocabulary):
                raise ValueError(f"{where}: vocabulary file {vocabulary} does not exist.")
            if self.output_mode == "tf_idf":
                raise ValueError(f"{where}: output_mode 'tf_idf' does not support loading a "
                                 f"vocabulary from file.")
            with open(vocabulary, encoding="utf-8") as f:
                lines = f.read().splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            vocabulary = lines if self._is_string else [int(v) for v in lines]
        vocab = [str(t) if self._is_string else int(t) for t in np.asarray(vocabulary).reshape(-1)]
        if not vocab:
            raise ValueError(f"{where}: cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        found_special = vocab[:start] == special
        tokens = vocab[start:] if found_special else vocab
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"{where}: the vocabulary has repeated terms {repeated}; "
                             f"please make it unique.")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(f"{where}: found the mask token {self.mask_token!r} inside `vocabulary`. "
                             f"Leave the mask and OOV tokens out, or put them only at the start "
                             f"in this order: {special}.")
        if self.invert and self.oov_token is not None and self.oov_token in tokens:
            raise ValueError(f"{where}: found the OOV token {self.oov_token!r} inside `vocabulary`. "
                             f"Leave the mask and OOV tokens out, or put them only at the start "
                             f"in this order: {special}.")
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ValueError(f"{where}: the vocabulary size {start + len(tokens)} is larger than "
                             f"`max_tokens` ({self.max_tokens}).")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            idf = np.asarray(idf_weights, dtype=np.float64).reshape(-1)
            if len(idf) != len(vocab):
                raise ValueError(f"{where}: `idf_weights` must be as long as the vocabulary: "
                                 f"len(idf_weights) is {len(idf)}, len(vocabulary) is {len(vocab)}.")
            if not found_special:
                idf = np.concatenate([np.full(start, idf.mean()), idf])
            self._set_idf(idf)

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._index = {t: i + start for i, t in enumerate(self._tokens)}
        self._frozen_vocab_size = self.vocabulary_size()

    def _set_idf(self, idf):
        if self.pad_to_max_tokens and self.max_tokens is not None:
            idf = np.pad(idf, (0, self.max_tokens - len(idf)))
        self.idf = idf.astype(config.floatx())

    # ------------------------------------------------------------- adapt
    def adapt(self, data, steps=None):
        """Learn the vocabulary from ``data`` (an array, a list, or an iterable of
        batches): tokens by descending frequency, ties by descending value."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static vocabulary "
                             f"via the `vocabulary` argument or `set_vocabulary()`.")
        counts, doc_counts, n_docs = collections.Counter(), collections.Counter(), 0
        for i, batch in enumerate(iter_batches(self._where(),
                                               self._adapt_batches(data))):
            if steps is not None and i >= steps:
                break
            docs = self._adapt_documents(batch)
            for doc in docs:
                counts.update(doc)
                if self.output_mode == "tf_idf":
                    doc_counts.update(set(doc))
            n_docs += len(docs)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        ordered = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            ordered = ordered[:self.max_tokens - self._token_start_index()]
        self._set_tokens(ordered)
        if self.output_mode == "tf_idf":
            idf = np.log(1.0 + n_docs / (1.0 + np.array([doc_counts[t] for t in ordered], np.float64)))
            self._set_idf(np.concatenate([np.full(self._token_start_index(), idf.mean()), idf]))

    def _adapt_batches(self, data):
        return data

    def _adapt_documents(self, batch):
        """A batch as a list of documents (lists of tokens)."""
        tokens = self._host_tokens(batch)
        if tokens.ndim == 0:
            tokens = tokens.reshape(1, 1)
        elif tokens.ndim == 1:
            tokens = tokens.reshape(-1, 1)
        return [list(row.reshape(-1).tolist()) for row in tokens]

    # -------------------------------------------------------------- call
    @property
    def output_dtype(self):
        if self.invert:
            return "string" if self._is_string else "int64"
        return "int64" if self.output_mode == "int" else config.floatx()

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    def call(self, inputs):
        where = self._where()
        if self._tokens is None and (self.output_mode != "int" and not self.pad_to_max_tokens):
            raise RuntimeError(f"{where}: with output_mode={self.output_mode!r} and "
                               f"pad_to_max_tokens=False, set the vocabulary before calling the "
                               f"layer: pass `vocabulary` or call `adapt`.")
        x = self._host_tokens(inputs) if not self.invert else np.asarray(inputs).astype(np.int64)
        if self.invert:
            vocab = self.get_vocabulary()
            out = np.array([vocab[i] if 0 <= i < len(vocab) else self.oov_token
                            for i in x.reshape(-1).tolist()], dtype=object)
            if self.mask_token is not None:
                out[x.reshape(-1) == 0] = self.mask_token
            out = out.reshape(x.shape)
            return out.astype(str) if self._is_string else ops.convert(out.astype(np.int64))
        ids = self._lookup(x, where)
        if self.output_mode == "int":
            return ops.convert(ids)
        idx = ops.convert(ids.astype(np.int32))
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode_categorical(idx, mode, self._depth(), config.floatx())
        if self.output_mode == "tf_idf":
            out = ops.multiply(out, ops.convert(self.idf))
        return out

    def _lookup(self, x, where):
        index = getattr(self, "_index", {})
        default = self._oov_start_index() if self.num_oov_indices == 1 else -1
        flat = x.reshape(-1).tolist()
        ids = np.array([index.get(t, default) for t in flat], dtype=np.int64)
        if self.mask_token is not None:
            masked = np.array([t == self.mask_token for t in flat], dtype=bool)
            ids[masked] = 0 if self.output_mode == "int" else -1  # -1 encodes as all zeros
        else:
            masked = np.zeros(len(flat), bool)
        oov = (ids == default) & ~masked if self.num_oov_indices != 1 else None
        if self.num_oov_indices == 0 and oov.any():
            raise ValueError(f"{where}: when `num_oov_indices=0` all inputs should be in the "
                             f"vocabulary; found OOV values {sorted(set(np.array(flat, object)[oov].tolist()))}. "
                             f"Consider setting `num_oov_indices=1`.")
        if self.num_oov_indices > 1 and oov.any():
            ids[oov] = [self._oov_bucket(t) + self._oov_start_index()
                        for t in np.array(flat, object)[oov].tolist()]
        return ids.reshape(x.shape)

    def _oov_bucket(self, token):
        if self._is_string:  # a stable hash (not TF's FarmHash: buckets differ from Keras's)
            return zlib.crc32(token.encode("utf-8")) % self.num_oov_indices
        return int(token) % self.num_oov_indices

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self._depth()
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def get_config(self):
        vocabulary, idf = self.input_vocabulary, self.input_idf_weights
        if vocabulary is not None:
            vocabulary = [str(v) if self._is_string else int(v) for v in np.asarray(vocabulary).reshape(-1)]
        if self._vocab_file is not None:
            vocabulary = self._vocab_file
        elif vocabulary is None and self._tokens is not None:  # adapted: keep it in the config
            vocabulary = self.get_vocabulary(include_special_tokens=False)
            if self.output_mode == "tf_idf":
                start = self._token_start_index()
                idf = self.idf[start:start + len(self._tokens)]
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode, "sparse": self.sparse,
                "pad_to_max_tokens": self.pad_to_max_tokens, "vocabulary_dtype": self.vocabulary_dtype,
                "idf_weights": None if idf is None else np.asarray(idf).tolist(),
                "vocabulary": vocabulary,
                "vocabulary_size": self._frozen_vocab_size, "oov_method": "floormod", "salt": None}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("vocabulary_size", None)
        return cls(**config)


class IntegerLookup(IndexLookup):
    """Maps integer features to contiguous indices (or back, with ``invert=True``).

    Args:
        max_tokens: largest vocabulary size, special indices included (None: no limit).
        num_oov_indices: OOV slots (default 1); with more, an OOV value ``v`` goes
            to slot ``v % num_oov_indices``; with 0, OOV values are an error.
        mask_token: the value that marks padding (index 0 in 'int' mode); default None.
        oov_token: what ``invert=True`` returns for OOV indices (default -1).
        vocabulary: a list of ints or the path of a file with one a line.
        vocabulary_dtype: ``'int64'`` (default).
        idf_weights: with ``output_mode='tf_idf'`` and a given vocabulary.
        invert: map indices back to values.
        output_mode: ``'int'`` (default), ``'one_hot'``, ``'multi_hot'``, ``'count'``, ``'tf_idf'``.
        pad_to_max_tokens: encoded outputs are ``max_tokens`` wide.
        sparse: not supported.

    Example:
        >>> IntegerLookup(vocabulary=[12, 36, 1138, 42])(np.array([[12, 1138, 42], [42, 1000, 36]]))
        # -> [[1, 3, 4], [4, 0, 2]]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 output_mode="int", sparse=False, vocabulary=None, vocabulary_dtype="int64",
                 idf_weights=None, invert=False, name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"IntegerLookup: if set, `max_tokens` must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"IntegerLookup: `num_oov_indices` must be greater than or equal to 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        if vocabulary_dtype != "int64":
            raise ValueError(f"IntegerLookup: only `vocabulary_dtype='int64'` is supported. "
                             f"Received: vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype=vocabulary_dtype, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse, name=name, **kwargs)


class StringLookup(IndexLookup):
    """Maps string features to integer indices (or back, with ``invert=True``).

    Same arguments as ``IntegerLookup``, with ``oov_token='[UNK]'`` and string
    tokens. With ``num_oov_indices > 1`` OOV strings are spread by a CRC-32
    hash (Keras uses TF's FarmHash: the slot chosen for a given string differs).

    Example:
        >>> StringLookup(vocabulary=["a", "b", "c", "d"])(np.array([["a", "c", "d"], ["d", "z", "b"]]))
        # -> [[1, 3, 4], [4, 0, 2]]
    """

    _is_string = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, **kwargs):
        kwargs.pop("vocabulary_dtype", None)
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype="string", idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse,
                         name=name, **kwargs)

    def get_config(self):
        return {**super().get_config(), "encoding": self.encoding}
