"""Models benchmark: loading, predicting and registering a scikit-learn model with keel and with mlflow.

Each tool logs the same fitted ``LogisticRegression`` (trained once, in its own child process) into
its own SQLite store in a fresh temporary directory (keel's embedded store, mlflow's ``sqlite:///``
backend). Every measurement runs in a fresh subprocess per tool, so import state and caches never
leak from one measurement into another.

Workloads (keel target in brackets):

a. fresh process: ``import <tool>.pyfunc``, ``load_model("runs:/<run>/model")`` and the first
   ``predict`` on a 100-row DataFrame; total wall and CPU time, and the breakdown (library import,
   load, first predict); median of 5 after one warm-up, keel and mlflow interleaved   [< 1 s]
b. the same through the registry: ``load_model("models:/<name>@champion")``; and, to separate the
   cost of resolving a URI from the rest, the same from the model's local directory
c. registry on SQLite: ``register_model("runs:/<run>/model", name)`` (median of 20 after one
   warm-up call), then ``search_model_versions("name = '<name>'")`` over 1,000 versions and
   ``get_latest_versions(name)`` (median of 5 warm calls, 3 with ``--quick``)

Both tools save the model with ``serialization_format="cloudpickle"``, so both unpickle the same
kind of file; the full run also times mlflow's default format (skops) in workload a. A "floor" runs
in the same rounds: the same work without either library (import pandas, ``pickle.load`` the
estimator, predict), which is what no library can go below.

Usage::

    python bench/bench_models.py [--quick]

Progress goes to stderr; the machine, the versions and the results table go to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
CHILD_TIMEOUT_S = 900

LOAD_REPS = 5
FRAME_ROWS = 100
TRAIN_ROWS = 1_000
FEATURES = 8
REGISTER_CALLS = 20
VERSIONS = 1_000
REGISTRY_REPS = 5
MODEL_NAME = "bench-model"
REGISTRY_MODEL_NAME = "bench-registry"
ALIAS = "champion"
CLOUDPICKLE = "cloudpickle"
MLFLOW_DEFAULT_FORMAT = "skops"
SEED = 20240601

Result = dict[str, Any]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def sqlite_uri(directory: str | Path, name: str) -> str:
    return f"sqlite:///{Path(directory).resolve() / name}"


def emit(result: Result) -> None:
    """A child's result: one marked JSON line on stdout (libraries may print other lines)."""
    print(RESULT_MARKER + json.dumps(result), flush=True)


# --------------------------------------------------------------------------------------------
# Children: each runs one step for one tool and emits one result.
# --------------------------------------------------------------------------------------------


def child_prepare(directory: Path) -> Result:
    """Fit the model once and write it (plain pickle) and the prediction frame (JSON columns)."""
    import pickle

    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(SEED)
    columns = [f"f{i}" for i in range(FEATURES)]
    train = pd.DataFrame(rng.normal(size=(TRAIN_ROWS, FEATURES)), columns=columns)
    target = (train["f0"] + 0.5 * train["f1"] - train["f2"] > 0).astype(int)
    estimator = LogisticRegression(max_iter=200).fit(train, target)
    with (directory / "estimator.pkl").open("wb") as out:
        pickle.dump(estimator, out)
    frame = pd.DataFrame(rng.normal(size=(FRAME_ROWS, FEATURES)), columns=columns)
    (directory / "frame.json").write_text(json.dumps(frame.to_dict(orient="list")))
    train.head(5).to_json(directory / "example.json", orient="split")
    return {"predictions": [int(p) for p in estimator.predict(frame)]}


def tracking_api(tool: str, uri: str) -> Any:
    if tool == "keel":
        import keel

        keel.set_tracking_uri(uri)
        return keel
    import mlflow

    mlflow.set_tracking_uri(uri)
    return mlflow


def tracking_client(tool: str, uri: str) -> Any:
    if tool == "keel":
        import keel

        return keel.Client(uri)
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri)


