"""Contract: logged models (MLflow 3) — create, get, finalize, delete, tags, params, search; run outputs."""

from __future__ import annotations

import json
import re

import pytest

from keel.entities import (
    LoggedModelOutput,
    LoggedModelStatus,
    Param,
    RunStatus,
    RunTag,
)
from keel.errors import InvalidParameter, NotFound

MODEL_ID = re.compile(r"^m-[0-9a-f]{32}$")
GENERATED_NAME = re.compile(r"^[a-z]+-[a-z]+-\d{1,3}$")
HISTORY_TAG = "mlflow.log-model.history"


def _names(page):
    return [m.info.name for m in page]


def _all_names(store, experiment_ids, **kwargs):
    names, token = [], None
    while True:
        page = store.search_logged_models(experiment_ids, page_token=token, **kwargs)
        names += _names(page)
        if not page.token:
            return names
        token = page.token


# Create and get


def test_create_logged_model(tracking_store, clock):
    experiment_id = tracking_store.create_experiment("exp")
    run = tracking_store.create_run(experiment_id)

    model = tracking_store.create_logged_model(
        experiment_id,
        name="classifier",
        model_type="sklearn",
        source_run_id=run.info.run_id,
        params=[Param("alpha", "0.5")],
        tags=[RunTag("team", "core")],
    )

    info = model.info
    assert MODEL_ID.match(info.model_id)
    assert model.model_uri == f"models:/{info.model_id}"
    assert info.experiment_id == experiment_id
    assert info.name == "classifier"
    assert info.model_type == "sklearn"
    assert info.source_run_id == run.info.run_id
    assert info.status == LoggedModelStatus.PENDING
    assert info.creation_timestamp_ms == info.last_updated_timestamp_ms == clock.now
    assert info.tags == {"team": "core"}
    assert model.data.params == {"alpha": "0.5"}
    location = tracking_store.get_experiment(experiment_id).artifact_location
    assert info.artifact_uri == f"{location}/models/{info.model_id}/artifacts"
    assert tracking_store.get_logged_model(info.model_id) == model


def test_create_logged_model_without_a_name_generates_one(tracking_store):
    model = tracking_store.create_logged_model("0")

    assert GENERATED_NAME.match(model.info.name)
    assert model.info.source_run_id is None
    assert model.info.model_type is None
    assert tracking_store.get_logged_model(model.model_id).info.name == model.info.name


def test_logged_model_ids_are_distinct(tracking_store):
    ids = {tracking_store.create_logged_model("0", name="same").model_id for _ in range(5)}

    assert len(ids) == 5


@pytest.mark.parametrize("name", ["", "a/b", "a:b", "a.b", "50%", 'say "hi"', "it's", "x" * 501])
def test_create_logged_model_with_an_invalid_name_raises_invalid_parameter(tracking_store, name):
    with pytest.raises(InvalidParameter) as caught:
        tracking_store.create_logged_model("0", name=name)

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    assert list(tracking_store.search_logged_models(["0"])) == []


@pytest.mark.parametrize(
    ("params", "tags"),
    [
        pytest.param([Param("", "v")], [], id="empty-param-key"),
        pytest.param([Param("k" * 256, "v")], [], id="256-char-param-key"),
        pytest.param([Param("k", "1"), Param("k", "2")], [], id="one-param-two-values"),
        pytest.param([], [RunTag("t", 3)], id="non-string-tag-value"),
    ],
)
def test_create_logged_model_with_invalid_params_or_tags_writes_nothing(tracking_store, params, tags):
    with pytest.raises(InvalidParameter):
        tracking_store.create_logged_model("0", name="m", params=params, tags=tags)

    assert list(tracking_store.search_logged_models(["0"])) == []


def test_create_logged_model_in_a_missing_experiment_raises_not_found(tracking_store):
    with pytest.raises(NotFound):
        tracking_store.create_logged_model("12345")


def test_create_logged_model_in_a_deleted_experiment_raises_invalid_parameter(tracking_store):
    experiment_id = tracking_store.create_experiment("exp")
    tracking_store.delete_experiment(experiment_id)

    with pytest.raises(InvalidParameter):
        tracking_store.create_logged_model(experiment_id)


def test_get_a_missing_logged_model_raises_not_found(tracking_store):
    with pytest.raises(NotFound) as caught:
        tracking_store.get_logged_model("m-" + "0" * 32)

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert caught.value.message == f"Logged model with ID 'm-{'0' * 32}' not found."


