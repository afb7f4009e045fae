"""What the UI benchmark measures inside headless Chromium: time until something is on screen, and
how smoothly the runs table scrolls under wheel or keyboard input."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
VSYNC_MS = 1000 / 60

LINK_SHOWN = "(name) => [...document.querySelectorAll('a')].some((a) => a.textContent.trim() === name)"
CHART_DRAWN = {
    "keel": '() => !!document.querySelector(\'figure[data-metric="loss"][data-state="ready"] canvas\')',
    # mlflow draws with plotly: an SVG path per line
    "mlflow": "() => [...document.querySelectorAll('path.js-line')].some((p) => p.getAttribute('d')?.length)",
}


@dataclass(frozen=True)
class Table:
    """Where a tool's runs table scrolls, and the elements that are its rows."""

    scroller: str
    body: str
    row_class: str
    focus: str  # JS that gives the table keyboard focus
    load_more: str | None  # the name of a button that fetches the next page, if any


TABLES = {
    "keel": Table(
        ".runs-table", ".runs-body", "runs-row", "document.querySelector('.runs-table').focus()", None
    ),
    # ag-grid: rows of the scrolling centre part (pinned columns repeat each row twice more)
    "mlflow": Table(
        ".ag-body-viewport",
        ".ag-center-cols-container",
        "ag-row",
        "(document.querySelector('.ag-cell-focus') ??"
        " document.querySelector('.ag-center-cols-container .ag-cell'))?.focus()",
        "Load more",
    ),
}

# Frame times from requestAnimationFrame, and the most rows the table body ever held.
START_RECORDER = """([body, rowClass]) => {
  const state = { frames: [], rows: 0, stop: false };
  window.__benchFrames = state;
  const tick = (t) => {
    state.frames.push(t);
    const rows = document.querySelector(body)?.getElementsByClassName(rowClass).length ?? 0;
    if (rows > state.rows) state.rows = rows;
    if (!state.stop) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
STOP_RECORDER = """() => {
  const state = window.__benchFrames;
  state.stop = true;
  return { deltas: state.frames.slice(1).map((t, i) => t - state.frames[i]), rows: state.rows };
}"""
POSITION = """(selector) => {
  const e = document.querySelector(selector);
  return { top: e.scrollTop, height: e.scrollHeight, view: e.clientHeight };
}"""
ROW_HEIGHT = """([body, rowClass]) =>
  document.querySelector(body).getElementsByClassName(rowClass)[0].getBoundingClientRect().height"""


@dataclass
class Timing:
    seconds: float
    heap_mb: float | None = None
    over_budget: bool = False


@dataclass
class Scroll:
    """One pass of scrolling the runs table through ``target`` rows."""

    rows: int  # rows scrolled past (the target, unless the budget ran out)
    seconds: float
    frame_median_ms: float
    frame_p95_ms: float
    dropped: int  # vsyncs without a new frame
    frames: int
    dom_rows: int  # the most rows the table body held at once
    heap_mb: float
    main_thread_ms: float  # the page's main-thread task time per frame
    over_budget: bool = False

    @property
    def dropped_share(self) -> float:
        return self.dropped / max(1, self.frames + self.dropped)


def page_metrics(cdp: Any) -> dict[str, float]:
    cdp.send("Performance.enable")
    return {m["name"]: float(m["value"]) for m in cdp.send("Performance.getMetrics")["metrics"]}


def heap_mb(context: Any, page: Any) -> float:
    return page_metrics(context.new_cdp_session(page)).get("JSHeapUsedSize", 0) / 1e6


def measure(browser: Any, url: str, condition: str, arg: Any, heap: bool, budget_s: float) -> Timing:
    """Open ``url`` in a fresh context (empty cache: the app's code is loaded and parsed, as on a
    first visit); seconds from navigation start until ``condition`` holds, or the budget."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(url, wait_until="commit", timeout=budget_s * 1000)
        try:
            page.wait_for_function(condition, arg=arg, polling="raf", timeout=budget_s * 1000)
        except PlaywrightTimeout:
            return Timing(budget_s, over_budget=True)
        seconds = page.evaluate("performance.now()") / 1000
        return Timing(seconds, heap_mb(context, page) if heap else None)
    finally:
        context.close()


