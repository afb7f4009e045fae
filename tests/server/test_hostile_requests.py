"""Bad input and hostile requests: each gets MLflow's error shape, and the earlier data is intact."""

import http.client
from urllib.parse import urlsplit

import httpx
import pytest

from keel.server.settings import ServerSettings
from liveserver import LiveServer

API = "/api/2.0/mlflow"


@pytest.fixture
def client(tmp_path):
    settings = ServerSettings(
        backend_store_uri=f"sqlite:///{tmp_path / 'keel.db'}",
        artifacts_destination=(tmp_path / "artifacts").as_uri(),
        max_body_bytes=64 * 1024,
    )
    with LiveServer(settings) as server, httpx.Client(base_url=server.url, timeout=30) as http_client:
        yield http_client


def raw_request(client: httpx.Client, method: str, path: str, body: bytes = b"") -> httpx.Response:
    """Send ``path`` byte for byte: httpx would resolve ``..`` segments before they reach the server."""
    url = urlsplit(str(client.base_url))
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request(method, path, body=body)
        answer = conn.getresponse()
        return httpx.Response(answer.status, headers=answer.getheaders(), content=answer.read())
    finally:
        conn.close()


@pytest.fixture
def seeded(client):
    """An experiment with one run holding a param, a metric and an artifact."""
    exp = client.post(f"{API}/experiments/create", json={"name": "seed"}).json()["experiment_id"]
    run = client.post(f"{API}/runs/create", json={"experiment_id": exp}).json()["run"]["info"]
    run_id = run["run_id"]
    batch = {
        "run_id": run_id,
        "params": [{"key": "p", "value": "1"}],
        "metrics": [{"key": "m", "value": 0.5, "timestamp": 1, "step": 0}],
    }
    assert client.post(f"{API}/runs/log-batch", json=batch).status_code == 200
    artifact = f"/api/2.0/mlflow-artifacts/artifacts/{exp}/{run_id}/artifacts/keep.txt"
    assert client.put(artifact, content=b"precious").status_code == 200
    return {"experiment_id": exp, "run_id": run_id, "artifact": artifact}


def assert_intact(client, seeded, tmp_path):
    run = client.get(f"{API}/runs/get", params={"run_id": seeded["run_id"]}).json()["run"]
    assert run["data"]["params"] == [{"key": "p", "value": "1"}]
    assert [(m["key"], m["value"]) for m in run["data"]["metrics"]] == [("m", 0.5)]
    assert client.get(seeded["artifact"]).content == b"precious"
    outside = [
        p for p in tmp_path.rglob("*") if p.is_file() and "artifacts" not in p.parts and p.suffix != ".db"
    ]
    assert [p.name for p in outside if not p.name.startswith("keel.db")] == []


def assert_error(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error_code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]


HOSTILE_ARTIFACT_PATHS = [
    "../escape.txt",
    "a/../../escape.txt",
    "%2e%2e/escape.txt",
    "%252e%252e/escape.txt",
    "a/%2e%2e/%2e%2e/escape.txt",
    "..%2fescape.txt",
    "a\\..\\escape.txt",
    "a%00b.txt",
    "%2Fetc%2Fpasswd",
]


@pytest.mark.parametrize("path", HOSTILE_ARTIFACT_PATHS)
def test_artifact_paths_cannot_escape_the_root(client, seeded, tmp_path, path):
    for method in ("PUT", "GET", "DELETE"):
        response = raw_request(client, method, f"/api/2.0/mlflow-artifacts/artifacts/{path}", b"evil")
        assert_error(response, 400, "INVALID_PARAMETER_VALUE")
    listing = client.get("/api/2.0/mlflow-artifacts/artifacts", params={"path": path.replace("%2e", ".")})
    assert_error(listing, 400, "INVALID_PARAMETER_VALUE")
    assert not (tmp_path / "escape.txt").exists()
    assert_intact(client, seeded, tmp_path)


def test_run_artifact_listing_rejects_traversal(client, seeded, tmp_path):
    response = client.get(f"{API}/artifacts/list", params={"run_id": seeded["run_id"], "path": "../../"})
    assert_error(response, 400, "INVALID_PARAMETER_VALUE")
    assert_intact(client, seeded, tmp_path)


@pytest.mark.parametrize(
    "location", ["file:///etc", "/etc", "runs:/abc/artifacts"], ids=["file-uri", "abs-path", "runs-uri"]
)
def test_experiment_artifact_location_outside_the_root_is_rejected(client, seeded, tmp_path, location):
    response = client.post(f"{API}/experiments/create", json={"name": "evil", "artifact_location": location})
    assert_error(response, 400, "INVALID_PARAMETER_VALUE")
    assert client.get(f"{API}/experiments/get-by-name", params={"experiment_name": "evil"}).status_code == 404
    assert_intact(client, seeded, tmp_path)


