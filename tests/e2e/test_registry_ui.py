"""The model registry in the browser: register a run's model, set an alias, change its stage, read
the history and follow the lineage back to the run; register an artifact folder into an existing
model; the models search and an unknown model's page."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest
from browser_support import playwright_api
from seeding import API, call, create_experiment, create_run, upload_artifact
from sklearn.linear_model import LogisticRegression

import keel
import keel.sklearn
from isolation import isolated_tracking

expect = playwright_api().expect

MLMODEL = b"""artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
    python_version: 3.11.7
mlflow_version: 3.17.2
"""

SIDEWAYS_OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@dataclass(frozen=True)
class TrainedRun:
    run_id: str
    experiment_id: str
    page: str


@pytest.fixture(scope="module")
def trained(bare_keel, tmp_path_factory):
    """A run that read a dataset and logged a scikit-learn model, through keel's Python API."""
    client_dir = tmp_path_factory.mktemp("registry-ui-client")
    with pytest.MonkeyPatch.context() as monkeypatch, isolated_tracking(client_dir, monkeypatch):
        keel.set_tracking_uri(bare_keel.url)
        keel.set_experiment("registry ui")
        features = np.array([[0.0], [1.0], [2.0], [3.0]])
        train = keel.data.from_numpy(features, source="s3://data/train.npy", name="train")
        with keel.start_run(run_name="trainer") as run:
            keel.log_input(train, "training")
            keel.sklearn.log_model(LogisticRegression().fit(features, [0, 0, 1, 1]), name="model")
    run_id, experiment_id = run.info.run_id, run.info.experiment_id
    return TrainedRun(run_id, experiment_id, f"{bare_keel.url}/experiments/{experiment_id}/runs/{run_id}")


def get_json(bare_keel, path: str, **params: str) -> dict:
    with bare_keel.client() as client:
        response = client.get(f"{API}{path}", params=params)
        response.raise_for_status()
        return response.json()


