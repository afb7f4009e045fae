"""Entities read from request JSON, each field type-checked with its path for error messages."""

from __future__ import annotations

from typing import Any

from keel.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag
from keel.server.wire import Kind, item


def metric(obj: dict[str, Any], path: str) -> Metric:
    # The common case of a log-batch: plain JSON types under snake_case names, taken as they are.
    key, value, timestamp, step = obj.get("key"), obj.get("value"), obj.get("timestamp"), obj.get("step", 0)
    if (
        type(key) is str
        and type(value) in (float, int)
        and type(timestamp) is int
        and type(step) is int
        and len(obj) <= 4
    ):
        return Metric(key, float(value), timestamp, step)  # type: ignore[arg-type]
    step = item(obj, path, "step", Kind.INT, required=False)
    return Metric(
        key=item(obj, path, "key", Kind.STRING),
        value=item(obj, path, "value", Kind.DOUBLE),
        timestamp=item(obj, path, "timestamp", Kind.INT),
        step=0 if step is None else step,
    )


def param(obj: dict[str, Any], path: str) -> Param:
    value = item(obj, path, "value", Kind.STRING, required=False)
    return Param(item(obj, path, "key", Kind.STRING), "" if value is None else value)


def tag(obj: dict[str, Any], path: str) -> RunTag:
    value = item(obj, path, "value", Kind.STRING, required=False)
    return RunTag(item(obj, path, "key", Kind.STRING), "" if value is None else value)


def metrics(objs: list[dict[str, Any]] | None, name: str = "metrics") -> list[Metric]:
    return [metric(o, f"{name}[{i}]") for i, o in enumerate(objs or ())]


def params(objs: list[dict[str, Any]] | None, name: str = "params") -> list[Param]:
    return [param(o, f"{name}[{i}]") for i, o in enumerate(objs or ())]


def tags(objs: list[dict[str, Any]] | None, name: str = "tags") -> list[RunTag]:
    return [tag(o, f"{name}[{i}]") for i, o in enumerate(objs or ())]


def dataset_input(obj: dict[str, Any], path: str) -> DatasetInput:
    ds = item(obj, path, "dataset", Kind.OBJECT)
    where = f"{path}.dataset"
    dataset = Dataset(
        name=item(ds, where, "name", Kind.STRING),
        digest=item(ds, where, "digest", Kind.STRING),
        source_type=item(ds, where, "source_type", Kind.STRING),
        source=item(ds, where, "source", Kind.STRING),
        schema=item(ds, where, "schema", Kind.STRING, required=False),
        profile=item(ds, where, "profile", Kind.STRING, required=False),
    )
    raw_tags = item(obj, path, "tags", Kind.OBJECT_LIST, required=False) or []
    input_tags = tuple(
        InputTag(
            item(t, f"{path}.tags[{i}]", "key", Kind.STRING),
            item(t, f"{path}.tags[{i}]", "value", Kind.STRING),
        )
        for i, t in enumerate(raw_tags)
    )
    return DatasetInput(dataset, input_tags)
