"""Keras's data utilities on local data: directory datasets (images, text, audio),
timeseries windows, ``split_dataset``, the ``HostDataset`` they return, and
``pack``/``unpack_x_y_sample_weight``. Models train on them on every engine."""
import random
import wave

import numpy as np
import pytest

from kerasette import layers, models, optimizers
from kerasette.utils import set_random_seed
from kerasette.utils import (HostDataset, audio_dataset_from_directory, image_dataset_from_directory,
                             pack_x_y_sample_weight, save_img, split_dataset, text_dataset_from_directory,
                             timeseries_dataset_from_array, unpack_x_y_sample_weight)

RNG = np.random.default_rng(11)


@pytest.fixture(scope="module")
def image_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("images")
    for cls, n, shade in (("cats", 5, 40), ("dogs", 7, 200)):
        (root / cls).mkdir()
        for i in range(n):
            x = np.clip(RNG.normal(shade, 10, (12 + i, 9, 3)), 0, 255).astype("uint8")
            save_img(root / cls / f"{i:02d}.png", x, scale=False)
    (root / "dogs" / "notes.txt").write_text("not an image")
    return root


def test_image_folders_labels_and_order(image_dir, capsys):
    ds = image_dataset_from_directory(image_dir, image_size=(8, 6), batch_size=4, shuffle=False)
    assert "Found 12 files belonging to 2 classes." in capsys.readouterr().out
    assert ds.class_names == ["cats", "dogs"] and len(ds) == 3
    assert [p.split("/")[-2:] for p in ds.file_paths][:2] == [["cats", "00.png"], ["cats", "01.png"]]
    x, y = ds[0]
    assert x.shape == (4, 8, 6, 3) and x.dtype == np.float32 and y.dtype == np.int32
    labels = np.concatenate([b[1] for b in ds])
    assert labels.tolist() == [0] * 5 + [1] * 7


def test_image_split_subsets_are_disjoint_and_reproducible(image_dir):
    kw = dict(image_size=(8, 8), validation_split=0.25, seed=3, verbose=False)
    train, val = image_dataset_from_directory(image_dir, subset="both", **kw)
    assert len(train.file_paths) == 9 and len(val.file_paths) == 3
    assert not set(train.file_paths) & set(val.file_paths)
    again = image_dataset_from_directory(image_dir, subset="validation", **kw)
    assert again.file_paths == val.file_paths
    order = np.arange(12)
    np.random.RandomState(3).shuffle(order)  # Keras's file order for this seed
    everything = image_dataset_from_directory(image_dir, shuffle=False, verbose=False).file_paths
    assert val.file_paths == [everything[i] for i in order[9:]]


@pytest.mark.parametrize("label_mode, shape, dtype", [("categorical", (2,), "float32"), ("binary", (1,), "float32")])
def test_image_label_modes_and_color(image_dir, label_mode, shape, dtype):
    ds = image_dataset_from_directory(image_dir, label_mode=label_mode, color_mode="grayscale",
                                      image_size=(5, 5), batch_size=12, verbose=False, shuffle=False)
    x, y = ds[0]
    assert x.shape == (12, 5, 5, 1) and y.shape == (12,) + shape and y.dtype == dtype
    unlabeled = image_dataset_from_directory(image_dir, labels=None, image_size=(5, 5), verbose=False)
    assert unlabeled[0].shape[1:] == (5, 5, 3)


