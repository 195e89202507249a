"""``kerasette.wrappers``: kerasette models inside scikit-learn (Pipeline, GridSearchCV,
cross_val_score) on every engine, and scikit-learn's own estimator checks."""
import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_iris, make_regression  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils import estimator_checks  # noqa: E402

from kerasette import layers, models, optimizers  # noqa: E402
from kerasette.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: E402


def mlp(X, y, hidden=8, loss="categorical_crossentropy", activation="softmax", lr=0.05):
    n_out = y.shape[1] if y.ndim > 1 else 1
    model = models.Sequential([layers.Input((X.shape[1],)), layers.Dense(hidden, activation="relu"),
                               layers.Dense(n_out, activation=activation)])
    model.compile(optimizers.Adam(lr), loss)
    return model


def regressor_model(X, y, hidden=8):
    return mlp(X, y, hidden, loss="mse", activation=None)


def test_classifier_in_a_pipeline_with_grid_search(engine):
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]  # string labels come back as strings
    clf = SKLearnClassifier(mlp, fit_kwargs={"epochs": 30, "batch_size": 16})
    pipe = make_pipeline(StandardScaler(), clf)
    search = GridSearchCV(pipe, {"sklearnclassifier__model_kwargs": [{"hidden": 4}, {"hidden": 16}]}, cv=2)
    search.fit(X, names)
    assert search.best_score_ > 0.8
    pred = search.predict(X[:5])
    assert pred.dtype.kind == "U" and set(pred) <= set(names)
    assert list(search.best_estimator_[-1].classes_) == ["setosa", "versicolor", "virginica"]


def test_regressor_cross_val_score_and_warm_start(engine):
    X, y = make_regression(n_samples=120, n_features=4, noise=0.1, random_state=0)
    y = (y - y.mean()) / y.std()
    reg = SKLearnRegressor(regressor_model, fit_kwargs={"epochs": 40, "batch_size": 16})
    assert np.mean(cross_val_score(reg, X, y, cv=3)) > 0.8
    warm = SKLearnRegressor(regressor_model, warm_start=True, fit_kwargs={"epochs": 1})
    warm.fit(X, y)
    first = warm.model_
    warm.fit(X, y)
    assert warm.model_ is first and warm.predict(X).shape == (120,)


def test_transformer_and_compiled_model_input(engine):
    X, y = make_regression(n_samples=60, n_features=3, n_targets=2, random_state=1)
    model = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile("adam", "mse")
    tr = SKLearnTransformer(model, fit_kwargs={"epochs": 2})
    out = tr.fit_transform(X, y)
    assert out.shape == (60, 2) and tr.model_ is not model  # the given model is cloned, not trained
    with pytest.raises(ValueError, match="X has 5 features"):
        tr.transform(np.zeros((2, 5)))


def test_bad_models_are_named():
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="must be compiled"):
        SKLearnClassifier(models.Sequential([layers.Input((2,)), layers.Dense(2)])).fit(X, y)
    with pytest.raises(TypeError, match="must be a compiled Model or a callable"):
        SKLearnClassifier("not a model").fit(X, y)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        SKLearnRegressor(regressor_model).predict(X)


CHECKS = ["check_no_attributes_set_in_init", "check_parameters_default_constructible",
          "check_get_params_invariance", "check_set_params", "check_dont_overwrite_parameters",
          "check_estimators_overwrite_params", "check_fit_check_is_fitted", "check_n_features_in",
          "check_estimators_dtypes", "check_fit_score_takes_y", "check_estimators_empty_data_messages",
          "check_fit2d_predict1d", "check_estimators_unfitted", "check_dict_unchanged"]


@pytest.mark.parametrize("make", [lambda: SKLearnClassifier(mlp, fit_kwargs={"epochs": 1}),
                                  lambda: SKLearnRegressor(regressor_model, fit_kwargs={"epochs": 1})],
                         ids=["classifier", "regressor"])
@pytest.mark.parametrize("check", CHECKS)
def test_scikit_learn_estimator_checks(make, check):
    getattr(estimator_checks, check)(type(make()).__name__, make())
