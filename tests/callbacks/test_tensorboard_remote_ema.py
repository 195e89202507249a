"""TensorBoard (read back with TensorBoard's own reader), RemoteMonitor (a server on
127.0.0.1) and SwapEMAWeights, on every engine."""
import json
import urllib.parse

import numpy as np
import pytest

from kerasette import callbacks, layers, models, optimizers

from ..local_http import LocalServer, closed_port
from .conftest import tiny_data, tiny_model

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402


def _read(folder):
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    return acc


def test_tensorboard_scalars_histograms_and_graph(engine, tmp_path):
    x, y = tiny_data()
    model = tiny_model(metrics=["mae"])
    tb = callbacks.TensorBoard(tmp_path / "logs", histogram_freq=1, update_freq=2, write_steps_per_second=True)
    history = model.fit(x, y, validation_split=0.25, epochs=3, batch_size=8, callbacks=[tb], verbose=0)
    train, val = _read(tmp_path / "logs" / "train"), _read(tmp_path / "logs" / "validation")
    losses = [e.value for e in train.Scalars("epoch_loss")]
    np.testing.assert_allclose(losses, history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose([e.value for e in val.Scalars("epoch_mae")], history.history["val_mae"], rtol=1e-6)
    assert [e.step for e in train.Scalars("epoch_learning_rate")] == [0, 1, 2]
    assert len(train.Scalars("batch_loss")) == 3 * 3 // 2  # 3 batches an epoch, every 2nd batch
    assert len(train.Scalars("epoch_steps_per_second")) == 3
    tags = train.Tags()["histograms"]
    assert len(tags) == 4 and all(t.endswith("/histogram") for t in tags)
    hist = train.Histograms(tags[0])
    assert len(hist) == 3 and hist[0].histogram_value.num > 0
    graph = train.Graph()
    assert [n.op for n in graph.node] == ["Dense", "Dense"] and list(graph.node[1].input) == [graph.node[0].name]


def test_tensorboard_unwritable_dir_fails_before_training(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    model = tiny_model()
    x, y = tiny_data()
    with pytest.raises(OSError, match=f"cannot write logs to {blocker}"):
        model.fit(x, y, epochs=1, callbacks=[callbacks.TensorBoard(blocker)], verbose=0)
    with pytest.raises(ValueError, match="update_freq"):
        callbacks.TensorBoard(update_freq="sometimes")


def test_remote_monitor_posts_each_epoch(engine):
    server = LocalServer()
    try:
        x, y = tiny_data()
        model = tiny_model()
        history = model.fit(x, y, epochs=2, verbose=0, callbacks=[
            callbacks.RemoteMonitor(root=server.root, path="/form/"),
            callbacks.RemoteMonitor(root=server.root, path="/json/", send_as_json=True, headers={"X-Run": "7"})])
    finally:
        server.close()
    form = [p for p in server.posts if p[0] == "/form/"]
    sent = json.loads(urllib.parse.parse_qs(form[1][2])["data"][0])
    assert sent["epoch"] == 1 and sent["loss"] == pytest.approx(history.history["loss"][1])
    as_json = [json.loads(p[2]) for p in server.posts if p[0] == "/json/"]
    assert [s["epoch"] for s in as_json] == [0, 1] and server.posts[-1][1] == "application/json"


def test_remote_monitor_unreachable_warns(engine):
    port = closed_port()
    x, y = tiny_data()
    with pytest.warns(UserWarning, match="could not reach"):
        tiny_model().fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.RemoteMonitor(root=f"http://127.0.0.1:{port}")])


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")  # the twin only reads weights
def test_swap_ema_weights_for_evaluation_and_epoch_end(engine, tmp_path):
    x, y = tiny_data()
    model = tiny_model(optimizer=optimizers.SGD(0.05, use_ema=True, ema_momentum=0.5))
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    averages = [np.array(a.value) for a in model.optimizer._averages]
    # as Keras, fit ends with the moving averages in the model
    assert all(np.allclose(w, a) for w, a in zip(model.get_weights(), averages))
    other = [w + 0.3 for w in averages]
    model.set_weights(other)
    with_ema = model.evaluate(x, y, verbose=0, callbacks=[callbacks.SwapEMAWeights()])
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), other))  # swapped back
    model.set_weights(averages)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(with_ema, rel=1e-6)
    path = tmp_path / "ema.weights.h5"
    saver = callbacks.ModelCheckpoint(path, save_weights_only=True)
    snapshot = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(
        [np.array(a.value) for a in model.optimizer._averages]))
    snapshots = []
    swap = callbacks.SwapEMAWeights(swap_on_epoch=True)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[snapshot, swap, saver])
    twin = tiny_model()
    twin.load_weights(path)
    # the checkpoint, written after the swap, holds the epoch's moving averages
    assert all(np.allclose(a, b) for a, b in zip(twin.get_weights(), snapshots[0]))


def test_swap_ema_weights_needs_use_ema():
    x, y = tiny_data()
    with pytest.raises(ValueError, match="use_ema=True"):
        tiny_model().fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.SwapEMAWeights()])
