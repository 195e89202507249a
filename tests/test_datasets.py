"""kerasette.datasets reads the files Keras caches, in their formats; never downloads.

Tiny files in those formats are generated in tmp_path. The ``keras_oracle``
tests feed the same files to Keras's own loaders (their download step replaced
by the file's path) and require identical arrays.
"""
import gzip
import importlib
import io
import json
import os
import pickle
import tarfile

import numpy as np
import pytest

from kerasette import config
from kerasette.datasets import (boston_housing, california_housing, cifar10, cifar100, fashion_mnist,
                                imdb, mnist, reuters)

RNG = np.random.default_rng(0)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty Keras home: ``$KERAS_HOME/datasets`` is the cache folder."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    folder = tmp_path / "keras" / "datasets"
    folder.mkdir(parents=True)
    return folder


# ------------------------------------------------------------- file makers
def _sequences(n, seed):
    rng = np.random.default_rng(seed)
    seqs = [list(map(int, rng.integers(1, 30, size=rng.integers(1, 12)))) for _ in range(n)]
    out = np.empty(n, dtype=object)
    out[:] = seqs
    return out


def make_mnist(path):
    arrays = {"x_train": RNG.integers(0, 256, (6, 28, 28), dtype=np.uint8),
              "y_train": RNG.integers(0, 10, 6, dtype=np.uint8),
              "x_test": RNG.integers(0, 256, (3, 28, 28), dtype=np.uint8),
              "y_test": RNG.integers(0, 10, 3, dtype=np.uint8)}
    np.savez(path, **arrays)
    return arrays


def make_fashion(folder):
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for split, n in (("train", 5), ("t10k", 2)):
        labels = RNG.integers(0, 10, n, dtype=np.uint8)
        images = RNG.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        with gzip.open(folder / f"{split}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(np.array([2049, n], ">i4").tobytes() + labels.tobytes())
        with gzip.open(folder / f"{split}-images-idx3-ubyte.gz", "wb") as f:
            f.write(np.array([2051, n, 28, 28], ">i4").tobytes() + images.tobytes())
        out[split] = (images, labels)
    return out


def make_cifar(folder, n=2):
    """``folder/cifar-10-batches-py/{data_batch_1..5,test_batch}`` as CIFAR's own pickles."""
    batches = folder / "cifar-10-batches-py"
    batches.mkdir(parents=True)
    out = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = RNG.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = [int(v) for v in RNG.integers(0, 10, n)]
        with open(batches / name, "wb") as f:
            pickle.dump({b"batch_label": name.encode(), b"labels": labels, b"data": data,
                         b"filenames": [b"x.png"] * n}, f, protocol=4)
        out[name] = (data, labels)
    return out


def make_cifar100(folder, n_train=4, n_test=3):
    """``folder/cifar-100-python/{train,test}`` as CIFAR-100's own pickles (fine and coarse labels)."""
    batches = folder / "cifar-100-python"
    batches.mkdir(parents=True)
    out = {}
    for name, n in (("train", n_train), ("test", n_test)):
        data = RNG.integers(0, 256, (n, 3072), dtype=np.uint8)
        fine = [int(v) for v in RNG.integers(0, 100, n)]
        coarse = [int(v) for v in RNG.integers(0, 20, n)]
        with open(batches / name, "wb") as f:
            pickle.dump({b"data": data, b"fine_labels": fine, b"coarse_labels": coarse,
                         b"filenames": [b"x.png"] * n}, f, protocol=4)
        out[name] = (data, fine, coarse)
    return out


def make_california(path, n=40):
    x = RNG.normal(size=(n, 8)).astype("float32")
    y = RNG.uniform(1e4, 5e5, n).astype("float32")
    np.savez(path, x=x, y=y)
    return x, y


def make_imdb(path):
    arrays = {"x_train": _sequences(8, 1), "y_train": RNG.integers(0, 2, 8),
              "x_test": _sequences(6, 2), "y_test": RNG.integers(0, 2, 6)}
    np.savez(path, **arrays)
    return arrays


def make_reuters(path):
    np.savez(path, x=_sequences(20, 3), y=RNG.integers(0, 46, 20))


def make_boston(path):
    np.savez(path, x=RNG.normal(size=(20, 13)), y=RNG.normal(size=20))


# ----------------------------------------------------------------- loaders
def test_mnist_from_cache_and_from_path(home, tmp_path):
    arrays = make_mnist(home / "mnist.npz")
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert x_train.dtype == np.uint8 and x_test.shape == (3, 28, 28)
    other = tmp_path / "elsewhere"
    other.mkdir()
    make_mnist(other / "digits.npz")
    assert mnist.load_data(path=str(other / "digits.npz"))[0][0].shape == (6, 28, 28)
    os.replace(other / "digits.npz", other / "mnist.npz")
    assert mnist.load_data(path=other)[1][0].shape == (3, 28, 28)   # a folder holding mnist.npz


def test_fashion_mnist(home):
    made = make_fashion(home / "fashion-mnist")
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, made["train"][0])
    np.testing.assert_array_equal(y_test, made["t10k"][1])


