"""A small convnet on scikit-learn's bundled 8x8 digits.

Conv2D(32, 3, relu, same) -> MaxPooling2D -> Conv2D(64, 3, relu, same) ->
MaxPooling2D -> Flatten -> Dense(10, softmax); Adam, categorical crossentropy.
Runs on whichever engine is active (KERASETTE_BACKEND=numpy|torch|jax).

    python examples/convnet.py
"""
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import kerasette
from kerasette import layers, models
from kerasette.utils import set_random_seed, to_categorical


def load_data():
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., np.newaxis]  # (n, 8, 8, 1) in [0, 1]
    return train_test_split(x, digits.target, test_size=0.25, random_state=0, stratify=digits.target)


def build_model():
    return models.Sequential([
        layers.Input(shape=(8, 8, 1)),
        layers.Conv2D(32, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(),                                    # 8x8 -> 4x4
        layers.Conv2D(64, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(),                                    # 4x4 -> 2x2
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])


def main(epochs=15, verbose=2):
    """Train, evaluate on the held-out quarter, print and return the test accuracy."""
    set_random_seed(0)
    x_train, x_test, y_train, y_test = load_data()
    model = build_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, to_categorical(y_train), epochs=epochs, batch_size=32, verbose=verbose)
    test_loss, test_acc = model.evaluate(x_test, to_categorical(y_test), verbose=0)
    seconds = time.perf_counter() - start
    print(f"engine: {kerasette.backend.backend()}  test_acc: {test_acc:.4f}  "
          f"test_loss: {test_loss:.4f}  ({epochs} epochs, {seconds:.1f} s)")
    return test_acc


if __name__ == "__main__":
    main()