def test_register_alias_stage_history_and_lineage(page, bare_keel, trained):
    # Register the run's logged model as a new model, from the run page.
    page.goto(f"{trained.page}?tab=artifacts")
    logged = page.get_by_role("region", name="Logged models (1)")
    logged.get_by_role("button", name="Register model model").click()
    dialog = page.get_by_role("dialog", name="Register model")
    dialog.get_by_label("Model name").fill("churn")
    dialog.get_by_role("button", name="Register", exact=True).click()
    registered = page.get_by_role("dialog", name="Model registered")
    expect(registered.get_by_role("link", name="Open version 1")).to_be_focused()
    # The logged model now names its version (the mlflow.modelVersions tag).
    expect(logged.get_by_role("link", name="churn v1")).to_have_attribute("href", "/models/churn/versions/1")
    registered.get_by_role("link", name="Open version 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("churn · version 1")
    assert page.url.endswith("/models/churn/versions/1")

    # Version 1 on the model page; set the alias there.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="churn").click()
    versions = page.get_by_role("table", name="Versions of churn")
    expect(versions.get_by_role("row", name=re.compile("^Version 1"))).to_be_visible()
    aliases = page.get_by_role("form", name="Set an alias")
    aliases.get_by_label("Alias").fill("champion")
    aliases.get_by_label("Version").select_option(label="Version 1")
    aliases.get_by_role("button", name="Set alias").click()
    alias_rows = page.get_by_role("table", name="Aliases").get_by_role("row")
    expect(alias_rows.filter(has_text="@champion")).to_have_text(re.compile(r"@champion\s*Version 1"))
    champion = get_json(bare_keel, "/registered-models/alias", name="churn", alias="champion")
    assert champion["model_version"]["version"] == "1"

    # The alias shows on the version; the stage changes there.
    versions.get_by_role("link", name="Version 1").click()
    expect(page.get_by_role("list", name="Aliases")).to_contain_text("@champion")
    page.get_by_role("button", name="Change stage of version 1").click()
    page.get_by_label("New stage for version 1").select_option("Staging")
    page.get_by_label("Archive the versions now in Staging").check()
    page.get_by_role("button", name="Save stage").click()
    expect(page.get_by_role("button", name="Change stage of version 1")).to_be_focused()
    expect(page.locator(".run-facts .stage")).to_have_text("Staging")
    version = get_json(bare_keel, "/model-versions/get", name="churn", version="1")["model_version"]
    assert version["current_stage"] == "Staging"
    assert version["aliases"] == ["champion"]

    # The history lists both changes, newest first.
    history = page.get_by_role("list", name="History of version 1")
    expect(history.get_by_role("listitem")).to_have_count(3)
    expect(history.get_by_role("listitem").nth(0)).to_contain_text("Version 1: stage None → Staging")
    expect(history.get_by_role("listitem").nth(1)).to_contain_text("Alias @champion set on version 1")
    expect(history.get_by_role("listitem").nth(2)).to_contain_text("Version 1 registered from models:/m-")

    # The lineage: dataset → run → logged model → this version; the run's box opens the run.
    page.get_by_role("tab", name="Lineage").click()
    assert "tab=lineage" in page.url
    nodes = page.locator(".lineage-node")
    expect(nodes).to_have_count(4)
    expect(nodes.locator(".lineage-type")).to_have_text(["Dataset", "Run", "Logged model", "Model version"])
    assert page.locator(".lineage-edge").count() == 3
    page.locator('[data-node-type="run"]').get_by_role("link", name="trainer").click()
    expect(page).to_have_url(trained.page)
    expect(page.get_by_role("heading", level=1)).to_have_text("trainer")


def test_an_artifact_folder_registers_into_an_existing_model(page, bare_keel):
    with bare_keel.client() as client:
        run = create_run(client, create_experiment(client, "registry folders"), "folder-model")
        upload_artifact(client, run["artifact_uri"], "model/MLmodel", MLMODEL)
        upload_artifact(client, run["artifact_uri"], "notes.txt", b"no model here")
        call(client, "/registered-models/create", {"name": "fraud"})
    page.goto(f"{bare_keel.url}/experiments/{run['experiment_id']}/runs/{run['run_id']}?tab=artifacts")
    files = page.get_by_role("navigation", name="Artifact files")
    expect(files.get_by_role("button", name="notes.txt")).to_be_visible()
    # Only a folder holding an MLmodel offers to register it.
    expect(page.get_by_role("button", name=re.compile("^Register model"))).to_have_count(0)
    files.get_by_role("button", name="model/").click()
    files.get_by_role("button", name="Register model from model/").click()
    dialog = page.get_by_role("dialog", name="Register model")
    dialog.get_by_label("A new version of an existing model").check()
    dialog.get_by_label("Model", exact=True).select_option("fraud")
    dialog.get_by_role("button", name="Register", exact=True).click()
    done = page.get_by_role("dialog", name="Model registered")
    expect(done.get_by_role("status")).to_contain_text(f"fraud version 1 from runs:/{run['run_id']}/model")
    done.get_by_role("button", name="Close", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(files.get_by_role("button", name="Register model from model/")).to_be_focused()

    # The version's files are the registry's copy, read through the artifact proxy.
    page.goto(f"{bare_keel.url}/models/fraud/versions/1?tab=files")
    page.get_by_role("navigation", name="Artifact files").get_by_role("button", name="MLmodel").click()
    expect(page.locator("section.artifact-preview .flavors .chip")).to_have_text(["python_function"])
    href = page.get_by_role("link", name="Download MLmodel").get_attribute("href")
    assert href is not None
    assert href.startswith("/ajax-api/2.0/mlflow-artifacts/artifacts/registry/")


def test_models_search_and_an_unknown_model(page, bare_keel):
    with bare_keel.client() as client:
        for name in ("search-alpha", "search-beta"):
            call(client, "/registered-models/create", {"name": name})
    page.goto(f"{bare_keel.url}/models")
    search = page.get_by_label("Search models")
    search.fill("alpha")
    search.press("Enter")
    table = page.get_by_role("table", name="Registered models")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("search-alpha")
    assert "q=alpha" in page.url

    search.fill("nme = 'x'")
    search.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Invalid attribute key 'nme'")
    expect(search).to_have_attribute("aria-invalid", "true")

    page.goto(f"{bare_keel.url}/models/no-such-model")
    expect(page.get_by_role("heading", level=1)).to_have_text("Model not found")
    expect(page.get_by_role("alert")).to_contain_text("RESOURCE_DOES_NOT_EXIST")
    expect(page.get_by_role("link", name="See all models")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Models")).to_have_attribute(
        "aria-current", "page"
    )


def test_a_model_page_fits_a_narrow_window(browser, bare_keel, trained):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    try:
        page = context.new_page()
        with bare_keel.client() as client:
            call(client, "/registered-models/create", {"name": "narrow"})
            body = {"name": "narrow", "source": f"runs:/{trained.run_id}/model", "run_id": trained.run_id}
            call(client, "/model-versions/create", body)
        for path in ("/models", "/models/narrow", "/models/narrow/versions/1?tab=lineage"):
            page.goto(bare_keel.url + path)
            expect(page.get_by_role("heading", level=1)).not_to_have_text("…")
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate(SIDEWAYS_OVERFLOW)
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
        # The lineage reads top to bottom when the window is narrow.
        boxes = page.locator(".lineage-node")
        expect(boxes).to_have_count(4)
        tops = [box["y"] for box in (boxes.nth(i).bounding_box() for i in range(4)) if box]
        assert len(tops) == 4
        assert tops == sorted(set(tops)), tops
    finally:
        context.close()