# Finalize and delete


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (LoggedModelStatus.READY, LoggedModelStatus.READY),
        ("LOGGED_MODEL_UPLOAD_FAILED", LoggedModelStatus.UPLOAD_FAILED),
        ("READY", LoggedModelStatus.READY),  # the MLflow Python client's spelling
        (2, LoggedModelStatus.READY),  # the proto number
    ],
)
def test_finalize_logged_model(tracking_store, clock, given, expected):
    model = tracking_store.create_logged_model("0", name="m")

    finalized = tracking_store.finalize_logged_model(model.model_id, given)

    assert finalized.info.status == expected
    assert finalized.info.last_updated_timestamp_ms == clock.now > model.info.creation_timestamp_ms
    assert finalized.info.creation_timestamp_ms == model.info.creation_timestamp_ms
    assert tracking_store.get_logged_model(model.model_id) == finalized


@pytest.mark.parametrize("status", ["LOGGED_MODEL_PENDING", "DONE", 7, ""])
def test_finalize_logged_model_to_a_non_final_status_raises_invalid_parameter(tracking_store, status):
    model = tracking_store.create_logged_model("0", name="m")

    with pytest.raises(InvalidParameter):
        tracking_store.finalize_logged_model(model.model_id, status)

    assert tracking_store.get_logged_model(model.model_id).info.status == LoggedModelStatus.PENDING


def test_finalize_a_missing_logged_model_raises_not_found(tracking_store):
    with pytest.raises(NotFound):
        tracking_store.finalize_logged_model("m-missing", LoggedModelStatus.READY)


def test_delete_logged_model_is_a_soft_delete(tracking_store):
    model = tracking_store.create_logged_model("0", name="gone")
    kept = tracking_store.create_logged_model("0", name="kept")

    tracking_store.delete_logged_model(model.model_id)

    with pytest.raises(NotFound):
        tracking_store.get_logged_model(model.model_id)
    assert tracking_store.get_logged_model(model.model_id, allow_deleted=True).info.name == "gone"
    assert _names(tracking_store.search_logged_models(["0"])) == [kept.info.name]


def test_delete_a_missing_logged_model_raises_not_found(tracking_store):
    with pytest.raises(NotFound):
        tracking_store.delete_logged_model("m-missing")


# Tags and params


def test_set_logged_model_tags_adds_and_overwrites(tracking_store):
    model = tracking_store.create_logged_model("0", tags=[RunTag("a", "1"), RunTag("b", "2")])

    tracking_store.set_logged_model_tags(
        model.model_id, [RunTag("b", "3"), RunTag("c", "4"), RunTag("c", "5")]
    )

    assert tracking_store.get_logged_model(model.model_id).info.tags == {"a": "1", "b": "3", "c": "5"}


def test_delete_logged_model_tag(tracking_store):
    model = tracking_store.create_logged_model("0", tags=[RunTag("a", "1"), RunTag("b", "2")])

    tracking_store.delete_logged_model_tag(model.model_id, "a")

    assert tracking_store.get_logged_model(model.model_id).info.tags == {"b": "2"}
    with pytest.raises(NotFound):
        tracking_store.delete_logged_model_tag(model.model_id, "a")


def test_tags_of_a_missing_logged_model_raise_not_found(tracking_store):
    with pytest.raises(NotFound):
        tracking_store.set_logged_model_tags("m-missing", [RunTag("a", "1")])
    with pytest.raises(NotFound):
        tracking_store.delete_logged_model_tag("m-missing", "a")


def test_log_logged_model_params(tracking_store):
    model = tracking_store.create_logged_model("0", params=[Param("a", "1")])

    tracking_store.log_logged_model_params(model.model_id, [Param("b", "2"), Param("a", "1")])

    assert tracking_store.get_logged_model(model.model_id).data.params == {"a": "1", "b": "2"}


def test_changing_a_logged_model_param_raises_invalid_parameter_and_writes_nothing(tracking_store):
    model = tracking_store.create_logged_model("0", params=[Param("a", "1")])

    with pytest.raises(InvalidParameter, match="Changing param values is not allowed"):
        tracking_store.log_logged_model_params(model.model_id, [Param("b", "2"), Param("a", "changed")])

    assert tracking_store.get_logged_model(model.model_id).data.params == {"a": "1"}