def log_estimator(tool: str, data_dir: Path, serialization_format: str) -> Any:
    """Log the prepared estimator in a new run (tracking URI already set); returns the model info."""
    import pickle
    from importlib import import_module

    import pandas as pd

    with (data_dir / "estimator.pkl").open("rb") as stream:
        estimator = pickle.load(stream)
    example = pd.read_json(data_dir / "example.json", orient="split")
    api, flavor = import_module(tool), import_module(f"{tool}.sklearn")
    with api.start_run():
        return flavor.log_model(
            estimator, name="model", input_example=example, serialization_format=serialization_format
        )


def child_log(tool: str, directory: Path, data_dir: Path, formats: list[str]) -> Result:
    """One run per format, each with its model registered as a new version of MODEL_NAME; the
    cloudpickle version (always the first) gets the alias."""
    import warnings

    warnings.simplefilter("ignore")
    uri = sqlite_uri(directory, f"{tool}.db")
    api = tracking_api(tool, uri)
    client = tracking_client(tool, uri)
    runs: dict[str, str] = {}
    model_dir = ""
    for serialization_format in formats:
        info = log_estimator(tool, data_dir, serialization_format)
        runs[serialization_format] = info.run_id
        version = api.register_model(f"runs:/{info.run_id}/model", MODEL_NAME)
        if serialization_format == CLOUDPICKLE:
            client.set_registered_model_alias(MODEL_NAME, ALIAS, version.version)
            model_dir = local_model_dir(tool, client, info.model_id)
    return {"tracking_uri": uri, "runs": runs, "model_dir": model_dir}


def local_model_dir(tool: str, client: Any, model_id: str) -> str:
    """The logged model's own directory in the local artifact store."""
    from urllib.parse import urlparse
    from urllib.request import url2pathname

    if tool == "keel":
        location = client.store.get_logged_model(model_id).info.artifact_uri
    else:
        location = client.get_logged_model(model_id).artifact_location
    parsed = urlparse(location)
    path = Path(url2pathname(parsed.path) if parsed.scheme == "file" else location)
    if not (path / "MLmodel").is_file():
        raise RuntimeError(f"{tool}: no MLmodel file in {path}")
    return str(path)


def child_registry(tool: str, directory: Path, data_dir: Path, versions: int, reps: int) -> Result:
    """register_model latency, then search_model_versions and get_latest_versions over ``versions``."""
    import warnings

    warnings.simplefilter("ignore")  # mlflow: get_latest_versions is deprecated
    uri = sqlite_uri(directory, f"{tool}.db")
    api = tracking_api(tool, uri)
    client = tracking_client(tool, uri)
    info = log_estimator(tool, data_dir, CLOUDPICKLE)
    model_uri = f"runs:/{info.run_id}/model"
    clock = time.perf_counter
    # The first call also creates the registered model (and loads what registering needs).
    t0 = clock()
    api.register_model(model_uri, REGISTRY_MODEL_NAME)
    first_s = clock() - t0
    register_s: list[float] = []
    cpu_start = time.process_time()
    for _ in range(REGISTER_CALLS):
        t0 = clock()
        api.register_model(model_uri, REGISTRY_MODEL_NAME)
        register_s.append(clock() - t0)
    register_cpu_s = (time.process_time() - cpu_start) / REGISTER_CALLS
    # The rest of the versions through the client (what register_model does after resolving the URI).
    t0 = clock()
    for _ in range(versions - REGISTER_CALLS - 1):
        client.create_model_version(
            REGISTRY_MODEL_NAME, info.model_uri, run_id=info.run_id, model_id=info.model_id
        )
    seed_s = clock() - t0

    def timed(call: Any) -> tuple[float, Any]:
        start = clock()
        value = call()
        return clock() - start, value

    filter_string = f"name = '{REGISTRY_MODEL_NAME}'"
    search_first_s, found = timed(lambda: client.search_model_versions(filter_string))
    search_s: list[float] = []
    latest_s: list[float] = []
    latest: Any = None
    for _ in range(reps):
        elapsed, found = timed(lambda: client.search_model_versions(filter_string))
        search_s.append(elapsed)
        elapsed, latest = timed(lambda: client.get_latest_versions(REGISTRY_MODEL_NAME))
        latest_s.append(elapsed)
    if len(found) != versions:
        raise RuntimeError(f"{tool}: search_model_versions returned {len(found)} of {versions} versions")
    newest = [int(v.version) for v in latest]
    if newest != [versions]:
        raise RuntimeError(f"{tool}: get_latest_versions returned versions {newest}, expected [{versions}]")
    return {
        "register_first_s": first_s,
        "register_s": statistics.median(register_s),
        "register_cpu_s": register_cpu_s,
        "seed_s": seed_s,
        "search_first_s": search_first_s,
        "search_s": statistics.median(search_s),
        "latest_s": statistics.median(latest_s),
        "versions": len(found),
    }


