"""The artifact browser: folders, previews (image, CSV, JSON, MLmodel) and downloads, for a run behind
the mlflow-artifacts proxy and for one whose artifacts sit in a folder of the server's destination."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import pytest
from browser_support import playwright_api
from seeding import create_experiment, create_run, png, upload_artifact

from keel.store.artifacts import local_path_from_uri

expect = playwright_api().expect

RED = (220, 30, 30)
CSV = b'epoch,loss,note\n0,1.5,"warm, up"\n1,0.9,\n2,0.4,done\n'
MLMODEL = b"""artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
    python_version: 3.11.7
  sklearn:
    sklearn_version: 1.5.0
    pickled_model: model.pkl
mlflow_version: 3.17.2
"""

PIXEL_AT_5_5 = """(img) => {
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(img, 0, 0);
  return [...context.getImageData(5, 5, 1, 1).data];
}"""


@dataclass(frozen=True)
class ArtifactRuns:
    proxied: str
    """Run page of a run under mlflow-artifacts:, with plots/red.png, data/table.csv, model/, config.json."""
    local: str
    """Run page of a run whose artifact URI is a file:// folder: results.csv, read through /get-artifact."""


@pytest.fixture(scope="module")
def runs(bare_keel):
    with bare_keel.client() as client:
        proxied_experiment = create_experiment(client, "artifacts")
        proxied = create_run(client, proxied_experiment, "with-artifacts")
        for path, content in {
            "plots/red.png": png(40, 30, RED),
            "data/table.csv": CSV,
            "model/MLmodel": MLMODEL,
            "model/model.pkl": b"\x80\x05\x00not text",
            "config.json": json.dumps({"layers": [64, 32], "dropout": 0.1}).encode(),
        }.items():
            upload_artifact(client, proxied["artifact_uri"], path, content)

        location = (bare_keel.data_dir / "artifacts" / "local-root").resolve().as_uri()
        local_experiment = create_experiment(client, "local artifacts", artifact_location=location)
        local = create_run(client, local_experiment, "local-files")
    folder = local_path_from_uri(local["artifact_uri"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.csv").write_bytes(b"k,v\na,1\nb,2\n")
    page_of = lambda info: f"{bare_keel.url}/experiments/{info['experiment_id']}/runs/{info['run_id']}"  # noqa: E731
    return ArtifactRuns(page_of(proxied), page_of(local))


def preview(page):
    return page.locator("section.artifact-preview")


def test_an_image_previews_inline_and_downloads_through_the_proxy(page, bare_keel, runs):
    page.goto(runs.proxied)
    page.get_by_role("tab", name="Artifacts").click()
    folders = page.get_by_role("navigation", name="Artifact files")
    folders.get_by_role("button", name="plots/").click()
    folders.get_by_role("button", name="red.png").click()
    expect(preview(page)).to_have_attribute("data-state", "ready")
    image = preview(page).get_by_role("img", name="red.png")
    assert image.evaluate("(img) => [img.naturalWidth, img.naturalHeight]") == [40, 30]
    # The pixels the browser decoded are the uploaded red.
    pixel = image.evaluate(PIXEL_AT_5_5)
    assert pixel[:3] == list(RED)

    href = preview(page).get_by_role("link", name="Download red.png").get_attribute("href")
    assert href is not None
    assert href.startswith("/ajax-api/2.0/mlflow-artifacts/artifacts/")
    assert httpx.get(bare_keel.url + href).content == png(40, 30, RED)
    assert "artifact=plots%2Fred.png" in page.url


def test_a_csv_previews_as_a_table(page, runs):
    page.goto(f"{runs.proxied}?{urlencode({'tab': 'artifacts', 'artifact': 'data/table.csv'})}")
    expect(preview(page)).to_have_attribute("data-kind", "csv")
    table = preview(page).get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_text(["epoch", "loss", "note"])
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tbody tr").first.get_by_role("cell")).to_have_text(["0", "1.5", "warm, up"])
    expect(table).to_contain_text("3 rows")
    # The deep link opened the folder holding the file.
    expect(page.get_by_role("button", name="data/")).to_have_attribute("aria-expanded", "true")


def test_mlmodel_shows_its_flavors_and_json_is_pretty(page, runs):
    page.goto(f"{runs.proxied}?{urlencode({'tab': 'artifacts', 'artifact': 'model/MLmodel'})}")
    expect(preview(page)).to_have_attribute("data-kind", "mlmodel")
    expect(preview(page).locator(".flavors .chip")).to_have_text(["python_function", "sklearn"])
    expect(preview(page).locator("mark.flavor-name")).to_have_text(["  python_function:", "  sklearn:"])

    page.get_by_role("button", name="model.pkl").click()
    expect(preview(page)).to_contain_text("No preview for this kind of file")
    page.get_by_role("button", name="config.json").click()
    expect(preview(page).locator("pre")).to_have_text(
        json.dumps({"layers": [64, 32], "dropout": 0.1}, indent=2)
    )


def test_a_run_outside_the_proxy_downloads_through_get_artifact(page, bare_keel, runs):
    page.goto(f"{runs.local}?tab=artifacts")
    page.get_by_role("button", name="results.csv").click()
    expect(preview(page).get_by_role("table").get_by_role("columnheader")).to_have_text(["k", "v"])
    href = preview(page).get_by_role("link", name="Download results.csv").get_attribute("href")
    assert href is not None
    assert href.startswith("/get-artifact?")
    response = httpx.get(bare_keel.url + href)
    assert response.content == b"k,v\na,1\nb,2\n"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_run_without_artifacts_says_so(page, bare_keel):
    with bare_keel.client() as client:
        run = create_run(client, create_experiment(client, "no artifacts"), "bare")
    page.goto(f"{bare_keel.url}/experiments/{run['experiment_id']}/runs/{run['run_id']}?tab=artifacts")
    expect(page.get_by_text("No artifacts logged for this run.")).to_be_visible()