@pytest.mark.parametrize("layout", ["keras3", "keras2", "tar", "path"])
def test_cifar10_layouts(home, tmp_path, layout):
    if layout == "keras3":
        made = make_cifar(home / "cifar-10-batches-py-target")
        path = None
    elif layout == "keras2":
        made = make_cifar(home)
        path = None
    else:
        made = make_cifar(tmp_path / "src")
        if layout == "tar":
            with tarfile.open(home / "cifar-10-python.tar.gz", "w:gz") as tar:
                tar.add(tmp_path / "src" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
            path = None
        else:
            path = tmp_path / "src" / "cifar-10-batches-py"
    (x_train, y_train), (x_test, y_test) = cifar10.load_data(path=path)
    assert x_train.shape == (10, 32, 32, 3) and y_train.shape == (10, 1) and y_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train[:2], made["data_batch_1"][0].reshape(2, 3, 32, 32).transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(y_test[:, 0], made["test_batch"][1])


def test_cifar10_channels_first(home, monkeypatch):
    make_cifar(home)
    monkeypatch.setitem(config._settings, "image_data_format", "channels_first")
    (x_train, _), (x_test, _) = cifar10.load_data()
    assert x_train.shape == (10, 3, 32, 32) and x_test.shape == (2, 3, 32, 32)


def test_imdb_semantics(home):
    arrays = make_imdb(home / "imdb.npz")
    (x_train, y_train), (x_test, y_test) = imdb.load_data(index_from=3, start_char=1)
    assert x_train.dtype == object and len(x_train) == 8 and len(x_test) == 6
    # the training split is shuffled with seed 113 (NumPy's RandomState)
    order = np.arange(8)
    np.random.RandomState(113).shuffle(order)
    np.testing.assert_array_equal(y_train, arrays["y_train"][order])
    assert x_train[0] == [1] + [w + 3 for w in arrays["x_train"][order[0]]]
    # num_words / skip_top become oov_char; maxlen drops long sequences
    (x_train, _), _ = imdb.load_data(num_words=10, skip_top=4, oov_char=2)
    assert all(w == 2 or 4 <= w < 10 for seq in x_train for w in seq)
    (x_train, y2), (x_test, _) = imdb.load_data(maxlen=8)
    assert all(len(s) < 8 for s in list(x_train) + list(x_test)) and len(x_train) == len(y2)
    (x_train, _), _ = imdb.load_data(num_words=10, oov_char=None, start_char=None, index_from=0)
    assert all(w < 10 for seq in x_train for w in seq)
    with pytest.raises(ValueError, match="Increase maxlen"):
        imdb.load_data(maxlen=1)


def test_word_indices(home):
    (home / "imdb_word_index.json").write_text(json.dumps({"the": 1, "movie": 17}))
    assert imdb.get_word_index() == {"the": 1, "movie": 17}
    (home / "reuters_word_index.json").write_text(json.dumps({"oil": 4}))
    assert reuters.get_word_index() == {"oil": 4}
    assert len(reuters.get_label_names()) == 46


def test_reuters_and_boston_splits(home):
    make_reuters(home / "reuters.npz")
    (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=0.25)
    assert (len(x_train), len(x_test)) == (15, 5) and y_train.shape == (15,)
    make_boston(home / "boston_housing.npz")
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(test_split=0.2, seed=1)
    assert x_train.shape == (16, 13) and x_test.shape == (4, 13)
    with np.load(home / "boston_housing.npz") as f:
        order = np.arange(20)
        np.random.RandomState(1).shuffle(order)
        np.testing.assert_array_equal(y_test, f["y"][order][16:])
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)


@pytest.mark.parametrize("loader, name", [
    (mnist.load_data, "mnist.npz"), (imdb.load_data, "imdb.npz"), (reuters.load_data, "reuters.npz"),
    (boston_housing.load_data, "boston_housing.npz"), (imdb.get_word_index, "imdb_word_index.json"),
    (fashion_mnist.load_data, "train-labels-idx1-ubyte.gz"),
    (cifar10.load_data, "cifar-10-python.tar.gz"), (cifar100.load_data, "cifar-100-python.tar.gz"),
    (california_housing.load_data, "california_housing.npz")])
def test_missing_file_says_what_where_and_from_where(home, loader, name):
    with pytest.raises(FileNotFoundError) as err:
        loader()
    text = str(err.value)
    assert "never downloads" in text and str(home) in text and "https://" in text
    assert name in text


def test_default_home_is_dot_keras(monkeypatch, tmp_path):
    from kerasette.datasets import _files
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert _files.cache_dir() == os.path.join(str(tmp_path), ".keras", "datasets")


def test_pickled_code_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    buf = io.BytesIO()
    pickle.dump({b"data": Evil(), b"labels": []}, buf, protocol=2)
    (tmp_path / "evil").write_bytes(buf.getvalue())
    with pytest.raises(pickle.UnpicklingError, match="Refusing"):
        cifar10.load_batch(tmp_path / "evil")


