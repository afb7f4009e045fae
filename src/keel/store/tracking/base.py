"""The tracking store interface: public methods validate, then hand over to the backend.

Backends (SQL, REST) implement the ``_``-prefixed methods and can assume valid input.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

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
from keel.errors import InvalidParameter
from keel.search import (
    parse_experiment_filter,
    parse_experiment_order_by,
    parse_run_filter,
    parse_run_order_by,
)
from keel.store.pagination import decode_offset_token
from keel.store.tracking import validation as v

if TYPE_CHECKING:
    from collections.abc import Sequence

    from keel.search.ast import Expr, OrderKey

SEARCH_MAX_RESULTS_DEFAULT = 1000


class TrackingStore(abc.ABC):
    """Experiments, runs and what runs log. One implementation per backend."""

    # Experiments

    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: Sequence[RunTag] = ()
    ) -> str:
        v.validate_experiment_name(name)
        v.validate_artifact_location(artifact_location)
        for tag in tags:
            v.validate_experiment_tag(tag)
        return self._create_experiment(name, artifact_location, list(tags))

    def get_experiment(self, experiment_id: str) -> Experiment:
        return self._get_experiment(v.validate_experiment_id(experiment_id))

    def find_experiment_by_name(self, name: str) -> Experiment | None:
        v.validate_string("experiment_name", name)
        return self._find_experiment_by_name(name)

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        v.validate_experiment_name(new_name)
        self._rename_experiment(v.validate_experiment_id(experiment_id), new_name)

    def delete_experiment(self, experiment_id: str) -> None:
        self._delete_experiment(v.validate_experiment_id(experiment_id))

    def restore_experiment(self, experiment_id: str) -> None:
        self._restore_experiment(v.validate_experiment_id(experiment_id))

    def set_experiment_tag(self, experiment_id: str, tag: RunTag) -> None:
        v.validate_experiment_tag(tag)
        self._set_experiment_tag(v.validate_experiment_id(experiment_id), tag)

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        v.validate_string("key", key)
        self._delete_experiment_tag(v.validate_experiment_id(experiment_id), key)

    def search_experiments(
        self,
        view_type: ViewType | int | str = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Experiment]:
        v.validate_max_results(max_results, v.MAX_RESULTS_SEARCH_EXPERIMENTS)
        return self._search_experiments(
            ViewType.parse(view_type),
            max_results,
            parse_experiment_filter(filter_string),
            parse_experiment_order_by(order_by),
            decode_offset_token(page_token),
        )

    # Runs

    def create_run(
        self,
        experiment_id: str,
        user_id: str = "",
        start_time: int | None = None,
        tags: Sequence[RunTag] = (),
        run_name: str | None = None,
    ) -> Run:
        experiment_id = v.validate_experiment_id(experiment_id)
        for tag in tags:
            v.validate_tag(tag)
        tag_name = next((t.value for t in tags if t.key == RUN_NAME_TAG), None)
        if run_name and tag_name and run_name != tag_name:
            raise InvalidParameter(
                f"Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different "
                f"values (run_name='{run_name}', mlflow.runName='{tag_name}')."
            )
        if start_time is not None and not isinstance(start_time, int):
            raise InvalidParameter(f"start_time must be an integer (epoch ms), got {start_time!r}")
        return self._create_run(experiment_id, user_id or "", start_time, list(tags), run_name or tag_name)

    def get_run(self, run_id: str) -> Run:
        return self._get_run(v.validate_run_id(run_id))

    def update_run_info(
        self,
        run_id: str,
        run_status: RunStatus | str | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
    ) -> RunInfo:
        status = None if run_status is None else RunStatus.parse(run_status)
        if end_time is not None and (isinstance(end_time, bool) or not isinstance(end_time, int)):
            raise InvalidParameter(f"end_time must be an integer (epoch ms), got {end_time!r}")
        if run_name is not None:
            v.validate_length("run_name", v.validate_string("run_name", run_name), v.MAX_TAG_VAL_LENGTH)
        return self._update_run_info(v.validate_run_id(run_id), status, end_time, run_name)

    def delete_run(self, run_id: str) -> None:
        self._delete_run(v.validate_run_id(run_id))

    def restore_run(self, run_id: str) -> None:
        self._restore_run(v.validate_run_id(run_id))

    def log_metric(self, run_id: str, metric: Metric) -> None:
        self.log_batch(run_id, metrics=[metric])

    def log_param(self, run_id: str, param: Param) -> None:
        self.log_batch(run_id, params=[param])

    def set_tag(self, run_id: str, tag: RunTag) -> None:
        self.log_batch(run_id, tags=[tag])

    def delete_tag(self, run_id: str, key: str) -> None:
        v.validate_string("key", key)
        self._delete_tag(v.validate_run_id(run_id), key)

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """Log metrics, params and tags atomically: all of them, or (on any error) none."""
        v.validate_batch(metrics, params, tags)
        self._log_batch(v.validate_run_id(run_id), metrics, params, tags)

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput]) -> None:
        v.validate_dataset_inputs(datasets)
        self._log_inputs(v.validate_run_id(run_id), datasets)

    def get_metric_history(
        self, run_id: str, metric_key: str, max_results: int | None = None, page_token: str | None = None
    ) -> PagedList[Metric]:
        v.validate_string("metric_key", metric_key)
        if max_results is not None:
            v.validate_max_results(max_results, 2**31 - 1)
        return self._get_metric_history(
            v.validate_run_id(run_id), metric_key, max_results, decode_offset_token(page_token)
        )

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        run_view_type: ViewType | int | str = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        ids = [v.validate_experiment_id(e) for e in experiment_ids]
        v.validate_max_results(max_results, v.MAX_RESULTS_SEARCH_RUNS)
        return self._search_runs(
            ids,
            parse_run_filter(filter_string),
            ViewType.parse(run_view_type),
            max_results,
            parse_run_order_by(order_by),
            decode_offset_token(page_token),
        )

    # Backend hooks

    @abc.abstractmethod
    def _create_experiment(self, name: str, artifact_location: str | None, tags: list[RunTag]) -> str: ...

    @abc.abstractmethod
    def _get_experiment(self, experiment_id: str) -> Experiment: ...

    @abc.abstractmethod
    def _find_experiment_by_name(self, name: str) -> Experiment | None: ...

    @abc.abstractmethod
    def _rename_experiment(self, experiment_id: str, new_name: str) -> None: ...

    @abc.abstractmethod
    def _delete_experiment(self, experiment_id: str) -> None: ...

    @abc.abstractmethod
    def _restore_experiment(self, experiment_id: str) -> None: ...

    @abc.abstractmethod
    def _set_experiment_tag(self, experiment_id: str, tag: RunTag) -> None: ...

    @abc.abstractmethod
    def _delete_experiment_tag(self, experiment_id: str, key: str) -> None: ...

    @abc.abstractmethod
    def _search_experiments(
        self,
        view_type: ViewType,
        max_results: int,
        filter_expr: Expr | None,
        order_by: list[OrderKey],
        offset: int,
    ) -> PagedList[Experiment]: ...

    @abc.abstractmethod
    def _create_run(
        self,
        experiment_id: str,
        user_id: str,
        start_time: int | None,
        tags: list[RunTag],
        run_name: str | None,
    ) -> Run: ...

    @abc.abstractmethod
    def _get_run(self, run_id: str) -> Run: ...

    @abc.abstractmethod
    def _update_run_info(
        self, run_id: str, status: RunStatus | None, end_time: int | None, run_name: str | None
    ) -> RunInfo: ...

    @abc.abstractmethod
    def _delete_run(self, run_id: str) -> None: ...

    @abc.abstractmethod
    def _restore_run(self, run_id: str) -> None: ...

    @abc.abstractmethod
    def _delete_tag(self, run_id: str, key: str) -> None: ...

    @abc.abstractmethod
    def _log_batch(
        self, run_id: str, metrics: Sequence[Metric], params: Sequence[Param], tags: Sequence[RunTag]
    ) -> None: ...

    @abc.abstractmethod
    def _log_inputs(self, run_id: str, datasets: Sequence[DatasetInput]) -> None: ...

    @abc.abstractmethod
    def _get_metric_history(
        self, run_id: str, metric_key: str, max_results: int | None, offset: int
    ) -> PagedList[Metric]: ...

    @abc.abstractmethod
    def _search_runs(
        self,
        experiment_ids: list[str],
        filter_expr: Expr | None,
        view_type: ViewType,
        max_results: int,
        order_by: list[OrderKey],
        offset: int,
    ) -> PagedList[Run]: ...

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""


RUN_NAME_TAG = "mlflow.runName"
