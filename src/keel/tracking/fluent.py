"""The fluent API: ``keel.start_run``, ``keel.log_metric`` … acting on the active run.

The active-run stack is the only run state and lives in a ContextVar, so each thread
(and each asyncio task) has its own. The tracking URI and the active experiment are
process-wide settings, as in MLflow.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal

from keel.entities import (
    DatasetInput,
    Experiment,
    InputTag,
    LifecycleStage,
    Metric,
    Param,
    Run,
    RunStatus,
    RunTag,
    ViewType,
)
from keel.errors import InvalidParameter, KeelError
from keel.store.tracking.validation import MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH
from keel.tracking import context
from keel.tracking.client import Client
from keel.tracking.stores import is_open
from keel.tracking.uris import get_tracking_uri

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import TracebackType

    import pandas as pd

    from keel.entities import Dataset

DEFAULT_EXPERIMENT_ID = "0"
ASYNC_LOGGING_ENV_VAR = "KEEL_ASYNC_LOGGING"

_active_runs: ContextVar[tuple[ActiveRun, ...]] = ContextVar("keel_active_runs", default=())
_settings_lock = threading.Lock()
_experiment_id: str | None = None
_last_run_id: str | None = None
_client: Client | None = None


class ActiveRun:
    """The run ``start_run`` returns; as a context manager it ends the run on exit,
    FAILED if the block raised, KILLED on KeyboardInterrupt, else FINISHED."""

    def __init__(self, run: Run) -> None:
        self._run = run

    @property
    def info(self) -> Any:
        return self._run.info

    @property
    def data(self) -> Any:
        return self._run.data

    @property
    def inputs(self) -> Any:
        return self._run.inputs

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]:
        if exc_type is None:
            status = RunStatus.FINISHED
        elif issubclass(exc_type, KeyboardInterrupt):
            status = RunStatus.KILLED
        else:
            status = RunStatus.FAILED
        if any(r.info.run_id == self.info.run_id for r in _active_runs.get()):
            end_run(status, _run_id=self.info.run_id)
        return False

    def __repr__(self) -> str:
        return f"<ActiveRun: run_id={self.info.run_id}, name={self.info.run_name}>"


# Settings


def _get_client() -> Client:
    global _client
    client = _client
    # A client whose store was closed (stores.close_all) is replaced, not reused.
    if client is None or client.tracking_uri != get_tracking_uri() or not is_open(client.store):
        with _settings_lock:
            client = _client = Client()
    return client


def set_experiment(experiment_name: str | None = None, experiment_id: str | None = None) -> Experiment:
    """Make an experiment active for new runs, creating it (by name) if it does not exist."""
    global _experiment_id
    if (experiment_name is None) == (experiment_id is None):
        raise InvalidParameter("Exactly one of experiment_name and experiment_id must be given")
    client = _get_client()
    if experiment_id is not None:
        experiment = client.get_experiment(str(experiment_id))
    else:
        assert experiment_name is not None
        found = client.get_experiment_by_name(experiment_name)
        experiment = found or client.get_experiment(client.create_experiment(experiment_name))
    if experiment.lifecycle_stage != LifecycleStage.ACTIVE:
        raise InvalidParameter(
            f"Cannot set a deleted experiment '{experiment.name}' as the active experiment. "
            "Restore it first, or permanently delete it."
        )
    _experiment_id = experiment.experiment_id
    return experiment


def _active_experiment_id() -> str:
    if _experiment_id is not None:
        return _experiment_id
    if os.environ.get("MLFLOW_EXPERIMENT_NAME"):
        return set_experiment(os.environ["MLFLOW_EXPERIMENT_NAME"]).experiment_id
    return os.environ.get("MLFLOW_EXPERIMENT_ID") or DEFAULT_EXPERIMENT_ID


# Runs


def start_run(
    run_id: str | None = None,
    experiment_id: str | None = None,
    run_name: str | None = None,
    nested: bool = False,
    parent_run_id: str | None = None,
    tags: Mapping[str, Any] | None = None,
    description: str | None = None,
) -> ActiveRun:
    """Start a new run, or resume ``run_id``, and make it the active run.

    Args:
        run_id: resume this run instead of creating one.
        experiment_id: where to create the run; defaults to the active experiment.
        run_name: a name; a generated ``adjective-noun-N`` one otherwise.
        nested: start a child of the active run (tagged ``mlflow.parentRunId``).
        parent_run_id: an explicit parent for the new run.
        tags: extra tags; they override the captured source, user and git tags.
        description: stored in the ``mlflow.note.content`` tag.

    Example:
        >>> with keel.start_run(run_name="baseline"):
        ...     keel.log_param("lr", 0.01)
        ...     keel.log_metric("loss", 0.4, step=1)
    """
    stack = _active_runs.get()
    if stack and not nested:
        raise InvalidParameter(
            f"Run with UUID {stack[-1].info.run_id} is already active. To start a new run, first end the "
            "current run with keel.end_run(). To start a nested run, call start_run with nested=True."
        )
    client = _get_client()
    if run_id is not None:
        run = _resume(client, run_id, experiment_id)
    else:
        parent = parent_run_id or (stack[-1].info.run_id if nested and stack else None)
        run_tags = context.default_run_tags()
        if parent is not None:
            run_tags[context.PARENT_RUN_ID_TAG] = parent
        if description:
            run_tags[context.NOTE_TAG] = description
        run_tags.update({k: str(v) for k, v in (tags or {}).items()})
        run = client.create_run(
            str(experiment_id) if experiment_id is not None else _active_experiment_id(),
            tags=run_tags,
            run_name=run_name,
        )
    active = ActiveRun(run)
    _active_runs.set((*stack, active))
    _watch_interpreter_exit()
    return active


def _resume(client: Client, run_id: str, experiment_id: str | None) -> Run:
    run = client.get_run(run_id)
    if experiment_id is not None and run.info.experiment_id != str(experiment_id):
        raise InvalidParameter(
            f"Cannot resume run {run_id} in experiment {experiment_id}: it belongs to experiment "
            f"{run.info.experiment_id}."
        )
    if run.info.lifecycle_stage != LifecycleStage.ACTIVE:
        raise InvalidParameter(f"Cannot resume run {run_id}: it is deleted. Restore it first.")
    client.update_run(run_id, RunStatus.RUNNING)
    return client.get_run(run_id)


def active_run() -> ActiveRun | None:
    stack = _active_runs.get()
    return stack[-1] if stack else None


def last_active_run() -> Run | None:
    """The active run, else the run most recently ended in this process (fetched fresh)."""
    current = active_run()
    run_id = current.info.run_id if current else _last_run_id
    return None if run_id is None else _get_client().get_run(run_id)


def end_run(status: RunStatus | str = RunStatus.FINISHED, *, _run_id: str | None = None) -> None:
    """End the active run (or, from a ``with`` block, that block's run and any runs nested in it)."""
    global _last_run_id
    stack = _active_runs.get()
    if not stack:
        return
    index = len(stack) - 1
    if _run_id is not None:
        index = next(i for i in range(len(stack) - 1, -1, -1) if stack[i].info.run_id == _run_id)
    client = _get_client()
    try:
        for run in reversed(stack[index:]):
            client.set_terminated(run.info.run_id, status)
    finally:
        _active_runs.set(stack[:index])
        _last_run_id = stack[index].info.run_id


def _require_run_id(run_id: str | None = None) -> str:
    if run_id is not None:
        return run_id
    current = active_run()
    if current is not None:
        return str(current.info.run_id)
    return str(start_run().info.run_id)


def get_run(run_id: str) -> Run:
    return _get_client().get_run(run_id)


def delete_run(run_id: str) -> None:
    _get_client().delete_run(run_id)


def get_experiment(experiment_id: str) -> Experiment:
    return _get_client().get_experiment(experiment_id)


def get_experiment_by_name(name: str) -> Experiment | None:
    return _get_client().get_experiment_by_name(name)


def create_experiment(
    name: str, artifact_location: str | None = None, tags: Mapping[str, Any] | None = None
) -> str:
    return _get_client().create_experiment(name, artifact_location, tags)


def delete_experiment(experiment_id: str) -> None:
    _get_client().delete_experiment(experiment_id)


# Logging


def _is_async(synchronous: bool | None) -> bool:
    if synchronous is None:
        return os.environ.get(ASYNC_LOGGING_ENV_VAR, "").lower() in ("1", "true")
    return not synchronous


def log_metric(
    key: str,
    value: float,
    step: int | None = None,
    timestamp: int | None = None,
    synchronous: bool | None = None,
    run_id: str | None = None,
) -> None:
    """Log one point of a metric to the active run.

    With ``synchronous=False`` (or ``KEEL_ASYNC_LOGGING=true``) the point is queued and written
    in the background; ``end_run`` waits for it, and a failed write is raised from the next call.
    """
    _get_client().log_metric(
        _require_run_id(run_id),
        key,
        value,
        time.time_ns() // 1_000_000 if timestamp is None else timestamp,
        step,
        synchronous=not _is_async(synchronous),
    )


def log_metrics(
    metrics: Mapping[str, float],
    step: int | None = None,
    timestamp: int | None = None,
    synchronous: bool | None = None,
    run_id: str | None = None,
) -> None:
    ts = time.time_ns() // 1_000_000 if timestamp is None else timestamp
    points = [Metric(k, v, ts, step or 0) for k, v in metrics.items()]
    client, rid = _get_client(), _require_run_id(run_id)
    for start in range(0, max(len(points), 1), MAX_METRICS_PER_BATCH):
        client.log_batch(
            rid, metrics=points[start : start + MAX_METRICS_PER_BATCH], synchronous=not _is_async(synchronous)
        )


def log_param(key: str, value: Any, run_id: str | None = None) -> Any:
    return _get_client().log_param(_require_run_id(run_id), key, value)


def log_params(params: Mapping[str, Any], run_id: str | None = None) -> None:
    items = [Param(k, str(v)) for k, v in params.items()]
    client, rid = _get_client(), _require_run_id(run_id)
    for start in range(0, len(items), MAX_PARAMS_TAGS_PER_BATCH):
        client.log_batch(rid, params=items[start : start + MAX_PARAMS_TAGS_PER_BATCH])


def set_tag(key: str, value: Any, run_id: str | None = None) -> None:
    _get_client().set_tag(_require_run_id(run_id), key, value)


def set_tags(tags: Mapping[str, Any], run_id: str | None = None) -> None:
    items = [RunTag(k, str(v)) for k, v in tags.items()]
    client, rid = _get_client(), _require_run_id(run_id)
    for start in range(0, len(items), MAX_PARAMS_TAGS_PER_BATCH):
        client.log_batch(rid, tags=items[start : start + MAX_PARAMS_TAGS_PER_BATCH])


def delete_tag(key: str, run_id: str | None = None) -> None:
    _get_client().delete_tag(_require_run_id(run_id), key)


def log_input(
    dataset: Dataset,
    context: str | None = None,
    tags: Mapping[str, str] | None = None,
    run_id: str | None = None,
) -> None:
    """Record a dataset as an input of the active run (``context`` such as ``training`` or ``eval``)."""
    input_tags = [InputTag(k, str(v)) for k, v in (tags or {}).items()]
    if context is not None:
        input_tags.append(InputTag("mlflow.data.context", context))
    _get_client().log_inputs(_require_run_id(run_id), [DatasetInput(dataset, tuple(input_tags))])


def log_artifact(
    local_path: str | os.PathLike[str], artifact_path: str | None = None, run_id: str | None = None
) -> None:
    _get_client().log_artifact(_require_run_id(run_id), local_path, artifact_path)


def log_artifacts(
    local_dir: str | os.PathLike[str], artifact_path: str | None = None, run_id: str | None = None
) -> None:
    _get_client().log_artifacts(_require_run_id(run_id), local_dir, artifact_path)


def log_text(text: str, artifact_file: str, run_id: str | None = None) -> None:
    _get_client().log_text(_require_run_id(run_id), text, artifact_file)


def log_dict(dictionary: Any, artifact_file: str, run_id: str | None = None) -> None:
    _get_client().log_dict(_require_run_id(run_id), dictionary, artifact_file)


def log_figure(figure: Any, artifact_file: str, run_id: str | None = None) -> None:
    _get_client().log_figure(_require_run_id(run_id), figure, artifact_file)


def log_image(image: Any, artifact_file: str, run_id: str | None = None) -> None:
    _get_client().log_image(_require_run_id(run_id), image, artifact_file)


def log_table(data: Any, artifact_file: str, run_id: str | None = None) -> None:
    _get_client().log_table(_require_run_id(run_id), data, artifact_file)


def get_artifact_uri(artifact_path: str | None = None, run_id: str | None = None) -> str:
    uri = _get_client().get_run(_require_run_id(run_id)).info.artifact_uri
    return f"{uri.rstrip('/')}/{artifact_path.lstrip('/')}" if artifact_path else uri


def flush(run_id: str | None = None) -> None:
    """Wait until every queued (non-blocking) point is written; raise the first write error."""
    _get_client().flush(run_id)


# Search


def search_experiments(
    view_type: ViewType | int | str = ViewType.ACTIVE_ONLY,
    max_results: int | None = None,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
) -> list[Experiment]:
    """Every matching experiment (paged through), or the first ``max_results``."""
    client, token = _get_client(), None
    found: list[Experiment] = []
    while True:
        page_size = 1000 if max_results is None else min(1000, max_results - len(found))
        page = client.search_experiments(view_type, page_size, filter_string, order_by, token)
        found.extend(page)
        token = page.token
        if not token or (max_results is not None and len(found) >= max_results):
            return found


def search_runs(
    experiment_ids: Sequence[str] | None = None,
    filter_string: str = "",
    run_view_type: ViewType | int | str = ViewType.ACTIVE_ONLY,
    max_results: int = 100_000,
    order_by: Sequence[str] | None = None,
    output_format: Literal["pandas", "list"] = "pandas",
    search_all_experiments: bool = False,
    experiment_names: Sequence[str] | None = None,
) -> pd.DataFrame | list[Run]:
    """Runs matching a filter, as a pandas DataFrame (MLflow's columns) or a list of runs.

    Example:
        >>> keel.search_runs(filter_string="metrics.loss < 0.3 OR params.model = 'tree'",
        ...                  order_by=["metrics.loss ASC"])
    """
    client = _get_client()
    ids = _search_experiment_ids(client, experiment_ids, experiment_names, search_all_experiments)
    runs: list[Run] = []
    token = None
    while len(runs) < max_results:
        page = client.search_runs(
            ids, filter_string, run_view_type, min(50_000, max_results - len(runs)), order_by, token
        )
        runs.extend(page)
        token = page.token
        if not token:
            break
    if output_format == "list":
        return runs
    if output_format != "pandas":
        raise InvalidParameter(f"Unsupported output_format '{output_format}': use 'pandas' or 'list'")
    from keel.tracking.frames import runs_to_frame

    return runs_to_frame(runs)


def _search_experiment_ids(
    client: Client, ids: Sequence[str] | None, names: Sequence[str] | None, search_all: bool
) -> list[str]:
    if ids and names:
        raise InvalidParameter("Only one of experiment_ids and experiment_names can be given")
    if names:
        found = [client.get_experiment_by_name(n) for n in names]
        return [e.experiment_id for e in found if e is not None]
    if ids:
        return [str(i) for i in ids]
    if search_all:
        return [e.experiment_id for e in search_experiments(ViewType.ALL)]
    return [_active_experiment_id()]


# Interpreter exit: queued points are written and runs still open are ended.

_exit_watch_installed = False
_uncaught_exception = False


def _watch_interpreter_exit() -> None:
    global _exit_watch_installed
    if _exit_watch_installed:
        return
    _exit_watch_installed = True
    previous_hook = sys.excepthook

    def remember_failure(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        global _uncaught_exception
        _uncaught_exception = True
        previous_hook(kind, exc, tb)

    sys.excepthook = remember_failure
    atexit.register(_end_runs_at_exit)


def _end_runs_at_exit() -> None:
    status = RunStatus.FAILED if _uncaught_exception else RunStatus.FINISHED
    while active_run() is not None:
        try:
            end_run(status)
        except KeelError as exc:
            print(f"keel: could not end the active run at exit: {exc}", file=sys.stderr)
            _active_runs.set(())
