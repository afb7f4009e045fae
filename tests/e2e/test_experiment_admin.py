"""Experiments in the browser: rename, delete, restore (and undo), and the runs of several at once."""

from __future__ import annotations

import re

import pytest
from browser_support import playwright_api
from seeding import API, create_experiment, create_run

expect = playwright_api().expect


@pytest.fixture(scope="module")
def experiments(bare_keel):
    """Experiment ids by name; ``vision`` and ``nlp`` have two runs each."""
    with bare_keel.client() as client:
        ids = {name: create_experiment(client, name) for name in ("to rename", "to undo", "vision", "nlp")}
        for name in ("vision", "nlp"):
            for i in range(2):
                create_run(client, ids[name], f"{name}-run-{i}", params={"lr": str(0.1 * (i + 1))})
    return ids


def lifecycle_of(bare_keel, experiment_id: str) -> tuple[str, str]:
    with bare_keel.client() as client:
        response = client.get(f"{API}/experiments/get", params={"experiment_id": experiment_id})
        experiment = response.json()["experiment"]
    return experiment["name"], experiment["lifecycle_stage"]


def test_an_experiment_is_renamed_deleted_and_restored(page, bare_keel, experiments):
    experiment_id = experiments["to rename"]
    page.goto(f"{bare_keel.url}/experiments")
    page.get_by_role("button", name="Rename to rename").click()
    box = page.get_by_label("New name for to rename")
    box.fill("vision")
    box.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("already exists")
    box.fill("renamed in the browser")
    box.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Renamed “to rename” to “renamed in the browser”.")
    expect(page.get_by_role("link", name="renamed in the browser")).to_be_visible()
    assert lifecycle_of(bare_keel, experiment_id) == ("renamed in the browser", "active")

    page.get_by_role("button", name="Delete renamed in the browser").click()
    page.get_by_role("group", name="Confirm deleting renamed in the browser").get_by_role(
        "button", name="Delete renamed in the browser"
    ).click()
    expect(page.get_by_role("status")).to_contain_text("Deleted “renamed in the browser”")
    expect(page.get_by_role("link", name="renamed in the browser")).to_have_count(0)
    assert lifecycle_of(bare_keel, experiment_id)[1] == "deleted"

    page.get_by_label("Deleted").check()
    expect(page).to_have_url(re.compile(r"view=deleted"))
    expect(page.get_by_role("heading", name="Deleted experiments")).to_be_visible()
    page.get_by_role("button", name="Restore renamed in the browser").click()
    expect(page.get_by_role("status")).to_contain_text("Restored “renamed in the browser”.")
    expect(page.get_by_text("No deleted experiments.")).to_be_visible()
    assert lifecycle_of(bare_keel, experiment_id)[1] == "active"

    page.get_by_label("Active").check()
    expect(page.get_by_role("link", name="renamed in the browser")).to_be_visible()


def test_a_deletion_can_be_undone_and_escape_keeps_the_experiment(page, bare_keel, experiments):
    page.goto(f"{bare_keel.url}/experiments")
    page.get_by_role("button", name="Delete to undo").click()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Rename to undo")).to_be_visible()
    assert lifecycle_of(bare_keel, experiments["to undo"])[1] == "active"

    page.get_by_role("button", name="Delete to undo").click()
    page.keyboard.press("Enter")  # the confirmation has the focus
    expect(page.get_by_role("link", name="to undo")).to_have_count(0)
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("link", name="to undo")).to_be_visible()
    assert lifecycle_of(bare_keel, experiments["to undo"])[1] == "active"


def test_ticked_experiments_show_their_runs_in_one_table(page, bare_keel, experiments):
    page.goto(f"{bare_keel.url}/experiments")
    page.get_by_label("Select vision").check()
    page.get_by_label("Select nlp").check()
    expect(page.get_by_text("2 experiments selected")).to_be_visible()
    page.get_by_role("button", name="Show runs").click()

    ids = sorted([experiments["vision"], experiments["nlp"]], key=int, reverse=True)
    expect(page).to_have_url(re.compile(r"/runs\?experiments=(\d+),(\d+)$"))
    assert sorted(page.url.split("=")[-1].split(","), key=int, reverse=True) == ids
    expect(page.get_by_role("heading", name="Runs of 2 experiments")).to_be_visible()
    expect(page.get_by_text("4 runs", exact=True)).to_be_visible()
    names = sorted(page.locator(".runs-body .run-link").all_inner_texts())
    assert names == ["nlp-run-0", "nlp-run-1", "vision-run-0", "vision-run-1"]
    expect(page.get_by_role("columnheader", name="Experiment")).to_be_visible()
    expect(page.get_by_role("gridcell", name="nlp", exact=True)).to_have_count(2)

    page.reload()  # a deep link
    expect(page.get_by_text("4 runs", exact=True)).to_be_visible()
