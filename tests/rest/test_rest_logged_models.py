"""Logged models (MLflow 3) through the REST store against a live keel server."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import orjson
import pytest
from rest_servers import PinnedLiveServer

from keel.entities import LoggedModelOutput, LoggedModelStatus, Param, RunTag
from keel.errors import ExperimentNotFound, InvalidParameter, NotFound, RunNotFound
from keel.store.tracking.rest import RestTrackingStore
from keel.store.tracking.retry import RetryPolicy


@pytest.fixture
def store(server: PinnedLiveServer) -> Iterator[RestTrackingStore]:
    rest = RestTrackingStore(server.url)
    yield rest
    rest.close()


def test_a_logged_model_is_created_finalized_tagged_and_deleted(store: RestTrackingStore) -> None:
    run_id = store.create_run("0").info.run_id
    params = [Param(f"p{i:03d}", str(i)) for i in range(250)]  # more than one request holds

    created = store.create_logged_model(
        "0", name="clf", model_type="sklearn", source_run_id=run_id, params=params, tags=[RunTag("a", "1")]
    )
    assert created.model_id.startswith("m-")
    assert created.info.status == LoggedModelStatus.PENDING
    assert created.data.params == {p.key: p.value for p in params}
    assert created.info.artifact_uri.endswith(f"/models/{created.model_id}/artifacts")

    ready = store.finalize_logged_model(created.model_id, "READY")
    store.set_logged_model_tags(created.model_id, [RunTag("b", "2"), RunTag("a", "3")])
    store.delete_logged_model_tag(created.model_id, "b")
    store.log_logged_model_params(created.model_id, [Param("extra", "x")])

    stored = store.get_logged_model(created.model_id)
    assert ready.info.status == LoggedModelStatus.READY
    assert (stored.info.name, stored.info.model_type, stored.info.source_run_id) == ("clf", "sklearn", run_id)
    assert stored.info.tags == {"a": "3"}
    assert stored.data.params["extra"] == "x"

    store.delete_logged_model(created.model_id)
    with pytest.raises(NotFound):
        store.get_logged_model(created.model_id)
    assert store.get_logged_model(created.model_id, allow_deleted=True).model_id == created.model_id


def test_search_pages_forward_and_jumps_to_any_page(store: RestTrackingStore) -> None:
    for i in range(7):
        store.create_logged_model("0", name=f"m{i}", tags=[RunTag("kind", "even" if i % 2 == 0 else "odd")])
    order = [{"field_name": "name", "ascending": True}]

    names, token = [], None
    while True:
        page = store.search_logged_models(
            ["0"], "tags.kind = 'even' OR name = 'm1'", max_results=2, order_by=order, page_token=token
        )
        names += [m.info.name for m in page]
        token = page.token
        if token is None:
            break
    assert names == ["m0", "m1", "m2", "m4", "m6"]

    # A token handed to another store (another process, say): the page is found by walking from the start.
    first = store.search_logged_models(["0"], max_results=3, order_by=order)
    fresh = RestTrackingStore(store.uri)
    second = fresh.search_logged_models(["0"], max_results=3, order_by=order, page_token=first.token)
    third = fresh.search_logged_models(["0"], max_results=3, order_by=order, page_token=second.token)
    fresh.close()
    assert [m.info.name for m in [*first, *second, *third]] == [f"m{i}" for i in range(7)]
    assert third.token is None


def test_search_sends_filter_text_and_order_dicts_as_mlflow_expects() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"models": []})

    store = RestTrackingStore(
        "http://tracking.test", policy=RetryPolicy(), transport=httpx.MockTransport(answer)
    )
    store.search_logged_models(
        ["1"],
        "name = 'clf' AND creation_time > 5 AND params.alpha = '0.1'",
        order_by=[{"field_name": "creation_timestamp", "ascending": False}],
    )

    assert orjson.loads(seen[0].content) == {
        "experiment_ids": ["1"],
        "filter": "name = 'clf' AND creation_timestamp > 5 AND params.`alpha` = '0.1'",
        "order_by": [{"field_name": "creation_timestamp", "ascending": False}],
        "max_results": 100,
    }


def test_outputs_and_the_legacy_model_history_are_recorded_on_the_run(store: RestTrackingStore) -> None:
    run_id = store.create_run("0").info.run_id
    model_id = store.create_logged_model("0", name="clf").model_id
    mlmodel = {
        "run_id": run_id,
        "artifact_path": "model",
        "utc_time_created": "2026-01-02 03:04:05.000006",
        "flavors": {"python_function": {"loader_module": "mlflow.pyfunc.model"}},
    }

    store.log_outputs(run_id, [LoggedModelOutput(model_id, step=3)])
    store.record_logged_model(run_id, mlmodel)

    run = store.get_run(run_id)
    assert run.outputs.model_outputs == (LoggedModelOutput(model_id, 3),)
    [entry] = json.loads(run.data.tags["mlflow.log-model.history"])
    assert (entry["run_id"], entry["artifact_path"]) == (run_id, "model")


def test_missing_things_raise_the_specific_not_found(store: RestTrackingStore) -> None:
    with pytest.raises(ExperimentNotFound):
        store.create_logged_model("424242", name="clf")
    with pytest.raises(RunNotFound):
        store.log_outputs("nope", [LoggedModelOutput("m-0123456789abcdef0123456789abcdef")])
    with pytest.raises(NotFound):
        store.finalize_logged_model("m-0123456789abcdef0123456789abcdef", "READY")
    with pytest.raises(InvalidParameter):
        store.create_logged_model("0", name="clf", params=[Param("p", "1"), Param("p", "2")])
