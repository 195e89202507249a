"""Data parallelism on engines that run one process per device (PyTorch).

The trainer calls these hooks; each is a no-op unless ``active()``: the engine is
one of ``PROCESS_ENGINES``, a distribution is set, and the job has several
processes. (JAX shards inside its one jitted step instead and never gets here.)

* ``shard_source``: every process reads the same global batches and keeps its
  contiguous slice along the batch axis (``index * n // count`` onwards), so N
  processes together see exactly what one process sees with that global batch.
* ``agree_on_start``: rank 0's starting epoch (BackupAndRestore) and host random
  state (the shuffle order) for every process when ``fit`` starts.
* ``sync_model``: rank 0's model and optimizer variables are broadcast when
  training (or evaluation) starts, so every process starts from the same weights.
* ``reduce_gradients`` (``Optimizer.apply``): the gradients, weighted by each
  process's share of the global batch, are summed over the processes (one bucketed
  ``all_reduce``): the gradient of the global batch's mean loss.
* ``sync_step_state``: after each step the metric variables (sums and counts) get
  the sum of every process's increments and floating non-trainable variables
  (BatchNormalization statistics) the mean over processes: every process logs
  the global metrics, and callbacks decide the same everywhere. (As with
  DistributedDataParallel without SyncBatchNorm, a training-mode BatchNormalization
  normalizes with its process's slice of the batch, so a model with one matches
  the single-process run only approximately; so does Dropout, whose masks differ.)
* ``is_chief``: only process 0 prints the progress bar and writes files.
"""
from __future__ import annotations


from .. import config
from ..data import take
from ..layers.symbolic import flatten
from . import engine
from .distributions import distribution

PROCESS_ENGINES = ("torch",)

_STATE = {"weight": None}  # this process's share of the current global batch


def is_chief():
    """Whether this is process 0 of the job (always true in a single process, and on
    an engine without a distributed runtime)."""
    return engine.process_index() == 0


def active():
    """The active distribution when this process is one of several on an engine
    that runs one process per device; else None."""
    if config.active().name not in PROCESS_ENGINES:
        return None
    d = distribution()
    if d is None or engine.process_count() < 2:
        return None
    return d


def _position(d):
    """``(index, count)`` along the batch axis; the torch engine splits batches over
    every process or over none."""
    index, count = engine.runtime().shard_position(d)
    world = engine.process_count()
    if count not in (1, world):
        raise ValueError(f"{type(d).__name__}: on the {config.active().name} engine the batch axis "
                         f"{d.batch_dim_name!r} must span all {world} processes or one; the mesh "
                         f"{d.device_mesh.shape} gives it {count}.")
    return index, count


def shard_source(source):
    """``source`` reading only this process's slice of each global batch."""
    d = active()
    if d is None:
        return source
    index, count = _position(d)
    if count == 1 or not d.auto_shard_dataset:  # not split, or each process reads its own data
        return source
    d.check_global_batch(getattr(source, "batch_size", None))
    return _ShardedSource(source, index, count)


class _ShardedSource:
    """A data source yielding this process's slice of each batch (attributes
    ``steps``, ``num_batches``, ``exhausted``... are the wrapped source's)."""

    def __init__(self, source, index, count):
        self._source, self._index, self._count = source, index, count

    def __getattr__(self, name):
        return getattr(self._source, name)

    def epoch(self):
        try:
            for bx, by, bsw in self._source.epoch():
                n = _rows(bx)
                if n < self._count:
                    raise ValueError(f"DataParallel: a batch of {n} samples cannot be split over "
                                     f"{self._count} processes (every process needs at least one "
                                     f"sample); choose a sample count whose last batch has at "
                                     f"least {self._count}, or set steps_per_epoch.")
                lo, hi = self._index * n // self._count, (self._index + 1) * n // self._count
                _STATE["weight"] = (hi - lo) / n
                rows = slice(lo, hi)
                yield take(bx, rows), take(by, rows), take(bsw, rows)
        finally:
            _STATE["weight"] = None


def _rows(nest):
    leaves = [a for a in flatten(nest) if a is not None]
    return int(leaves[0].shape[0]) if leaves else 0


