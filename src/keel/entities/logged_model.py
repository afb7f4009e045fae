"""LoggedModel: a model logged to an experiment (MLflow 3), its status, params, tags, and run outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from keel.entities.metric import Metric, Param, RunTag
from keel.errors import InvalidParameter

LoggedModelTag = RunTag
LoggedModelParameter = Param


class LoggedModelStatus(StrEnum):
    """Spelled as on the wire; ``parse`` also takes the proto numbers and MLflow's short names."""

    UNSPECIFIED = "LOGGED_MODEL_STATUS_UNSPECIFIED"
    PENDING = "LOGGED_MODEL_PENDING"
    READY = "LOGGED_MODEL_READY"
    UPLOAD_FAILED = "LOGGED_MODEL_UPLOAD_FAILED"

    @classmethod
    def parse(cls, value: LoggedModelStatus | int | str) -> LoggedModelStatus:
        """``LOGGED_MODEL_READY``, ``READY``, ``2`` or ``"2"`` all name READY; anything else is an error."""
        if isinstance(value, cls):
            return value
        text = str(value).strip().upper()
        if text.isdigit():
            members = list(cls)
            if int(text) < len(members):
                return members[int(text)]
        else:
            found = _STATUS_NAMES.get(text.removeprefix("LOGGED_MODEL_"))
            if found is not None:
                return found
        allowed = ", ".join(cls)
        raise InvalidParameter(f"Invalid logged model status {value!r}. Allowed values: {allowed}")


_STATUS_NAMES = {
    "STATUS_UNSPECIFIED": LoggedModelStatus.UNSPECIFIED,
    "UNSPECIFIED": LoggedModelStatus.UNSPECIFIED,
    "PENDING": LoggedModelStatus.PENDING,
    "READY": LoggedModelStatus.READY,
    "UPLOAD_FAILED": LoggedModelStatus.UPLOAD_FAILED,
    "FAILED": LoggedModelStatus.UPLOAD_FAILED,
}


@dataclass(frozen=True, slots=True)
class LoggedModelRegistration:
    """A registered model version created from the logged model."""

    name: str
    version: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version}


@dataclass(frozen=True, slots=True)
class LoggedModelInfo:
    model_id: str
    experiment_id: str
    name: str
    artifact_uri: str
    creation_timestamp_ms: int
    last_updated_timestamp_ms: int
    status: LoggedModelStatus = LoggedModelStatus.PENDING
    model_type: str | None = None
    source_run_id: str | None = None
    status_message: str | None = None
    creator_id: int | None = None
    tags: dict[str, str] = field(default_factory=dict)
    registrations: tuple[LoggedModelRegistration, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model_id": self.model_id,
            "experiment_id": self.experiment_id,
            "name": self.name,
            "creation_timestamp_ms": self.creation_timestamp_ms,
            "last_updated_timestamp_ms": self.last_updated_timestamp_ms,
            "artifact_uri": self.artifact_uri,
            "status": str(self.status),
        }
        for key in ("creator_id", "model_type", "source_run_id", "status_message"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.tags:
            out["tags"] = [{"key": k, "value": v} for k, v in self.tags.items()]
        if self.registrations:
            out["registrations"] = [r.to_dict() for r in self.registrations]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoggedModelInfo:
        creator_id = data.get("creator_id")
        return cls(
            model_id=data["model_id"],
            experiment_id=str(data["experiment_id"]),
            name=data.get("name", ""),
            artifact_uri=data.get("artifact_uri", ""),
            # MLflow servers may send int64 fields as JSON strings.
            creation_timestamp_ms=int(data.get("creation_timestamp_ms", 0)),
            last_updated_timestamp_ms=int(data.get("last_updated_timestamp_ms", 0)),
            status=LoggedModelStatus.parse(data.get("status", LoggedModelStatus.UNSPECIFIED)),
            model_type=data.get("model_type"),
            source_run_id=data.get("source_run_id"),
            status_message=data.get("status_message"),
            creator_id=None if creator_id is None else int(creator_id),
            tags={t["key"]: t.get("value", "") for t in data.get("tags", ())},
            registrations=tuple(
                LoggedModelRegistration(r["name"], str(r["version"])) for r in data.get("registrations", ())
            ),
        )


@dataclass(frozen=True, slots=True)
class LoggedModelData:
    """Params fixed when the model was logged, and the metrics linked to it."""

    params: dict[str, str] = field(default_factory=dict)
    metrics: tuple[Metric, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.params:
            out["params"] = [{"key": k, "value": v} for k, v in self.params.items()]
        if self.metrics:
            out["metrics"] = [m.to_dict() for m in self.metrics]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoggedModelData:
        return cls(
            params={p["key"]: p.get("value", "") for p in data.get("params", ())},
            metrics=tuple(Metric.from_dict(m) for m in data.get("metrics", ())),
        )


@dataclass(frozen=True, slots=True)
class LoggedModel:
    """A logged model; ``models:/<model_id>`` resolves to its ``artifact_uri``."""

    info: LoggedModelInfo
    data: LoggedModelData = field(default_factory=LoggedModelData)

    @property
    def model_id(self) -> str:
        return self.info.model_id

    @property
    def model_uri(self) -> str:
        return f"models:/{self.info.model_id}"

    def to_dict(self) -> dict[str, Any]:
        return {"info": self.info.to_dict(), "data": self.data.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoggedModel:
        return cls(LoggedModelInfo.from_dict(data["info"]), LoggedModelData.from_dict(data.get("data", {})))


@dataclass(frozen=True, slots=True)
class LoggedModelOutput:
    """A logged model as one run's output, produced at ``step``."""

    model_id: str
    step: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "step": self.step}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoggedModelOutput:
        return cls(model_id=data["model_id"], step=int(data.get("step", 0)))
