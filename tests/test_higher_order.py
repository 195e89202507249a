"""Gradients of gradients (``ops.grad`` nested), on every engine.

* NumPy's create-graph tape (numpy/second_order.py): Hessian-vector products
  through each op family with a second-order rule, against central finite
  differences of the (first-order) gradient in float64; a gradient whose inner
  function closes over the outer parameters (the WGAN-GP shape) likewise.
* A Dense MLP's input-gradient penalty, differentiated with respect to its
  weights, on numpy, torch and jax against a hand-written float64 reference.
* A convolutional critic's penalty gradients on torch and jax match NumPy's.
* A WGAN-GP critic step inside a ``train_step`` override on every engine: the
  weights after one SGD step match the reference.
* An op without a second-order rule says so, naming the op and the engines that
  can do it.
"""
from __future__ import annotations

import numpy as np
import pytest

import kerasette as K
from kerasette import layers, losses, ops, optimizers

from .conftest import active_engine


def _np(t):
    return np.asarray(ops.convert_to_numpy(t), dtype=np.float64)


def _hvp_check(f, x, v, eps=1e-5, rtol=1e-6, atol=1e-8):
    """Nested grad's Hessian-vector product of ``f`` at ``x`` against central differences."""
    grad = ops.grad(f)
    hv = ops.grad(lambda a: ops.sum(ops.multiply(ops.grad(f)(a), v)))(ops.convert(x))
    fd = (_np(grad(ops.convert(x + eps * v))) - _np(grad(ops.convert(x - eps * v)))) / (2 * eps)
    np.testing.assert_allclose(_np(hv), fd, rtol=rtol, atol=atol)


_W = np.random.default_rng(3).normal(size=(6, 6)) * 0.5

# one scalar function per op family; x has 6 float64 entries
FUNCTIONS = {
    "arith": lambda x: ops.sum(ops.divide(ops.multiply(x, ops.subtract(x, 0.5)), ops.add(ops.square(x), 2.0))
                               - ops.negative(ops.power(x, 3))),
    "power_xy": lambda x: ops.sum(ops.power(ops.add(ops.abs(x), 1.0), ops.multiply(x, 0.3))),
    "transcendental": lambda x: ops.sum(ops.exp(ops.sin(x)) + ops.log(ops.add(ops.square(x), 1.0))
                                        + ops.sqrt(ops.add(ops.square(x), 0.5)) + ops.cos(x)
                                        + ops.log1p(ops.square(x)) + ops.expm1(ops.multiply(x, 0.2))),
    "activations": lambda x: ops.sum(ops.tanh(x) * ops.sigmoid(x) + ops.softplus(x) * ops.erf(x)
                                     + ops.silu(x) * x + ops.leaky_relu(x) * x + ops.relu(x) * x
                                     + ops.gelu(x) + ops.elu(x) * x),
    "reductions": lambda x: (ops.mean(ops.square(x)) * ops.max(x) + ops.logsumexp(x)
                             + ops.var(x) * ops.min(x) + ops.sum(ops.cumsum(x) * x)),
    "shapes": lambda x: ops.sum(ops.transpose(ops.square(ops.transpose(ops.reshape(x, (2, 3))))
                                              * ops.arange(6.0).reshape(3, 2))
                                + ops.expand_dims(ops.squeeze(ops.reshape(x, (1, 6)))[1:4], 0).sum()
                                * ops.flip(ops.reshape(x, (2, 3)), 1)
                                + ops.broadcast_to(ops.reshape(x[:3], (1, 3)), (2, 3)) ** 2
                                + ops.moveaxis(ops.tile(ops.reshape(x, (2, 3, 1)), (1, 1, 2)), 0, 2)
                                .sum(axis=2)[:, 0:2].sum() ** 2),
    "joins": lambda x: (ops.sum(ops.square(ops.concatenate([x[:2], ops.sin(x[2:5]), x[:1]], axis=0)))
                        * ops.stack([x, ops.cos(x)], axis=1)[:, 1].sum()
                        + ops.sum(ops.split(x, 2)[1] ** 3) + ops.sum(ops.pad(x, [(1, 1)])[:6] * x)),
    "select": lambda x: ops.sum(ops.where(x > 0, ops.square(x), ops.exp(x)) * ops.maximum(x, 0.1)
                                + ops.minimum(ops.square(x), 1.0) + ops.clip(x, -0.5, 0.5) * x
                                + ops.take_along_axis(ops.reshape(x, (2, 3)), np.array([[2, 0, 0]]),
                                                      axis=1).sum() * x),
    "linalg": lambda x: ops.sum(ops.square(ops.tanh(ops.matmul(ops.reshape(x, (1, 6)), _W))))
                        + ops.sum(ops.einsum("i,ij,j->", x, _W, ops.sin(x)))
                        + ops.sum(ops.matmul(_W, x) * x) + ops.sum(ops.matmul(x, x) * x),
    "softmax": lambda x: ops.sum(ops.softmax(ops.reshape(x, (2, 3))) * ops.reshape(ops.cos(x), (2, 3))
                                 + ops.log_softmax(ops.reshape(x, (3, 2)), axis=0).reshape(2, 3) ** 2),
}


