"""Feeding data to the trainer: host-side batching of arrays and other sources.

Every source becomes a ``DataSource`` whose ``epoch()`` yields batches as
``(x, y, sample_weight)`` nests of NumPy arrays (or engine arrays for engine
sources). Arrays are sliced by index: views when not shuffled, one gather per
batch when shuffled. NumPy is used here only at the data boundary.
"""
from __future__ import annotations

import math

import numpy as np

from . import config
from .layers.symbolic import flatten, map_structure
from .utils.packing import unpack_x_y_sample_weight as unpack  # noqa: F401 (the trainer's name)
from .utils.seeding import global_rng


def to_host_array(x, what="x"):
    """A NumPy array of ``x`` (floats as floatx); a clear error for ragged or non-numeric data."""
    if hasattr(x, "_kerasette_value"):
        x = x.numpy()
    if not isinstance(x, np.ndarray):
        try:
            if hasattr(x, "detach"):
                x = x.detach().cpu().numpy()
            x = np.asarray(x)
        except ValueError as e:
            raise ValueError(f"`{what}` could not be turned into an array ({e}); ragged nested "
                             f"lists are not supported: pad them to one length first.") from None
    if x.dtype.kind in "US" and what.startswith("x"):
        return x  # string inputs, for a model whose first layers are StringLookup/TextVectorization
    if x.dtype == object or x.dtype.kind in "USV":
        raise ValueError(f"`{what}` must be numeric; got an array of dtype {x.dtype} "
                         f"with shape {x.shape}.")
    if x.dtype.kind == "f" and x.dtype != np.dtype(config.floatx()):
        x = x.astype(config.floatx())
    elif x.dtype.itemsize == 8 and x.dtype.kind in "iu" or x.dtype == np.uint32:
        _check_fits_int32(x, what)
    return x


_INT32 = np.iinfo(np.int32)


def _check_fits_int32(x, what):
    # JAX runs without x64 (as Keras does): 64-bit integers become int32 on the way in,
    # and a value outside int32 would silently wrap (2**40 -> 0). Refuse it instead.
    if x.size and config.backend() == "jax" and (x.min() < _INT32.min or x.max() > _INT32.max):
        bad = x.max() if x.max() > _INT32.max else x.min()
        raise ValueError(f"`{what}` holds {bad}, outside the int32 range the JAX engine computes in "
                         f"({_INT32.min}..{_INT32.max}); it would wrap around silently. Rescale the "
                         "values, or cast them to float32 if they are measurements, not indices.")


def normalize_arrays(x, what):
    """``x`` as a nest of host arrays (None stays None)."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: to_host_array(v, f"{what}['{k}']") for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and all(_is_array_object(v) for v in x):
        return [to_host_array(v, f"{what}[{i}]") for i, v in enumerate(x)]
    return to_host_array(x, what)


def _is_array_object(v):
    """An array (not a Python list): a list of these means one array per model input."""
    return v is None or (hasattr(v, "shape") and hasattr(v, "dtype")) or hasattr(v, "_kerasette_value")


def num_samples(*nests):
    """The shared first dimension of every array; ValueError naming them when they differ."""
    sizes = {}
    for name, nest in nests:
        for i, a in enumerate(flatten(nest)):
            if a is not None:
                sizes[f"{name}" if len(flatten(nest)) == 1 else f"{name}[{i}]"] = a.shape[0]
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{k}: {v} samples" for k, v in sizes.items())
        raise ValueError(f"Data cardinality is ambiguous: make sure all arrays contain the same "
                         f"number of samples. Got {detail}.")
    return next(iter(sizes.values())) if sizes else 0


def take(nest, index):
    """Rows ``index`` (a slice or an index array) of every array in the nest."""
    if type(nest) is np.ndarray:
        return nest[index]
    if nest is None:
        return None
    return map_structure(lambda a: None if a is None else a[index], nest)


def split_validation(x, y, sw, fraction):
    """Split off the last ``fraction`` of the samples (before any shuffling), as Keras does."""
    if not 0 < fraction < 1:
        raise ValueError(f"`validation_split` must be in (0, 1), got {fraction}.")
    n = num_samples(("x", x), ("y", y))
    cut = int(math.floor(n * (1.0 - fraction)))
    if cut == 0 or cut == n:
        raise ValueError(f"`validation_split={fraction}` leaves no samples for training or "
                         f"validation with {n} samples.")
    head, tail = slice(0, cut), slice(cut, n)
    return (take(x, head), take(y, head), take(sw, head)), (take(x, tail), take(y, tail), take(sw, tail))


class ArraySource:
    """Batches of in-memory arrays."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False,
                 steps_per_epoch=None):
        self.x, self.y, self.sw = x, y, sample_weight
        self.n = num_samples(("x", x), ("y", y), ("sample_weight", sample_weight))
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.num_batches = max(1, math.ceil(self.n / self.batch_size)) if self.n else 0
        self.steps = steps_per_epoch or self.num_batches
        self._pending = iter(())

    def _batches(self):
        order = None
        if self.shuffle == "batch":
            starts = np.arange(self.num_batches)
            global_rng().shuffle(starts)
        elif self.shuffle:
            order = global_rng().permutation(self.n)
            starts = np.arange(self.num_batches)
        else:
            starts = np.arange(self.num_batches)
        for b in starts:
            lo, hi = b * self.batch_size, min((b + 1) * self.batch_size, self.n)
            index = slice(lo, hi) if order is None else order[lo:hi]
            yield take(self.x, index), take(self.y, index), take(self.sw, index)

    def epoch(self):
        """Yield this epoch's batches (``steps_per_epoch`` of them, continuing across epochs)."""
        for _ in range(self.steps):
            batch = next(self._pending, None)
            if batch is None:
                self._pending = self._batches()
                batch = next(self._pending, None)
                if batch is None:
                    return
            yield batch


