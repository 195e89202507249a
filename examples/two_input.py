"""A model with two inputs: each half of a handwritten digit goes through its own tower.

The 8x8 scikit-learn digits are cut into a top half and a bottom half (32
pixels each), fed as two named inputs; two Dense towers read one half each,
their features are concatenated and a softmax head names the digit. The data
is given to fit/evaluate/predict as a dict keyed by input name. Runs on
whichever engine is active (KERASETTE_BACKEND=numpy|torch|jax).

    python examples/two_input.py
"""
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import kerasette
from kerasette import layers, models
from kerasette.utils import set_random_seed


def load_data():
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=0.25, random_state=0,
                                                        stratify=digits.target)

    def halves(images):
        return {"top": images[:, :4].reshape(len(images), 32),
                "bottom": images[:, 4:].reshape(len(images), 32)}

    return halves(x_train), y_train, halves(x_test), y_test


def build_model():
    top = layers.Input(shape=(32,), name="top")
    bottom = layers.Input(shape=(32,), name="bottom")
    top_features = layers.Dense(32, activation="relu", name="top_tower")(top)
    bottom_features = layers.Dense(32, activation="relu", name="bottom_tower")(bottom)
    merged = layers.Concatenate(name="merge")([top_features, bottom_features])
    hidden = layers.Dense(32, activation="relu", name="hidden")(merged)
    digit = layers.Dense(10, activation="softmax", name="digit")(hidden)
    return models.Model(inputs=[top, bottom], outputs=digit, name="two_input")


def main(epochs=20, verbose=2):
    """Train, evaluate on the held-out quarter, print and return the test accuracy."""
    set_random_seed(0)
    x_train, y_train, x_test, y_test = load_data()
    model = build_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=verbose)
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    seconds = time.perf_counter() - start
    first = model.predict({k: v[:8] for k, v in x_test.items()}, verbose=0).argmax(axis=1)
    print(f"engine: {kerasette.backend.backend()}  test_acc: {test_acc:.4f}  "
          f"test_loss: {test_loss:.4f}  ({epochs} epochs, {seconds:.1f} s)")
    print(f"predicted: {first.tolist()}  truth: {y_test[:8].tolist()}")
    return test_acc


if __name__ == "__main__":
    main()
