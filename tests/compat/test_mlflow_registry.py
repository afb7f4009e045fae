"""The real mlflow client's registry calls against a live keel server: register, aliases, stages,
search, load by models:/ URIs — and keel loading what mlflow registered."""

from __future__ import annotations

import uuid
import warnings

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn.linear_model import LogisticRegression

import keel
from isolation import isolated_tracking

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", ".*Any type hint is inferred as AnyType", UserWarning)
    import mlflow.pyfunc
    import mlflow.sklearn

pytestmark = [
    pytest.mark.usefixtures("tracking_uri"),
    # Stages are deprecated in MLflow: its client warns on every stage call.
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::keel.models.trust.UntrustedModelWarning"),
]


@pytest.fixture(scope="module")
def fitted() -> tuple[LogisticRegression, pd.DataFrame]:
    rng = np.random.default_rng(3)
    features = pd.DataFrame(rng.normal(size=(30, 2)), columns=["a", "b"])
    labels = (features["a"] > features["b"]).astype(int)
    return LogisticRegression().fit(features, labels), features


@pytest.fixture
def model_name() -> str:
    return f"compat-model-{uuid.uuid4().hex[:10]}"


def _log(model: LogisticRegression, experiment_name: str) -> str:
    mlflow.set_experiment(experiment_name)
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(model, name="model")
    return run.info.run_id


def test_register_alias_stage_search_and_load(fitted, experiment_name, model_name):
    model, features = fitted
    run_id = _log(model, experiment_name)
    client = MlflowClient()

    first = mlflow.register_model(f"runs:/{run_id}/model", model_name)
    second = mlflow.register_model(f"runs:/{run_id}/model", model_name)
    assert (first.version, second.version) == ("1", "2")
    assert first.run_id == run_id
    assert first.status == "READY"

    client.set_registered_model_alias(model_name, "champion", "1")
    assert client.get_model_version_by_alias(model_name, "champion").version == "1"
    assert client.get_registered_model(model_name).aliases == {"champion": "1"}
    client.transition_model_version_stage(model_name, "2", "Production")
    assert [v.version for v in client.get_latest_versions(model_name, stages=["Production"])] == ["2"]
    client.set_model_version_tag(model_name, "2", "validated", "yes")
    client.set_registered_model_tag(model_name, "team", "growth")

    found = client.search_model_versions(f"name = '{model_name}' AND tags.validated = 'yes'")
    assert [v.version for v in found] == ["2"]
    assert [m.name for m in client.search_registered_models(f"name LIKE '{model_name[:18]}%'")] == [
        model_name
    ]
    assert [m.name for m in client.search_registered_models("tags.team = 'growth'")] == [model_name]

    expected = model.predict(features)
    for uri in (
        f"models:/{model_name}@champion",
        f"models:/{model_name}/Production",
        f"models:/{model_name}/1",
    ):
        np.testing.assert_array_equal(mlflow.pyfunc.load_model(uri).predict(features), expected)


def test_keel_loads_what_mlflow_registered(
    fitted, experiment_name, model_name, tracking_uri, tmp_path, monkeypatch
):
    model, features = fitted
    run_id = _log(model, experiment_name)
    mlflow.register_model(f"runs:/{run_id}/model", model_name)
    MlflowClient().set_registered_model_alias(model_name, "prod", "1")
    with isolated_tracking(tmp_path, monkeypatch):
        keel.set_tracking_uri(tracking_uri)
        loaded = keel.pyfunc.load_model(f"models:/{model_name}@prod")
        np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
        assert keel.Client().get_registered_model(model_name).aliases[0].alias == "prod"


def test_mlflow_client_sees_mlflow_error_codes(fitted, experiment_name, model_name):
    client = MlflowClient()
    client.create_registered_model(model_name)
    cases = [
        (lambda: client.create_registered_model(model_name), "RESOURCE_ALREADY_EXISTS"),
        (lambda: client.get_model_version(model_name, "7"), "RESOURCE_DOES_NOT_EXIST"),
        (lambda: client.get_registered_model("no-such-model"), "RESOURCE_DOES_NOT_EXIST"),
        (lambda: client.set_registered_model_alias(model_name, "latest", "1"), "INVALID_PARAMETER_VALUE"),
        (lambda: client.create_model_version(model_name, "/etc/passwd"), "INVALID_PARAMETER_VALUE"),
    ]
    for call, code in cases:
        with pytest.raises(MlflowException) as caught:
            call()
        assert caught.value.error_code == code
    assert client.search_model_versions(f"name = '{model_name}'") == []
