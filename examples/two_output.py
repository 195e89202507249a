"""A model with two outputs: one trunk, a classification head and a regression head.

From a handwritten 8x8 digit (scikit-learn), the model names the digit
(``digit``: softmax, sparse categorical crossentropy, weight 1.0) and
estimates how much ink it uses (``ink``: the mean pixel intensity, standardized;
linear, mean squared error, weight 0.5). ``compile`` takes the losses, loss
weights and metrics as dicts keyed by output name; the logs are Keras's
``loss``, ``digit_loss``, ``ink_loss``, ``digit_accuracy``, ``ink_mae``.
Runs on whichever engine is active (KERASETTE_BACKEND=numpy|torch|jax).

    python examples/two_output.py
"""
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import kerasette
from kerasette import layers, models, optimizers
from kerasette.utils import set_random_seed


def load_data():
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    ink = x.mean(axis=1, keepdims=True)
    ink = ((ink - ink.mean()) / ink.std()).astype("float32")
    x_train, x_test, d_train, d_test, i_train, i_test = train_test_split(
        x, digits.target, ink, test_size=0.25, random_state=0, stratify=digits.target)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-3  # standardized pixels: a
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std  # far quicker regression
    return x_train, {"digit": d_train, "ink": i_train}, x_test, {"digit": d_test, "ink": i_test}


def build_model():
    pixels = layers.Input(shape=(64,), name="pixels")
    trunk = layers.Dense(64, activation="relu", name="trunk")(pixels)
    digit = layers.Dense(10, activation="softmax", name="digit")(layers.Dense(32, activation="relu")(trunk))
    ink = layers.Dense(1, name="ink")(trunk)
    return models.Model(inputs=pixels, outputs=[digit, ink], name="two_output")


def main(epochs=20, verbose=2):
    """Train, evaluate on the held-out quarter, print and return the test logs (a dict)."""
    set_random_seed(0)
    x_train, y_train, x_test, y_test = load_data()
    model = build_model()
    model.compile(optimizer=optimizers.Adam(3e-3),
                  loss={"digit": "sparse_categorical_crossentropy", "ink": "mse"},
                  loss_weights={"digit": 1.0, "ink": 0.5},
                  metrics={"digit": ["accuracy"], "ink": ["mae"]})
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=verbose)
    logs = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    seconds = time.perf_counter() - start
    digit, ink = model.predict(x_test[:5], verbose=0)
    print(f"engine: {kerasette.backend.backend()}  test_digit_accuracy: {logs['digit_accuracy']:.4f}  "
          f"test_ink_mae: {logs['ink_mae']:.4f}  test_loss: {logs['loss']:.4f}  "
          f"({epochs} epochs, {seconds:.1f} s)")
    print("first five: digit", digit.argmax(axis=1).tolist(), "ink", [round(float(v), 2) for v in ink[:, 0]],
          "| truth: digit", y_test["digit"][:5].tolist(), "ink",
          [round(float(v), 2) for v in y_test["ink"][:5, 0]])
    return logs


if __name__ == "__main__":
    main()
