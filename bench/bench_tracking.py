"""Tracking benchmark: the same in-process workloads against keel and against mlflow.

Both tools track into SQLite files in fresh temporary directories (keel's embedded store,
mlflow's ``sqlite:///`` backend). Every workload runs in a fresh subprocess per tool, so
import state, caches and database files never leak from one measurement into another.

Workloads (keel target in brackets):

1. ``import keel`` vs ``import mlflow`` in a fresh interpreter, median of 5 after one
   warm-up, plus the child's peak RSS                                         [< 150 ms]
2. 1,000 synchronous ``log_metric`` calls inside an active run, per call      [< 500 µs]
3. the same with non-blocking logging (``synchronous=False``): time per call in the
   loop, and the flush after it separately; median over rounds           [< 20 µs]
4. 1,000,000 points through ``Client.log_batch`` (1,000 points per batch: 10 keys x 100
   steps) into one run (100,000 with ``--quick``); mlflow is sampled and extrapolated
   when it would take too long                                                  [< 5 s]
5. ``search_runs`` over 10,000 seeded runs with ``metrics.m0 < 0.5`` ordered by
   ``metrics.m1 DESC``, 100 and 1,000 rows, median of 5 warm calls (3 with ``--quick``;
   mlflow needs seconds per call)                                            [< 50 ms]

Usage::

    python bench/bench_tracking.py [--quick]

Progress goes to stderr; the machine, the versions and the results table go to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from machine import cpu_model, dist_version, load_average

TOOLS = ("keel", "mlflow")
RESULT_MARKER = "BENCH_RESULT "
CHILD_TIMEOUT_S = 1200

IMPORT_REPS = 5
LOG_CALLS = 1_000
WARMUP_CALLS = 20
POINTS_PER_BATCH = 1_000
BATCH_KEYS = 10
BATCH_STEPS = POINTS_PER_BATCH // BATCH_KEYS
SEARCH_RUNS = 10_000
SEARCH_REPS = 5
ASYNC_REPS = 5
SEARCH_FILTER = "metrics.m0 < 0.5"
SEARCH_ORDER = "metrics.m1 DESC"
SEED = 20240601

Result = dict[str, Any]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def sqlite_uri(directory: str, name: str) -> str:
    return f"sqlite:///{Path(directory).resolve() / name}"


def emit(result: Result) -> None:
    """A child's result: one marked JSON line on stdout (libraries may print other lines)."""
    print(RESULT_MARKER + json.dumps(result), flush=True)


def micros(ns_values: list[int]) -> dict[str, float]:
    us = [v / 1000 for v in ns_values]
    ordered = sorted(us)
    return {
        "median_us": statistics.median(us),
        "mean_us": statistics.fmean(us),
        "p95_us": ordered[int(len(ordered) * 0.95) - 1],
        "max_us": ordered[-1],
    }


# --------------------------------------------------------------------------------------------
# Children: each runs one workload for one tool and emits one result.
# --------------------------------------------------------------------------------------------

IMPORT_SNIPPET = """
import json, resource, time
t0 = time.perf_counter()
import {module}

t1 = time.perf_counter()
rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
{ready}
t2 = time.perf_counter()
rss_ready = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print({marker!r} + json.dumps({{"import_s": t1 - t0, "ready_s": t2 - t0,
                                 "rss_import_kb": rss_import, "rss_ready_kb": rss_ready}}))
"""

# What "ready to track" means after the import: the client and fluent logging resolved
# (keel loads them lazily on first attribute access; mlflow has loaded them in its import).
READY_STATEMENTS = {
    "keel": "keel.Client, keel.log_metric, keel.start_run",
    "mlflow": "mlflow.MlflowClient, mlflow.log_metric, mlflow.start_run",
}


def tracking_api(tool: str, directory: str) -> tuple[Any, str]:
    """The tool's fluent module, pointed at a fresh SQLite file in ``directory``."""
    if tool == "keel":
        import keel

        uri = sqlite_uri(directory, "keel.db")
        keel.set_tracking_uri(uri)
        return keel, uri
    import mlflow

    uri = sqlite_uri(directory, "mlflow.db")
    mlflow.set_tracking_uri(uri)
    return mlflow, uri


