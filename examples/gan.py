"""A GAN with its own ``train_step`` and two optimizers, on generated 2-D data.

The real data are points of a Gaussian centred at ``(2, -1)``. A generator
(noise -> Dense(16, relu) -> Dense(2)) learns to imitate them against a
discriminator (Dense(16, relu) -> Dense(1) logit). ``GAN.train_step`` is Keras
3's override, written once with the engine-neutral pieces -- ``stateless_call``,
``kerasette.ops.value_and_grad`` and ``optimizer.apply`` -- so it runs unchanged on
NumPy, PyTorch and JAX (compiled into one ``jax.jit`` there). The noise comes from
a ``SeedGenerator`` the model owns, so the compiled step draws fresh noise.

    python examples/gan.py [--epochs 30]

Prints the mean and spread of generated points against the real ones.
"""
import argparse

import numpy as np

import kerasette
from kerasette import layers, losses, metrics, models, ops, optimizers
from kerasette.random import SeedGenerator
from kerasette.utils import set_random_seed

LATENT = 4
CENTRE = np.array([2.0, -1.0], "float32")
SPREAD = 0.5


def real_data(n=2048, seed=0):
    rng = np.random.default_rng(seed)
    return (CENTRE + SPREAD * rng.normal(size=(n, 2))).astype("float32")


def _values(variables):
    return [v.value for v in variables]


class GAN(models.Model):
    """Generator and discriminator trained against each other (Keras 3's GAN pattern)."""

    def __init__(self, generator, discriminator, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.seed_generator = SeedGenerator(seed)
        self.bce = losses.BinaryCrossentropy(from_logits=True)
        self.d_loss_tracker = metrics.Mean(name="d_loss")
        self.g_loss_tracker = metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def _noise(self, n):
        return ops.random_normal((n, LATENT), self.seed_generator.next())

    def train_step(self, data):
        real = data
        n = ops.shape(real)[0]
        gen, disc = self.generator, self.discriminator
        g_nt, d_nt = _values(gen.non_trainable_variables), _values(disc.non_trainable_variables)
        ones, zeros = ops.ones((n, 1)), ops.zeros((n, 1))

        # 1. the discriminator: real points -> 1, generated ones -> 0
        fake, _ = gen.stateless_call(_values(gen.trainable_variables), g_nt, self._noise(n))

        def d_loss_fn(d_tv):
            real_logits, _ = disc.stateless_call(d_tv, d_nt, real)
            fake_logits, _ = disc.stateless_call(d_tv, d_nt, fake)
            return ops.add(self.bce(ones, real_logits), self.bce(zeros, fake_logits))

        d_loss, d_grads = ops.value_and_grad(d_loss_fn)(_values(disc.trainable_variables))
        self.d_optimizer.apply(d_grads, disc.trainable_variables)

        # 2. the generator: make the (updated) discriminator say 1
        d_tv = _values(disc.trainable_variables)
        z = self._noise(n)

        def g_loss_fn(g_tv):
            fake, _ = gen.stateless_call(g_tv, g_nt, z)
            logits, _ = disc.stateless_call(d_tv, d_nt, fake)
            return self.bce(ones, logits)

        g_loss, g_grads = ops.value_and_grad(g_loss_fn)(_values(gen.trainable_variables))
        self.g_optimizer.apply(g_grads, gen.trainable_variables)

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


def build(seed=0):
    set_random_seed(seed)
    generator = models.Sequential([layers.Input(shape=(LATENT,)), layers.Dense(16, activation="relu"),
                                   layers.Dense(2)], name="generator")
    discriminator = models.Sequential([layers.Input(shape=(2,)), layers.Dense(16, activation="relu"),
                                       layers.Dense(1)], name="discriminator")
    gan = GAN(generator, discriminator, seed=seed)
    gan.compile(d_optimizer=optimizers.Adam(2e-3, beta_1=0.5),
                g_optimizer=optimizers.Adam(2e-3, beta_1=0.5))
    return gan


def main(epochs=30, verbose=0):
    """Train; print and return (mean, std) of 2000 generated points."""
    gan = build()
    data = real_data()
    history = gan.fit(data, batch_size=64, epochs=epochs, verbose=verbose)
    rng = np.random.default_rng(1)
    z = rng.normal(size=(2000, LATENT)).astype("float32")
    samples = gan.generator.predict(z, batch_size=500, verbose=0)
    mean, std = samples.mean(axis=0), samples.std(axis=0)
    print(f"engine: {kerasette.backend.backend()}  generated mean: {np.round(mean, 2)} "
          f"(real {CENTRE})  std: {np.round(std, 2)} (real {SPREAD})  "
          f"d_loss: {history.history['d_loss'][-1]:.3f}  g_loss: {history.history['g_loss'][-1]:.3f}")
    return mean, std


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    main(epochs=args.epochs, verbose=2)
