"""The runs table's layouts: grouped by a param, child runs folded under their parent, tag columns."""

from __future__ import annotations

import re

import pytest
from browser_support import playwright_api
from seeding import create_experiment, create_run

expect = playwright_api().expect


@pytest.fixture(scope="module")
def experiment(bare_keel):
    """Four runs, two per model, plus a parent with three children (children with no model)."""
    with bare_keel.client() as client:
        experiment_id = create_experiment(client, "layouts")
        for i in range(4):
            model = "tree" if i % 2 else "linear"
            create_run(
                client, experiment_id, f"run-{i}", params={"model": model}, tags={"owner": f"u{i % 2}"}
            )
        parent = create_run(client, experiment_id, "sweep", params={"model": "tree"})
        for i in range(3):
            tags = {"mlflow.parentRunId": parent["run_id"]}
            create_run(client, experiment_id, f"trial-{i}", params={"alpha": str(i)}, tags=tags)
    return f"{bare_keel.url}/experiments/{experiment_id}"


def test_grouping_by_a_param_shows_groups_with_counts(page, experiment):
    page.goto(experiment)
    expect(page.get_by_text("8 runs", exact=True)).to_be_visible()
    page.get_by_label("Group by").select_option("params.model")
    expect(page).to_have_url(re.compile(r"group=params.model"))
    groups = page.locator(".group-row")
    expect(groups).to_have_count(3)
    expect(groups.nth(0)).to_contain_text("model = tree")
    expect(groups.nth(0)).to_contain_text("3 runs")
    expect(groups.nth(1)).to_contain_text("model = linear")
    expect(groups.nth(1)).to_contain_text("2 runs")
    expect(groups.nth(2)).to_contain_text("not set")
    expect(page.get_by_text("8 runs in 3 groups")).to_be_visible()

    page.get_by_role("button", name=re.compile("model = linear")).click()
    expect(page.get_by_role("button", name=re.compile("model = linear"))).to_have_attribute(
        "aria-expanded", "false"
    )
    expect(page.get_by_role("link", name="run-0", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="run-1", exact=True)).to_be_visible()

    page.get_by_label("Select the runs of model = tree").check()
    expect(page.get_by_text("3 runs selected")).to_be_visible()


def test_child_runs_fold_under_their_parent(page, experiment):
    page.goto(experiment)
    expect(page.get_by_text("8 runs", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="trial-0")).to_have_count(0)
    page.get_by_role("button", name="Show 3 child runs of sweep").click()
    for i in range(3):
        expect(page.get_by_role("link", name=f"trial-{i}")).to_be_visible()
    names = page.locator(".runs-body .run-link").all_inner_texts()
    at = names.index("sweep")
    assert sorted(names[at + 1 : at + 4]) == ["trial-0", "trial-1", "trial-2"]

    # From the keyboard: Left on the parent folds its children again.
    page.get_by_role("grid").focus()
    page.keyboard.press("Home")
    for _ in range(at):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("link", name="trial-0")).to_have_count(0)


def test_tags_are_columns_too(page, experiment):
    page.goto(experiment)
    page.get_by_text("Columns (").click()
    page.locator(".column-picker").get_by_role("group", name="Tags").get_by_label("owner").check()
    expect(page.get_by_role("columnheader", name=re.compile("owner"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"col=tags.owner"))
    expect(page.get_by_role("gridcell", name="u1", exact=True)).to_have_count(2)
