"""The book's MNIST recipe on scikit-learn's bundled 8x8 digits.

Dense(512, relu) -> Dense(10, softmax), RMSprop, categorical crossentropy.
Runs on whichever engine is active (KERASETTE_BACKEND=numpy|torch|jax).

    python examples/mnist_mlp.py
"""
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import kerasette
from kerasette import layers, models
from kerasette.utils import set_random_seed, to_categorical


def load_data():
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")  # 64 pixels in [0, 1]
    return train_test_split(x, digits.target, test_size=0.25, random_state=0, stratify=digits.target)


def main(epochs=20, verbose=2):
    set_random_seed(0)
    x_train, x_test, y_train, y_test = load_data()
    model = models.Sequential([
        layers.Input(shape=(64,)),
        layers.Dense(512, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, to_categorical(y_train), epochs=epochs, batch_size=128, verbose=verbose)
    test_loss, test_acc = model.evaluate(x_test, to_categorical(y_test), verbose=0)
    print(f"engine: {kerasette.backend.backend()}  test_acc: {test_acc:.4f}  test_loss: {test_loss:.4f}")
    return test_acc


if __name__ == "__main__":
    main()
