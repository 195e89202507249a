"""ModelCheckpoint: formatted names, save_best_only keeps the best, weights-only, batch frequency."""
import os

import pytest

import kerasette as ks
from kerasette import callbacks

from .conftest import Scripted, WeightsPerEpoch, assert_weights_equal, tiny_model


def test_formats_names_and_keeps_the_best(engine, data, tmp_path):
    x, y = data
    model = tiny_model()
    seen = WeightsPerEpoch()
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch:02d}-{val_loss:.2f}.weights.h5"),
                                     save_best_only=True, save_weights_only=True)
    script = Scripted(val_loss=[0.9, 0.5, 0.7, 0.25, 0.3])
    model.fit(x, y, epochs=5, verbose=0, callbacks=[script, seen, ckpt])
    assert sorted(os.listdir(tmp_path)) == ["m-01-0.90.weights.h5", "m-02-0.50.weights.h5",
                                           "m-04-0.25.weights.h5"]
    fresh = tiny_model(seed=1)
    fresh.load_weights(str(tmp_path / "m-04-0.25.weights.h5"))
    assert_weights_equal(fresh.get_weights(), seen.weights[3])


def test_one_file_holds_the_best_model(engine, data, tmp_path):
    x, y = data
    model = tiny_model()
    seen = WeightsPerEpoch()
    path = str(tmp_path / "best.keras")
    ckpt = callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    model.fit(x, y, epochs=4, verbose=0, callbacks=[Scripted(val_loss=[0.9, 0.2, 0.7, 0.4]), seen, ckpt])
    assert ckpt.best == 0.2
    loaded = ks.saving.load_model(path)
    assert_weights_equal(loaded.get_weights(), seen.weights[1])


def test_every_epoch_threshold_and_mode_max(engine, data, tmp_path):
    x, y = data
    model = tiny_model()
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}.weights.h5"), save_weights_only=True)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[ckpt])
    assert sorted(os.listdir(tmp_path)) == ["e1.weights.h5", "e2.weights.h5", "e3.weights.h5"]
    # initial_value_threshold must be beaten first (mode max)
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "acc{epoch}.weights.h5"), monitor="acc",
                                     mode="max", save_best_only=True, save_weights_only=True,
                                     initial_value_threshold=0.8)
    model.fit(x, y, epochs=4, verbose=0, callbacks=[Scripted(acc=[0.5, 0.85, 0.7, 0.9]), ckpt])
    assert sorted(f for f in os.listdir(tmp_path) if f.startswith("acc")) == \
        ["acc2.weights.h5", "acc4.weights.h5"]


def test_save_freq_in_batches(engine, data, tmp_path):
    x, y = data
    model = tiny_model()
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "b-{epoch}-{batch}.weights.h5"),
                                     save_weights_only=True, save_freq=3)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[ckpt])  # 4 batches an epoch
    assert sorted(os.listdir(tmp_path)) == ["b-1-3.weights.h5", "b-2-2.weights.h5"]
    # a name using a batch log reads the running loss at each save
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "l-{loss:.3f}.weights.h5"),
                                     save_weights_only=True, save_freq=4)
    h = model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[ckpt])
    assert os.path.exists(tmp_path / f"l-{h.history['loss'][0]:.3f}.weights.h5")


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        callbacks.ModelCheckpoint(str(tmp_path / "w.h5x"), save_weights_only=True)
    with pytest.raises(ValueError, match=r"\.keras"):
        callbacks.ModelCheckpoint(str(tmp_path / "model.bin"))
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="often")


def test_unknown_name_field_says_so(engine, data, tmp_path):
    x, y = data
    model = tiny_model()
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "{nope}.keras"))
    with pytest.raises(KeyError, match="Failed to format"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[ckpt])


def test_epoch_only_names_do_not_read_batch_logs(engine, data, tmp_path):
    x, y = data
    model = tiny_model()
    filled = []

    class Spy(callbacks.Callback):  # runs after the checkpoint: were the logs read from the device?
        def on_train_batch_end(self, batch, logs=None):
            filled.append(logs._filled)
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "b{epoch}-{batch}.weights.h5"),
                                     save_weights_only=True, save_freq=2)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[ckpt, Spy()])
    assert filled == [False] * 4 and len(os.listdir(tmp_path)) == 2
