"""Contract: runs — create, read, update, soft delete and restore, alone and with their experiment."""

from __future__ import annotations

import re

import pytest

from keel.entities import (
    Dataset,
    DatasetInput,
    InputTag,
    LifecycleStage,
    Metric,
    Param,
    RunStatus,
    RunTag,
    ViewType,
)
from keel.errors import InvalidParameter, NotFound, RunNotFound

RUN_NAME_TAG = "mlflow.runName"
GENERATED_NAME = re.compile(r"^[a-z]+-[a-z]+-\d{1,3}$")


def _run_ids(store, experiment_id, view_type=ViewType.ACTIVE_ONLY):
    return {r.info.run_id for r in store.search_runs([experiment_id], run_view_type=view_type)}


def test_create_run(tracking_store):
    experiment_id = tracking_store.create_experiment("exp")

    run = tracking_store.create_run(
        experiment_id, user_id="ada", start_time=1234, tags=[RunTag("team", "core")], run_name="first"
    )

    info = run.info
    assert re.fullmatch(r"[0-9a-f]{32}", info.run_id)
    assert info.experiment_id == experiment_id
    assert info.run_name == "first"
    assert info.user_id == "ada"
    assert info.status == RunStatus.RUNNING
    assert info.start_time == 1234
    assert info.end_time is None
    assert info.lifecycle_stage == LifecycleStage.ACTIVE
    assert run.data.tags == {"team": "core", RUN_NAME_TAG: "first"}
    assert run.data.params == {}
    assert run.data.metrics == {}
    assert tracking_store.get_run(info.run_id) == run


def test_create_run_artifact_uri_is_under_the_experiment_location(tracking_store):
    experiment_id = tracking_store.create_experiment("exp", artifact_location="s3://bucket/exp")
    default_run = tracking_store.create_run("0")
    run = tracking_store.create_run(experiment_id)

    assert run.info.artifact_uri == f"s3://bucket/exp/{run.info.run_id}/artifacts"
    default_location = tracking_store.get_experiment("0").artifact_location
    assert default_run.info.artifact_uri == f"{default_location}/{default_run.info.run_id}/artifacts"
    assert tracking_store.get_run(run.info.run_id).info.artifact_uri == run.info.artifact_uri


def test_create_run_without_a_name_generates_one_and_tags_it(tracking_store):
    run = tracking_store.create_run("0")

    assert GENERATED_NAME.match(run.info.run_name)
    assert run.data.tags[RUN_NAME_TAG] == run.info.run_name
    stored = tracking_store.get_run(run.info.run_id)
    assert stored.info.run_name == run.info.run_name
    assert stored.data.tags[RUN_NAME_TAG] == run.info.run_name


def test_create_run_takes_its_name_from_the_run_name_tag(tracking_store):
    run = tracking_store.create_run("0", tags=[RunTag(RUN_NAME_TAG, "from-tag")])

    assert run.info.run_name == "from-tag"
    assert tracking_store.get_run(run.info.run_id).info.run_name == "from-tag"


def test_create_run_with_the_same_name_as_argument_and_tag(tracking_store):
    run = tracking_store.create_run("0", tags=[RunTag(RUN_NAME_TAG, "same")], run_name="same")

    stored = tracking_store.get_run(run.info.run_id)
    assert stored.info.run_name == "same"
    assert stored.data.tags == {RUN_NAME_TAG: "same"}


def test_create_run_with_conflicting_name_and_tag_raises_invalid_parameter(tracking_store):
    with pytest.raises(InvalidParameter) as caught:
        tracking_store.create_run("0", tags=[RunTag(RUN_NAME_TAG, "from-tag")], run_name="from-arg")

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    assert _run_ids(tracking_store, "0", ViewType.ALL) == set()


def test_create_run_start_time_defaults_to_now(tracking_store, clock):
    before = clock.now

    run = tracking_store.create_run("0")

    assert before < run.info.start_time <= clock.now
    assert tracking_store.get_run(run.info.run_id).info.start_time == run.info.start_time


def test_create_run_ids_are_distinct(tracking_store):
    ids = {tracking_store.create_run("0", run_name="same").info.run_id for _ in range(5)}

    assert len(ids) == 5
    assert _run_ids(tracking_store, "0") == ids


