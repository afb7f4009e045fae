"""Fixtures for the autologging tests: keel tracking into ``tmp_path``, every integration disabled
after each test (so no patch outlives it), and the warnings autologging logged about itself.

Tests here load the pickled models autologging logs: ``UntrustedModelWarning`` is filtered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from isolation import isolated_tracking
from keel.flavors import autologging


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.filterwarnings("ignore::keel.models.trust.UntrustedModelWarning"))


@pytest.fixture(autouse=True)
def keel_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """keel tracks into ``tmp_path / "store"``; afterwards autologging is off and stores are closed."""
    with isolated_tracking(tmp_path, monkeypatch) as directory:
        try:
            yield directory
        finally:
            autologging.autolog(disable=True)


@pytest.fixture
def autolog_warnings(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The warnings autologging has logged so far in the test (its own failures)."""
    caplog.set_level(logging.WARNING, logger="keel.autologging")

    def messages() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "keel.autologging"]

    return messages