def tracking_client(tool: str, uri: str) -> Any:
    if tool == "keel":
        import keel

        return keel.Client(uri)
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri)


def child_log_metric(tool: str, directory: str, calls: int, synchronous: bool, reps: int) -> Result:
    """``reps`` rounds of ``calls`` log_metric calls (each round its own key), each round then flushed.

    Per round: the per-call durations, the loop's CPU time, and the flush. Round 0 also pays for
    starting whatever the tool starts on first use (keel's writer thread, mlflow's async queue).
    """
    api, uri = tracking_api(tool, directory)
    api.set_experiment("bench-log-metric")
    clock = time.perf_counter_ns
    rounds: list[Result] = []
    pooled: list[int] = []
    with api.start_run() as run:
        run_id = run.info.run_id
        # Warm-up (synchronous in both modes): connections, lazy imports, statement caches.
        for i in range(WARMUP_CALLS):
            api.log_metric("warmup", float(i), step=i)
        for rep in range(reps):
            key = f"loss{rep}"
            durations: list[int] = []
            cpu_start, loop_start = time.process_time(), clock()
            for i in range(calls):
                t0 = clock()
                api.log_metric(key, 1.0 / (i + 1), step=i, synchronous=synchronous)
                durations.append(clock() - t0)
            loop_ns, cpu_s = clock() - loop_start, time.process_time() - cpu_start
            flush_start = clock()
            if not synchronous:
                if tool == "keel":
                    api.flush()
                else:
                    api.flush_async_logging()
            flush_ns = clock() - flush_start
            rounds.append(
                {
                    **micros(durations),
                    "loop_s": loop_ns / 1e9,
                    "cpu_us": cpu_s * 1e6 / calls,
                    "flush_ms": flush_ns / 1e6,
                }
            )
            pooled += durations
    client = tracking_client(tool, uri)
    for rep in range(reps):
        written = len(client.get_metric_history(run_id, f"loss{rep}"))
        if written != calls:
            raise RuntimeError(f"{tool}: {written} of {calls} points of round {rep} were written")

    def median_of(field: str) -> float:
        return float(statistics.median(r[field] for r in rounds))

    return {
        "reps": reps,
        "mean_us": median_of("mean_us"),
        "median_us": median_of("median_us"),
        "p95_us": micros(pooled)["p95_us"],
        "max_us": max(r["max_us"] for r in rounds),
        "cpu_us": median_of("cpu_us"),
        "flush_ms": median_of("flush_ms"),
        "first_mean_us": rounds[0]["mean_us"],
        "round_means_us": [round(r["mean_us"], 1) for r in rounds],
        "round_flush_ms": [round(r["flush_ms"], 1) for r in rounds],
    }


def child_log_batch(tool: str, directory: str, points: int, max_seconds: float) -> Result:
    """``points`` points in batches of 1,000; stops early (to extrapolate) after ``max_seconds``."""
    _, uri = tracking_api(tool, directory)
    client = tracking_client(tool, uri)
    if tool == "keel":
        from keel import Metric
    else:
        from mlflow.entities import Metric
    run_id = client.create_run(client.create_experiment("bench-log-batch")).info.run_id
    keys = [f"k{k}" for k in range(BATCH_KEYS)]
    base_ms = int(time.time() * 1000)
    batches = points // POINTS_PER_BATCH
    clock, cpu_clock = time.perf_counter, time.process_time
    log_s = build_s = cpu_s = 0.0
    batch_times: list[float] = []
    done = 0
    for b in range(batches):
        t0 = clock()
        first = b * BATCH_STEPS
        metrics = [
            Metric(key, (first + s) * 1e-3 + k, base_ms + first + s, first + s)
            for k, key in enumerate(keys)
            for s in range(BATCH_STEPS)
        ]
        c1, t1 = cpu_clock(), clock()
        client.log_batch(run_id, metrics=metrics)
        t2, c2 = clock(), cpu_clock()
        build_s += t1 - t0
        cpu_s += c2 - c1
        log_s += t2 - t1
        batch_times.append(t2 - t1)
        done += 1
        if done % 100 == 0:
            log(f"  {tool}: {done}/{batches} batches, {log_s:.1f} s in log_batch")
        if log_s >= max_seconds and done < batches:
            log(f"  {tool}: stopping after {done}/{batches} batches ({log_s:.1f} s), will extrapolate")
            break
    client.set_terminated(run_id)
    written = len(client.get_metric_history(run_id, "k0"))
    if written != done * BATCH_STEPS:
        raise RuntimeError(f"{tool}: {written} points of k0 written, expected {done * BATCH_STEPS}")
    return {
        "batches_done": done,
        "batches_planned": batches,
        "log_s": log_s,
        "cpu_s": cpu_s,
        "build_s": build_s,
        "first_batch_ms": batch_times[0] * 1000,
        "median_batch_ms": statistics.median(batch_times) * 1000,
        "last_batch_ms": batch_times[-1] * 1000,
    }