def test_create_run_in_a_deleted_experiment_raises_invalid_parameter(tracking_store):
    experiment_id = tracking_store.create_experiment("exp")
    tracking_store.delete_experiment(experiment_id)

    with pytest.raises(InvalidParameter):
        tracking_store.create_run(experiment_id)

    assert _run_ids(tracking_store, experiment_id, ViewType.ALL) == set()


def test_create_run_in_a_missing_experiment_raises_not_found(tracking_store):
    with pytest.raises(NotFound) as caught:
        tracking_store.create_run("12345")

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"


@pytest.mark.parametrize(
    "tag",
    [
        pytest.param(RunTag("bad!key", "v"), id="bad-key"),
        pytest.param(RunTag("k", "v" * 8001), id="8001-char-value"),
    ],
)
def test_create_run_with_an_invalid_tag_raises_invalid_parameter(tracking_store, tag):
    with pytest.raises(InvalidParameter):
        tracking_store.create_run("0", tags=[RunTag("good", "v"), tag])

    assert _run_ids(tracking_store, "0", ViewType.ALL) == set()


def test_get_missing_run_raises_run_not_found(tracking_store):
    missing = "f" * 32

    with pytest.raises(RunNotFound) as caught:
        tracking_store.get_run(missing)

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert caught.value.message == f"Run with id={missing} not found"


def test_update_run_status_and_end_time(tracking_store):
    run = tracking_store.create_run("0", run_name="r", start_time=1000)

    info = tracking_store.update_run_info(run.info.run_id, RunStatus.FINISHED, end_time=2000)

    assert info.status == RunStatus.FINISHED
    assert info.end_time == 2000
    assert info.run_name == "r"
    assert info.start_time == 1000
    assert tracking_store.get_run(run.info.run_id).info == info


def test_update_run_info_changes_only_what_is_given(tracking_store):
    run = tracking_store.create_run("0", run_name="r")
    tracking_store.update_run_info(run.info.run_id, "FAILED", end_time=5)

    info = tracking_store.update_run_info(run.info.run_id, end_time=7)

    assert (info.status, info.end_time, info.run_name) == (RunStatus.FAILED, 7, "r")
    info = tracking_store.update_run_info(run.info.run_id, run_status="KILLED")
    assert (info.status, info.end_time, info.run_name) == (RunStatus.KILLED, 7, "r")
    assert tracking_store.get_run(run.info.run_id).info == info


def test_update_run_name_also_updates_the_run_name_tag(tracking_store):
    run = tracking_store.create_run("0", run_name="old")

    info = tracking_store.update_run_info(run.info.run_id, run_name="new")

    assert info.run_name == "new"
    stored = tracking_store.get_run(run.info.run_id)
    assert stored.info.run_name == "new"
    assert stored.data.tags[RUN_NAME_TAG] == "new"


def test_setting_the_run_name_tag_renames_the_run(tracking_store):
    run = tracking_store.create_run("0", run_name="old")

    tracking_store.set_tag(run.info.run_id, RunTag(RUN_NAME_TAG, "new"))

    stored = tracking_store.get_run(run.info.run_id)
    assert stored.info.run_name == "new"
    assert stored.data.tags[RUN_NAME_TAG] == "new"
    assert [r.info.run_name for r in tracking_store.search_runs(["0"], "attributes.run_name = 'new'")] == [
        "new"
    ]


def test_update_run_info_rejects_an_unknown_status(tracking_store):
    run = tracking_store.create_run("0")

    with pytest.raises(InvalidParameter):
        tracking_store.update_run_info(run.info.run_id, "DONE")

    assert tracking_store.get_run(run.info.run_id).info.status == RunStatus.RUNNING


def test_update_missing_run_raises_run_not_found(tracking_store):
    with pytest.raises(RunNotFound):
        tracking_store.update_run_info("f" * 32, RunStatus.FINISHED)


def test_update_deleted_run_raises_invalid_parameter(tracking_store):
    run = tracking_store.create_run("0", run_name="r")
    tracking_store.delete_run(run.info.run_id)

    with pytest.raises(InvalidParameter):
        tracking_store.update_run_info(run.info.run_id, RunStatus.FINISHED, end_time=5, run_name="renamed")

    info = tracking_store.get_run(run.info.run_id).info
    assert (info.status, info.end_time, info.run_name) == (RunStatus.RUNNING, None, "r")