# What a user's script does, timed from its first line: import the library, load the model, read
# the data, predict. ``python -c`` keeps the benchmark's own imports out of the figures.
LOAD_SNIPPET = """
import time
_clock, _cpu = time.perf_counter, time.process_time
_t0, _c0 = _clock(), _cpu()
import {tool}.pyfunc
_t1, _c1 = _clock(), _cpu()
{tool}.set_tracking_uri({tracking_uri!r})
_model = {tool}.pyfunc.load_model({model_uri!r})
_t2, _c2 = _clock(), _cpu()
import json
import pandas as pd
with open({frame!r}) as _f:
    _frame = pd.DataFrame(json.load(_f))
_t3, _c3 = _clock(), _cpu()
_predictions = _model.predict(_frame)
_t4, _c4 = _clock(), _cpu()
print({marker!r} + json.dumps({{
    "import_s": _t1 - _t0, "load_s": _t2 - _t1, "frame_s": _t3 - _t2, "predict_s": _t4 - _t3,
    "total_s": _t4 - _t0, "import_cpu_s": _c1 - _c0, "load_cpu_s": _c2 - _c1, "total_cpu_s": _c4 - _c0,
    "predictions": [int(p) for p in _predictions],
}}))
"""

# The floor neither library can go below: the same imports and unpickling, without a library.
FLOOR_SNIPPET = """
import time
_clock, _cpu = time.perf_counter, time.process_time
_t0, _c0 = _clock(), _cpu()
import json
import pickle
import pandas as pd

with open({estimator!r}, "rb") as _f:
    _model = pickle.load(_f)
with open({frame!r}) as _f:
    _frame = pd.DataFrame(json.load(_f))
_predictions = _model.predict(_frame)
_t4, _c4 = _clock(), _cpu()
print({marker!r} + json.dumps({{"total_s": _t4 - _t0, "total_cpu_s": _c4 - _c0,
                                 "predictions": [int(p) for p in _predictions]}}))
"""


def run_child(args: argparse.Namespace) -> None:
    directory, data_dir = Path(args.dir), Path(args.data)
    if args.child == "prepare":
        emit(child_prepare(data_dir))
    elif args.child == "log":
        emit(child_log(args.tool, directory, data_dir, args.formats.split(",")))
    elif args.child == "registry":
        emit(child_registry(args.tool, directory, data_dir, args.versions, args.reps))
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


