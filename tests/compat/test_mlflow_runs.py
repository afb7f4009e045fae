"""A training session through mlflow's own client against keel: experiments, nested runs, params,
metrics with steps, tags, metric history, soft delete and the errors the client relies on."""

from __future__ import annotations

import math

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, ViewType
from mlflow.exceptions import MlflowException

pytestmark = pytest.mark.usefixtures("tracking_uri")

T0 = 1_700_000_000_000


def test_set_experiment_creates_it_once_and_reuses_it(experiment_name: str) -> None:
    created = mlflow.set_experiment(experiment_name)
    again = mlflow.set_experiment(experiment_name)

    assert again.experiment_id == created.experiment_id
    assert created.name == experiment_name
    assert created.lifecycle_stage == "active"
    assert created.artifact_location == f"mlflow-artifacts:/{created.experiment_id}"
    fetched = MlflowClient().get_experiment_by_name(experiment_name)
    assert fetched is not None
    assert fetched.experiment_id == created.experiment_id
    assert MlflowClient().get_experiment_by_name(f"{experiment_name}-missing") is None


def test_nested_runs_are_linked_by_the_parent_run_id_tag(experiment_name: str) -> None:
    experiment = mlflow.set_experiment(experiment_name)
    with mlflow.start_run(run_name="sweep") as parent:
        child_ids = []
        for lr in ("0.1", "0.01"):
            with mlflow.start_run(run_name=f"lr-{lr}", nested=True) as child:
                mlflow.log_param("lr", lr)
                child_ids.append(child.info.run_id)
        assert mlflow.active_run().info.run_id == parent.info.run_id

    children = mlflow.search_runs(
        [experiment.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
        output_format="list",
    )
    assert sorted(run.info.run_id for run in children) == sorted(child_ids)
    for run in children:
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert run.info.status == "FINISHED"
    parent_run = MlflowClient().get_run(parent.info.run_id)
    assert "mlflow.parentRunId" not in parent_run.data.tags
    assert parent_run.info.run_name == "sweep"
    assert parent_run.data.tags["mlflow.runName"] == "sweep"


def test_params_metrics_and_tags_read_back_as_logged(experiment_name: str) -> None:
    mlflow.set_experiment(experiment_name)
    with mlflow.start_run() as run:
        mlflow.log_param("optimizer", "adam")
        mlflow.log_params({"lr": 0.001, "layers": 3, "dropout": None})
        mlflow.log_metric("loss", 0.9, step=0)
        mlflow.log_metrics({"loss": 0.4, "accuracy": 0.75}, step=1)
        mlflow.set_tag("stage", "dev")
        mlflow.set_tags({"stage": "prod", "owner": "ana"})
        mlflow.log_metric("weird", math.nan)

    stored = MlflowClient().get_run(run.info.run_id)
    assert stored.data.params == {"optimizer": "adam", "lr": "0.001", "layers": "3", "dropout": "None"}
    assert stored.data.metrics["loss"] == 0.4  # the latest step, not the last call
    assert stored.data.metrics["accuracy"] == 0.75
    assert math.isnan(stored.data.metrics["weird"])
    assert stored.data.tags["stage"] == "prod"  # tags are mutable
    assert stored.data.tags["owner"] == "ana"
    assert stored.info.status == "FINISHED"
    assert stored.info.end_time >= stored.info.start_time


def test_metric_history_keeps_every_value_step_and_timestamp(experiment_name: str) -> None:
    mlflow.set_experiment(experiment_name)
    logged = [(step, 1.0 / (step + 1), T0 + 10 * step) for step in range(5)]
    with mlflow.start_run() as run:
        for step, value, timestamp in logged:
            mlflow.log_metric("loss", value, step=step, timestamp=timestamp)
        mlflow.log_metric("loss", 7.5, step=2, timestamp=T0 + 99)  # a second value at one step

    history = MlflowClient().get_metric_history(run.info.run_id, "loss")

    points = sorted((m.step, m.timestamp, m.value) for m in history)
    expected = sorted([(step, ts, value) for step, value, ts in logged] + [(2, T0 + 99, 7.5)])
    assert points == expected
    assert {m.key for m in history} == {"loss"}
    assert MlflowClient().get_metric_history(run.info.run_id, "never-logged") == []


def test_log_batch_bigger_than_one_request_is_split_and_kept_whole(experiment_name: str) -> None:
    experiment = mlflow.set_experiment(experiment_name)
    client = MlflowClient()
    run = client.create_run(experiment.experiment_id)
    metrics = [Metric("curve", float(i), T0 + i, i) for i in range(2500)]

    client.log_batch(run.info.run_id, metrics=metrics)  # the client sends 1000 per request

    history = client.get_metric_history(run.info.run_id, "curve")
    assert sorted((m.step, m.value, m.timestamp) for m in history) == [
        (i, float(i), T0 + i) for i in range(2500)
    ]
    assert client.get_run(run.info.run_id).data.metrics == {"curve": 2499.0}


def test_deleted_runs_leave_active_searches_and_come_back_on_restore(experiment_name: str) -> None:
    experiment = mlflow.set_experiment(experiment_name)
    client = MlflowClient()
    with mlflow.start_run() as kept:
        pass
    with mlflow.start_run() as dropped:
        pass

    def search(view: int) -> set[str]:
        runs = client.search_runs([experiment.experiment_id], run_view_type=view)
        return {run.info.run_id for run in runs}

    client.delete_run(dropped.info.run_id)

    assert client.get_run(dropped.info.run_id).info.lifecycle_stage == "deleted"
    assert search(ViewType.ACTIVE_ONLY) == {kept.info.run_id}
    assert search(ViewType.DELETED_ONLY) == {dropped.info.run_id}
    assert search(ViewType.ALL) == {kept.info.run_id, dropped.info.run_id}
    with pytest.raises(MlflowException) as excinfo:
        client.log_param(dropped.info.run_id, "late", "1")
    assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"

    client.restore_run(dropped.info.run_id)

    assert client.get_run(dropped.info.run_id).info.lifecycle_stage == "active"
    assert search(ViewType.ACTIVE_ONLY) == {kept.info.run_id, dropped.info.run_id}
    assert search(ViewType.DELETED_ONLY) == set()


def test_unknown_run_is_resource_does_not_exist() -> None:
    with pytest.raises(MlflowException) as excinfo:
        MlflowClient().get_run("nope")

    assert excinfo.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert excinfo.value.get_http_status_code() == 404


def test_duplicate_experiment_is_resource_already_exists(experiment_name: str) -> None:
    MlflowClient().create_experiment(experiment_name)

    with pytest.raises(MlflowException) as excinfo:
        MlflowClient().create_experiment(experiment_name)

    assert excinfo.value.error_code == "RESOURCE_ALREADY_EXISTS"
    assert excinfo.value.get_http_status_code() == 400


def test_changing_a_param_is_invalid_but_relogging_the_same_value_is_fine(experiment_name: str) -> None:
    mlflow.set_experiment(experiment_name)
    with mlflow.start_run() as run:
        mlflow.log_param("lr", "0.1")
        mlflow.log_param("lr", "0.1")

        with pytest.raises(MlflowException) as excinfo:
            mlflow.log_param("lr", "0.2")

    assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "Changing param values is not allowed" in excinfo.value.message
    assert MlflowClient().get_run(run.info.run_id).data.params == {"lr": "0.1"}