@dataclass(frozen=True, slots=True)
class SeedRun:
    name: str
    start_time: int
    params: dict[str, str]
    metrics: dict[str, float]
    tags: dict[str, str]


def seed_runs(count: int) -> list[SeedRun]:
    """The same deterministic runs for both tools (3 params, 3 metrics, 2 tags each)."""
    rng = random.Random(SEED)
    base_ms = 1_700_000_000_000
    runs = []
    for i in range(count):
        runs.append(
            SeedRun(
                name=f"run-{i:05d}",
                start_time=base_ms + i * 1000,
                params={
                    "lr": rng.choice(["0.1", "0.01", "0.001"]),
                    "batch_size": str(rng.choice([16, 32, 64, 128])),
                    "optimizer": rng.choice(["adam", "sgd"]),
                },
                metrics={f"m{j}": rng.random() for j in range(3)},
                tags={"team": f"team-{i % 5}", "stage": rng.choice(["dev", "prod"])},
            )
        )
    return runs


def seed_through_api(tool: str, uri: str, runs: list[SeedRun]) -> str:
    """Seed with the tool's own client: create_run, then one log_batch per run."""
    if tool == "keel":
        from keel import Metric, Param
    else:
        from mlflow.entities import Metric, Param

    client = tracking_client(tool, uri)
    experiment_id: str = client.create_experiment("bench-search")
    report_every = 2000 if tool == "keel" else 500
    for i, spec in enumerate(runs):
        run = client.create_run(experiment_id, start_time=spec.start_time, tags=spec.tags, run_name=spec.name)
        client.log_batch(
            run.info.run_id,
            metrics=[Metric(k, v, spec.start_time, 0) for k, v in spec.metrics.items()],
            params=[Param(k, v) for k, v in spec.params.items()],
        )
        if (i + 1) % report_every == 0:
            log(f"  {tool}: seeded {i + 1}/{len(runs)} runs")
    return experiment_id


def seed_mlflow_orm(uri: str, directory: str, runs: list[SeedRun]) -> str:
    """Bulk INSERTs through mlflow's own ORM models: the rows ``create_run`` + ``log_batch`` write."""
    import uuid

    from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric, SqlParam, SqlRun, SqlTag
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    from sqlalchemy import insert

    store_class: Any = SqlAlchemyStore  # mlflow's store is untyped
    store = store_class(uri, Path(directory, "mlartifacts").resolve().as_uri())
    experiment_id: str = store.create_experiment("bench-search")
    artifact_location = store.get_experiment(experiment_id).artifact_location
    run_rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    param_rows: list[dict[str, Any]] = []
    metric_rows: list[dict[str, Any]] = []
    for spec in runs:
        run_id = uuid.uuid4().hex
        run_rows.append(
            {
                "run_uuid": run_id,
                "name": spec.name,
                "source_type": "UNKNOWN",
                "source_name": "",
                "entry_point_name": "",
                "user_id": "bench",
                "status": "RUNNING",
                "start_time": spec.start_time,
                "end_time": None,
                "deleted_time": None,
                "source_version": "",
                "lifecycle_stage": "active",
                "artifact_uri": f"{artifact_location}/{run_id}/artifacts",
                "experiment_id": int(experiment_id),
            }
        )
        tags = {**spec.tags, "mlflow.runName": spec.name}
        tag_rows.extend({"key": k, "value": v, "run_uuid": run_id} for k, v in tags.items())
        param_rows.extend({"key": k, "value": v, "run_uuid": run_id} for k, v in spec.params.items())
        point = {"timestamp": spec.start_time, "step": 0, "is_nan": False, "run_uuid": run_id}
        metric_rows.extend({**point, "key": k, "value": v} for k, v in spec.metrics.items())
    with store.ManagedSessionMaker(read_only=False) as session:
        session.execute(insert(SqlRun), run_rows)
        session.execute(insert(SqlTag), tag_rows)
        session.execute(insert(SqlParam), param_rows)
        session.execute(insert(SqlMetric), metric_rows)
        session.execute(insert(SqlLatestMetric), metric_rows)
    return experiment_id


