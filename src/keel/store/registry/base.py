"""The registry store interface: public methods validate, then hand over to the backend.

Backends (SQL, REST) implement the ``_``-prefixed methods and can assume valid input.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from keel.entities import ModelVersionStage
from keel.errors import InvalidParameter, NotFound
from keel.search import (
    parse_model_version_filter,
    parse_model_version_order_by,
    parse_registered_model_filter,
    parse_registered_model_order_by,
)
from keel.store.pagination import decode_offset_token
from keel.store.registry import validation as rv
from keel.store.tracking import validation as v

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from keel.entities import ModelVersion, PagedList, RegisteredModel, RegistryEvent
    from keel.search.ast import Expr, OrderKey


def _tag_items(tags: Mapping[str, str] | None) -> dict[str, str]:
    items = dict(tags or {})
    for key, value in items.items():
        rv.validate_registry_tag(key, value)
    return items


class RegistryStore(abc.ABC):
    """Registered models, their versions, tags, aliases and stages, and the history of changes."""

    # Registered models

    def create_registered_model(
        self, name: str, tags: Mapping[str, str] | None = None, description: str | None = None
    ) -> RegisteredModel:
        """Raises ``AlreadyExists`` when a model of that name exists."""
        name = rv.validate_model_name(name)
        return self._create_registered_model(name, _tag_items(tags), rv.validate_description(description))

    def get_registered_model(self, name: str) -> RegisteredModel:
        return self._get_registered_model(rv.validate_model_name(name))

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        name = rv.validate_model_name(name)
        return self._rename_registered_model(name, rv.validate_model_name(new_name, "new_name"))

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        name = rv.validate_model_name(name)
        return self._update_registered_model(name, rv.validate_description(description))

    def delete_registered_model(self, name: str) -> None:
        """Delete the model, its versions, tags and aliases; the history keeps the record."""
        self._delete_registered_model(rv.validate_model_name(name))

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = rv.SEARCH_REGISTERED_MODELS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        """Models matching ``filter_string`` (``name``, ``tags.<key>``), by ``name ASC`` unless ordered."""
        v.validate_max_results(max_results, rv.SEARCH_REGISTERED_MODELS_MAX)
        return self._search_registered_models(
            parse_registered_model_filter(filter_string),
            max_results,
            parse_registered_model_order_by(order_by),
            decode_offset_token(page_token),
        )

    def get_latest_versions(self, name: str, stages: Sequence[str] | None = None) -> list[ModelVersion]:
        """The newest version in each of ``stages`` (every stage when none are given)."""
        name = rv.validate_model_name(name)
        wanted = [ModelVersionStage.parse(s) for s in stages or ()]
        return self._get_latest_versions(name, wanted)

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        rv.validate_registry_tag(key, value)
        self._set_registered_model_tag(rv.validate_model_name(name), key, value)

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        v.validate_string("key", key)
        self._delete_registered_model_tag(rv.validate_model_name(name), key)

    # Aliases

    def set_registered_model_alias(self, name: str, alias: str, version: str | int) -> None:
        """Point ``alias`` at ``version``, moving it if it named another version."""
        name = rv.validate_model_name(name)
        self._set_registered_model_alias(name, rv.validate_new_alias(alias), rv.validate_version(version))

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        name = rv.validate_model_name(name)
        self._delete_registered_model_alias(name, rv.validate_alias(alias))

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """The version ``alias`` points at; ``latest`` is the newest version, as in MLflow."""
        name = rv.validate_model_name(name)
        alias = rv.validate_alias(alias)
        if alias.lower() == rv.LATEST_ALIAS:
            newest = self._get_latest_versions(name, [])
            if not newest:
                raise NotFound(f"Registered model '{name}' has no versions")
            return max(newest, key=lambda version: int(version.version))
        return self._get_model_version_by_alias(name, alias)

    # Model versions

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        run_link: str | None = None,
        description: str | None = None,
        model_id: str | None = None,
    ) -> ModelVersion:
        """A new version from ``source``: a run's or logged model's artifacts, or another version.

        Raises:
            InvalidParameter: for a source outside the artifacts of ``run_id`` / ``model_id``
                (arbitrary local paths, internal URLs, ``..`` segments) — nothing is written.
        """
        name = rv.validate_model_name(name)
        v.validate_string("source", source)
        if not source.strip():
            raise InvalidParameter("Missing value for required parameter 'source'.")
        if run_id:
            v.validate_run_id(run_id)
        if run_link is not None:
            v.validate_string("run_link", run_link)
        if model_id is not None:
            v.validate_string("model_id", model_id)
        return self._create_model_version(
            name,
            source,
            run_id or None,
            _tag_items(tags),
            run_link or None,
            rv.validate_description(description),
            model_id or None,
        )

    def get_model_version(self, name: str, version: str | int) -> ModelVersion:
        return self._get_model_version(rv.validate_model_name(name), rv.validate_version(version))

    def update_model_version(self, name: str, version: str | int, description: str | None) -> ModelVersion:
        name = rv.validate_model_name(name)
        number = rv.validate_version(version)
        return self._update_model_version(name, number, rv.validate_description(description))

    def delete_model_version(self, name: str, version: str | int) -> None:
        self._delete_model_version(rv.validate_model_name(name), rv.validate_version(version))

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = rv.SEARCH_MODEL_VERSIONS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        """Versions matching ``filter_string`` (``name``, ``version_number``, ``run_id``,
        ``source_path``, ``tags.<key>``), by ``name ASC, version_number DESC`` unless ordered."""
        v.validate_max_results(max_results, rv.SEARCH_MODEL_VERSIONS_MAX)
        return self._search_model_versions(
            parse_model_version_filter(filter_string),
            max_results,
            parse_model_version_order_by(order_by),
            decode_offset_token(page_token),
        )

    def transition_model_version_stage(
        self, name: str, version: str | int, stage: str, archive_existing_versions: bool = False
    ) -> ModelVersion:
        """Move the version to ``stage``; with ``archive_existing_versions``, the versions already in a
        Staging or Production target stage move to Archived."""
        name = rv.validate_model_name(name)
        number = rv.validate_version(version)
        target = ModelVersionStage.parse(stage)
        if archive_existing_versions and target not in (
            ModelVersionStage.STAGING,
            ModelVersionStage.PRODUCTION,
        ):
            raise InvalidParameter(
                f"Model version transition cannot archive existing model versions because '{target}' "
                "is not an Active stage. Valid stages are Staging and Production."
            )
        return self._transition_model_version_stage(name, number, target, archive_existing_versions)

    def set_model_version_tag(self, name: str, version: str | int, key: str, value: str) -> None:
        rv.validate_registry_tag(key, value)
        self._set_model_version_tag(rv.validate_model_name(name), rv.validate_version(version), key, value)

    def delete_model_version_tag(self, name: str, version: str | int, key: str) -> None:
        v.validate_string("key", key)
        self._delete_model_version_tag(rv.validate_model_name(name), rv.validate_version(version), key)

    def resolve_model_version(self, reference: str) -> ModelVersion:
        """The version a ``models:/`` URI names, without the scheme: ``<name>/<version>``,
        ``<name>/<stage>``, ``<name>/latest`` or ``<name>@<alias>``.

        Raises:
            InvalidParameter: for a reference of another shape, or an unknown stage or alias.
            NotFound: when the model, the version, or any version in the stage is missing.
        """
        name, at, alias = reference.partition("@")
        if at:
            return self.get_model_version_by_alias(name, alias)
        name, slash, selector = reference.partition("/")
        if not slash or not selector or "/" in selector:
            raise InvalidParameter(
                f"Invalid model reference '{reference}': expected <name>/<version>, <name>/<stage>, "
                "<name>/latest or <name>@<alias>"
            )
        number = rv.parse_version_number(selector)
        if number is not None:
            return self.get_model_version(name, number)
        stages = None if selector.lower() == rv.LATEST_ALIAS else [selector]
        candidates = self.get_latest_versions(name, stages)
        if not candidates:
            raise NotFound(f"No version of registered model '{name}' is in '{selector}'")
        return max(candidates, key=lambda version: int(version.version))

    def get_model_version_download_uri(self, name: str, version: str | int) -> str:
        """Where the version's files are (the registry's copy)."""
        return self._get_model_version_download_uri(
            rv.validate_model_name(name), rv.validate_version(version)
        )

    # History

    def get_registry_history(
        self,
        name: str | None = None,
        max_results: int = 1000,
        page_token: str | None = None,
        newest_first: bool = False,
    ) -> PagedList[RegistryEvent]:
        """Every recorded change (of one model, or all), oldest first: who, when, from and to.

        A model's history follows it across renames, and starts at its latest creation (a deleted
        model of the same name was another model).
        """
        if name is not None:
            name = rv.validate_model_name(name)
        v.validate_max_results(max_results, rv.SEARCH_MODEL_VERSIONS_MAX)
        return self._get_registry_history(name, max_results, decode_offset_token(page_token), newest_first)

    def close(self) -> None:  # noqa: B027 - stores holding nothing need not override it
        """Release connections; the SQL store shares its engines with the tracking store."""

    # Backend hooks

    @abc.abstractmethod
    def _create_registered_model(
        self, name: str, tags: dict[str, str], description: str | None
    ) -> RegisteredModel: ...

    @abc.abstractmethod
    def _get_registered_model(self, name: str) -> RegisteredModel: ...

    @abc.abstractmethod
    def _rename_registered_model(self, name: str, new_name: str) -> RegisteredModel: ...

    @abc.abstractmethod
    def _update_registered_model(self, name: str, description: str | None) -> RegisteredModel: ...

    @abc.abstractmethod
    def _delete_registered_model(self, name: str) -> None: ...

    @abc.abstractmethod
    def _search_registered_models(
        self, filter_expr: Expr | None, max_results: int, order_by: list[OrderKey], offset: int
    ) -> PagedList[RegisteredModel]: ...

    @abc.abstractmethod
    def _get_latest_versions(self, name: str, stages: list[ModelVersionStage]) -> list[ModelVersion]: ...

    @abc.abstractmethod
    def _set_registered_model_tag(self, name: str, key: str, value: str) -> None: ...

    @abc.abstractmethod
    def _delete_registered_model_tag(self, name: str, key: str) -> None: ...

    @abc.abstractmethod
    def _set_registered_model_alias(self, name: str, alias: str, version: int) -> None: ...

    @abc.abstractmethod
    def _delete_registered_model_alias(self, name: str, alias: str) -> None: ...

    @abc.abstractmethod
    def _get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion: ...

    @abc.abstractmethod
    def _create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None,
        tags: dict[str, str],
        run_link: str | None,
        description: str | None,
        model_id: str | None,
    ) -> ModelVersion: ...

    @abc.abstractmethod
    def _get_model_version(self, name: str, version: int) -> ModelVersion: ...

    @abc.abstractmethod
    def _update_model_version(self, name: str, version: int, description: str | None) -> ModelVersion: ...

    @abc.abstractmethod
    def _delete_model_version(self, name: str, version: int) -> None: ...

    @abc.abstractmethod
    def _search_model_versions(
        self, filter_expr: Expr | None, max_results: int, order_by: list[OrderKey], offset: int
    ) -> PagedList[ModelVersion]: ...

    @abc.abstractmethod
    def _transition_model_version_stage(
        self, name: str, version: int, stage: ModelVersionStage, archive_existing_versions: bool
    ) -> ModelVersion: ...

    @abc.abstractmethod
    def _set_model_version_tag(self, name: str, version: int, key: str, value: str) -> None: ...

    @abc.abstractmethod
    def _delete_model_version_tag(self, name: str, version: int, key: str) -> None: ...

    @abc.abstractmethod
    def _get_model_version_download_uri(self, name: str, version: int) -> str: ...

    @abc.abstractmethod
    def _get_registry_history(
        self, name: str | None, max_results: int, offset: int, newest_first: bool
    ) -> PagedList[RegistryEvent]: ...
