"""Metric, Param and RunTag: the key/value entities logged to a run."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


def encode_float(value: float) -> float | str:
    """MLflow's JSON for doubles: NaN and the infinities travel as strings."""
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def decode_float(value: float | int | str) -> float:
    if isinstance(value, str):
        return float(value)  # float() reads "NaN", "Infinity" and "-Infinity"
    return float(value)


@dataclass(frozen=True, slots=True)
class Metric:
    """One point of a metric series: ``value`` at ``step``, logged at ``timestamp`` (epoch ms)."""

    key: str
    value: float
    timestamp: int
    step: int = 0
    run_id: str | None = None

    def to_dict(self, with_run_id: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "value": encode_float(self.value),
            "timestamp": self.timestamp,
            "step": self.step,
        }
        if with_run_id and self.run_id is not None:
            out["run_id"] = self.run_id
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metric:
        return cls(
            key=data["key"],
            value=decode_float(data["value"]),
            timestamp=int(data.get("timestamp", 0)),
            step=int(data.get("step", 0)),
            run_id=data.get("run_id"),
        )


@dataclass(frozen=True, slots=True)
class Param:
    key: str
    value: str

    def to_dict(self) -> dict[str, str]:
        return {"key": self.key, "value": self.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Param:
        return cls(key=data["key"], value=str(data.get("value", "")))


@dataclass(frozen=True, slots=True)
class RunTag:
    key: str
    value: str

    def to_dict(self) -> dict[str, str]:
        return {"key": self.key, "value": self.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunTag:
        return cls(key=data["key"], value=str(data.get("value", "")))


ExperimentTag = RunTag
