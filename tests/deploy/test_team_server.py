"""Six people log to one ``keel server --workers 4`` (PostgreSQL + S3) at the same moment; afterwards
the API must show every run, metric point, param, tag and artifact exactly once."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from teamserver import WORKERS, Deployment, child_processes, clean_env

pytestmark = pytest.mark.postgres

CLIENTS = 6
CLIENT_SCRIPT = Path(__file__).with_name("team_client.py")
CLIENT_TIMEOUT_S = 90
WORKER_START_TIMEOUT_S = 30


def api(http: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    response = http.request(method, f"/api/2.0/mlflow{path}", **kwargs)
    assert response.status_code == 200, f"{method} {path} -> {response.status_code} {response.text}"
    return response.json()


def as_dict(entries: list[dict[str, str]]) -> dict[str, str]:
    return {entry["key"]: entry["value"] for entry in entries}


def history(http: httpx.Client, run_id: str, key: str) -> Counter[tuple[int, float, int]]:
    """The metric's history as a multiset of (step, value, timestamp): a duplicate counts 2."""
    metrics = api(http, "GET", "/metrics/get-history", params={"run_id": run_id, "metric_key": key})
    return Counter((m["step"], m["value"], m["timestamp"]) for m in metrics.get("metrics", []))


def expected_history(points: list[list[Any]]) -> Counter[tuple[int, float, int]]:
    return Counter((step, value, timestamp) for step, value, timestamp in points)


def test_the_server_runs_four_worker_processes(deployment: Deployment) -> None:
    deadline = time.monotonic() + WORKER_START_TIMEOUT_S
    while True:
        workers = {
            pid: cmd for pid, cmd in child_processes(deployment.server.pid).items() if "spawn_main" in cmd
        }
        if len(workers) >= WORKERS or time.monotonic() > deadline:
            break
        time.sleep(0.1)

    assert len(workers) == WORKERS, child_processes(deployment.server.pid)
    assert httpx.get(f"{deployment.url}/health").text == "OK"


