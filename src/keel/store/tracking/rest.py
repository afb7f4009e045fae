"""RestTrackingStore: the tracking store of a keel or MLflow server, over MLflow's REST API.

Searches travel as MLflow filter strings rebuilt from the parsed AST, and run, experiment and
history pages as the ``{"offset": N}`` tokens both servers hand out (logged-model tokens stay the
server's own, see ``rest_logged_models``). Errors come back as the keel class of the server's
``error_code``, so callers see the same ``NotFound`` from SQLite and from a server.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

from keel.entities import Experiment, Metric, PagedList, Run, RunInfo
from keel.errors import ExperimentNotFound, NotFound, RunNotFound
from keel.store.pagination import encode_offset_token
from keel.store.tracking.base import TrackingStore
from keel.store.tracking.http_client import HttpClient
from keel.store.tracking.rest_logged_models import LoggedModelCalls
from keel.store.tracking.search_text import filter_text, order_by_text

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    import httpx

    from keel.entities import (
        DatasetInput,
        LoggedModel,
        LoggedModelOutput,
        LoggedModelStatus,
        Param,
        RunStatus,
        RunTag,
        ViewType,
    )
    from keel.search.ast import Expr, OrderKey
    from keel.store.tracking.retry import RetryPolicy

API = "/api/2.0/mlflow"


class RestTrackingStore(TrackingStore):
    """Experiments, runs and metrics kept by the tracking server at ``uri``.

    Args:
        uri: ``http(s)://host[:port][/prefix]`` of a keel or MLflow server.
        policy: retries and timeouts; read from ``KEEL_HTTP_REQUEST_*`` / ``MLFLOW_HTTP_REQUEST_*``
            when omitted.
        transport: replaces the network (``httpx.MockTransport`` in tests).
        sleep: how to wait between retries.

    Example:
        >>> store = RestTrackingStore("http://127.0.0.1:5000")
        >>> store.get_experiment("0").name
        'Default'
    """

    def __init__(
        self,
        uri: str,
        *,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
        _http: HttpClient | None = None,
    ) -> None:
        self.uri = uri
        self._clock = clock
        self.http = _http or HttpClient.open(uri, policy=policy, transport=transport, sleep=sleep)
        self._models = LoggedModelCalls(self.http)

    def with_policy(self, policy: RetryPolicy) -> RestTrackingStore:
        """The same store, connections included, retrying as ``policy`` says (closing either closes both)."""
        return RestTrackingStore(self.uri, _http=self.http.with_policy(policy))

    def close(self) -> None:
        self.http.close()

    # Experiments

    def _create_experiment(self, name: str, artifact_location: str | None, tags: list[RunTag]) -> str:
        body = {"name": name, "artifact_location": artifact_location, "tags": [t.to_dict() for t in tags]}
        return str(self._post("/experiments/create", body)["experiment_id"])

    def _get_experiment(self, experiment_id: str) -> Experiment:
        answer = self._get("/experiments/get", {"experiment_id": experiment_id})
        return Experiment.from_dict(answer["experiment"])

    def _find_experiment_by_name(self, name: str) -> Experiment | None:
        try:
            answer = self._get("/experiments/get-by-name", {"experiment_name": name})
        except NotFound:
            return None
        return Experiment.from_dict(answer["experiment"])

    def _rename_experiment(self, experiment_id: str, new_name: str) -> None:
        self._post("/experiments/update", {"experiment_id": experiment_id, "new_name": new_name})

    def _delete_experiment(self, experiment_id: str) -> None:
        self._post("/experiments/delete", {"experiment_id": experiment_id})

    def _restore_experiment(self, experiment_id: str) -> None:
        self._post("/experiments/restore", {"experiment_id": experiment_id})

    def _set_experiment_tag(self, experiment_id: str, tag: RunTag) -> None:
        body = {"experiment_id": experiment_id, "key": tag.key, "value": tag.value}
        self._post("/experiments/set-experiment-tag", body)

    def _delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        self._post("/experiments/delete-experiment-tag", {"experiment_id": experiment_id, "key": key})

    def _search_experiments(
        self,
        view_type: ViewType,
        max_results: int,
        filter_expr: Expr | None,
        order_by: list[OrderKey],
        offset: int,
    ) -> PagedList[Experiment]:
        body = {
            "view_type": view_type.name,
            "max_results": max_results,
            "filter": filter_text(filter_expr),
            "order_by": order_by_text(order_by) or None,
            "page_token": _page_token(offset),
        }
        answer = self._post("/experiments/search", body)
        experiments = [Experiment.from_dict(e) for e in answer.get("experiments", ())]
        return PagedList(experiments, answer.get("next_page_token") or None)

    # Runs

    def _create_run(
        self,
        experiment_id: str,
        user_id: str,
        start_time: int | None,
        tags: list[RunTag],
        run_name: str | None,
    ) -> Run:
        body = {
            "experiment_id": experiment_id,
            "user_id": user_id,
            # MLflow's server takes a missing start time as 0; its client sends the time, as does keel.
            "start_time": self._clock() if start_time is None else start_time,
            "tags": [t.to_dict() for t in tags],
            "run_name": run_name,
        }
        return Run.from_dict(self._post("/runs/create", body)["run"])

    def _get_run(self, run_id: str) -> Run:
        return Run.from_dict(self._get("/runs/get", {"run_id": run_id})["run"])

    def _update_run_info(
        self, run_id: str, status: RunStatus | None, end_time: int | None, run_name: str | None
    ) -> RunInfo:
        body = {
            "run_id": run_id,
            "run_uuid": run_id,
            "status": None if status is None else str(status),
            "end_time": end_time,
            "run_name": run_name,
        }
        return RunInfo.from_dict(self._post("/runs/update", body)["run_info"])

    def _delete_run(self, run_id: str) -> None:
        self._post("/runs/delete", {"run_id": run_id})

    def _restore_run(self, run_id: str) -> None:
        self._post("/runs/restore", {"run_id": run_id})

    def _delete_tag(self, run_id: str, key: str) -> None:
        self._post("/runs/delete-tag", {"run_id": run_id, "key": key})

    def _log_batch(
        self, run_id: str, metrics: Sequence[Metric], params: Sequence[Param], tags: Sequence[RunTag]
    ) -> None:
        body = {
            "run_id": run_id,
            "metrics": [metric_body(m) for m in metrics] or None,
            "params": [p.to_dict() for p in params] or None,
            "tags": [t.to_dict() for t in tags] or None,
        }
        self._post("/runs/log-batch", body)

    def _log_inputs(self, run_id: str, datasets: Sequence[DatasetInput]) -> None:
        self._post("/runs/log-inputs", {"run_id": run_id, "datasets": [d.to_dict() for d in datasets]})

    def _get_metric_history(
        self, run_id: str, metric_key: str, max_results: int | None, offset: int
    ) -> PagedList[Metric]:
        params = {
            "run_id": run_id,
            "run_uuid": run_id,
            "metric_key": metric_key,
            "max_results": max_results,
            "page_token": _page_token(offset),
        }
        answer = self._get("/metrics/get-history", params)
        points = [Metric.from_dict({"run_id": run_id, **m}) for m in answer.get("metrics", ())]
        return PagedList(points, answer.get("next_page_token") or None)

    def _search_runs(
        self,
        experiment_ids: list[str],
        filter_expr: Expr | None,
        view_type: ViewType,
        max_results: int,
        order_by: list[OrderKey],
        offset: int,
    ) -> PagedList[Run]:
        body = {
            "experiment_ids": experiment_ids,
            "filter": filter_text(filter_expr),
            "run_view_type": view_type.name,
            "max_results": max_results,
            "order_by": order_by_text(order_by) or None,
            "page_token": _page_token(offset),
        }
        answer = self._post("/runs/search", body)
        runs = [Run.from_dict(r) for r in answer.get("runs", ())]
        return PagedList(runs, answer.get("next_page_token") or None)

    # Logged models

    def _create_logged_model(
        self,
        experiment_id: str,
        name: str | None,
        model_type: str | None,
        source_run_id: str | None,
        params: list[Param],
        tags: list[RunTag],
    ) -> LoggedModel:
        with specific_not_found("/logged-models", {"experiment_id": experiment_id}):
            return self._models.create(experiment_id, name, model_type, source_run_id, params, tags)

    def _get_logged_model(self, model_id: str, allow_deleted: bool) -> LoggedModel:
        return self._models.get(model_id, allow_deleted)

    def _finalize_logged_model(self, model_id: str, status: LoggedModelStatus) -> LoggedModel:
        return self._models.finalize(model_id, status)

    def _delete_logged_model(self, model_id: str) -> None:
        self._models.delete(model_id)

    def _set_logged_model_tags(self, model_id: str, tags: list[RunTag]) -> None:
        self._models.set_tags(model_id, tags)

    def _delete_logged_model_tag(self, model_id: str, key: str) -> None:
        self._models.delete_tag(model_id, key)

    def _log_logged_model_params(self, model_id: str, params: list[Param]) -> None:
        self._models.log_params(model_id, params)

    def _search_logged_models(
        self,
        experiment_ids: list[str],
        filter_expr: Expr | None,
        max_results: int,
        order_by: list[OrderKey],
        offset: int,
    ) -> tuple[list[LoggedModel], bool]:
        return self._models.search(experiment_ids, filter_expr, max_results, order_by, offset)

    def _log_outputs(self, run_id: str, models: list[LoggedModelOutput]) -> None:
        with specific_not_found("/runs/outputs", {"run_id": run_id}):
            self._models.log_outputs(run_id, models)

    def _record_logged_model(self, run_id: str, summary: dict[str, Any]) -> None:
        with specific_not_found("/runs/log-model", {"run_id": run_id}):
            self._models.record(run_id, summary)

    # Transport

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        with specific_not_found(path, params):
            return self.http.get(API + path, params)

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        with specific_not_found(path, body):
            return self.http.post(API + path, body)


def metric_body(metric: Metric) -> dict[str, Any]:
    """A metric of a ``log-batch`` body: the point itself, never the ``run_id`` a read may have set."""
    body = metric.to_dict()
    body.pop("run_id", None)
    return body


_EXPERIMENT_PATHS = ("/runs/create", "/logged-models")


@contextlib.contextmanager
def specific_not_found(path: str, fields: dict[str, Any]) -> Iterator[None]:
    """Raise a server's ``NotFound`` as ``RunNotFound`` or ``ExperimentNotFound`` when the endpoint
    and message say what is missing; the server's message is kept."""
    try:
        yield
    except NotFound as error:
        if type(error) is not NotFound:
            raise
        run_id = fields.get("run_id")
        if isinstance(run_id, str) and error.message == RunNotFound(run_id).message:
            raise RunNotFound(run_id) from None
        if path.startswith("/experiments/") or path in _EXPERIMENT_PATHS:
            experiment_id = fields.get("experiment_id")
            raise ExperimentNotFound(
                error.message,
                experiment_id=experiment_id if isinstance(experiment_id, str) else None,
                name=fields.get("experiment_name"),
            ) from None
        raise


def _page_token(offset: int) -> str | None:
    return encode_offset_token(offset) if offset else None
