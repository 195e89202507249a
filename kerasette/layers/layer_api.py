"""Keras 3's smaller ``Layer`` members: the layer's ``path``, its own-variable store
(``save_own_variables``/``load_own_variables``), ``symbolic_call``, and the names
Keras keeps for compatibility. ``Layer`` inherits them from ``LayerAPI``."""
from __future__ import annotations

import inspect


class LayerAPI:
    """Mixin of ``Layer``: members that need nothing but the layer's public state."""

    @property
    def path(self):
        """``'outer/inner/name'``: the names of the layers holding this one (as attributes,
        or as a ``Sequential``'s layers), outermost first, then its own name. As in Keras,
        the layers of a functional model are not under the model's name (they are made
        outside it), and a layer used by several models keeps its first path."""
        parent = self.__dict__.get("_parent_ref")
        parent = parent() if parent is not None else None
        return f"{parent.path}/{self.name}" if parent is not None else self.name

    def _adopt(self, child):
        """Record ``self`` as ``child``'s owner (its path's prefix) unless it has one."""
        if child is not self and child.__dict__.get("_parent_ref") is None:
            import weakref
            child.__dict__["_parent_ref"] = weakref.ref(self)  # a weak link: never saved or walked

    @property
    def call_signature_parameters(self):
        """The names of ``call``'s parameters (``self`` excluded)."""
        return list(inspect.signature(self.call).parameters)

    def save_own_variables(self, store):
        """Put the layer's own variables (trainable first, sub-layers' excluded) into the
        dict-like ``store`` under ``"0"``, ``"1"``, … (Keras's layout; ``model.save`` writes
        the same arrays under ``layers/<name>/vars``)."""
        for i, v in enumerate(self._own_variables()):
            store[str(i)] = v.numpy()

    def load_own_variables(self, store):
        """Assign ``store["0"]``, ``store["1"]``, … to the layer's own variables.

        Raises ValueError naming the layer when the count or a shape differs;
        nothing is assigned then."""
        import numpy as np
        own = self._own_variables()
        if len(store) != len(own):
            raise ValueError(f"Layer '{self.name}' expected {len(own)} variables, but received "
                             f"{len(store)} variables during loading. Expected: "
                             f"{[v.name for v in own]}")
        values = [np.asarray(store[str(i)]) for i in range(len(own))]
        for v, value in zip(own, values):
            if tuple(value.shape) != tuple(v.shape):
                raise ValueError(f"Layer '{self.name}': variable '{v.name}' has shape {v.shape}, "
                                 f"but the stored value has shape {tuple(value.shape)}.")
        for v, value in zip(own, values):
            v.assign(value)

    def _own_variables(self):
        return list(self._trainable_variables) + list(self._non_trainable_variables)

    def symbolic_call(self, *args, **kwargs):
        """The output spec (``KerasTensor``s) of ``call`` on symbolic inputs, without
        recording a node."""
        return self.compute_output_spec(*args, **kwargs)

    def rematerialized_call(self, layer_call, *args, **kwargs):
        """``layer_call`` as the layer runs it. Keras wraps it for gradient checkpointing
        under a ``RematScope``; kerasette has no remat scope, so the call comes back
        unchanged (rematerialization changes memory use, never values)."""
        return layer_call

    def add_metric(self, *args, **kwargs):
        """Removed in Keras 3, and here: raises ``NotImplementedError`` with Keras's advice."""
        raise NotImplementedError(
            "Layer `add_metric()` method is deprecated. Add your metric in "
            "`Model.compile(metrics=[...])`, or create metric trackers in __init__() or build() "
            "when subclassing the layer or model, then call `metric.update_state()` whenever "
            "necessary.")