def frame_stats(deltas: list[float]) -> tuple[float, float, int]:
    """Median and 95th-percentile frame time, and the vsyncs that passed without a frame."""
    ordered = sorted(deltas) or [0.0]
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    dropped = sum(max(0, round(d / VSYNC_MS) - 1) for d in deltas)
    return statistics.median(ordered), p95, dropped


def scroll_table(
    browser: Any, tool: str, url: str, ready_name: str, how: str, target: int, speed: int, budget_s: float
) -> Scroll:
    """Scroll the runs table down through ``target`` rows, one second of input at a time.

    ``how`` is ``wheel`` (Chromium's synthetic mouse-wheel gesture at ``speed`` px/s, through the
    real input pipeline) or ``keys`` (Page Down 30 times a second, a held key's repeat rate). When
    the table cannot scroll further, it clicks the tool's "load more" button if it has one, and
    waits for rows. Time spent waiting counts; frames are recorded throughout.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    table = TABLES[tool]
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(url, wait_until="commit")
        page.wait_for_function(LINK_SHOWN, arg=ready_name, polling="raf", timeout=budget_s * 1000)
        cdp = context.new_cdp_session(page)
        box = page.locator(table.scroller).first.bounding_box()
        row_height = page.evaluate(ROW_HEIGHT, [table.body, table.row_class])
        busy_before = page_metrics(cdp)["TaskDuration"]
        page.evaluate(START_RECORDER, [table.body, table.row_class])
        started = time.perf_counter()
        rows, over = 0, False
        while True:
            before = page.evaluate(POSITION, table.scroller)
            rows = int(before["top"] // row_height)
            if rows >= target:
                break
            left = budget_s - (time.perf_counter() - started)
            if left <= 0:
                over = True
                break
            if how == "wheel":
                distance = min(speed, (target - rows) * row_height + row_height)
                cdp.send(
                    "Input.synthesizeScrollGesture",
                    {
                        "x": box["x"] + box["width"] / 2,
                        "y": box["y"] + box["height"] / 2,
                        "yDistance": -distance,
                        "speed": speed,
                        "gestureSourceType": "mouse",
                        "preventFling": True,
                    },
                )
            else:
                page.evaluate(table.focus)
                for _ in range(30):
                    page.keyboard.press("PageDown")
                    time.sleep(1 / 30)
            after = page.evaluate(POSITION, table.scroller)
            at_end = after["top"] + after["view"] >= after["height"] - row_height
            if after["top"] > before["top"] and not at_end:
                continue
            # Nothing more to scroll to: fetch the next page the tool's way, and wait for rows.
            if table.load_more:
                button = page.get_by_role("button", name=table.load_more)
                if button.count():
                    button.first.click(timeout=left * 1000)
            try:
                page.wait_for_function(
                    "([selector, height]) => document.querySelector(selector).scrollHeight > height",
                    arg=[table.scroller, after["height"]],
                    timeout=max(1.0, budget_s - (time.perf_counter() - started)) * 1000,
                )
            except PlaywrightTimeout:
                over = True
                break
        seconds = time.perf_counter() - started
        recorded = page.evaluate(STOP_RECORDER)
        metrics = page_metrics(cdp)
        median, p95, dropped = frame_stats(recorded["deltas"])
        frames = max(1, len(recorded["deltas"]))
        return Scroll(
            rows=rows,
            seconds=seconds,
            frame_median_ms=median,
            frame_p95_ms=p95,
            dropped=dropped,
            frames=len(recorded["deltas"]),
            dom_rows=recorded["rows"],
            heap_mb=metrics.get("JSHeapUsedSize", 0) / 1e6,
            main_thread_ms=(metrics["TaskDuration"] - busy_before) * 1000 / frames,
            over_budget=over,
        )
    finally:
        context.close()
