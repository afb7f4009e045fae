"""Model version sources: which are safe, and where their files are.

A version may come only from files tracking already holds: a run's artifacts (``runs:/<run>/<path>``,
or a URI inside the artifact root of the ``run_id`` given with it), a logged model (``models:/m-…``,
or a URI inside its artifact location with its ``model_id``) or another registered version
(``models:/<name>/<version>``). Anything else — an arbitrary local path, ``file://`` outside those
roots, an ``http://`` URL the server would fetch, a ``..`` segment however encoded — is refused
before anything is written (the class of MLflow's CVE-2023-1177 / CVE-2024-1483).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from keel.errors import InvalidParameter, NotFound
from keel.store.artifacts.uris import path_to_file_uri, uri_scheme

if TYPE_CHECKING:
    from collections.abc import Callable

    from keel.store.tracking.base import TrackingStore

LOGGED_MODEL_PREFIX = "m-"


@dataclass(frozen=True, slots=True)
class ResolvedSource:
    """A checked source: where its files are, and the run and logged model it came from."""

    location: str
    run_id: str | None
    model_id: str | None


def invalid_source(source: str, why: str) -> InvalidParameter:
    return InvalidParameter(f"Invalid model version source: '{source}'. {why}")


def resolve_source(
    source: str,
    run_id: str | None,
    model_id: str | None,
    tracking: TrackingStore,
    version_location: Callable[[str, int], tuple[str, str | None, str | None]],
) -> ResolvedSource:
    """Check ``source`` and find its files.

    Args:
        version_location: ``(name, version)`` -> that version's (location, run_id, model_id).

    Raises:
        InvalidParameter: for an unsafe source, or one that disagrees with ``run_id`` / ``model_id``.
        NotFound: when the run, logged model or version it names does not exist.
    """
    _reject_traversal(source)
    scheme = uri_scheme(source)
    if scheme == "runs":
        return _from_runs_uri(source, run_id, model_id, tracking)
    if scheme == "models":
        return _from_models_uri(source, run_id, model_id, tracking, version_location)
    uri = path_to_file_uri(source) if scheme == "" else source
    if model_id:
        model = tracking.get_logged_model(model_id)
        if _is_within(uri, model.info.artifact_uri):
            return ResolvedSource(uri, run_id or model.info.source_run_id, model_id)
        raise invalid_source(source, f"It is not inside the artifacts of logged model '{model_id}'.")
    if run_id:
        run = tracking.get_run(run_id)
        if _is_within(uri, run.info.artifact_uri) or _is_within_run_models(uri, run_id, tracking):
            return ResolvedSource(uri, run_id, None)
        raise invalid_source(source, f"It is not inside the artifacts of run '{run_id}'.")
    raise invalid_source(
        source,
        "A source must be a runs:/ or models:/ URI, or lie inside the artifacts of the run_id or "
        "model_id given with it.",
    )


def _reject_traversal(source: str) -> None:
    text = source
    while (unquoted := unquote(text)) != text:
        text = unquoted
    if "\x00" in text or "\\" in text:
        raise invalid_source(source, "It holds a NUL or backslash character.")
    path = urlsplit(text).path if uri_scheme(text) else text
    if any(part in ("..", ".") for part in path.split("/")):
        raise invalid_source(source, "Relative path segments ('..', '.') are not allowed.")


def _from_runs_uri(
    source: str, run_id: str | None, model_id: str | None, tracking: TrackingStore
) -> ResolvedSource:
    parsed = urlsplit(source)
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.netloc or len(parts) < 1:
        raise invalid_source(source, "Expected runs:/<run_id>/<artifact path>.")
    source_run = parts[0]
    if run_id and run_id != source_run:
        raise invalid_source(source, f"Its run '{source_run}' is not the run_id given ('{run_id}').")
    run = tracking.get_run(source_run)
    rest = parts[1:]
    if rest:
        found = _logged_model_named(tracking, run.info.experiment_id, source_run, rest[0])
        if found is not None:
            location, found_id = found
            return ResolvedSource(_join(location, rest[1:]), source_run, model_id or found_id)
    return ResolvedSource(_join(run.info.artifact_uri, rest), source_run, model_id)


def _from_models_uri(
    source: str,
    run_id: str | None,
    model_id: str | None,
    tracking: TrackingStore,
    version_location: Callable[[str, int], tuple[str, str | None, str | None]],
) -> ResolvedSource:
    parsed = urlsplit(source)
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.netloc or not parts:
        raise invalid_source(source, "Expected models:/<model_id> or models:/<name>/<version>.")
    if parts[0].startswith(LOGGED_MODEL_PREFIX) and len(parts) == 1:
        if model_id and model_id != parts[0]:
            raise invalid_source(source, f"Its model '{parts[0]}' is not the model_id given ('{model_id}').")
        model = tracking.get_logged_model(parts[0])
        return ResolvedSource(model.info.artifact_uri, run_id or model.info.source_run_id, parts[0])
    if len(parts) == 2 and parts[1].isdigit():
        location, version_run, version_model = version_location(parts[0], int(parts[1]))
        return ResolvedSource(location, run_id or version_run, model_id or version_model)
    raise invalid_source(source, "Expected models:/<model_id> or models:/<name>/<version>.")


def _logged_model_named(
    tracking: TrackingStore, experiment_id: str, run_id: str, name: str
) -> tuple[str, str] | None:
    if "'" in name:
        return None
    try:
        page = tracking.search_logged_models(
            [experiment_id], filter_string=f"name = '{name}' AND source_run_id = '{run_id}'", max_results=1
        )
    except NotFound:
        return None
    return (page[0].info.artifact_uri, page[0].model_id) if page else None


def _is_within_run_models(uri: str, run_id: str, tracking: TrackingStore) -> bool:
    """MLflow 3 keeps a run's models beside the run: ``<experiment>/models/<model_id>/artifacts``."""
    run = tracking.get_run(run_id)
    try:
        page = tracking.search_logged_models(
            [run.info.experiment_id], filter_string=f"source_run_id = '{run_id}'", max_results=100
        )
    except NotFound:
        return False
    return any(_is_within(uri, model.info.artifact_uri) for model in page)


def _is_within(uri: str, root: str) -> bool:
    """Same scheme and authority, and ``uri``'s path is ``root``'s or below it (whole segments)."""
    a, b = urlsplit(uri), urlsplit(root)
    if a.scheme.lower() != b.scheme.lower() or a.netloc.lower() != b.netloc.lower():
        return False
    path = posixpath.normpath(unquote(a.path) or "/")
    base = posixpath.normpath(unquote(b.path) or "/")
    return path == base or path.startswith(base.rstrip("/") + "/")


def _join(base: str, parts: list[str]) -> str:
    return "/".join([base.rstrip("/"), *parts]) if parts else base
