"""Training curves: ``plot_history`` draws a ``History`` to an image file.

matplotlib is optional (``pip install matplotlib``) and used through its Agg
canvas directly, so plotting never changes the user's global matplotlib backend
and needs no display.
"""
from __future__ import annotations

import os


def plot_history(history, path, metrics=None):
    """Plot training and validation curves, one panel per metric, to an image file.

    Args:
        history: a ``History`` (what ``fit`` returns) or its ``history`` dict
            ``{name: [value per epoch]}``.
        path: the image file to write (the format follows the extension,
            e.g. ``.png``); its folder is created if needed.
        metrics: the names to plot (without ``val_``); default: every logged
            name that is not a ``val_`` one, in log order.

    Returns:
        ``path``.

    Example:
        >>> history = model.fit(x, y, validation_split=0.2, epochs=10)
        >>> plot_history(history, "out/curves.png", metrics=["loss", "accuracy"])
        'out/curves.png'
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise ImportError("plot_history needs matplotlib: `pip install matplotlib` "
                          "(or `pip install kerasette[plot]`).") from None
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(f"plot_history expects a History or a non-empty dict of per-epoch "
                         f"values; got {type(history).__name__}.")
    epochs = getattr(history, "epoch", None)
    if metrics is None:
        metrics = [k for k in logs if not k.startswith("val_")]
        metrics += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in logs]
    elif isinstance(metrics, str):
        metrics = [metrics]
    missing = [m for m in metrics if m not in logs and f"val_{m}" not in logs]
    if missing:
        raise ValueError(f"plot_history: no values logged for {missing}; logged: {sorted(logs)}.")
    fig = Figure(figsize=(5 * len(metrics), 3.6))
    FigureCanvasAgg(fig)
    for i, name in enumerate(metrics):
        ax = fig.add_subplot(1, len(metrics), i + 1)
        for key, label, style in ((name, "training", "o-"), (f"val_{name}", "validation", "s-")):
            values = logs.get(key)
            if values:
                xs = [e + 1 for e in epochs] if epochs and len(epochs) == len(values) \
                    else range(1, len(values) + 1)
                ax.plot(list(xs), [float(v) for v in values], style, markersize=3, label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.tight_layout()
    folder = os.path.dirname(os.fspath(path))
    if folder:
        os.makedirs(folder, exist_ok=True)
    fig.savefig(path)
    return path