def spawn(argv: list[str], what: str, cwd: Path | None = None) -> Result | None:
    """Run a child; its result gets ``process_s``, the wall time from spawn to exit."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False, cwd=cwd
        )
    except subprocess.TimeoutExpired:
        log(f"{what} timed out after {CHILD_TIMEOUT_S} s")
        return None
    process_s = time.perf_counter() - start
    for line in proc.stderr.splitlines():
        if line.startswith("[bench "):
            print(line, file=sys.stderr, flush=True)
    result = parse_result(proc, what)
    if result is not None:
        result["process_s"] = process_s
    return result


def spawn_step(step: str, tool: str, directory: Path, data_dir: Path, extra: list[str]) -> Result | None:
    argv = [sys.executable, __file__, "--child", step, "--tool", tool, "--dir", str(directory)]
    return spawn([*argv, "--data", str(data_dir), *extra], f"{step}/{tool}", cwd=directory)


@dataclass(frozen=True)
class LoadCase:
    """One fresh-process load: the ``python -c`` code and the folder it runs in."""

    directory: Path
    code: str


def load_case(tool: str, directory: Path, tracking_uri: str, model_uri: str, frame: Path) -> LoadCase:
    code = LOAD_SNIPPET.format(
        tool=tool, tracking_uri=tracking_uri, model_uri=model_uri, frame=str(frame), marker=RESULT_MARKER
    )
    return LoadCase(directory, code)


def floor_case(data_dir: Path) -> LoadCase:
    code = FLOOR_SNIPPET.format(
        estimator=str(data_dir / "estimator.pkl"), frame=str(data_dir / "frame.json"), marker=RESULT_MARKER
    )
    return LoadCase(data_dir, code)


LOAD_FIELDS = (
    "total_s",
    "total_cpu_s",
    "import_s",
    "import_cpu_s",
    "load_s",
    "load_cpu_s",
    "frame_s",
    "predict_s",
    "process_s",
)


def bench_loads(cases: dict[str, LoadCase], reps: int, expected: list[int]) -> dict[str, list[Result]]:
    """Every case once to warm up, then ``reps`` rounds with the cases interleaved; every sample."""
    samples: dict[str, list[Result]] = {key: [] for key in cases}
    for rep in range(reps + 1):  # rep 0 warms the page cache and the bytecode caches
        for key, case in cases.items():  # interleaved, so drift on the machine hits all alike
            result = spawn([sys.executable, "-c", case.code], f"load/{key}", cwd=case.directory)
            if result is None:
                raise SystemExit(f"load/{key} failed")
            if result.pop("predictions") != expected:
                raise SystemExit(f"load/{key}: the predictions differ from the fitted model's")
            if rep:
                samples[key].append(result)
        log(f"  round {rep}/{reps} done" + (" (warm-up)" if rep == 0 else ""))
    return samples


def summarize(results: list[Result]) -> Result:
    out: Result = {f: statistics.median(r[f] for r in results) for f in results[0] if f in LOAD_FIELDS}
    out["best_s"] = min(r["total_s"] for r in results)
    out["best_cpu_s"] = min(r["total_cpu_s"] for r in results)
    out["all_total_ms"] = [round(r["total_s"] * 1000) for r in results]
    out["all_cpu_ms"] = [round(r["total_cpu_s"] * 1000) for r in results]
    return out


@dataclass
class Row:
    workload: str
    unit: str
    keel: float | None
    mlflow: float | None
    target: float | None = None  # keel must be below it
    digits: int = 0

    def fmt(self, value: float | None) -> str:
        return "n/a" if value is None else f"{value:,.{self.digits}f} {self.unit}"

    def ratio(self) -> str:
        if not self.keel or not self.mlflow:
            return "n/a"
        ratio = self.mlflow / self.keel
        return f"{ratio:,.1f}× faster" if ratio >= 1 else f"{ratio:.2f}× (keel worse)"

    def verdict(self) -> str:
        if self.target is None:
            return "—"
        target = f"< {self.target:,g} {self.unit}"
        if self.keel is None:
            return f"{target}: MISS (no result)"
        return f"{target}: {'PASS' if self.keel < self.target else 'MISS'}"


def print_table(rows: list[Row]) -> None:
    header = ("Workload", "keel", "mlflow", "mlflow/keel", "keel target")
    cells = [header] + [(r.workload, r.fmt(r.keel), r.fmt(r.mlflow), r.ratio(), r.verdict()) for r in rows]
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
    print("# keel vs mlflow: models benchmark")
    print(f"machine : {os.cpu_count()} cores, {cpu_model()}, {platform.platform()}")
    print(f"python  : {platform.python_version()} ({sys.executable})")
    dists = ("keel", "mlflow", "scikit-learn", "pandas", "numpy", "sqlalchemy")
    print(f"versions: {', '.join(f'{d} {dist_version(d)}' for d in dists)}, sqlite {sqlite3.sqlite_version}")
    print(f"load    : {load_average()} (1/5/15 min) at start")
    print()


def field(results: dict[str, Result], key: str, name: str, scale: float = 1.0) -> float | None:
    result = results.get(key)
    return None if result is None or result.get(name) is None else float(result[name]) * scale


def pair(workload: str, results: dict[str, Result], case: str, name: str, **kwargs: Any) -> Row:
    """A row of milliseconds: keel's and mlflow's ``name`` in ``case`` (``runs``, ``alias``...)."""
    keel, mlflow = (field(results, f"{tool}/{case}" if case else tool, name, 1e3) for tool in TOOLS)
    return Row(workload, "ms", keel, mlflow, **kwargs)


def setup_models(
    root: Path, data_dir: Path, formats: dict[str, list[str]]
) -> tuple[list[int], dict[str, Result]]:
    """Fit the model once, log it with each tool; the fitted model's predictions and each log result."""
    prepared = spawn_step("prepare", "keel", root, data_dir, [])
    if prepared is None:
        raise SystemExit("cannot fit the model")
    logged: dict[str, Result] = {}
    for tool in TOOLS:
        directory = root / tool
        directory.mkdir()
        result = spawn_step("log", tool, directory, data_dir, ["--formats", ",".join(formats[tool])])
        if result is None:
            raise SystemExit(f"cannot log the model with {tool}")
        logged[tool] = result
    return prepared["predictions"], logged


