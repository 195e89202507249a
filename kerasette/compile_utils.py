"""What ``compile`` sets up: the per-output losses and metrics of a model.

Outputs are handled as a flat list in the model's output order; ``y`` may be
one array, a list in that order, or a dict keyed by output name. Log names
follow Keras: ``loss``, ``<output>_loss``, ``<metric>`` (one output) or
``<output>_<metric>`` (several).
"""
from __future__ import annotations

import difflib

from . import losses as losses_mod
from . import metrics as metrics_mod
from . import ops
from .layers.symbolic import flatten


def _per_output(spec, names, what):
    """Spread a single value, list or dict over the outputs ``names``."""
    n = len(names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in names]
        if unknown:
            close = {k: difflib.get_close_matches(k, names, n=1) for k in unknown}
            hint = "; ".join(f"'{k}'" + (f" (did you mean '{c[0]}'?)" if c else "") for k, c in close.items())
            raise ValueError(f"`{what}` names output(s) that do not exist: {hint}. "
                             f"The model's outputs are {names}.")
        return [spec.get(k) for k in names]
    if isinstance(spec, (list, tuple)) and what == "loss_weights":
        if len(spec) != n:
            raise ValueError(f"`{what}` has {len(spec)} entries but the model has {n} outputs {names}.")
        return list(spec)
    if isinstance(spec, (list, tuple)) and what == "loss":
        if len(spec) != n:
            raise ValueError(f"`loss` is a list of {len(spec)} but the model has {n} outputs {names}.")
        return list(spec)
    return [spec] * n


def _loss_object(spec):
    """A ``Loss`` for ``spec`` (functions are wrapped so they take ``sample_weight``)."""
    if spec is None:
        return None
    loss = losses_mod.get(spec)
    if not isinstance(loss, losses_mod.Loss):
        loss = losses_mod.LossFunctionWrapper(loss, name=getattr(loss, "__name__", None))
    return loss


def match_targets(y, names, what="y"):
    """``y`` as a list aligned with the outputs ``names``."""
    if y is None:
        return [None] * len(names)
    if isinstance(y, dict):
        missing = [k for k in names if k not in y]
        unknown = [k for k in y if k not in names]
        if unknown or (missing and len(names) > 1):
            raise ValueError(f"`{what}` keys {sorted(y)} do not match the model's outputs {names}.")
        return [y.get(k) for k in names]
    if isinstance(y, (list, tuple)) and len(names) > 1:
        if len(y) != len(names):
            raise ValueError(f"The model has {len(names)} outputs {names}, but `{what}` is a list "
                             f"of {len(y)} arrays.")
        return list(y)
    if len(names) > 1:
        raise ValueError(f"The model has {len(names)} outputs {names}; give `{what}` as a list or "
                         f"a dict keyed by output name.")
    return [y]


