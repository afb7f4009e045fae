"""The model registry: registered models, their versions, aliases and stages, and the registry's history.

Wire shapes are MLflow's (``model_registry.proto``): versions travel as strings, timestamps as epoch
milliseconds, tags as ``[{key, value}]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from keel.errors import InvalidParameter


class ModelVersionStage(StrEnum):
    """MLflow's legacy stages; ``parse`` takes any case, as MLflow does."""

    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"

    @classmethod
    def parse(cls, value: str) -> ModelVersionStage:
        for stage in cls:
            if stage.value.lower() == str(value).strip().lower():
                return stage
        allowed = ", ".join(f"'{s.value}'" for s in cls)
        raise InvalidParameter(f"Invalid Model Version stage: {value}. Value must be one of {allowed}.")


class ModelVersionStatus(StrEnum):
    PENDING_REGISTRATION = "PENDING_REGISTRATION"
    FAILED_REGISTRATION = "FAILED_REGISTRATION"
    READY = "READY"


@dataclass(frozen=True, slots=True)
class RegisteredModelAlias:
    alias: str
    version: str

    def to_dict(self) -> dict[str, str]:
        return {"alias": self.alias, "version": self.version}


def _tags_out(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in tags.items()]


def _tags_in(data: dict[str, Any]) -> dict[str, str]:
    return {t["key"]: t.get("value", "") for t in data.get("tags", ())}


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """One version of a registered model; ``models:/<name>/<version>`` loads it."""

    name: str
    version: str
    creation_timestamp: int
    last_updated_timestamp: int
    source: str
    current_stage: str = ModelVersionStage.NONE.value
    status: str = ModelVersionStatus.READY.value
    user_id: str | None = None
    description: str | None = None
    run_id: str | None = None
    run_link: str | None = None
    status_message: str | None = None
    model_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "creation_timestamp": self.creation_timestamp,
            "last_updated_timestamp": self.last_updated_timestamp,
            "current_stage": self.current_stage,
            "source": self.source,
            "status": self.status,
        }
        for key in ("user_id", "description", "run_id", "run_link", "status_message", "model_id"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.tags:
            out["tags"] = _tags_out(self.tags)
        if self.aliases:
            out["aliases"] = list(self.aliases)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelVersion:
        return cls(
            name=data["name"],
            version=str(data["version"]),
            creation_timestamp=int(data.get("creation_timestamp", 0)),
            last_updated_timestamp=int(data.get("last_updated_timestamp", 0)),
            source=data.get("source", ""),
            current_stage=data.get("current_stage", ModelVersionStage.NONE.value),
            status=data.get("status", ModelVersionStatus.READY.value),
            user_id=data.get("user_id") or None,
            description=data.get("description") or None,
            run_id=data.get("run_id") or None,
            run_link=data.get("run_link") or None,
            status_message=data.get("status_message") or None,
            model_id=data.get("model_id") or None,
            tags=_tags_in(data),
            aliases=tuple(data.get("aliases", ())),
        )


@dataclass(frozen=True, slots=True)
class RegisteredModel:
    """A named model with versions; ``latest_versions`` holds the newest version of each stage."""

    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    user_id: str | None = None
    description: str | None = None
    latest_versions: tuple[ModelVersion, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    aliases: tuple[RegisteredModelAlias, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "creation_timestamp": self.creation_timestamp,
            "last_updated_timestamp": self.last_updated_timestamp,
        }
        if self.user_id:
            out["user_id"] = self.user_id
        if self.description:
            out["description"] = self.description
        if self.latest_versions:
            out["latest_versions"] = [v.to_dict() for v in self.latest_versions]
        if self.tags:
            out["tags"] = _tags_out(self.tags)
        if self.aliases:
            out["aliases"] = [a.to_dict() for a in self.aliases]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RegisteredModel:
        return cls(
            name=data["name"],
            creation_timestamp=int(data.get("creation_timestamp", 0)),
            last_updated_timestamp=int(data.get("last_updated_timestamp", 0)),
            user_id=data.get("user_id") or None,
            description=data.get("description") or None,
            latest_versions=tuple(ModelVersion.from_dict(v) for v in data.get("latest_versions", ())),
            tags=_tags_in(data),
            aliases=tuple(
                RegisteredModelAlias(a["alias"], str(a["version"])) for a in data.get("aliases", ())
            ),
        )


class RegistryAction(StrEnum):
    """What a registry event records, as ``<entity>.<action>``; webhooks subscribe to these.

    MLflow's webhook events keep their names (``model_version_alias.created`` when an alias is set
    or moved); the others are keel's, for the audit history and keel's webhooks.
    """

    MODEL_CREATED = "registered_model.created"
    MODEL_RENAMED = "registered_model.renamed"
    MODEL_UPDATED = "registered_model.updated"
    MODEL_DELETED = "registered_model.deleted"
    MODEL_TAG_SET = "registered_model_tag.set"
    MODEL_TAG_DELETED = "registered_model_tag.deleted"
    VERSION_CREATED = "model_version.created"
    VERSION_UPDATED = "model_version.updated"
    VERSION_DELETED = "model_version.deleted"
    STAGE_CHANGED = "model_version.stage_changed"
    VERSION_TAG_SET = "model_version_tag.set"
    VERSION_TAG_DELETED = "model_version_tag.deleted"
    ALIAS_SET = "model_version_alias.created"
    ALIAS_DELETED = "model_version_alias.deleted"


@dataclass(frozen=True, slots=True)
class RegistryEvent:
    """One change to the registry: who made it, when, and the value before and after.

    ``key`` names what changed within the model or version: a tag key, an alias, or ``stage``,
    ``description`` or ``name``.
    """

    event_id: int
    timestamp: int
    action: str
    name: str
    user_id: str | None = None
    version: str | None = None
    key: str | None = None
    from_value: str | None = None
    to_value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "event_id": self.event_id,
            "timestamp": self.timestamp,
            "action": self.action,
            "name": self.name,
        }
        for key in ("user_id", "version", "key", "from_value", "to_value"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RegistryEvent:
        return cls(
            event_id=int(data["event_id"]),
            timestamp=int(data["timestamp"]),
            action=data["action"],
            name=data["name"],
            user_id=data.get("user_id"),
            version=data.get("version"),
            key=data.get("key"),
            from_value=data.get("from_value"),
            to_value=data.get("to_value"),
        )
