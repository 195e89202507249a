"""Reuters newswire topics, from Keras's ``reuters.npz`` and ``reuters_word_index.json``."""
from __future__ import annotations

import numpy as np

from . import _sequences as seq
from ._files import ORIGIN, find_file, load_npz


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """Load Reuters: 11,228 newswires as lists of word indices, 46 topic labels.

    Same processing as Keras (see ``imdb.load_data``); the shuffled data is
    split with the last ``test_split`` fraction as the test set.

    Args:
        path: the file name in Keras's cache folder (``~/.keras/datasets``,
            or ``$KERAS_HOME/datasets``), or a path to the file or its folder.
        num_words, skip_top, maxlen, seed, start_char, oov_char, index_from:
            as ``imdb.load_data``.
        test_split: the fraction of the data used as the test set.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``.

    Raises:
        FileNotFoundError: when the file is absent (it says where to get it).
    """
    file = find_file(path, "reuters.npz", f"{ORIGIN}reuters.npz", "The Reuters file reuters.npz")
    f = load_npz(file)
    xs, labels = f["x"], f["y"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    xs, labels = xs[indices], labels[indices]
    xs = seq.prepare(xs, start_char, index_from)
    if maxlen:
        xs, labels = seq.remove_long(maxlen, xs, labels)
    xs = seq.limit_words(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    labels = np.asarray(labels)
    return ((seq.object_array(xs[:idx]), np.array(labels[:idx])),
            (seq.object_array(xs[idx:]), np.array(labels[idx:])))


def get_word_index(path="reuters_word_index.json"):
    """The word -> index dictionary (``reuters_word_index.json``)."""
    return seq.get_word_index(path, "reuters_word_index.json",
                              "The Reuters word index reuters_word_index.json")


def get_label_names():
    """The 46 topic names, in label order."""
    return ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
            "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass",
            "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum",
            "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
            "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
            "dlr", "gas", "silver", "wpi", "hog", "lead")
