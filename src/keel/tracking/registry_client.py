"""RegistryClient: the model registry API, mirroring ``MlflowClient``'s registry methods.

``keel.Client`` is a ``RegistryClient`` too, so one client reaches runs and registered models alike.
``register_model`` is ``mlflow.register_model``: a model URI in, a new version out.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from keel.errors import AlreadyExists, InvalidParameter
from keel.store.registry.sources import LOGGED_MODEL_PREFIX
from keel.store.tracking.run_models import find_run_logged_model
from keel.tracking.stores import registry_store_for, tracking_store_for
from keel.tracking.uris import resolve_tracking_uri

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from keel.entities import ModelVersion, PagedList, RegisteredModel, RegistryEvent
    from keel.store.registry.base import RegistryStore


class RegistryClient:
    """Registered models and their versions, aliases, stages, tags and history.

    Args:
        tracking_uri: the registry lives beside tracking: on the same server, or in the same database.

    Example:
        >>> client = RegistryClient()
        >>> version = client.register_model(f"runs:/{run_id}/model", "churn")
        >>> client.set_registered_model_alias("churn", "champion", version.version)
    """

    def __init__(self, tracking_uri: str | None = None) -> None:
        self.tracking_uri = resolve_tracking_uri(tracking_uri)

    @property
    def registry(self) -> RegistryStore:
        return registry_store_for(self.tracking_uri)

    # Registered models

    def create_registered_model(
        self, name: str, tags: Mapping[str, Any] | None = None, description: str | None = None
    ) -> RegisteredModel:
        return self.registry.create_registered_model(name, _strings(tags), description)

    def get_registered_model(self, name: str) -> RegisteredModel:
        return self.registry.get_registered_model(name)

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        return self.registry.rename_registered_model(name, new_name)

    def update_registered_model(self, name: str, description: str | None = None) -> RegisteredModel:
        return self.registry.update_registered_model(name, description)

    def delete_registered_model(self, name: str) -> None:
        self.registry.delete_registered_model(name)

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = 100,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        return self.registry.search_registered_models(filter_string, max_results, order_by, page_token)

    def get_latest_versions(self, name: str, stages: Sequence[str] | None = None) -> list[ModelVersion]:
        return self.registry.get_latest_versions(name, stages)

    def set_registered_model_tag(self, name: str, key: str, value: Any) -> None:
        self.registry.set_registered_model_tag(name, key, str(value))

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self.registry.delete_registered_model_tag(name, key)

    # Aliases

    def set_registered_model_alias(self, name: str, alias: str, version: str | int) -> None:
        self.registry.set_registered_model_alias(name, alias, version)

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        self.registry.delete_registered_model_alias(name, alias)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return self.registry.get_model_version_by_alias(name, alias)

    # Model versions

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Mapping[str, Any] | None = None,
        run_link: str | None = None,
        description: str | None = None,
        model_id: str | None = None,
    ) -> ModelVersion:
        return self.registry.create_model_version(
            name, source, run_id, _strings(tags), run_link, description, model_id
        )

    def get_model_version(self, name: str, version: str | int) -> ModelVersion:
        return self.registry.get_model_version(name, version)

    def update_model_version(
        self, name: str, version: str | int, description: str | None = None
    ) -> ModelVersion:
        return self.registry.update_model_version(name, version, description)

    def delete_model_version(self, name: str, version: str | int) -> None:
        self.registry.delete_model_version(name, version)

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 10_000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        return self.registry.search_model_versions(filter_string, max_results, order_by, page_token)

    def transition_model_version_stage(
        self, name: str, version: str | int, stage: str, archive_existing_versions: bool = False
    ) -> ModelVersion:
        return self.registry.transition_model_version_stage(name, version, stage, archive_existing_versions)

    def set_model_version_tag(self, name: str, version: str | int, key: str, value: Any) -> None:
        self.registry.set_model_version_tag(name, version, key, str(value))

    def delete_model_version_tag(self, name: str, version: str | int, key: str) -> None:
        self.registry.delete_model_version_tag(name, version, key)

    def get_model_version_download_uri(self, name: str, version: str | int) -> str:
        return self.registry.get_model_version_download_uri(name, version)

    # keel's own

    def get_registry_history(
        self, name: str | None = None, max_results: int = 1000, newest_first: bool = False
    ) -> list[RegistryEvent]:
        """Every recorded change, oldest first: alias moves, stages, tags, deletions; who and when."""
        events: list[RegistryEvent] = []
        token: str | None = None
        while True:
            page = self.registry.get_registry_history(name, max_results, token, newest_first)
            events += page
            token = page.token
            if not token:
                return events

    def register_model(
        self, model_uri: str, name: str, tags: Mapping[str, Any] | None = None
    ) -> ModelVersion:
        """A new version of ``name`` (created when missing) from a ``runs:/`` or ``models:/`` URI.

        A ``runs:/<run>/<name>`` URI names the logged model the run produced under that name (MLflow 3),
        else the files at that path of the run's artifacts.
        """
        with contextlib.suppress(AlreadyExists):
            self.registry.create_registered_model(name)
        source, run_id, model_id = self._source_of(model_uri)
        return self.registry.create_model_version(
            name, source, run_id=run_id, tags=_strings(tags), model_id=model_id
        )

    def _source_of(self, model_uri: str) -> tuple[str, str | None, str | None]:
        parsed = urlparse(model_uri)
        parts = [p for p in parsed.path.split("/") if p]
        if parsed.scheme == "runs":
            if len(parts) < 2:
                raise InvalidParameter(
                    f"Invalid runs URI '{model_uri}': expected runs:/<run_id>/<model name>"
                )
            run_id, artifact_name = parts[0], parts[1]
            tracking = tracking_store_for(self.tracking_uri)
            run = tracking.get_run(run_id)
            logged = find_run_logged_model(tracking, run.info.experiment_id, run_id, artifact_name)
            if len(parts) == 2 and logged is not None:  # MLflow's client sends such a source so
                return f"models:/{logged.model_id}", run_id, logged.model_id
            return model_uri, run_id, None
        if parsed.scheme == "models" and len(parts) == 1 and parts[0].startswith(LOGGED_MODEL_PREFIX):
            return model_uri, None, parts[0]
        return model_uri, None, None


def register_model(model_uri: str, name: str, tags: Mapping[str, Any] | None = None) -> ModelVersion:
    """Register ``model_uri`` as a new version of ``name``; see ``RegistryClient.register_model``."""
    return RegistryClient().register_model(model_uri, name, tags)


def _strings(tags: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (tags or {}).items()}
