"""log_model into keel's embedded store (MLflow 3's logged-model flow) and loading back by URI."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import mlflow
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
from model_classes import Scale
from sklearn.linear_model import LogisticRegression

import keel
from keel.entities import LoggedModelStatus
from keel.errors import InvalidParameter, NotFound
from keel.models import Model
from keel.models.uris import local_model_dir


def test_log_model_creates_a_ready_logged_model_as_the_runs_output(
    classifier: LogisticRegression, features: pd.DataFrame
) -> None:
    with keel.start_run() as run:
        keel.log_param("C", 1.0)
        info = keel.sklearn.log_model(
            classifier, name="model", input_example=features.head(3), tags={"team": "ml"}
        )

    client = keel.Client()
    logged = client.store.get_logged_model(info.model_id)
    experiment = client.get_experiment(run.info.experiment_id)
    assert logged.info.status == LoggedModelStatus.READY
    assert (logged.info.name, logged.info.source_run_id) == ("model", run.info.run_id)
    assert logged.data.params == {"C": "1.0"}
    assert logged.info.tags["team"] == "ml"
    assert logged.info.tags["mlflow.user"]
    assert logged.info.artifact_uri == f"{experiment.artifact_location}/models/{info.model_id}/artifacts"
    assert [o.model_id for o in client.get_run(run.info.run_id).outputs.model_outputs] == [info.model_id]
    assert info.model_uri == f"models:/{info.model_id}"


def test_the_logged_mlmodel_records_the_run_and_the_logged_model(classifier: LogisticRegression) -> None:
    with keel.start_run() as run:
        info = keel.sklearn.log_model(classifier, name="model")

    meta = keel.pyfunc.load_model(info.model_uri).metadata

    assert (meta.run_id, meta.model_id, meta.model_uuid) == (run.info.run_id, info.model_id, info.model_id)
    assert meta.artifact_path == info.artifact_path


@pytest.mark.parametrize("uri", ["runs", "models", "artifact location"])
def test_a_logged_sklearn_model_loads_by_each_uri_and_predicts_identically(
    classifier: LogisticRegression, features: pd.DataFrame, uri: str
) -> None:
    with keel.start_run() as run:
        info = keel.sklearn.log_model(classifier, name="clf")
    model_uri = {
        "runs": f"runs:/{run.info.run_id}/clf",
        "models": info.model_uri,
        "artifact location": info.artifact_path,
    }[uri]

    np.testing.assert_array_equal(
        keel.pyfunc.load_model(model_uri).predict(features), classifier.predict(features)
    )
    np.testing.assert_array_equal(keel.sklearn.load_model(model_uri).coef_, classifier.coef_)


def test_runs_uri_picks_the_model_of_that_name_from_that_run(classifier: LogisticRegression) -> None:
    with keel.start_run() as first:
        keel.sklearn.log_model(classifier, name="model")
    with keel.start_run() as second:
        keel.sklearn.log_model(classifier, name="model")
        other = keel.sklearn.log_model(classifier, name="other")

    assert keel.pyfunc.load_model(f"runs:/{second.info.run_id}/other").model_id == other.model_id
    assert keel.pyfunc.load_model(f"runs:/{first.info.run_id}/model").metadata.run_id == first.info.run_id


def test_a_logged_custom_model_loads_in_keel_and_in_mlflow(tmp_path: Path) -> None:
    factor = tmp_path / "factor.txt"
    factor.write_text("2")
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    with keel.start_run() as run:
        info = keel.pyfunc.log_model(
            Scale(), name="scale", artifacts={"factor": str(factor)}, input_example=frame
        )

    ours = keel.pyfunc.load_model(f"runs:/{run.info.run_id}/scale")
    theirs = mlflow.pyfunc.load_model(info.artifact_path)

    pd.testing.assert_frame_equal(ours.predict(frame), theirs.predict(frame))
    assert ours.predict(frame)["scaled"].tolist() == [2.0, 4.0]


def test_an_mlflow_2_model_in_the_runs_artifacts_loads_by_runs_uri(
    tmp_path: Path, classifier: LogisticRegression, features: pd.DataFrame
) -> None:
    keel.sklearn.save_model(classifier, tmp_path / "saved")
    with keel.start_run() as run:
        keel.log_artifacts(tmp_path / "saved", "legacy_model")

    model = keel.pyfunc.load_model(f"runs:/{run.info.run_id}/legacy_model")

    np.testing.assert_array_equal(model.predict(features), classifier.predict(features))


def test_log_model_without_an_active_run_starts_one(classifier: LogisticRegression) -> None:
    info = keel.sklearn.log_model(classifier, name="model")

    assert keel.active_run() is not None
    assert info.run_id == keel.active_run().info.run_id


class Unpicklable(keel.pyfunc.PythonModel):
    def __init__(self) -> None:
        self.lock = threading.Lock()

    def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        return model_input


def test_a_failed_save_marks_the_logged_model_upload_failed() -> None:
    with keel.start_run() as run, pytest.raises(InvalidParameter, match="cloudpickle"):
        keel.pyfunc.log_model(Unpicklable(), name="broken")

    (model,) = keel.Client().store.search_logged_models([run.info.experiment_id])
    assert (model.info.name, model.info.status) == ("broken", LoggedModelStatus.UPLOAD_FAILED)


@pytest.mark.parametrize(
    ("uri", "error"),
    [("runs:/{run_id}/missing", NotFound), ("models:/m-0123456789abcdef0123456789abcdef", NotFound)],
    ids=["no such model in the run", "no such logged model"],
)
def test_uris_naming_nothing_are_not_found(
    classifier: LogisticRegression, uri: str, error: type[Exception]
) -> None:
    with keel.start_run() as run:
        keel.sklearn.log_model(classifier, name="model")

    with pytest.raises(error):
        keel.pyfunc.load_model(uri.format(run_id=run.info.run_id))


@pytest.mark.usefixtures("mlflow_tracking")
def test_a_model_logged_by_mlflow_loads_in_keel_and_predicts_identically(
    classifier: LogisticRegression, features: pd.DataFrame
) -> None:
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            classifier, name="model", input_example=features.head(3), pip_requirements=["scikit-learn"]
        )
    location = mlflow.MlflowClient().get_logged_model(info.model_id).artifact_location

    model = keel.pyfunc.load_model(location)

    np.testing.assert_array_equal(model.predict(features), classifier.predict(features))
    assert model.metadata.model_id == info.model_id
    assert Model.load(local_model_dir(location)).run_id == info.run_id