def child_search(tool: str, directory: str, run_count: int, reps: int, mlflow_seed: str) -> Result:
    _, uri = tracking_api(tool, directory)
    runs = seed_runs(run_count)
    t0 = time.perf_counter()
    if tool == "keel":
        experiment_id = seed_through_api("keel", uri, runs)
    elif mlflow_seed == "api":
        experiment_id = seed_through_api("mlflow", uri, runs)
    else:
        experiment_id = seed_mlflow_orm(uri, directory, runs)
    seed_s = time.perf_counter() - t0
    log(f"  {tool}: seeded {run_count} runs in {seed_s:.1f} s")
    client = tracking_client(tool, uri)

    def search(max_results: int) -> tuple[float, list[Any]]:
        start = time.perf_counter()
        page = client.search_runs(
            [experiment_id], SEARCH_FILTER, max_results=max_results, order_by=[SEARCH_ORDER]
        )
        return time.perf_counter() - start, list(page)

    cold_s, _ = search(100)
    timings: dict[int, list[float]] = {100: [], 1000: []}
    pages: dict[int, list[Any]] = {}
    for _ in range(reps):
        for size in timings:
            elapsed, pages[size] = search(size)
            timings[size].append(elapsed)
    page = pages[100]
    return {
        "seed_s": seed_s,
        "seed_method": "api" if tool == "keel" else mlflow_seed,
        "cold_ms": cold_s * 1000,
        "p100_ms": statistics.median(timings[100]) * 1000,
        "p1000_ms": statistics.median(timings[1000]) * 1000,
        "rows_100": len(page),
        "rows_1000": len(pages[1000]),
        "names_100": [r.info.run_name for r in page],
        "first_run_complete": bool(page)
        and len(page[0].data.params) == 3
        and len(page[0].data.metrics) == 3
        and {"team", "stage"} <= set(page[0].data.tags),
    }


def run_child(args: argparse.Namespace) -> None:
    directory = args.dir
    if args.child == "sync":
        emit(child_log_metric(args.tool, directory, args.calls, synchronous=True, reps=args.reps))
    elif args.child == "async":
        emit(child_log_metric(args.tool, directory, args.calls, synchronous=False, reps=args.reps))
    elif args.child == "batch":
        emit(child_log_batch(args.tool, directory, args.points, args.max_seconds))
    elif args.child == "search":
        emit(child_search(args.tool, directory, args.runs, args.reps, args.mlflow_seed))
    else:
        raise SystemExit(f"unknown child workload {args.child!r}")


# --------------------------------------------------------------------------------------------
# Parent: spawns the children, collects results, prints the table.
# --------------------------------------------------------------------------------------------


def parse_result(proc: subprocess.CompletedProcess[str], what: str) -> Result | None:
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            result: Result = json.loads(line[len(RESULT_MARKER) :])
            return result
    tail = "\n".join(proc.stderr.splitlines()[-30:])
    log(f"{what} FAILED (exit {proc.returncode}):\n{tail}")
    return None


def spawn(argv: list[str], what: str) -> Result | None:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        log(f"{what} timed out after {CHILD_TIMEOUT_S} s")
        return None
    # Children's own progress lines (not the libraries' logging) are passed through.
    for line in proc.stderr.splitlines():
        if line.startswith("[bench "):
            print(line, file=sys.stderr, flush=True)
    return parse_result(proc, what)


