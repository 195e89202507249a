"""The book's multi-class classifier, on scikit-learn's bundled 8x8 digits.

64 pixels in [0, 1] -> Dense(64, relu) -> Dense(64, relu) -> Dense(10,
softmax); RMSprop. Trained twice, as the book shows both label encodings:
one-hot labels with ``categorical_crossentropy``, and integer labels with
``sparse_categorical_crossentropy`` (same model, same result). Prints both
test accuracies and saves each run's training curves with ``plot_history``.
Runs on whichever engine is active (KERASETTE_BACKEND=numpy|torch|jax).

    python examples/multiclass_classification.py [--epochs 20] [--out out/]

The plots go to ``--out``, else ``$KERASETTE_EXAMPLES_OUT``, else ``out/``
at the repository root (ignored by git).
"""
import argparse
import os
import pathlib

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import kerasette
from kerasette import layers, models
from kerasette.utils import plot_history, set_random_seed, to_categorical

DEFAULT_OUT = pathlib.Path(__file__).resolve().parent.parent / "out"


def out_dir(out=None):
    """``out``, else ``$KERASETTE_EXAMPLES_OUT``, else ``out/`` at the repository root."""
    return pathlib.Path(out or os.environ.get("KERASETTE_EXAMPLES_OUT") or DEFAULT_OUT)


def load_data():
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    return train_test_split(x, digits.target, test_size=0.25, random_state=0, stratify=digits.target)


def build_model(loss):
    model = models.Sequential([
        layers.Input(shape=(64,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss=loss, metrics=["accuracy"])
    return model


def main(epochs=20, verbose=2, out=None):
    """Train with both encodings; print and return ``{'categorical': acc, 'sparse': acc}``."""
    x_train, x_test, y_train, y_test = load_data()
    engine = kerasette.backend.backend()
    runs = {"categorical": ("categorical_crossentropy", to_categorical(y_train, 10),
                            to_categorical(y_test, 10)),
            "sparse": ("sparse_categorical_crossentropy", y_train, y_test)}
    results = {}
    for name, (loss, train_labels, test_labels) in runs.items():
        set_random_seed(0)
        model = build_model(loss)
        history = model.fit(x_train, train_labels, epochs=epochs, batch_size=64,
                            validation_split=0.2, verbose=verbose)
        test_loss, test_acc = model.evaluate(x_test, test_labels, verbose=0)
        plot = plot_history(history, out_dir(out) / f"multiclass_{name}_{engine}.png")
        print(f"engine: {engine}  labels: {name:<11}  loss: {loss}  test_acc: {test_acc:.4f}  "
              f"test_loss: {test_loss:.4f}  (curves: {plot})")
        results[name] = test_acc
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", help="folder for the training-curve plots")
    args = parser.parse_args()
    main(epochs=args.epochs, out=args.out)
