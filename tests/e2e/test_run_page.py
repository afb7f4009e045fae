"""The run page beyond its charts: editable tags and description, datasets, chart options."""

from __future__ import annotations

import json
import re

import pytest
from browser_support import playwright_api
from seeding import API, call, create_experiment, create_run, log_history

expect = playwright_api().expect


@pytest.fixture(scope="module")
def run_page(bare_keel):
    with bare_keel.client() as client:
        run = create_run(client, create_experiment(client, "run page"), "tagged", tags={"team": "vision"})
        log_history(client, run["run_id"], "loss", [1 / (1 + s) for s in range(120)], 1_700_000_000_000)
        columns = [{"name": "sepal", "type": "double"}, {"name": "species", "type": "string"}]
        dataset = {
            "name": "iris",
            "digest": "5e1f3a",
            "source_type": "local",
            "source": "/data/iris.csv",
            "schema": json.dumps({"mlflow_colspec": columns}),
            "profile": json.dumps({"num_rows": 150}),
        }
        context = [{"key": "mlflow.data.context", "value": "training"}]
        call(
            client,
            "/runs/log-inputs",
            {"run_id": run["run_id"], "datasets": [{"dataset": dataset, "tags": context}]},
        )
    return f"{bare_keel.url}/experiments/{run['experiment_id']}/runs/{run['run_id']}", run["run_id"]


def tags_of(bare_keel, run_id: str) -> dict[str, str]:
    with bare_keel.client() as client:
        run = client.get(f"{API}/runs/get", params={"run_id": run_id}).json()["run"]
    return {tag["key"]: tag["value"] for tag in run["data"].get("tags", [])}


def test_tags_are_added_edited_and_deleted(page, bare_keel, run_page):
    url, run_id = run_page
    page.goto(url)
    page.get_by_label("Tag key").fill("stage")
    page.get_by_label("Tag value").fill("tuning")
    page.get_by_role("button", name="Add tag").click()
    expect(page.get_by_role("row", name=re.compile("^stage tuning"))).to_be_visible()
    assert tags_of(bare_keel, run_id)["stage"] == "tuning"

    page.get_by_role("button", name="Edit tag team").click()
    value = page.get_by_label("Value of team")
    value.fill("speech")
    value.press("Enter")
    expect(page.get_by_role("row", name=re.compile("^team speech"))).to_be_visible()
    assert tags_of(bare_keel, run_id)["team"] == "speech"

    page.get_by_role("button", name="Delete tag stage").click()
    expect(page.get_by_role("row", name=re.compile("^stage"))).to_have_count(0)
    assert "stage" not in tags_of(bare_keel, run_id)


def test_the_description_is_the_note_tag(page, bare_keel, run_page):
    url, run_id = run_page
    page.goto(url)
    expect(page.get_by_text("No description.")).to_be_visible()
    page.get_by_role("button", name="Add a description").click()
    page.get_by_role("textbox", name="Description").fill("Baseline with\nthe larger batch.")
    page.get_by_role("button", name="Save description").click()
    expect(page.locator(".description-text")).to_have_text("Baseline with\nthe larger batch.")
    assert tags_of(bare_keel, run_id)["mlflow.note.content"] == "Baseline with\nthe larger batch."

    page.get_by_role("button", name="Edit description").click()
    page.get_by_role("textbox", name="Description").fill("")
    page.get_by_role("button", name="Save description").click()
    expect(page.get_by_text("No description.")).to_be_visible()
    assert "mlflow.note.content" not in tags_of(bare_keel, run_id)


def test_datasets_show_their_context_source_and_schema(page, run_page):
    page.goto(run_page[0])
    dataset = page.locator(".dataset")
    expect(dataset).to_contain_text("iris")
    expect(dataset).to_contain_text("training")
    expect(dataset).to_contain_text("/data/iris.csv")
    expect(dataset).to_contain_text("150")
    dataset.get_by_text("Schema: 2 columns").click()
    expect(dataset.get_by_role("cell", name="species")).to_be_visible()


def test_chart_options_apply_and_stay_in_the_url(page, run_page):
    page.goto(run_page[0])
    chart = page.locator('figure[data-metric="loss"]')
    expect(chart).to_have_attribute("data-state", "ready")
    page.get_by_label("Log scale").check()
    page.get_by_label("Smoothing").fill("0.6")
    expect(page).to_have_url(re.compile(r"log=1.*smooth=0\.6"))
    expect(chart).to_have_attribute("data-state", "ready")
    over = chart.locator(".u-over")
    box = over.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(chart.locator(".hover-values")).to_contain_text(re.compile(r"step \d+.*value .*smoothed"))
    page.reload()
    expect(page.get_by_label("Log scale")).to_be_checked()