def spawn_workload(workload: str, tool: str, extra: list[str]) -> Result | None:
    with tempfile.TemporaryDirectory(prefix=f"bench-{tool}-{workload}-") as directory:
        argv = [sys.executable, __file__, "--child", workload, "--tool", tool, "--dir", directory, *extra]
        return spawn(argv, f"{workload}/{tool}")


def bench_import() -> dict[str, Result]:
    samples: dict[str, list[Result]] = {tool: [] for tool in TOOLS}
    for rep in range(IMPORT_REPS + 1):  # rep 0 warms the page cache and the bytecode caches
        for tool in TOOLS:  # interleaved, so drift on the machine hits both alike
            code = IMPORT_SNIPPET.format(module=tool, ready=READY_STATEMENTS[tool], marker=RESULT_MARKER)
            result = spawn([sys.executable, "-c", code], f"import/{tool}")
            if result is None:
                raise SystemExit(f"cannot import {tool}")
            if rep:
                samples[tool].append(result)
    out: dict[str, Result] = {}
    for tool, results in samples.items():
        out[tool] = {
            field: statistics.median(r[field] for r in results)
            for field in ("import_s", "ready_s", "rss_import_kb", "rss_ready_kb")
        }
        out[tool]["all_import_ms"] = [round(r["import_s"] * 1000, 1) for r in results]
    return out


@dataclass
class Row:
    workload: str
    unit: str
    keel: float | None
    mlflow: float | None
    target: float | None = None  # keel must be below it (or above it when higher_is_better)
    higher_is_better: bool = False
    digits: int = 1
    mlflow_note: str = ""

    def fmt(self, value: float | None, note: str = "") -> str:
        if value is None:
            return "n/a"
        text = f"{value:,.{self.digits}f} {self.unit}"
        return f"{text} {note}" if note else text

    def ratio(self) -> str:
        if not self.keel or not self.mlflow:
            return "n/a"
        ratio = self.keel / self.mlflow if self.higher_is_better else self.mlflow / self.keel
        word = "less" if self.unit == "MB" else "faster"
        return f"{ratio:,.1f}× {word}" if ratio >= 1 else f"{ratio:.2f}× (keel worse)"

    def verdict(self) -> str:
        if self.target is None:
            return "—"
        sign = ">" if self.higher_is_better else "<"
        target = f"{sign} {self.target:,g} {self.unit}"
        if self.keel is None:
            return f"{target}: MISS (no result)"
        ok = self.keel > self.target if self.higher_is_better else self.keel < self.target
        return f"{target}: {'PASS' if ok else 'MISS'}"


def get(results: dict[str, Result | None], tool: str, field: str, scale: float = 1.0) -> float | None:
    result = results.get(tool)
    if result is None or result.get(field) is None:
        return None
    return float(result[field]) * scale


