"""Sampled histories: MLflow's get-history-bulk-interval (against MLflow's own store) and keel's buckets."""

from __future__ import annotations

import math
import random

import httpx
import pytest
from mlflow.entities import Metric as MlflowMetric
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

from keel.server.settings import ServerSettings
from liveserver import LiveServer

API = "/api/2.0/mlflow"
BULK = f"{API}/metrics/get-history-bulk-interval"
DOWNSAMPLED = "/ajax-api/2.0/keel/metrics/downsampled"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sampling")
    with (
        LiveServer(ServerSettings.embedded(directory)) as server,
        httpx.Client(base_url=server.url, timeout=60) as http_client,
    ):
        yield http_client


@pytest.fixture(scope="module")
def mlflow_store(tmp_path_factory):
    directory = tmp_path_factory.mktemp("mlflow")
    store = SqlAlchemyStore(f"sqlite:///{directory / 'mlflow.db'}", (directory / "artifacts").as_uri())
    yield store
    store.engine.dispose()


def post(client: httpx.Client, path: str, body: dict) -> dict:
    response = client.post(f"{API}{path}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def new_run(client: httpx.Client, points: list[tuple[int, int, float]], key: str = "loss") -> str:
    """A run holding ``points`` as (step, timestamp, value) of ``key``."""
    experiment = post(client, "/experiments/search", {"max_results": 1})["experiments"][0]["experiment_id"]
    run_id = post(client, "/runs/create", {"experiment_id": experiment})["run"]["info"]["run_id"]
    for offset in range(0, len(points), 1000):
        metrics = [
            {"key": key, "value": "NaN" if math.isnan(v) else v, "timestamp": t, "step": s}
            for s, t, v in points[offset : offset + 1000]
        ]
        post(client, "/runs/log-batch", {"run_id": run_id, "metrics": metrics})
    return run_id


def mlflow_sample(store: SqlAlchemyStore, points, max_results, start_step=None, end_step=None):
    experiment_id = store.create_experiment(f"e{random.random()}")
    run_id = store.create_run(experiment_id, "u", 0, [], "r").info.run_id
    for offset in range(0, len(points), 1000):
        batch = [MlflowMetric("loss", v, t, s) for s, t, v in points[offset : offset + 1000]]
        store.log_batch(run_id, batch, [], [])
    sampled = store.get_metric_history_bulk_interval([run_id], "loss", max_results, start_step, end_step)
    return [(m.step, m.timestamp, m.value) for m in sampled]


def keel_sample(client: httpx.Client, run_id: str, **query) -> list[tuple[int, int, float]]:
    response = client.get(BULK, params={"run_ids": run_id, "metric_key": "loss", **query})
    assert response.status_code == 200, response.text
    return [(m["step"], m["timestamp"], m["value"]) for m in response.json()["metrics"]]


HISTORIES = {
    "dense": [(s, 1000 + s, math.sin(s / 10)) for s in range(5000)],
    "sparse-steps": [(s * 7, 5 * s, float(s % 13)) for s in range(1234)],
    "repeated-steps": [(s // 10, s, float(s)) for s in range(3000)],
    "all-at-step-zero": [(0, s, float(s)) for s in range(2600)],
    "short": [(s, s, 1.0 / (s + 1)) for s in range(40)],
}


@pytest.mark.parametrize("name", sorted(HISTORIES))
@pytest.mark.parametrize(
    ("max_results", "steps"),
    [(2500, None), (100, None), (1, None), (7, None), (50, (100, 900))],
)
def test_bulk_interval_samples_as_mlflow_does(client, mlflow_store, name, max_results, steps):
    points = HISTORIES[name]
    run_id = new_run(client, points)
    query = {"max_results": max_results}
    if steps:
        query |= {"start_step": steps[0], "end_step": steps[1]}
    expected = mlflow_sample(mlflow_store, points, max_results, *(steps or (None, None)))
    assert keel_sample(client, run_id, **query) == expected


def test_bulk_interval_keeps_first_and_last_and_names_each_run(client):
    points = [(s, s, float(s)) for s in range(10_000)]
    first, second = new_run(client, points), new_run(client, points[:10])
    response = client.get(
        BULK, params={"run_ids": [first, "no-such-run", second], "metric_key": "loss", "max_results": 100}
    )
    metrics = response.json()["metrics"]
    assert [m["run_id"] for m in metrics] == [first] * 100 + [second] * 10
    assert metrics[0]["step"] == 0
    assert metrics[99]["step"] == 9999
    assert {m["key"] for m in metrics} == {"loss"}


def test_bulk_interval_of_an_unknown_key_or_no_runs_is_empty(client):
    run_id = new_run(client, [(0, 0, 1.0)])
    assert client.get(BULK, params={"run_ids": run_id, "metric_key": "nope"}).json() == {"metrics": []}
    assert client.get(BULK, params={"metric_key": "loss"}).json() == {"metrics": []}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"run_ids": [f"r{i}" for i in range(101)]},
            "GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received 101 run_ids.",
        ),
        ({"max_results": 0}, "max_results must be between 1 and 2500."),
        ({"max_results": 2501}, "max_results must be between 1 and 2500."),
        ({"start_step": 3}, "If either start step or end step are specified, both must be specified."),
        (
            {"start_step": 5, "end_step": 4},
            "end_step must be greater than start_step. Found start_step=5 and end_step=4.",
        ),
    ],
)
def test_bulk_interval_refuses_what_mlflow_refuses(client, query, message):
    response = client.get(BULK, params={"run_ids": "r", "metric_key": "loss", **query})
    assert response.status_code == 400
    assert response.json() == {"error_code": "INVALID_PARAMETER_VALUE", "message": message}


