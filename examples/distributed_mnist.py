"""Data-parallel training of the MNIST MLP (scikit-learn's 8x8 digits) with
``kerasette.distribution``: the same script on one device, on N devices, on N
processes. Only the three marked lines differ from the single-device example.

JAX, one process driving every local device (GPUs, or virtual CPU devices here)::

    KERASETTE_BACKEND=jax python examples/distributed_mnist.py --virtual-devices 8

JAX, several hosts (one process per host; the first address is the coordinator)::

    KERASETTE_BACKEND=jax KERAS_DISTRIBUTION_JOB_ADDRESSES=10.0.0.1:1234,10.0.0.2:1234 \\
        KERAS_DISTRIBUTION_NUM_PROCESSES=2 KERAS_DISTRIBUTION_PROCESS_ID=<0 or 1> \\
        python examples/distributed_mnist.py

PyTorch, one process per device (gloo on CPU, NCCL on GPU)::

    KERASETTE_BACKEND=torch torchrun --nproc_per_node=2 examples/distributed_mnist.py

``fit`` takes the global batch (split over the replicas); the weights match a
single-device run with the same global batch up to float32 summation order.
"""
import argparse
import os


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128,
                   help="the global batch (a multiple of the replicas)")
    p.add_argument("--virtual-devices", type=int, default=0,
                   help="JAX on CPU: split the host into this many devices (XLA_FLAGS)")
    return p.parse_args()


def launched_as_several_processes():
    """torchrun sets WORLD_SIZE; a multi-host JAX job sets Keras's variables."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 or "KERAS_DISTRIBUTION_JOB_ADDRESSES" in os.environ


def main(epochs=10, batch_size=128, verbose=2):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    import kerasette
    from kerasette import distribution, layers, models
    from kerasette.utils import set_random_seed, to_categorical

    # ---- the distributed part (public API only; the engine does the rest) ----------
    if launched_as_several_processes():
        distribution.initialize()  # JAX: jax.distributed; PyTorch: torch.distributed from torchrun's env
    data_parallel = distribution.DataParallel(devices=distribution.list_devices())
    distribution.set_distribution(data_parallel)
    # ------------------------------------------------------------------------------------

    set_random_seed(0)  # the same initial weights and shuffling order in every process
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=0.25, random_state=0,
                                                        stratify=digits.target)
    model = models.Sequential([layers.Input(shape=(64,)), layers.Dense(512, activation="relu"),
                               layers.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, to_categorical(y_train), epochs=epochs, batch_size=batch_size, verbose=verbose)
    loss, acc = model.evaluate(x_test, to_categorical(y_test), batch_size=batch_size, verbose=0)
    if data_parallel.data_shard_id == 0:  # process 0 reports
        print(f"engine: {kerasette.backend.backend()}  replicas: {data_parallel.num_model_replicas}  "
              f"processes: {data_parallel.num_processes}  test_acc: {acc:.4f}  test_loss: {loss:.4f}")
    return acc


if __name__ == "__main__":
    args = parse_args()
    if args.virtual_devices:  # before JAX starts
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                   f" --xla_force_host_platform_device_count={args.virtual_devices}")
    main(args.epochs, args.batch_size)
