"""One file holding everything a resumed ``fit`` needs, committed in one atomic step.

The file is a ``.weights.h5`` file (the model's and the optimizer's variables,
as ``save_weights`` writes them) with one more group, ``training_state``: the
progress (a JSON attribute: epoch, batches done, generator states) and the
values of the extra variables the caller names (seed-generator states, metric
accumulators). It is written to a temporary file and renamed over the target,
so a process killed at any moment leaves either the previous checkpoint or the
new one, never a mix of the two.
"""
from __future__ import annotations

import json
import os

from .atomic import atomic_path
from .h5_weights import _read_dataset, model_engine, read_state, require_h5py, write_state

_GROUP = "training_state"


def write_training_checkpoint(model, filepath, progress, extra_variables, metric_variables):
    """Write ``model``'s state, ``progress`` (JSON-able), the ``extra_variables`` and the
    ``metric_variables`` to ``filepath``."""
    h5py = require_h5py()
    with model_engine(model), atomic_path(filepath) as tmp:
        with h5py.File(tmp, "w") as f:
            write_state(model, f)
            group = f.create_group(_GROUP)
            group.attrs["progress"] = json.dumps(progress)
            for kind, variables in (("variables", extra_variables), ("metrics", metric_variables)):
                sub = group.create_group(kind)
                for i, v in enumerate(variables):
                    sub.create_dataset(str(i), data=v.numpy())


def read_training_checkpoint(model, filepath, extra_variables):
    """Restore the model, optimizer and ``extra_variables`` from what
    ``write_training_checkpoint`` wrote; returns ``(progress, metric_values)``: the metric
    values are arrays for the caller to assign once the metrics are built.

    Everything is checked (counts, shapes) before anything is assigned: a file
    that does not fit the model changes nothing and raises ``ValueError``
    naming the file.
    """
    h5py = require_h5py()
    filepath = os.fspath(filepath)
    with model_engine(model), h5py.File(filepath, "r") as f:
        if _GROUP not in f:
            raise ValueError(f"{filepath} is not a training checkpoint (no {_GROUP!r} group).")
        group = f[_GROUP]
        progress = json.loads(group.attrs["progress"])
        stored = group["variables"]
        if len(stored) != len(extra_variables):
            raise ValueError(f"{filepath} holds {len(stored)} training-state variables but the "
                             f"model has {len(extra_variables)}: it was written by another model.")
        values = [_read_dataset(stored[str(i)]) for i in range(len(extra_variables))]
        metric_values = [_read_dataset(group["metrics"][str(i)]) for i in range(len(group["metrics"]))]
        for v, value in zip(extra_variables, values):
            if tuple(value.shape) != tuple(v.shape):
                raise ValueError(f"{filepath}: the training-state variable {v.path!r} has shape "
                                 f"{tuple(v.shape)} in the model but {tuple(value.shape)} in the file.")
        read_state(model, f, filepath)
        for v, value in zip(extra_variables, values):
            v.assign(value)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and hasattr(optimizer, "_own_current_values"):
        optimizer._own_current_values()  # the loaded arrays are fresh: update them in place
    return progress, metric_values
