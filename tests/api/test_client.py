"""``keel.Client``: experiments, runs and batches by id, and errors carrying MLflow's error codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import keel
from keel.entities import LifecycleStage, Metric, Param, RunStatus, RunTag, ViewType
from keel.errors import (
    AlreadyExists,
    ExperimentNotFound,
    InvalidParameter,
    KeelError,
    NotFound,
    RunNotFound,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

MISSING_RUN_ID = "f" * 32


def test_create_and_get_an_experiment() -> None:
    client = keel.Client()

    experiment_id = client.create_experiment("ranking", tags={"team": "search", "priority": 1})

    experiment = client.get_experiment(experiment_id)
    assert experiment.name == "ranking"
    assert experiment.lifecycle_stage == LifecycleStage.ACTIVE
    assert experiment.tags == {"team": "search", "priority": "1"}
    assert experiment.artifact_location.endswith(f"/{experiment_id}")
    assert client.get_experiment_by_name("ranking").experiment_id == experiment_id
    assert client.get_experiment_by_name("unknown") is None


def test_an_explicit_artifact_location_is_kept(tmp_path: Path) -> None:
    location = (tmp_path / "elsewhere").as_uri()
    client = keel.Client()

    experiment_id = client.create_experiment("custom", artifact_location=location)
    run = client.create_run(experiment_id)

    assert client.get_experiment(experiment_id).artifact_location == location
    assert run.info.artifact_uri == f"{location}/{run.info.run_id}/artifacts"


def test_a_duplicate_experiment_name_raises_already_exists() -> None:
    client = keel.Client()
    client.create_experiment("dup")

    with pytest.raises(AlreadyExists) as caught:
        client.create_experiment("dup")

    assert caught.value.error_code == "RESOURCE_ALREADY_EXISTS"
    assert caught.value.http_status == 400
    assert caught.value.to_dict()["error_code"] == "RESOURCE_ALREADY_EXISTS"
    assert "dup" in caught.value.to_dict()["message"]
    assert [e.name for e in client.search_experiments()].count("dup") == 1


def test_a_missing_experiment_raises_not_found() -> None:
    with pytest.raises(ExperimentNotFound) as caught:
        keel.Client().get_experiment("999")

    assert isinstance(caught.value, NotFound)
    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert caught.value.http_status == 404


def test_a_missing_run_raises_not_found_with_its_id() -> None:
    with pytest.raises(RunNotFound) as caught:
        keel.Client().get_run(MISSING_RUN_ID)

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert caught.value.run_id == MISSING_RUN_ID
    assert MISSING_RUN_ID in caught.value.message


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.log_param(MISSING_RUN_ID, "p", 1),
        lambda c: c.log_metric(MISSING_RUN_ID, "m", 1.0),
        lambda c: c.set_tag(MISSING_RUN_ID, "t", "v"),
        lambda c: c.set_terminated(MISSING_RUN_ID),
        lambda c: c.delete_run(MISSING_RUN_ID),
        lambda c: c.restore_run(MISSING_RUN_ID),
        lambda c: c.get_metric_history(MISSING_RUN_ID, "m"),
    ],
    ids=[
        "log_param",
        "log_metric",
        "set_tag",
        "set_terminated",
        "delete_run",
        "restore_run",
        "metric_history",
    ],
)
def test_every_call_on_a_missing_run_raises_not_found(call: Callable[[keel.Client], object]) -> None:
    with pytest.raises(NotFound) as caught:
        call(keel.Client())

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_a_malformed_run_id_is_an_invalid_parameter() -> None:
    with pytest.raises(InvalidParameter) as caught:
        keel.Client().get_run("not a run id!")

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


def test_create_run_log_batch_and_set_terminated() -> None:
    client = keel.Client()
    experiment_id = client.create_experiment("batch")

    run = client.create_run(
        experiment_id, start_time=1_000, tags={"mlflow.user": "ana", "source": "nb"}, run_name="explicit"
    )
    client.log_batch(
        run.info.run_id,
        metrics=[
            Metric("loss", 0.5, 1_100, 0),
            Metric("loss", 0.25, 1_200, 1),
            Metric("acc", 0.75, 1_200, 1),
        ],
        params=[Param("lr", "0.01"), Param("epochs", "3")],
        tags=[RunTag("stage", "dev")],
    )
    info = client.set_terminated(run.info.run_id, "FAILED", end_time=2_000)

    assert run.info.status == RunStatus.RUNNING
    assert (info.status, info.end_time) == (RunStatus.FAILED, 2_000)
    stored = client.get_run(run.info.run_id)
    assert stored.info.experiment_id == experiment_id
    assert stored.info.run_name == "explicit"
    assert stored.info.user_id == "ana"
    assert (stored.info.start_time, stored.info.end_time) == (1_000, 2_000)
    assert stored.info.status == RunStatus.FAILED
    assert stored.data.metrics == {"loss": 0.25, "acc": 0.75}
    assert stored.data.params == {"lr": "0.01", "epochs": "3"}
    assert stored.data.tags == {
        "mlflow.user": "ana",
        "source": "nb",
        "stage": "dev",
        "mlflow.runName": "explicit",
    }
    assert [m.value for m in client.get_metric_history(run.info.run_id, "loss")] == [0.5, 0.25]


def test_set_terminated_defaults_to_finished_now() -> None:
    client = keel.Client()
    run = client.create_run("0")

    client.set_terminated(run.info.run_id)

    stored = client.get_run(run.info.run_id)
    assert stored.info.status == RunStatus.FINISHED
    assert stored.info.end_time >= stored.info.start_time


def test_an_invalid_run_status_is_refused() -> None:
    client = keel.Client()
    run = client.create_run("0")

    with pytest.raises(InvalidParameter, match="Invalid run status"):
        client.set_terminated(run.info.run_id, "DONE")

    assert client.get_run(run.info.run_id).info.status == RunStatus.RUNNING


def test_log_batch_is_atomic_and_bounded() -> None:
    client = keel.Client()
    run_id = client.create_run("0").info.run_id

    with pytest.raises(InvalidParameter, match="at most 1000"):
        client.log_batch(run_id, metrics=[Metric("m", float(i), 1, i) for i in range(1_001)])
    with pytest.raises(InvalidParameter, match="at most 100"):
        client.log_batch(run_id, params=[Param(f"p{i}", "v") for i in range(101)])
    with pytest.raises(InvalidParameter):
        client.log_batch(run_id, metrics=[Metric("ok", 1.0, 1, 0)], params=[Param("bad//key", "v")])

    stored = client.get_run(run_id)
    assert stored.data.metrics == {}
    assert stored.data.params == {}


def test_delete_and_restore_a_run() -> None:
    client = keel.Client()
    run_id = client.create_run("0").info.run_id

    client.delete_run(run_id)

    assert client.get_run(run_id).info.lifecycle_stage == LifecycleStage.DELETED
    assert client.search_runs(["0"]) == []
    assert [r.info.run_id for r in client.search_runs(["0"], run_view_type=ViewType.DELETED_ONLY)] == [run_id]
    with pytest.raises(InvalidParameter, match="active"):
        client.log_param(run_id, "p", 1)

    client.restore_run(run_id)

    assert client.get_run(run_id).info.lifecycle_stage == LifecycleStage.ACTIVE
    assert [r.info.run_id for r in client.search_runs(["0"])] == [run_id]
    client.log_param(run_id, "p", 1)
    assert client.get_run(run_id).data.params == {"p": "1"}


def test_rename_delete_and_restore_an_experiment() -> None:
    client = keel.Client()
    experiment_id = client.create_experiment("old-name")

    client.rename_experiment(experiment_id, "new-name")
    client.delete_experiment(experiment_id)

    assert client.get_experiment(experiment_id).name == "new-name"
    assert client.get_experiment(experiment_id).lifecycle_stage == LifecycleStage.DELETED
    with pytest.raises(InvalidParameter):
        client.create_run(experiment_id)

    client.restore_experiment(experiment_id)

    assert client.create_run(experiment_id).info.experiment_id == experiment_id


def test_experiment_tags_can_be_set_and_deleted() -> None:
    client = keel.Client()
    experiment_id = client.create_experiment("tagged")

    client.set_experiment_tag(experiment_id, "owner", "ana")
    client.set_experiment_tag(experiment_id, "stage", "dev")
    client.delete_experiment_tag(experiment_id, "stage")

    assert client.get_experiment(experiment_id).tags == {"owner": "ana"}


def test_update_run_renames_it() -> None:
    client = keel.Client()
    run_id = client.create_run("0", run_name="draft").info.run_id

    client.update_run(run_id, name="final")

    stored = client.get_run(run_id)
    assert stored.info.run_name == "final"
    assert stored.data.tags["mlflow.runName"] == "final"


def test_client_and_fluent_api_share_the_tracking_uri() -> None:
    with keel.start_run() as run:
        keel.log_metric("m", 1.0)

    client = keel.Client()
    assert client.tracking_uri == keel.get_tracking_uri()
    assert client.get_run(run.info.run_id).data.metrics == {"m": 1.0}


def test_a_client_with_its_own_tracking_uri_sees_only_its_store(tmp_path: Path) -> None:
    other = keel.Client(str(tmp_path / "other-store"))
    other.create_experiment("only-there")

    assert other.get_experiment_by_name("only-there") is not None
    assert keel.Client().get_experiment_by_name("only-there") is None
    assert other.tracking_uri == f"sqlite:///{(tmp_path / 'other-store').resolve() / 'keel.db'}"


def test_every_keel_error_is_a_keel_error_with_a_code() -> None:
    client = keel.Client()
    failures = [
        lambda: client.get_run(MISSING_RUN_ID),
        lambda: client.get_experiment("404"),
        lambda: client.create_experiment(""),
        lambda: client.search_runs(["0"], filter_string="nonsense ="),
    ]

    for failure in failures:
        with pytest.raises(KeelError) as caught:
            failure()
        body = caught.value.to_dict()
        assert set(body) == {"error_code", "message"}
        assert body["error_code"] in {"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"}
        assert body["message"]
