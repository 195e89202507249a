"""A Wasserstein GAN with gradient penalty (WGAN-GP), on generated 2-D data.

The real data are points of a Gaussian centred at ``(2, -1)``. A generator
(noise -> Dense(32, relu) -> Dense(2)) learns to imitate them against a critic
(Dense(32, tanh) -> Dense(1), an unbounded score). The critic's loss is
``mean(D(fake)) - mean(D(real)) + λ · mean((‖∇ₓD(x̂)‖ - 1)²)`` with ``x̂``
random interpolates between real and generated points: the penalty is a
gradient, so training the critic differentiates a gradient again. Written once
with ``stateless_call``, nested ``kerasette.ops.grad`` / ``ops.value_and_grad``
and ``optimizer.apply``, the ``train_step`` runs unchanged on NumPy (its tape
records the inner backward pass), PyTorch and JAX (compiled into one ``jax.jit``).

    python examples/wgan_gp.py [--epochs 4]

Prints the mean and spread of generated points against the real ones.
"""
import argparse

import numpy as np

import kerasette
from kerasette import layers, metrics, models, ops, optimizers
from kerasette.optimizers.schedules import CosineDecay
from kerasette.random import SeedGenerator
from kerasette.utils import set_random_seed

LATENT = 4
CENTRE = np.array([2.0, -1.0], "float32")
SPREAD = 0.5
GP_WEIGHT = 10.0


def real_data(n=2048, seed=0):
    rng = np.random.default_rng(seed)
    return (CENTRE + SPREAD * rng.normal(size=(n, 2))).astype("float32")


def _values(variables):
    return [v.value for v in variables]


class WGANGP(models.Model):
    """Generator and critic; ``n_critic`` critic steps per generator step (as the paper)."""

    def __init__(self, generator, critic, n_critic=5, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.critic = critic
        self.n_critic = n_critic
        self.seed_generator = SeedGenerator(seed)
        self.c_loss_tracker = metrics.Mean(name="c_loss")
        self.gp_tracker = metrics.Mean(name="gp")
        self.g_loss_tracker = metrics.Mean(name="g_loss")

    def compile(self, c_optimizer, g_optimizer):
        super().compile()
        self.c_optimizer = c_optimizer
        self.g_optimizer = g_optimizer

    @property
    def metrics(self):
        return [self.c_loss_tracker, self.gp_tracker, self.g_loss_tracker]

    def _generate(self, g_tv, n):
        z = ops.random_normal((n, LATENT), self.seed_generator.next())
        fake, _ = self.generator.stateless_call(g_tv, [], z)
        return fake

    def _score(self, c_tv, x):
        out, _ = self.critic.stateless_call(c_tv, [], x)
        return out

    def gradient_penalty(self, c_tv, real, fake):
        """mean((‖∇ₓ D(x̂)‖ - 1)²) at random points x̂ between real and fake."""
        n = ops.shape(real)[0]
        eps = ops.random_uniform((n, 1), self.seed_generator.next())
        mixed = ops.add(ops.multiply(eps, real), ops.multiply(ops.subtract(1.0, eps), fake))
        grads = ops.grad(lambda x: ops.sum(self._score(c_tv, x)))(mixed)
        norm = ops.sqrt(ops.add(ops.sum(ops.square(grads), axis=1), 1e-12))
        return ops.mean(ops.square(ops.subtract(norm, 1.0)))

    def train_step(self, data):
        real = data
        n = ops.shape(real)[0]
        g_tv = _values(self.generator.trainable_variables)

        # 1. the critic: score real points high, generated ones low, gradients near norm 1
        for _ in range(self.n_critic):
            fake = ops.stop_gradient(self._generate(g_tv, n))

            def c_loss_fn(c_tv):
                wasserstein = ops.subtract(ops.mean(self._score(c_tv, fake)),
                                           ops.mean(self._score(c_tv, real)))
                gp = self.gradient_penalty(c_tv, real, fake)
                return ops.add(wasserstein, ops.multiply(GP_WEIGHT, gp)), gp

            (c_loss, gp), c_grads = ops.value_and_grad(c_loss_fn, has_aux=True)(
                _values(self.critic.trainable_variables))
            self.c_optimizer.apply(c_grads, self.critic.trainable_variables)

        # 2. the generator: raise the (updated) critic's score of its points
        c_tv = _values(self.critic.trainable_variables)

        def g_loss_fn(g_tv):
            return ops.negative(ops.mean(self._score(c_tv, self._generate(g_tv, n))))

        g_loss, g_grads = ops.value_and_grad(g_loss_fn)(g_tv)
        self.g_optimizer.apply(g_grads, self.generator.trainable_variables)

        self.c_loss_tracker.update_state(c_loss)
        self.gp_tracker.update_state(gp)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


def build(seed=0, steps=128, n_critic=5):
    """The models and their optimizers; the learning rates decay to 0 over ``steps``
    generator steps (a WGAN's generator orbits its target at a constant rate)."""
    set_random_seed(seed)
    generator = models.Sequential([layers.Input(shape=(LATENT,)), layers.Dense(32, activation="relu"),
                                   layers.Dense(2)], name="generator")
    critic = models.Sequential([layers.Input(shape=(2,)), layers.Dense(32, activation="tanh"),
                                layers.Dense(1)], name="critic")
    gan = WGANGP(generator, critic, n_critic=n_critic, seed=seed)
    gan.compile(c_optimizer=optimizers.Adam(CosineDecay(1e-2, steps * gan.n_critic), beta_1=0.5, beta_2=0.9),
                g_optimizer=optimizers.Adam(CosineDecay(5e-3, steps), beta_1=0.5, beta_2=0.9))
    return gan


def main(epochs=4, verbose=0, batch_size=64, n_critic=5):
    """Train; print and return (mean, std) of 2000 generated points."""
    data = real_data()
    gan = build(steps=epochs * -(-len(data) // batch_size), n_critic=n_critic)
    history = gan.fit(data, batch_size=batch_size, epochs=epochs, verbose=verbose)
    rng = np.random.default_rng(1)
    z = rng.normal(size=(2000, LATENT)).astype("float32")
    samples = gan.generator.predict(z, batch_size=500, verbose=0)
    mean, std = samples.mean(axis=0), samples.std(axis=0)
    print(f"engine: {kerasette.backend.backend()}  generated mean: {np.round(mean, 2)} "
          f"(real {CENTRE})  std: {np.round(std, 2)} (real {SPREAD})  "
          f"critic loss: {history.history['c_loss'][-1]:.3f}  gp: {history.history['gp'][-1]:.3f}")
    return mean, std


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    main(epochs=args.epochs, verbose=2)
