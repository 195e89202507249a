"""The book's K-fold regression, on scikit-learn's bundled diabetes data.

10 standardized features -> Dense(64, relu) -> Dense(64, relu) -> Dense(1);
RMSprop, mean squared error loss, mean absolute error metric. With only 442
samples one validation split is noisy, so the model is validated with K-fold
cross-validation (k=4): four models, each validated on a different quarter;
the score is the mean of their validation MAEs. Prints it and saves the
per-epoch MAE averaged over the folds with ``plot_history``.
Runs on whichever engine is active (KERASETTE_BACKEND=numpy|torch|jax).

    python examples/regression_kfold.py [--epochs 30] [--out out/]

The plot goes to ``--out``, else ``$KERASETTE_EXAMPLES_OUT``, else ``out/``
at the repository root (ignored by git). (Predicting the mean target gives
an MAE of about 64; a linear model about 44.)
"""
import argparse
import os
import pathlib

import numpy as np
from sklearn.datasets import load_diabetes

import kerasette
from kerasette import layers, models
from kerasette.utils import plot_history, set_random_seed

DEFAULT_OUT = pathlib.Path(__file__).resolve().parent.parent / "out"


def out_dir(out=None):
    """``out``, else ``$KERASETTE_EXAMPLES_OUT``, else ``out/`` at the repository root."""
    return pathlib.Path(out or os.environ.get("KERASETTE_EXAMPLES_OUT") or DEFAULT_OUT)


def load_data():
    """Features and targets, shuffled once (a fixed seed) so the folds are mixed."""
    data = load_diabetes()
    order = np.random.default_rng(0).permutation(len(data.target))
    return data.data[order].astype("float32"), data.target[order].astype("float32")


def build_model(n_features):
    model = models.Sequential([
        layers.Input(shape=(n_features,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(1),
    ])
    model.compile(optimizer=kerasette.optimizers.RMSprop(0.01), loss="mse", metrics=["mae"])
    return model


def main(epochs=30, verbose=0, out=None, k=4):
    """K-fold validation; print and return the mean validation MAE over the ``k`` folds."""
    set_random_seed(0)
    x, y = load_data()
    fold = len(x) // k
    scores, curves = [], {"mae": [], "val_mae": []}
    for i in range(k):
        val = slice(i * fold, (i + 1) * fold)
        x_val, y_val = x[val], y[val]
        x_tr = np.concatenate([x[: i * fold], x[(i + 1) * fold:]])
        y_tr = np.concatenate([y[: i * fold], y[(i + 1) * fold:]])
        mean, std = x_tr.mean(axis=0), x_tr.std(axis=0)  # statistics of the training part only
        x_tr, x_val = (x_tr - mean) / std, (x_val - mean) / std
        model = build_model(x.shape[1])
        history = model.fit(x_tr, y_tr, validation_data=(x_val, y_val), epochs=epochs,
                            batch_size=16, verbose=verbose)
        _, val_mae = model.evaluate(x_val, y_val, verbose=0)
        scores.append(val_mae)
        for key in curves:
            curves[key].append(history.history[key])
        if verbose:
            print(f"fold {i + 1}/{k}: val_mae {val_mae:.2f}")
    engine = kerasette.backend.backend()
    averaged = {key: list(np.mean(values, axis=0)) for key, values in curves.items()}
    plot = plot_history(averaged, out_dir(out) / f"regression_kfold_{engine}.png", metrics=["mae"])
    score = float(np.mean(scores))
    print(f"engine: {engine}  k-fold val_mae: {score:.2f}  folds: "
          f"{', '.join(f'{s:.2f}' for s in scores)}  (curves: {plot})")
    return score


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", help="folder for the training-curve plot")
    args = parser.parse_args()
    main(epochs=args.epochs, out=args.out)
