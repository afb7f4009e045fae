"""keel's Client and fluent API tracking to a live keel server over HTTP: what goes in comes back."""

from __future__ import annotations

import math

import pytest
from rest_servers import PinnedLiveServer

import keel
from keel.entities import Dataset, DatasetInput, InputTag, LifecycleStage, Metric, Param, RunStatus, RunTag
from keel.store.tracking.rest import RestTrackingStore


def test_an_http_tracking_uri_opens_the_rest_store(server: PinnedLiveServer) -> None:
    client = keel.Client(server.url)

    assert isinstance(client.store, RestTrackingStore)
    assert client.get_experiment("0").name == "Default"


def test_experiments_are_created_read_renamed_tagged_deleted_and_restored(server: PinnedLiveServer) -> None:
    client = keel.Client(server.url)

    experiment_id = client.create_experiment("vision", tags={"team": "cv"})
    client.rename_experiment(experiment_id, "vision-v2")
    client.set_experiment_tag(experiment_id, "stage", "dev")
    client.delete_experiment_tag(experiment_id, "team")

    experiment = client.get_experiment(experiment_id)
    assert experiment.name == "vision-v2"
    assert experiment.tags == {"stage": "dev"}
    assert experiment.artifact_location == f"mlflow-artifacts:/{experiment_id}"
    assert client.get_experiment_by_name("vision-v2") == experiment
    assert client.get_experiment_by_name("vision") is None

    client.delete_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == LifecycleStage.DELETED
    assert [e.name for e in client.search_experiments()] == ["Default"]
    client.restore_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == LifecycleStage.ACTIVE


def test_search_experiments_filters_orders_and_pages(server: PinnedLiveServer) -> None:
    client = keel.Client(server.url)
    for name in ("prod-a", "prod-b", "prod-c", "dev-a"):
        client.create_experiment(name, tags={"kind": name.split("-")[0]})

    first = client.search_experiments(
        filter_string="name LIKE 'prod-%'", order_by=["name DESC"], max_results=2
    )
    second = client.search_experiments(
        filter_string="name LIKE 'prod-%'", order_by=["name DESC"], max_results=2, page_token=first.token
    )

    assert [e.name for e in first] == ["prod-c", "prod-b"]
    assert first.token is not None
    assert [e.name for e in second] == ["prod-a"]
    assert second.token is None
    assert [e.name for e in client.search_experiments(filter_string="tags.kind = 'dev'")] == ["dev-a"]


def test_a_run_logs_metrics_params_tags_and_inputs_and_reads_them_back(server: PinnedLiveServer) -> None:
    client = keel.Client(server.url)
    experiment_id = client.create_experiment("logging")
    run = client.create_run(experiment_id, tags={"mlflow.user": "ada"}, run_name="first")
    run_id = run.info.run_id

    client.log_metric(run_id, "loss", 0.5, timestamp=10, step=0)
    client.log_metric(run_id, "loss", math.nan, timestamp=11, step=1)
    client.log_metric(run_id, "loss", 0.25, timestamp=12, step=2)
    client.log_param(run_id, "lr", 0.01)
    client.set_tag(run_id, "note", "hello")
    client.set_tag(run_id, "gone", "soon")
    client.delete_tag(run_id, "gone")
    client.log_batch(
        run_id, metrics=[Metric("acc", 0.9, 13, 2)], params=[Param("depth", "3")], tags=[RunTag("k", "v")]
    )
    dataset = Dataset("iris", "d1g35t", "local", '{"uri": "/data/iris.csv"}')
    client.log_inputs(run_id, [DatasetInput(dataset, (InputTag("mlflow.data.context", "training"),))])

    stored = client.get_run(run_id)
    assert stored.info.run_name == "first"
    assert stored.info.user_id == "ada"
    assert stored.info.status == RunStatus.RUNNING
    assert stored.info.start_time > 0
    assert stored.info.artifact_uri == f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts"
    assert stored.data.metrics == {"loss": 0.25, "acc": 0.9}
    assert stored.data.params == {"lr": "0.01", "depth": "3"}
    assert stored.data.tags == {"mlflow.user": "ada", "mlflow.runName": "first", "note": "hello", "k": "v"}
    assert [(i.dataset.name, i.context) for i in stored.inputs.dataset_inputs] == [("iris", "training")]
    history = client.get_metric_history(run_id, "loss")
    assert [(m.step, m.timestamp, repr(m.value), m.run_id) for m in history] == [
        (0, 10, "0.5", run_id),
        (1, 11, "nan", run_id),
        (2, 12, "0.25", run_id),
    ]


