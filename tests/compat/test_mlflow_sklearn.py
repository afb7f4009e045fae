"""mlflow.sklearn.log_model to keel, mlflow.pyfunc.load_model back: the 3.x logged-model flow end to end."""

from __future__ import annotations

import warnings

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression

with warnings.catch_warnings():
    # Importing mlflow.pyfunc makes mlflow 3.17 warn about type hints in its own GenAI schemas.
    warnings.filterwarnings("ignore", ".*Any type hint is inferred as AnyType", UserWarning)
    import mlflow.pyfunc
    import mlflow.sklearn

pytestmark = pytest.mark.usefixtures("tracking_uri")


@pytest.fixture(scope="module")
def fitted() -> tuple[LogisticRegression, pd.DataFrame]:
    rng = np.random.default_rng(7)
    features = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    labels = (features["a"] + 0.5 * features["b"] - features["c"] > 0).astype(int)
    return LogisticRegression().fit(features, labels), features


def test_logged_sklearn_model_loads_as_pyfunc_and_predicts_identically(
    fitted: tuple[LogisticRegression, pd.DataFrame], experiment_name: str
) -> None:
    model, features = fitted
    mlflow.set_experiment(experiment_name)
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(model, name="model", input_example=features.head(3))

    loaded = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")

    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
    assert loaded.metadata.run_id == run.info.run_id
    assert info.model_id == loaded.metadata.model_id
    logged = MlflowClient().get_logged_model(info.model_id)
    assert logged.status == "READY"
    assert logged.source_run_id == run.info.run_id
    assert logged.name == "model"


def test_logged_sklearn_model_loads_natively_with_the_same_coefficients(
    fitted: tuple[LogisticRegression, pd.DataFrame], experiment_name: str
) -> None:
    model, features = fitted
    mlflow.set_experiment(experiment_name)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="model")

    native = mlflow.sklearn.load_model(info.model_uri)

    np.testing.assert_array_equal(native.coef_, model.coef_)
    np.testing.assert_array_equal(native.predict_proba(features), model.predict_proba(features))
