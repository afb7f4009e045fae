"""The web UI: the built single-page app from ``server/static``, or a clear message when it is not built.

``index.html`` answers ``/`` and every page the app routes itself (``/experiments/1/runs/<id>``), so
deep links and reloads work; it is never cached, while the content-hashed files under
``/assets`` are cached for a year. API paths are not caught here and keep their JSON 404s.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from keel.server.responses import json_response

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
BUILD_COMMAND = "cd ui && npm ci && npm run build"
# The top-level paths the app routes in the browser; anything else stays a 404.
APP_PATHS = ("experiments", "runs", "compare", "models")
HASHED_ASSETS_CACHE = "public, max-age=31536000, immutable"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "frame-ancestors 'self'",
}
NOT_BUILT_MESSAGE = (
    "keel's web UI is not built. From a keel source checkout, run `{command}` (Node.js 20.19 or newer) "
    "and reload; the API under /api/2.0/mlflow works without it."
)
NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>keel: web UI not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>The web UI is not built</h1>
<p>This keel server has no built UI in <code>{static_dir}</code>. From a keel source checkout, run:</p>
<pre style="background: #f3f4f6; padding: .75rem">{command}</pre>
<p>then reload this page. Node.js 20.19 or newer is needed. The tracking API under
<code>/api/2.0/mlflow</code> works without the UI.</p>
</body></html>
"""


class HashedAssets(StaticFiles):
    """Files whose names carry their content hash: cacheable forever; a missing folder is a 404."""

    async def check_config(self) -> None:
        return None

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = HASHED_ASSETS_CACHE
        response.headers.update(SECURITY_HEADERS)
        return response


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def not_built(request: Request, static_dir: Path) -> Response:
    if wants_html(request):
        page = NOT_BUILT_PAGE.format(static_dir=static_dir, command=BUILD_COMMAND)
        return HTMLResponse(page, status_code=503, headers={"Cache-Control": "no-store"})
    body = {
        "error_code": "TEMPORARILY_UNAVAILABLE",
        "message": NOT_BUILT_MESSAGE.format(command=BUILD_COMMAND),
    }
    return json_response(body, status_code=503)


def ui_routes(static_dir: Path = STATIC_DIR) -> list[BaseRoute]:
    """Routes serving the app built into ``static_dir``; the folder is looked at on each request."""
    index = static_dir / "index.html"

    async def app_page(request: Request) -> Response:
        if not index.is_file():
            return not_built(request, static_dir)
        return FileResponse(index, headers={"Cache-Control": "no-cache", **SECURITY_HEADERS})

    routes: list[BaseRoute] = [Route("/", app_page, methods=["GET", "HEAD"])]
    for name in APP_PATHS:
        routes.append(Route(f"/{name}", app_page, methods=["GET", "HEAD"]))
        routes.append(Route(f"/{name}/{{path:path}}", app_page, methods=["GET", "HEAD"]))
    routes.append(Mount("/assets", app=HashedAssets(directory=static_dir / "assets", check_dir=False)))
    return routes


ROUTES = ui_routes()
