"""Keras 3's ``Model`` members beyond training and saving: the state tree, the step
functions (``make_train_function``…), ``compute_loss_and_updates``, ``export``.
``Model`` inherits them from ``ModelAPI``."""
from __future__ import annotations

import numpy as np

from ..utils.packing import unpack_x_y_sample_weight

_STATE_KINDS = ("trainable_variables", "non_trainable_variables", "optimizer_variables",
                "metrics_variables")


class ModelAPI:
    """Mixin of ``Model``."""

    # ------------------------------------------------------------ state tree
    def get_state_tree(self, value_format="backend_tensor"):
        """The model's variables as nested dicts keyed by path (Keras 3's layout).

        Returns ``{"trainable_variables": {model: {layer: {var: value}}},
        "non_trainable_variables": …, "optimizer_variables": {optimizer: {var: value}},
        "metrics_variables": {metric: {var: value}}}`` (empty kinds left out).

        Args:
            value_format: ``"backend_tensor"`` (engine arrays) or ``"numpy_array"``.
        """
        if value_format not in ("backend_tensor", "numpy_array"):
            raise ValueError(f"get_state_tree: `value_format` must be 'backend_tensor' or "
                             f"'numpy_array', got {value_format!r}.")
        tree = {}
        for kind, pairs in _state_paths(self).items():
            for path, v in pairs:
                value = v.numpy() if value_format == "numpy_array" else v.value
                node = tree.setdefault(kind, {})
                *parents, leaf = path.split("/")
                for p in parents:
                    node = node.setdefault(p, {})
                node[leaf] = value
        return tree

    def set_state_tree(self, state_tree):
        """Assign the values of a tree shaped as ``get_state_tree()``'s (some kinds or
        paths may be left out). Raises ValueError naming an unknown kind or path, or a
        value whose shape differs from its variable's; nothing is assigned then."""
        known = _state_paths(self)
        assignments = []
        for kind, sub in state_tree.items():
            if kind not in _STATE_KINDS:
                raise ValueError(f"set_state_tree: unknown variable kind {kind!r}; expected one "
                                 f"of {list(_STATE_KINDS)}.")
            by_path = dict(known.get(kind, []))
            for path, value in _flatten_dict(sub):
                if path not in by_path:
                    raise ValueError(f"set_state_tree: model '{self.name}' has no {kind} at "
                                     f"{path!r}; its paths are {sorted(by_path)}.")
                v = by_path[path]
                shape = tuple(np.shape(value)) if not hasattr(value, "shape") else tuple(value.shape)
                if shape != tuple(v.shape):
                    raise ValueError(f"set_state_tree: {kind} {path!r} has shape {v.shape}, "
                                     f"the value given has shape {shape}.")
                assignments.append((v, value))
        for v, value in assignments:
            v.assign(value)

    # ------------------------------------------------------------ the steps
    def make_train_function(self, force=False):
        """Set ``self.train_function``: ``train_function(data) -> logs`` runs one training
        step on a batch ``(x, y[, sample_weight])``, compiled as ``fit``'s. ``force``
        rebuilds the step (after changing ``compile`` settings by hand)."""
        self._make_function("train", force, lambda d: self.train_on_batch(*d, return_dict=True))

    def make_test_function(self, force=False):
        """Set ``self.test_function``: ``test_function(data) -> logs`` (one evaluation step)."""
        self._make_function("test", force, lambda d: self.test_on_batch(*d, return_dict=True))

    def make_predict_function(self, force=False):
        """Set ``self.predict_function``: ``predict_function(data) -> outputs`` (one batch)."""
        self._make_function("predict", force, lambda d: self.predict_on_batch(d[0]))

    def _make_function(self, kind, force, run):
        attr = f"{kind}_function"
        if getattr(self, attr, None) is not None and not force:
            return
        if force:
            self._steps.pop(kind, None)

        def function(data):
            x, y, sw = unpack_x_y_sample_weight(data)
            return run((x,) if kind == "predict" else (x, y, sw))

        function.__name__ = attr
        setattr(self, attr, function)

    def compute_loss_and_updates(self, trainable_variables, non_trainable_variables,
                                 metrics_variables, x, y, sample_weight, training=False,
                                 optimizer_variables=None):
        """Stateless forward and loss, for ``ops.value_and_grad`` (Keras's JAX-trainer method,
        here on every engine).

        Returns ``(loss, (unscaled_loss, y_pred, non_trainable_variables,
        metrics_variables))`` with the new non-trainable and metric values; the
        model's variables are left unchanged. ``optimizer_variables`` is taken for
        Keras's signature (loss scaling); kerasette scales no loss here.
        """
        layers = self._flatten_layers()
        tv = self.trainable_variables
        ids = {id(v) for v in tv}
        ntv = [v for v in self.variables if id(v) not in ids]
        groups = (tv, ntv, self.metrics_variables, layers)
        loss, (y_pred, new_nt, new_m) = self._compute_loss_and_updates(
            groups, trainable_variables, non_trainable_variables, metrics_variables, x, y,
            sample_weight, training)
        return loss, (loss, y_pred, new_nt, new_m)

    def jax_state_sync(self):
        """Keras's JAX trainer copies its step state back into the variables here; kerasette
        writes each step's state back as the step ends, so there is nothing to sync."""

    @property
    def supports_jit(self):
        """Whether the model's steps can be compiled (always; see ``compile(jit_compile=)``)."""
        return True

    @property
    def operations(self):
        """The layers the model runs (Keras's ``operations``; the same as ``layers`` here)."""
        return self.layers

    # ------------------------------------------------------------ export
    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None,
               **kwargs):
        """Export the model for inference. ``format="onnx"`` writes an ONNX file from a
        model on any engine (needs ``pip install kerasette[onnx]``); Keras's other formats
        (``"tf_saved_model"``, ``"litert"``, ``"openvino"``) need TensorFlow or OpenVINO
        and raise a ValueError saying so.

        Args:
            filepath: the file to write (``.onnx``).
            format: ``"onnx"``.
            verbose: print a line when done (default True).
            input_signature: ``InputSpec``/``KerasTensor``s or shapes (batch dim free) of
                the inputs; taken from the model when omitted.
            **kwargs: ``opset_version`` (default 18).

        Example:
            >>> model.export("model.onnx", format="onnx")
        """
        from ..export.onnx import export_onnx
        if format != "onnx":
            raise ValueError(f"export(format={format!r}) is not available in kerasette: "
                             + _FORMATS.get(format, f"unknown format; the supported one is "
                                                    f"'onnx'") + ". Use format='onnx'.")
        export_onnx(self, filepath, input_signature=input_signature,
                    verbose=True if verbose is None else verbose, **kwargs)


