"""TorchModuleWrapper, JaxLayer and FlaxLayer: native modules trained by ``fit`` inside
kerasette models, saved and loaded, and refused on the other engines."""
import numpy as np
import pytest

import kerasette
from kerasette import config, layers, models, optimizers

RNG = np.random.default_rng(4)
X = RNG.normal(size=(64, 4)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5], [0.0]], "float32") + np.sin(X[:, :1])).astype("float32")


def _fit(model, epochs=30):
    model.compile(optimizers.Adam(0.02), "mse")
    return model.fit(X, Y, epochs=epochs, batch_size=16, verbose=0).history["loss"]


def _engine_fixture(name):
    @pytest.fixture
    def switch(engines):
        if name not in engines:
            pytest.skip(f"the {name} engine is not installed")
        previous = config.backend()
        config.set_backend(name)
        yield
        config.set_backend(previous)
    return switch


torch_engine = _engine_fixture("torch")
jax_engine = _engine_fixture("jax")


def test_torch_module_trains_saves_and_syncs(torch_engine, tmp_path):
    import torch
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.BatchNorm1d(16), torch.nn.Tanh(),
                              torch.nn.Linear(16, 1))
    wrapper = layers.TorchModuleWrapper(net)
    assert len(wrapper.trainable_weights) == 6 and len(wrapper.non_trainable_weights) == 3  # BN buffers
    model = models.Sequential([layers.Input((4,)), wrapper])
    running_before = wrapper.non_trainable_weights[0].value.cpu().numpy().copy()  # BN updates in place
    losses = _fit(model)
    assert losses[-1] < 0.2 * losses[0]
    assert not np.allclose(wrapper.non_trainable_weights[0].value.cpu().numpy(), running_before)
    # the module itself holds the trained values, and computes what the model predicts
    net = wrapper.module.eval()
    with torch.no_grad():
        direct = net(torch.as_tensor(X, device=next(net.parameters()).device)).cpu().numpy()
    np.testing.assert_allclose(direct, model.predict(X, verbose=0), rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="safe_mode=False"):
        models.load_model(tmp_path / "m.keras")
    again = models.load_model(tmp_path / "m.keras", safe_mode=False)
    np.testing.assert_allclose(again.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


def test_jax_layer_params_state_and_rng_train_under_jit(jax_engine, tmp_path):
    import jax.numpy as jnp

    def init_fn(rng, inputs):
        import jax
        w = jax.random.normal(rng, (inputs.shape[-1], 8)) * 0.3
        return {"w": w, "b": jnp.zeros(8)}, {"calls": jnp.zeros(())}

    def call_fn(params, state, rng, inputs, training):
        import jax
        h = jnp.tanh(inputs @ params["w"] + params["b"])
        if training:
            h = h * jax.random.bernoulli(rng, 0.9, h.shape) / 0.9
        return h, {"calls": state["calls"] + 1}

    jl = layers.JaxLayer(call_fn, init_fn=init_fn, seed=3)
    model = models.Sequential([layers.Input((4,)), jl, layers.Dense(1)])
    losses = _fit(model)
    assert losses[-1] < 0.3 * losses[0]
    assert float(np.asarray(jl.non_trainable_weights[0].value)) == 30 * 4  # one count per training step
    model.save_weights(tmp_path / "w.weights.h5")
    twin = models.Sequential([layers.Input((4,)), layers.JaxLayer(call_fn, init_fn=init_fn, seed=9),
                              layers.Dense(1)])
    twin.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_allclose(twin.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


def test_flax_module_with_batch_stats(jax_engine):
    nn = pytest.importorskip("flax.linen")

    class MLP(nn.Module):
        @nn.compact
        def __call__(self, x, training=False):
            x = nn.Dense(16)(x)
            x = nn.BatchNorm(use_running_average=not training)(x)
            return nn.Dense(1)(nn.tanh(x))

    fl = layers.FlaxLayer(MLP())
    model = models.Sequential([layers.Input((4,)), fl])
    losses = _fit(model)
    assert losses[-1] < 0.2 * losses[0]
    assert len(fl.non_trainable_weights) == 2  # batch_stats mean and var


def test_bridges_refuse_other_engines(engine):
    if engine.name != "torch":
        with pytest.raises(ValueError, match=f"needs the torch engine, but the active engine is '{engine.name}'"):
            layers.TorchModuleWrapper(object())
    if engine.name != "jax":
        with pytest.raises(ValueError, match=f"needs the jax engine, but the active engine is '{engine.name}'"):
            layers.JaxLayer(lambda params, inputs: inputs, params={})


def test_jax_layer_argument_errors(jax_engine):
    with pytest.raises(ValueError, match="`params` and `inputs`"):
        layers.JaxLayer(lambda p, x: x, params={})
    with pytest.raises(ValueError, match="give `params` or an `init_fn`"):
        layers.JaxLayer(lambda params, inputs: inputs)
    assert kerasette.layers.FlaxLayer is not None
