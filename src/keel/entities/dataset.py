"""Datasets logged as run inputs: what the run read, identified by name and digest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    digest: str
    source_type: str
    source: str
    schema: str | None = None
    profile: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "digest": self.digest,
            "source_type": self.source_type,
            "source": self.source,
        }
        if self.schema is not None:
            out["schema"] = self.schema
        if self.profile is not None:
            out["profile"] = self.profile
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dataset:
        return cls(
            name=data["name"],
            digest=data["digest"],
            source_type=data["source_type"],
            source=data["source"],
            schema=data.get("schema"),
            profile=data.get("profile"),
        )


@dataclass(frozen=True, slots=True)
class InputTag:
    key: str
    value: str

    def to_dict(self) -> dict[str, str]:
        return {"key": self.key, "value": self.value}


@dataclass(frozen=True, slots=True)
class DatasetInput:
    """A dataset as one run's input, with tags such as ``mlflow.data.context = training``."""

    dataset: Dataset
    tags: tuple[InputTag, ...] = field(default=())

    @property
    def context(self) -> str | None:
        return next((t.value for t in self.tags if t.key == "mlflow.data.context"), None)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dataset": self.dataset.to_dict()}
        if self.tags:
            out["tags"] = [t.to_dict() for t in self.tags]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DatasetInput:
        tags = tuple(InputTag(t["key"], t["value"]) for t in data.get("tags", ()))
        return cls(dataset=Dataset.from_dict(data["dataset"]), tags=tags)