_FORMATS = {
    "tf_saved_model": "the TensorFlow SavedModel format needs TensorFlow, which kerasette does "
                      "not use",
    "litert": "LiteRT (TFLite) conversion needs TensorFlow, which kerasette does not use",
    "openvino": "OpenVINO export is not offered",
}


def _state_paths(model):
    """``{kind: [(path, variable)]}``: Keras's paths (``layer.path/var``) for the model's
    variables, its optimizer's and its metrics'."""
    owner_path = {}
    for layer in model._flatten_layers():
        for v in layer._trainable_variables + layer._non_trainable_variables:
            owner_path.setdefault(id(v), f"{layer.path}/{v.name}")
    used = set()

    def path(v):
        p = owner_path.get(id(v)) or str(v.path)  # seed and RNN states: their own path
        base, n = p, 0
        while p in used:
            n += 1
            p = f"{base}_{n}"
        used.add(p)
        return p

    out = {"trainable_variables": [(path(v), v) for v in model.trainable_variables],
           "non_trainable_variables": [(path(v), v) for v in model.non_trainable_variables]}
    opt = getattr(model, "optimizer", None)
    if opt is not None and getattr(opt, "variables", None):
        out["optimizer_variables"] = [(f"{opt.name}/{v.name.replace('/', '_')}", v)
                                      for v in opt.variables]
    mv = [(v.path, v) for m in model.metrics for v in m.variables]
    if mv:
        out["metrics_variables"] = mv
    return {k: v for k, v in out.items() if v}


def _flatten_dict(tree, prefix=""):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _flatten_dict(value, f"{prefix}{key}/")
        else:
            yield f"{prefix}{key}", value