def print_table(rows: list[Row]) -> None:
    header = ("Workload", "keel", "mlflow", "mlflow/keel", "keel target")
    cells = [header] + [
        (r.workload, r.fmt(r.keel), r.fmt(r.mlflow, r.mlflow_note), r.ratio(), r.verdict()) for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        padded = [
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(line(row))


def machine_report() -> None:
    print("# keel vs mlflow: tracking benchmark")
    print(f"machine : {os.cpu_count()} cores, {cpu_model()}, {platform.platform()}")
    print(f"python  : {platform.python_version()} ({sys.executable})")
    versions = ", ".join(f"{d} {dist_version(d)}" for d in ("keel", "mlflow", "sqlalchemy"))
    print(f"versions: {versions}, sqlite {sqlite3.sqlite_version}")
    print(f"load    : {load_average()} (1/5/15 min) at start; figures are wall-clock times")
    print()


def row(
    label: str, unit: str, results: dict[str, Result | None], field: str, scale: float = 1.0, **kwargs: Any
) -> Row:
    return Row(
        label, unit, get(results, "keel", field, scale), get(results, "mlflow", field, scale), **kwargs
    )


def batch_note(tool: str, result: Result) -> str:
    done, planned = result["batches_done"], result["batches_planned"]
    times = "/".join(f"{result[f]:.1f}" for f in ("first_batch_ms", "median_batch_ms", "last_batch_ms"))
    if done < planned:
        head = (
            f"log_batch {tool}: measured {done}/{planned} batches ({done * POINTS_PER_BATCH:,} points) in "
            f"{result['log_s']:.1f} s, extrapolated linearly to {planned} batches"
        )
    else:
        head = f"log_batch {tool}: all {planned} batches in {result['log_s']:.2f} s"
    return (
        f"{head} (+ {result['build_s']:.2f} s building the Metric objects, not counted); "
        f"ms per batch first/median/last {times}"
    )


def run_parent(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    machine_report()
    points = 100_000 if args.quick else 1_000_000
    mlflow_batch_budget = args.mlflow_batch_budget or (30.0 if args.quick else 120.0)
    rows: list[Row] = []
    notes: list[str] = []

    log(f"1/5 import time (fresh interpreters, 1 warm-up + {IMPORT_REPS} each)")
    imp: dict[str, Result | None] = dict(bench_import())
    kb = 1 / 1024
    rows += [
        row(f"1. import (median of {IMPORT_REPS})", "ms", imp, "import_s", 1e3, target=150),
        row("   import: peak RSS of the child", "MB", imp, "rss_import_kb", kb),
        row("   import + client/fluent API resolved", "ms", imp, "ready_s", 1e3),
        row("   import + API resolved: peak RSS", "MB", imp, "rss_ready_kb", kb),
    ]
    for tool in TOOLS:
        notes.append(f"import {tool}: the {IMPORT_REPS} samples (ms) {imp[tool]['all_import_ms']}")  # type: ignore[index]

    log(f"2/5 {LOG_CALLS:,} synchronous log_metric calls")
    sync = {tool: spawn_workload("sync", tool, ["--calls", str(LOG_CALLS), "--reps", "1"]) for tool in TOOLS}
    rows += [
        row("2. sync log_metric, per call (median)", "µs", sync, "median_us", target=500, digits=0),
        row("   sync log_metric, per call (mean)", "µs", sync, "mean_us", digits=0),
        row("   sync log_metric, per call (p95)", "µs", sync, "p95_us", digits=0),
        row("   sync log_metric, loop CPU per call", "µs", sync, "cpu_us", digits=0),
    ]

    # A round of mlflow costs seconds of flushing, so it gets fewer rounds than keel.
    async_reps = {"keel": ASYNC_REPS, "mlflow": 1 if args.quick else 3}
    log(f"3/5 {LOG_CALLS:,} non-blocking log_metric calls (synchronous=False), rounds {async_reps}")
    asyn = {
        tool: spawn_workload("async", tool, ["--calls", str(LOG_CALLS), "--reps", str(async_reps[tool])])
        for tool in TOOLS
    }
    rows += [
        row("3. async log_metric, loop per call (mean)", "µs", asyn, "mean_us", target=20),
        row("   async, first round only (mean)", "µs", asyn, "first_mean_us"),
        row("   async log_metric, per call (median)", "µs", asyn, "median_us"),
        row("   async log_metric, per call (p95)", "µs", asyn, "p95_us"),
        row("   async log_metric, loop CPU per call", "µs", asyn, "cpu_us"),
        row("   async: flush after the loop (separate)", "ms", asyn, "flush_ms"),
    ]
    for tool, result in asyn.items():
        if result is not None:
            notes.append(
                f"async {tool}: {result['reps']} round(s) of {LOG_CALLS:,} calls, median over rounds shown; "
                f"per-round mean µs {result['round_means_us']}, flush ms {result['round_flush_ms']}, "
                f"slowest single call {result['max_us']:,.0f} µs"
            )

    batches = points // POINTS_PER_BATCH
    log(f"4/5 {points:,} points via log_batch ({batches:,} batches of {POINTS_PER_BATCH:,})")
    batch: dict[str, Result | None] = {}
    for tool in TOOLS:
        budget = mlflow_batch_budget if tool == "mlflow" else float("inf")
        batch[tool] = spawn_workload("batch", tool, ["--points", str(points), "--max-seconds", str(budget)])
    extrapolated = ""
    for tool, result in batch.items():
        if result is None:
            continue
        scale = result["batches_planned"] / result["batches_done"]
        result["total_s"] = result["log_s"] * scale
        result["total_cpu_s"] = result["cpu_s"] * scale
        result["points_per_s"] = points / result["total_s"]
        if result["batches_done"] < result["batches_planned"]:
            extrapolated = "(extrap.)"
        notes.append(batch_note(tool, result))
    rows += [
        row(
            f"4. log_batch {points:,} points, total",
            "s",
            batch,
            "total_s",
            target=5,
            digits=2,
            mlflow_note=extrapolated,
        ),
        row(
            "   log_batch throughput",
            "pts/s",
            batch,
            "points_per_s",
            higher_is_better=True,
            digits=0,
            mlflow_note=extrapolated,
        ),
        row(
            "   log_batch CPU time of the process",
            "s",
            batch,
            "total_cpu_s",
            digits=2,
            mlflow_note=extrapolated,
        ),
    ]

    log(f"5/5 search_runs over {args.runs:,} runs (seeded first; mlflow seeded via {args.mlflow_seed})")
    reps = args.search_reps or (3 if args.quick else SEARCH_REPS)
    search_args = ["--runs", str(args.runs), "--reps", str(reps), "--mlflow-seed", args.mlflow_seed]
    search = {tool: spawn_workload("search", tool, search_args) for tool in TOOLS}
    rows += [
        row(f"5. search_runs 100 rows (median of {reps})", "ms", search, "p100_ms", target=50),
        row(f"   search_runs 1,000 rows (median of {reps})", "ms", search, "p1000_ms"),
        row("   search_runs 100 rows, first call", "ms", search, "cold_ms"),
        row(
            f"   seeding {args.runs:,} runs (not in the above)",
            "s",
            search,
            "seed_s",
            mlflow_note=f"({args.mlflow_seed})",
        ),
    ]
    keel_s, mlflow_s = search["keel"], search["mlflow"]
    if keel_s and mlflow_s:
        same = "yes" if keel_s["names_100"] == mlflow_s["names_100"] else "NO"
        notes.append(
            f"search results: rows returned (100/1,000 pages) keel {keel_s['rows_100']}/"
            f"{keel_s['rows_1000']}, mlflow {mlflow_s['rows_100']}/{mlflow_s['rows_1000']}; "
            f"same 100 runs in the same order: {same}; "
            f"rows carry all params/metrics/tags: keel {keel_s['first_run_complete']}, "
            f"mlflow {mlflow_s['first_run_complete']}"
        )
    if args.mlflow_seed == "orm":
        notes.append(
            "mlflow seeding: bulk INSERTs through mlflow's own ORM models (runs, tags incl. mlflow.runName, "
            "params, metrics, latest_metrics), because MlflowClient create_run + log_batch costs ~25 ms "
            "per run (4-5 min for 10,000 runs); --mlflow-seed api seeds through MlflowClient instead"
        )

    print_table(rows)
    print()
    for note in notes:
        print(f"- {note}")
    mode = "quick" if args.quick else "full"
    print(
        f"- total benchmark time: {time.perf_counter() - started:.0f} s ({mode} mode); "
        f"load at the end {load_average()}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="100,000 log_batch points instead of 1,000,000")
    parser.add_argument("--runs", type=int, default=SEARCH_RUNS, help="runs seeded for the search workload")
    parser.add_argument(
        "--mlflow-seed",
        choices=("orm", "api"),
        default="orm",
        help="seed mlflow's search runs with bulk ORM inserts (default) or through MlflowClient (slow)",
    )
    parser.add_argument(
        "--mlflow-batch-budget",
        type=float,
        default=None,
        help="seconds of mlflow log_batch before extrapolating (default 120, 30 with --quick)",
    )
    parser.add_argument(
        "--search-reps",
        type=int,
        default=None,
        help=f"timed repetitions per search_runs page size (default {SEARCH_REPS}, 3 with --quick)",
    )
    # Internal: one workload for one tool, in a child process.
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tool", choices=TOOLS, help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, default=LOG_CALLS, help=argparse.SUPPRESS)
    parser.add_argument("--points", type=int, default=1_000_000, help=argparse.SUPPRESS)
    parser.add_argument("--max-seconds", type=float, default=float("inf"), help=argparse.SUPPRESS)
    parser.add_argument("--reps", type=int, default=SEARCH_REPS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args)
    else:
        run_parent(args)


if __name__ == "__main__":
    main()