class CompiledLossAndMetrics:
    """The losses, loss weights and metrics of one compiled model.

    ``metrics`` are resolved on the first batch, when label and prediction
    shapes are known (Keras resolves ``'accuracy'`` from them).
    """

    def __init__(self, loss, loss_weights, metrics, weighted_metrics, output_names, unnamed_outputs=False):
        self.output_names = list(output_names) or ["output"]
        # outputs of a subclassed model have no names: Keras names their logs by loss and metric
        self.unnamed_outputs = unnamed_outputs
        self.single = len(self.output_names) == 1
        specs = _per_output(loss, self.output_names, "loss")
        self.losses = [_loss_object(s) for s in specs]
        if all(l is None for l in self.losses) and loss is not None:
            raise ValueError("No loss to optimize: every output's loss is None.")
        weights = _per_output(loss_weights, self.output_names, "loss_weights") \
            if loss_weights is not None else [1.0] * len(self.output_names)
        self.loss_weights = [1.0 if w is None else float(w) for w in weights]
        self.metric_specs = self._spread_metrics(metrics, "metrics")
        self.weighted_specs = self._spread_metrics(weighted_metrics, "weighted_metrics")
        self.loss_tracker = metrics_mod.Mean(name="loss")
        # as Keras: one "<output>_loss" tracker per output that has a loss, when several do
        with_loss = [i for i, l in enumerate(self.losses) if l is not None]
        self._tracked_outputs = with_loss if len(with_loss) > 1 else []
        self.output_loss_trackers = [
            metrics_mod.Mean(name=f"{self.losses[i].name if unnamed_outputs else self.output_names[i]}_loss")
            for i in self._tracked_outputs]
        self.metrics = None  # [(output index, metric, weighted)]
        self.loss_specs = specs

    def _spread_metrics(self, metrics, what):
        if metrics is None:
            return [[] for _ in self.output_names]
        if isinstance(metrics, dict):
            spread = _per_output(metrics, self.output_names, what)
            return [[] if m is None else (list(m) if isinstance(m, (list, tuple)) else [m]) for m in spread]
        if self.single:
            return [flatten(metrics)]
        # several outputs (Keras 3): one entry per output -- a metric, a list, or None
        n = len(self.output_names)
        if not isinstance(metrics, (list, tuple)) or len(metrics) != n:
            got = f"a list of {len(metrics)}" if isinstance(metrics, (list, tuple)) else repr(metrics)
            raise ValueError(f"`{what}` for a model with {n} outputs {self.output_names} must be a "
                             f"list of {n} entries (one per output: a metric, a list of metrics or "
                             f"None) or a dict keyed by output name; got {got}.")
        return [[] if m is None else (list(m) if isinstance(m, (list, tuple)) else [m]) for m in metrics]

    def build_metrics(self, y_true, y_pred):
        """Resolve metric names against the first batch's shapes (once)."""
        if self.metrics is not None:
            return
        self.metrics = []
        for i, name in enumerate(self.output_names):
            t_shape = tuple(ops.shape(y_true[i])) if y_true[i] is not None else None
            p_shape = tuple(ops.shape(y_pred[i]))
            for weighted, specs in ((False, self.metric_specs[i]), (True, self.weighted_specs[i])):
                for spec in specs:
                    m = metrics_mod.resolve(spec, self.loss_specs[i], t_shape, p_shape)
                    if hasattr(m, "build_for_shapes") and t_shape is not None:
                        m.build_for_shapes(t_shape, p_shape)  # state shaped by the data, made before any jit
                    if not self.single and not self.unnamed_outputs:
                        m.name = f"{name}_{m.name}"
                    elif weighted and any(m.name == o.name for _, o, _ in self.metrics):
                        m.name = f"weighted_{m.name}"
                    self.metrics.append((i, m, weighted))

    @property
    def all_metrics(self):
        """Trackers then metrics, in log order."""
        return [self.loss_tracker] + self.output_loss_trackers + [m for _, m, _ in self.metrics or []]

    @property
    def variables(self):
        return [v for m in self.all_metrics for v in m.variables]

    def compute_loss(self, y_true, y_pred, sample_weight):
        """Weighted sum of the per-output losses, and the list of per-output values."""
        total, parts = None, []
        for i, loss in enumerate(self.losses):
            if loss is None or y_true[i] is None:
                parts.append(None)
                continue
            value = loss(y_true[i], y_pred[i], sample_weight=sample_weight[i])
            parts.append(value)
            weighted = value if self.loss_weights[i] == 1.0 else ops.multiply(value, self.loss_weights[i])
            total = weighted if total is None else ops.add(total, weighted)
        return total, parts

    def update_metrics(self, total, parts, y_true, y_pred, sample_weight, batch_size):
        """Update the loss trackers and every metric with one batch."""
        self.loss_tracker.update_with_weight(total, batch_size)
        for i, tracker in zip(self._tracked_outputs, self.output_loss_trackers):
            if parts[i] is not None:
                tracker.update_with_weight(parts[i], batch_size)
        for i, metric, weighted in self.metrics:
            if y_true[i] is None:
                continue
            metric.update_state(y_true[i], y_pred[i], sample_weight=sample_weight[i] if weighted else None)

    def reset(self):
        for m in self.all_metrics:
            m.reset_state()

    def results(self):
        """``{name: float}`` of every tracker and metric (one host sync each).

        Order (that of ``evaluate()``'s list), as Keras 3: ``loss``, then each
        output's loss in output order, then the metrics -- in compile order for
        one output, sorted by name for several.
        """
        out = {}
        trackers = [self.loss_tracker] + self.output_loss_trackers
        metrics = [m for _, m, _ in self.metrics or []]
        if not self.single:
            metrics = sorted(metrics, key=lambda m: m.name)
        for m in trackers + metrics:
            r = m.result()
            if isinstance(r, dict):
                out.update({k: float(ops.convert_to_numpy(v)) for k, v in r.items()})
            else:
                out[m.name] = float(ops.convert_to_numpy(r))
        return out


def flat_outputs(y_pred):
    """Model outputs as a list (dict outputs in key order)."""
    return flatten(y_pred)