def test_log_params_of_a_missing_logged_model_raises_not_found(tracking_store):
    with pytest.raises(NotFound):
        tracking_store.log_logged_model_params("m-missing", [Param("a", "1")])


# Search


def _populate(store, clock):
    """Three models in one experiment (created in this order) and one in another; returns both ids."""
    experiment_id = store.create_experiment("models")
    other_id = store.create_experiment("other")
    run_id = store.create_run(experiment_id).info.run_id
    store.create_logged_model(
        experiment_id, name="alpha", model_type="sklearn", source_run_id=run_id, params=[Param("lr", "0.1")]
    )
    clock.now += 1000
    beta = store.create_logged_model(experiment_id, name="beta", tags=[RunTag("stage", "prod")])
    store.finalize_logged_model(beta.model_id, LoggedModelStatus.READY)
    clock.now += 1000
    store.create_logged_model(
        experiment_id,
        name="gamma",
        source_run_id=run_id,
        tags=[RunTag("stage", "dev")],
        params=[Param("lr", "1")],
    )
    store.create_logged_model(other_id, name="delta")
    return experiment_id, other_id, run_id


def test_search_logged_models_returns_the_newest_first(tracking_store, clock):
    experiment_id, other_id, _ = _populate(tracking_store, clock)

    page = tracking_store.search_logged_models([experiment_id])

    assert _names(page) == ["gamma", "beta", "alpha"]
    assert page.token is None
    assert _names(tracking_store.search_logged_models([experiment_id, other_id])) == [
        "delta",
        "gamma",
        "beta",
        "alpha",
    ]
    assert list(tracking_store.search_logged_models([])) == []


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("name = 'beta'", ["beta"]),
        ("name != 'beta'", ["gamma", "alpha"]),
        ("name LIKE '%a'", ["gamma", "beta", "alpha"]),
        ("name ILIKE 'A%'", ["alpha"]),
        ("name IN ('alpha', 'gamma')", ["gamma", "alpha"]),
        ("attributes.model_type = 'sklearn'", ["alpha"]),
        ("status = 'LOGGED_MODEL_READY'", ["beta"]),
        ("status = 'READY'", ["beta"]),
        ("status != 'PENDING'", ["beta"]),
        ("params.lr = '0.1'", ["alpha"]),
        ("params.lr IS NULL", ["beta"]),
        ("tags.stage = 'prod'", ["beta"]),
        ("tags.`stage` LIKE '%'", ["gamma", "beta"]),
        ("name = 'alpha' OR tags.stage = 'dev'", ["gamma", "alpha"]),
        ("NOT name = 'alpha'", ["gamma", "beta"]),
        ("name = 'nope'", []),
    ],
)
def test_search_logged_models_filter(tracking_store, clock, filter_string, expected):
    experiment_id, _, _ = _populate(tracking_store, clock)

    assert _names(tracking_store.search_logged_models([experiment_id], filter_string)) == expected


def test_search_logged_models_by_name_and_source_run_as_mlflow_clients_do(tracking_store, clock):
    experiment_id, _, run_id = _populate(tracking_store, clock)

    page = tracking_store.search_logged_models(
        [experiment_id], f"name = 'gamma' AND source_run_id = '{run_id}'"
    )

    assert _names(page) == ["gamma"]
    assert page[0].info.source_run_id == run_id


def test_search_logged_models_by_creation_time(tracking_store, clock):
    experiment_id, _, _ = _populate(tracking_store, clock)
    models = {m.info.name: m for m in tracking_store.search_logged_models([experiment_id])}
    beta_created = models["beta"].info.creation_timestamp_ms

    assert _names(
        tracking_store.search_logged_models([experiment_id], f"creation_timestamp >= {beta_created}")
    ) == ["gamma", "beta"]
    assert _names(
        tracking_store.search_logged_models([experiment_id], f"creation_time < {beta_created}")
    ) == ["alpha"]
    assert (
        _names(
            tracking_store.search_logged_models(
                [experiment_id], f"last_updated_timestamp > {models['gamma'].info.creation_timestamp_ms}"
            )
        )
        == []
    )


