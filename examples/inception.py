"""An Inception-style convnet on scikit-learn's 8x8 digits.

Each Inception module runs four branches side by side on the same input and
concatenates their channels: a 1x1 convolution; 1x1 then 3x3; 1x1 then 5x5;
and 3x3 max pooling (stride 1) then 1x1. Stem Conv2D(16, 3) -> module ->
MaxPooling2D -> module -> GlobalAveragePooling2D -> Dense(10, softmax).
Runs on whichever engine is active (KERASETTE_BACKEND=numpy|torch|jax).

    python examples/inception.py
"""
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import kerasette
from kerasette import layers, models, optimizers
from kerasette.utils import set_random_seed


def load_data():
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., np.newaxis]  # (n, 8, 8, 1)
    return train_test_split(x, digits.target, test_size=0.25, random_state=0, stratify=digits.target)


def inception_module(x, filters, name):
    """Four parallel branches, concatenated along the channels."""
    def conv(t, size, suffix):
        return layers.Conv2D(filters, size, padding="same", activation="relu", name=f"{name}_{suffix}")(t)

    b1 = conv(x, 1, "1x1")
    b3 = conv(conv(x, 1, "3x3_reduce"), 3, "3x3")
    b5 = conv(conv(x, 1, "5x5_reduce"), 5, "5x5")
    bp = conv(layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x), 1, "pool_proj")
    return layers.Concatenate(name=f"{name}_concat")([b1, b3, b5, bp])


def build_model():
    inp = layers.Input(shape=(8, 8, 1), name="image")
    x = layers.Conv2D(16, 3, padding="same", activation="relu", name="stem")(inp)
    x = inception_module(x, 8, "inception_a")                     # 8x8x32
    x = layers.MaxPooling2D(name="downsample")(x)                 # 4x4x32
    x = inception_module(x, 16, "inception_b")                    # 4x4x64
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    return models.Model(inp, layers.Dense(10, activation="softmax", name="digit")(x), name="inception")


def main(epochs=15, verbose=2):
    """Train, evaluate on the held-out quarter, print and return the test accuracy."""
    set_random_seed(0)
    x_train, x_test, y_train, y_test = load_data()
    model = build_model()
    model.compile(optimizer=optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=verbose)
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    seconds = time.perf_counter() - start
    print(f"engine: {kerasette.backend.backend()}  test_acc: {test_acc:.4f}  "
          f"test_loss: {test_loss:.4f}  params: {model.count_params()}  ({epochs} epochs, {seconds:.1f} s)")
    return test_acc


if __name__ == "__main__":
    main()
