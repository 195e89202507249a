"""Data sources for fit/evaluate/predict: arrays, generators, PyDataset, iterables (a torch
DataLoader), dict inputs; class_weight, validation_freq, steps_per_epoch, shuffling.

Many tests compare two ways of feeding the same batches: the final weights must
be equal (same seed, same order), which checks the batches themselves.
"""
import math
import warnings

import numpy as np
import pytest

import kerasette as ks
from kerasette import layers
from kerasette.data import ArraySource, IterableSource, make_source, unpack
from kerasette.utils import PyDataset, Sequence, set_random_seed


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x[:, :1] - x[:, 1:2] > 0).astype("float32")
    return x, y


def _model(seed=0, loss="binary_crossentropy", out=1, activation="sigmoid", metrics=None):
    set_random_seed(seed)
    model = ks.Sequential([layers.Input((3,)), layers.Dense(4, activation="tanh"),
                           layers.Dense(out, activation=activation)])
    model.compile(optimizer="sgd", loss=loss, metrics=metrics)
    return model


def _same_weights(a, b, **kw):
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(u, v, rtol=1e-6, atol=1e-7, **kw)


class Batches(PyDataset):
    def __init__(self, x, y, batch_size, sw=None, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.sw, self.batch_size = x, y, sw, batch_size
        self.reads, self.epochs_begun, self.epochs_ended = [], 0, 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, i):
        self.reads.append(i)
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return (self.x[s], self.y[s]) if self.sw is None else (self.x[s], self.y[s], self.sw[s])

    def on_epoch_begin(self):
        self.epochs_begun += 1

    def on_epoch_end(self):
        self.epochs_ended += 1


