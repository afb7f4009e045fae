"""SqlRegistryStore: the model registry in the tracking database, sharing the tracking store's engines.

Each public operation is one transaction, and each change writes its history event (and queues
its webhook deliveries) in that same transaction. Registering a version first checks its source
against tracking, then copies the files into registry storage, then writes the row: a failure at
any step leaves the registry as it was.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from keel.entities import RunTag
from keel.errors import KeelError
from keel.store.clock import now_ms
from keel.store.registry import sources
from keel.store.registry.actor import current_user
from keel.store.registry.base import RegistryStore
from keel.store.registry.sql import history, models, search, versions
from keel.store.registry.sql.rows import find_model, latest_versions, model_exists
from keel.store.registry.storage import ArtifactResolver, RegistryStorage, open_repository

MODEL_VERSIONS_TAG = "mlflow.modelVersions"
logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from collections.abc import Callable

    from keel.entities import ModelVersion, ModelVersionStage, PagedList, RegisteredModel, RegistryEvent
    from keel.search.ast import Expr, OrderKey
    from keel.store.tracking.sql import SqlTrackingStore


class SqlRegistryStore(RegistryStore):
    """The registry beside ``tracking``'s tables.

    Args:
        tracking: the tracking store of the same database; runs and logged models are read from it.
        storage_root: under which registered versions' files are copied (``<root>/registry/…``);
            the tracking store's default artifact root when omitted.
        resolve: maps artifact URIs to repositories (the server maps its ``mlflow-artifacts:`` URIs).
        clock: epoch milliseconds; tests pass their own.
    """

    def __init__(
        self,
        tracking: SqlTrackingStore,
        storage_root: str | None = None,
        resolve: ArtifactResolver = open_repository,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self._tracking = tracking
        self._engines = tracking.engines
        self._storage = RegistryStorage(storage_root or tracking.default_artifact_root, resolve)
        self._clock = clock

    # Registered models

    def _create_registered_model(
        self, name: str, tags: dict[str, str], description: str | None
    ) -> RegisteredModel:
        try:
            with self._engines.writer.begin() as conn:
                return models.create_registered_model(
                    conn, name, tags, description, current_user(), self._clock()
                )
        except IntegrityError:  # another writer took the name between the check and the insert
            raise model_exists(name) from None

    def _get_registered_model(self, name: str) -> RegisteredModel:
        with self._engines.reader.begin() as conn:
            return models.get_registered_model(conn, name)

    def _rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        try:
            with self._engines.writer.begin() as conn:
                return models.rename_registered_model(conn, name, new_name, current_user(), self._clock())
        except IntegrityError:
            raise model_exists(new_name) from None

    def _update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        with self._engines.writer.begin() as conn:
            return models.update_registered_model(conn, name, description, current_user(), self._clock())

    def _delete_registered_model(self, name: str) -> None:
        with self._engines.writer.begin() as conn:
            locations = models.delete_registered_model(conn, name, current_user(), self._clock())
        for location in locations:
            self._storage.discard(location)

    def _search_registered_models(
        self, filter_expr: Expr | None, max_results: int, order_by: list[OrderKey], offset: int
    ) -> PagedList[RegisteredModel]:
        with self._engines.reader.begin() as conn:
            return search.search_registered_models(conn, filter_expr, max_results, order_by, offset)

    def _get_latest_versions(self, name: str, stages: list[ModelVersionStage]) -> list[ModelVersion]:
        with self._engines.reader.begin() as conn:
            model_pk = find_model(conn, name).model_pk
            return latest_versions(conn, [model_pk], stages).get(model_pk, [])

    def _set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        with self._engines.writer.begin() as conn:
            models.set_registered_model_tag(conn, name, key, value, current_user(), self._clock())

    def _delete_registered_model_tag(self, name: str, key: str) -> None:
        with self._engines.writer.begin() as conn:
            models.delete_registered_model_tag(conn, name, key, current_user(), self._clock())

    # Aliases

    def _set_registered_model_alias(self, name: str, alias: str, version: int) -> None:
        with self._engines.writer.begin() as conn:
            models.set_alias(conn, name, alias, version, current_user(), self._clock())

    def _delete_registered_model_alias(self, name: str, alias: str) -> None:
        with self._engines.writer.begin() as conn:
            models.delete_alias(conn, name, alias, current_user(), self._clock())

    def _get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        with self._engines.reader.begin() as conn:
            return versions.get_model_version(conn, name, models.alias_target(conn, name, alias))

    # Model versions

    def _create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None,
        tags: dict[str, str],
        run_link: str | None,
        description: str | None,
        model_id: str | None,
    ) -> ModelVersion:
        with self._engines.reader.begin() as conn:
            find_model(conn, name)  # a missing model fails before any copying
        resolved = sources.resolve_source(source, run_id, model_id, tags, self._tracking, self)
        # A prompt has no files: its "source" is a placeholder MLflow's prompt registry sends.
        storage_location = (
            source if resolved.root is None else self._storage.copy_in(resolved.root, resolved.path)
        )
        try:
            with self._engines.writer.begin() as conn:
                created = versions.create_model_version(
                    conn,
                    name,
                    source,
                    storage_location,
                    resolved.run_id,
                    tags,
                    run_link,
                    description,
                    resolved.model_id,
                    current_user(),
                    self._clock(),
                )
        except BaseException:
            self._storage.discard(storage_location)
            raise
        if created.model_id:
            self._link_logged_model(created.model_id, created.name, created.version)
        return created

    def _link_logged_model(self, model_id: str, name: str, version: str) -> None:
        """Name the version on its logged model, in the tag MLflow keeps for that. The version is
        committed already: a failure here is logged, not raised."""
        try:
            model = self._tracking.get_logged_model(model_id, allow_deleted=True)
            linked = json.loads(model.info.tags.get(MODEL_VERSIONS_TAG, "[]"))
            entry = {"name": name, "version": version}
            if entry not in linked:
                tag = RunTag(MODEL_VERSIONS_TAG, json.dumps([*linked, entry]))
                self._tracking.set_logged_model_tags(model_id, [tag])
        except (KeelError, ValueError) as exc:  # the logged model may be gone; the version stands
            logger.warning(
                "Could not link %s version %s on logged model %s: %s", name, version, model_id, exc
            )

    def _get_model_version(self, name: str, version: int) -> ModelVersion:
        with self._engines.reader.begin() as conn:
            return versions.get_model_version(conn, name, version)

    def _update_model_version(self, name: str, version: int, description: str | None) -> ModelVersion:
        with self._engines.writer.begin() as conn:
            return versions.update_model_version(
                conn, name, version, description, current_user(), self._clock()
            )

    def _delete_model_version(self, name: str, version: int) -> None:
        with self._engines.writer.begin() as conn:
            location = versions.delete_model_version(conn, name, version, current_user(), self._clock())
        self._storage.discard(location)

    def _search_model_versions(
        self, filter_expr: Expr | None, max_results: int, order_by: list[OrderKey], offset: int
    ) -> PagedList[ModelVersion]:
        with self._engines.reader.begin() as conn:
            return search.search_model_versions(conn, filter_expr, max_results, order_by, offset)

    def _transition_model_version_stage(
        self, name: str, version: int, stage: ModelVersionStage, archive_existing_versions: bool
    ) -> ModelVersion:
        with self._engines.writer.begin() as conn:
            return versions.transition_stage(
                conn, name, version, stage, archive_existing_versions, current_user(), self._clock()
            )

    def _set_model_version_tag(self, name: str, version: int, key: str, value: str) -> None:
        with self._engines.writer.begin() as conn:
            versions.set_model_version_tag(conn, name, version, key, value, current_user(), self._clock())

    def _delete_model_version_tag(self, name: str, version: int, key: str) -> None:
        with self._engines.writer.begin() as conn:
            versions.delete_model_version_tag(conn, name, version, key, current_user(), self._clock())

    def _get_model_version_download_uri(self, name: str, version: int) -> str:
        with self._engines.reader.begin() as conn:
            return versions.version_location(conn, name, version)

    # History

    def _get_registry_history(
        self, name: str | None, max_results: int, offset: int, newest_first: bool
    ) -> PagedList[RegistryEvent]:
        with self._engines.reader.begin() as conn:
            return history.history(conn, name, max_results, offset, newest_first)
