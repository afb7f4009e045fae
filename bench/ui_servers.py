"""The two servers of the UI benchmark: start, stop, and the URLs of the pages each workload opens."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ui_seed import FILTER, SPIKE, WIDE_FILTER, Ids

SERVER_START_TIMEOUT_S = 120
# The sample mlflow's run page asks for (mlflow/server/js: the metric charts of one run).
MLFLOW_UI_MAX_RESULTS = 320


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def executable(name: str, given: str | None) -> str:
    candidate = given or str(Path(sys.executable).with_name(name))
    if Path(candidate).is_file():
        return candidate
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: pass --{name}-bin")
    return found


@dataclass
class Server:
    tool: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    ids: Ids = field(default_factory=Ids)


def start_server(tool: str, directory: Path, binary: str) -> Server:
    port = free_port()
    if tool == "keel":
        command = [binary, "server", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        command += ["--backend-store-uri", f"sqlite:///{directory / 'keel.db'}"]
        command += ["--artifacts-destination", str(directory / "artifacts")]
    else:
        command = [binary, "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        command += ["--backend-store-uri", f"sqlite:///{directory / 'mlflow.db'}"]
        command += ["--default-artifact-root", str(directory / "mlartifacts")]
    log_path, url = directory / f"{tool}-server.log", f"http://127.0.0.1:{port}"
    with log_path.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=directory)
    server = Server(tool, url, process, log_path)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{tool} server exited: see {log_path}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/health", timeout=2) as answer,
        ):
            if answer.status == 200:
                return server
        time.sleep(0.25)
    process.terminate()
    raise SystemExit(f"{tool} server did not answer /health within {SERVER_START_TIMEOUT_S} s")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def runs_url(server: Server, query: dict[str, str] | None = None) -> str:
    experiment = server.ids.runs_experiment
    text = "&".join(f"{k}={quote(v, safe='')}" for k, v in (query or {}).items())
    if server.tool == "keel":
        return f"{server.url}/experiments/{experiment}" + (f"?{text}" if text else "")
    return f"{server.url}/#/experiments/{experiment}/runs" + (f"?{text}" if text else "")


def sorted_query(tool: str) -> dict[str, str]:
    """The runs sorted by m0, largest first: both UIs keep the sort in the URL."""
    if tool == "keel":
        return {"sort": "metrics.m0", "dir": "desc"}
    return {"orderByKey": "metrics.`m0`", "orderByAsc": "false"}


def filter_query(tool: str, wide: bool = False) -> dict[str, str]:
    text = WIDE_FILTER if wide else FILTER
    return {"filter": text} if tool == "keel" else {"searchFilter": text}


def chart_url(server: Server) -> str:
    ids = server.ids
    if server.tool == "keel":
        return f"{server.url}/experiments/{ids.long_experiment}/runs/{ids.long_run}"
    return f"{server.url}/#/experiments/{ids.long_experiment}/runs/{ids.long_run}/model-metrics"


def fetch_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=600) as response:
        return json.load(response)


def is_spike_kept(server: Server) -> bool:
    """Does the data the tool's chart is drawn from still hold the history's one-step spike?"""
    run, base = server.ids.long_run, f"{server.url}/ajax-api/2.0"
    if server.tool == "keel":
        out = fetch_json(f"{base}/keel/metrics/downsampled?run_id={run}&metric_key=loss&buckets=600")
        top = max(v for v in out["buckets"]["max"] if isinstance(v, float | int))
    else:
        query = f"run_ids={run}&metric_key=loss&max_results={MLFLOW_UI_MAX_RESULTS}"
        out = fetch_json(f"{base}/mlflow/metrics/get-history-bulk-interval?{query}")
        top = max(float(m["value"]) for m in out["metrics"])
    return top >= SPIKE
