"""One member of a team, as a separate process: log runs to a shared keel server over plain HTTP.

It speaks the REST calls the ``mlflow`` client makes (set_experiment's get-or-create, create-run,
log-batch, log-metric, log-parameter, set-tag, the artifact proxy PUT, update), waits at a barrier
so every client works at the same time, and writes a manifest of exactly what it logged.

    python team_client.py URL EXPERIMENT_NAME SHARED_RUN_ID CLIENT_INDEX BARRIER_DIR MANIFEST
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

RUNS_PER_CLIENT = 4
BATCH_STEPS = 60  # "loss": one log-batch per run
SINGLE_STEPS = 8  # "acc": one log-metric call per step
T0 = 1_700_000_000_000
BARRIER_TIMEOUT_S = 60


class Api:
    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"/api/2.0/mlflow{path}", **kwargs)
        if response.status_code != 200:
            raise RuntimeError(f"{method} {path} -> {response.status_code} {response.text}")
        return response.json()

    def set_experiment(self, name: str) -> str:
        """mlflow.set_experiment: get by name, else create, and if another process won the race, get again."""
        found = self.http.get("/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": name})
        if found.status_code == 200:
            return str(found.json()["experiment"]["experiment_id"])
        created = self.http.post("/api/2.0/mlflow/experiments/create", json={"name": name})
        if created.status_code == 200:
            return str(created.json()["experiment_id"])
        if created.json().get("error_code") != "RESOURCE_ALREADY_EXISTS":
            raise RuntimeError(f"experiments/create -> {created.status_code} {created.text}")
        return str(
            self.call("GET", "/experiments/get-by-name", params={"experiment_name": name})["experiment"][
                "experiment_id"
            ]
        )

    def upload(self, artifact_uri: str, relative: str, data: bytes) -> None:
        """What mlflow's HTTP artifact repository does for an ``mlflow-artifacts:/…`` run root."""
        root = artifact_uri.removeprefix("mlflow-artifacts:").lstrip("/")
        response = self.http.put(f"/api/2.0/mlflow-artifacts/artifacts/{root}/{relative}", content=data)
        if response.status_code != 200:
            raise RuntimeError(f"artifact PUT {relative} -> {response.status_code} {response.text}")


def wait_at_barrier(barrier: Path, index: int) -> None:
    (barrier / f"ready-{index}").touch()
    deadline = time.monotonic() + BARRIER_TIMEOUT_S
    while not (barrier / "go").exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the barrier never opened")
        time.sleep(0.01)


def log_one_run(api: Api, experiment_id: str, shared_run_id: str, index: int, number: int) -> dict[str, Any]:
    name = f"client{index}-run{number}"
    tags = [{"key": "client", "value": str(index)}]
    run = api.call(
        "POST", "/runs/create", json={"experiment_id": experiment_id, "run_name": name, "tags": tags}
    )
    info = run["run"]["info"]
    run_id = info["run_id"]
    params = {f"p{k}": f"{index}-{number}-{k}" for k in range(5)}
    loss = [[step, round(index + number / 10 + 1 / (step + 1), 6), T0 + step] for step in range(BATCH_STEPS)]
    batch = {
        "run_id": run_id,
        "params": [{"key": k, "value": v} for k, v in params.items()],
        "metrics": [{"key": "loss", "value": v, "timestamp": ts, "step": s} for s, v, ts in loss],
        "tags": [{"key": "phase", "value": "batch"}],
    }
    api.call("POST", "/runs/log-batch", json=batch)
    acc = []
    for step in range(SINGLE_STEPS):
        point = [step, round(0.5 + step / 100 + index / 1000, 6), T0 + 1000 + step]
        api.call(
            "POST",
            "/runs/log-metric",
            json={"run_id": run_id, "key": "acc", "value": point[1], "timestamp": point[2], "step": step},
        )
        acc.append(point)
    api.call("POST", "/runs/set-tag", json={"run_id": run_id, "key": "phase", "value": "done"})
    artifact = f"client {index} run {number}\n".encode() + os.urandom(64 * 1024)
    artifact_name = f"outputs/model-{index}-{number}.bin"
    api.upload(info["artifact_uri"], artifact_name, artifact)

    # Everyone also writes to one shared run at the same time: an identical param (a no-op after the
    # first), a param of its own, a tag everyone overwrites, and its own point of a shared metric.
    step = index * RUNS_PER_CLIENT + number
    api.call("POST", "/runs/log-parameter", json={"run_id": shared_run_id, "key": "dataset", "value": "v1"})
    shared_batch = {
        "run_id": shared_run_id,
        "params": [{"key": "dataset", "value": "v1"}, {"key": f"from-{index}-{number}", "value": run_id}],
        "metrics": [{"key": "throughput", "value": float(step), "timestamp": T0 + step, "step": step}],
        "tags": [{"key": "last-writer", "value": str(index)}],
    }
    api.call("POST", "/runs/log-batch", json=shared_batch)
    api.call(
        "POST",
        "/runs/update",
        json={"run_id": run_id, "status": "FINISHED", "end_time": int(time.time() * 1000)},
    )
    return {
        "run_id": run_id,
        "run_name": name,
        "artifact_uri": info["artifact_uri"],
        "params": params,
        "tags": {"client": str(index), "phase": "done", "mlflow.runName": name},
        "metrics": {"loss": loss, "acc": acc},
        "artifact": {
            "path": artifact_name,
            "sha256": hashlib.sha256(artifact).hexdigest(),
            "size": len(artifact),
        },
        "shared": {"param": f"from-{index}-{number}", "throughput_step": step},
    }


def main(
    url: str, experiment_name: str, shared_run_id: str, index: int, barrier: Path, manifest: Path
) -> None:
    api = Api(url)
    wait_at_barrier(barrier, index)
    began = time.time()
    experiment_id = api.set_experiment(experiment_name)
    runs = [
        log_one_run(api, experiment_id, shared_run_id, index, number) for number in range(RUNS_PER_CLIENT)
    ]
    summary = {
        "client": index,
        "experiment_id": experiment_id,
        "began": began,
        "ended": time.time(),
        "runs": runs,
    }
    manifest.write_text(json.dumps(summary), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5]), Path(sys.argv[6]))