@pytest.mark.parametrize(
    "filter_string",
    [
        "metrics.accuracy > 0.9",  # keel links no metrics to logged models yet
        "datasets.name = 'iris'",
        "artifact_location = 'x'",
        "name = alpha",
        "creation_timestamp = 'yesterday'",
        "name > 'a'",
    ],
)
def test_search_logged_models_with_an_invalid_filter_raises_invalid_parameter(tracking_store, filter_string):
    with pytest.raises(InvalidParameter) as caught:
        tracking_store.search_logged_models(["0"], filter_string)

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ([{"field_name": "name", "ascending": True}], ["alpha", "beta", "gamma"]),
        ([{"field_name": "name", "ascending": False}], ["gamma", "beta", "alpha"]),
        ([{"field_name": "creation_timestamp", "ascending": True}], ["alpha", "beta", "gamma"]),
        ([{"field_name": "creation_time"}], ["alpha", "beta", "gamma"]),
        # Models without a type come last either way; ties fall back to the newest first.
        ([{"field_name": "model_type", "ascending": False}], ["alpha", "gamma", "beta"]),
        # PENDING before READY, as MLflow's status numbers sort.
        ([{"field_name": "status"}, {"field_name": "name", "ascending": False}], ["gamma", "alpha", "beta"]),
    ],
)
def test_search_logged_models_order_by(tracking_store, clock, order_by, expected):
    experiment_id, _, _ = _populate(tracking_store, clock)

    assert _names(tracking_store.search_logged_models([experiment_id], order_by=order_by)) == expected


@pytest.mark.parametrize(
    "order_by",
    [
        [{"field_name": "metrics.accuracy"}],
        [{"field_name": "params.lr"}],
        [{"field_name": "artifact_location"}],
        [{"field_name": "name"}, {"field_name": "name", "ascending": False}],
        [{"field_name": "name DESC"}],
        [{"field_name": "name", "dataset_name": "iris"}],
        [{"ascending": True}],
    ],
)
def test_search_logged_models_with_an_invalid_order_by_raises_invalid_parameter(tracking_store, order_by):
    with pytest.raises(InvalidParameter):
        tracking_store.search_logged_models(["0"], order_by=order_by)


def test_search_logged_models_with_datasets_raises_invalid_parameter(tracking_store):
    with pytest.raises(InvalidParameter):
        tracking_store.search_logged_models(["0"], datasets=[{"dataset_name": "iris"}])


def test_search_logged_models_pages_through_every_model(tracking_store):
    created = {tracking_store.create_logged_model("0", name=f"m{i}").info.name for i in range(7)}

    first = tracking_store.search_logged_models(["0"], max_results=3)

    assert len(first) == 3
    assert first.token
    names = _all_names(tracking_store, ["0"], max_results=3)
    assert len(names) == 7
    assert set(names) == created
    assert len(tracking_store.search_logged_models(["0"])) == 7  # the default page holds 100


def test_search_logged_models_page_tokens_belong_to_their_search(tracking_store):
    for i in range(3):
        tracking_store.create_logged_model("0", name=f"m{i}", tags=[RunTag("k", "v")])
    token = tracking_store.search_logged_models(["0"], "tags.k = 'v'", max_results=1).token

    assert (
        len(tracking_store.search_logged_models(["0"], "tags.k = 'v'", max_results=1, page_token=token)) == 1
    )
    with pytest.raises(InvalidParameter):
        tracking_store.search_logged_models(["0"], "name = 'm1'", max_results=1, page_token=token)
    with pytest.raises(InvalidParameter):
        tracking_store.search_logged_models(
            ["0"], "tags.k = 'v'", order_by=[{"field_name": "name"}], page_token=token
        )
    with pytest.raises(InvalidParameter):
        tracking_store.search_logged_models(["0"], page_token="not a token")


@pytest.mark.parametrize("max_results", [-1, 50_001, True])
def test_search_logged_models_with_an_invalid_max_results_raises_invalid_parameter(
    tracking_store, max_results
):
    with pytest.raises(InvalidParameter):
        tracking_store.search_logged_models(["0"], max_results=max_results)


# Run outputs


def test_log_outputs_shows_on_get_run_and_search_runs(tracking_store):
    run_id = tracking_store.create_run("0").info.run_id
    first = tracking_store.create_logged_model("0", name="first", source_run_id=run_id)
    second = tracking_store.create_logged_model("0", name="second", source_run_id=run_id)

    tracking_store.log_outputs(run_id, [LoggedModelOutput(first.model_id, 0)])
    tracking_store.log_outputs(run_id, [LoggedModelOutput(second.model_id, 5)])
    tracking_store.log_outputs(run_id, [LoggedModelOutput(first.model_id, 0)])  # already recorded

    expected = (LoggedModelOutput(first.model_id, 0), LoggedModelOutput(second.model_id, 5))
    run = tracking_store.get_run(run_id)
    assert run.outputs.model_outputs == expected
    assert run.to_dict()["outputs"] == {
        "model_outputs": [{"model_id": first.model_id, "step": 0}, {"model_id": second.model_id, "step": 5}]
    }
    assert tracking_store.search_runs(["0"])[0].outputs.model_outputs == expected


