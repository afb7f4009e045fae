"""The logged models (MLflow 3) a run produced: by name, as ``runs:/<run>/<name>`` means them, or all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keel.errors import Unsupported

if TYPE_CHECKING:
    from keel.entities import LoggedModel
    from keel.store.tracking.base import TrackingStore

PAGE_SIZE = 100


def find_run_logged_model(
    tracking: TrackingStore, experiment_id: str, run_id: str, name: str
) -> LoggedModel | None:
    """The model the run logged under ``name``; None when there is none (or the store, an MLflow 2
    server say, keeps no logged models)."""
    if "'" in name:  # a logged model's name never holds a quote
        return None
    try:
        page = tracking.search_logged_models(
            [experiment_id], filter_string=f"name = '{name}' AND source_run_id = '{run_id}'", max_results=1
        )
    except Unsupported:
        return None
    return page[0] if page else None


def run_logged_models(tracking: TrackingStore, experiment_id: str, run_id: str) -> list[LoggedModel]:
    """Every model the run logged, across all pages."""
    found: list[LoggedModel] = []
    token: str | None = None
    while True:
        try:
            page = tracking.search_logged_models(
                [experiment_id],
                filter_string=f"source_run_id = '{run_id}'",
                max_results=PAGE_SIZE,
                page_token=token,
            )
        except Unsupported:
            return found
        found += page
        token = page.token
        if not token:
            return found