# ------------------------------------------------------------ Keras oracle
def _keras_module(keras_module, name, monkeypatch, returned):
    module = importlib.import_module(f"keras.src.datasets.{name}")
    monkeypatch.setattr(module, "get_file", lambda *a, **k: returned(*a, **k))
    return module


def _assert_same(ours, theirs):
    for a, b in zip(ours, theirs):
        for u, v in zip(a, b):
            assert u.dtype == v.dtype and u.shape == v.shape
            if u.dtype == object:
                assert [list(s) for s in u] == [list(s) for s in v]
            else:
                np.testing.assert_array_equal(u, v)


@pytest.mark.keras_oracle
def test_same_arrays_as_keras(keras_module, home, monkeypatch):
    make_mnist(home / "mnist.npz")
    make_imdb(home / "imdb.npz")
    make_reuters(home / "reuters.npz")
    make_boston(home / "boston_housing.npz")
    make_fashion(home / "fashion-mnist")
    make_cifar(home)
    in_cache = lambda *a, fname=None, **k: str(home / (fname or a[0]))  # noqa: E731
    for name, ours, kwargs in [
            ("mnist", mnist, {}), ("boston_housing", boston_housing, {"test_split": 0.3}),
            ("imdb", imdb, {"num_words": 20, "skip_top": 2, "maxlen": 9}),
            ("imdb", imdb, {"start_char": None, "index_from": 0, "oov_char": None}),
            ("reuters", reuters, {"num_words": 15, "test_split": 0.3})]:
        theirs = _keras_module(keras_module, name, monkeypatch, in_cache)
        _assert_same(ours.load_data(**kwargs), theirs.load_data(**kwargs))
    theirs = _keras_module(keras_module, "fashion_mnist", monkeypatch,
                           lambda fname, origin=None, cache_subdir=None: str(home / "fashion-mnist" / fname))
    _assert_same(fashion_mnist.load_data(), theirs.load_data())
    # Keras's cifar10.load_data assumes 10,000 images per batch file: compare one batch
    from keras.src.datasets.cifar import load_batch
    for name in ("data_batch_1", "test_batch"):
        ours = cifar10.load_batch(home / "cifar-10-batches-py" / name)
        theirs = load_batch(str(home / "cifar-10-batches-py" / name))
        np.testing.assert_array_equal(ours[0], theirs[0])
        assert list(ours[1]) == list(theirs[1])


@pytest.mark.parametrize("layout", ["keras3", "tar"])
def test_cifar100_fine_and_coarse(home, tmp_path, layout):
    if layout == "keras3":
        made = make_cifar100(home / "cifar-100-python-target")
    else:
        made = make_cifar100(tmp_path / "src")
        with tarfile.open(home / "cifar-100-python.tar.gz", "w:gz") as tar:
            tar.add(tmp_path / "src" / "cifar-100-python", arcname="cifar-100-python")
    (x_train, y_train), (x_test, y_test) = cifar100.load_data()
    assert x_train.shape == (4, 32, 32, 3) and x_test.shape == (3, 32, 32, 3) and y_train.shape == (4, 1)
    assert y_train.dtype == np.int64 and x_train.dtype == np.uint8  # Keras 3's dtypes
    np.testing.assert_array_equal(x_train[1], made["train"][0][1].reshape(3, 32, 32).transpose(1, 2, 0))
    np.testing.assert_array_equal(y_test[:, 0], made["test"][1])
    (_, y_coarse), _ = cifar100.load_data(label_mode="coarse")
    np.testing.assert_array_equal(y_coarse[:, 0], made["train"][2])
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


def test_california_housing_versions_and_split(home):
    x, y = make_california(home / "california_housing.npz", n=700)
    (x_train, y_train), (x_test, y_test) = california_housing.load_data(test_split=0.25)
    assert len(x_train) == 525 and len(x_test) == 175 and x_train.shape[1] == 8
    order = np.arange(700)
    np.random.RandomState(113).shuffle(order)
    np.testing.assert_array_equal(y_train, y[order][:525])
    (x_small, _), (x_small_test, _) = california_housing.load_data(version="small")
    assert len(x_small) + len(x_small_test) == 600
    with pytest.raises(ValueError, match="version"):
        california_housing.load_data(version="medium")


@pytest.mark.keras_oracle
def test_cifar100_and_california_same_as_keras(keras_module, home, monkeypatch):
    make_cifar100(home / "cifar-100-python-target")
    make_california(home / "california_housing.npz", n=50)
    theirs = _keras_module(keras_module, "california_housing", monkeypatch,
                           lambda *a, **k: str(home / "california_housing.npz"))
    for kwargs in ({}, {"version": "small", "test_split": 0.3, "seed": 7}):
        _assert_same(california_housing.load_data(**kwargs), theirs.load_data(**kwargs))
    theirs = _keras_module(keras_module, "cifar100", monkeypatch,
                           lambda *a, **k: str(home / "cifar-100-python-target"))
    for mode in ("fine", "coarse"):
        _assert_same(cifar100.load_data(label_mode=mode), theirs.load_data(label_mode=mode))
