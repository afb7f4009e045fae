"""Logging a model to tracking, MLflow 3's way: a logged model, its files, and the run's output.

1. ``create_logged_model`` (PENDING) in the run's experiment, with the run's params and the source tags;
2. ``log_outputs`` records the model as the run's output;
3. the flavor saves the model into a temporary directory (its ``save_model``, with the model and the
   options bound), uploaded to the logged model's artifact location
   ``<experiment location>/models/<model_id>/artifacts``;
4. ``finalize_logged_model``: READY, or UPLOAD_FAILED if anything above failed.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from keel.entities import LoggedModelOutput, LoggedModelStatus, Param, RunTag
from keel.models.mlmodel import Model
from keel.store.artifacts import get_artifact_repository
from keel.tracking import context, fluent
from keel.tracking.client import Client

if TYPE_CHECKING:
    from collections.abc import Mapping

    from keel.models.signature import ModelSignature


class SaveModel(Protocol):
    """A flavor's ``save_model`` with the model and its options bound: writes the model into a new
    directory, filling in the given MLmodel."""

    def __call__(self, path: Path, *, mlflow_model: Model) -> None: ...


@dataclass(frozen=True)
class ModelInfo:
    """What ``log_model`` returns: where the model is and what its MLmodel file says."""

    model_id: str
    model_uri: str
    name: str
    run_id: str
    artifact_path: str
    flavors: dict[str, Any]
    signature: ModelSignature | None
    saved_input_example_info: dict[str, Any] | None
    model_uuid: str
    utc_time_created: str
    metadata: dict[str, Any] | None


def log_model(
    save: SaveModel,
    name: str,
    *,
    model_type: str | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    step: int = 0,
    metadata: dict[str, Any] | None = None,
) -> ModelInfo:
    """Log the model ``save`` writes as a logged model of the active run (started if there is none).

    Raises:
        KeelError: what the tracking store or artifact repository raised; the logged model is then
            marked UPLOAD_FAILED.
    """
    active = fluent.active_run() or fluent.start_run()
    client = Client()
    run = client.get_run(active.info.run_id)
    run_id = run.info.run_id
    all_params = {**{k: str(v) for k, v in (params or {}).items()}, **run.data.params}
    all_tags = {**context.default_run_tags(), **{k: str(v) for k, v in (tags or {}).items()}}
    logged = client.store.create_logged_model(
        run.info.experiment_id,
        name=name,
        model_type=model_type,
        source_run_id=run_id,
        params=[Param(k, v) for k, v in all_params.items()],
        tags=[RunTag(k, v) for k, v in all_tags.items()],
    )
    model_id = logged.info.model_id
    try:
        client.store.log_outputs(run_id, [LoggedModelOutput(model_id, step)])
        meta = Model(
            artifact_path=logged.info.artifact_uri,
            run_id=run_id,
            model_uuid=model_id,
            model_id=model_id,
            metadata=metadata,
        )
        with tempfile.TemporaryDirectory(prefix="keel-log-model-") as tmp:
            local = Path(tmp) / "model"
            save(local, mlflow_model=meta)
            repository = get_artifact_repository(logged.info.artifact_uri, tracking_uri=client.tracking_uri)
            repository.log_artifacts(local)
    except BaseException:
        client.store.finalize_logged_model(model_id, LoggedModelStatus.UPLOAD_FAILED)
        raise
    client.store.finalize_logged_model(model_id, LoggedModelStatus.READY)
    return ModelInfo(
        model_id=model_id,
        model_uri=f"models:/{model_id}",
        name=name,
        run_id=run_id,
        artifact_path=logged.info.artifact_uri,
        flavors=meta.flavors,
        signature=meta.signature,
        saved_input_example_info=meta.saved_input_example_info,
        model_uuid=meta.model_uuid,
        utc_time_created=meta.utc_time_created,
        metadata=meta.metadata,
    )
