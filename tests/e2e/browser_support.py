"""What the browser tests share: finding Chromium and Playwright, the seeded sizes, and the server's URLs.

Playwright's own browser download is never used: the system Chromium (Debian's ``chromium``) is
launched by path. Without Chromium, Playwright or a UI build the tests skip, and fail instead
when ``KEEL_REQUIRE_BROWSER=1`` (CI sets it).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import httpx
import pytest
from seeding import SeededExperiment

from keel.server.routes import ui

REQUIRE_BROWSER_ENV = "KEEL_REQUIRE_BROWSER"
CHROMIUM_ENV = "KEEL_CHROMIUM"
# Without the networking flags Chromium keeps calling Google's hosts, which this sandbox refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUNS = 30
POINTS = 300
LONG_POINTS = 100_000
NO_PLAYWRIGHT = "the Python package playwright is not installed (pip install -e '.[test]')"


def chromium_path() -> str | None:
    explicit = os.environ.get(CHROMIUM_ENV)
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail under KEEL_REQUIRE_BROWSER=1: CI must never pass without having run these."""
    if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
        pytest.fail(f"{REQUIRE_BROWSER_ENV}=1 but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def playwright_api() -> ModuleType:
    """``playwright.sync_api``, or the calling module is skipped (failed under KEEL_REQUIRE_BROWSER=1)."""
    try:
        from playwright import sync_api
    except ImportError:
        unavailable(NO_PLAYWRIGHT)
    return sync_api


def browser_unavailable_reason() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return NO_PLAYWRIGHT
    if chromium_path() is None:
        if os.environ.get(CHROMIUM_ENV):
            return f"{CHROMIUM_ENV}={os.environ[CHROMIUM_ENV]} is not a file"
        return f"Chromium not found on PATH (apt-get install chromium, or set {CHROMIUM_ENV})"
    if not (ui.STATIC_DIR / "index.html").is_file():
        return f"the web UI is not built in {ui.STATIC_DIR}: run `{ui.BUILD_COMMAND}`"
    return None


@dataclass(frozen=True)
class SeededServer:
    url: str
    experiment: SeededExperiment
    long_history: tuple[str, str]
    """(experiment id, run id) of the run whose ``loss`` has LONG_POINTS steps."""

    def runs_page(self) -> str:
        return f"{self.url}/experiments/{self.experiment.experiment_id}"

    def run_page(self, run_id: str, experiment_id: str | None = None) -> str:
        return f"{self.url}/experiments/{experiment_id or self.experiment.experiment_id}/runs/{run_id}"


@dataclass(frozen=True)
class BareServer:
    """A live keel server with nothing in it yet; a test module seeds what it needs."""

    url: str
    data_dir: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)