@pytest.fixture(scope="module")
def team_session(deployment: Deployment, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the clients together (behind a barrier) and collect their manifests."""
    work = tmp_path_factory.mktemp("team")
    barrier = work / "barrier"
    barrier.mkdir()
    experiment_name = f"team-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=deployment.url, timeout=30) as http:
        shared_experiment = api(
            http, "POST", "/experiments/create", json={"name": f"{experiment_name}-shared"}
        )
        shared = api(http, "POST", "/runs/create", json={"experiment_id": shared_experiment["experiment_id"]})
    shared_run_id = shared["run"]["info"]["run_id"]
    # Team members have the server's URL, not the bucket's credentials: artifacts go through the proxy.
    env = clean_env(MLFLOW_TRACKING_URI=deployment.url)
    clients = []
    for index in range(CLIENTS):
        argv = [sys.executable, str(CLIENT_SCRIPT), deployment.url, experiment_name, shared_run_id]
        argv += [str(index), str(barrier), str(work / f"manifest-{index}.json")]
        clients.append(subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    try:
        deadline = time.monotonic() + CLIENT_TIMEOUT_S
        while len(list(barrier.glob("ready-*"))) < CLIENTS:
            assert all(c.poll() is None for c in clients), "a client died before the barrier"
            assert time.monotonic() < deadline, "the clients never all reached the barrier"
            time.sleep(0.01)
        (barrier / "go").touch()
        outputs = [c.communicate(timeout=CLIENT_TIMEOUT_S)[0].decode(errors="replace") for c in clients]
    finally:
        for client in clients:
            if client.poll() is None:
                client.kill()
                client.wait()
    for index, (client, output) in enumerate(zip(clients, outputs, strict=True)):
        assert client.returncode == 0, f"client {index} failed:\n{output}"
    manifests = [json.loads((work / f"manifest-{i}.json").read_text()) for i in range(CLIENTS)]
    return {"experiment_name": experiment_name, "shared_run_id": shared_run_id, "manifests": manifests}


def all_runs(team_session: dict[str, Any]) -> list[dict[str, Any]]:
    return [run for manifest in team_session["manifests"] for run in manifest["runs"]]


def test_clients_really_worked_at_the_same_time(team_session: dict[str, Any]) -> None:
    manifests = team_session["manifests"]

    assert max(m["began"] for m in manifests) < min(m["ended"] for m in manifests)


def test_racing_set_experiment_made_one_experiment(
    deployment: Deployment, team_session: dict[str, Any]
) -> None:
    name = team_session["experiment_name"]
    with httpx.Client(base_url=deployment.url) as http:
        found = api(
            http, "POST", "/experiments/search", json={"max_results": 100, "filter": f"name = '{name}'"}
        )

    assert len(found["experiments"]) == 1
    assert {m["experiment_id"] for m in team_session["manifests"]} == {
        found["experiments"][0]["experiment_id"]
    }


def test_every_run_exists_once_with_its_params_tags_and_status(
    deployment: Deployment, team_session: dict[str, Any]
) -> None:
    experiment_id = team_session["manifests"][0]["experiment_id"]
    expected = {run["run_id"]: run for run in all_runs(team_session)}
    with httpx.Client(base_url=deployment.url, timeout=30) as http:
        found = api(
            http, "POST", "/runs/search", json={"experiment_ids": [experiment_id], "max_results": 1000}
        )
        runs = found["runs"]

        assert sorted(run["info"]["run_id"] for run in runs) == sorted(expected)
        assert len(expected) == CLIENTS * 4
        for run in runs:
            logged = expected[run["info"]["run_id"]]
            assert run["info"]["status"] == "FINISHED"
            assert run["info"]["run_name"] == logged["run_name"]
            assert as_dict(run["data"]["params"]) == logged["params"]
            assert as_dict(run["data"]["tags"]).items() >= logged["tags"].items()


def test_every_metric_history_holds_exactly_the_logged_points(
    deployment: Deployment, team_session: dict[str, Any]
) -> None:
    with httpx.Client(base_url=deployment.url, timeout=30) as http:
        for run in all_runs(team_session):
            for key, points in run["metrics"].items():
                assert history(http, run["run_id"], key) == expected_history(points), (run["run_name"], key)


def test_the_shared_run_got_every_write_once(deployment: Deployment, team_session: dict[str, Any]) -> None:
    runs = all_runs(team_session)
    with httpx.Client(base_url=deployment.url, timeout=30) as http:
        shared = api(http, "GET", "/runs/get", params={"run_id": team_session["shared_run_id"]})["run"]
        throughput = history(http, team_session["shared_run_id"], "throughput")

    params = as_dict(shared["data"]["params"])
    expected_params = {run["shared"]["param"]: run["run_id"] for run in runs} | {"dataset": "v1"}
    assert params == expected_params
    steps = [run["shared"]["throughput_step"] for run in runs]
    assert sorted(throughput.elements()) == sorted((s, float(s), 1_700_000_000_000 + s) for s in steps)
    assert as_dict(shared["data"]["tags"])["last-writer"] in {str(i) for i in range(CLIENTS)}


def test_every_artifact_is_in_the_bucket_and_downloads_intact(
    deployment: Deployment, team_session: dict[str, Any]
) -> None:
    runs = all_runs(team_session)
    experiment_id = team_session["manifests"][0]["experiment_id"]
    stored = deployment.s3.objects(deployment.bucket, f"{deployment.prefix}/")

    expected_keys = {f"{experiment_id}/{run['run_id']}/artifacts/{run['artifact']['path']}" for run in runs}
    assert set(stored) == expected_keys
    with httpx.Client(base_url=deployment.url, timeout=30) as http:
        for run in runs:
            key = f"{experiment_id}/{run['run_id']}/artifacts/{run['artifact']['path']}"
            assert hashlib.sha256(stored[key]).hexdigest() == run["artifact"]["sha256"]
            listing = api(http, "GET", "/artifacts/list", params={"run_id": run["run_id"], "path": "outputs"})
            assert [(f["path"], f.get("file_size")) for f in listing["files"]] == [
                (run["artifact"]["path"], run["artifact"]["size"])
            ]
            download = http.get(f"/api/2.0/mlflow-artifacts/artifacts/{key}")
            assert download.status_code == 200
            assert hashlib.sha256(download.content).hexdigest() == run["artifact"]["sha256"]