def test_metric_history_pages_through_the_server(server: PinnedLiveServer) -> None:
    client = keel.Client(server.url)
    run_id = client.create_run("0").info.run_id
    client.log_batch(run_id, metrics=[Metric("x", float(i), 100 + i, i) for i in range(5)])

    first = client.store.get_metric_history(run_id, "x", max_results=3)
    rest = client.store.get_metric_history(run_id, "x", max_results=3, page_token=first.token)

    assert [m.step for m in first] == [0, 1, 2]
    assert [m.step for m in rest] == [3, 4]
    assert rest.token is None


def test_runs_are_updated_terminated_deleted_and_restored(server: PinnedLiveServer) -> None:
    client = keel.Client(server.url)
    run_id = client.create_run("0", start_time=1_000).info.run_id

    assert client.update_run(run_id, name="renamed").run_name == "renamed"
    ended = client.set_terminated(run_id, RunStatus.FAILED, end_time=2_000)
    assert (ended.status, ended.end_time) == (RunStatus.FAILED, 2_000)

    client.delete_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == LifecycleStage.DELETED
    assert client.search_runs("0") == []
    assert [r.info.run_id for r in client.search_runs("0", run_view_type="DELETED_ONLY")] == [run_id]
    client.restore_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == LifecycleStage.ACTIVE


def test_search_runs_sends_filter_and_order_by_and_pages(server: PinnedLiveServer) -> None:
    client = keel.Client(server.url)
    experiment_id = client.create_experiment("search")
    ids = {}
    for name, loss, model in (
        ("a", 0.3, "tree"),
        ("b", 0.1, "tree"),
        ("c", 0.2, "linear"),
        ("d", 0.5, "it's"),
    ):
        run_id = client.create_run(experiment_id, run_name=name).info.run_id
        client.log_metric(run_id, "val loss", loss, timestamp=1, step=0)
        client.log_param(run_id, "model", model)
        ids[name] = run_id

    def names(filter_string: str = "", order_by: list[str] | None = None) -> list[str]:
        found = client.search_runs(experiment_id, filter_string, order_by=order_by)
        return [r.info.run_name for r in found]

    assert names("params.model = 'tree'", ["metrics.`val loss` ASC"]) == ["b", "a"]
    assert names("metrics.`val loss` < 0.25", ["attributes.run_name DESC"]) == ["c", "b"]
    assert names("params.model = 'tree' OR params.model = 'linear'", ["metrics.`val loss`"]) == [
        "b",
        "c",
        "a",
    ]
    assert names('params.model = "it\'s"') == ["d"]
    assert names(f"attributes.run_id IN ('{ids['a']}', '{ids['d']}')", ["run_name"]) == ["a", "d"]
    first = client.search_runs(experiment_id, order_by=["run_name"], max_results=3)
    second = client.search_runs(experiment_id, order_by=["run_name"], max_results=3, page_token=first.token)
    assert [r.info.run_name for r in first] + [r.info.run_name for r in second] == ["a", "b", "c", "d"]
    assert second.token is None


def test_the_fluent_api_tracks_to_a_server_uri(server: PinnedLiveServer) -> None:
    keel.set_tracking_uri(server.url)
    keel.set_experiment("fluent")

    with keel.start_run(run_name="fluent-run") as run:
        keel.log_params({"a": 1, "b": "two"})
        keel.log_metrics({"m1": 1.0, "m2": 2.0}, step=3)
        keel.set_tags({"t": "x"})
        for step in range(100):
            keel.log_metric("async", step / 100, step=step, synchronous=False)

    stored = keel.get_run(run.info.run_id)
    assert stored.info.status == RunStatus.FINISHED
    assert stored.data.params == {"a": "1", "b": "two"}
    assert stored.data.metrics == {"m1": 1.0, "m2": 2.0, "async": 0.99}
    assert stored.data.tags["t"] == "x"
    history = keel.Client().get_metric_history(run.info.run_id, "async")
    assert [m.step for m in history] == list(range(100))
    frame = keel.search_runs(filter_string="metrics.m1 = 1")
    assert list(frame["run_id"]) == [run.info.run_id]


@pytest.mark.parametrize("prefix", ["", "/"])
def test_a_trailing_slash_in_the_tracking_uri_is_harmless(server: PinnedLiveServer, prefix: str) -> None:
    assert keel.Client(server.url + prefix).get_experiment("0").name == "Default"