# ------------------------------------------------------------------ sources
def test_generator_with_steps_per_epoch_equals_arrays(engine):
    x, y = _data()

    def gen():
        while True:
            for i in range(0, 40, 10):
                yield x[i:i + 10], y[i:i + 10]
    a, b = _model(), _model()
    a.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0)
    h = b.fit(gen(), steps_per_epoch=4, epochs=3, verbose=0)
    assert len(h.history["loss"]) == 3
    _same_weights(a, b)
    assert b.evaluate(gen(), steps=4, verbose=0) == pytest.approx(a.evaluate(x, y, verbose=0), rel=1e-5)
    np.testing.assert_allclose(b.predict((x[i:i + 10] for i in range(0, 40, 10)), verbose=0),
                               a.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_finite_generator_without_steps_stops_when_it_runs_out(engine):
    x, y = _data()
    model = _model()
    gen = ((x[i:i + 10], y[i:i + 10]) for i in range(0, 40, 10))
    with pytest.warns(UserWarning, match="ran out of data"):
        h = model.fit(gen, epochs=3, verbose=0)
    assert h.epoch == [0]
    short = ((x[i:i + 10], y[i:i + 10]) for i in range(0, 40, 10))   # 4 batches for 3 x 2 steps
    with pytest.warns(UserWarning, match="ran out of data"):
        h = _model().fit(short, steps_per_epoch=3, epochs=3, verbose=0)
    assert h.epoch == [0, 1]
    with pytest.raises(ValueError, match="no batch"):
        _model().fit(iter([]), epochs=1, verbose=0)


def test_pydataset_hooks_order_and_equality_with_arrays(engine):
    x, y = _data()
    ds = Batches(x, y, 8, workers=4, use_multiprocessing=True, max_queue_size=3)
    assert ds.workers == 4 and ds.num_batches == 5 and Sequence is PyDataset
    a, b = _model(), _model()
    a.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    b.fit(ds, epochs=3, shuffle=False, verbose=0)
    _same_weights(a, b)
    assert ds.reads == list(range(5)) * 3
    assert ds.epochs_begun == 3 and ds.epochs_ended == 3
    np.testing.assert_allclose(b.predict(Batches(x, y, 8), verbose=0), a.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    # as validation data
    h = b.fit(x, y, validation_data=Batches(x, y, 16), epochs=1, verbose=0)
    assert h.history["val_loss"][0] == pytest.approx(b.evaluate(x, y, verbose=0), rel=1e-5)


def test_pydataset_shuffle_is_reproducible(engine):
    x, y = _data()
    orders = []
    for seed in (1, 1, 2):
        ds = Batches(x, y, 4)
        set_random_seed(seed)
        src = make_source(ds, shuffle=True)
        for _ in range(2):
            list(src.epoch())
        orders.append(ds.reads)
    assert orders[0] == orders[1] != orders[2]
    assert sorted(orders[0][:10]) == list(range(10)) and orders[0][:10] != orders[0][10:]


def test_pydataset_without_super_init_and_infinite(engine):
    x, y = _data()

    class Bare(PyDataset):               # no super().__init__(): still works, as in Keras
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return x[i * 20:(i + 1) * 20], y[i * 20:(i + 1) * 20]

    class Endless(PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, i):
            j = i % 2
            return x[j * 20:(j + 1) * 20], y[j * 20:(j + 1) * 20]
    assert Bare().workers == 1
    a, b = _model(), _model()
    a.fit(Bare(), epochs=2, shuffle=False, verbose=0)
    b.fit(Endless(), steps_per_epoch=2, epochs=2, verbose=0)
    _same_weights(a, b)


def test_torch_dataloader(engine):
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader, TensorDataset
    x, y = _data()
    loader = DataLoader(TensorDataset(torch.from_numpy(x).double(), torch.from_numpy(y)), batch_size=8)
    a, b = _model(), _model()
    a.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h = b.fit(loader, epochs=2, verbose=0)         # float64 tensors become floatx
    assert len(h.history["loss"]) == 2
    _same_weights(a, b)
    src = make_source(loader)
    assert src.steps == 5                             # len(DataLoader): the progress bar's target
    bx, by, _ = next(iter(src.epoch()))
    if engine.name == "torch":                        # torch tensors are kept on the torch engine
        assert isinstance(bx, torch.Tensor) and bx.dtype == torch.float32
    else:
        assert isinstance(bx, np.ndarray) and bx.dtype == np.float32
    # torch tensors as plain arrays, on every engine
    c = _model()
    c.fit(torch.from_numpy(x), torch.from_numpy(y), batch_size=8, epochs=2, shuffle=False, verbose=0)
    _same_weights(a, c)


def test_iterables_lists_and_dict_inputs(engine):
    x, y = _data()
    xa, xb = x[:, :1], x[:, 1:]

    def functional(seed=0):
        set_random_seed(seed)
        ia, ib = ks.Input((1,), name="a"), ks.Input((2,), name="b")
        h = layers.Dense(4, activation="tanh")(layers.Concatenate()([ia, ib]))
        model = ks.Model({"a": ia, "b": ib}, layers.Dense(1, activation="sigmoid")(h))
        model.compile("sgd", "binary_crossentropy")
        return model
    a, b, c = functional(), functional(), functional()
    a.fit({"a": xa, "b": xb}, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    batches = [[{"a": xa[i:i + 10], "b": xb[i:i + 10]}, y[i:i + 10]] for i in range(0, 40, 10)]
    b.fit(iter(batches * 2), steps_per_epoch=4, epochs=2, verbose=0)   # lists count as (x, y)
    c.fit(_ReIterable(batches), epochs=2, verbose=0)
    _same_weights(a, b)
    _same_weights(a, c)
    np.testing.assert_allclose(a.predict({"a": xa, "b": xb}, verbose=0),
                               c.predict(_ReIterable([[d] for d, _ in batches]), verbose=0),
                               rtol=1e-5, atol=1e-6)


class _ReIterable:
    """Iterable afresh each time, like a DataLoader (no __len__ or __getitem__)."""

    def __init__(self, items):
        self.items = items

    def __iter__(self):
        return iter(self.items)


# ---------------------------------------------------- weights and validation
def test_class_weight_equals_sample_weight(engine):
    x, y = _data()
    cw = {0: 0.5, 1: 3.0}
    sw = np.where(y[:, 0] == 1, 3.0, 0.5).astype("float32")
    a, b = _model(), _model()
    set_random_seed(7)                  # the same shuffling for both
    a.fit(x, y, sample_weight=sw, batch_size=8, epochs=2, verbose=0)
    set_random_seed(7)
    b.fit(x, y, class_weight=cw, batch_size=8, epochs=2, verbose=0)
    _same_weights(a, b)
    # one-hot labels (argmax) and a PyDataset (per batch)
    onehot = np.concatenate([1 - y, y], axis=1)
    c = _model(loss="categorical_crossentropy", out=2, activation="softmax")
    d = _model(loss="categorical_crossentropy", out=2, activation="softmax")
    c.fit(x, onehot, sample_weight=sw, batch_size=8, epochs=2, shuffle=False, verbose=0)
    d.fit(Batches(x, onehot, 8), class_weight=cw, epochs=2, shuffle=False, verbose=0)
    _same_weights(c, d)
    with pytest.raises(ValueError, match="class_weight"):
        _model().fit(x, y, sample_weight=sw, class_weight=cw, verbose=0)
    with pytest.raises(ValueError, match="class_weight"):
        _model().fit(Batches(x, y, 8, sw=sw), class_weight=cw, verbose=0)


def test_sample_weight_with_generator(engine):
    x, y = _data()
    sw = np.linspace(0.1, 2.0, 40).astype("float32")
    a, b = _model(), _model()
    a.fit(x, y, sample_weight=sw, batch_size=10, epochs=1, shuffle=False, verbose=0)
    b.fit(((x[i:i + 10], y[i:i + 10], sw[i:i + 10]) for i in range(0, 40, 10)), epochs=1, verbose=0)
    _same_weights(a, b)
    with pytest.raises(ValueError, match="sample_weight"):
        _model().fit(iter([(x, y)]), sample_weight=sw, verbose=0)
    with pytest.raises(ValueError, match="`y` must not be given"):
        _model().fit(iter([(x, y)]), y, verbose=0)


def test_validation_freq(engine):
    x, y = _data()
    model = _model()
    val_runs = []
    cb = ks.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: val_runs.append("val_loss" in logs))
    h = model.fit(x, y, validation_split=0.25, validation_freq=2, epochs=5, verbose=0, callbacks=[cb])
    assert val_runs == [False, True, False, True, False]
    assert len(h.history["val_loss"]) == 2 and len(h.history["loss"]) == 5
    val_runs.clear()
    model.fit(x, y, validation_data=(x, y), validation_freq=[1, 4], epochs=4, verbose=0, callbacks=[cb])
    assert val_runs == [True, False, False, True]


# ---------------------------------------------------------- array batching
def test_unshuffled_batches_are_views_and_shuffle_is_reproducible():
    x, y = _data()
    src = ArraySource(x, y, batch_size=16)
    batches = list(src.epoch())
    assert [len(b[0]) for b in batches] == [16, 16, 8]
    assert all(np.shares_memory(bx, x) and np.shares_memory(by, y) for bx, by, _ in batches)
    orders = []
    for seed in (3, 3, 4):
        set_random_seed(seed)
        src = ArraySource(np.arange(40)[:, None], batch_size=16, shuffle=True)
        orders.append(np.concatenate([b[0][:, 0] for b in src.epoch()]))
    np.testing.assert_array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[0], orders[2])
    assert sorted(orders[0]) == list(range(40)) and not np.array_equal(orders[0], np.arange(40))


def test_shuffled_fit_is_reproducible(engine):
    x, y = _data()
    a, b, c = _model(), _model(), _model()
    set_random_seed(5)
    a.fit(x, y, batch_size=8, epochs=2, verbose=0)
    set_random_seed(5)
    b.fit(x, y, batch_size=8, epochs=2, verbose=0)
    set_random_seed(6)
    c.fit(x, y, batch_size=8, epochs=2, verbose=0)
    _same_weights(a, b)
    assert not np.allclose(a.get_weights()[0], c.get_weights()[0])


def test_steps_per_epoch_with_arrays_continues_across_epochs():
    x = np.arange(10)[:, None]
    src = ArraySource(x, batch_size=4, steps_per_epoch=2)
    first = [b[0][:, 0].tolist() for b in src.epoch()]
    second = [b[0][:, 0].tolist() for b in src.epoch()]
    assert first == [[0, 1, 2, 3], [4, 5, 6, 7]] and second == [[8, 9], [0, 1, 2, 3]]


def test_unpack_and_bad_inputs():
    assert unpack([1, 2]) == (1, 2, None) and unpack((1,)) == (1, None, None) and unpack(5) == (5, None, None)
    with pytest.raises(ValueError, match="4 items"):
        unpack((1, 2, 3, 4))
    with pytest.raises(ValueError, match="Unrecognized data type"):
        make_source(object())
    src = make_source(iter([]))
    assert isinstance(src, IterableSource) and src.steps is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(src.epoch()) == []
