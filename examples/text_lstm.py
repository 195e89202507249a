"""Embedding -> LSTM -> Dense on a generated token-sequence task.

Each sample is a variable-length sequence of token ids (1..19), padded with 0
at the end. The label says whether the sequence contains the bigram "3 then 7"
(the two tokens adjacent, in that order). Negatives often hold a 3 and a 7 that
are not adjacent, or a "7 3", so counting tokens is not enough: the LSTM has to
remember the previous token. ``Embedding(mask_zero=True)`` makes the LSTM skip
the padding.

Runs on whichever engine is active (KERASETTE_BACKEND=numpy|torch|jax):

    python examples/text_lstm.py
"""
import time

import numpy as np

import kerasette
from kerasette import layers, models
from kerasette.utils import set_random_seed

VOCAB, MAX_LEN, MIN_LEN = 20, 12, 5
PATTERN = (3, 7)


def _contains(seq, pattern=PATTERN):
    return any(seq[i] == pattern[0] and seq[i + 1] == pattern[1] for i in range(len(seq) - 1))


def make_data(n, seed):
    """``n`` padded sequences ``(n, MAX_LEN)`` int32 and 0/1 labels, half of each class."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, MAX_LEN), "int32")
    y = np.zeros((n,), "float32")
    for k in range(n):
        length = int(rng.integers(MIN_LEN, MAX_LEN + 1))
        positive = k % 2 == 0
        while True:
            seq = list(rng.integers(1, VOCAB, size=length))
            if positive:
                i = int(rng.integers(0, length - 1))
                seq[i:i + 2] = PATTERN
            elif rng.random() < 0.6:  # hard negatives: both tokens present, not as "3 7"
                i, j = rng.choice(length, size=2, replace=False)
                seq[i], seq[j] = PATTERN
            if _contains(seq) == positive:
                break
        x[k, :length] = seq
        y[k] = float(positive)
    order = rng.permutation(n)
    return x[order], y[order]


def build_model():
    return models.Sequential([
        layers.Input(shape=(MAX_LEN,), dtype="int32"),
        layers.Embedding(VOCAB, 16, mask_zero=True),
        layers.LSTM(24),
        layers.Dense(1, activation="sigmoid"),
    ])


def main(epochs=12, verbose=2, n_train=2000, n_test=500):
    """Train and evaluate; returns the test accuracy."""
    set_random_seed(0)
    x_train, y_train = make_data(n_train, seed=1)
    x_test, y_test = make_data(n_test, seed=2)
    model = build_model()
    model.compile(optimizer=kerasette.optimizers.Adam(learning_rate=0.01),
                  loss="binary_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=epochs, batch_size=64, verbose=verbose)
    seconds = time.perf_counter() - start
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"engine: {kerasette.backend.backend()}  test_acc: {test_acc:.4f}  "
          f"test_loss: {test_loss:.4f}  train_seconds: {seconds:.1f}")
    return test_acc


if __name__ == "__main__":
    main()
