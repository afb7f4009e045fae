"""Browser fixtures: headless Chromium driven by Playwright against a live, seeded keel server."""

from __future__ import annotations

import pytest
from browser_support import (
    CHROMIUM_ARGS,
    LONG_POINTS,
    POINTS,
    RUNS,
    BareServer,
    SeededServer,
    browser_unavailable_reason,
    chromium_path,
    playwright_api,
    unavailable,
)
from seeding import seed_experiment, seed_long_history

from keel.server.settings import ServerSettings
from liveserver import LiveServer


@pytest.fixture(scope="module")
def browser():
    reason = browser_unavailable_reason()
    if reason:
        unavailable(reason)
    with playwright_api().sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def keel(browser, tmp_path_factory):
    """A keel server over its own SQLite, seeded through its REST API."""
    with LiveServer(ServerSettings.embedded(tmp_path_factory.mktemp("keel-ui"))) as server:
        experiment = seed_experiment(server.url, runs=RUNS, points=POINTS)
        yield SeededServer(server.url, experiment, seed_long_history(server.url, LONG_POINTS))


@pytest.fixture(scope="module")
def bare_keel(browser, tmp_path_factory):
    """A keel server over its own SQLite and artifact folder, empty: the module seeds it."""
    data_dir = tmp_path_factory.mktemp("keel-ui-bare")
    with LiveServer(ServerSettings.embedded(data_dir)) as server:
        yield BareServer(server.url, data_dir)


@pytest.fixture
def page(browser):
    """A fresh browser context per test; any uncaught page error fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    errors: list[str] = []
    new_page.on("pageerror", lambda error: errors.append(str(error)))
    yield new_page
    context.close()
    assert not errors, f"errors in the page: {errors}"