def test_a_run_without_outputs_has_empty_outputs_in_its_json(tracking_store):
    run = tracking_store.create_run("0")

    stored = tracking_store.get_run(run.info.run_id)

    assert stored.outputs.model_outputs == ()
    assert stored.to_dict()["outputs"] == {}  # as MLflow's runs/get answers


def test_log_outputs_of_a_missing_model_raises_not_found_and_writes_nothing(tracking_store):
    run_id = tracking_store.create_run("0").info.run_id
    model = tracking_store.create_logged_model("0")

    with pytest.raises(NotFound):
        tracking_store.log_outputs(
            run_id, [LoggedModelOutput(model.model_id, 0), LoggedModelOutput("m-nope", 0)]
        )

    assert tracking_store.get_run(run_id).outputs.model_outputs == ()


def test_log_outputs_to_a_deleted_run_raises_invalid_parameter(tracking_store):
    run_id = tracking_store.create_run("0").info.run_id
    model = tracking_store.create_logged_model("0")
    tracking_store.delete_run(run_id)

    with pytest.raises(InvalidParameter):
        tracking_store.log_outputs(run_id, [LoggedModelOutput(model.model_id, 0)])


def test_log_outputs_with_an_invalid_step_raises_invalid_parameter(tracking_store):
    run_id = tracking_store.create_run("0").info.run_id
    model = tracking_store.create_logged_model("0")

    with pytest.raises(InvalidParameter):
        tracking_store.log_outputs(run_id, [LoggedModelOutput(model.model_id, "1")])


# Legacy log-model history


def _mlmodel(run_id, path="model"):
    return {
        "artifact_path": path,
        "run_id": run_id,
        "utc_time_created": "2026-01-02 03:04:05.000006",
        "model_uuid": "abc",
        "mlflow_version": "3.17.2",
        "flavors": {"python_function": {"loader_module": "mlflow.pyfunc.model", "config": {"a": 1}}},
    }


def test_record_logged_model_appends_to_the_history_tag(tracking_store):
    run_id = tracking_store.create_run("0").info.run_id

    tracking_store.record_logged_model(run_id, _mlmodel(run_id, "first"))
    tracking_store.record_logged_model(run_id, _mlmodel(run_id, "second"))

    history = json.loads(tracking_store.get_run(run_id).data.tags[HISTORY_TAG])
    assert [entry["artifact_path"] for entry in history] == ["first", "second"]
    assert history[0] == {
        "run_id": run_id,
        "utc_time_created": "2026-01-02 03:04:05.000006",
        "artifact_path": "first",
        "model_uuid": "abc",
        "flavors": {"python_function": {"loader_module": "mlflow.pyfunc.model"}},
    }


def test_record_logged_model_without_a_mandatory_field_raises_invalid_parameter(tracking_store):
    run_id = tracking_store.create_run("0").info.run_id
    model = _mlmodel(run_id)
    del model["utc_time_created"]

    with pytest.raises(InvalidParameter, match="utc_time_created"):
        tracking_store.record_logged_model(run_id, model)

    assert HISTORY_TAG not in tracking_store.get_run(run_id).data.tags


def test_record_logged_model_past_the_tag_limit_raises_invalid_parameter(tracking_store):
    run_id = tracking_store.create_run("0").info.run_id
    model = _mlmodel(run_id)
    model["flavors"]["python_function"]["blob"] = "x" * 8000

    with pytest.raises(InvalidParameter):
        tracking_store.record_logged_model(run_id, model)

    assert HISTORY_TAG not in tracking_store.get_run(run_id).data.tags


def test_record_logged_model_on_a_finished_run_still_works_but_not_on_a_deleted_one(tracking_store):
    run_id = tracking_store.create_run("0").info.run_id
    tracking_store.update_run_info(run_id, RunStatus.FINISHED)
    tracking_store.record_logged_model(run_id, _mlmodel(run_id))
    tracking_store.delete_run(run_id)

    with pytest.raises(InvalidParameter):
        tracking_store.record_logged_model(run_id, _mlmodel(run_id))