def load_cases(root: Path, data_dir: Path, logged: dict[str, Result]) -> dict[str, LoadCase]:
    frame = data_dir / "frame.json"
    cases: dict[str, LoadCase] = {}
    for tool in TOOLS:
        directory, uri, runs = root / tool, logged[tool]["tracking_uri"], logged[tool]["runs"]
        cases[f"{tool}/runs"] = load_case(tool, directory, uri, f"runs:/{runs[CLOUDPICKLE]}/model", frame)
        cases[f"{tool}/alias"] = load_case(tool, directory, uri, f"models:/{MODEL_NAME}@{ALIAS}", frame)
        cases[f"{tool}/path"] = load_case(tool, directory, uri, logged[tool]["model_dir"], frame)
        if tool == "mlflow" and MLFLOW_DEFAULT_FORMAT in runs:
            model_uri = f"runs:/{runs[MLFLOW_DEFAULT_FORMAT]}/model"
            cases["mlflow/default"] = load_case(tool, directory, uri, model_uri, frame)
    cases["floor"] = floor_case(data_dir)
    return cases


def load_report(samples: dict[str, list[Result]], reps: int) -> tuple[list[Row], list[str]]:
    loads = {key: summarize(results) for key, results in samples.items()}
    for tool in TOOLS:  # what the library adds to the same work without it, round by round
        pairs = list(zip(samples[f"{tool}/runs"], samples["floor"], strict=True))
        for name in ("total_s", "total_cpu_s"):
            added = statistics.median(run[name] - floor[name] for run, floor in pairs)
            loads[f"{tool}/runs"][name.replace("total", "added")] = added
    floor_ms, floor_cpu_ms = loads["floor"]["total_s"] * 1e3, loads["floor"]["total_cpu_s"] * 1e3
    rows: list[Row] = []
    for label, case, target in (
        ("a. runs:/<run>/model", "runs", 1000.0),
        (f"b. models:/<name>@{ALIAS}", "alias", None),
    ):
        rows += [
            pair(
                f"{label}: import + load + predict (median of {reps})", loads, case, "total_s", target=target
            ),
            pair("   CPU time of the same", loads, case, "total_cpu_s"),
            pair("   import <tool>.pyfunc", loads, case, "import_s"),
            pair("   load_model", loads, case, "load_s"),
            pair("   load_model, CPU", loads, case, "load_cpu_s"),
            pair("   first predict (100 rows)", loads, case, "predict_s", digits=1),
            pair("   whole process, spawn to exit", loads, case, "process_s"),
        ]
        if case == "runs":
            rows += [
                pair(
                    f"   added to the floor ({floor_ms:,.0f} ms: the same, no library)",
                    loads,
                    case,
                    "added_s",
                ),
                pair(f"   added CPU time (floor: {floor_cpu_ms:,.0f} ms)", loads, case, "added_cpu_s"),
            ]
    rows += [
        pair("the model's local directory instead of a URI", loads, "path", "total_s"),
        pair("   CPU time of the same", loads, "path", "total_cpu_s"),
    ]
    if "mlflow/default" in loads:
        rows.append(
            Row(
                f"a. with mlflow's default format ({MLFLOW_DEFAULT_FORMAT}; keel: {CLOUDPICKLE})",
                "ms",
                field(loads, "keel/runs", "total_s", 1e3),
                field(loads, "mlflow/default", "total_s", 1e3),
            )
        )
    notes = [
        f"load {key}: total ms {r['all_total_ms']} (best {r['best_s'] * 1000:.0f}), CPU ms {r['all_cpu_ms']}"
        for key, r in loads.items()
    ]
    notes += [
        "floor: the same work without either library (import pandas, pickle.load the estimator, predict), "
        "run in the same rounds; 'added' is the median of each round's difference to the floor",
        "every load predicted the same 100 labels as the fitted model; the DataFrame is read from a JSON "
        "file between load and predict (in the total, not in the rows below it)",
    ]
    return rows, notes


