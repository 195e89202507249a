"""Model parallelism with a ``LayoutMap``: a Dense + attention model whose kernels
are split over the "model" axis of a 2-D device mesh, its batches over "batch".

JAX (virtual CPU devices here; GPUs as they are)::

    KERASETTE_BACKEND=jax python examples/model_parallel.py --virtual-devices 8

PyTorch (DTensor; one process per device)::

    KERASETTE_BACKEND=torch torchrun --nproc_per_node=2 examples/model_parallel.py

LayoutMap keys are regular expressions searched in each variable's path
(``"<layer name>/<weight name>"``, e.g. ``"query/kernel"``); a weight no key
matches is replicated, and a key that matches no weight earns a warning.
"""
import argparse
import os


def build(layers, models):
    inp = layers.Input((8, 16))
    h = layers.Dense(32, activation="gelu", name="ffn_in")(inp)
    h = layers.MultiHeadAttention(num_heads=4, key_dim=8, name="mha")(h, h)
    h = layers.Dense(16, name="ffn_out")(layers.GlobalAveragePooling1D()(h))
    return models.Model(inp, layers.Dense(1, name="head")(h))


def layout_map_for(distribution, devices, data_axis):
    """Megatron-style: the first Dense and q/k/v split on their output units (heads),
    the attention output and the second Dense on their input units."""
    mesh = distribution.DeviceMesh((data_axis, len(devices) // data_axis), ["batch", "model"], devices)
    layout_map = distribution.LayoutMap(mesh)
    layout_map["ffn_in/kernel"] = (None, "model")
    layout_map["ffn_in/bias"] = ("model",)
    layout_map["(query|key|value)/kernel"] = (None, "model", None)  # (units, heads, head size)
    layout_map["(query|key|value)/bias"] = ("model", None)
    layout_map["attention_output/kernel"] = ("model", None, None)
    layout_map["ffn_out/kernel"] = ("model", None)
    return layout_map


def main(epochs=5, verbose=2):
    import numpy as np

    import kerasette
    from kerasette import distribution, layers, models
    from kerasette.utils import set_random_seed

    if int(os.environ.get("WORLD_SIZE", "1")) > 1 or "KERAS_DISTRIBUTION_JOB_ADDRESSES" in os.environ:
        distribution.initialize()
    devices = distribution.list_devices()
    # JAX splits batches over part of the mesh; on PyTorch every process holds a model shard
    jax_mesh = kerasette.backend.backend() == "jax" and len(devices) % 2 == 0 and len(devices) >= 4
    data_axis = 2 if jax_mesh else 1
    model_parallel = distribution.ModelParallel(layout_map=layout_map_for(distribution, devices, data_axis),
                                                batch_dim_name="batch")
    set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 8, 16)).astype("float32")
    y = (x.mean(axis=1) @ rng.normal(size=(16, 1))).astype("float32")
    with model_parallel.scope():  # weights made here are laid out per the LayoutMap
        model = build(layers, models)
        model.compile(optimizer="adam", loss="mse")
        history = model.fit(x, y, batch_size=64, epochs=epochs, verbose=verbose)
    if model_parallel.data_shard_id == 0:
        mesh = model_parallel.device_mesh
        print(f"engine: {kerasette.backend.backend()}  mesh: {dict(zip(mesh.axis_names, mesh.shape))}")
        for v in model.trainable_weights:
            print(f"  {v.path:28s} {str(v.shape):14s} {model_parallel.get_variable_layout(v).axes}")
        print(f"loss: {history.history['loss'][0]:.4f} -> {history.history['loss'][-1]:.4f}")
    return history


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--virtual-devices", type=int, default=0,
                   help="JAX on CPU: split the host into this many devices (XLA_FLAGS)")
    args = p.parse_args()
    if args.virtual_devices:  # before JAX starts
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                   f" --xla_force_host_platform_device_count={args.virtual_devices}")
    main(args.epochs)
