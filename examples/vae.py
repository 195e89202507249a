"""A variational autoencoder on scikit-learn's bundled 8x8 digits.

Encoder: 64 pixels -> Dense(64, relu) -> (z_mean, z_log_var), 2-D latent; a
``Sampling`` layer draws ``z = z_mean + exp(z_log_var / 2) * eps`` from a
``SeedGenerator`` it owns and adds the KL divergence with ``add_loss``; decoder:
z -> Dense(64, relu) -> Dense(64, sigmoid). ``VAE.train_step`` (Keras 3's
override) runs the whole model with ``stateless_call(..., return_losses=True)``
under ``kerasette.ops.value_and_grad``, so the KL term arrives as the call's
losses; three custom ``Mean`` trackers (total, reconstruction, KL) kept on the
model feed the progress bar. ``test_step`` is overridden too, for ``evaluate``.
Runs unchanged on NumPy, PyTorch and JAX.

    python examples/vae.py [--epochs 30]

Prints the held-out reconstruction loss against the "mean digit" baseline.
"""
import argparse

import numpy as np
from sklearn.datasets import load_digits

import kerasette
from kerasette import layers, losses, metrics, models, ops, optimizers
from kerasette.random import SeedGenerator
from kerasette.utils import set_random_seed

LATENT = 2


def load_data():
    x = load_digits().data.astype("float32") / 16.0
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x))
    return x[order[:1500]], x[order[1500:]]


class Sampling(layers.Layer):
    """``z ~ N(z_mean, exp(z_log_var))`` by the reparameterization trick; adds the KL
    divergence to N(0, 1) (summed over the latent, averaged over the batch)."""

    def __init__(self, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        eps = ops.random_normal(ops.shape(z_mean), self.seed_generator.next())
        kl = -0.5 * (1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        self.add_loss(ops.mean(ops.sum(kl, axis=1)))
        return z_mean + ops.exp(0.5 * z_log_var) * eps


def reconstruction_loss(x, x_hat):
    """Binary crossentropy summed over the 64 pixels, averaged over the batch."""
    return ops.mean(ops.sum(losses.binary_crossentropy(x[..., None], x_hat[..., None]), axis=1))


class VAE(models.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        inputs = layers.Input(shape=(64,))
        h = layers.Dense(64, activation="relu")(inputs)
        self.encoder = models.Model(inputs, [layers.Dense(LATENT)(h), layers.Dense(LATENT)(h)],
                                    name="encoder")
        self.sampling = Sampling()
        self.decoder = models.Sequential([layers.Input(shape=(LATENT,)),
                                          layers.Dense(64, activation="relu"),
                                          layers.Dense(64, activation="sigmoid")], name="decoder")
        self.total_loss_tracker = metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def call(self, x):
        z_mean, z_log_var = self.encoder(x)
        return self.decoder(self.sampling([z_mean, z_log_var]))

    def _track(self, rec, kl):
        self.total_loss_tracker.update_state(rec + kl)
        self.reconstruction_loss_tracker.update_state(rec)
        self.kl_loss_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        x = data
        non_trainable = [v.value for v in self.non_trainable_variables]  # the seed's state

        def loss_fn(trainable):
            x_hat, new_nt, added = self.stateless_call(trainable, non_trainable, x,
                                                       return_losses=True)
            rec, kl = reconstruction_loss(x, x_hat), added[0]
            return rec + kl, (rec, kl, new_nt)

        (_, (rec, kl, new_nt)), grads = ops.value_and_grad(loss_fn, has_aux=True)(
            [v.value for v in self.trainable_variables])
        for v, value in zip(self.non_trainable_variables, new_nt):
            v.assign(value)  # the next step draws new noise
        self.optimizer.apply(grads, self.trainable_variables)
        return self._track(rec, kl)

    def test_step(self, data):
        x = data
        x_hat = self(x)
        rec = reconstruction_loss(x, x_hat)
        return self._track(rec, self.losses[0])


def main(epochs=30, verbose=0):
    """Train; print and return (held-out reconstruction loss, mean-digit baseline)."""
    set_random_seed(0)
    x_train, x_test = load_data()
    vae = VAE()
    vae.compile(optimizer=optimizers.Adam(3e-3))
    history = vae.fit(x_train, batch_size=64, epochs=epochs, verbose=verbose)
    test = vae.evaluate(x_test, batch_size=len(x_test), verbose=0, return_dict=True)
    mean_digit = np.clip(x_train.mean(axis=0, keepdims=True), 1e-7, 1 - 1e-7)
    baseline = float(-np.mean(np.sum(x_test * np.log(mean_digit)
                                     + (1 - x_test) * np.log(1 - mean_digit), axis=1)))
    print(f"engine: {kerasette.backend.backend()}  held-out reconstruction loss: "
          f"{test['reconstruction_loss']:.2f} (mean digit: {baseline:.2f})  kl: "
          f"{test['kl_loss']:.2f}  training loss: {history.history['loss'][0]:.2f} -> "
          f"{history.history['loss'][-1]:.2f}")
    return test["reconstruction_loss"], baseline


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    main(epochs=args.epochs, verbose=2)
