"""Client: the explicit tracking API, mirroring ``MlflowClient``'s tracking methods."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from keel.entities import (
    DatasetInput,
    Experiment,
    Metric,
    PagedList,
    Param,
    Run,
    RunInfo,
    RunStatus,
    RunTag,
    ViewType,
)
from keel.errors import KeelError, NotFound
from keel.store.artifacts import ArtifactRepository, get_artifact_repository
from keel.store.tracking.base import SEARCH_MAX_RESULTS_DEFAULT, TrackingStore
from keel.store.tracking.validation import validate_batch
from keel.tracking import artifact_files
from keel.tracking.batcher import batcher_for
from keel.tracking.registry_client import RegistryClient
from keel.tracking.stores import tracking_store_for

if TYPE_CHECKING:
    import os

    from keel.entities.file_info import FileInfo


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class Client(RegistryClient):
    """Experiments, runs, metrics, params, tags and artifacts, addressed by id; and, as a
    ``RegistryClient``, registered models and their versions.

    Args:
        tracking_uri: where to track; defaults to ``KEEL_TRACKING_URI``, ``MLFLOW_TRACKING_URI``
            or the embedded ``./keel-data`` store.

    Example:
        >>> client = Client()
        >>> run = client.create_run(client.create_experiment("demo"))
        >>> client.log_metric(run.info.run_id, "loss", 0.3, step=1)
        >>> client.set_terminated(run.info.run_id)
    """

    def __init__(self, tracking_uri: str | None = None) -> None:
        super().__init__(tracking_uri)
        self.store: TrackingStore = tracking_store_for(self.tracking_uri)

    # Experiments

    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: Mapping[str, Any] | None = None
    ) -> str:
        return self.store.create_experiment(name, artifact_location, _tags(tags))

    def get_experiment(self, experiment_id: str) -> Experiment:
        return self.store.get_experiment(str(experiment_id))

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        return self.store.find_experiment_by_name(name)

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        self.store.rename_experiment(str(experiment_id), new_name)

    def delete_experiment(self, experiment_id: str) -> None:
        self.store.delete_experiment(str(experiment_id))

    def restore_experiment(self, experiment_id: str) -> None:
        self.store.restore_experiment(str(experiment_id))

    def set_experiment_tag(self, experiment_id: str, key: str, value: Any) -> None:
        self.store.set_experiment_tag(str(experiment_id), RunTag(key, str(value)))

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        self.store.delete_experiment_tag(str(experiment_id), key)

    def search_experiments(
        self,
        view_type: ViewType | int | str = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Experiment]:
        return self.store.search_experiments(view_type, max_results, filter_string, order_by, page_token)

    # Runs

    def create_run(
        self,
        experiment_id: str,
        start_time: int | None = None,
        tags: Mapping[str, Any] | None = None,
        run_name: str | None = None,
    ) -> Run:
        tag_list = _tags(tags)
        user = next((t.value for t in tag_list if t.key == "mlflow.user"), "unknown")
        return self.store.create_run(str(experiment_id), user, start_time, tag_list, run_name)

    def get_run(self, run_id: str) -> Run:
        return self.store.get_run(run_id)

    def update_run(
        self, run_id: str, status: RunStatus | str | None = None, name: str | None = None
    ) -> RunInfo:
        return self.store.update_run_info(run_id, status, None, name)

    def set_terminated(
        self, run_id: str, status: RunStatus | str = RunStatus.FINISHED, end_time: int | None = None
    ) -> RunInfo:
        """Flush queued points of the run, then mark it ended (FINISHED, FAILED or KILLED).

        The run is ended even when queued points failed; that failure is raised afterwards.
        """
        end_time = end_time or now_ms()
        try:
            batcher_for(self.store).flush(run_id)
        except KeelError:
            with contextlib.suppress(KeelError):  # the flush error is the one worth raising
                self.store.update_run_info(run_id, status, end_time)
            raise
        return self.store.update_run_info(run_id, status, end_time)

    def delete_run(self, run_id: str) -> None:
        self.store.delete_run(run_id)

    def restore_run(self, run_id: str) -> None:
        self.store.restore_run(run_id)

    def search_runs(
        self,
        experiment_ids: str | Sequence[str],
        filter_string: str = "",
        run_view_type: ViewType | int | str = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        ids = [experiment_ids] if isinstance(experiment_ids, str) else [str(e) for e in experiment_ids]
        return self.store.search_runs(ids, filter_string, run_view_type, max_results, order_by, page_token)

    # Logging

    def log_metric(
        self,
        run_id: str,
        key: str,
        value: float,
        timestamp: int | None = None,
        step: int | None = None,
        synchronous: bool = True,
    ) -> None:
        """Log one point. With ``synchronous=False`` the point is queued and written in the background."""
        metric = Metric(key, value, now_ms() if timestamp is None else timestamp, step or 0)
        if synchronous:
            self.store.log_metric(run_id, metric)
        else:
            batcher_for(self.store).enqueue(run_id, metric)

    def log_param(self, run_id: str, key: str, value: Any) -> Any:
        self.store.log_param(run_id, Param(key, str(value)))
        return value

    def set_tag(self, run_id: str, key: str, value: Any) -> None:
        self.store.set_tag(run_id, RunTag(key, str(value)))

    def delete_tag(self, run_id: str, key: str) -> None:
        self.store.delete_tag(run_id, key)

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
        synchronous: bool = True,
    ) -> None:
        """Log many items at once, all or nothing. With ``synchronous=False`` the metrics are
        checked now and queued in order; params and tags are still written at once."""
        if synchronous:
            self.store.log_batch(run_id, metrics, params, tags)
            return
        checked = validate_batch(metrics, params, tags)
        if params or tags:
            self.store.log_batch(run_id, (), params, tags)
        batcher_for(self.store).enqueue_batch(run_id, checked)

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput]) -> None:
        self.store.log_inputs(run_id, datasets)

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        batcher_for(self.store).flush(run_id)
        return list(self.store.get_metric_history(run_id, key))

    def flush(self, run_id: str | None = None) -> None:
        """Wait until queued points (of one run, or all) are written; raises the first error a write hit."""
        batcher_for(self.store).flush(run_id)

    # Artifacts

    def artifact_repository(self, run_id: str) -> ArtifactRepository:
        return get_artifact_repository(self.get_run(run_id).info.artifact_uri, tracking_uri=self.tracking_uri)

    def log_artifact(
        self, run_id: str, local_path: str | os.PathLike[str], artifact_path: str | None = None
    ) -> None:
        self.artifact_repository(run_id).log_artifact(local_path, artifact_path)

    def log_artifacts(
        self, run_id: str, local_dir: str | os.PathLike[str], artifact_path: str | None = None
    ) -> None:
        self.artifact_repository(run_id).log_artifacts(local_dir, artifact_path)

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        return self.artifact_repository(run_id).list_artifacts(path)

    def download_artifacts(
        self, run_id: str, path: str = "", dst_path: str | os.PathLike[str] | None = None
    ) -> str:
        return self.artifact_repository(run_id).download_artifacts(path, dst_path)

    def log_text(self, run_id: str, text: str, artifact_file: str) -> None:
        self.artifact_repository(run_id).write_bytes(artifact_file, text.encode("utf-8"))

    def log_dict(self, run_id: str, dictionary: Any, artifact_file: str) -> None:
        """JSON, or YAML when ``artifact_file`` ends in ``.yaml``/``.yml``."""
        self.artifact_repository(run_id).write_bytes(
            artifact_file, artifact_files.dict_bytes(dictionary, artifact_file)
        )

    def log_figure(self, run_id: str, figure: Any, artifact_file: str) -> None:
        """A matplotlib or plotly figure, in the format ``artifact_file``'s extension names."""
        self.artifact_repository(run_id).write_bytes(
            artifact_file, artifact_files.figure_bytes(figure, artifact_file)
        )

    def log_image(self, run_id: str, image: Any, artifact_file: str) -> None:
        """A PIL image or a numpy array (HxW, HxWx3 or HxWx4; floats in [0, 1] or ints in [0, 255])."""
        self.artifact_repository(run_id).write_bytes(
            artifact_file, artifact_files.image_bytes(image, artifact_file)
        )

    def log_table(self, run_id: str, data: Any, artifact_file: str) -> None:
        """A dict of columns or a pandas DataFrame, stored as MLflow stores tables (``.json``);
        logging to an existing table appends its rows."""
        repo = self.artifact_repository(run_id)
        try:
            with repo.open_read(artifact_file) as stream:
                existing: bytes | None = stream.read()
        except NotFound:
            existing = None
        repo.write_bytes(artifact_file, artifact_files.table_bytes(data, artifact_file, existing))


def _tags(tags: Mapping[str, Any] | Iterable[RunTag] | None) -> list[RunTag]:
    if not tags:
        return []
    if isinstance(tags, Mapping):
        return [RunTag(k, str(v)) for k, v in tags.items()]
    return list(tags)
