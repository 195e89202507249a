"""Keras 3 as an oracle for losses and metrics: values computed by Keras itself."""
from __future__ import annotations

import numpy as np

# Keras is run in a subprocess on its NumPy backend: no compiles, so it is quick
# (the in-process ``keras_module`` only decides whether Keras is importable).
_KERAS_SCRIPT = """
import json, sys
import numpy as np
import keras
data = dict(np.load(sys.argv[1]))
cases = json.load(open(sys.argv[2]))
out = {}
for i, (module, name, kwargs, t, p, w, splits) in enumerate(cases):
    obj = getattr(getattr(keras, module), name)(**kwargs)
    if splits is None:
        out[f"{i}"] = np.asarray(obj(data[t], data[p]))
        out[f"{i}w"] = np.asarray(obj(data[t], data[p], sample_weight=data[w]))
    else:
        for a, b in zip([0] + splits, splits + [len(data[t])]):
            obj.update_state(data[t][a:b], data[p][a:b], sample_weight=data[w][a:b])
        out[f"{i}"] = np.asarray(obj.result())
np.savez(sys.argv[3], **out)
"""


def keras_numpy_values(cases, arrays, tmp_path):
    """Keras's values for ``cases`` = [(module, class, kwargs, t, p, w, splits)], run on
    Keras's NumPy backend; ``arrays`` maps the names t, p, w to NumPy arrays."""
    import json
    import os
    import subprocess
    import sys
    np.savez(tmp_path / "in.npz", **arrays)
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    env = {**os.environ, "KERAS_BACKEND": "numpy"}
    proc = subprocess.run([sys.executable, "-c", _KERAS_SCRIPT, str(tmp_path / "in.npz"),
                           str(tmp_path / "cases.json"), str(tmp_path / "out.npz")],
                          env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"Keras oracle subprocess failed:\n{proc.stderr[-3000:]}")
    return dict(np.load(tmp_path / "out.npz"))