_KERNEL = (np.random.default_rng(4).normal(size=(2, 2, 1, 2)) * 0.5).astype("float32")


def _conv_fn(x, strides, padding):
    img = ops.reshape(x, (1, 3, 2, 1))
    out = ops.conv(ops.tanh(img), ops.multiply(_KERNEL, ops.sum(ops.square(x))), strides=strides,
                   padding=padding)
    return ops.sum(ops.square(ops.sin(out)))


FUNCTIONS["elementwise"] = lambda x: ops.sum(ops.sinh(x) * ops.cosh(x) + ops.arctan(x) * ops.tan(x)
                                              + ops.arcsinh(x) + ops.arcsin(x * 0.5) + ops.arccos(x * 0.3)
                                              + ops.log2(ops.square(x) + 1) + ops.cbrt(x + 3)
                                              + ops.arctan2(x, ops.square(x) + 1) + ops.logaddexp(x, x * x))
FUNCTIONS["pool_take"] = lambda x: (
    ops.sum(ops.square(ops.average_pool(ops.reshape(ops.sin(x), (1, 3, 2, 1)), 2, 1, "same")))
    + ops.sum(ops.square(ops.max_pool(ops.reshape(x, (1, 2, 3, 1)) * x[0], 2, 1)))
    + ops.sum(ops.square(ops.take(x * x[1], np.array([0, 2, 2, 5])))))
_YT = np.eye(3)[[0, 2]]


def _losses(x):
    z = ops.reshape(x, (2, 3))
    return ops.sum(losses.categorical_crossentropy(_YT, z, from_logits=True)
                   + losses.sparse_categorical_crossentropy(np.array([1, 2]), ops.softmax(z))
                   + losses.binary_crossentropy(_YT, z, from_logits=True) + losses.huber(_YT, z)
                   + losses.cosine_similarity(_YT, z) + losses.kl_divergence(_YT * 0.8 + 0.1, ops.softmax(z))
                   + ops.norm(z, axis=-1) + ops.mean(ops.selu(z) + ops.log_sigmoid(z) + ops.hard_silu(z), -1))


FUNCTIONS["losses"] = _losses
FUNCTIONS["conv_valid"] = lambda x: _conv_fn(x, 1, "valid")
FUNCTIONS["conv_same_strided"] = lambda x: _conv_fn(x, 2, "same")


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_numpy_hessian_vector_products_match_finite_differences(name, numpy_engine):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.2, 1.2, size=6) * rng.choice([-1.0, 1.0], size=6)
    v = rng.normal(size=6)
    _hvp_check(FUNCTIONS[name], x, v)


def _hvp(f, x, v):
    # jitted: eager JAX would compile every primitive of the nested graph on its own
    hvp = ops.jit(lambda a, v: ops.grad(lambda a: ops.sum(ops.multiply(ops.grad(f)(a), v)))(a))
    return _np(hvp(ops.convert(x), ops.convert(v)))


