"""Models through a live keel server (REST tracking, ``mlflow-artifacts:`` proxy) and on S3.

Both directions against one server: keel logs and MLflow loads, MLflow logs and keel loads.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import mlflow
import mlflow.pyfunc
import mlflow.sklearn
import mlflow.tracking.fluent
import numpy as np
import pandas as pd
import pytest
from model_classes import MlflowDouble, Scale
from sklearn.linear_model import LogisticRegression

import keel
from keel.entities import LoggedModelStatus
from keel.server.settings import ServerSettings
from keel.tracking import fluent
from liveserver import LiveServer
from s3server import S3Server

MLFLOW_ENV_VARS = ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID", "MLFLOW_RUN_ID")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(ServerSettings.embedded(tmp_path_factory.mktemp("keel-server"))) as live:
        yield live


@pytest.fixture
def server_url(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """keel and mlflow both track to the live server, each in an experiment of its own."""
    monkeypatch.setattr(mlflow.tracking.fluent, "_active_experiment_id", None)
    # keel's fluent API caches its Client by tracking URI, and that Client keeps the store that
    # the previous test's teardown closed (stores.close_all); the same server URL would reuse it.
    monkeypatch.setattr(fluent, "_client", None)
    keel.set_tracking_uri(server.url)
    keel.set_experiment(f"keel-{uuid.uuid4().hex[:8]}")
    mlflow.set_tracking_uri(server.url)
    mlflow.set_experiment(f"mlflow-{uuid.uuid4().hex[:8]}")
    try:
        yield server.url
    finally:
        while mlflow.active_run() is not None:
            mlflow.end_run()
        mlflow.set_tracking_uri(None)
        for name in MLFLOW_ENV_VARS:
            os.environ.pop(name, None)


@pytest.mark.usefixtures("server_url")
def test_keel_logs_to_a_server_and_mlflow_loads_by_runs_and_models_uris(
    classifier: LogisticRegression, features: pd.DataFrame
) -> None:
    with keel.start_run() as run:
        info = keel.sklearn.log_model(classifier, name="model", input_example=features.head(3))

    by_run = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    by_id = mlflow.sklearn.load_model(info.model_uri)

    np.testing.assert_array_equal(by_run.predict(features), classifier.predict(features))
    np.testing.assert_array_equal(by_id.coef_, classifier.coef_)
    assert info.artifact_path.startswith("mlflow-artifacts:/")
    assert mlflow.MlflowClient().get_logged_model(info.model_id).status == "READY"


@pytest.mark.usefixtures("server_url")
def test_mlflow_logs_to_a_server_and_keel_loads_by_runs_and_models_uris(
    classifier: LogisticRegression, features: pd.DataFrame
) -> None:
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(classifier, name="model", pip_requirements=["scikit-learn"])

    by_run = keel.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    by_id = keel.sklearn.load_model(info.model_uri)
    by_artifact_uri = keel.pyfunc.load_model(
        keel.Client().store.get_logged_model(info.model_id).info.artifact_uri
    )

    np.testing.assert_array_equal(by_run.predict(features), classifier.predict(features))
    np.testing.assert_array_equal(by_id.coef_, classifier.coef_)
    np.testing.assert_array_equal(by_artifact_uri.predict(features), classifier.predict(features))


@pytest.mark.usefixtures("server_url")
def test_custom_models_cross_over_through_the_server(tmp_path: Path) -> None:
    factor = tmp_path / "factor.txt"
    factor.write_text("4")
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    with keel.start_run() as keel_run:
        keel.pyfunc.log_model(Scale(), name="scale", artifacts={"factor": str(factor)})
    with mlflow.start_run() as mlflow_run:
        mlflow.pyfunc.log_model(name="double", python_model=MlflowDouble(), pip_requirements=[])

    scaled = mlflow.pyfunc.load_model(f"runs:/{keel_run.info.run_id}/scale").predict(frame)
    doubled = keel.pyfunc.load_model(f"runs:/{mlflow_run.info.run_id}/double").predict(frame)

    assert scaled["scaled"].tolist() == [4.0, 8.0]
    assert doubled["a"].tolist() == [2.0, 4.0]


@pytest.mark.usefixtures("server_url")
def test_the_logged_model_is_ready_with_its_files_behind_the_proxy(classifier: LogisticRegression) -> None:
    with keel.start_run() as run:
        info = keel.sklearn.log_model(classifier, name="model")

    logged = keel.Client().store.get_logged_model(info.model_id)
    files = sorted(f.path for f in mlflow.MlflowClient().list_logged_model_artifacts(info.model_id))

    assert logged.info.status == LoggedModelStatus.READY
    assert logged.info.source_run_id == run.info.run_id
    assert files == ["MLmodel", "conda.yaml", "model.pkl", "python_env.yaml", "requirements.txt"]


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> S3Server:
    server = S3Server.shared()
    server.configure(monkeypatch)
    return server


def test_a_model_on_s3_loads_by_its_s3_uri(
    s3: S3Server, tmp_path: Path, classifier: LogisticRegression, features: pd.DataFrame
) -> None:
    keel.sklearn.save_model(classifier, tmp_path / "m", input_example=features.head(2))
    bucket = s3.create_bucket()
    for file in (tmp_path / "m").iterdir():
        s3.client.put_object(Bucket=bucket, Key=f"models/clf/{file.name}", Body=file.read_bytes())

    (tmp_path / "download").mkdir()
    model = keel.pyfunc.load_model(f"s3://{bucket}/models/clf", dst_path=tmp_path / "download")

    np.testing.assert_array_equal(model.predict(features), classifier.predict(features))
    assert (tmp_path / "download" / "MLmodel").exists()
