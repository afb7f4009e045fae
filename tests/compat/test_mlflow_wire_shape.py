"""The same REST session against MLflow 3.17's own server and against keel: the JSON must look the same.

Both servers start empty, get identical requests (fixed names, start times and timestamps), and
each reply is compared after replacing server-chosen values (ids, creation times, URIs holding
ids) by their type. Lists are compared as multisets: neither server promises tag order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from liveserver import LiveServer
from mlflowserver import running_mlflow_server

if TYPE_CHECKING:
    from collections.abc import Iterator

# Values each server picks for itself; compared by type only.
SERVER_CHOSEN = {
    "experiment_id",
    "run_id",
    "run_uuid",
    "creation_time",
    "last_update_time",
    "artifact_location",
    "artifact_uri",
    "root_uri",
}
# Extras MLflow 3.x adds to error bodies; its client reads only error_code and message.
MLFLOW_ERROR_EXTRAS = {"sqlstate", "error_class"}


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: Any


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``mlflow server`` (uvicorn + Flask, SQLite, proxied artifacts) in its own process group."""
    with running_mlflow_server(tmp_path_factory.mktemp("mlflow-server")) as url:
        yield url


def record_session(base_url: str) -> dict[str, Reply]:
    """Run the scripted session and keep every reply by name."""
    replies: dict[str, Reply] = {}
    with httpx.Client(base_url=f"{base_url}/api/2.0/mlflow", timeout=30) as http:

        def call(name: str, method: str, path: str, **kwargs: Any) -> Any:
            response = http.request(method, path, **kwargs)
            try:
                body = response.json()
            except ValueError:
                body = response.text
            content_type = response.headers.get("content-type", "").split(";")[0]
            replies[name] = Reply(response.status_code, content_type, body)
            return body

        tags = [{"key": "team", "value": "vision"}]
        experiment_id = call(
            "experiments/create", "POST", "/experiments/create", json={"name": "shape", "tags": tags}
        )["experiment_id"]
        call("experiments/get", "GET", "/experiments/get", params={"experiment_id": experiment_id})
        call(
            "experiments/get-by-name", "GET", "/experiments/get-by-name", params={"experiment_name": "shape"}
        )
        call(
            "experiments/search",
            "POST",
            "/experiments/search",
            json={"max_results": 10, "filter": "name = 'shape'"},
        )
        new_run = {
            "experiment_id": experiment_id,
            "run_name": "r1",
            "start_time": 1000,
            "tags": [{"key": "k", "value": "v"}],
        }
        run_id = call("runs/create", "POST", "/runs/create", json=new_run)["run"]["info"]["run_id"]
        batch = {
            "run_id": run_id,
            "metrics": [
                {"key": "m", "value": 1.5, "timestamp": 2000, "step": 0},
                {"key": "m", "value": 2.5, "timestamp": 2001, "step": 1},
                {"key": "n", "value": "NaN", "timestamp": 2002, "step": 0},
            ],
            "params": [{"key": "p", "value": "1"}],
            "tags": [{"key": "t", "value": "x"}],
        }
        call("runs/log-batch", "POST", "/runs/log-batch", json=batch)
        metric = {"run_id": run_id, "key": "m", "value": 3.5, "timestamp": 2003, "step": 2}
        call("runs/log-metric", "POST", "/runs/log-metric", json=metric)
        call(
            "runs/log-parameter",
            "POST",
            "/runs/log-parameter",
            json={"run_id": run_id, "key": "q", "value": "a"},
        )
        call("runs/set-tag", "POST", "/runs/set-tag", json={"run_id": run_id, "key": "t", "value": "y"})
        update = {"run_id": run_id, "status": "FINISHED", "end_time": 3000}
        call("runs/update", "POST", "/runs/update", json=update)
        call("runs/get", "GET", "/runs/get", params={"run_id": run_id})
        search = {
            "experiment_ids": [experiment_id],
            "filter": "metrics.m > 1",
            "order_by": ["metrics.m DESC"],
        }
        call("runs/search", "POST", "/runs/search", json=search)
        call(
            "metrics/get-history", "GET", "/metrics/get-history", params={"run_id": run_id, "metric_key": "m"}
        )
        call(
            "metrics/get-history NaN",
            "GET",
            "/metrics/get-history",
            params={"run_id": run_id, "metric_key": "n"},
        )
        call("artifacts/list empty", "GET", "/artifacts/list", params={"run_id": run_id})
        run_root = artifact_root_path(replies["runs/create"].body)
        proxy = f"{base_url}/api/2.0/mlflow-artifacts/artifacts"
        call("mlflow-artifacts upload", "PUT", f"{proxy}/{run_root}/plots/loss.txt", content=b"0.5\n0.25\n")
        call("artifacts/list", "GET", "/artifacts/list", params={"run_id": run_id})
        call("artifacts/list folder", "GET", "/artifacts/list", params={"run_id": run_id, "path": "plots"})
        call("mlflow-artifacts list", "GET", proxy, params={"path": f"{run_root}/plots"})

        call("error: unknown run", "GET", "/runs/get", params={"run_id": "nope"})
        call(
            "error: unknown experiment name",
            "GET",
            "/experiments/get-by-name",
            params={"experiment_name": "nope"},
        )
        call("error: duplicate experiment", "POST", "/experiments/create", json={"name": "shape"})
        call(
            "error: changed param",
            "POST",
            "/runs/log-parameter",
            json={"run_id": run_id, "key": "p", "value": "2"},
        )
        call("error: missing field", "POST", "/runs/log-metric", json={"run_id": run_id, "key": "m"})
        call(
            "error: unquoted filter value",
            "POST",
            "/runs/search",
            json={"experiment_ids": [experiment_id], "filter": "params.p = 1"},
        )
        wrong_type = {"content": b"{}", "headers": {"content-type": "text/plain"}}
        call("error: content type", "POST", "/runs/update", **wrong_type)

        call("runs/delete", "POST", "/runs/delete", json={"run_id": run_id})
        call(
            "error: write to deleted run",
            "POST",
            "/runs/set-tag",
            json={"run_id": run_id, "key": "t", "value": "z"},
        )
    return replies


