"""UI benchmark: keel's web UI against MLflow's, in headless Chromium, on the same seeded data.

Both servers run on SQLite in one temporary folder and listen on 127.0.0.1. Both databases hold
the same runs: keel's seeded through its store, mlflow's with bulk INSERTs through mlflow's own
ORM models (the rows ``create_run`` + ``log_batch`` write; its client would need minutes). Each
measurement opens a fresh browser context (empty cache, so the app's own code is loaded and
parsed, as on a first visit) and times, inside the page, from navigation start to the moment the
awaited thing is on screen. Median of ``--reps``.

Workloads (keel target in brackets):

1. first rows: the runs page of an experiment with ``--runs`` runs (10,000), until the newest
   run's name is shown                                                        [< 1 s]
2. sorted: the runs page opened sorted by ``metrics.m0`` descending (the URL carries the sort
   in both UIs), until the run with the largest m0 is shown                   [< 1 s]
3. filtered: the runs page opened with ``metrics.m1 > 0.999 and params.p0 = 'a'``, until the
   newest matching run is shown                                              [< 1 s]
4. 1,000,000-point chart: the run page of a run whose ``loss`` has ``--points`` steps, until
   its chart is drawn, and the page's JS heap then                       [< 1 s, < 100 MB]
5. faithful: does the data the chart is drawn from still hold the history's one-step spike?
   (keel: its min/max buckets; mlflow: the ``get-history-bulk-interval`` sample its UI asks for)

Usage::

    .venv/bin/python bench/bench_ui.py [--quick] [--runs N] [--points N] [--reps N] [--tools keel,mlflow]

Needs mlflow in the environment (``pip install -e '.[test]'``), the built keel UI
(``cd ui && npm ci && npm run build``), Chromium (Debian's ``chromium``) and the Python package
playwright (its own browser download is never used). Progress goes to stderr; the versions and a
Markdown table go to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from collections.abc import Iterator

TOOLS = ("keel", "mlflow")
BASE_MS = 1_700_000_000_000
SEED = 20261123
SPIKE = 5.0
FILTER = "metrics.m1 > 0.999 and params.p0 = 'a'"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT_S = 120
STEP_TIMEOUT_MS = 120_000
# The sample mlflow's run page asks for (mlflow/server/js: the metric charts of one run).
MLFLOW_UI_MAX_RESULTS = 320


def log(message: str) -> None:
    print(f"[bench-ui {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Seed:
    """The same runs for both tools, and what each workload waits for."""

    runs: int
    points: int
    names: list[str]
    m0: list[float]
    m1: list[float]
    p0: list[str]
    other: list[dict[str, float]]

    @property
    def newest(self) -> str:
        return self.names[-1]

    @property
    def top_by_m0(self) -> str:
        return self.names[max(range(self.runs), key=self.m0.__getitem__)]

    @property
    def newest_filtered(self) -> str:
        matches = [i for i in range(self.runs) if self.m1[i] > 0.999 and self.p0[i] == "a"]
        return self.names[matches[-1]]

    def loss(self) -> Iterator[tuple[int, float]]:
        spike = 2 * self.points // 3
        for step in range(self.points):
            yield step, 1.0 / (1 + step / 1000) + (SPIKE if step == spike else 0.0)


def make_seed(runs: int, points: int) -> Seed:
    """m0 is a shuffle (one largest value, mid-table); m1 > 0.999 only for a few older runs."""
    rng = random.Random(SEED)
    names = [f"run-{i:05d}" for i in range(runs)]
    m0 = [((i * 7919) % runs) / runs for i in range(runs)]
    rare = {i for i in range(3, max(4, runs - 500), 97)}
    m1 = [0.9995 if i in rare else rng.random() * 0.99 for i in range(runs)]
    p0 = ["a" if i in rare else rng.choice("abc") for i in range(runs)]
    other = [{f"m{j}": rng.random() for j in range(2, 5)} for _ in range(runs)]
    return Seed(runs, points, names, m0, m1, p0, other)


def params_of(seed: Seed, i: int) -> dict[str, str]:
    return {"p0": seed.p0[i], "p1": str(i % 7), "p2": "adam" if i % 2 else "sgd", "p3": str(i % 3), "p4": "x"}


def metrics_of(seed: Seed, i: int) -> dict[str, float]:
    return {"m0": seed.m0[i], "m1": seed.m1[i], **seed.other[i]}


@dataclass
class Ids:
    runs_experiment: str = ""
    long_experiment: str = ""
    long_run: str = ""


def seed_keel(directory: Path, seed: Seed) -> Ids:
    from keel.entities import Metric, Param, RunTag
    from keel.store.tracking.sql import SqlTrackingStore

    store = SqlTrackingStore(f"sqlite:///{directory / 'keel.db'}", (directory / "artifacts").as_uri())
    ids = Ids(store.create_experiment("bench-runs"), store.create_experiment("bench-long"))
    for i, name in enumerate(seed.names):
        run_id = store.create_run(ids.runs_experiment, "bench", BASE_MS + i * 1000, [], name).info.run_id
        metrics = [Metric(k, v, BASE_MS, 0) for k, v in metrics_of(seed, i).items()]
        params = [Param(k, v) for k, v in params_of(seed, i).items()]
        store.log_batch(run_id, metrics, params, [RunTag("team", f"t{i % 5}")])
        if (i + 1) % 5000 == 0:
            log(f"  keel: {i + 1}/{seed.runs} runs")
    ids.long_run = store.create_run(ids.long_experiment, "bench", BASE_MS, [], "long-run").info.run_id
    batch: list[Metric] = []
    for step, value in seed.loss():
        batch.append(Metric("loss", value, BASE_MS + step, step))
        if len(batch) == 1000:
            store.log_batch(ids.long_run, batch, [], [])
            batch = []
    if batch:
        store.log_batch(ids.long_run, batch, [], [])
    store.close()
    return ids


def seed_mlflow(directory: Path, seed: Seed) -> Ids:
    """Bulk INSERTs through mlflow's own ORM models: the rows its create_run + log_batch write."""
    from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric, SqlParam, SqlRun, SqlTag
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    from sqlalchemy import insert

    store: Any = SqlAlchemyStore(f"sqlite:///{directory / 'mlflow.db'}", (directory / "mlartifacts").as_uri())
    ids = Ids(store.create_experiment("bench-runs"), store.create_experiment("bench-long"))

    def run_row(run_id: str, experiment_id: str, name: str, start: int) -> dict[str, Any]:
        location = store.get_experiment(experiment_id).artifact_location
        return {
            "run_uuid": run_id,
            "name": name,
            "source_type": "UNKNOWN",
            "source_name": "",
            "entry_point_name": "",
            "user_id": "bench",
            "status": "FINISHED",
            "start_time": start,
            "end_time": start + 60_000,
            "deleted_time": None,
            "source_version": "",
            "lifecycle_stage": "active",
            "artifact_uri": f"{location}/{run_id}/artifacts",
            "experiment_id": int(experiment_id),
        }

    runs, tags, params, metrics = [], [], [], []
    for i, name in enumerate(seed.names):
        run_id = uuid.uuid4().hex
        runs.append(run_row(run_id, ids.runs_experiment, name, BASE_MS + i * 1000))
        tags += [
            {"key": "mlflow.runName", "value": name, "run_uuid": run_id},
            {"key": "team", "value": f"t{i % 5}", "run_uuid": run_id},
        ]
        params += [{"key": k, "value": v, "run_uuid": run_id} for k, v in params_of(seed, i).items()]
        point = {"timestamp": BASE_MS, "step": 0, "is_nan": False, "run_uuid": run_id}
        metrics += [{**point, "key": k, "value": v} for k, v in metrics_of(seed, i).items()]
    ids.long_run = uuid.uuid4().hex
    runs.append(run_row(ids.long_run, ids.long_experiment, "long-run", BASE_MS))
    tags.append({"key": "mlflow.runName", "value": "long-run", "run_uuid": ids.long_run})
    history = [
        {
            "key": "loss",
            "value": v,
            "timestamp": BASE_MS + s,
            "step": s,
            "is_nan": False,
            "run_uuid": ids.long_run,
        }
        for s, v in seed.loss()
    ]
    with store.ManagedSessionMaker(read_only=False) as session:
        session.execute(insert(SqlRun), runs)
        session.execute(insert(SqlTag), tags)
        session.execute(insert(SqlParam), params)
        session.execute(insert(SqlMetric), metrics)
        session.execute(insert(SqlLatestMetric), metrics)
        for offset in range(0, len(history), 100_000):
            session.execute(insert(SqlMetric), history[offset : offset + 100_000])
        session.execute(insert(SqlLatestMetric), [history[-1]])
    store.engine.dispose()
    return ids


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
    log_path = directory / f"{tool}-server.log"
    with log_path.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=directory)
    server = Server(tool, f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{tool} server exited: see {log_path}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{server.url}/health", timeout=2) as answer,
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


def runs_url(server: Server, query: dict[str, str] | None = None) -> str:
    experiment = server.ids.runs_experiment
    text = "&".join(f"{k}={quote(v, safe='')}" for k, v in (query or {}).items())
    if server.tool == "keel":
        return f"{server.url}/experiments/{experiment}" + (f"?{text}" if text else "")
    return f"{server.url}/#/experiments/{experiment}/runs" + (f"?{text}" if text else "")


def sorted_query(tool: str) -> dict[str, str]:
    if tool == "keel":
        return {"sort": "metrics.m0", "dir": "desc"}
    return {"orderByKey": "metrics.`m0`", "orderByAsc": "false"}


def filter_query(tool: str) -> dict[str, str]:
    return {"filter": FILTER} if tool == "keel" else {"searchFilter": FILTER}


def chart_url(server: Server) -> str:
    ids = server.ids
    if server.tool == "keel":
        return f"{server.url}/experiments/{ids.long_experiment}/runs/{ids.long_run}"
    return f"{server.url}/#/experiments/{ids.long_experiment}/runs/{ids.long_run}/model-metrics"


LINK_SHOWN = "(name) => [...document.querySelectorAll('a')].some((a) => a.textContent.trim() === name)"
CHART_DRAWN = {
    "keel": '() => !!document.querySelector(\'figure[data-metric="loss"][data-state="ready"] canvas\')',
    # mlflow draws with plotly: an SVG path per line
    "mlflow": "() => [...document.querySelectorAll('path.js-line')].some((p) => p.getAttribute('d')?.length)",
}


@dataclass
class Timing:
    seconds: float
    heap_mb: float | None = None


def measure(browser: Any, url: str, condition: str, arg: Any = None, heap: bool = False) -> Timing:
    """Open ``url`` in a fresh context; seconds from navigation start until ``condition`` holds."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.goto(url, wait_until="commit")
        page.wait_for_function(condition, arg=arg, polling="raf", timeout=STEP_TIMEOUT_MS)
        seconds = page.evaluate("performance.now()") / 1000
        heap_mb = None
        if heap:
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable")
            values = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            heap_mb = values.get("JSHeapUsedSize", 0) / 1e6
        return Timing(seconds, heap_mb)
    finally:
        context.close()


def fetch_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=600) as response:
        return json.load(response)


def chart_max(server: Server) -> float:
    """The largest value in the data the tool's chart is drawn from."""
    run, base = server.ids.long_run, f"{server.url}/ajax-api/2.0"
    if server.tool == "keel":
        out = fetch_json(f"{base}/keel/metrics/downsampled?run_id={run}&metric_key=loss&buckets=600")
        return max(v for v in out["buckets"]["max"] if isinstance(v, float | int))
    query = f"run_ids={run}&metric_key=loss&max_results={MLFLOW_UI_MAX_RESULTS}"
    out = fetch_json(f"{base}/mlflow/metrics/get-history-bulk-interval?{query}")
    return max(float(m["value"]) for m in out["metrics"])


def median_timing(timings: list[Timing]) -> Timing:
    heaps = [t.heap_mb for t in timings if t.heap_mb is not None]
    return Timing(statistics.median(t.seconds for t in timings), statistics.median(heaps) if heaps else None)


def run_workloads(server: Server, seed: Seed, browser: Any, reps: int) -> dict[str, Any]:
    tool = server.tool
    steps: list[tuple[str, str, str, Any, bool]] = [
        ("first rows", runs_url(server), LINK_SHOWN, seed.newest, False),
        ("sorted", runs_url(server, sorted_query(tool)), LINK_SHOWN, seed.top_by_m0, False),
        ("filtered", runs_url(server, filter_query(tool)), LINK_SHOWN, seed.newest_filtered, False),
        ("chart", chart_url(server), CHART_DRAWN[tool], None, True),
    ]
    out: dict[str, Any] = {}
    measure(browser, runs_url(server), LINK_SHOWN, seed.newest)  # warm the server's caches
    for name, url, condition, arg, heap in steps:
        timings = []
        for rep in range(reps):
            timings.append(measure(browser, url, condition, arg, heap))
            log(f"  {tool} {name} #{rep + 1}: {timings[-1].seconds:.2f} s")
        out[name] = median_timing(timings)
    out["spike kept"] = chart_max(server) >= SPIKE
    return out


def cell(value: Any) -> str:
    if isinstance(value, Timing):
        text = f"{value.seconds:.2f} s"
        return text + (f", {value.heap_mb:.0f} MB heap" if value.heap_mb is not None else "")
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    return "—" if value is None else str(value)


TARGETS = {"first rows": 1.0, "sorted": 1.0, "filtered": 1.0, "chart": 1.0}


def verdict(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "PASS" if value else "MISS"
    if not isinstance(value, Timing):
        return ""
    ok = value.seconds < TARGETS[name] and (value.heap_mb is None or value.heap_mb < 100)
    return "PASS" if ok else "MISS"


def print_report(seed: Seed, results: dict[str, dict[str, Any]]) -> None:
    versions = {name: metadata.version(name) for name in ("keel", "mlflow", "playwright")}
    print(f"# UI benchmark ({platform.node()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f})")
    print(f"versions: {versions}; {seed.runs:,} runs; chart of {seed.points:,} points\n")
    print("| workload | keel | mlflow | mlflow / keel | keel target |")
    print("|---|---|---|---|---|")
    for name in (*TARGETS, "spike kept"):
        keel, mlflow = results.get("keel", {}).get(name), results.get("mlflow", {}).get(name)
        ratio = ""
        if isinstance(keel, Timing) and isinstance(mlflow, Timing) and keel.seconds > 0:
            ratio = f"{mlflow.seconds / keel.seconds:.1f}×"
        print(f"| {name} | {cell(keel)} | {cell(mlflow)} | {ratio} | {verdict(name, keel)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 runs, a 200,000-point chart, 1 rep")
    parser.add_argument("--runs", type=int, help="runs in the table experiment (default 10,000)")
    parser.add_argument("--points", type=int, help="points of the charted metric (default 1,000,000)")
    parser.add_argument("--reps", type=int, help="measurements per workload, median shown (default 3)")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--keel-bin")
    parser.add_argument("--mlflow-bin")
    parser.add_argument("--chromium", default=os.environ.get("KEEL_CHROMIUM") or shutil.which("chromium"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    seed = make_seed(
        args.runs or (2_000 if args.quick else 10_000), args.points or (200_000 if args.quick else 1_000_000)
    )
    reps = args.reps or (1 if args.quick else 3)
    tools = [t for t in args.tools.split(",") if t in TOOLS]
    if not args.chromium:
        raise SystemExit("Chromium not found: apt-get install chromium, or pass --chromium")
    from playwright.sync_api import sync_playwright

    directory = Path(tempfile.mkdtemp(prefix="keel-bench-ui-"))
    servers: list[Server] = []
    results: dict[str, dict[str, Any]] = {}
    try:
        for tool in tools:
            log(f"seeding {tool}: {seed.runs:,} runs and a {seed.points:,}-point history")
            started = time.perf_counter()
            ids = seed_keel(directory, seed) if tool == "keel" else seed_mlflow(directory, seed)
            log(f"  seeded in {time.perf_counter() - started:.1f} s")
            binary = executable(tool, args.keel_bin if tool == "keel" else args.mlflow_bin)
            server = start_server(tool, directory, binary)
            server.ids = ids
            servers.append(server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            for server in servers:
                log(f"measuring {server.tool} at {server.url}")
                results[server.tool] = run_workloads(server, seed, browser, reps)
            browser.close()
    finally:
        for server in servers:
            stop_server(server)
        if args.keep:
            log(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    print_report(seed, results)


if __name__ == "__main__":
    main()
