"""Seed a live keel server through its REST API, as a user's MLflow client would."""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass
from typing import Any

import httpx

API = "/api/2.0/mlflow"
BATCH = 1000


@dataclass(frozen=True)
class SeededExperiment:
    experiment_id: str
    run_ids: list[str]
    """In creation order; run ``i`` is named ``run-{i:03d}`` and has ``accuracy_of(i, len(run_ids))``."""


def accuracy_of(i: int, runs: int) -> float:
    """A shuffle of 0.00, 0.01, …: sorting by accuracy gives another order than sorting by creation."""
    return ((7 * i) % runs) / 100


def call(client: httpx.Client, path: str, body: dict[str, object]) -> dict[str, object]:
    response = client.post(f"{API}{path}", json=body)
    response.raise_for_status()
    result: dict[str, object] = response.json()
    return result


def log_history(client: httpx.Client, run_id: str, key: str, values: list[float], start_ms: int) -> None:
    for offset in range(0, len(values), BATCH):
        chunk = values[offset : offset + BATCH]
        metrics = [
            {"key": key, "value": v, "timestamp": start_ms + offset + i, "step": offset + i}
            for i, v in enumerate(chunk)
        ]
        call(client, "/runs/log-batch", {"run_id": run_id, "metrics": metrics})


def seed_experiment(base_url: str, name: str = "e2e", runs: int = 30, points: int = 300) -> SeededExperiment:
    if runs % 7 == 0:
        raise ValueError("runs must not be a multiple of 7, or accuracies repeat")
    """Finished runs, each with params, an accuracy and a ``loss`` history of ``points`` steps."""
    start_ms = 1_700_000_000_000
    with httpx.Client(base_url=base_url, timeout=30) as client:
        experiment_id = str(call(client, "/experiments/create", {"name": name})["experiment_id"])
        run_ids = []
        for i in range(runs):
            created = call(
                client,
                "/runs/create",
                {
                    "experiment_id": experiment_id,
                    "run_name": f"run-{i:03d}",
                    "start_time": start_ms + i * 1000,
                },
            )
            run_id = str(created["run"]["info"]["run_id"])  # type: ignore[index]
            call(
                client,
                "/runs/log-batch",
                {
                    "run_id": run_id,
                    "params": [
                        {"key": "lr", "value": str(round(0.001 * (i + 1), 4))},
                        {"key": "model", "value": "tree" if i % 2 else "linear"},
                    ],
                    "metrics": [{"key": "accuracy", "value": accuracy_of(i, runs), "timestamp": start_ms}],
                    "tags": [{"key": "team", "value": "vision"}],
                },
            )
            loss = [math.exp(-s / (points / 4)) * (1 + 0.2 * math.sin(s / 7 + i)) for s in range(points)]
            log_history(client, run_id, "loss", loss, start_ms)
            call(
                client,
                "/runs/update",
                {"run_id": run_id, "status": "FINISHED", "end_time": start_ms + i * 1000 + 60_000},
            )
            run_ids.append(run_id)
    return SeededExperiment(experiment_id, run_ids)


def seed_long_history(base_url: str, points: int, experiment: str = "long histories") -> tuple[str, str]:
    """An experiment with one run whose ``loss`` has ``points`` steps: a slow decay with one spike.

    Returns:
        The experiment id and the run id.
    """
    spike = 2 * points // 3
    values = [1.0 / (1 + s / 1000) + (5.0 if s == spike else 0.0) for s in range(points)]
    with httpx.Client(base_url=base_url, timeout=60) as client:
        experiment_id = str(call(client, "/experiments/create", {"name": experiment})["experiment_id"])
        created = call(client, "/runs/create", {"experiment_id": experiment_id, "run_name": "long-run"})
        run_id = str(created["run"]["info"]["run_id"])  # type: ignore[index]
        log_history(client, run_id, "loss", values, 1_700_000_000_000)
    return experiment_id, run_id


def create_experiment(client: httpx.Client, name: str, artifact_location: str | None = None) -> str:
    body: dict[str, object] = {"name": name}
    if artifact_location:
        body["artifact_location"] = artifact_location
    return str(call(client, "/experiments/create", body)["experiment_id"])


def create_run(
    client: httpx.Client,
    experiment_id: str,
    name: str,
    params: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
    metrics: dict[str, float] | None = None,
) -> dict[str, Any]:
    """A finished run with the given params, tags and (step 0) metrics; returns its ``info``."""
    created = call(client, "/runs/create", {"experiment_id": experiment_id, "run_name": name})
    info: dict[str, Any] = created["run"]["info"]  # type: ignore[index]
    call(
        client,
        "/runs/log-batch",
        {
            "run_id": info["run_id"],
            "params": [{"key": k, "value": v} for k, v in (params or {}).items()],
            "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()],
            "metrics": [
                {"key": k, "value": v, "timestamp": 0, "step": 0} for k, v in (metrics or {}).items()
            ],
        },
    )
    call(client, "/runs/update", {"run_id": info["run_id"], "status": "FINISHED", "end_time": 60_000})
    return info


def upload_artifact(client: httpx.Client, artifact_uri: str, path: str, content: bytes) -> None:
    """Through the mlflow-artifacts proxy, as MLflow's client uploads to a run under ``mlflow-artifacts:``."""
    base = artifact_uri.removeprefix("mlflow-artifacts:").lstrip("/")
    client.put(f"/api/2.0/mlflow-artifacts/artifacts/{base}/{path}", content=content).raise_for_status()


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, written by hand so no imaging library is needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
