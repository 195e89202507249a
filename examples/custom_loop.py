"""A training loop written from scratch with the engine-neutral stateless API.

No ``fit``: a small classifier of scikit-learn's bundled 8x8 digits is trained by
a loop over batches whose step is one pure function of explicit values --

    (trainable, non_trainable, optimizer, metric values, x, y) -> new values, loss

written with ``model.stateless_call``, ``kerasette.ops.value_and_grad``,
``optimizer.stateless_apply`` and ``metric.stateless_update_state``, and
compiled by ``kerasette.ops.jit`` (``jax.jit`` on JAX; NumPy and PyTorch run it as
it is). The final values go back into the model's variables, and the model
then answers ``predict`` as usual. Runs unchanged on NumPy, PyTorch and JAX.

    python examples/custom_loop.py [--epochs 10]

Prints the running loss and accuracy per epoch, then the held-out accuracy.
"""
import argparse

import numpy as np
from sklearn.datasets import load_digits

import kerasette
from kerasette import layers, losses, metrics, models, ops, optimizers
from kerasette.utils import set_random_seed


def load_data():
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    y = digits.target.astype("int32")
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x))
    train, test = order[:1400], order[1400:]
    return x[train], y[train], x[test], y[test]


def build_model():
    return models.Sequential([layers.Input(shape=(64,)), layers.Dense(64, activation="relu"),
                              layers.Dropout(0.1), layers.Dense(10)])


def main(epochs=10, batch_size=32, verbose=1):
    """Train with the hand-written loop; print and return the held-out accuracy."""
    set_random_seed(0)
    x_train, y_train, x_test, y_test = load_data()
    model = build_model()
    optimizer = optimizers.Adam(1e-2)
    optimizer.build(model.trainable_variables)
    loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
    accuracy = metrics.SparseCategoricalAccuracy()
    mean_loss = metrics.Mean()

    def train_step(state, x, y):
        trainable, non_trainable, opt_values, acc_values, loss_values = state

        def compute_loss(trainable, non_trainable):
            logits, non_trainable = model.stateless_call(trainable, non_trainable, x,
                                                         training=True)
            return loss_fn(y, logits), (logits, non_trainable)

        (loss, (logits, non_trainable)), grads = ops.value_and_grad(
            compute_loss, has_aux=True)(trainable, non_trainable)
        trainable, opt_values = optimizer.stateless_apply(opt_values, grads, trainable)
        acc_values = accuracy.stateless_update_state(acc_values, y, logits)
        loss_values = mean_loss.stateless_update_state(loss_values, loss)
        return trainable, non_trainable, opt_values, acc_values, loss_values

    step = ops.jit(train_step)

    state = ([v.value for v in model.trainable_variables],
             [v.value for v in model.non_trainable_variables],
             [v.value for v in optimizer.variables], None, None)
    rng = np.random.default_rng(1)
    n = len(x_train) // batch_size * batch_size  # equal batches: one compiled shape
    for epoch in range(epochs):
        state = state[:3] + (accuracy.stateless_reset_state(), mean_loss.stateless_reset_state())
        order = rng.permutation(len(x_train))[:n]
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            state = step(state, ops.convert(x_train[idx]), ops.convert(y_train[idx]))
        if verbose:
            print(f"epoch {epoch + 1}/{epochs}  loss: "
                  f"{float(ops.convert_to_numpy(mean_loss.stateless_result(state[4]))):.4f}  "
                  f"accuracy: "
                  f"{float(ops.convert_to_numpy(accuracy.stateless_result(state[3]))):.4f}")

    # the loop's values back into the variables; the model is an ordinary model again
    for variables, values in ((model.trainable_variables, state[0]),
                              (model.non_trainable_variables, state[1]),
                              (optimizer.variables, state[2])):
        for v, value in zip(variables, values):
            v.assign(value)
    logits = model.predict(x_test, verbose=0)
    test_acc = float(np.mean(np.argmax(logits, axis=1) == y_test))
    print(f"engine: {kerasette.backend.backend()}  test_acc: {test_acc:.4f}  "
          f"steps: {int(optimizer.iterations.numpy())}")
    return test_acc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    main(epochs=args.epochs)
