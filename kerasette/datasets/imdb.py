"""IMDB movie-review sentiment, from Keras's ``imdb.npz`` and ``imdb_word_index.json``."""
from __future__ import annotations

import numpy as np

from . import _sequences as seq
from ._files import ORIGIN, find_file, load_npz


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,
              oov_char=2, index_from=3, **kwargs):
    """Load IMDB: 25,000 + 25,000 reviews as lists of word indices, labels 0/1.

    Same processing as Keras: both splits are shuffled with ``seed``; each
    review starts with ``start_char``; word indices are offset by
    ``index_from``; reviews of ``maxlen`` words or more are dropped; indices
    ``>= num_words`` or ``< skip_top`` become ``oov_char`` (or are dropped when
    ``oov_char`` is None).

    Args:
        path: the file name in Keras's cache folder (``~/.keras/datasets``,
            or ``$KERAS_HOME/datasets``), or a path to the file or its folder.
        num_words: keep the ``num_words`` most frequent words (by index).
        skip_top: also mark the ``skip_top`` most frequent words as unknown.
        maxlen: drop longer sequences.
        seed: the shuffling seed.
        start_char: the index marking the start of a sequence (None: none).
        oov_char: the index of cut-out words.
        index_from: offset of the actual word indices.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``; ``x`` are object arrays of lists.

    Raises:
        FileNotFoundError: when the file is absent (it says where to get it).
    """
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    file = find_file(path, "imdb.npz", f"{ORIGIN}imdb.npz", "The IMDB file imdb.npz")
    f = load_npz(file)
    x_train, labels_train = f["x_train"], f["y_train"]
    x_test, labels_test = f["x_test"], f["y_test"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]

    x_train = seq.prepare(x_train, start_char, index_from)
    x_test = seq.prepare(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = seq.remove_long(maxlen, x_train, labels_train)
        x_test, labels_test = seq.remove_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                             "sequence was kept. Increase maxlen.")
    xs = seq.limit_words(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([np.asarray(labels_train), np.asarray(labels_test)])
    idx = len(x_train)
    return ((seq.object_array(xs[:idx]), labels[:idx]),
            (seq.object_array(xs[idx:]), labels[idx:]))


def get_word_index(path="imdb_word_index.json"):
    """The word -> index dictionary (``imdb_word_index.json``; indices before ``index_from``)."""
    return seq.get_word_index(path, "imdb_word_index.json",
                              "The IMDB word index imdb_word_index.json")