def test_oversized_body_gets_413(client, seeded, tmp_path):
    big = {"run_id": seeded["run_id"], "tags": [{"key": "t", "value": "x" * 70_000}]}
    assert_error(client.post(f"{API}/runs/log-batch", json=big), 413, "BAD_REQUEST")
    chunked = client.post(
        f"{API}/runs/log-batch",
        content=iter([b'{"run_id": "' + seeded["run_id"].encode() + b'", "tags": [', b" " * 70_000, b"]}"]),
        headers={"content-type": "application/json"},
    )
    assert_error(chunked, 413, "BAD_REQUEST")
    run = client.get(f"{API}/runs/get", params={"run_id": seeded["run_id"]}).json()["run"]
    assert "t" not in {t["key"] for t in run["data"]["tags"]}
    assert_intact(client, seeded, tmp_path)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"{not json", {"content-type": "application/json"}),
        (b"[1, 2]", {"content-type": "application/json"}),
        (b'"just a string"', {"content-type": "application/json"}),
        (b'{"name": "x"}', {"content-type": "text/plain"}),
    ],
    ids=["malformed", "array", "string", "wrong-content-type"],
)
def test_malformed_bodies_are_invalid_parameters(client, seeded, tmp_path, body, headers):
    assert_error(
        client.post(f"{API}/experiments/create", content=body, headers=headers),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    assert_intact(client, seeded, tmp_path)


@pytest.mark.parametrize(
    "payload",
    [
        {"metrics": [{"key": "m", "value": "abc", "timestamp": 1}]},
        {"metrics": [{"key": "m", "value": True, "timestamp": 1}]},
        {"metrics": [{"key": "m", "value": 1.0, "timestamp": "soon"}]},
        {"metrics": [{"key": "m", "value": 1.0}]},
        {"metrics": "not a list"},
        {"params": [{"key": "p", "value": "2"}]},
        {"params": [{"key": "../p", "value": "2"}]},
        {"tags": [{"key": "t" * 251, "value": "v"}]},
        {
            "metrics": [
                {"key": "ok", "value": 1.0, "timestamp": 1},
                {"key": "m", "value": None, "timestamp": 1},
            ]
        },
    ],
    ids=[
        "string-value",
        "bool-value",
        "string-timestamp",
        "missing-timestamp",
        "not-a-list",
        "changed-param",
        "bad-key",
        "long-key",
        "one-bad-item",
    ],
)
def test_wrong_types_in_a_batch_write_nothing(client, seeded, tmp_path, payload):
    response = client.post(f"{API}/runs/log-batch", json={"run_id": seeded["run_id"], **payload})
    assert_error(response, 400, "INVALID_PARAMETER_VALUE")
    history = client.get(
        f"{API}/metrics/get-history", params={"run_id": seeded["run_id"], "metric_key": "ok"}
    )
    assert history.json() == {"metrics": []} or history.json() == {}
    assert_intact(client, seeded, tmp_path)


def test_missing_required_field_names_it(client, seeded, tmp_path):
    response = client.post(f"{API}/experiments/create", json={})
    assert_error(response, 400, "INVALID_PARAMETER_VALUE")
    assert "'name'" in response.json()["message"]
    assert_intact(client, seeded, tmp_path)


def test_both_spellings_of_a_field_are_rejected(client, seeded, tmp_path):
    response = client.post(
        f"{API}/runs/update", json={"run_id": seeded["run_id"], "end_time": 5, "endTime": 6}
    )
    assert_error(response, 400, "INVALID_PARAMETER_VALUE")
    assert_intact(client, seeded, tmp_path)


def test_unknown_endpoint_is_a_json_404(client):
    assert_error(client.get(f"{API}/no-such-thing"), 404, "ENDPOINT_NOT_FOUND")
    assert_error(client.get("/totally/elsewhere"), 404, "ENDPOINT_NOT_FOUND")


def test_wrong_method_is_a_json_405(client):
    response = client.get(f"{API}/runs/log-batch")
    assert response.status_code == 405
    assert response.json()["error_code"] == "BAD_REQUEST"


def test_missing_run_is_404_resource_does_not_exist(client):
    response = client.get(f"{API}/runs/get", params={"run_id": "0123456789abcdef"})
    assert_error(response, 404, "RESOURCE_DOES_NOT_EXIST")
    assert "0123456789abcdef" in response.json()["message"]


def test_bad_filter_is_a_clear_400(client, seeded, tmp_path):
    response = client.post(
        f"{API}/runs/search", json={"experiment_ids": [seeded["experiment_id"]], "filter": "metrics.m < 'x'"}
    )
    assert_error(response, 400, "INVALID_PARAMETER_VALUE")
    assert_intact(client, seeded, tmp_path)


def test_bad_page_token_is_a_clear_400(client, seeded):
    response = client.post(
        f"{API}/runs/search", json={"experiment_ids": [seeded["experiment_id"]], "page_token": "garbage!"}
    )
    assert_error(response, 400, "INVALID_PARAMETER_VALUE")
