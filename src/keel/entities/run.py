"""Run: one execution of training code — its info, logged data, inputs and outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from keel.entities.dataset import DatasetInput
from keel.entities.lifecycle import LifecycleStage, RunStatus
from keel.entities.logged_model import LoggedModelOutput
from keel.entities.metric import Metric


@dataclass(frozen=True, slots=True)
class RunInfo:
    run_id: str
    experiment_id: str
    run_name: str
    user_id: str
    status: RunStatus
    start_time: int
    end_time: int | None
    artifact_uri: str
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE

    @property
    def run_uuid(self) -> str:
        return self.run_id

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "run_id": self.run_id,
            "run_uuid": self.run_id,
            "run_name": self.run_name,
            "experiment_id": self.experiment_id,
            "user_id": self.user_id,
            "status": str(self.status),
            "start_time": self.start_time,
            "artifact_uri": self.artifact_uri,
            "lifecycle_stage": str(self.lifecycle_stage),
        }
        if self.end_time is not None:
            out["end_time"] = self.end_time
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunInfo:
        end_time = data.get("end_time")
        return cls(
            run_id=data.get("run_id") or data["run_uuid"],
            experiment_id=str(data["experiment_id"]),
            run_name=data.get("run_name", ""),
            user_id=data.get("user_id", ""),
            status=RunStatus(data.get("status", "RUNNING")),
            start_time=int(data.get("start_time", 0)),
            end_time=None if end_time is None else int(end_time),
            artifact_uri=data.get("artifact_uri", ""),
            lifecycle_stage=LifecycleStage(data.get("lifecycle_stage", "active")),
        )


@dataclass(frozen=True, slots=True)
class RunData:
    """What was logged: the latest value of each metric, params and tags.

    ``metrics``, ``params`` and ``tags`` are dicts keyed by name, as in MLflow;
    ``latest_metrics`` keeps the step and timestamp of each latest value.
    """

    latest_metrics: tuple[Metric, ...] = ()
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def metrics(self) -> dict[str, float]:
        return {m.key: m.value for m in self.latest_metrics}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.latest_metrics:
            out["metrics"] = [m.to_dict() for m in self.latest_metrics]
        if self.params:
            out["params"] = [{"key": k, "value": v} for k, v in self.params.items()]
        if self.tags:
            out["tags"] = [{"key": k, "value": v} for k, v in self.tags.items()]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunData:
        return cls(
            latest_metrics=tuple(Metric.from_dict(m) for m in data.get("metrics", ())),
            params={p["key"]: p.get("value", "") for p in data.get("params", ())},
            tags={t["key"]: t.get("value", "") for t in data.get("tags", ())},
        )


@dataclass(frozen=True, slots=True)
class RunInputs:
    dataset_inputs: tuple[DatasetInput, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        if not self.dataset_inputs:
            return {}
        return {"dataset_inputs": [d.to_dict() for d in self.dataset_inputs]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunInputs:
        return cls(tuple(DatasetInput.from_dict(d) for d in data.get("dataset_inputs", ())))


@dataclass(frozen=True, slots=True)
class RunOutputs:
    """What the run produced: logged models, each with the step it was logged at."""

    model_outputs: tuple[LoggedModelOutput, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        if not self.model_outputs:
            return {}
        return {"model_outputs": [m.to_dict() for m in self.model_outputs]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunOutputs:
        return cls(tuple(LoggedModelOutput.from_dict(m) for m in data.get("model_outputs", ())))


@dataclass(frozen=True, slots=True)
class Run:
    info: RunInfo
    data: RunData = field(default_factory=RunData)
    inputs: RunInputs = field(default_factory=RunInputs)
    outputs: RunOutputs = field(default_factory=RunOutputs)

    def to_dict(self, with_outputs: bool = True) -> dict[str, Any]:
        """MLflow's JSON; ``runs/create`` answers without ``outputs``, every other call with it."""
        out = {"info": self.info.to_dict(), "data": self.data.to_dict(), "inputs": self.inputs.to_dict()}
        if with_outputs:
            out["outputs"] = self.outputs.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Run:
        return cls(
            info=RunInfo.from_dict(data["info"]),
            data=RunData.from_dict(data.get("data", {})),
            inputs=RunInputs.from_dict(data.get("inputs", {})),
            outputs=RunOutputs.from_dict(data.get("outputs", {})),
        )
