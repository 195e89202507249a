"""Where a model's state and its batches live while a distribution is active
(the trainer's and the layers' only contact with ``kerasette.distribution``).

For an engine whose arrays span the whole mesh (``GLOBAL_ARRAYS``: JAX), SPMD:

- ``place_new(v)``: a weight made while a distribution is active is laid out at
  once per ``get_variable_layout`` (``Layer.add_weight``'s hook);
- ``place_like(slot, ref)``: an optimizer slot follows its variable's layout;
- ``prepare(model)``: before a step is compiled, every variable the step threads
  is on the mesh (weights per their layout, the rest replicated), and LayoutMap
  keys that matched no variable are named in a warning;
- ``constrain_step(model, step, out_groups)``: the step's new values keep their
  variables' layouts (so donated buffers are reused and nothing recompiles);
- ``feeder(model, feed)``: each batch is split along its first axis over the
  batch axis of the mesh before it enters the step.

The distribution in force is the active one, else the one the model's weights
were placed with (a model built under ``with d.scope():`` keeps ``d``). Every
function is a no-op when no distribution applies, and on engines that run one
process per device (PyTorch: its own hooks sync gradients and shard data).
"""
import warnings
import weakref

from . import engine
from .distributions import distribution
from .layouts import TensorLayout

_PLACED = weakref.WeakKeyDictionary()  # Variable -> (Distribution, TensorLayout)
_LIKE = weakref.WeakKeyDictionary()  # optimizer slot -> the variable it is shaped after


def _runtime():
    """The engine runtime when it keeps global arrays (JAX), else None."""
    if engine.config.active().name not in engine.DISTRIBUTED_ENGINES:
        return None
    rt = engine.runtime()
    return rt if getattr(rt, "GLOBAL_ARRAYS", False) else None


def _place(rt, variable, dist, layout):
    variable._value = rt.distribute_tensor(variable._value, layout)  # as it is when already there
    variable._layout = layout
    _PLACED[variable] = (dist, layout)


def keep_layout(value, layout):
    """``value`` laid out per ``layout`` (``Variable.assign`` on a placed variable,
    e.g. ``set_weights`` or a metric reset: the step keeps its compiled shardings)."""
    rt = _runtime()
    return value if rt is None else rt.distribute_tensor(value, layout)


def _replicated(dist, variable):
    return TensorLayout([None] * len(variable.shape), dist.device_mesh)


def place_new(variable):
    """Lay out a new weight per the active distribution (nothing when none)."""
    dist = distribution()
    if dist is None or (rt := _runtime()) is None:
        return
    _place(rt, variable, dist, dist.get_variable_layout(variable))


def place_like(slot, reference):
    """An optimizer slot gets its reference variable's layout (now, if that one is
    placed; else when the step is prepared)."""
    _LIKE[slot] = reference
    placed = _PLACED.get(reference)
    if placed is not None and tuple(slot.shape) == tuple(reference.shape) and (rt := _runtime()):
        _place(rt, slot, *placed)


def model_distribution(model):
    """The distribution that applies to ``model``: the active one, else the one its
    weights were placed with, else None."""
    dist = distribution()
    if dist is not None:
        return dist
    for v in model.weights:
        placed = _PLACED.get(v)
        if placed is not None:
            return placed[0]
    return None


def prepare(model):
    """Put every variable a step of ``model`` threads on the mesh of its distribution:
    weights per ``get_variable_layout``, optimizer slots like their variables, the
    rest (iterations, metrics, seeds) replicated. Returns the distribution or None."""
    dist = model_distribution(model)
    if dist is None or (rt := _runtime()) is None:
        return None
    for v in model.variables:
        _place(rt, v, dist, dist.get_variable_layout(v))
    others = []
    if getattr(model, "optimizer", None) is not None and getattr(model.optimizer, "built", False):
        others += model.optimizer.variables
    others += getattr(model, "metrics_variables", [])
    for v in others:
        ref = _LIKE.get(v)
        layout = _PLACED[ref][1] if ref is not None and ref in _PLACED and \
            tuple(ref.shape) == tuple(v.shape) else _replicated(dist, v)
        _place(rt, v, dist, layout)
    _warn_unused_keys(dist, model)
    return dist


def _warn_unused_keys(dist, model):
    layout_map = getattr(dist, "layout_map", None)
    if layout_map is None:
        return
    warned = layout_map.__dict__.setdefault("_warned", set())  # each key once
    for key in layout_map:
        if key not in layout_map.used and key not in warned:
            warned.add(key)
            paths = [v.path for v in model.weights][:4]
            warnings.warn(f"ModelParallel: the LayoutMap key {key!r} matched no variable of model "
                          f"{getattr(model, 'name', '?')!r} (its variable paths look like {paths}); "
                          f"those variables stay replicated.", stacklevel=3)


def constrain_step(model, step, out_groups):
    """``step`` whose outputs keep the layouts of the variables they update.

    ``out_groups``: one entry per output of ``step``: a list of variables (the
    output is the list of their new values) or None (left to the compiler)."""
    dist = model_distribution(model)
    if dist is None or (rt := _runtime()) is None:
        return step
    layouts = [None if g is None else [_PLACED[v][1] if v in _PLACED else _replicated(dist, v) for v in g]
               for g in out_groups]

    def constrained(*args):
        out = step(*args)
        return tuple(o if ls is None else [rt.distribute_tensor(x, l) for x, l in zip(o, ls)]
                     for o, ls in zip(out, layouts))

    return constrained


def feeder(model, feed):
    """``feed`` followed by splitting each array of a batch over the batch axis.

    The first batch's size (the global batch) must divide over the replicas
    (``Distribution.check_global_batch``: an error naming both numbers); a later
    batch that does not (the partial last batch of an epoch) is replicated
    instead: every device computes it whole, with the same result."""
    dist = model_distribution(model)
    if dist is None or (rt := _runtime()) is None:
        return feed
    from ..tree import map_structure
    put = getattr(rt, "distribute_data_input", rt.distribute_tensor)
    layouts, state = {}, {"first": True}
    replicas = dist.num_model_replicas

    def leaf(a):
        shape = getattr(a, "shape", None)
        if a is None or not shape or getattr(getattr(a, "dtype", None), "kind", "f") in "USO":
            return a
        if state["first"]:
            dist.check_global_batch(shape[0])
        rank = len(shape)
        key = (rank, shape[0] % replicas == 0)
        if key not in layouts:
            layouts[key] = dist.get_data_layout(shape) if key[1] else \
                TensorLayout([None] * rank, dist.device_mesh)
        return put(a, layouts[key])

    def shard(nest):
        out = map_structure(leaf, feed(nest))
        if nest is not None:
            state["first"] = False
        return out

    return shard
