"""Callbacks that talk to the outside or to the optimizer: ``TensorBoard`` (event files
written with TensorBoard's own writer), ``RemoteMonitor`` (epoch logs POSTed to a
server) and ``SwapEMAWeights`` (evaluate with the optimizer's moving averages)."""
from __future__ import annotations

import json
import os
import time
import urllib.parse
import urllib.request
import warnings

import numpy as np

from .callbacks import Callback, _to_float


# -------------------------------------------------------------- TensorBoard
def _tensorboard():
    try:
        from tensorboard.compat.proto import event_pb2, graph_pb2, node_def_pb2, summary_pb2
        from tensorboard.compat.proto.summary_pb2 import HistogramProto
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as e:
        raise ImportError("The TensorBoard callback writes event files with the tensorboard package: "
                          "pip install kerasette[tensorboard]") from e
    return event_pb2, graph_pb2, node_def_pb2, summary_pb2, HistogramProto, EventFileWriter


class TensorBoard(Callback):
    """Write training logs for TensorBoard (``tensorboard --logdir logs``), as Keras does.

    Scalars go to ``log_dir/train`` and ``log_dir/validation`` as ``epoch_<name>``
    (and ``batch_<name>`` every ``update_freq`` batches when it is an int or
    ``"batch"``), with the learning rate as ``epoch_learning_rate``; weight
    histograms every ``histogram_freq`` epochs (``<weight path>/histogram``); the
    layer graph once when ``write_graph``. Files are written with TensorBoard's own
    ``EventFileWriter`` and protos.

    Args:
        log_dir: the folder (created; an unwritable one fails before training).
        histogram_freq: epochs between weight histograms (0: none).
        write_graph: write the model's layer graph.
        write_steps_per_second: log ``epoch_steps_per_second``.
        update_freq: ``"epoch"``, ``"batch"`` or an int number of batches.
        write_images, profile_batch, embeddings_freq, embeddings_metadata: accepted
            for Keras compatibility; images, profiling and embeddings are not written.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        _tensorboard()
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.write_graph = write_graph
        self.write_steps_per_second = write_steps_per_second
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (not isinstance(update_freq, int) or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive int, "
                             f"got {update_freq!r}.")
        self.update_freq = update_freq
        self._writers = {}
        self._batch = 0

    def _writer(self, name):
        if name not in self._writers:
            *_, EventFileWriter = _tensorboard()
            self._writers[name] = EventFileWriter(os.path.join(self.log_dir, name))
        return self._writers[name]

    def _scalar(self, run, tag, value, step):
        event_pb2, _, _, summary_pb2, _, _ = _tensorboard()
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=float(value))])
        self._writer(run).add_event(event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))

    def on_train_begin(self, logs=None):
        for run in ("train", "validation"):
            folder = os.path.join(self.log_dir, run)
            try:
                os.makedirs(folder, exist_ok=True)
                probe = os.path.join(folder, ".kerasette_write_test")
                with open(probe, "w"):
                    pass
                os.remove(probe)
            except OSError as e:
                raise OSError(f"TensorBoard: cannot write logs to {folder}: {e.strerror or e}.") from e
        self._batch = 0
        if self.write_graph:
            self._write_graph()

    def _write_graph(self):
        event_pb2, graph_pb2, node_def_pb2, *_ = _tensorboard()
        graph = graph_pb2.GraphDef()
        for layer in self.model.layers:
            node = node_def_pb2.NodeDef(name=layer.name, op=type(layer).__name__)
            for parent in _inbound_layers(layer, self.model):
                node.input.append(parent.name)
            graph.node.append(node)
        self._writer("train").add_event(event_pb2.Event(wall_time=time.time(),
                                                        graph_def=graph.SerializeToString()))

    def on_train_batch_end(self, batch, logs=None):
        self._batch += 1
        if self.update_freq != "epoch" and self._batch % self.update_freq == 0 and logs:
            for name, value in dict(logs).items():
                self._scalar("train", f"batch_{name}", _to_float(value), self._batch)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.time()
        self._epoch_first_batch = self._batch

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        for name, value in logs.items():
            run, tag = ("validation", name[4:]) if name.startswith("val_") else ("train", name)
            self._scalar(run, f"epoch_{tag}", _to_float(value), epoch)
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and "learning_rate" not in logs:
            self._scalar("train", "epoch_learning_rate", _to_float(optimizer.learning_rate), epoch)
        if self.write_steps_per_second:
            steps = self._batch - getattr(self, "_epoch_first_batch", 0)
            seconds = max(time.time() - getattr(self, "_epoch_start", time.time()), 1e-9)
            self._scalar("train", "epoch_steps_per_second", steps / seconds, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._histograms(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _histograms(self, epoch):
        from . import ops
        event_pb2, _, _, summary_pb2, HistogramProto, _ = _tensorboard()
        values = []
        for weight in self.model.weights:
            x = np.asarray(ops.convert_to_numpy(weight.value), dtype=np.float64).ravel()
            if not x.size:
                continue
            counts, edges = np.histogram(x, bins=30)
            histo = HistogramProto(min=float(x.min()), max=float(x.max()), num=float(x.size), sum=float(x.sum()),
                                   sum_squares=float(np.dot(x, x)), bucket_limit=edges[1:].tolist(),
                                   bucket=counts.astype(float).tolist())
            values.append(summary_pb2.Summary.Value(tag=f"{weight.path}/histogram", histo=histo))
        if values:
            self._writer("train").add_event(event_pb2.Event(wall_time=time.time(), step=int(epoch),
                                                            summary=summary_pb2.Summary(value=values)))

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def _inbound_layers(layer, model):
    nodes = getattr(model, "_graph_nodes", None)
    if nodes is None:  # Sequential or subclassed: a chain
        layers = model.layers
        i = layers.index(layer)
        return [layers[i - 1]] if i > 0 else []
    parents = []
    for node in nodes:
        if node.layer is layer:
            for t in node.input_tensors:
                if t._node is not None and t._node.layer not in parents:
                    parents.append(t._node.layer)
    return parents


# ------------------------------------------------------------ RemoteMonitor
class RemoteMonitor(Callback):
    """POST each epoch's logs to ``root + path`` (a JSON body with ``send_as_json``,
    else a form field ``field`` holding the JSON); failures warn and training goes on.

    Args:
        root: the server, e.g. ``"http://localhost:9000"``.
        path: the path on it.
        field: the form field name (form encoding).
        headers: extra HTTP headers.
        send_as_json: send ``application/json`` instead of a form.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False):
        super().__init__()
        self.root, self.path, self.field = root, path, field
        self.headers = dict(headers or {})
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for k, v in (logs or {}).items():
            send[k] = _to_float(v) if not isinstance(v, (str, list)) else v
        if self.send_as_json:
            body = json.dumps(send).encode()
            headers = {"Content-Type": "application/json", **self.headers}
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", **self.headers}
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except (OSError, ValueError) as e:
            warnings.warn(f"RemoteMonitor: could not reach {self.root + self.path}: {e}", stacklevel=2)