def class_weight_to_sample_weights(y, class_weight):
    """Per-sample weights ``class_weight[label]`` (1.0 for missing labels), as Keras.

    Labels are ``argmax`` of one-hot ``y``, else ``round(y)``.
    """
    if isinstance(y, (list, tuple, dict)):
        leaves = [a for a in flatten(y) if a is not None]
        if len(leaves) != 1:
            raise ValueError("`class_weight` is only supported for models with a single output.")
        y = leaves[0]
    y = _to_numpy(y)
    if y.ndim > 1:
        y = y.argmax(axis=-1) if y.shape[-1] != 1 else y.reshape(y.shape[:-1])
    labels = np.round(y).astype("int64").reshape(-1)
    weights = np.array([class_weight.get(int(k), 1.0) for k in labels], dtype=config.floatx())
    return weights


def _to_numpy(a):
    b = config.active()
    if b.is_array(a):
        return np.asarray(b.to_numpy(a))
    if hasattr(a, "detach"):  # a tensor of an engine that is not the active one
        return a.detach().cpu().numpy()
    return np.asarray(a)


class IterableSource:
    """Batches from a ``PyDataset``, a generator, or any iterable of batches.

    Each item is ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``.

    * a sequence (``PyDataset``, or ``__len__`` and ``__getitem__``) is read by
      index, in a shuffled order when ``shuffle``; its ``on_epoch_begin`` and
      ``on_epoch_end`` hooks are called around each epoch;
    * a re-iterable (a ``torch.utils.data.DataLoader``, a list of batches) is
      iterated afresh each epoch;
    * a one-shot iterator (a generator) continues where it stopped; when it
      runs out, ``exhausted`` is set and the trainer stops.

    With ``steps_per_epoch``, an epoch is that many batches, continuing across
    passes over the data; without it, an epoch is one pass.
    """

    def __init__(self, data, steps_per_epoch=None, shuffle=False, class_weight=None):
        self.data = data
        self.is_iterator = hasattr(data, "__next__")
        self.is_sequence = not self.is_iterator and hasattr(data, "__getitem__") and (
            hasattr(data, "__len__") or hasattr(data, "num_batches"))
        self.shuffle = bool(shuffle)
        self.class_weight = class_weight
        self.exhausted = False
        self._pending = None
        self.num_batches = self._length()
        self.steps = steps_per_epoch if steps_per_epoch is not None else self.num_batches

    def _length(self):
        if self.is_sequence:
            try:
                n = self.data.num_batches if hasattr(type(self.data), "num_batches") else len(self.data)
            except NotImplementedError:
                n = None
            return None if n is None else int(n)
        if not self.is_iterator and hasattr(self.data, "__len__"):
            try:
                return len(self.data)
            except TypeError:  # e.g. a DataLoader over an IterableDataset
                return None
        return None

    def _one_pass(self):
        if self.is_sequence:
            if self.num_batches is None:  # an infinite PyDataset
                i = 0
                while True:
                    yield self.data[i]
                    i += 1
            order = np.arange(self.num_batches)
            if self.shuffle:
                global_rng().shuffle(order)
            for i in order:
                yield self.data[int(i)]
        elif self.is_iterator:
            yield from self.data
        else:
            yield from iter(self.data)

    def _next_item(self, continue_pass):
        """The next batch, or None at the end of the data (or of the pass)."""
        if self._pending is None:
            self._pending = self._one_pass()
        item = next(self._pending, _END)
        if item is _END:
            self._pending = None
            if self.is_iterator:
                self.exhausted = True
                return None
            if not continue_pass:
                return None
            self._pending = self._one_pass()
            item = next(self._pending, _END)
            if item is _END:
                self._pending = None
                return None
        return item

    def epoch(self):
        """Yield this epoch's batches as host (or active-engine) arrays."""
        if hasattr(self.data, "on_epoch_begin"):
            self.data.on_epoch_begin()
        count = 0
        while self.steps is None or count < self.steps:
            item = self._next_item(continue_pass=self.steps is not None)
            if item is None:
                break
            count += 1
            x, y, sw = unpack(item)
            if self.class_weight is not None and y is not None:
                if sw is not None:
                    raise ValueError("You cannot specify `class_weight` and `sample_weight` at "
                                     "the same time: the data yields sample weights already.")
                sw = class_weight_to_sample_weights(y, self.class_weight)
            yield _host_nest(x), _host_nest(y), _host_nest(sw)
        if self.steps is None:
            self._pending = None  # one pass per epoch: start over next time
        if hasattr(self.data, "on_epoch_end"):
            self.data.on_epoch_end()


