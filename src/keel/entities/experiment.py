"""Experiment: a named group of runs with its own artifact location."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from keel.entities.lifecycle import LifecycleStage

# MLflow 3 reports a workspace on every experiment; keel has one, under MLflow's default name.
DEFAULT_WORKSPACE = "default"


@dataclass(frozen=True, slots=True)
class Experiment:
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE
    creation_time: int | None = None
    last_update_time: int | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "experiment_id": self.experiment_id,
            "name": self.name,
            "artifact_location": self.artifact_location,
            "lifecycle_stage": str(self.lifecycle_stage),
            "workspace": DEFAULT_WORKSPACE,
        }
        if self.last_update_time is not None:
            out["last_update_time"] = self.last_update_time
        if self.creation_time is not None:
            out["creation_time"] = self.creation_time
        if self.tags:
            out["tags"] = [{"key": k, "value": v} for k, v in self.tags.items()]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Experiment:
        return cls(
            experiment_id=str(data["experiment_id"]),
            name=data["name"],
            artifact_location=data.get("artifact_location", ""),
            lifecycle_stage=LifecycleStage(data.get("lifecycle_stage", "active")),
            creation_time=_optional_int(data.get("creation_time")),
            last_update_time=_optional_int(data.get("last_update_time")),
            tags={t["key"]: t.get("value", "") for t in data.get("tags", ())},
        )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)