def artifact_root_path(run_reply: dict[str, Any]) -> str:
    """``mlflow-artifacts:/1/<run>/artifacts`` -> ``1/<run>/artifacts``, the path under the proxy."""
    return str(run_reply["run"]["info"]["artifact_uri"]).removeprefix("mlflow-artifacts:").lstrip("/")


@pytest.fixture(scope="module")
def replies(mlflow_server: str, keel_server: LiveServer) -> dict[str, dict[str, Reply]]:
    return {"mlflow": record_session(mlflow_server), "keel": record_session(keel_server.url)}


def differences(keel: Any, mlflow: Any, path: str = "") -> list[str]:
    """Where two normalised bodies part, one line each, e.g. ``.run.outputs: only MLflow sends it``."""
    if isinstance(keel, dict) and isinstance(mlflow, dict):
        found = [f"{path}.{key}: only MLflow sends it" for key in sorted(mlflow.keys() - keel.keys())]
        found += [f"{path}.{key}: only keel sends it" for key in sorted(keel.keys() - mlflow.keys())]
        for key in sorted(keel.keys() & mlflow.keys()):
            found += differences(keel[key], mlflow[key], f"{path}.{key}")
        return found
    if isinstance(keel, list) and isinstance(mlflow, list) and len(keel) == len(mlflow):
        return [
            line
            for i, pair in enumerate(zip(keel, mlflow, strict=True))
            for line in differences(*pair, f"{path}[{i}]")
        ]
    return [] if keel == mlflow else [f"{path}: keel {keel!r}, MLflow {mlflow!r}"]


def normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: type(v).__name__ if k in SERVER_CHOSEN else normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((normalise(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    return value


SUCCESS_CALLS = [
    "experiments/create",
    "experiments/get",
    "experiments/get-by-name",
    "experiments/search",
    "runs/create",
    "runs/log-batch",
    "runs/log-metric",
    "runs/log-parameter",
    "runs/set-tag",
    "runs/update",
    "runs/get",
    "runs/search",
    "metrics/get-history",
    "metrics/get-history NaN",
    "artifacts/list empty",
    "mlflow-artifacts upload",
    "artifacts/list",
    "artifacts/list folder",
    "mlflow-artifacts list",
    "runs/delete",
]
ERROR_CALLS = [
    "error: unknown run",
    "error: unknown experiment name",
    "error: duplicate experiment",
    "error: changed param",
    "error: missing field",
    "error: unquoted filter value",
    "error: content type",
    "error: write to deleted run",
]


@pytest.mark.parametrize("call", SUCCESS_CALLS)
def test_success_reply_matches_mlflow(replies: dict[str, dict[str, Reply]], call: str) -> None:
    mlflow_reply, keel_reply = replies["mlflow"][call], replies["keel"][call]

    assert mlflow_reply.status == 200, mlflow_reply
    assert (keel_reply.status, keel_reply.content_type) == (200, mlflow_reply.content_type)
    assert differences(normalise(keel_reply.body), normalise(mlflow_reply.body)) == []


@pytest.mark.parametrize("call", ERROR_CALLS)
def test_error_reply_matches_mlflow(replies: dict[str, dict[str, Reply]], call: str) -> None:
    mlflow_reply, keel_reply = replies["mlflow"][call], replies["keel"][call]

    assert mlflow_reply.status >= 400, mlflow_reply
    assert keel_reply.status == mlflow_reply.status, keel_reply
    assert keel_reply.content_type == "application/json"
    assert keel_reply.body["error_code"] == mlflow_reply.body["error_code"]
    assert isinstance(keel_reply.body["message"], str)
    assert keel_reply.body["message"]
    assert set(keel_reply.body) <= set(mlflow_reply.body), "keel sends keys MLflow does not"
    assert set(mlflow_reply.body) - set(keel_reply.body) <= MLFLOW_ERROR_EXTRAS
