"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts.

The table is drawn with box characters as Keras 3 draws it (without colours),
with the columns ``Layer (type)``, ``Output Shape``, ``Param #``, plus
``Connected to`` for a functional model that is not a simple chain, and
``Trainable`` on request. Below it: total, trainable, non-trainable and (once
the optimizer is built) optimizer parameter counts with their memory sizes.
"""
from __future__ import annotations

import math
import shutil
import sys
import textwrap

import numpy as np


def count_params(weights):
    """Number of scalars in ``weights`` (each counted once)."""
    unique = {id(w): w for w in weights}.values()
    return int(sum(math.prod(w.shape) for w in unique))


def weight_memory_size(weights):
    """Bytes taken by ``weights`` (each counted once)."""
    unique = {id(w): w for w in weights}.values()
    return sum(math.prod(w.shape) * _itemsize(w.dtype) for w in unique)


def _itemsize(dtype):
    name = str(dtype)
    if name == "bfloat16":
        return 2
    try:
        return np.dtype(name).itemsize
    except TypeError:
        return 4


def readable_memory_size(size):
    """``1234`` -> ``'1.21 KB'`` (Keras's units, powers of 1024)."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Print a summary of ``model``, one line at a time.

    Args:
        model: a model (Sequential, functional or subclassed; built or not).
        line_length: total width of the table (88, or 108 with ``Connected to``).
        positions: where each column ends, as fractions of ``line_length``
            (or absolute character positions).
        print_fn: called with each line (default ``print``).
        expand_nested: also list the layers of nested models, indented.
        show_trainable: add a ``Trainable`` column.
        layer_range: ``(first, last)`` layer names (regular expressions) to show.

    Example:
        >>> lines = []
        >>> print_summary(model, print_fn=lines.append)
    """
    print_fn = print_fn or print
    layers = list(model.layers)
    functional = _is_functional(model)
    chain = not functional or _is_chain(model)
    if chain:
        default, fractions = 88, [0.45, 0.80, 1.0]
        header, align = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
    else:
        default, fractions = 108, [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        align = ["left", "left", "right", "left"]
    if show_trainable:
        default += 12
        fractions = [p * 0.9 for p in fractions] + [1.0]
        header.append("Trainable")
        align.append("center")
    if line_length is None:
        line_length = default
        if print_fn is print and sys.stdout.isatty():
            line_length = min(default, shutil.get_terminal_size().columns - 4)
    widths = _fit_headers(_column_widths(line_length, positions or fractions, len(header)), header)

    model_nodes = _model_nodes(model) if functional else None
    rows = []

    def add(layer, level):
        prefix = "   " * level + "\u2514 " if level else ""
        row = [f"{prefix}{layer.name} ({_class_name(layer)})", _output_shape(layer, model_nodes),
               _params(layer)]
        if not chain:
            row.append(_connections(layer, model_nodes) if level == 0 else "")
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        rows.append(row)
        if expand_nested and getattr(layer, "layers", None) and hasattr(layer, "_graph"):
            for sub in layer.layers:
                add(sub, level + 1)

    first, last = _layer_range(layers, layer_range)
    for layer in layers[first:last]:
        add(layer, 0)

    for line in [f'Model: "{model.name}"'] + _table(header, rows, widths, align) + _totals(model):
        print_fn(line)


# ------------------------------------------------------------------ model info
def _is_functional(model):
    return getattr(model, "_graph", None) is not None and type(model).__name__ != "Sequential" \
        and not _is_sequential(model)


def _is_sequential(model):
    from ..models import Sequential
    return isinstance(model, Sequential)


def _is_chain(model):
    """True when the graph is one input, one output and a single path (Keras's 'sequential-like')."""
    if len(model._input_tensors) != 1 or len(model._output_tensors) != 1:
        return False
    consumers = {}
    seen_layers = set()
    for node in model._graph_nodes:
        if len(node.input_tensors) != 1 or id(node.layer) in seen_layers:
            return False
        seen_layers.add(id(node.layer))
        t = node.input_tensors[0]
        consumers[t._id] = consumers.get(t._id, 0) + 1
    return all(c == 1 for c in consumers.values())


def _model_nodes(model):
    nodes = [t._node for t in model._input_tensors] + list(model._graph_nodes)
    return {id(n) for n in nodes}


def _class_name(layer):
    from ..models import Model
    if type(layer) is Model and getattr(layer, "_graph", None) is not None:
        return "Functional"
    return type(layer).__name__


def _format_shape(shape):
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _format_outputs(outputs):
    from ..layers.symbolic import KerasTensor
    if isinstance(outputs, KerasTensor):
        return _format_shape(outputs.shape)
    if isinstance(outputs, dict):
        return "{" + ", ".join(f"{k}: {_format_outputs(v)}" for k, v in outputs.items()) + "}"
    if isinstance(outputs, (list, tuple)):
        return "[" + ", ".join(_format_outputs(o) for o in outputs) + "]"
    return "?"


def _output_shape(layer, model_nodes):
    nodes = list(layer._inbound_nodes)
    if model_nodes is not None:
        nodes = [n for n in nodes if id(n) in model_nodes] or nodes
    if nodes:
        return _format_outputs(nodes[-1].outputs)
    shape = getattr(layer, "_build_input_shape", None)
    if not layer.built or shape is None:
        return "?"
    try:
        out = layer.compute_output_shape(shape)
    except Exception:  # noqa: BLE001 -- the shape is only informative here
        return "?"
    if isinstance(out, tuple) and all(d is None or isinstance(d, int) for d in out):
        return _format_shape(out)
    if isinstance(out, (list, tuple)):
        return "[" + ", ".join(_format_shape(s) for s in out) + "]"
    return "?"


def _params(layer):
    if not layer.built:
        return "0 (unbuilt)"
    return f"{layer.count_params():,}"


def _connections(layer, model_nodes):
    parts = []
    for node in layer._inbound_nodes:
        if model_nodes is not None and id(node) not in model_nodes:
            continue
        for t in node.input_tensors:
            src = t._node
            if src is None:
                continue
            parts.append(f"{src.layer.name}[{src.layer._inbound_nodes.index(src)}][{t._output_index}]")
    return ", ".join(parts) or "-"


def _layer_range(layers, layer_range):
    import re
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2 or not all(isinstance(s, str) for s in layer_range):
        raise ValueError(f"layer_range must be two layer names (strings). Received: {layer_range}")
    lower = [i for i, l in enumerate(layers) if re.match(layer_range[0], l.name)]
    upper = [i for i, l in enumerate(layers) if re.match(layer_range[1], l.name)]
    if not lower or not upper:
        raise ValueError(f"layer_range {layer_range} matches no layer of the model "
                         f"({[l.name for l in layers]}).")
    return min(lower), max(upper) + 1


def _totals(model):
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    n_t, n_nt = count_params(trainable), count_params(non_trainable)
    s_t, s_nt = weight_memory_size(trainable), weight_memory_size(non_trainable)
    opt = getattr(model, "optimizer", None)
    opt_vars = opt.variables if getattr(model, "compiled", False) and opt is not None and \
        getattr(opt, "built", False) else None
    n_o = count_params(opt_vars) if opt_vars is not None else 0
    s_o = weight_memory_size(opt_vars) if opt_vars is not None else 0
    lines = [f" Total params: {n_t + n_nt + n_o:,} ({readable_memory_size(s_t + s_nt + s_o)})",
             f" Trainable params: {n_t:,} ({readable_memory_size(s_t)})",
             f" Non-trainable params: {n_nt:,} ({readable_memory_size(s_nt)})"]
    if opt_vars is not None:
        lines.append(f" Optimizer params: {n_o:,} ({readable_memory_size(s_o)})")
    return lines


# ------------------------------------------------------------------- drawing
def _column_widths(line_length, positions, n):
    if len(positions) != n:
        raise ValueError(f"positions needs {n} entries (one per column), got {positions}.")
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    inner = positions[-1] - (n + 1)  # room left after the n + 1 borders
    scale = inner / positions[-1]
    widths, current = [], 0
    for p in positions:
        end = int(round(p * scale))
        widths.append(end - current)
        current = end
    if min(widths) < 4:
        raise ValueError(f"line_length={line_length} is too narrow to print the summary.")
    return widths


def _fit_headers(widths, header):
    """Widen columns too narrow for their title, taking the room from the widest one."""
    widths = list(widths)
    for i, title in enumerate(header):
        need = len(title) + 2 - widths[i]
        if need > 0:
            widest = max(range(len(widths)), key=lambda k: widths[k])
            if widest != i and widths[widest] - need >= len(header[widest]) + 2:
                widths[widest] -= need
                widths[i] += need
    return widths


def _wrap(text, width):
    lines = []
    for part in str(text).split("\n"):
        lines.extend(textwrap.wrap(part, width, break_long_words=True, break_on_hyphens=False)
                     or [""])
    return lines


def _cell(text, width, align):
    if align == "right":
        return text.rjust(width)
    if align == "center":
        return text.center(width)
    return text.ljust(width)


def _row_lines(cells, widths, align, bar):
    wrapped = [_wrap(c, w - 2) for c, w in zip(cells, widths)]
    height = max(len(w) for w in wrapped)
    out = []
    for k in range(height):
        parts = [" " + _cell(w[k] if k < len(w) else "", width - 2, a) + " "
                 for w, width, a in zip(wrapped, widths, align)]
        out.append(bar + bar.join(parts) + bar)
    return out


def _rule(widths, left, mid, right, fill):
    return left + mid.join(fill * w for w in widths) + right


def _table(header, rows, widths, align):
    lines = [_rule(widths, "\u250f", "\u2533", "\u2513", "\u2501")]
    lines += _row_lines(header, widths, ["right" if a == "right" else "left" for a in align],
                        "\u2503")
    lines.append(_rule(widths, "\u2521", "\u2547", "\u2529", "\u2501"))
    for i, row in enumerate(rows):
        if i:
            lines.append(_rule(widths, "\u251c", "\u253c", "\u2524", "\u2500"))
        lines += _row_lines(row, widths, align, "\u2502")
    lines.append(_rule(widths, "\u2514", "\u2534", "\u2518", "\u2500"))
    return lines
