"""``TextVectorization``: strings to token indices or bag-of-tokens vectors, on the host.

Each example goes through four steps, all in Python/NumPy on the host:
standardize (lowercase / strip punctuation), split into tokens, form n-grams,
then look the tokens up with a ``StringLookup`` (mask token ``''``, OOV token
``'[UNK]'``). The token lists of a batch are padded with the mask token ``''``
before the lookup, so in ``'int'`` mode padding becomes index 0 and in the
encoded modes it adds nothing.

Differences from Keras (which runs this layer on TensorFlow's string ops):

- ``ragged=True`` and ``sparse=True`` are refused (no ragged or sparse tensors
  here); ``output_mode='one_hot'``, which Keras accepts without documenting it,
  is refused too.
- As in Keras, ``'lower'`` lowercases ASCII letters only (``tf.strings.lower``
  without an encoding), punctuation means the 32 ASCII punctuation characters,
  and ``'whitespace'`` splits on runs of ASCII whitespace.
- A callable ``split`` receives the standardized examples as a 1-D NumPy array
  of ``str`` and returns, per example, a sequence of tokens (a list of lists or
  a 2-D array). A callable ``standardize`` receives and returns a NumPy array
  of ``str`` of the input's shape (as on Keras's non-TensorFlow backends).
- An adapted vocabulary (and its IDF weights) is kept in ``get_config``, as for
  ``StringLookup``; a layer rebuilt from such a config has a fixed vocabulary.
"""
from __future__ import annotations

import re
import string

import numpy as np

from ... import config
from ._host import HostLayer, as_str_array
from ._utils import iter_batches
from .lookup import StringLookup

_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_MODES = ("int", "multi_hot", "count", "tf_idf")

# Keras strips the ASCII punctuation characters (string.punctuation, the same
# 32 characters as its regular expression) and lowercases ASCII letters only.
_LOWER = {ord(c): c.lower() for c in string.ascii_uppercase}
_STRIP = {ord(c): None for c in string.punctuation}
_TABLES = {"lower": _LOWER, "strip_punctuation": _STRIP,
           "lower_and_strip_punctuation": {**_LOWER, **_STRIP}}
_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")


def _serialize_callable(fn):
    if fn is None or isinstance(fn, str):
        return fn
    from ...saving.serialization_lib import get_registered_name
    name = getattr(fn, "__name__", type(fn).__name__)
    return {"module": getattr(fn, "__module__", None), "class_name": "function", "config": name,
            "registered_name": get_registered_name(fn)}


def _deserialize_callable(value, arg):
    if value is None or isinstance(value, str) or callable(value):
        return value
    from ...saving.serialization_lib import _registered, _scope
    tables = list(reversed(getattr(_scope, "stack", []))) + [_registered]
    names = [value.get("registered_name"), value.get("config")] if isinstance(value, dict) else []
    for table in tables:
        for key in names:
            if key and key in table:
                return table[key]
    raise ValueError(f"TextVectorization: cannot find the function {names[-1] if names else value!r} "
                     f"given as `{arg}`. Pass it in `custom_objects` or register it with "
                     f"`@kerasette.saving.register_keras_serializable()`.")