_END = object()


def _host_nest(x):
    if x is None:
        return None
    return map_structure(_leaf_to_batch, x)


def _leaf_to_batch(a):
    """Active-engine arrays pass (moved to the engine's device, floats as floatx); the rest
    become host arrays."""
    if a is None:
        return None
    b = config.active()
    if not b.is_array(a):
        return to_host_array(a)
    device = getattr(b, "device", None)
    if device is not None and getattr(a, "device", device) != device:
        a = b.convert(b.to_numpy(a))
    dtype = str(b.dtype(a))
    if dtype.startswith("float") and dtype != config.floatx():
        a = b.cast(a, config.floatx())
    return a


def check_count(value, name):
    """``value`` unless it is neither None nor a positive int: then a ValueError naming ``name``."""
    if value is None or (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0):
        return value
    raise ValueError(f"`{name}` must be a positive integer (or None), got {value!r} "
                     f"({type(value).__name__}).")


def make_source(x, y=None, sample_weight=None, batch_size=None, shuffle=False,
                steps_per_epoch=None, class_weight=None, batch_name="batch_size", steps_name="steps"):
    """Pick the right source for what the user passed to ``fit``/``evaluate``/``predict``.

    ``class_weight`` becomes per-sample weights: once, up front, for arrays; per
    batch for the other sources. ``batch_size`` and ``steps_per_epoch`` must be
    positive ints or None (errors name them as ``batch_name``/``steps_name``);
    ``config.set_max_steps_per_epoch`` caps the steps.
    """
    check_count(batch_size, batch_name)
    check_count(steps_per_epoch, steps_name)
    cap = config.max_steps_per_epoch()
    if cap is not None:
        steps_per_epoch = cap if steps_per_epoch is None else min(steps_per_epoch, cap)
    if _is_array_like(x):
        if batch_size is None:
            batch_size = 32
        x = normalize_arrays(x, "x")
        y = normalize_arrays(y, "y")
        sample_weight = normalize_arrays(sample_weight, "sample_weight")
        if class_weight is not None and y is not None:
            if sample_weight is not None:
                raise ValueError("You cannot specify `class_weight` and `sample_weight` at "
                                 "the same time.")
            sample_weight = class_weight_to_sample_weights(y, class_weight)
        return ArraySource(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
    if y is not None:
        raise ValueError("`y` must not be given when `x` is a generator, a dataset or an iterable "
                         "of batches: those yield (x, y) themselves.")
    if sample_weight is not None:
        raise ValueError("`sample_weight` must not be given when `x` is a generator, a dataset "
                         "or an iterable of batches: yield (x, y, sample_weight) instead.")
    if not (hasattr(x, "__iter__") or hasattr(x, "__next__") or hasattr(x, "__getitem__")):
        raise ValueError(f"Unrecognized data type for `x`: {type(x).__name__}. Expected NumPy "
                         f"arrays, lists/dicts of arrays, a generator, a PyDataset or an iterable "
                         f"of batches.")
    return IterableSource(x, steps_per_epoch, shuffle, class_weight)


def _is_array_like(x):
    if isinstance(x, (np.ndarray, list, tuple, dict, int, float)):
        if isinstance(x, (list, tuple)) and x and not isinstance(x[0], (np.ndarray, list, tuple, int, float, np.number)) \
                and not hasattr(x[0], "shape"):
            return False
        return True
    if hasattr(x, "_kerasette_value"):
        return True
    if hasattr(x, "shape") and hasattr(x, "dtype") and not hasattr(x, "__next__"):
        return True
    return False