def test_delete_and_restore_run(tracking_store):
    kept = tracking_store.create_run("0")
    run = tracking_store.create_run("0")

    tracking_store.delete_run(run.info.run_id)

    assert tracking_store.get_run(run.info.run_id).info.lifecycle_stage == LifecycleStage.DELETED
    assert _run_ids(tracking_store, "0") == {kept.info.run_id}
    assert _run_ids(tracking_store, "0", ViewType.DELETED_ONLY) == {run.info.run_id}

    tracking_store.restore_run(run.info.run_id)

    assert tracking_store.get_run(run.info.run_id).info.lifecycle_stage == LifecycleStage.ACTIVE
    assert _run_ids(tracking_store, "0") == {kept.info.run_id, run.info.run_id}
    assert _run_ids(tracking_store, "0", ViewType.DELETED_ONLY) == set()


@pytest.mark.parametrize("operation", ["delete_run", "restore_run"])
def test_delete_or_restore_missing_run_raises_run_not_found(tracking_store, operation):
    with pytest.raises(RunNotFound):
        getattr(tracking_store, operation)("f" * 32)


def test_deleting_an_experiment_deletes_its_runs_and_restoring_brings_them_back(tracking_store):
    experiment_id = tracking_store.create_experiment("exp")
    runs = {tracking_store.create_run(experiment_id).info.run_id for _ in range(3)}
    elsewhere = tracking_store.create_run("0").info.run_id

    tracking_store.delete_experiment(experiment_id)

    for run_id in runs:
        assert tracking_store.get_run(run_id).info.lifecycle_stage == LifecycleStage.DELETED
    assert _run_ids(tracking_store, experiment_id) == set()
    assert _run_ids(tracking_store, experiment_id, ViewType.DELETED_ONLY) == runs
    assert tracking_store.get_run(elsewhere).info.lifecycle_stage == LifecycleStage.ACTIVE

    tracking_store.restore_experiment(experiment_id)

    for run_id in runs:
        assert tracking_store.get_run(run_id).info.lifecycle_stage == LifecycleStage.ACTIVE
    assert _run_ids(tracking_store, experiment_id) == runs


def _dataset_input():
    return DatasetInput(Dataset("iris", "abc", "local", "{}"), (InputTag("mlflow.data.context", "train"),))


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda s, r: s.log_metric(r, Metric("m", 1.0, 1, 0)), id="log_metric"),
        pytest.param(lambda s, r: s.log_param(r, Param("p", "v")), id="log_param"),
        pytest.param(lambda s, r: s.set_tag(r, RunTag("t", "v")), id="set_tag"),
        pytest.param(lambda s, r: s.delete_tag(r, "kept"), id="delete_tag"),
        pytest.param(
            lambda s, r: s.log_batch(r, [Metric("m", 1.0, 1, 0)], [Param("p", "v")], [RunTag("t", "v")]),
            id="log_batch",
        ),
        pytest.param(lambda s, r: s.log_inputs(r, [_dataset_input()]), id="log_inputs"),
    ],
)
def test_writing_to_a_deleted_run_raises_invalid_parameter_and_writes_nothing(tracking_store, write):
    run = tracking_store.create_run("0", run_name="r", tags=[RunTag("kept", "yes")])
    run_id = run.info.run_id
    tracking_store.delete_run(run_id)

    with pytest.raises(InvalidParameter) as caught:
        write(tracking_store, run_id)

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    tracking_store.restore_run(run_id)
    stored = tracking_store.get_run(run_id)
    assert stored.data == run.data
    assert stored.inputs.dataset_inputs == ()
    assert list(tracking_store.get_metric_history(run_id, "m")) == []


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda s, r: s.log_metric(r, Metric("m", 1.0, 1, 0)), id="log_metric"),
        pytest.param(lambda s, r: s.log_param(r, Param("p", "v")), id="log_param"),
        pytest.param(lambda s, r: s.set_tag(r, RunTag("t", "v")), id="set_tag"),
        pytest.param(lambda s, r: s.delete_tag(r, "t"), id="delete_tag"),
        pytest.param(lambda s, r: s.log_inputs(r, [_dataset_input()]), id="log_inputs"),
        pytest.param(lambda s, r: s.get_metric_history(r, "m"), id="get_metric_history"),
    ],
)
def test_writing_to_a_missing_run_raises_run_not_found(tracking_store, write):
    with pytest.raises(RunNotFound):
        write(tracking_store, "f" * 32)


