"""The web UI in headless Chromium against a live keel server: what a person sees and does."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import httpx
from browser_support import LONG_POINTS, RUNS, playwright_api
from seeding import accuracy_of

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = playwright_api().expect

# Pixels of the chart's line colour (#1d4ed8) and its band, read from the canvas.
COUNT_LINE_PIXELS = """(figure) => {
  const canvas = figure.querySelector("canvas");
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let line = 0, painted = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] === 0) continue;
    painted++;
    if (data[i + 2] > 150 && data[i] < 120 && data[i + 2] - data[i] > 80) line++;
  }
  return { line, painted, width: canvas.width, height: canvas.height };
}"""


def run_names(page: Page) -> list[str]:
    """The names in the rows the table rendered (a window of them), top to bottom."""
    names = page.locator(".runs-body .run-link").all_inner_texts()
    assert len(names) >= 15
    return names


def name_of(i: int) -> str:
    return f"run-{i:03d}"


def by_accuracy(descending: bool) -> list[str]:
    order = sorted(range(RUNS), key=lambda i: accuracy_of(i, RUNS), reverse=descending)
    return [name_of(i) for i in order]


def test_the_runs_of_an_experiment_appear_newest_first(page, keel):
    page.goto(keel.runs_page())
    expect(page.get_by_role("heading", name="e2e")).to_be_visible()
    expect(page.get_by_text(f"{RUNS} runs", exact=True)).to_be_visible()
    assert run_names(page)[:10] == [name_of(i) for i in range(RUNS - 1, RUNS - 11, -1)]
    header = page.get_by_role("columnheader")
    expect(header.filter(has_text="accuracy")).to_be_visible()
    expect(header.filter(has_text="lr")).to_be_visible()


def test_sorting_by_a_metric_changes_the_order(page, keel):
    page.goto(keel.runs_page())
    expect(page.get_by_text(f"{RUNS} runs", exact=True)).to_be_visible()
    page.get_by_role("button", name=re.compile("accuracy")).click()
    expect(page.get_by_role("columnheader", name=re.compile("accuracy"))).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(page.locator(".runs-body .run-link").first).to_have_text(by_accuracy(True)[0])
    names = run_names(page)
    assert names == by_accuracy(True)[: len(names)]
    assert "sort=metrics.accuracy" in page.url

    page.get_by_role("button", name=re.compile("accuracy")).click()
    expect(page.locator(".runs-body .run-link").first).to_have_text(by_accuracy(False)[0])
    names = run_names(page)
    assert names == by_accuracy(False)[: len(names)]


def test_a_bad_filter_shows_the_servers_message_inline(page, keel):
    bad = "metrics.accuracy >"
    expected = httpx.post(
        f"{keel.url}/api/2.0/mlflow/runs/search",
        json={"experiment_ids": [keel.experiment.experiment_id], "filter": bad},
    ).json()
    assert expected["error_code"] == "INVALID_PARAMETER_VALUE"

    page.goto(keel.runs_page())
    box = page.get_by_label("Filter runs")
    box.fill(bad)
    box.press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(expected["message"])
    expect(box).to_have_attribute("aria-invalid", "true")

    box.fill("metrics.accuracy >= 0.25")
    box.press("Enter")
    expect(page.get_by_role("alert")).to_have_count(0)
    matching = sorted(name_of(i) for i in range(RUNS) if accuracy_of(i, RUNS) >= 0.25)
    expect(page.get_by_text(f"{len(matching)} runs", exact=True)).to_be_visible()
    assert sorted(page.locator(".runs-body .run-link").all_inner_texts()) == matching


def test_opening_a_run_shows_its_chart_drawn(page, keel):
    page.goto(keel.runs_page())
    shown = RUNS - 5  # near the top: newest first
    page.get_by_role("link", name=name_of(shown), exact=True).click()
    expect(page).to_have_url(keel.run_page(keel.experiment.run_ids[shown]))
    expect(page.get_by_role("heading", name=name_of(shown))).to_be_visible()
    chart = page.locator('figure[data-metric="loss"]')
    expect(chart).to_have_attribute("data-state", "ready")
    expect(chart).to_have_attribute("data-points", "300")
    pixels = chart.evaluate(COUNT_LINE_PIXELS)
    assert pixels["width"] > 300
    assert pixels["line"] > 300, pixels
    expect(page.get_by_role("rowheader", name="lr", exact=True)).to_be_visible()


def test_a_long_history_draws_from_buckets_and_zooming_fetches_detail(page, keel):
    experiment_id, run_id = keel.long_history
    page.goto(keel.run_page(run_id, experiment_id))
    chart = page.locator('figure[data-metric="loss"]')
    expect(chart).to_have_attribute("data-state", "ready")
    expect(chart).to_have_attribute("data-points", str(LONG_POINTS))
    buckets = int(chart.get_attribute("data-buckets") or 0)
    assert 100 <= buckets <= 2000
    assert chart.evaluate(COUNT_LINE_PIXELS)["line"] > 300

    over = chart.locator(".u-over")
    box = over.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.40, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.45, y, steps=5)
    page.mouse.up()
    expect(chart.get_by_role("button", name="Reset zoom")).to_be_visible()
    expect(chart).to_have_attribute("data-state", "ready")
    expect(chart.locator(".chart-summary")).to_contain_text("steps")
    zoomed = int(chart.get_attribute("data-points") or 0)
    assert 0 < zoomed < LONG_POINTS / 10

    chart.get_by_role("button", name="Reset zoom").click()
    expect(chart).to_have_attribute("data-points", str(LONG_POINTS))


def test_the_table_works_from_the_keyboard(page, keel):
    page.goto(keel.runs_page())
    expect(page.get_by_text(f"{RUNS} runs", exact=True)).to_be_visible()
    page.get_by_role("grid").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(keel.run_page(keel.experiment.run_ids[RUNS - 2]))


def test_deep_links_reload_and_mlflow_hash_links_open_the_same_page(page, keel):
    run_id = keel.experiment.run_ids[5]
    page.goto(keel.run_page(run_id))
    expect(page.get_by_role("heading", name=name_of(5))).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name=name_of(5))).to_be_visible()
    page.goto(f"{keel.url}/#/experiments/{keel.experiment.experiment_id}/runs/{run_id}")
    expect(page).to_have_url(keel.run_page(run_id))
    expect(page.get_by_role("heading", name=name_of(5))).to_be_visible()
    page.go_back()
    expect(page).to_have_url(keel.run_page(run_id))


def test_experiments_can_be_found_and_created(page, keel):
    page.goto(keel.url)
    expect(page).to_have_url(f"{keel.url}/experiments")
    expect(page.get_by_role("link", name="e2e", exact=True)).to_be_visible()
    page.get_by_label("Search experiments").fill("long")
    expect(page.get_by_role("link", name="e2e", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="long histories")).to_be_visible()

    page.get_by_label("New experiment").fill("e2e")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("alert")).to_contain_text("already exists")
    page.get_by_label("New experiment").fill("made in the browser")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="made in the browser")).to_be_visible()
    expect(page.get_by_text("This experiment has no runs yet.")).to_be_visible()


def test_a_narrow_window_has_no_sideways_page_scroll(page, keel):
    page.set_viewport_size({"width": 380, "height": 800})
    page.goto(keel.run_page(keel.experiment.run_ids[0]))
    expect(page.locator('figure[data-metric="loss"]')).to_have_attribute("data-state", "ready")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.goto(keel.runs_page())
    expect(page.get_by_text(f"{RUNS} runs", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_missing_run_says_so(page, keel):
    page.goto(keel.run_page("0" * 32))
    expect(page.get_by_role("heading", name="Run not found")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("RESOURCE_DOES_NOT_EXIST")
