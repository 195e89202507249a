"""Control ops inside a layer trained by ``fit`` (the jitted step on JAX): a traced
predicate (``cond``), a data-dependent loop (``while_loop`` with a bound), ``scan``
and a ``custom_gradient``; the loss goes down on every engine."""
import numpy as np

import kerasette
from kerasette import ops


class _Controlled(kerasette.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 1), initializer="glorot_uniform", name="w")

    def call(self, x):
        @ops.custom_gradient
        def scaled(v):
            return ops.multiply(v, 1.0), lambda upstream: ops.clip(upstream, -1.0, 1.0)

        h = ops.matmul(x, scaled(self.w))
        h = ops.cond(ops.greater(ops.mean(h), 100.0), lambda: ops.multiply(h, 0.0), lambda: h)
        h = ops.while_loop(lambda v: ops.greater(ops.max(ops.abs(v)), 1e3), lambda v: ops.multiply(v, 0.5), h,
                           maximum_iterations=3)
        _, ys = ops.scan(lambda c, r: (ops.add(c, r), ops.add(c, r)), ops.zeros((1,)), h)
        return ops.subtract(ys, ops.concatenate([ops.zeros((1, 1)), ys[:-1]], axis=0))  # = h, via the scan


def test_control_ops_train_inside_fit(engine):
    kerasette.utils.set_random_seed(1)
    model = kerasette.Sequential([kerasette.Input((3,)), _Controlled()])
    model.compile(optimizer=kerasette.optimizers.SGD(0.1), loss="mse")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    hist = model.fit(x, y, batch_size=8, epochs=6, verbose=0, shuffle=False)
    loss = hist.history["loss"]
    assert np.isfinite(loss).all() and loss[-1] < 0.3 * loss[0], loss