@pytest.mark.parametrize("run_id", ["", "-leading-dash", "has space", "x" * 257])
def test_an_invalid_run_id_raises_invalid_parameter(tracking_store, run_id):
    with pytest.raises(InvalidParameter):
        tracking_store.get_run(run_id)


def test_a_run_name_of_250_chars_is_accepted_everywhere(tracking_store):
    name = "n" * 250
    run = tracking_store.create_run("0", run_name=name)
    tracking_store.update_run_info(run.info.run_id, run_name=name[::-1])
    tracking_store.set_tag(run.info.run_id, RunTag(RUN_NAME_TAG, name))

    stored = tracking_store.get_run(run.info.run_id)
    assert stored.info.run_name == name
    assert stored.data.tags[RUN_NAME_TAG] == name


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda s, r, name: s.create_run("0", run_name=name), id="create_run-run_name"),
        pytest.param(
            lambda s, r, name: s.create_run("0", tags=[RunTag(RUN_NAME_TAG, name)]), id="create_run-tag"
        ),
        pytest.param(lambda s, r, name: s.update_run_info(r, run_name=name), id="update_run_info"),
        pytest.param(lambda s, r, name: s.set_tag(r, RunTag(RUN_NAME_TAG, name)), id="set_tag"),
    ],
)
def test_a_run_name_over_250_chars_raises_invalid_parameter(tracking_store, write):
    run = tracking_store.create_run("0", run_name="r")

    with pytest.raises(InvalidParameter):
        write(tracking_store, run.info.run_id, "n" * 251)

    assert [r.info.run_name for r in tracking_store.search_runs(["0"], run_view_type=ViewType.ALL)] == ["r"]
    assert tracking_store.get_run(run.info.run_id).data.tags == {RUN_NAME_TAG: "r"}


def test_a_user_id_over_256_chars_raises_invalid_parameter(tracking_store):
    assert tracking_store.create_run("0", user_id="u" * 256).info.user_id == "u" * 256

    with pytest.raises(InvalidParameter):
        tracking_store.create_run("0", user_id="u" * 257)

    assert [r.info.user_id for r in tracking_store.search_runs(["0"])] == ["u" * 256]


def test_runs_can_be_created_under_the_longest_artifact_location(tracking_store):
    location = "s3://bucket/" + "x" * (2048 - len("s3://bucket/"))
    experiment_id = tracking_store.create_experiment("exp", artifact_location=location)

    run = tracking_store.create_run(experiment_id)

    assert run.info.artifact_uri == f"{location}/{run.info.run_id}/artifacts"
    assert tracking_store.get_run(run.info.run_id).info.artifact_uri == run.info.artifact_uri


@pytest.mark.parametrize("start_time", [True, 1.5, "1000", 2**63], ids=["bool", "float", "str", "2**63"])
def test_create_run_rejects_a_start_time_that_is_not_an_int64(tracking_store, start_time):
    with pytest.raises(InvalidParameter):
        tracking_store.create_run("0", start_time=start_time)

    assert tracking_store.search_runs(["0"], run_view_type=ViewType.ALL) == []


@pytest.mark.parametrize("end_time", [True, 1.5, 2**63], ids=["bool", "float", "2**63"])
def test_update_run_info_rejects_an_end_time_that_is_not_an_int64(tracking_store, end_time):
    run = tracking_store.create_run("0")

    with pytest.raises(InvalidParameter):
        tracking_store.update_run_info(run.info.run_id, RunStatus.FINISHED, end_time=end_time)

    assert tracking_store.get_run(run.info.run_id).info == run.info


@pytest.mark.parametrize("experiment_id", ["2147483648", "9" * 30])
def test_create_run_in_an_experiment_id_beyond_any_stored_id_raises_not_found(tracking_store, experiment_id):
    with pytest.raises(NotFound):
        tracking_store.create_run(experiment_id)
