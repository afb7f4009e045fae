"""The web UI: index.html for every app page, long-cached hashed assets, and a clear word when unbuilt."""

from __future__ import annotations

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException

from keel.server import errors
from keel.server.routes import ui
from keel.server.settings import ServerSettings
from liveserver import LiveServer

INDEX = "<!doctype html><title>keel</title><script src=/assets/index-abc123.js></script>"


class UiClient:
    """GETs against the UI routes alone over ASGITransport: real HTTP semantics, no socket."""

    def __init__(self, static_dir) -> None:
        self.app = Starlette(
            routes=ui.ui_routes(static_dir), exception_handlers={HTTPException: errors.http_error}
        )

    def get(self, path: str, **kwargs) -> httpx.Response:
        async def fetch() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://keel.test") as client:
                response = await client.get(path, **kwargs)
                await response.aread()
                return response

        return anyio.run(fetch)


@pytest.fixture
def built(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('keel')")
    return tmp_path


@pytest.mark.parametrize("path", ["/", "/experiments", "/experiments/1", "/experiments/1/runs/abc?x=1"])
def test_every_app_page_is_index_html_never_cached(built, path):
    client = UiClient(built)
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_hashed_assets_are_cached_for_a_year(built):
    client = UiClient(built)
    response = client.get("/assets/index-abc123.js")
    missing = client.get("/assets/index-zzz.js")
    escape = client.get("/assets/..%2findex.html")
    assert response.status_code == 200
    assert response.text == "console.log('keel')"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert missing.status_code == 404
    assert "cache-control" not in missing.headers
    assert escape.status_code == 404


def test_paths_the_app_does_not_own_stay_404(built):
    client = UiClient(built)
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"


def test_an_unbuilt_ui_says_how_to_build_it(tmp_path):
    client = UiClient(tmp_path / "static")
    page = client.get("/experiments/1", headers={"Accept": "text/html,application/xhtml+xml"})
    api = client.get("/")
    asset = client.get("/assets/index-abc123.js")
    assert page.status_code == 503
    assert "cd ui &amp;&amp; npm ci &amp;&amp; npm run build" in page.text or ui.BUILD_COMMAND in page.text
    assert page.headers["cache-control"] == "no-store"
    assert api.status_code == 503
    assert api.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"
    assert ui.BUILD_COMMAND in api.json()["message"]
    assert asset.status_code == 404


def test_the_server_mounts_the_ui_after_the_api(tmp_path):
    with LiveServer(ServerSettings.embedded(tmp_path)) as server, httpx.Client(base_url=server.url) as client:
        page = client.get("/experiments/0", headers={"Accept": "text/html"})
        unknown_api = client.get("/api/2.0/mlflow/experiments/nope")
        api = client.get("/api/2.0/mlflow/experiments/get", params={"experiment_id": "0"})
    assert page.status_code in (200, 503)  # 503 when this checkout has no UI build
    assert page.headers["content-type"].startswith("text/html")
    assert unknown_api.status_code == 404
    assert unknown_api.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    assert api.json()["experiment"]["name"] == "Default"