def registry_rows(registry: dict[str, Result], versions: int, reps: int) -> list[Row]:
    keel_seed_s, mlflow_seed_s = (field(registry, tool, "seed_s") for tool in TOOLS)
    return [
        pair(f"c. register_model (median of {REGISTER_CALLS})", registry, "", "register_s", digits=1),
        pair("   register_model, CPU per call", registry, "", "register_cpu_s", digits=1),
        pair("   register_model, first call (creates the model)", registry, "", "register_first_s", digits=1),
        pair(
            f"   search_model_versions, {versions:,} versions (median of {reps})",
            registry,
            "",
            "search_s",
            digits=1,
        ),
        pair("   search_model_versions, first call", registry, "", "search_first_s", digits=1),
        pair(f"   get_latest_versions (median of {reps})", registry, "", "latest_s", digits=2),
        Row(
            f"   seeding {versions - REGISTER_CALLS - 1:,} versions (create_model_version)",
            "s",
            keel_seed_s,
            mlflow_seed_s,
            digits=1,
        ),
    ]


def run_parent(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    machine_report()
    reps = args.reps or (3 if args.quick else LOAD_REPS)
    registry_reps = 3 if args.quick else REGISTRY_REPS
    formats = {"keel": [CLOUDPICKLE], "mlflow": [CLOUDPICKLE] if args.quick else [CLOUDPICKLE, "skops"]}
    with tempfile.TemporaryDirectory(prefix="bench-models-") as tmp:
        root = Path(tmp)
        data_dir = root / "data"
        data_dir.mkdir()
        log("0/3 fitting the model and logging it with each tool")
        expected, logged = setup_models(root, data_dir, formats)
        cases = load_cases(root, data_dir, logged)
        log(f"1/3 + 2/3 fresh-process loads: {len(cases)} cases, 1 warm-up + {reps} rounds, interleaved")
        rows, notes = load_report(bench_loads(cases, reps, expected), reps)
        log(f"3/3 registry: {REGISTER_CALLS} register_model calls, then {args.versions:,} versions searched")
        registry: dict[str, Result] = {}
        for tool in TOOLS:
            directory = root / f"{tool}-registry"
            directory.mkdir()
            extra = ["--versions", str(args.versions), "--reps", str(registry_reps)]
            result = spawn_step("registry", tool, directory, data_dir, extra)
            if result is not None:
                registry[tool] = result
        rows += registry_rows(registry, args.versions, registry_reps)
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
    parser.add_argument(
        "--quick", action="store_true", help="3 rounds instead of 5, and no skops (mlflow default) case"
    )
    parser.add_argument("--reps", type=int, default=None, help="fresh-process rounds per load case")
    parser.add_argument("--versions", type=int, default=VERSIONS, help="model versions for the search")
    # Internal: one step for one tool, in a child process.
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tool", choices=TOOLS, help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--formats", default=CLOUDPICKLE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args)
    else:
        if args.versions <= REGISTER_CALLS:
            parser.error(f"--versions must be above {REGISTER_CALLS}")
        run_parent(args)


if __name__ == "__main__":
    main()
