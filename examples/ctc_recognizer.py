"""A CTC sequence recognizer: read strings of 1-4 handwritten digits.

Each sample is a strip of scikit-learn's 8x8 digit images placed side by side
with random gaps (8 rows x 40 columns), read left to right as a sequence of 40
columns of 8 pixels. The labels are the digit strings, with no alignment given:
class ``d + 1`` for digit ``d``, 0 for the blank and for padding, as
``keras.losses.CTC`` expects. Test strips are built from held-out images.

Conv1D + BatchNormalization x 3 (each column sees 13 columns) -> Dense(11)
logits per column; ``CTC`` loss; ``ops.ctc_decode`` (greedy) turns the logits
back into strings. Prints the fraction of test strings read exactly.
Runs on whichever engine is active (KERASETTE_BACKEND=numpy|torch|jax).

    python examples/ctc_recognizer.py
"""
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import kerasette
from kerasette import layers, losses, models, ops, optimizers
from kerasette.utils import set_random_seed

WIDTH, MAX_DIGITS, CLASSES = 40, 4, 11   # 10 digits + the blank (class 0)


def make_strips(images, digits, n, rng):
    """``n`` strips (n, WIDTH, 8) of 1..MAX_DIGITS images and labels (n, MAX_DIGITS), 0-padded."""
    x = np.zeros((n, WIDTH, 8), "float32")
    y = np.zeros((n, MAX_DIGITS), "int32")
    for i in range(n):
        count = rng.integers(1, MAX_DIGITS + 1)
        picks = rng.integers(0, len(images), size=count)
        gaps = rng.integers(0, 3, size=count)
        col = rng.integers(0, WIDTH - 8 * count - gaps.sum() + 1)
        for k, (p, gap) in enumerate(zip(picks, gaps)):
            x[i, col:col + 8] = images[p].T / 16.0   # columns of the image become time steps
            col += 8 + gap
            y[i, k] = digits[p] + 1
    return x, y


def load_data(n_train=3000, n_test=500, seed=0):
    digits = load_digits()
    img_tr, img_te, d_tr, d_te = train_test_split(digits.images, digits.target, test_size=0.25,
                                                  random_state=0, stratify=digits.target)
    rng = np.random.default_rng(seed)
    return make_strips(img_tr, d_tr, n_train, rng) + make_strips(img_te, d_te, n_test, rng)


def build_model():
    inp = layers.Input(shape=(WIDTH, 8), name="strip")
    x = inp
    for _ in range(3):  # receptive field 13 columns: a whole digit and its neighbours' edges
        x = layers.Conv1D(48, 5, padding="same")(x)
        x = layers.Activation("relu")(layers.BatchNormalization()(x))  # BN: no long all-blank plateau
    return models.Model(inp, layers.Dense(CLASSES, name="logits")(x), name="ctc_recognizer")


def decode(logits):
    """Greedy CTC decoding of (n, WIDTH, CLASSES) logits -> (n, MAX_DIGITS) labels, 0-padded."""
    decoded, _ = ops.ctc_decode(logits, np.full(len(logits), WIDTH), strategy="greedy", mask_index=0)
    decoded = np.asarray(ops.convert_to_numpy(decoded))[0][:, :MAX_DIGITS]
    return np.where(decoded < 0, 0, decoded)


def main(epochs=20, verbose=2, n_train=3000):
    """Train, decode the test strips, print and return the exact-match accuracy."""
    set_random_seed(0)
    x_train, y_train, x_test, y_test = load_data(n_train=n_train)
    model = build_model()
    model.compile(optimizer=optimizers.Adam(1e-2), loss=losses.CTC())
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=verbose)
    test_loss = model.evaluate(x_test, y_test, verbose=0)
    predicted = decode(model.predict(x_test, verbose=0))
    accuracy = float((predicted == y_test).all(axis=1).mean())
    seconds = time.perf_counter() - start
    sample = " ".join("".join(str(d - 1) for d in row if d) for row in predicted[:5])
    truth = " ".join("".join(str(d - 1) for d in row if d) for row in y_test[:5])
    print(f"engine: {kerasette.backend.backend()}  sequence_acc: {accuracy:.4f}  "
          f"test_ctc_loss: {test_loss:.4f}  ({epochs} epochs, {seconds:.1f} s)")
    print(f"read: {sample}   truth: {truth}")
    return accuracy


if __name__ == "__main__":
    main()
