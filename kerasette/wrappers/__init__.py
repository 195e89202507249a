"""scikit-learn wrappers, as ``keras.wrappers``: a kerasette model as a scikit-learn
estimator (``Pipeline``, ``GridSearchCV``, ``cross_val_score``). Needs scikit-learn
(``pip install kerasette[sklearn]``), imported when a wrapper is first used."""
from .sklearn_wrapper import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: F401

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]
