"""``plot_model``: draw a model's layer graph with Graphviz.

``model_to_dot`` builds the Graphviz ``dot`` text itself (no dependency);
``plot_model`` writes it, or renders it to PNG/SVG/PDF/... with ``pydot`` or,
without pydot, Graphviz's ``dot`` program. When neither is installed it raises
an ImportError that says what to install; a ``.dot`` target needs neither.
"""
from __future__ import annotations

import os
import shutil
import subprocess


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _shape_text(outputs):
    from .summary import _format_outputs
    return _format_outputs(outputs)


def _model_graph(model, expand_nested, prefix=""):
    """``(nodes, edges)``: nodes ``[(id, layer)]`` and edges ``[(src_id, dst_id)]``."""
    nodes, edges = [], []
    if getattr(model, "_graph", None) is None:
        previous = None  # a subclassed or unbuilt model: draw its layers as a chain
        for layer in model.layers:
            nid = f"{prefix}{id(layer)}"
            nodes.append((nid, layer))
            if previous is not None:
                edges.append((previous, nid))
            previous = nid
        return nodes, edges, (nodes[0][0] if nodes else None), (previous,)
    model_nodes = {id(t._node) for t in model._input_tensors} | {id(n) for n in model._graph_nodes}
    entry, exit_of = {}, {}
    for layer in model.layers:  # a Sequential's InputLayer is not among them, as in Keras
        sub = expand_nested and getattr(layer, "_graph", None) is not None
        if sub:
            sub_nodes, sub_edges, first, lasts = _model_graph(layer, True, prefix=f"{prefix}{id(layer)}_")
            nodes.extend(sub_nodes)
            edges.extend(sub_edges)
            entry[id(layer)], exit_of[id(layer)] = first, lasts
        else:
            nid = f"{prefix}{id(layer)}"
            nodes.append((nid, layer))
            entry[id(layer)], exit_of[id(layer)] = nid, (nid,)
    for layer in model.layers:
        for node in layer._inbound_nodes:
            if id(node) not in model_nodes:
                continue
            for t in node.input_tensors:
                src = t._node.layer if t._node is not None else None
                if src is None or id(src) not in exit_of or id(layer) not in entry:
                    continue
                for s in exit_of[id(src)]:
                    if (s, entry[id(layer)]) not in edges:
                        edges.append((s, entry[id(layer)]))
    first = nodes[0][0] if nodes else None
    lasts = tuple(exit_of[id(t._node.layer)][-1] for t in model._output_tensors
                  if id(t._node.layer) in exit_of)
    return nodes, edges, first, lasts


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable):
    from .summary import _class_name
    cls = _class_name(layer)
    lines = [f"{layer.name} ({cls})" if show_layer_names else cls]
    if show_layer_activations and hasattr(layer, "activation"):
        act = layer.activation
        lines.append(f"activation: {getattr(act, '__name__', act)}")
    if show_dtype:
        lines.append(f"dtype: {layer.dtype}")
    if show_shapes:
        if layer._inbound_nodes:
            node = layer._inbound_nodes[-1]
            ins = node.input_tensors
            in_text = _shape_text(ins[0] if len(ins) == 1 else ins) if ins else _shape_text(node.outputs)
            lines.append(f"input: {in_text}")
            lines.append(f"output: {_shape_text(node.outputs)}")
        else:
            lines.append("output: ?")
    if show_trainable and layer.weights:
        lines.append(f"trainable: {layer.trainable}")
    return "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in lines)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False,
                 **kwargs):
    """The Graphviz ``dot`` source (a string) of ``model``'s layer graph.

    Args:
        model: a built functional or Sequential model (a subclassed model is
            drawn as the chain of its layers).
        show_shapes: write each layer's input and output shapes.
        show_dtype: write each layer's dtype.
        show_layer_names: write layer names (else class names only).
        rankdir: ``'TB'`` (top to bottom) or ``'LR'`` (left to right).
        expand_nested: draw the layers of nested models instead of one box.
        dpi: image resolution.
        show_layer_activations: write the activation of layers that have one.
        show_trainable: write whether each layer with weights is trainable.

    Example:
        >>> print(model_to_dot(model, show_shapes=True))
    """
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"rankdir must be 'TB' or 'LR', got {rankdir!r}.")
    nodes, edges, _, _ = _model_graph(model, expand_nested)
    out = [f"digraph {_quote(model.name)} {{",
           f"  graph [rankdir={rankdir}, concentrate=true, dpi={int(dpi)}];",
           "  node [shape=box, fontname=\"Helvetica\"];"]
    for nid, layer in nodes:
        label = _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
                       show_trainable)
        out.append(f"  {_quote(nid)} [label=\"{label}\"];")
    for src, dst in edges:
        out.append(f"  {_quote(src)} -> {_quote(dst)};")
    out.append("}")
    return "\n".join(out) + "\n"


_INSTALL = ("plot_model needs Graphviz to draw images: install pydot (`pip install pydot`) and "
            "Graphviz (https://graphviz.org/download/, e.g. `apt install graphviz` or "
            "`brew install graphviz`), so that the `dot` program is on the PATH. To get the "
            "graph without Graphviz, use to_file='model.dot' or kerasette.utils.model_to_dot().")


def _render(dot_text, to_file, fmt):
    """Render with pydot when installed, else the ``dot`` program; ImportError when neither works."""
    try:
        import pydot
    except ImportError:
        pydot = None
    if pydot is not None:
        try:
            graphs = pydot.graph_from_dot_data(dot_text)
            graphs[0].write(to_file, format=fmt)
            return
        except (OSError, FileNotFoundError) as e:  # pydot is there, but Graphviz's programs are not
            raise ImportError(f"{_INSTALL} ({e})") from e
    dot = shutil.which("dot")
    if dot is None:
        raise ImportError(_INSTALL)
    result = subprocess.run([dot, f"-T{fmt}", "-o", to_file], input=dot_text.encode(),
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"Graphviz's dot failed to render {to_file}: "
                           f"{result.stderr.decode(errors='replace').strip()}")


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Draw ``model``'s layer graph to ``to_file`` (format from its extension).

    Args:
        model: the model to draw.
        to_file: ``.png`` (default), ``.svg``, ``.pdf``, ... rendered with
            Graphviz; ``.dot`` writes the Graphviz source and needs nothing.
        show_shapes, show_dtype, show_layer_names, rankdir, expand_nested, dpi,
        show_layer_activations, show_trainable: as ``model_to_dot``.

    Returns:
        The ``dot`` source that was drawn.

    Raises:
        ImportError: Graphviz (pydot or the ``dot`` program) is not installed;
            the message says what to install.

    Example:
        >>> plot_model(model, to_file="model.png", show_shapes=True)
    """
    dot_text = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                            show_layer_names=show_layer_names, rankdir=rankdir,
                            expand_nested=expand_nested, dpi=dpi,
                            show_layer_activations=show_layer_activations,
                            show_trainable=show_trainable)
    to_file = os.fspath(to_file)
    ext = os.path.splitext(to_file)[1].lstrip(".").lower() or "png"
    if ext in ("dot", "gv"):
        with open(to_file, "w") as f:
            f.write(dot_text)
        return dot_text
    _render(dot_text, to_file, ext)
    return dot_text
