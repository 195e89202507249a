"""``SKLearnClassifier``, ``SKLearnRegressor`` and ``SKLearnTransformer``.

Each wraps either a compiled model (cloned, with fresh weights, for every ``fit``
unless ``warm_start``) or a function ``model(X=..., y=..., **model_kwargs)``
returning a compiled model built for the data. Parameters are stored untouched
in ``__init__`` so scikit-learn's ``clone``/``get_params``/``set_params`` work;
fitted state lives in attributes ending in ``_`` (``model_``, ``history_``,
``n_features_in_``, ``classes_``).
"""
from __future__ import annotations

import numpy as np


def _sklearn():
    try:
        import sklearn  # noqa: F401
        from sklearn import base, preprocessing, utils
        from sklearn.utils import multiclass, validation
    except ImportError as e:
        raise ImportError("The scikit-learn wrappers need scikit-learn: pip install kerasette[sklearn]") from e
    return base, preprocessing, validation, multiclass, utils


def _base_class():
    try:
        from sklearn.base import BaseEstimator
    except ImportError:  # the module imports without scikit-learn; using a wrapper says what to install
        return object
    return BaseEstimator


class _SKLBase(_base_class()):
    """The common fit/predict logic; subclasses choose how targets are encoded and decoded."""

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        _sklearn()
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    # -- the model
    def _new_model(self, X, y):
        from ..models import Model, clone_model
        from ..saving.compile_config import compile_from_config, get_compile_config
        if isinstance(self.model, Model):
            if not getattr(self.model, "compiled", False):
                raise ValueError(f"{type(self).__name__}: the model {self.model.name!r} must be compiled "
                                 "before it is wrapped.")
            clone = clone_model(self.model)
            compile_from_config(clone, get_compile_config(self.model))
            return clone
        if not callable(self.model):
            raise TypeError(f"{type(self).__name__}: `model` must be a compiled Model or a callable "
                            f"returning one, got {type(self.model).__name__}.")
        model = self.model(X=X, y=y, **(self.model_kwargs or {}))
        if not isinstance(model, Model) or not getattr(model, "compiled", False):
            raise ValueError(f"{type(self).__name__}: `model(X=..., y=...)` must return a compiled Model, "
                             f"got {type(model).__name__}.")
        return model

    # -- scikit-learn's protocol
    def fit(self, X, y, **kwargs):
        """Build (or reuse, with ``warm_start``) the model and train it; returns ``self``."""
        _, _, validation, _, _ = _sklearn()
        X, y = validation.check_X_y(X, y, multi_output=True, y_numeric=not isinstance(self, SKLearnClassifier),
                                    dtype=None if isinstance(self, SKLearnClassifier) else "numeric")
        X = np.asarray(X, dtype="float32")
        self.n_features_in_ = X.shape[1]
        target = self._encode_fit(y)
        if not (self.warm_start and hasattr(self, "model_")):
            self.model_ = self._new_model(X, target)
        options = {"verbose": 0, **(self.fit_kwargs or {}), **kwargs}
        self.history_ = self.model_.fit(X, target, **options).history
        return self

    def _check_fitted_input(self, X):
        _, _, validation, _, _ = _sklearn()
        validation.check_is_fitted(self, "model_")
        X = np.asarray(validation.check_array(X), dtype="float32")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input.")
        return X

    def predict(self, X):
        """The model's predictions for ``X``, decoded back to the targets' form."""
        X = self._check_fitted_input(X)
        return self._decode(self.model_.predict(X, verbose=0))

    def _encode_fit(self, y):
        y = np.asarray(y, dtype="float32")
        self._y_1d = y.ndim == 1
        return y.reshape(-1, 1) if self._y_1d else y

    def _decode(self, pred):
        return pred.ravel() if self._y_1d and pred.ndim == 2 and pred.shape[1] == 1 else pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags


def _mixin(name):
    try:
        import sklearn.base as b
    except ImportError:
        return object
    return getattr(b, name)


class SKLearnClassifier(_mixin("ClassifierMixin"), _SKLBase):
    """A classifier: labels of any type are one-hot encoded for the model (use a
    softmax output and categorical crossentropy); ``predict`` returns labels.

    Args:
        model: a compiled ``Model``, or ``model(X, y, **model_kwargs)`` returning one.
        warm_start: keep training the fitted model on later ``fit`` calls.
        model_kwargs: keyword arguments for a callable ``model``.
        fit_kwargs: keyword arguments for ``model.fit`` (``fit``'s own take precedence).

    Example:
        >>> clf = SKLearnClassifier(build, model_kwargs={"hidden": 16}, fit_kwargs={"epochs": 20})
        >>> cross_val_score(clf, X, y, cv=3)
    """

    def _encode_fit(self, y):
        _, preprocessing, _, multiclass, _ = _sklearn()
        multiclass.check_classification_targets(y)
        y = np.asarray(y)
        self._y_1d = y.ndim == 1
        self._encoder = preprocessing.OneHotEncoder(sparse_output=False, dtype="float32")
        encoded = self._encoder.fit_transform(y.reshape(-1, 1) if self._y_1d else y)
        self.classes_ = self._encoder.categories_[0] if self._y_1d else self._encoder.categories_
        return encoded

    def _decode(self, pred):
        labels = self._encoder.inverse_transform(pred)
        return labels.ravel() if self._y_1d else labels

    def decision_function(self, X):
        """The model's raw outputs (class scores) for ``X``."""
        X = self._check_fitted_input(X)
        return self.model_.predict(X, verbose=0)

    def predict_proba(self, X):
        """Class probabilities (the model's outputs; use a softmax last layer)."""
        return self.decision_function(X)


class SKLearnRegressor(_mixin("RegressorMixin"), _SKLBase):
    """A regressor: ``predict`` returns the model's outputs (1-D when ``y`` was 1-D).

    Args: as ``SKLearnClassifier``.
    """


class SKLearnTransformer(_mixin("TransformerMixin"), _SKLBase):
    """A transformer: ``fit`` trains the model on ``(X, y)``; ``transform`` returns its outputs
    (e.g. an encoder's embedding of ``X``).

    Args: as ``SKLearnClassifier``.
    """

    def transform(self, X):
        """The model's outputs for ``X``."""
        X = self._check_fitted_input(X)
        return self.model_.predict(X, verbose=0)