def agree_on_start(initial_epoch, initial_step):
    """When ``fit`` starts (after BackupAndRestore may have restored a later point):
    rank 0's starting epoch, batches already done in it, and host random state (the
    shuffle order) for every process; returns ``(initial_epoch, initial_step)``."""
    if active() is None:
        return initial_epoch, initial_step
    from ..utils.seeding import global_rng
    rng = global_rng()
    initial_epoch, initial_step, rng.bit_generator.state = engine.runtime().broadcast_object(
        (initial_epoch, initial_step, rng.bit_generator.state),
        what="broadcast of the starting point")
    return initial_epoch, initial_step


def sync_model(model):
    """Give every process the same model and optimizer variables: rank 0's values
    broadcast, except that variables the distribution lays out sharded (ModelParallel's
    LayoutMap; optimizer slots follow their variable) become the engine's sharded
    tensors (DTensors on torch)."""
    d = active()
    if d is None:
        return
    rt = engine.runtime()
    variables = list(model.variables)
    opt = getattr(model, "optimizer", None)
    if opt is not None and getattr(opt, "built", False):
        variables += [v for v in opt.variables if all(v is not w for w in variables)]
    layouts = _sharded_layouts(d, model, opt)
    if layouts and _position(d)[1] > 1:
        raise ValueError(f"{type(d).__name__}: on the {config.active().name} engine a mesh either "
                         f"splits batches (DataParallel) or shards variables (ModelParallel with a "
                         f"batch axis of size 1), not both; the mesh is {d.device_mesh.shape} "
                         f"{list(d.device_mesh.axis_names)}.")
    plain = [v for v in variables if id(v) not in layouts]
    values = rt.broadcast([v._value for v in plain], what="broadcast of the initial weights")
    for v, x in zip(plain, values):
        v._value = x.clone()
    if layouts:
        rt.allow_mixing_with_sharded()
        for v in variables:
            if id(v) in layouts:
                v._value = rt.distribute_tensor(v._value, layouts[id(v)])


def _sharded_layouts(d, model, opt):
    """``{id(variable): layout}`` for the variables laid out on a mesh axis."""
    out = {}
    for v in model.variables:
        layout = d.get_variable_layout(v)
        if any(a is not None for a in layout.axes):
            out[id(v)] = layout
    if out and opt is not None and getattr(opt, "built", False):
        for v, slots in zip(getattr(opt, "_trainable_variables", ()), getattr(opt, "_slots", ())):
            if id(v) in out:
                out.update((id(s), out[id(v)]) for s in slots)
    return out


def reduce_gradients(grads):
    """Each process's gradients weighted by its share of the global batch, summed over
    the processes (None gradients stay None), as a list; unchanged unless ``active()``."""
    d = active()
    if d is None or _position(d)[1] == 1:
        return list(grads)
    weight = _STATE["weight"] or 1.0 / engine.process_count()
    grads = list(grads)
    present = [i for i, g in enumerate(grads) if g is not None]
    summed = engine.runtime().all_reduce_sum([grads[i] for i in present], scale=weight,
                                             what="all_reduce of the gradients")
    for i, g in zip(present, summed):
        grads[i] = g
    return grads


def sync_step_state(metric_vars, old_metric_values, non_trainable=()):
    """After a step: metric variables = old values + every process's increments;
    floating non-trainable variables = their mean over processes."""
    d = active()
    if d is None or _position(d)[1] == 1:
        return
    b = config.active()
    metric_vars = list(metric_vars)
    floats = [v for v in non_trainable if str(b.dtype(v._value)).startswith(("float", "bfloat"))]
    deltas = [b.subtract(v._value, old) for v, old in zip(metric_vars, old_metric_values)]
    n = engine.process_count()
    means = [b.divide(v._value, n) for v in floats]
    summed = engine.runtime().all_reduce_sum(deltas + means, what="all_reduce of the metrics")
    for v, old, delta in zip(metric_vars, old_metric_values, summed):
        v._value = b.add(old, delta)
    for v, mean in zip(floats, summed[len(deltas):]):
        v._value = mean
