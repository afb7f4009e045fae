"""The UI benchmark's data: the same runs and the same long metric for keel and for mlflow.

Both tools are seeded with bulk INSERTs through their own schema: keel's Core tables
(``keel.store.tracking.sql.schema``) and mlflow's ORM models. Those are the rows that
``create_run`` + ``log_batch`` write, without 100,000 round trips. The long metric goes through
keel's own ``log_batch``. ``check_same_runs`` then asks both servers for the same runs.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
import urllib.request
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

BASE_MS = 1_700_000_000_000
SEED = 20261123
SPIKE = 5.0
FILTER = "metrics.m1 > 0.999 and params.p0 = 'a'"
WIDE_FILTER = "metrics.m0 < 0.1"
RUN_SECONDS = 60
INSERT_CHUNK = 50_000


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
    def filtered(self) -> list[str]:
        """The runs FILTER matches, newest first."""
        return [self.names[i] for i in reversed(range(self.runs)) if self.m1[i] > 0.999 and self.p0[i] == "a"]

    @property
    def newest_wide_filtered(self) -> str:
        return next(self.names[i] for i in reversed(range(self.runs)) if self.m0[i] < 0.1)

    def start_time(self, i: int) -> int:
        return BASE_MS + i * 1000

    def params_of(self, i: int) -> dict[str, str]:
        return {
            "p0": self.p0[i],
            "p1": str(i % 7),
            "p2": "adam" if i % 2 else "sgd",
            "p3": str(i % 3),
            "p4": "x",
        }

    def metrics_of(self, i: int) -> dict[str, float]:
        return {"m0": self.m0[i], "m1": self.m1[i], **self.other[i]}

    def tags_of(self, i: int) -> dict[str, str]:
        return {"mlflow.runName": self.names[i], "team": f"t{i % 5}"}

    def loss(self) -> Iterator[tuple[int, float]]:
        spike = 2 * self.points // 3
        for step in range(self.points):
            yield step, 1.0 / (1 + step / 1000) + (SPIKE if step == spike else 0.0)


def make_seed(runs: int, points: int) -> Seed:
    """m0 is a shuffle (one largest value, mid-table); m1 > 0.999 only for a few older runs."""
    rng = random.Random(SEED)
    width = max(5, len(str(runs - 1)))
    names = [f"run-{i:0{width}d}" for i in range(runs)]
    m0 = [((i * 7919) % runs) / runs for i in range(runs)]
    rare = set(range(3, max(4, runs - 500), 97))
    m1 = [0.9995 if i in rare else rng.random() * 0.99 for i in range(runs)]
    p0 = ["a" if i in rare else rng.choice("abc") for i in range(runs)]
    other = [{f"m{j}": rng.random() for j in range(2, 5)} for _ in range(runs)]
    return Seed(runs, points, names, m0, m1, p0, other)


@dataclass
class Ids:
    runs_experiment: str = ""
    long_experiment: str = ""
    long_run: str = ""


def chunks(rows: list[Any]) -> Iterator[list[Any]]:
    for offset in range(0, len(rows), INSERT_CHUNK):
        yield rows[offset : offset + INSERT_CHUNK]


def seed_keel(directory: Path, seed: Seed) -> Ids:
    """Runs as rows of keel's tables; the long metric through ``log_batch``."""
    from sqlalchemy import func, insert, select

    from keel.entities import Metric
    from keel.store.tracking.sql import SqlTrackingStore
    from keel.store.tracking.sql.schema import latest_metrics, metric_keys, metrics, params, runs, tags

    store = SqlTrackingStore(f"sqlite:///{directory / 'keel.db'}", (directory / "artifacts").as_uri())
    ids = Ids(store.create_experiment("bench-runs"), store.create_experiment("bench-long"))
    location = store.get_experiment(ids.runs_experiment).artifact_location.rstrip("/")
    with store.engines.writer.begin() as conn:
        conn.execute(insert(metric_keys), [{"key": k} for k in seed.metrics_of(0)])
        key_ids = dict(conn.execute(select(metric_keys.c.key, metric_keys.c.key_id)).all())
        first_pk = (conn.execute(select(func.max(runs.c.run_pk))).scalar() or 0) + 1
        run_rows, tag_rows, param_rows, point_rows = [], [], [], []
        for i in range(seed.runs):
            run_pk, run_id, start = first_pk + i, uuid.uuid4().hex, seed.start_time(i)
            run_rows.append(
                {
                    "run_pk": run_pk,
                    "run_id": run_id,
                    "experiment_id": int(ids.runs_experiment),
                    "name": seed.names[i],
                    "user_id": "bench",
                    "status": "FINISHED",
                    "start_time": start,
                    "end_time": start + RUN_SECONDS * 1000,
                    "artifact_uri": f"{location}/{run_id}/artifacts",
                    "lifecycle_stage": "active",
                    "deleted_time": None,
                }
            )
            tag_rows += [{"run_pk": run_pk, "key": k, "value": v} for k, v in seed.tags_of(i).items()]
            param_rows += [{"run_pk": run_pk, "key": k, "value": v} for k, v in seed.params_of(i).items()]
            point_rows += [
                {
                    "run_pk": run_pk,
                    "key_id": key_ids[k],
                    "step": 0,
                    "timestamp": BASE_MS,
                    "is_nan": False,
                    "value": v,
                }
                for k, v in seed.metrics_of(i).items()
            ]
        for table, rows in ((runs, run_rows), (tags, tag_rows), (params, param_rows)):
            for chunk in chunks(rows):
                conn.execute(insert(table), chunk)
        for chunk in chunks(point_rows):
            conn.execute(insert(metrics), chunk)
            conn.execute(insert(latest_metrics), chunk)
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

    store_class: Any = SqlAlchemyStore  # mlflow's store is untyped
    store = store_class(f"sqlite:///{directory / 'mlflow.db'}", (directory / "mlartifacts").as_uri())
    ids = Ids(store.create_experiment("bench-runs"), store.create_experiment("bench-long"))

    locations = {
        e: store.get_experiment(e).artifact_location for e in (ids.runs_experiment, ids.long_experiment)
    }

    def run_row(run_id: str, experiment_id: str, name: str, start: int) -> dict[str, Any]:
        return {
            "run_uuid": run_id,
            "name": name,
            "source_type": "UNKNOWN",
            "source_name": "",
            "entry_point_name": "",
            "user_id": "bench",
            "status": "FINISHED",
            "start_time": start,
            "end_time": start + RUN_SECONDS * 1000,
            "deleted_time": None,
            "source_version": "",
            "lifecycle_stage": "active",
            "artifact_uri": f"{locations[experiment_id]}/{run_id}/artifacts",
            "experiment_id": int(experiment_id),
        }

    runs, tags, params, metrics = [], [], [], []
    for i in range(seed.runs):
        run_id = uuid.uuid4().hex
        runs.append(run_row(run_id, ids.runs_experiment, seed.names[i], seed.start_time(i)))
        tags += [{"key": k, "value": v, "run_uuid": run_id} for k, v in seed.tags_of(i).items()]
        params += [{"key": k, "value": v, "run_uuid": run_id} for k, v in seed.params_of(i).items()]
        point = {"timestamp": BASE_MS, "step": 0, "is_nan": False, "run_uuid": run_id}
        metrics += [{**point, "key": k, "value": v} for k, v in seed.metrics_of(i).items()]
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
    # The models' Core tables: the ORM's bulk path costs ~20x more per row for the same rows.
    run_table, tag_table, param_table = SqlRun.__table__, SqlTag.__table__, SqlParam.__table__
    metric_table, latest_table = SqlMetric.__table__, SqlLatestMetric.__table__
    with store.engine.begin() as conn:
        for table, rows in ((run_table, runs), (tag_table, tags), (param_table, params)):
            for chunk in chunks(rows):
                conn.execute(insert(table), chunk)
        for chunk in chunks(metrics):
            conn.execute(insert(metric_table), chunk)
            conn.execute(insert(latest_table), chunk)
        for chunk in chunks(history):
            conn.execute(insert(metric_table), chunk)
        conn.execute(insert(latest_table), [history[-1]])
    store.engine.dispose()
    return ids