class TextVectorization(HostLayer):
    """Maps text to token indices (``'int'``) or per-example token vectors.

    Args:
        max_tokens: largest vocabulary size, the mask (``'int'`` only) and OOV tokens included.
        standardize: ``'lower_and_strip_punctuation'`` (default), ``'lower'``,
            ``'strip_punctuation'``, None, or a callable on a NumPy ``str`` array.
        split: ``'whitespace'`` (default), ``'character'``, None, or a callable.
        ngrams: None, an int ``n`` (all n-grams of widths 1..n) or a tuple of widths;
            the parts of an n-gram are joined with one space.
        output_mode: ``'int'`` (default), ``'multi_hot'``, ``'count'``, ``'tf_idf'``.
        output_sequence_length: ``'int'`` only: pad with 0 or truncate the token
            axis to this length (default: pad to the longest example in the batch).
        pad_to_max_tokens: encoded outputs are ``max_tokens`` wide.
        vocabulary: a list of tokens or the path of a file with one a line.
        idf_weights: with ``output_mode='tf_idf'`` and a given vocabulary.
        ragged, sparse: not supported (must be False).
        encoding: how ``bytes`` inputs are decoded (default ``'utf-8'``).

    Example:
        >>> layer = TextVectorization(max_tokens=5000, output_sequence_length=4)
        >>> layer.adapt(["foo bar", "bar baz", "baz bada boom"])
        >>> layer([["foo qux bar"], ["qux baz"]])
        # -> [[4, 1, 3, 0], [1, 2, 0, 0]]
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8",
                 name=None, **kwargs):
        has_input = kwargs.pop("has_input_vocabulary", None)
        kwargs.pop("vocabulary_size", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        where = f"TextVectorization '{self.name}'"
        if ragged:
            raise ValueError(f"{where}: `ragged=True` is not supported: kerasette has no ragged "
                             f"tensors. Outputs in 'int' mode are padded with 0 (to the longest "
                             f"example, or to `output_sequence_length`). Received: ragged={ragged!r}")
        if not (standardize is None or callable(standardize) or standardize in _STANDARDIZE):
            raise ValueError(f"{where}: invalid value for argument `standardize`: {standardize!r}. "
                             f"Expected None, a callable, or one of {list(_STANDARDIZE)}.")
        if not (split is None or callable(split) or split in _SPLIT):
            raise ValueError(f"{where}: invalid value for argument `split`: {split!r}. "
                             f"Expected None, a callable, or one of {list(_SPLIT)}.")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ValueError(f"{where}: invalid value for argument `output_mode`: {output_mode!r}. "
                             f"Expected one of {list(_MODES)}.")
        valid_ngrams = ngrams is None or (isinstance(ngrams, int) and not isinstance(ngrams, bool)
                                          and ngrams >= 1) or \
            (isinstance(ngrams, tuple) and ngrams and
             all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in ngrams))
        if not valid_ngrams:
            raise ValueError(f"{where}: `ngrams` must be None, a positive integer, or a tuple of "
                             f"positive integers. Received: ngrams={ngrams!r}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f"{where}: `output_sequence_length` must not be set if `output_mode` "
                             f"is not 'int'. Received: output_mode={output_mode!r}, "
                             f"output_sequence_length={output_sequence_length!r}")
        if output_sequence_length is not None and (
                not isinstance(output_sequence_length, (int, np.integer))
                or isinstance(output_sequence_length, bool) or output_sequence_length < 0):
            raise ValueError(f"{where}: `output_sequence_length` must be None or a non-negative "
                             f"integer. Received: output_sequence_length={output_sequence_length!r}")
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode = output_mode
        self._output_sequence_length = None if output_sequence_length is None \
            else int(output_sequence_length)
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            sparse=sparse, encoding=encoding, name=f"{self.name}_lookup",
            has_input_vocabulary=has_input, _owner_label=where)

    # ------------------------------------------------------------ vocabulary
    def get_vocabulary(self, include_special_tokens=True):
        """The tokens in index order (with ``''`` and ``'[UNK]'`` unless told not to)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """Size of the index space, the mask and OOV indices included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Replace the vocabulary (a list of tokens or a file path), with IDF weights in 'tf_idf' mode."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from ``data`` (strings: an array, a list, or an iterable of
        batches): tokens by descending frequency, ties by descending token; with
        'tf_idf' also the inverse document frequencies (one document per example)."""
        where = f"TextVectorization '{self.name}'"
        if self._lookup_layer._has_input_vocabulary:
            raise ValueError(f"Cannot adapt {where} after setting a static vocabulary via the "
                             f"`vocabulary` argument or `set_vocabulary()`.")

        def token_batches():
            for i, batch in enumerate(iter_batches(where, data)):
                if steps is not None and i >= steps:
                    break
                tokens = self._tokenize(batch)  # one row per example
                yield tokens.reshape(int(np.prod(tokens.shape[:-1])), tokens.shape[-1])

        self._lookup_layer.adapt(token_batches())

    # ------------------------------------------------------------ text steps
    def _strings(self, x):
        x = np.asarray(x)
        if x.dtype.kind == "S":
            return np.char.decode(x, self._encoding)
        if x.dtype.kind == "O" and x.size:
            return np.vectorize(lambda s: s.decode(self._encoding) if isinstance(s, bytes) else str(s),
                                otypes=[str])(x)
        return as_str_array(x)

    def _standardized(self, x):
        if self._standardize is None:
            return x
        if callable(self._standardize):
            out = as_str_array(self._standardize(x))
            if out.shape != x.shape:
                raise ValueError(f"TextVectorization '{self.name}': the `standardize` callable must "
                                 f"return an array of the input's shape {x.shape}; got {out.shape}.")
            return out
        table = _TABLES[self._standardize]
        flat = [s.translate(table) for s in x.reshape(-1).tolist()]
        return np.array(flat, dtype=str).reshape(x.shape) if flat else x

    def _split_rows(self, x):
        """Token lists, one per example, and the leading shape they came from."""
        if self._split is None:
            if x.ndim == 1:
                x = x[:, None]
            return [list(r) for r in x.reshape(-1, x.shape[-1]).tolist()], x.shape[:-1]
        if x.ndim > 1:
            if x.shape[-1] != 1:
                raise ValueError(f"TextVectorization '{self.name}': to split strings into tokens "
                                 f"the input must have rank 1 or a last dimension of 1. Received: "
                                 f"inputs.shape={x.shape}")
            x = x[..., 0]
        lead, flat = x.shape, x.reshape(-1)
        if self._split == "whitespace":
            rows = [[t for t in _ASCII_SPACE.split(s) if t] for s in flat.tolist()]
        elif self._split == "character":
            rows = [list(s) for s in flat.tolist()]
        else:
            out = self._split(flat)
            out = out.tolist() if isinstance(out, np.ndarray) else list(out)
            if len(out) != len(flat):
                raise ValueError(f"TextVectorization '{self.name}': the `split` callable must "
                                 f"return one token sequence per example ({len(flat)}); got {len(out)}.")
            rows = [[str(t.decode(self._encoding) if isinstance(t, bytes) else t)
                     for t in np.asarray(r, dtype=object).reshape(-1).tolist()] for r in out]
        return rows, lead

    def _with_ngrams(self, row):
        if self._ngrams is None:
            return row
        out = []
        for n in self._ngrams:
            out.extend(" ".join(row[i:i + n]) for i in range(len(row) - n + 1))
        return out

    def _tokenize(self, inputs, length=None):
        """Host tokens: an array ``lead + (width,)`` padded with ``''`` (the mask token)."""
        x = self._strings(inputs)
        if x.ndim == 0:
            x = x.reshape(1)
        rows, lead = self._split_rows(self._standardized(x))
        rows = [self._with_ngrams(r) for r in rows]
        width = max((len(r) for r in rows), default=0) if length is None else length
        out = np.full((len(rows), width), "", dtype=object)
        for i, r in enumerate(rows):
            r = r[:width]
            out[i, :len(r)] = r
        return out.astype(str).reshape(tuple(lead) + (width,))

    # ------------------------------------------------------------------ call
    @property
    def output_dtype(self):
        return "int64" if self._output_mode == "int" else config.floatx()

    def call(self, inputs):
        scalar = np.ndim(inputs) == 0
        tokens = self._tokenize(inputs, self._output_sequence_length)
        if self._output_mode != "int" and tokens.ndim > 2:
            raise ValueError(f"TextVectorization '{self.name}': output_mode="
                             f"{self._output_mode!r} takes a batch of examples of shape (batch,) "
                             f"or (batch, 1). Received: inputs.shape={np.shape(inputs)}")
        out = self._lookup_layer.call(tokens)
        return out[0] if scalar else out

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode != "int":
            return input_shape[:1] + (self._lookup_layer._depth(),)
        length = self._output_sequence_length
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = input_shape + (1,)
            if length is None and self._ngrams is None:
                length = input_shape[-1]
            return input_shape[:-1] + (length,)
        lead = input_shape[:-1] if len(input_shape) > 1 else input_shape
        return lead + (length,)

    # ---------------------------------------------------------------- config
    def get_config(self):
        inner = self._lookup_layer.get_config()
        return {**super().get_config(), "max_tokens": self._lookup_layer.max_tokens,
                "standardize": _serialize_callable(self._standardize),
                "split": _serialize_callable(self._split),
                "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": self._lookup_layer.pad_to_max_tokens,
                "sparse": False, "ragged": False,
                "vocabulary": inner["vocabulary"], "idf_weights": inner["idf_weights"],
                "encoding": self._encoding, "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["standardize"] = _deserialize_callable(config.get("standardize"), "standardize")
        config["split"] = _deserialize_callable(config.get("split"), "split")
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)
