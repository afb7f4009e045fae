"""Runs as a pandas DataFrame with MLflow's columns: info, then ``metrics.*``, ``params.*``, ``tags.*``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Sequence

    from keel.entities import Run

INFO_COLUMNS = ("run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time")


def runs_to_frame(runs: Sequence[Run]) -> pd.DataFrame:
    columns: dict[str, list[Any]] = {name: [] for name in INFO_COLUMNS}
    metric_keys = sorted({k for r in runs for k in r.data.metrics})
    param_keys = sorted({k for r in runs for k in r.data.params})
    tag_keys = sorted({k for r in runs for k in r.data.tags})
    for prefix, keys in (("metrics", metric_keys), ("params", param_keys), ("tags", tag_keys)):
        for key in keys:
            columns[f"{prefix}.{key}"] = []
    for run in runs:
        info = run.info
        columns["run_id"].append(info.run_id)
        columns["experiment_id"].append(info.experiment_id)
        columns["status"].append(str(info.status))
        columns["artifact_uri"].append(info.artifact_uri)
        columns["start_time"].append(info.start_time)
        columns["end_time"].append(info.end_time)
        metrics, params, tags = run.data.metrics, run.data.params, run.data.tags
        for key in metric_keys:
            columns[f"metrics.{key}"].append(metrics.get(key))
        for key in param_keys:
            columns[f"params.{key}"].append(params.get(key))
        for key in tag_keys:
            columns[f"tags.{key}"].append(tags.get(key))
    frame = pd.DataFrame(columns)
    for name in ("start_time", "end_time"):
        frame[name] = pd.to_datetime(frame[name], unit="ms", utc=True)
    for key in metric_keys:
        frame[f"metrics.{key}"] = frame[f"metrics.{key}"].astype("float64")
    return frame