# What each database holds for the runs experiment: runs, params, tags, latest values, and sums.
_CENSUS = {
    "keel": """
        SELECT (SELECT count(*) FROM runs WHERE experiment_id = :e),
               (SELECT count(*) FROM params JOIN runs USING (run_pk) WHERE experiment_id = :e),
               (SELECT count(*) FROM tags JOIN runs USING (run_pk) WHERE experiment_id = :e),
               (SELECT count(*) || ' / ' || round(sum(value), 6)
                  FROM latest_metrics JOIN runs USING (run_pk) WHERE experiment_id = :e)""",
    "mlflow": """
        SELECT (SELECT count(*) FROM runs WHERE experiment_id = :e),
               (SELECT count(*) FROM params JOIN runs USING (run_uuid) WHERE experiment_id = :e),
               (SELECT count(*) FROM tags JOIN runs USING (run_uuid) WHERE experiment_id = :e),
               (SELECT count(*) || ' / ' || round(sum(value), 6)
                  FROM latest_metrics JOIN runs USING (run_uuid) WHERE experiment_id = :e)""",
}


def census(tool: str, directory: Path, ids: Ids) -> tuple[Any, ...]:
    """Row counts (and the sum of the latest metric values) in the tool's database."""
    with sqlite3.connect(directory / f"{tool}.db") as conn:
        return tuple(conn.execute(_CENSUS[tool], {"e": int(ids.runs_experiment)}).fetchone())


def search_names(url: str, experiment_id: str, filter_string: str, max_results: int) -> list[str]:
    body = {"experiment_ids": [experiment_id], "filter": filter_string, "max_results": max_results}
    request = urllib.request.Request(
        f"{url}/api/2.0/mlflow/runs/search",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        return [run["info"]["run_name"] for run in json.load(response).get("runs", [])]


def check_same_runs(seed: Seed, servers: dict[str, tuple[str, str, tuple[Any, ...]]]) -> str:
    """Both servers list the same newest 100 runs and the same filtered runs; both databases
    hold the same counts. ``servers`` maps a tool to (url, runs experiment id, census)."""
    started = time.perf_counter()
    expected_newest = list(reversed(seed.names[-100:]))
    for tool, (url, experiment_id, counts) in servers.items():
        newest = search_names(url, experiment_id, "", 100)
        filtered = search_names(url, experiment_id, FILTER, 1000)
        if newest != expected_newest or filtered != seed.filtered[:1000]:
            raise SystemExit(f"{tool} does not list the seeded runs (newest or filtered differ)")
        if counts[:3] != (seed.runs, 5 * seed.runs, 2 * seed.runs):
            raise SystemExit(f"{tool}'s database holds {counts}, not the seeded runs")
    if len({counts for _, _, counts in servers.values()}) > 1:
        raise SystemExit(f"the databases differ: {servers}")
    return f"same runs in both ({time.perf_counter() - started:.1f} s to check)"