_ACROSS = ("arith", "activations", "linalg", "softmax", "conv_valid")


def _across(x):
    return sum(FUNCTIONS[n](x) for n in _ACROSS)


def test_hessian_vector_products_agree_across_engines(engine):
    """The same nested grads on each engine (float32, one compiled function on JAX)
    against NumPy's in float64, through arithmetic, activations,
    matmul/einsum, softmax and a convolution."""
    rng = np.random.default_rng(5)
    x = rng.uniform(0.2, 1.2, size=6) * rng.choice([-1.0, 1.0], size=6)
    v = rng.normal(size=6)
    with active_engine("numpy"):
        expected = _hvp(_across, x, v)
    got = _hvp(_across, x.astype("float32"), v.astype("float32"))
    np.testing.assert_allclose(got, expected, rtol=2e-4, atol=5e-4)


# ---------------------------------------------------------- a Dense critic
def _critic_ref(x, w1, b1, w2, b2):
    """The critic D(x) = tanh(x w1 + b1) w2 + b2, its input gradient and the
    penalty mean((|grad_x D| - 1)^2), in float64 NumPy."""
    h = np.tanh(x @ w1 + b1)
    gx = ((1 - h ** 2) * w2[:, 0]) @ w1.T
    return h @ w2 + b2, np.mean((np.sqrt(np.sum(gx ** 2, axis=1)) - 1) ** 2)


def _fd_grads(fun, params, eps=1e-6):
    out = []
    for i, p in enumerate(params):
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            hi = [q.copy() for q in params]
            lo = [q.copy() for q in params]
            hi[i][idx] += eps
            lo[i][idx] -= eps
            g[idx] = (fun(*hi) - fun(*lo)) / (2 * eps)
        out.append(g)
    return out


def _critic_setup():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 3))
    params = [rng.normal(size=(3, 4)) * 0.7, rng.normal(size=4) * 0.1,
              rng.normal(size=(4, 1)) * 0.7, rng.normal(size=1) * 0.1]
    return x, params


