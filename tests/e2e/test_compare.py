"""Comparing runs: tick runs, open the comparison, see their charts overlaid, parallel coordinates,
the scatter and the differences."""

from __future__ import annotations

import re

import pytest
from browser_support import playwright_api
from seeding import seed_experiment

expect = playwright_api().expect

RUNS = 6
POINTS = 100

# Pixels of the first two runs' colours (#1d4ed8 blue, #ea580c orange) on a chart's canvas.
COUNT_RUN_PIXELS = """(figure) => {
  const canvas = figure.querySelector("canvas");
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let blue = 0, orange = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    if (a < 128) continue;
    if (b > 150 && r < 120 && b - r > 80) blue++;
    if (r > 190 && g > 50 && g < 140 && b < 70) orange++;
  }
  return { blue, orange };
}"""


@pytest.fixture(scope="module")
def seeded(bare_keel):
    """Six runs: params lr (all differ) and model (two values), accuracy, a loss history each."""
    return seed_experiment(bare_keel.url, name="compare", runs=RUNS, points=POINTS)


def compare_url(bare_keel, run_ids: list[str]) -> str:
    return f"{bare_keel.url}/compare?runs={','.join(run_ids)}"


def test_ticked_runs_compare_with_their_charts_overlaid(page, bare_keel, seeded):
    page.goto(f"{bare_keel.url}/experiments/{seeded.experiment_id}")
    expect(page.get_by_text(f"{RUNS} runs", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Compare")).to_be_disabled()
    page.get_by_label("Select run-005").check()
    page.get_by_label("Select run-004").check()
    page.get_by_role("button", name="Compare 2").click()

    expect(page).to_have_url(compare_url(bare_keel, [seeded.run_ids[5], seeded.run_ids[4]]))
    expect(page.get_by_role("heading", name="Compare 2 runs")).to_be_visible()
    chart = page.locator('figure[data-metric="loss"]')
    expect(chart).to_have_attribute("data-state", "ready")
    expect(chart).to_have_attribute("data-runs", "2")
    expect(chart).to_have_attribute("data-points", str(2 * POINTS))
    pixels = chart.evaluate(COUNT_RUN_PIXELS)
    assert pixels["blue"] > 150, pixels
    assert pixels["orange"] > 150, pixels

    box = chart.locator(".u-over").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 3, box["y"] + box["height"] / 2)
    expect(chart.locator(".hover-values")).to_contain_text(re.compile(r"step \d+.*run-005 .*run-004 "))


def test_the_x_axis_and_log_scale_redraw_and_stay_in_the_link(page, bare_keel, seeded):
    page.goto(compare_url(bare_keel, seeded.run_ids[:2]))
    chart = page.locator('figure[data-metric="loss"]')
    expect(chart).to_have_attribute("data-state", "ready")
    page.get_by_label("X axis").select_option("relative")
    page.get_by_label("Log scale").check()
    expect(page).to_have_url(re.compile(r"log=1.*x=relative|x=relative.*log=1"))
    expect(chart).to_have_attribute("data-state", "ready")
    expect(chart.get_by_role("img")).to_have_attribute("aria-label", re.compile("by relative"))
    assert chart.evaluate(COUNT_RUN_PIXELS)["blue"] > 100


def test_parallel_coordinates_and_the_scatter_draw_a_mark_per_run(page, bare_keel, seeded):
    page.goto(compare_url(bare_keel, seeded.run_ids[:3]))
    lines = page.locator("svg.parallel-coordinates path.pc-line")
    expect(lines).to_have_count(3)
    for d in lines.evaluate_all("(paths) => paths.map((p) => p.getAttribute('d'))"):
        assert re.fullmatch(r"M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){2}", d), d  # lr → model → accuracy
    axes = page.locator("svg.parallel-coordinates .axis-title")
    expect(axes).to_have_text(["lr", "model", "accuracy"])
    assert lines.first.evaluate("(p) => p.getTotalLength()") > 100

    page.get_by_role("group", name="Axes (parameters)").get_by_label("model").uncheck()
    expect(axes).to_have_text(["lr", "accuracy"])

    expect(page.locator("svg.scatter-plot circle.scatter-point")).to_have_count(3)
    page.get_by_label("Scatter y").select_option("metrics.loss")
    expect(page.locator("svg.scatter-plot")).to_have_attribute("aria-label", re.compile("loss against lr"))


def test_the_diff_table_marks_what_differs(page, bare_keel, seeded):
    page.goto(compare_url(bare_keel, seeded.run_ids[:2]))
    table = page.locator("table.diff-table")
    expect(table.get_by_role("row", name=re.compile("differs: lr"))).to_have_class("is-different")
    expect(table.get_by_role("row", name=re.compile("^team vision vision$"))).to_be_visible()
    page.get_by_label("Show only differences").check()
    expect(table.get_by_role("row", name=re.compile("^team"))).to_have_count(0)
    expect(table.get_by_role("row", name=re.compile("differs: model"))).to_be_visible()


def test_a_comparison_of_nothing_says_how_to_start(page, bare_keel):
    page.goto(f"{bare_keel.url}/compare")
    expect(page.get_by_text("No runs to compare yet.")).to_be_visible()
    page.goto(f"{bare_keel.url}/#/compare-runs?runs=[%22{'0' * 32}%22]")
    expect(page.get_by_role("alert")).to_contain_text("RESOURCE_DOES_NOT_EXIST")


def test_a_narrow_window_has_no_sideways_page_scroll(page, bare_keel, seeded):
    page.set_viewport_size({"width": 380, "height": 800})
    page.goto(compare_url(bare_keel, seeded.run_ids[:3]))
    expect(page.locator('figure[data-metric="loss"]')).to_have_attribute("data-state", "ready")
    expect(page.locator("svg.parallel-coordinates path.pc-line")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.goto(f"{bare_keel.url}/experiments")
    expect(page.get_by_role("link", name="compare")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
