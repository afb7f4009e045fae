"""The registry over HTTP: MLflow's wire shapes and error codes, proxied registry storage, the acting
user taken from Basic auth, and keel's history and lineage endpoints. Each bad request changes nothing."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import httpx
import pytest

from keel.server.settings import ServerSettings
from liveserver import LiveServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

API = "/api/2.0/mlflow"
KEEL = "/api/2.0/keel"
PROXY = "/api/2.0/mlflow-artifacts/artifacts"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(ServerSettings.embedded(tmp_path / "keel")) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    auth = base64.b64encode(b"ada:secret").decode()
    with httpx.Client(base_url=server.url, timeout=30, headers={"Authorization": f"Basic {auth}"}) as http:
        yield http


def _ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code
    return body["message"]


@pytest.fixture
def run_with_model(client: httpx.Client) -> str:
    """A run whose artifacts hold ``model/MLmodel``, uploaded through the artifact proxy."""
    run = _ok(client.post(f"{API}/runs/create", json={"experiment_id": "0"}))["run"]["info"]
    path = run["artifact_uri"].removeprefix("mlflow-artifacts:")
    for name, body in (("MLmodel", b"flavors: {}\n"), ("model.pkl", b"weights")):
        assert client.put(f"{PROXY}{path}/model/{name}", content=body).status_code == 200
    return run["run_id"]


def _register(client: httpx.Client, run_id: str, name: str = "m") -> dict:
    _ok(client.post(f"{API}/registered-models/create", json={"name": name}))
    body = {"name": name, "source": f"runs:/{run_id}/model", "run_id": run_id}
    return _ok(client.post(f"{API}/model-versions/create", json=body))["model_version"]


def test_version_wire_shape_and_proxied_download(client: httpx.Client, run_with_model: str) -> None:
    version = _register(client, run_with_model)
    assert set(version) == {
        "name",
        "version",
        "creation_timestamp",
        "last_updated_timestamp",
        "current_stage",
        "source",
        "status",
        "run_id",
        "user_id",
    }
    assert (version["version"], version["status"], version["user_id"]) == ("1", "READY", "ada")
    uri = _ok(client.get(f"{API}/model-versions/get-download-uri", params={"name": "m", "version": 1}))
    assert uri["artifact_uri"].startswith("mlflow-artifacts:/registry/")
    path = uri["artifact_uri"].removeprefix("mlflow-artifacts:")
    assert client.get(f"{PROXY}{path}/model.pkl").content == b"weights"
    model = _ok(client.get(f"{API}/registered-models/get", params={"name": "m"}))["registered_model"]
    assert [v["version"] for v in model["latest_versions"]] == ["1"]


def test_aliases_over_http(client: httpx.Client, run_with_model: str) -> None:
    _register(client, run_with_model)
    _ok(
        client.post(f"{API}/registered-models/alias", json={"name": "m", "alias": "champion", "version": "1"})
    )
    got = _ok(client.get(f"{API}/registered-models/alias", params={"name": "m", "alias": "champion"}))
    assert got["model_version"]["aliases"] == ["champion"]
    model = _ok(client.get(f"{API}/registered-models/get", params={"name": "m"}))["registered_model"]
    assert model["aliases"] == [{"alias": "champion", "version": "1"}]
    _ok(client.request("DELETE", f"{API}/registered-models/alias", json={"name": "m", "alias": "champion"}))
    _error(
        client.get(f"{API}/registered-models/alias", params={"name": "m", "alias": "champion"}),
        400,
        "INVALID_PARAMETER_VALUE",
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/registered-models/create", {"name": "m"}, 400, "RESOURCE_ALREADY_EXISTS"),
        ("POST", "/registered-models/create", {"name": "a/b"}, 400, "INVALID_PARAMETER_VALUE"),
        ("POST", "/registered-models/create", {}, 400, "INVALID_PARAMETER_VALUE"),
        ("POST", "/registered-models/create", {"name": ["m"]}, 400, "INVALID_PARAMETER_VALUE"),
        ("GET", "/registered-models/get", {"name": "ghost"}, 404, "RESOURCE_DOES_NOT_EXIST"),
        ("GET", "/model-versions/get", {"name": "m", "version": "7"}, 404, "RESOURCE_DOES_NOT_EXIST"),
        ("GET", "/model-versions/get", {"name": "m", "version": "one"}, 400, "INVALID_PARAMETER_VALUE"),
        (
            "POST",
            "/model-versions/transition-stage",
            {"name": "m", "version": "1", "stage": "Live", "archive_existing_versions": False},
            400,
            "INVALID_PARAMETER_VALUE",
        ),
        (
            "POST",
            "/registered-models/alias",
            {"name": "m", "alias": "latest", "version": "1"},
            400,
            "INVALID_PARAMETER_VALUE",
        ),
        (
            "POST",
            "/registered-models/alias",
            {"name": "m", "alias": "gold", "version": "9"},
            404,
            "RESOURCE_DOES_NOT_EXIST",
        ),
        (
            "POST",
            "/model-versions/create",
            {"name": "m", "source": "file:///etc"},
            400,
            "INVALID_PARAMETER_VALUE",
        ),
        (
            "POST",
            "/model-versions/create",
            {"name": "m", "source": "http://127.0.0.1:22/model"},
            400,
            "INVALID_PARAMETER_VALUE",
        ),
        ("GET", "/registered-models/search", {"filter": "name =="}, 400, "INVALID_PARAMETER_VALUE"),
        ("GET", "/model-versions/search", {"max_results": "0"}, 400, "INVALID_PARAMETER_VALUE"),
    ],
)
def test_bad_requests_get_mlflow_errors_and_change_nothing(
    client: httpx.Client, run_with_model: str, method: str, path: str, body: dict, status: int, code: str
) -> None:
    _register(client, run_with_model)
    before = _ok(client.get(f"{KEEL}/registry/history"))["events"]
    if method == "GET":
        response = client.get(API + path, params=body)
    else:
        response = client.request(method, API + path, json=body)
    _error(response, status, code)
    assert _ok(client.get(f"{KEEL}/registry/history"))["events"] == before
    version = _ok(client.get(f"{API}/model-versions/get", params={"name": "m", "version": "1"}))
    assert version["model_version"]["current_stage"] == "None"


def test_history_names_the_user_and_lineage_reaches_the_run(
    client: httpx.Client, run_with_model: str
) -> None:
    _register(client, run_with_model)
    body = {"name": "m", "version": "1", "stage": "Staging", "archive_existing_versions": False}
    _ok(client.post(f"{API}/model-versions/transition-stage", json=body))
    events = _ok(client.get(f"{KEEL}/registry/history", params={"name": "m"}))["events"]
    assert [(e["action"], e["user_id"]) for e in events] == [
        ("registered_model.created", "ada"),
        ("model_version.created", "ada"),
        ("model_version.stage_changed", "ada"),
    ]
    assert (events[-1]["from_value"], events[-1]["to_value"]) == ("None", "Staging")
    graph = _ok(client.get(f"{KEEL}/registry/lineage", params={"name": "m", "version": "1"}))
    kinds = {node["type"]: node for node in graph["nodes"]}
    assert kinds["run"]["run_id"] == run_with_model
    assert {"from": f"run:{run_with_model}", "to": "model_version:m/1", "relation": "registered_as"} in graph[
        "edges"
    ]
