"""UI benchmark: keel's web UI against MLflow's, in headless Chromium, on the same seeded data.

Both servers run on SQLite in one temporary folder and listen on 127.0.0.1. Both databases hold
the same runs, written with bulk INSERTs through each tool's own schema (``ui_seed.py``; seeding
time is printed, not counted), and the script checks that both servers list the same runs. Each
page load opens a fresh browser context (empty cache, so the app's own code is loaded and parsed,
as on a first visit) and times, inside the page, from navigation start to the moment the awaited
thing is on screen. Median of ``--reps``; a measurement that takes longer than ``--budget`` is
reported as "> budget", and a page load slower than 30 s is not repeated.

Workloads (keel target in brackets):

1. first rows: the runs page of an experiment with ``--runs`` runs, until the newest run's name
   is shown                                                                   [< 1 s]
2. filtered: the runs page opened with ``metrics.m1 > 0.999 and params.p0 = 'a'`` (1 run in 97),
   until the newest matching run is shown                                     [< 1 s]
3. filtered, wide: opened with ``metrics.m0 < 0.1`` (1 run in 10)              [< 1 s]
4. scroll: from the first rows, scroll the table body down through ``--scroll-rows`` rows (5,000)
   with the mouse wheel, then with Page Down; loading more rows the tool's way (keel fetches as
   the end nears; mlflow has a "Load more" button, which is clicked). Time taken, frame times from
   requestAnimationFrame (median, p95, dropped vsyncs), the page's main-thread task time per
   frame (Chromium's TaskDuration), the most rows the DOM held, and the JS heap after
         [p95 frame < 33.4 ms, < 5 % dropped, main thread < 16.7 ms a frame, < 200 rows in the DOM]
5. 1,000,000-point chart: the run page of a run whose ``loss`` has ``--points`` steps, until its
   chart is drawn, and the page's JS heap then                              [< 1 s, < 100 MB]
6. faithful: does the data the chart is drawn from still hold the history's one-step spike?
7. sorted: the runs page opened sorted by ``metrics.m0`` descending (the URL carries the sort in
   both UIs), until the run with the largest m0 is shown. Last, because a query mlflow is still
   running after the budget keeps a core busy                                  [< 1 s]

Usage::

    .venv/bin/python bench/bench_ui.py --runs 100000 [--quick] [--points N] [--reps N] [--tools keel,mlflow]

Needs mlflow in the environment (``pip install -e '.[test]'``), the built keel UI
(``cd ui && npm ci && npm run build``), Chromium (Debian's ``chromium``) and the Python package
playwright (its own browser download is never used). Progress goes to stderr; the versions and a
Markdown table go to stdout.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Callable

from ui_browser import (
    CHART_DRAWN,
    CHROMIUM_ARGS,
    LINK_SHOWN,
    VSYNC_MS,
    Scroll,
    Timing,
    measure,
    scroll_table,
)
from ui_seed import Seed, census, check_same_runs, make_seed, seed_keel, seed_mlflow
from ui_servers import (
    Server,
    chart_url,
    executable,
    filter_query,
    is_spike_kept,
    runs_url,
    sorted_query,
    start_server,
    stop_server,
)

TOOLS = ("keel", "mlflow")
INPUTS = ("wheel", "keys")
NOT_REPEATED_AFTER_S = 30.0


def log(message: str) -> None:
    print(f"[bench-ui {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Options:
    reps: int
    budget_s: float
    scroll_rows: int
    scroll_speed: int
    inputs: tuple[str, ...]


def repeated(name: str, tool: str, reps: int, once: Any) -> list[Any]:
    """``once()`` up to ``reps`` times; a result over budget, or a page slower than 30 s, is not repeated."""
    results = []
    for rep in range(reps):
        result = once()
        results.append(result)
        log(f"  {tool} {name} #{rep + 1}: {short(result)}")
        if result.over_budget or (isinstance(result, Timing) and result.seconds > NOT_REPEATED_AFTER_S):
            break
    return results


def median_timing(timings: list[Timing]) -> Timing:
    heaps = [t.heap_mb for t in timings if t.heap_mb is not None]
    return Timing(
        statistics.median(t.seconds for t in timings),
        statistics.median(heaps) if heaps else None,
        any(t.over_budget for t in timings),
    )


def median_scroll(scrolls: list[Scroll]) -> Scroll:
    def mid(field: str) -> Any:
        return statistics.median(getattr(s, field) for s in scrolls)

    return Scroll(
        rows=int(mid("rows")),
        seconds=mid("seconds"),
        frame_median_ms=mid("frame_median_ms"),
        frame_p95_ms=mid("frame_p95_ms"),
        dropped=int(mid("dropped")),
        frames=int(mid("frames")),
        dom_rows=int(mid("dom_rows")),
        heap_mb=mid("heap_mb"),
        main_thread_ms=mid("main_thread_ms"),
        over_budget=any(s.over_budget for s in scrolls),
    )


def run_workloads(server: Server, seed: Seed, browser: Any, options: Options) -> dict[str, Any]:
    tool, budget = server.tool, options.budget_s
    pages: dict[str, tuple[str, str, Any, bool]] = {
        "first rows": (runs_url(server), LINK_SHOWN, seed.newest, False),
        "filtered": (runs_url(server, filter_query(tool)), LINK_SHOWN, seed.filtered[0], False),
        "filtered, wide": (
            runs_url(server, filter_query(tool, wide=True)),
            LINK_SHOWN,
            seed.newest_wide_filtered,
            False,
        ),
        "chart": (chart_url(server), CHART_DRAWN[tool], None, True),
        "sorted": (runs_url(server, sorted_query(tool)), LINK_SHOWN, seed.top_by_m0, False),
    }
    out: dict[str, Any] = {}

    def page(name: str) -> None:
        url, condition, arg, heap = pages[name]
        timings = repeated(
            name, tool, options.reps, lambda: measure(browser, url, condition, arg, heap, budget)
        )
        out[name] = median_timing(timings)

    def scroll(how: str) -> Scroll:
        rows, speed = options.scroll_rows, options.scroll_speed
        return scroll_table(browser, tool, runs_url(server), seed.newest, how, rows, speed, budget)

    measure(browser, runs_url(server), LINK_SHOWN, seed.newest, False, budget)  # warm the server's caches
    for name in ("first rows", "filtered", "filtered, wide"):
        page(name)
    for how in options.inputs:
        out[f"scroll ({how})"] = median_scroll(
            repeated(f"scroll ({how})", tool, options.reps, lambda h=how: scroll(h))
        )
    page("chart")
    out["spike kept"] = is_spike_kept(server)
    page("sorted")  # last: mlflow may still be sorting after the budget, keeping a core busy
    return out


def short(result: Timing | Scroll) -> str:
    if isinstance(result, Timing):
        return f"> {result.seconds:.0f} s" if result.over_budget else f"{result.seconds:.2f} s"
    return (
        f"{result.rows:,} rows in {result.seconds:.1f} s, frames p50 {result.frame_median_ms:.1f} / "
        f"p95 {result.frame_p95_ms:.1f} ms, {result.dropped} dropped of {result.frames + result.dropped}, "
        f"main thread {result.main_thread_ms:.1f} ms per frame, {result.dom_rows} rows in the DOM, "
        f"{result.heap_mb:.0f} MB heap"
    )


class ReportRow(NamedTuple):
    label: str
    key: str  # of the results
    show: Callable[[Any], str]
    number: Callable[[Any], float] | None  # what the ratio compares
    ok: Callable[[Any], bool]  # keel's target
    timed: bool = False  # a time that stops at the budget: "> ratio" when mlflow ran out of it


def scroll_rows(how: str, target_rows: int) -> list[ReportRow]:
    key = f"scroll ({how})"

    def time_cell(s: Scroll) -> str:
        if s.over_budget:
            return f"> {s.seconds:.0f} s ({s.rows:,} rows)"
        return f"{s.seconds:.1f} s"

    return [
        ReportRow(
            f"{key}: {target_rows:,} rows",
            key,
            time_cell,
            lambda s: s.seconds,
            lambda s: not s.over_budget,
            True,
        ),
        ReportRow(
            f"{key}: frame p50 / p95",
            key,
            lambda s: f"{s.frame_median_ms:.1f} / {s.frame_p95_ms:.1f} ms",
            lambda s: s.frame_p95_ms,
            lambda s: s.frame_p95_ms < 2 * VSYNC_MS + 0.1,
        ),
        ReportRow(
            f"{key}: dropped frames",
            key,
            lambda s: f"{s.dropped} of {s.frames + s.dropped} ({s.dropped_share:.1%})",
            lambda s: max(s.dropped_share, 1e-3),
            lambda s: s.dropped_share < 0.05,
        ),
        ReportRow(
            f"{key}: main-thread time per frame",
            key,
            lambda s: f"{s.main_thread_ms:.1f} ms",
            lambda s: s.main_thread_ms,
            lambda s: s.main_thread_ms < VSYNC_MS,
        ),
        ReportRow(
            f"{key}: rows in the DOM",
            key,
            lambda s: f"≤ {s.dom_rows:,}",
            lambda s: s.dom_rows,
            lambda s: s.dom_rows < 200,
        ),
        ReportRow(
            f"{key}: JS heap after",
            key,
            lambda s: f"{s.heap_mb:.0f} MB",
            lambda s: s.heap_mb,
            lambda s: s.heap_mb < 100,
        ),
    ]


def timing_cell(t: Timing) -> str:
    text = f"> {t.seconds:.0f} s" if t.over_budget else f"{t.seconds:.2f} s"
    return text + (f", {t.heap_mb:.0f} MB heap" if t.heap_mb is not None else "")


def timing_ok(t: Timing) -> bool:
    return not t.over_budget and t.seconds < 1.0 and (t.heap_mb is None or t.heap_mb < 100)


def report_rows(options: Options) -> list[ReportRow]:
    def page(name: str) -> ReportRow:
        return ReportRow(name, name, timing_cell, lambda t: t.seconds, timing_ok, True)

    rows = [page("first rows"), page("filtered"), page("filtered, wide")]
    for how in options.inputs:
        rows += scroll_rows(how, options.scroll_rows)
    rows += [
        page("chart"),
        ReportRow("spike kept", "spike kept", lambda v: "yes" if v else "**no**", None, bool),
    ]
    return [*rows, page("sorted")]


def ratio(keel: Any, mlflow: Any, row: ReportRow) -> str:
    if row.number is None or keel is None or mlflow is None or row.number(keel) <= 0:
        return ""
    value = row.number(mlflow) / row.number(keel)
    return f"> {value:.1f}×" if row.timed and getattr(mlflow, "over_budget", False) else f"{value:.1f}×"


def ui_build() -> str:
    """The keel UI bundle the server serves (the build in keel/server/static changes with ui/)."""
    import keel.server

    index = Path(keel.server.__file__).with_name("static") / "index.html"
    found = re.search(r"assets/(index-[\w-]+\.js)", index.read_text()) if index.is_file() else None
    return found.group(1) if found else "not built"


def print_report(seed: Seed, options: Options, results: dict[str, dict[str, Any]], loads: list[str]) -> None:
    versions = {name: metadata.version(name) for name in ("keel", "mlflow", "playwright")}
    versions["keel UI"] = ui_build()
    print(f"# UI benchmark ({platform.node()}, {os.cpu_count()} cores, load average {', '.join(loads)})")
    print(
        f"versions: {versions}; {seed.runs:,} runs; chart of {seed.points:,} points; median of {options.reps}"
    )
    print()
    print("| workload | keel | mlflow | mlflow / keel | keel target |")
    print("|---|---|---|---|---|")
    for row in report_rows(options):
        keel, mlflow = results.get("keel", {}).get(row.key), results.get("mlflow", {}).get(row.key)
        cells = [row.show(v) if v is not None else "—" for v in (keel, mlflow)]
        verdict = "" if keel is None else ("PASS" if row.ok(keel) else "MISS")
        print(f"| {row.label} | {cells[0]} | {cells[1]} | {ratio(keel, mlflow, row)} | {verdict} |")


def load_average() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 runs, a 200,000-point chart, 1 rep")
    parser.add_argument("--runs", type=int, help="runs in the table experiment (default 10,000)")
    parser.add_argument("--points", type=int, help="points of the charted metric (default 1,000,000)")
    parser.add_argument("--reps", type=int, help="measurements per workload, median shown (default 3)")
    parser.add_argument("--budget", type=float, default=120, help="seconds before a step is '> budget'")
    parser.add_argument("--scroll-rows", type=int, help="rows to scroll through (default 5,000)")
    parser.add_argument("--scroll-speed", type=int, default=6000, help="wheel speed, px/s (default 6,000)")
    parser.add_argument("--inputs", default=",".join(INPUTS), help="scroll inputs: wheel,keys")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--keel-bin")
    parser.add_argument("--mlflow-bin")
    parser.add_argument("--chromium", default=os.environ.get("KEEL_CHROMIUM") or shutil.which("chromium"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    seed = make_seed(
        args.runs or (2_000 if args.quick else 10_000), args.points or (200_000 if args.quick else 1_000_000)
    )
    options = Options(
        reps=args.reps or (1 if args.quick else 3),
        budget_s=args.budget,
        scroll_rows=min(args.scroll_rows or 5_000, seed.runs - 50),
        scroll_speed=args.scroll_speed,
        inputs=tuple(i for i in args.inputs.split(",") if i in INPUTS),
    )
    tools = [t for t in args.tools.split(",") if t in TOOLS]
    if not args.chromium:
        raise SystemExit("Chromium not found: apt-get install chromium, or pass --chromium")
    from playwright.sync_api import sync_playwright

    directory = Path(tempfile.mkdtemp(prefix="keel-bench-ui-"))
    servers: list[Server] = []
    results: dict[str, dict[str, Any]] = {}
    loads = [load_average()]
    try:
        checks = {}
        for tool in tools:
            log(f"seeding {tool}: {seed.runs:,} runs and a {seed.points:,}-point history")
            started = time.perf_counter()
            ids = seed_keel(directory, seed) if tool == "keel" else seed_mlflow(directory, seed)
            log(f"  seeded in {time.perf_counter() - started:.1f} s")
            binary = executable(tool, args.keel_bin if tool == "keel" else args.mlflow_bin)
            server = start_server(tool, directory, binary)
            server.ids = ids
            servers.append(server)
            checks[tool] = (server.url, ids.runs_experiment, census(tool, directory, ids))
        log(check_same_runs(seed, checks))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            for server in servers:
                log(f"measuring {server.tool} at {server.url} (load average {load_average()})")
                results[server.tool] = run_workloads(server, seed, browser, options)
                loads.append(load_average())
            browser.close()
    finally:
        for server in servers:
            stop_server(server)
        if args.keep:
            log(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    print_report(seed, options, results, loads)


if __name__ == "__main__":
    main()