# ----------------------------------------------------------- SwapEMAWeights
class SwapEMAWeights(Callback):
    """Evaluate (and, with ``swap_on_epoch``, end each epoch) with the optimizer's
    exponential moving averages of the weights in place of the weights.

    Needs an optimizer built with ``use_ema=True``. With ``swap_on_epoch`` the
    averages are in the model from ``on_epoch_end`` until the next epoch begins, so
    callbacks listed after this one (``ModelCheckpoint``) see them.
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._swapped = False

    def _swap(self):
        optimizer = self.model.optimizer
        if not getattr(optimizer, "use_ema", False):
            raise ValueError("SwapEMAWeights needs an optimizer with use_ema=True; the model's "
                             f"{type(optimizer).__name__} has use_ema=False.")
        averages = optimizer._averages
        if not averages:
            return
        variables = self.model.trainable_variables
        if len(variables) != len(averages):
            raise ValueError(f"SwapEMAWeights: the model has {len(variables)} trainable variables but the "
                             f"optimizer keeps {len(averages)} averages.")
        for var, avg in zip(variables, averages):
            value = var.value
            var.assign(avg.value)
            avg.assign(value)
        self._swapped = not self._swapped

    def on_train_begin(self, logs=None):
        if not getattr(self.model.optimizer, "use_ema", False):
            self._swap()  # raises the clear error before any step

    def on_epoch_begin(self, epoch, logs=None):
        if self._swapped:
            self._swap()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._swapped:
            self._swap()

    def on_test_begin(self, logs=None):
        if not self._swapped:
            self._swap()

    def on_test_end(self, logs=None):
        if self._swapped and not self.swap_on_epoch:
            self._swap()

    def on_train_end(self, logs=None):
        if self._swapped:
            self._swap()
