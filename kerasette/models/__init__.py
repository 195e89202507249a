"""Models: ``Model`` (functional or subclassed) and ``Sequential``."""
from .cloning import clone_model, model_from_json  # noqa: F401
from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential", "load_model", "save_model", "clone_model", "model_from_json"]


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a ``.keras`` model file (see ``kerasette.saving.load_model``)."""
    from ..saving import load_model as _load_model
    return _load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, **kwargs):
    """Save ``model`` to a ``.keras`` file (see ``kerasette.saving.save_model``)."""
    from ..saving import save_model as _save_model
    return _save_model(model, filepath, overwrite=overwrite, **kwargs)