def test_image_dataset_trains_on_every_engine(engine, image_dir):
    train, val = image_dataset_from_directory(image_dir, image_size=(8, 8), batch_size=4, seed=1,
                                              validation_split=0.25, subset="both", verbose=False)
    model = models.Sequential([layers.Input((8, 8, 3)), layers.Rescaling(1 / 255),
                               layers.GlobalAveragePooling2D(), layers.Dense(2, activation="softmax")])
    model.compile(optimizers.Adam(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train, validation_data=val, epochs=15, verbose=0)
    assert history.history["accuracy"][-1] == 1.0  # dark cats, bright dogs


def test_bad_folders_and_files_are_named(tmp_path, image_dir):
    with pytest.raises(ValueError, match="not a folder"):
        image_dataset_from_directory(tmp_path / "missing")
    with pytest.raises(ValueError, match="must provide a `seed`"):
        image_dataset_from_directory(image_dir, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="exactly 2 classes"):
        (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir(), (tmp_path / "c").mkdir()
        save_img(tmp_path / "a" / "x.png", np.zeros((2, 2, 3)))
        image_dataset_from_directory(tmp_path, label_mode="binary")
    (tmp_path / "b" / "broken.png").write_bytes(b"garbage")
    ds = image_dataset_from_directory(tmp_path, image_size=(2, 2), shuffle=False, verbose=False)
    with pytest.raises(ValueError, match="broken.png"):
        list(ds)


def test_text_folders(tmp_path):
    for cls, words in (("neg", "bad awful"), ("pos", "good great")):
        (tmp_path / cls).mkdir()
        for i in range(3):
            (tmp_path / cls / f"{i}.txt").write_text(f"{words} {i}")
    ds = text_dataset_from_directory(tmp_path, batch_size=6, shuffle=False, max_length=8, verbose=False)
    texts, labels = ds[0]
    assert texts.dtype == object and texts[0] == "bad awfu" and labels.tolist() == [0, 0, 0, 1, 1, 1]


def _write_wav(path, samples, rate=8000):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((samples * 32767).astype("<i2").tobytes())


def test_audio_folders_pad_and_cut(tmp_path):
    for cls, n in (("hi", 80), ("lo", 50)):
        (tmp_path / cls).mkdir()
        _write_wav(tmp_path / cls / "a.wav", np.sin(np.arange(n) * (0.5 if cls == "hi" else 0.1)))
    ds = audio_dataset_from_directory(tmp_path, batch_size=2, shuffle=False, verbose=False)
    audio, labels = ds[0]
    assert audio.shape == (2, 80, 1) and audio.dtype == np.float32 and labels.tolist() == [0, 1]
    np.testing.assert_allclose(audio[0, :5, 0], np.sin(np.arange(5) * 0.5), atol=1e-4)
    assert np.all(audio[1, 50:] == 0)
    cut = audio_dataset_from_directory(tmp_path, output_sequence_length=60, shuffle=False, verbose=False)
    assert cut[0][0].shape == (2, 60, 1)
    with pytest.raises(ValueError, match="sampled at 8000 Hz"):
        list(audio_dataset_from_directory(tmp_path, sampling_rate=16000, verbose=False))


def test_timeseries_windows_targets_and_indices():
    data = np.arange(100).reshape(50, 2).astype("float32")
    targets = np.arange(50) * 10
    ds = timeseries_dataset_from_array(data, targets, sequence_length=4, sequence_stride=3, sampling_rate=2,
                                       batch_size=5, start_index=2, end_index=40)
    windows = np.concatenate([b[0] for b in ds])
    ts = np.concatenate([b[1] for b in ds])
    starts = np.arange(0, 40 - 2 - 3 * 2, 3)
    np.testing.assert_array_equal(windows, np.stack([data[2 + s + np.arange(4) * 2] for s in starts]))
    np.testing.assert_array_equal(ts, targets[2 + starts])
    shuffled = timeseries_dataset_from_array(data, None, 4, batch_size=None, shuffle=True, seed=5)
    order = np.arange(47)
    np.random.RandomState(5).shuffle(order)
    np.testing.assert_array_equal(shuffled[0], data[order[0]:order[0] + 4])
    with pytest.raises(ValueError, match="sampling_rate"):
        timeseries_dataset_from_array(data, None, 4, sampling_rate=0)


def test_timeseries_forecasting_trains_on_every_engine(engine):
    t = np.arange(400, dtype="float32")
    series = np.sin(t / 8)[:, None]
    ds = timeseries_dataset_from_array(series[:-5], series[5:, 0], sequence_length=10, batch_size=32)
    set_random_seed(0)
    model = models.Sequential([layers.Input((10, 1)), layers.Flatten(), layers.Dense(1)])
    model.compile(optimizers.Adam(0.02), "mse")
    history = model.fit(ds, epochs=20, verbose=0)
    # a shifted sine is a linear function of its last values: the loss can go to ~0
    assert history.history["loss"][-1] < 0.02


def test_split_dataset_sizes_shuffle_and_structure():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    left, right = split_dataset((x, y), left_size=0.7, shuffle=True, seed=4)
    assert len(left) == 7 and len(right) == 3
    order = list(range(10))
    random.Random(4).shuffle(order)  # Keras shuffles with Python's random for the seed
    assert [int(left[i][1]) for i in range(7)] == order[:7]
    assert sorted(int(e[1]) for e in list(left) + list(right)) == list(range(10))
    xb, yb = left.batch(4)[0]
    assert xb.shape == (4, 2) and yb.shape == (4,)
    a, b = split_dataset(np.arange(10), right_size=2)
    assert [int(v) for v in b] == [8, 9] and len(a) == 8
    with pytest.raises(ValueError, match="left_size"):
        split_dataset(np.arange(10), left_size=1.5)
    with pytest.raises(TypeError, match="left_size"):
        split_dataset(np.arange(10))


def test_host_dataset_methods():
    ds = HostDataset.from_tensor_slices({"a": np.arange(10), "b": np.arange(10) * 2})
    batched = ds.map(lambda e: {"a": e["a"] + 1, "b": e["b"]}).batch(4, drop_remainder=True)
    assert len(batched) == 2 and batched[1]["a"].tolist() == [5, 6, 7, 8]
    assert [int(e["b"]) for e in batched.unbatch()] == list(range(0, 16, 2))
    shuffled = HostDataset.from_tensor_slices(np.arange(6)).shuffle(seed=1)
    first, second = [int(v) for v in shuffled], [int(v) for v in shuffled]
    assert sorted(first) == list(range(6)) and first != second  # a new order each pass
    assert [int(v) for v in HostDataset.from_tensor_slices(np.arange(6)).skip(2).take(3)] == [2, 3, 4]
    assert ds.cache().prefetch(2).cardinality() == 10


def test_pack_unpack():
    x, y, w = np.zeros(2), np.ones(2), np.full(2, 3.0)
    assert unpack_x_y_sample_weight((x, y))[1] is y and unpack_x_y_sample_weight(x)[0] is x
    assert unpack_x_y_sample_weight([x, y, w])[2] is w
    assert pack_x_y_sample_weight(x) is x and pack_x_y_sample_weight((x,)) == ((x,),)
    # a list of inputs is wrapped too, so unpacking gives it back as x (Keras returns it bare,
    # and its own unpack would then read a two-input list as (x, y))
    assert unpack_x_y_sample_weight(pack_x_y_sample_weight([x, y]))[0] == [x, y]
    with pytest.raises(ValueError, match="4 items"):
        unpack_x_y_sample_weight((x, y, w, w))


@pytest.mark.keras_oracle
def test_pack_unpack_as_keras(keras_module):
    ku = keras_module.utils
    x, y, w = np.zeros(2), np.ones(2), np.full(2, 3.0)
    for args in ((x,), (x, y), (x, y, w), ((x, y),)):
        ours, theirs = pack_x_y_sample_weight(*args), ku.pack_x_y_sample_weight(*args)
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for data in (ours, [x, y]):
            assert [a is b for a, b in zip(unpack_x_y_sample_weight(data), ku.unpack_x_y_sample_weight(data))] \
                == [True] * 3
