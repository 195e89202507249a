"""The book's binary classifier, on scikit-learn's bundled breast-cancer data.

30 standardized features -> Dense(16, relu) -> Dense(16, relu) ->
Dense(1, sigmoid); RMSprop, binary crossentropy, accuracy, 20% of the training
data held out for validation (``validation_split``). Prints the test accuracy
and saves the training curves (loss, accuracy) with ``plot_history``.
Runs on whichever engine is active (KERASETTE_BACKEND=numpy|torch|jax).

    python examples/binary_classification.py [--epochs 20] [--out out/]

The plot goes to ``--out``, else ``$KERASETTE_EXAMPLES_OUT``, else ``out/``
at the repository root (ignored by git).
"""
import argparse
import os
import pathlib

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import kerasette
from kerasette import layers, models
from kerasette.utils import plot_history, set_random_seed

DEFAULT_OUT = pathlib.Path(__file__).resolve().parent.parent / "out"


def out_dir(out=None):
    """``out``, else ``$KERASETTE_EXAMPLES_OUT``, else ``out/`` at the repository root."""
    return pathlib.Path(out or os.environ.get("KERASETTE_EXAMPLES_OUT") or DEFAULT_OUT)


def load_data():
    """Train/test split (75/25, stratified), standardized with the training statistics."""
    data = load_breast_cancer()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=0, stratify=data.target)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    return (x_train.astype("float32"), y_train.astype("float32"),
            x_test.astype("float32"), y_test.astype("float32"))


def build_model(n_features):
    model = models.Sequential([
        layers.Input(shape=(n_features,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def main(epochs=20, verbose=2, out=None):
    """Train, plot the curves, print and return the test accuracy."""
    set_random_seed(0)
    x_train, y_train, x_test, y_test = load_data()
    model = build_model(x_train.shape[1])
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.2,
                        verbose=verbose)
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    engine = kerasette.backend.backend()
    plot = plot_history(history, out_dir(out) / f"binary_classification_{engine}.png")
    best = int(np.argmin(history.history["val_loss"])) + 1
    print(f"engine: {engine}  test_acc: {test_acc:.4f}  test_loss: {test_loss:.4f}  "
          f"(best val_loss at epoch {best}/{epochs}; curves: {plot})")
    return test_acc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", help="folder for the training-curve plot")
    args = parser.parse_args()
    main(epochs=args.epochs, out=args.out)
