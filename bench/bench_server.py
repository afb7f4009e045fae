"""Server benchmark: the same plain-HTTP workload against ``keel server``, ``mlflow server`` and
FastTrackML's ``fml server``.

Every server runs on SQLite in its own temporary folder, listens on 127.0.0.1 only, and is
stopped at the end (also on Ctrl-C, SIGTERM or an exception). The load generator speaks
MLflow's REST API through ``http.client`` with keep-alive connections: no MLflow or keel client
library is in the timed path. Request bodies are encoded before the clock starts wherever the
workload allows it, so the generator stays light on this 2-core machine.

Workloads (keel target in brackets; ``--quick`` shrinks every size):

1. log-batch throughput: 200 runs x 20 params x 10 metrics x 100 steps; per run one
   ``runs/create``, one ``log-batch`` with the params and one with the 1,000 points, all on
   one connection                                                       [>= 50,000 points/s]
2. 2,000 sequential ``runs/log-metric`` calls on one kept-alive connection: p50 and p99
                                                                          [p50 <= 1.5 ms]
3. ``runs/search`` over 10,000 runs (seeded by 4 threads: ``runs/create`` + ``log-batch``; the
   seeding time is printed separately): ``metrics.m0 < 0.5 AND params.p0 = 'a'`` ordered by
   ``metrics.m1 DESC``, ``max_results`` 100, p50 over 20 calls           [p50 <= 50 ms]
4. ``metrics/get-history`` (no ``max_results``, as MLflow's client asks) of a 100,000-step
   metric logged through ``log-batch``: median of 3 full GETs           [<= 0.5 s]
5. 8 client processes, each logging 25 batches of 1,000 points to its own run: aggregate
   points/s                                                             [>= 50,000 points/s]
6. cold start: process spawn to the first ``GET /health`` 200, median over fresh folders
                                                                          [<= 1 s]
7. resident memory: RSS summed over the server's process tree, right after start and after
   the workload (the PASS/MISS applies to the latter)                   [<= 150 MB]

keel is also started with ``--workers 4`` (``--keel-workers``) for workloads 2 and 5: kept-alive
sequential latency must not grow with the worker count (Nagle's algorithm on the sockets that
uvicorn's supervisor binds, Kludex/uvicorn#3149).

Usage::

    .venv/bin/python bench/bench_server.py [--quick] [--servers keel,mlflow,fml]
        [--keel-workers 4] [--workloads 1,2,3,4,5] [--profile-dir DIR] [--json PATH]

Each server's executable is ``--keel-bin``/``--mlflow-bin``/``--fml-bin`` if given, else the one
next to this interpreter, else the one on PATH. FastTrackML's wheel ships the Go binary, but
fasttrackml 0.6.0 requires ``mlflow<3``: install it outside the venv
(``pip install --no-deps --target DIR fasttrackml``, then ``--fml-bin DIR/bin/fml``). A server
that cannot be found or started is reported and skipped. ``--profile-dir`` records py-spy's
collapsed stacks (``<workload>.folded``: open in speedscope, or flamegraph.pl) of the
single-worker keel server for each workload (py-spy must be installed).
Progress goes to stderr; the versions and the results table go to stdout. The last row,
"cpu taken by other processes", is the busiest workload's cpu use by processes outside the
benchmark and its server (from /proc): above ~0.25 cores the figures are noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Barrier

HOST = "127.0.0.1"
API = "/api/2.0/mlflow"
JSON_HEADERS = {"Content-Type": "application/json"}
BASE_TS = 1_700_000_000_000
REQUEST_TIMEOUT_S = 300.0
HEALTH_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 15.0
SEED = 20240601
SEARCH_FILTER = "metrics.m0 < 0.5 AND params.p0 = 'a'"
SEARCH_ORDER = ["metrics.m1 DESC"]
SEARCH_MAX_RESULTS = 100
SEED_THREADS = 4
CLIENT_PROCESSES = 8
POINTS_PER_BATCH = 1_000
MAX_PAGES = 1_000
MB = 1024 * 1024
ALL_WORKLOADS = (1, 2, 3, 4, 5)
SERVER_NAMES = ("keel", "mlflow", "fml")


@dataclass(frozen=True)
class Plan:
    """Workload sizes."""

    runs: int  # 1: runs logged through log-batch
    params: int
    metric_keys: int
    steps: int
    log_metric_calls: int  # 2
    warmup_calls: int
    search_runs: int  # 3
    search_calls: int
    history_steps: int  # 4
    history_reps: int
    client_batches: int  # 5: batches of 1,000 points per client process
    cold_starts: int  # 6


FULL = Plan(200, 20, 10, 100, 2_000, 50, 10_000, 20, 100_000, 3, 25, 3)
QUICK = Plan(40, 20, 10, 100, 500, 20, 2_000, 10, 20_000, 2, 5, 1)


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    key: str
    label: str
    unit: str
    higher_is_better: bool
    target: float | None = None
    compare: bool = True

    def verdict(self, value: float) -> str:
        if self.target is None:
            return ""
        ok = value >= self.target if self.higher_is_better else value <= self.target
        return "PASS" if ok else "MISS"

    def target_text(self) -> str:
        if self.target is None:
            return ""
        return f"{'>=' if self.higher_is_better else '<='} {fmt(self.target, self.unit)} {self.unit}"


ROWS = (
    Row("cold_start_s", "6. cold start to first /health 200", "s", False, 1.0),
    Row("rss_start_mb", "7. RSS right after start (tree)", "MB", False),
    Row("w1_points_per_s", "1. log-batch throughput", "points/s", True, 50_000),
    Row("w1_seconds", "   log-batch workload wall time", "s", False),
    Row("w2_p50_ms", "2. log-metric p50 (sequential)", "ms", False, 1.5),
    Row("w2_p99_ms", "   log-metric p99", "ms", False),
    Row("w3_seed_s", "3. search: seeding (4 threads)", "s", False),
    Row("w3_seed_runs_per_s", "   seeding rate", "runs/s", True),
    Row("w3_p50_ms", "   runs/search p50", "ms", False, 50.0),
    Row("w3_p90_ms", "   runs/search p90", "ms", False),
    Row("w4_log_s", "4. log the long metric (log-batch)", "s", False),
    Row("w4_get_s", "   get-history, full GET", "s", False, 0.5),
    Row("w5_points_per_s", "5. 8 concurrent clients", "points/s", True, 50_000),
    Row("rss_after_mb", "7. RSS after the workload (tree)", "MB", False, 150.0),
    Row("pss_after_mb", "   PSS after the workload (tree)", "MB", False),
    Row("others_cpu", "cpu taken by other processes (worst)", "cores", False, compare=False),
)


class BenchError(RuntimeError):
    """A server answered wrongly, failed to start, or a workload could not finish."""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def fmt(value: float, unit: str) -> str:
    if unit in ("points/s", "runs/s"):
        return f"{value:,.0f}"
    if unit in ("MB", "cores"):
        return f"{value:.1f}"
    if unit == "ms":
        return f"{value:.2f}" if value < 100 else f"{value:,.0f}"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, ``q`` in [0, 100]."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------------------------
# HTTP: one kept-alive connection, TCP_NODELAY on our side so the client never adds Nagle delays.
# --------------------------------------------------------------------------------------------


class Http:
    """A keep-alive HTTP/1.1 connection to one server on 127.0.0.1."""

    def __init__(self, port: int, timeout: float = REQUEST_TIMEOUT_S) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def _connect(self) -> None:
        self.conn.connect()
        assert self.conn.sock is not None
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def request(self, method: str, path: str, body: bytes | None = None) -> bytes:
        """The response body of a 200; anything else raises ``BenchError``."""
        for attempt in (0, 1):
            if self.conn.sock is None:
                self._connect()
            try:
                self.conn.request(method, path, body=body, headers=JSON_HEADERS if body is not None else {})
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                if attempt:
                    raise
                continue
            if response.status != 200:
                raise BenchError(f"{method} {path} -> HTTP {response.status}: {data[:300]!r}")
            return data
        raise AssertionError("unreachable")

    def post(self, endpoint: str, payload: Any) -> Any:
        return orjson.loads(self.request("POST", API + endpoint, orjson.dumps(payload)))

    def close(self) -> None:
        self.conn.close()


@contextlib.contextmanager
def connection(port: int) -> Iterator[Http]:
    client = Http(port)
    try:
        yield client
    finally:
        client.close()


def create_experiment(client: Http, name: str) -> str:
    return str(client.post("/experiments/create", {"name": name})["experiment_id"])


def create_run(client: Http, experiment_id: str, name: str | None = None, start: int = BASE_TS) -> str:
    payload: dict[str, Any] = {"experiment_id": experiment_id, "start_time": start}
    if name is not None:
        payload["run_name"] = name
    return str(client.post("/runs/create", payload)["run"]["info"]["run_id"])


def metric_points(keys: Sequence[str], first_step: int, steps: int) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "value": (first_step + s) * 1e-3 + k,
            "timestamp": BASE_TS + first_step + s,
            "step": first_step + s,
        }
        for k, key in enumerate(keys)
        for s in range(steps)
    ]


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------


@dataclass
class ServerSpec:
    name: str  # column title
    kind: str  # keel, mlflow or fml
    workers: int = 1
    workloads: tuple[int, ...] = ALL_WORKLOADS
    binary: Path | None = None

    def argv(self, folder: Path, port: int) -> list[str]:
        assert self.binary is not None
        exe = str(self.binary)
        if self.kind == "keel":
            return [
                exe,
                "server",
                "--port",
                str(port),
                "--backend-store-uri",
                f"sqlite:///{folder}/keel.db",
                "--artifacts-destination",
                str(folder / "art"),
                "--workers",
                str(self.workers),
            ]
        if self.kind == "mlflow":
            return [
                exe,
                "server",
                "--backend-store-uri",
                f"sqlite:///{folder}/mlflow.db",
                "--host",
                HOST,
                "--port",
                str(port),
                "--workers",
                str(self.workers),
                "--artifacts-destination",
                str(folder / "art"),
            ]
        # fml logs every request at info level; keel runs without access logs, so quiet it too.
        return [
            exe,
            "server",
            "--database-uri",
            f"sqlite://{folder}/fml.db",
            "--listen-address",
            f"{HOST}:{port}",
            "--default-artifact-root",
            str(folder / "art"),
            "--log-level",
            "warning",
        ]


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    # No telemetry or update checks: traffic stays on 127.0.0.1.
    env.update({"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true", "PYTHONUNBUFFERED": "1"})
    return env


class Server:
    """One server process (and its children) in its own session and temporary folder."""

    def __init__(self, spec: ServerSpec, folder: Path) -> None:
        self.spec = spec
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = folder / "server.log"

    def start(self) -> float:
        """Spawn and wait for ``GET /health`` 200; the seconds from spawn to that answer."""
        self.folder.mkdir(parents=True, exist_ok=True)
        argv = self.spec.argv(self.folder, self.port)
        with self.log_path.open("wb") as out:
            t0 = time.perf_counter()
            try:
                self.proc = subprocess.Popen(
                    argv,
                    cwd=self.folder,
                    env=server_env(),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            except OSError as exc:
                raise BenchError(f"{self.spec.name}: cannot start {argv[0]}: {exc}") from exc
        deadline = t0 + HEALTH_TIMEOUT_S
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.spec.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            if self._healthy():
                return time.perf_counter() - t0
            time.sleep(0.005)
        raise BenchError(
            f"{self.spec.name}: no /health 200 within {HEALTH_TIMEOUT_S:.0f} s\n{self.log_tail()}"
        )

    def _healthy(self) -> bool:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
        try:
            conn.request("GET", "/health")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def pids(self) -> list[int]:
        if self.proc is None or self.proc.poll() is not None:
            return []
        return process_tree(self.proc.pid)

    def memory_mb(self) -> tuple[float, float | None]:
        """(RSS, PSS) summed over the process tree, in MB; PSS is None without psutil."""
        return tree_memory(self.pids())

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        tree = process_tree(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            log(f"{self.spec.name} ignored SIGTERM for {STOP_TIMEOUT_S:.0f} s: SIGKILL")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_TIMEOUT_S)
        # Children that left the process group (none expected) go too.
        for pid in tree[1:]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def process_tree(root: int) -> list[int]:
    """``root`` and its descendants, through psutil if installed, else /proc."""
    try:
        import psutil
    except ImportError:
        return proc_tree(root)
    try:
        parent = psutil.Process(root)
        return [root, *(p.pid for p in parent.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


def proc_tree(root: int) -> list[int]:
    """``root`` and its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out: list[int] = []
    todo = [root]
    while todo and len(out) < 10_000:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def tree_memory(pids: Sequence[int]) -> tuple[float, float | None]:
    try:
        import psutil
    except ImportError:
        rss = 0
        for pid in pids:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1]) * 1024
        return rss / MB, None
    rss = pss = 0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            info = psutil.Process(pid).memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
    return rss / MB, pss / MB


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def busy_cpu_seconds() -> float:
    """cpu seconds spent by the whole machine outside idle and iowait (Linux /proc/stat)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return 0.0
    return (sum(fields) - fields[3] - fields[4]) / CLOCK_TICKS


def process_cpu_seconds(pids: Sequence[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


class CpuMeter:
    """How many cores processes other than the benchmark and its server kept busy meanwhile."""

    def __init__(self, server_pids: Callable[[], list[int]]) -> None:
        self.server_pids = server_pids
        self.worst = 0.0

    @contextlib.contextmanager
    def measure(self) -> Iterator[None]:
        def snapshot() -> tuple[float, float, float, float]:
            own = os.times()
            mine = own.user + own.system + own.children_user + own.children_system
            return time.perf_counter(), busy_cpu_seconds(), process_cpu_seconds(self.server_pids()), mine

        t0, busy0, server0, own0 = snapshot()
        try:
            yield
        finally:
            t1, busy1, server1, own1 = snapshot()
            others = (busy1 - busy0) - (server1 - server0) - (own1 - own0)
            if t1 - t0 > 0.5:
                self.worst = max(self.worst, max(0.0, others) / (t1 - t0))


class Profiler:
    """``py-spy record`` attached to a server for one workload (``--profile-dir``)."""

    def __init__(self, out_dir: Path | None, pid: int | None) -> None:
        self.out_dir = out_dir
        self.pid = pid
        self.exe = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")

    @contextlib.contextmanager
    def record(self, name: str) -> Iterator[None]:
        if self.out_dir is None or self.pid is None or self.exe is None:
            yield
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        out = self.out_dir / f"{name}.folded"
        argv = [
            self.exe,
            "record",
            "--pid",
            str(self.pid),
            "--output",
            str(out),
            "--format",
            "raw",
            "--rate",
            "250",
            "--nonblocking",
            "--subprocesses",
        ]
        proc = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
        )
        time.sleep(0.5)  # let it attach
        try:
            yield
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                _, err = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate(timeout=10)
            log(f"  profile: {out}" if out.exists() else f"  py-spy failed: {err.decode()[-300:]}")


# --------------------------------------------------------------------------------------------
# Workloads: each takes the server's port and returns named figures.
# --------------------------------------------------------------------------------------------

Figures = dict[str, float]


def w1_log_batch(port: int, plan: Plan) -> Figures:
    keys = [f"m{k}" for k in range(plan.metric_keys)]
    params = [{"key": f"p{i}", "value": f"value-{i}"} for i in range(plan.params)]
    points = metric_points(keys, 0, plan.steps)
    assert len(points) <= POINTS_PER_BATCH
    with connection(port) as client:
        experiment_id = create_experiment(client, "w1-log-batch")
        t0 = time.perf_counter()
        for i in range(plan.runs):
            run_id = create_run(client, experiment_id, start=BASE_TS + i)
            client.post("/runs/log-batch", {"run_id": run_id, "params": params})
            client.post("/runs/log-batch", {"run_id": run_id, "metrics": points})
        elapsed = time.perf_counter() - t0
    total = plan.runs * len(points)
    return {"w1_points_per_s": total / elapsed, "w1_seconds": elapsed}


def w2_log_metric(port: int, plan: Plan) -> Figures:
    with connection(port) as client:
        run_id = create_run(client, create_experiment(client, "w2-log-metric"))
        bodies = [
            orjson.dumps(
                {"run_id": run_id, "key": "loss", "value": 1.0 / (i + 1), "timestamp": BASE_TS + i, "step": i}
            )
            for i in range(plan.warmup_calls + plan.log_metric_calls)
        ]
        path = API + "/runs/log-metric"
        clock = time.perf_counter_ns
        durations: list[int] = []
        for i, body in enumerate(bodies):
            t0 = clock()
            client.request("POST", path, body)
            if i >= plan.warmup_calls:
                durations.append(clock() - t0)
    ms = [d / 1e6 for d in durations]
    return {
        "w2_p50_ms": percentile(ms, 50),
        "w2_p99_ms": percentile(ms, 99),
        "w2_mean_ms": statistics.fmean(ms),
    }


def seed_search_runs(port: int, experiment_id: str, count: int) -> None:
    """``count`` runs named ``s<i>``, each with 4 params and 4 metrics, from SEED_THREADS threads."""
    errors: list[BaseException] = []

    def seed(indices: range) -> None:
        try:
            with connection(port) as client:
                for i in indices:
                    rng = random.Random(SEED + i)
                    run_id = create_run(client, experiment_id, name=f"s{i}", start=BASE_TS + i)
                    client.post(
                        "/runs/log-batch",
                        {
                            "run_id": run_id,
                            "params": [{"key": "p0", "value": "abcd"[i % 4]}]
                            + [{"key": f"p{k}", "value": str(rng.randrange(1000))} for k in (1, 2, 3)],
                            "metrics": [
                                {"key": f"m{k}", "value": rng.random(), "timestamp": BASE_TS + i, "step": 0}
                                for k in range(4)
                            ],
                        },
                    )
                    if errors:
                        return
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    chunk = -(-count // SEED_THREADS)
    threads = [
        threading.Thread(target=seed, args=(range(start, min(count, start + chunk)),), daemon=True)
        for start in range(0, count, chunk)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=3600)
    if errors:
        raise BenchError(f"seeding failed: {errors[0]!r}")
    if any(thread.is_alive() for thread in threads):
        raise BenchError("seeding did not finish within an hour")


def w3_search(port: int, plan: Plan) -> Figures:
    with connection(port) as client:
        experiment_id = create_experiment(client, "w3-search")
        t0 = time.perf_counter()
        seed_search_runs(port, experiment_id, plan.search_runs)
        seed_s = time.perf_counter() - t0
        body = orjson.dumps(
            {
                "experiment_ids": [experiment_id],
                "filter": SEARCH_FILTER,
                "run_view_type": "ACTIVE_ONLY",
                "max_results": SEARCH_MAX_RESULTS,
                "order_by": SEARCH_ORDER,
            }
        )
        path = API + "/runs/search"
        first = orjson.loads(client.request("POST", path, body))  # warm-up, and the answer to check
        client.request("POST", path, body)
        durations: list[float] = []
        for _ in range(plan.search_calls):
            t1 = time.perf_counter()
            client.request("POST", path, body)
            durations.append((time.perf_counter() - t1) * 1e3)
    names = [run["info"]["run_name"] for run in first.get("runs", [])]
    if len(names) != SEARCH_MAX_RESULTS:
        raise BenchError(f"runs/search returned {len(names)} runs, expected {SEARCH_MAX_RESULTS}")
    return {
        "w3_seed_s": seed_s,
        "w3_seed_runs_per_s": plan.search_runs / seed_s,
        "w3_p50_ms": percentile(durations, 50),
        "w3_p90_ms": percentile(durations, 90),
        "w3_answer": float(zlib.crc32(" ".join(names).encode())),
    }


def w4_history(port: int, plan: Plan) -> Figures:
    steps_per_batch = POINTS_PER_BATCH
    with connection(port) as client:
        run_id = create_run(client, create_experiment(client, "w4-history"))
        t0 = time.perf_counter()
        for first in range(0, plan.history_steps, steps_per_batch):
            points = metric_points(["loss"], first, min(steps_per_batch, plan.history_steps - first))
            client.post("/runs/log-batch", {"run_id": run_id, "metrics": points})
        log_s = time.perf_counter() - t0
        timings: list[float] = []
        pages = 0
        for _ in range(plan.history_reps):
            elapsed, count, pages = 0.0, 0, 0
            token: str | None = None
            while pages < MAX_PAGES:
                query = f"?run_id={run_id}&metric_key=loss" + (f"&page_token={token}" if token else "")
                t1 = time.perf_counter()
                data = client.request("GET", API + "/metrics/get-history" + query)
                elapsed += time.perf_counter() - t1
                page = orjson.loads(data)
                count += len(page.get("metrics", ()))
                pages += 1
                token = page.get("next_page_token")
                if not token:
                    break
            if count != plan.history_steps:
                raise BenchError(f"get-history returned {count} points, expected {plan.history_steps}")
            timings.append(elapsed)
    return {"w4_log_s": log_s, "w4_get_s": statistics.median(timings), "w4_pages": float(pages)}


def w5_client(
    port: int, run_id: str, batches: int, barrier: Barrier, results: Queue[tuple[float, float, int, str]]
) -> None:
    """One load-generating process: its bodies are encoded before the barrier."""
    keys = [f"m{k}" for k in range(10)]
    steps = POINTS_PER_BATCH // len(keys)
    bodies = [
        orjson.dumps({"run_id": run_id, "metrics": metric_points(keys, b * steps, steps)})
        for b in range(batches)
    ]
    path = API + "/runs/log-batch"
    try:
        with connection(port) as client:
            client.request("GET", "/health")  # open the connection before the clock starts
            barrier.wait(timeout=120)
            t0 = time.perf_counter()
            for body in bodies:
                client.request("POST", path, body)
            results.put((t0, time.perf_counter(), len(bodies) * POINTS_PER_BATCH, ""))
    except BaseException as exc:
        results.put((0.0, 0.0, 0, repr(exc)))


def w5_concurrent(port: int, plan: Plan) -> Figures:
    with connection(port) as client:
        experiment_id = create_experiment(client, "w5-concurrent")
        run_ids = [create_run(client, experiment_id, name=f"c{i}") for i in range(CLIENT_PROCESSES)]
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(CLIENT_PROCESSES + 1)
    results: Queue[tuple[float, float, int, str]] = ctx.Queue()
    procs = [
        ctx.Process(target=w5_client, args=(port, run_id, plan.client_batches, barrier, results), daemon=True)
        for run_id in run_ids
    ]
    for proc in procs:
        proc.start()
    try:
        barrier.wait(timeout=120)
        t0 = time.perf_counter()
        outcomes = [results.get(timeout=1800) for _ in procs]
        wall = time.perf_counter() - t0
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
    failures = [err for *_, err in outcomes if err]
    if failures:
        raise BenchError(f"{len(failures)} client(s) failed: {failures[0]}")
    total = sum(points for _, _, points, _ in outcomes)
    span = max(end for _, end, _, _ in outcomes) - min(start for start, _, _, _ in outcomes)
    return {"w5_points_per_s": total / span, "w5_wall_s": wall}


WORKLOADS: dict[int, tuple[str, Callable[[int, Plan], Figures]]] = {
    1: ("log-batch throughput", w1_log_batch),
    2: ("sequential log-metric", w2_log_metric),
    3: ("seed + runs/search", w3_search),
    4: ("100k-step get-history", w4_history),
    5: ("8 concurrent clients", w5_concurrent),
}


# --------------------------------------------------------------------------------------------
# One server: cold starts, then the workloads on one instance, then its memory.
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    figures: Figures = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def bench_server(
    spec: ServerSpec, plan: Plan, workloads: Sequence[int], root: Path, profile_dir: Path | None
) -> Outcome:
    outcome = Outcome()
    colds: list[float] = []
    for rep in range(plan.cold_starts - 1):  # throwaway instances, each on a fresh folder
        extra = Server(spec, root / f"cold-{rep}")
        try:
            colds.append(extra.start())
        finally:
            extra.stop()
    server = Server(spec, root / "main")
    meter = CpuMeter(server.pids)
    try:
        colds.append(server.start())
        outcome.figures["cold_start_s"] = statistics.median(colds)
        log(f"{spec.name}: up in {colds[-1]:.2f} s on port {server.port} (cold starts {colds})")
        time.sleep(1.0)  # let startup work settle before the idle reading
        outcome.figures["rss_start_mb"] = server.memory_mb()[0]
        pids = server.pids()
        profiler = Profiler(profile_dir, pids[0] if pids and spec.kind == "keel" else None)
        for number in workloads:
            if number not in spec.workloads:
                continue
            title, run = WORKLOADS[number]
            log(f"{spec.name}: workload {number} ({title})")
            t0 = time.perf_counter()
            try:
                with meter.measure(), profiler.record(f"{spec.name}-w{number}"):
                    figures = run(server.port, plan)
            except (BenchError, OSError, http.client.HTTPException) as exc:
                message = f"workload {number} ({title}): {exc}"
                outcome.errors.append(message)
                log(f"{spec.name}: FAILED {message}")
                if server.proc is None or server.proc.poll() is not None:
                    outcome.errors.append(f"server died:\n{server.log_tail()}")
                    break
                continue
            outcome.figures.update(figures)
            shown = ", ".join(f"{k}={v:.4g}" for k, v in figures.items() if k != "w3_answer")
            log(f"{spec.name}: workload {number} done in {time.perf_counter() - t0:.1f} s: {shown}")
        time.sleep(1.0)
        rss, pss = server.memory_mb()
        outcome.figures["rss_after_mb"] = rss
        outcome.figures["others_cpu"] = meter.worst
        if pss is not None:
            outcome.figures["pss_after_mb"] = pss
    finally:
        server.stop()
    return outcome


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def ratio(keel: float, other: float, higher_is_better: bool) -> str:
    """How many times keel is better than ``other`` (> 1: keel faster or smaller)."""
    if keel <= 0 or other <= 0:
        return ""
    factor = keel / other if higher_is_better else other / keel
    if factor < 1:
        return f"{factor:.2f}x"
    return f"{factor:.1f}x" if factor < 100 else f"{factor:,.0f}x"


def render(results: dict[str, Outcome], plan: Plan, quick: bool) -> str:
    names = list(results)
    others = [n for n in names if n in ("mlflow", "fml")]
    header = ["figure", "unit", *names, "keel target", "keel", *(f"keel vs {o}" for o in others)]
    table: list[list[str]] = [header]
    for row in ROWS:
        values = [results[n].figures.get(row.key) for n in names]
        if all(v is None for v in values):
            continue
        keel = results["keel"].figures.get(row.key) if "keel" in results else None
        cells = [row.label, row.unit, *(fmt(v, row.unit) if v is not None else "-" for v in values)]
        cells += [row.target_text(), row.verdict(keel) if keel is not None else ""]
        for other in others:
            value = results[other].figures.get(row.key)
            cells.append(ratio(keel, value, row.higher_is_better) if row.compare and keel and value else "")
        table.append(cells)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = []
    for i, cells in enumerate(table):
        lines.append(
            "  ".join(
                c.ljust(w) if j < 2 else c.rjust(w)
                for j, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [
        "",
        "'keel vs X' = how many times keel is better (throughput keel/X, latency, time and memory X/keel).",
        f"sizes: 1) {plan.runs} runs x {plan.params} params x {plan.metric_keys} metrics"
        f" x {plan.steps} steps; 2) {plan.log_metric_calls} calls after {plan.warmup_calls} warm-up;",
        f"       3) {plan.search_runs:,} runs, {plan.search_calls} calls, filter {SEARCH_FILTER!r},"
        f" order by {SEARCH_ORDER[0]!r};",
        f"       4) {plan.history_steps:,} steps, median of {plan.history_reps};"
        f" 5) {CLIENT_PROCESSES} processes x {plan.client_batches} batches x {POINTS_PER_BATCH:,}"
        f" points; 6) median of {plan.cold_starts} spawns on fresh folders.",
    ]
    if quick:
        notes.append("--quick: reduced sizes, so the PASS/MISS column is only indicative.")
    answers = {n: o.figures["w3_answer"] for n, o in results.items() if "w3_answer" in o.figures}
    if len(set(answers.values())) > 1:
        notes.append(f"WARNING: runs/search answers differ between servers: {answers}")
    elif len(answers) > 1:
        notes.append(f"runs/search returned the same 100 runs in the same order on {', '.join(answers)}.")
    for name, outcome in results.items():
        if outcome.figures.get("w4_pages", 1) > 1:
            notes.append(
                f"{name}: get-history without max_results answered in"
                f" {outcome.figures['w4_pages']:.0f} pages."
            )
    if "keel" in results:
        p50 = results["keel"].figures.get("w2_p50_ms")
        for name, outcome in results.items():
            multi = outcome.figures.get("w2_p50_ms")
            if name.startswith("keel-w") and p50 and multi:
                growth = multi / p50
                verdict = "OK" if multi <= 1.5 and growth < 2 else "GROWS (Nagle? Kludex/uvicorn#3149)"
                notes.append(
                    f"log-metric p50 with 1 worker {p50:.2f} ms, {name} {multi:.2f} ms"
                    f" (x{growth:.2f}): {verdict}"
                )
    busiest = max((o.figures.get("others_cpu", 0.0) for o in results.values()), default=0.0)
    if busiest > 0.25:
        notes.append(
            f"WARNING: processes outside this benchmark kept up to {busiest:.1f} of {os.cpu_count()} cores"
            " busy during a workload: latencies and throughputs are noisy; compare with a quiet run."
        )
    for name, outcome in results.items():
        notes.extend(f"{name}: ERROR {e}" for e in outcome.errors)
    return "\n".join(lines + notes)


def versions(specs: Sequence[ServerSpec]) -> str:
    parts = [f"python {platform.python_version()}", f"{os.cpu_count()} cpus", platform.machine()]
    for dist in ("keel", "mlflow", "uvicorn", "starlette"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            parts.append(f"{dist} {metadata.version(dist)}")
    for spec in specs:
        if spec.kind == "fml" and spec.binary is not None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                out = subprocess.run(
                    [str(spec.binary), "--version"], capture_output=True, text=True, timeout=30
                )
                parts.append(f"fml {(out.stdout or out.stderr).strip().split()[-1]}")
    return ", ".join(parts)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def find_binary(kind: str, override: str | None) -> Path | None:
    if override:
        return Path(override).resolve() if Path(override).is_file() else None
    beside = Path(sys.executable).parent / kind
    if beside.is_file():
        return beside
    found = shutil.which(kind)
    return Path(found) if found else None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one cold start")
    parser.add_argument("--servers", default="keel,mlflow,fml", help="comma-separated: keel, mlflow, fml")
    parser.add_argument(
        "--keel-workers",
        type=int,
        default=4,
        help="also run keel with this many workers for workloads 2 and 5 (<= 1: skip)",
    )
    parser.add_argument(
        "--workloads",
        default=",".join(map(str, ALL_WORKLOADS)),
        help="comma-separated subset of 1-5 (cold start and memory are always measured)",
    )
    for name in SERVER_NAMES:
        parser.add_argument(f"--{name}-bin", default=None, help=f"path to the {name} executable")
    parser.add_argument(
        "--profile-dir",
        type=Path,
        default=None,
        help="py-spy flame graph of the 1-worker keel server per workload, into this folder",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    args.server_list = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = set(args.server_list) - set(SERVER_NAMES)
    if unknown:
        parser.error(f"unknown server(s): {', '.join(sorted(unknown))}")
    args.workload_list = [int(w) for w in args.workloads.split(",") if w.strip()]
    if set(args.workload_list) - set(ALL_WORKLOADS):
        parser.error("workloads are numbered 1 to 5")
    return args


def interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = QUICK if args.quick else FULL
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    specs: list[ServerSpec] = []
    skipped: dict[str, str] = {}
    for name in args.server_list:
        binary = find_binary(name, getattr(args, f"{name}_bin"))
        if binary is None:
            skipped[name] = f"no {name} executable found" + (
                " (pip install --no-deps fasttrackml: its wheel ships the Go binary)" if name == "fml" else ""
            )
            continue
        specs.append(ServerSpec(name, name, binary=binary))
        if name == "keel" and args.keel_workers > 1:
            specs.append(ServerSpec(f"keel-w{args.keel_workers}", "keel", args.keel_workers, (2, 5), binary))
    print(versions(specs), flush=True)
    results: dict[str, Outcome] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="keel-bench-server-") as tmp:
        for spec in specs:
            log(f"=== {spec.name} ({spec.binary}, workers={spec.workers})")
            t0 = time.perf_counter()
            try:
                profile = args.profile_dir if spec.name == "keel" else None
                results[spec.name] = bench_server(
                    spec, plan, args.workload_list, Path(tmp) / spec.name, profile
                )
            except BenchError as exc:
                skipped[spec.name] = f"could not be benchmarked: {exc}"
                log(f"{spec.name}: {exc}")
                continue
            log(f"=== {spec.name} done in {time.perf_counter() - t0:.0f} s")
    if not results:
        print("no server could be benchmarked: " + "; ".join(f"{k}: {v}" for k, v in skipped.items()))
        return 1
    print()
    print(render(results, plan, args.quick))
    for name, reason in skipped.items():
        print(f"{name}: skipped: {reason}")
    print(f"total bench time {time.perf_counter() - started:.0f} s")
    if args.json:
        payload = {
            "plan": plan.__dict__,
            "quick": args.quick,
            "results": {n: {"figures": o.figures, "errors": o.errors} for n, o in results.items()},
            "skipped": skipped,
        }
        args.json.write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted: servers stopped")
        sys.exit(130)
