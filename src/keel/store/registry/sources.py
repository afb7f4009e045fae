"""Model version sources: which are safe, and where their files are.

A version may come only from files tracking already holds: a run's artifacts (``runs:/<run>/<path>``,
or a URI inside the artifact root of the ``run_id`` given with it), a logged model (``models:/m-…``,
or a URI inside its artifact location with its ``model_id``) or another registered version
(``models:/<name>/<version>``, ``@<alias>``, ``/<stage>``, ``/latest``). Anything else — an
arbitrary local path, ``file://`` outside those roots, an ``http://`` URL the server would fetch,
a ``..`` segment however encoded — is refused before anything is written (the class of MLflow's
CVE-2023-1177 / CVE-2024-1483).

A resolved source is a root (a run's or logged model's artifact root, or a version's copy) and a
path inside it: the copy is read through the root's own repository, so a symlink planted in the
artifacts cannot lead it outside that root.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from keel.errors import InvalidParameter
from keel.store.artifacts.uris import path_to_file_uri, uri_scheme
from keel.store.tracking.run_models import find_run_logged_model, run_logged_models

if TYPE_CHECKING:
    from keel.entities import LoggedModel
    from keel.store.registry.base import RegistryStore
    from keel.store.tracking.base import TrackingStore

LOGGED_MODEL_PREFIX = "m-"
# What MLflow's prompt registry sends as a prompt version's source: it names no files.
PROMPT_SOURCES = frozenset({"dummy-source", "prompt-template"})
PROMPT_TAG = "mlflow.prompt.is_prompt"


@dataclass(frozen=True, slots=True)
class ResolvedSource:
    """A checked source: the root its files are under, their path in it, and where they came from.

    ``root`` is None for a prompt, which has no files.
    """

    root: str | None
    path: str
    run_id: str | None
    model_id: str | None


def invalid_source(source: str, why: str) -> InvalidParameter:
    return InvalidParameter(f"Invalid model version source: '{source}'. {why}")


def is_prompt(tags: dict[str, str]) -> bool:
    return tags.get(PROMPT_TAG, "").lower() == "true"


def resolve_source(
    source: str,
    run_id: str | None,
    model_id: str | None,
    tags: dict[str, str],
    tracking: TrackingStore,
    registry: RegistryStore,
) -> ResolvedSource:
    """Check ``source`` and find its files.

    Raises:
        InvalidParameter: for an unsafe source, or one that disagrees with ``run_id`` / ``model_id``.
        NotFound: when the run, logged model or version it names does not exist.
    """
    if is_prompt(tags):
        if source not in PROMPT_SOURCES:
            raise InvalidParameter(f"Invalid prompt source: '{source}'.")
        return ResolvedSource(None, "", run_id, model_id)
    _reject_traversal(source)
    scheme = uri_scheme(source)
    if scheme == "runs":
        return _from_runs_uri(source, run_id, model_id, tracking)
    if scheme == "models":
        return _from_models_uri(source, run_id, model_id, tracking, registry)
    uri = path_to_file_uri(source) if scheme == "" else source
    if model_id:
        model = tracking.get_logged_model(model_id)
        _check_run(source, run_id, model)
        inside = _path_within(uri, model.info.artifact_uri)
        if inside is None:
            raise invalid_source(source, f"It is not inside the artifacts of logged model '{model_id}'.")
        return ResolvedSource(model.info.artifact_uri, inside, run_id or model.info.source_run_id, model_id)
    if run_id:
        run = tracking.get_run(run_id)
        roots = [run.info.artifact_uri] + [
            m.info.artifact_uri for m in run_logged_models(tracking, run.info.experiment_id, run_id)
        ]
        for root in roots:  # MLflow 3 keeps a run's models beside it: <experiment>/models/<id>/artifacts
            inside = _path_within(uri, root)
            if inside is not None:
                return ResolvedSource(root, inside, run_id, None)
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
    if parsed.netloc or not parts:
        raise invalid_source(source, "Expected runs:/<run_id>/<artifact path>.")
    source_run = parts[0]
    if run_id and run_id != source_run:
        raise invalid_source(source, f"Its run '{source_run}' is not the run_id given ('{run_id}').")
    run = tracking.get_run(source_run)
    rest = parts[1:]
    logged = find_run_logged_model(tracking, run.info.experiment_id, source_run, rest[0]) if rest else None
    if model_id and (logged is None or logged.model_id != model_id):
        raise invalid_source(source, f"It does not name logged model '{model_id}'.")
    if logged is not None:
        return ResolvedSource(logged.info.artifact_uri, "/".join(rest[1:]), source_run, logged.model_id)
    return ResolvedSource(run.info.artifact_uri, "/".join(rest), source_run, None)


def _from_models_uri(
    source: str,
    run_id: str | None,
    model_id: str | None,
    tracking: TrackingStore,
    registry: RegistryStore,
) -> ResolvedSource:
    parsed = urlsplit(source)
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.netloc or not parts or len(parts) > 2:
        raise invalid_source(
            source, "Expected models:/<model_id>, models:/<name>/<version> or models:/<name>@<alias>."
        )
    if parts[0].startswith(LOGGED_MODEL_PREFIX) and len(parts) == 1 and "@" not in parts[0]:
        if model_id and model_id != parts[0]:
            raise invalid_source(source, f"Its model '{parts[0]}' is not the model_id given ('{model_id}').")
        model = tracking.get_logged_model(parts[0])
        _check_run(source, run_id, model)
        return ResolvedSource(model.info.artifact_uri, "", run_id or model.info.source_run_id, parts[0])
    version = registry.resolve_model_version("/".join(parts))
    if run_id and version.run_id and run_id != version.run_id:
        raise invalid_source(
            source, f"Version {version.version} of '{version.name}' is not from run '{run_id}'."
        )
    if model_id and version.model_id and model_id != version.model_id:
        raise invalid_source(
            source, f"Version {version.version} of '{version.name}' is not model '{model_id}'."
        )
    root = registry.get_model_version_download_uri(version.name, version.version)
    return ResolvedSource(root, "", version.run_id or run_id, version.model_id or model_id)


def _check_run(source: str, run_id: str | None, model: LoggedModel) -> None:
    if run_id and model.info.source_run_id and run_id != model.info.source_run_id:
        raise invalid_source(source, f"Logged model '{model.model_id}' is not from run '{run_id}'.")


def _path_within(uri: str, root: str) -> str | None:
    """``uri``'s path below ``root`` ("" for the root itself) when both have the same scheme and
    authority and it is ``root`` or below it (whole segments); else None."""
    a, b = urlsplit(uri), urlsplit(root)
    if a.scheme.lower() != b.scheme.lower() or a.netloc.lower() != b.netloc.lower():
        return None
    path = posixpath.normpath(unquote(a.path) or "/")
    base = posixpath.normpath(unquote(b.path) or "/")
    if path == base:
        return ""
    prefix = base.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None