def _critic_model():
    critic = K.Sequential([layers.Input(shape=(3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    return critic


def _penalty(critic, tv, x):
    def d_sum(xi):
        out, _ = critic.stateless_call(tv, [], xi)
        return ops.sum(out)

    gx = ops.grad(d_sum)(x)
    norm = ops.sqrt(ops.sum(ops.square(gx), axis=1))
    return ops.mean(ops.square(ops.subtract(norm, 1.0)))


def test_dense_input_gradient_penalty_matches_reference(engine):
    x, params = _critic_setup()
    ref = _fd_grads(lambda *p: _critic_ref(x, *p)[1], params)
    critic = _critic_model()
    tv = [ops.convert(p.astype("float32")) for p in params]
    step = ops.jit(ops.value_and_grad(lambda tv, x: _penalty(critic, tv, x)))
    value, grads = step(tv, ops.convert(x.astype("float32")))
    np.testing.assert_allclose(_np(value), _critic_ref(x, *params)[1], rtol=1e-5)
    for g, r in zip(grads, ref):
        np.testing.assert_allclose(_np(g), r, rtol=2e-4, atol=2e-5)


def _conv_penalty_grads(weights):
    critic = K.Sequential([layers.Input(shape=(6, 6, 1)),
                           layers.Conv2D(4, 3, strides=2, padding="same", activation="leaky_relu"),
                           layers.Conv2D(3, 2, activation="tanh"), layers.Flatten(), layers.Dense(1)])
    if weights is not None:
        critic.set_weights(weights)
    x = ops.convert(np.random.default_rng(0).normal(size=(2, 6, 6, 1)).astype("float32"))

    def penalty(tv, x):
        g = ops.grad(lambda xi: ops.sum(critic.stateless_call(tv, [], xi)[0]))(x)
        return ops.mean(ops.square(ops.sqrt(ops.sum(ops.square(g), axis=(1, 2, 3))) - 1))

    grads = ops.jit(ops.grad(penalty))([v.value for v in critic.trainable_variables], x)
    return critic.get_weights(), [_np(g) for g in grads]


def test_conv_critic_penalty_agrees_with_numpy(engine):
    """A DCGAN-style critic (strided 'same' conv, leaky_relu, conv, Flatten, Dense):
    its input-gradient penalty's weight gradients on each engine match NumPy's."""
    with active_engine("numpy"):
        weights, expected = _conv_penalty_grads(None)
    _, got = _conv_penalty_grads(weights)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-6)


class _WGANCritic(K.Model):
    """One WGAN-GP critic step: mean(D(fake)) - mean(D(real)) + 10 * penalty at the
    interpolates (fixed mixing weights here, so every engine sees the same batch)."""

    def __init__(self, critic, eps, **kwargs):
        super().__init__(**kwargs)
        self.critic = critic
        self.eps = eps

    def train_step(self, data):
        real, fake = data
        critic = self.critic
        mixed = ops.add(ops.multiply(self.eps, real), ops.multiply(1.0 - self.eps, fake))

        def loss_fn(tv):
            d_real, _ = critic.stateless_call(tv, [], real)
            d_fake, _ = critic.stateless_call(tv, [], fake)
            return ops.mean(d_fake) - ops.mean(d_real) + 10.0 * _penalty(critic, tv, mixed)

        tvars = critic.trainable_variables
        loss, grads = ops.value_and_grad(loss_fn)([v.value for v in tvars])
        self.optimizer.apply(grads, tvars)
        return {"critic_loss": loss}


def test_wgan_gp_critic_step_in_train_step(engine):
    x, params = _critic_setup()
    rng = np.random.default_rng(2)
    fake = rng.normal(size=(5, 3))
    eps = rng.uniform(size=(5, 1))
    mixed = eps * x + (1 - eps) * fake

    def loss_ref(*p):
        return (np.mean(_critic_ref(fake, *p)[0]) - np.mean(_critic_ref(x, *p)[0])
                + 10 * _critic_ref(mixed, *p)[1])

    expected = [p - 0.01 * g for p, g in zip(params, _fd_grads(loss_ref, params))]
    critic = _critic_model()
    critic.set_weights([p.astype("float32") for p in params])
    model = _WGANCritic(critic, ops.convert(eps.astype("float32")))
    model.compile(optimizer=optimizers.SGD(0.01))
    logs = model.train_on_batch(x.astype("float32"), fake.astype("float32"), return_dict=True)
    np.testing.assert_allclose(float(_np(logs["critic_loss"])), loss_ref(*params), rtol=1e-4)
    for w, e in zip(critic.get_weights(), expected):
        np.testing.assert_allclose(w, e, rtol=1e-4, atol=1e-5)


def test_numpy_op_without_second_order_rule_names_it(numpy_engine):
    x = ops.convert(np.array([0.5, 2.0], "float32"))
    with pytest.raises(NotImplementedError, match=r"'cumprod'.*torch or jax"):
        ops.grad(lambda a: ops.sum(ops.grad(lambda b: ops.sum(ops.cumprod(b) * b))(a)))(x)
    # first order through the same op is unaffected
    np.testing.assert_allclose(_np(ops.grad(lambda b: ops.sum(ops.cumprod(b)))(x)), [3.0, 0.5])


def test_third_order_and_traced_aux(engine):
    x = ops.convert(np.array([2.0, -1.0], "float32"))

    def g1(a):
        return ops.sum(ops.grad(lambda y: ops.sum(ops.power(y, 4)))(a))

    third = ops.jit(ops.grad(lambda a: ops.sum(ops.grad(g1)(a))))
    np.testing.assert_allclose(_np(third(x)), [48.0, -24.0], rtol=1e-5)

    def outer(w):  # the inner call's value and aux carry the outer gradient too
        (v, aux), gx = ops.value_and_grad(lambda xi: (ops.sum(w * xi * xi), w * 3.0), has_aux=True)(x)
        return ops.sum(gx) + ops.sum(aux) + v

    np.testing.assert_allclose(_np(ops.jit(ops.grad(outer))(ops.convert(np.array([1.0, 2.0], "float32")))),
                               [11.0, 2.0], rtol=1e-5)