def downsample(client: httpx.Client, run_id: str, **query) -> dict:
    response = client.get(DOWNSAMPLED, params={"run_id": run_id, "metric_key": "loss"} | query)
    assert response.status_code == 200, response.text
    return response.json()


def test_downsampled_buckets_keep_every_spike_and_the_ends(client):
    values = [0.0] * 100_000
    values[31_337] = 50.0
    values[77_777] = -20.0
    values[0], values[-1] = 1.5, 2.5
    run_id = new_run(client, [(s, s, v) for s, v in enumerate(values)])
    out = downsample(client, run_id, buckets=500)
    buckets = out["buckets"]
    assert (out["start_step"], out["end_step"], out["bucket_width"]) == (0, 99_999, 200)
    assert out["total_points"] == 100_000 == sum(buckets["count"])
    assert len(buckets["count"]) == 500
    assert max(buckets["max"]) == 50.0
    assert min(buckets["min"]) == -20.0
    spike = buckets["max"].index(50.0)
    assert buckets["first_step"][spike] <= 31_337 <= buckets["last_step"][spike]
    assert buckets["first"][0] == 1.5
    assert buckets["last"][-1] == 2.5
    assert buckets["first_step"] == sorted(buckets["first_step"])


def test_downsampled_range_returns_raw_points_when_they_fit(client):
    run_id = new_run(client, [(s, s, float(s * s)) for s in range(10_000)])
    out = downsample(client, run_id, buckets=1000, start_step=100, end_step=199)
    buckets = out["buckets"]
    assert out["bucket_width"] == 1
    assert buckets["first_step"] == list(range(100, 200))
    assert (
        buckets["min"]
        == buckets["max"]
        == buckets["first"]
        == buckets["last"]
        == [float(s * s) for s in range(100, 200)]
    )


def test_downsampled_nan_is_null_and_never_a_minimum(client):
    run_id = new_run(client, [(0, 0, math.nan), (1, 1, 3.0), (2, 2, math.nan), (3, 3, math.nan)])
    buckets = downsample(client, run_id, buckets=2)["buckets"]
    assert buckets["count"] == [2, 2]
    assert buckets["first"] == [None, None]
    assert buckets["min"] == [3.0, None]
    assert buckets["max"] == [3.0, None]
    assert buckets["last"] == [3.0, None]


def test_downsampled_history_of_an_unknown_key_is_empty(client):
    run_id = new_run(client, [(0, 0, 1.0)])
    out = downsample(client, run_id, metric_key="nope")
    assert out["total_points"] == 0
    assert out["buckets"]["count"] == []


def test_downsampled_history_errors(client):
    run_id = new_run(client, [(0, 0, 1.0)])
    missing = client.get(DOWNSAMPLED, params={"run_id": "nope", "metric_key": "loss"})
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    for query in ({"buckets": 0}, {"buckets": 5001}, {"start_step": 9, "end_step": 3}):
        response = client.get(DOWNSAMPLED, params={"run_id": run_id, "metric_key": "loss", **query})
        assert response.status_code == 400
        assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    no_key = client.get(DOWNSAMPLED, params={"run_id": run_id})
    assert no_key.status_code == 400
