"""SqlTrackingStore: the tracking store over SQLite or PostgreSQL.

Each public operation is one transaction: writes through the writer engine, reads
through the reader. The work itself lives in the modules named after what they touch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from keel.entities import (
    DatasetInput,
    Experiment,
    LifecycleStage,
    LoggedModel,
    LoggedModelOutput,
    LoggedModelStatus,
    Metric,
    PagedList,
    Param,
    Run,
    RunInfo,
    RunStatus,
    RunTag,
    ViewType,
)
from keel.store.clock import now_ms
from keel.store.tracking.base import TrackingStore
from keel.store.tracking.sql import batches, experiments, inputs, logged_models, migrate, runs
from keel.store.tracking.sql.engine import Engines, create_engines
from keel.store.tracking.sql.history_sampling import HistorySampler
from keel.store.tracking.sql.metrics import MetricKeyIds, metric_history
from keel.store.tracking.sql.schema import experiments as experiments_table
from keel.store.tracking.sql.schema import runs as runs_table
from keel.store.tracking.sql.search import search_runs

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from keel.search.ast import Expr, OrderKey


class SqlTrackingStore(TrackingStore):
    """Tracking data in a SQL database, created or migrated to the current schema on open.

    Args:
        uri: ``sqlite:///path.db`` or ``postgresql://user@host/db``.
        default_artifact_root: URI under which experiments without an explicit
            artifact location keep their artifacts (``<root>/<experiment_id>``).
        clock: epoch milliseconds; tests pass their own.
    """

    def __init__(self, uri: str, default_artifact_root: str, clock: Callable[[], int] = now_ms) -> None:
        self.uri = uri
        self.default_artifact_root = default_artifact_root
        self._clock = clock
        self._engines = create_engines(uri)
        migrate.upgrade(self._engines.writer)
        self._key_ids = MetricKeyIds(self._engines.writer)
        self._ensure_default_experiment()

    def close(self) -> None:
        self._engines.dispose()

    @property
    def engines(self) -> Engines:
        """The database's engines, shared with the registry store of the same database."""
        return self._engines

    def history_sampler(self) -> HistorySampler:
        """Sampled and downsampled metric histories (the UI's charts), read in SQL over this database."""
        return HistorySampler(self._engines.reader)

    def _ensure_default_experiment(self) -> None:
        with self._engines.writer.begin() as conn:
            found = conn.execute(
                select(experiments_table.c.experiment_id).where(
                    experiments_table.c.experiment_id == experiments.DEFAULT_EXPERIMENT_ID
                )
            ).first()
            if found is None:
                experiments.create_experiment(
                    conn,
                    experiments.DEFAULT_EXPERIMENT_NAME,
                    None,
                    (),
                    self.default_artifact_root,
                    self._clock(),
                    experiment_id=experiments.DEFAULT_EXPERIMENT_ID,
                )

    # Experiments

    def _create_experiment(self, name: str, artifact_location: str | None, tags: list[RunTag]) -> str:
        with self._engines.writer.begin() as conn:
            return experiments.create_experiment(
                conn, name, artifact_location, tags, self.default_artifact_root, self._clock()
            )

    def _get_experiment(self, experiment_id: str) -> Experiment:
        with self._engines.reader.begin() as conn:
            return experiments.get_experiment(conn, experiment_id)

    def _find_experiment_by_name(self, name: str) -> Experiment | None:
        with self._engines.reader.begin() as conn:
            return experiments.find_experiment_by_name(conn, name)

    def _rename_experiment(self, experiment_id: str, new_name: str) -> None:
        with self._engines.writer.begin() as conn:
            experiments.rename_experiment(conn, experiment_id, new_name, self._clock())

    def _delete_experiment(self, experiment_id: str) -> None:
        with self._engines.writer.begin() as conn:
            experiments.set_experiment_lifecycle(conn, experiment_id, LifecycleStage.DELETED, self._clock())

    def _restore_experiment(self, experiment_id: str) -> None:
        with self._engines.writer.begin() as conn:
            experiments.set_experiment_lifecycle(conn, experiment_id, LifecycleStage.ACTIVE, self._clock())

    def _set_experiment_tag(self, experiment_id: str, tag: RunTag) -> None:
        with self._engines.writer.begin() as conn:
            experiments.set_experiment_tag(conn, experiment_id, tag)

    def _delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        with self._engines.writer.begin() as conn:
            experiments.delete_experiment_tag(conn, experiment_id, key)

    def _search_experiments(
        self,
        view_type: ViewType,
        max_results: int,
        filter_expr: Expr | None,
        order_by: list[OrderKey],
        offset: int,
    ) -> PagedList[Experiment]:
        with self._engines.reader.begin() as conn:
            return experiments.search_experiments(conn, view_type, max_results, filter_expr, order_by, offset)

    # Runs

    def _create_run(
        self,
        experiment_id: str,
        user_id: str,
        start_time: int | None,
        tags: list[RunTag],
        run_name: str | None,
    ) -> Run:
        with self._engines.writer.begin() as conn:
            return runs.create_run(
                conn,
                experiment_id,
                user_id,
                self._clock() if start_time is None else start_time,
                tags,
                run_name,
            )

    def _get_run(self, run_id: str) -> Run:
        with self._engines.reader.begin() as conn:
            return runs.get_run(conn, run_id)

    def _update_run_info(
        self, run_id: str, status: RunStatus | None, end_time: int | None, run_name: str | None
    ) -> RunInfo:
        with self._engines.writer.begin() as conn:
            return runs.update_run_info(conn, run_id, status, end_time, run_name)

    def _delete_run(self, run_id: str) -> None:
        with self._engines.writer.begin() as conn:
            runs.set_run_lifecycle(conn, run_id, LifecycleStage.DELETED, self._clock())

    def _restore_run(self, run_id: str) -> None:
        with self._engines.writer.begin() as conn:
            runs.set_run_lifecycle(conn, run_id, LifecycleStage.ACTIVE, self._clock())

    def _delete_tag(self, run_id: str, key: str) -> None:
        with self._engines.writer.begin() as conn:
            runs.delete_tag(conn, run_id, key)

    def _log_batch(
        self, run_id: str, metrics: Sequence[Metric], params: Sequence[Param], tags: Sequence[RunTag]
    ) -> None:
        key_ids = self._key_ids.ids_for(m.key for m in metrics) if metrics else {}
        with self._engines.writer.begin() as conn:
            run_pk = runs.require_active_run(conn, run_id)
            batches.log_batch(conn, run_pk, run_id, metrics, params, tags, key_ids)

    def _log_inputs(self, run_id: str, datasets: Sequence[DatasetInput]) -> None:
        with self._engines.writer.begin() as conn:
            run_pk = runs.require_active_run(conn, run_id)
            experiment_pk = conn.execute(
                select(runs_table.c.experiment_id).where(runs_table.c.run_pk == run_pk)
            ).scalar_one()
            inputs.log_inputs(conn, run_pk, experiment_pk, datasets)

    def _get_metric_history(
        self, run_id: str, metric_key: str, max_results: int | None, offset: int
    ) -> PagedList[Metric]:
        with self._engines.reader.begin() as conn:
            run_pk, _ = runs.find_run_pk(conn, run_id)
            key_id = self._key_ids.find(conn, metric_key)
            return metric_history(conn, run_pk, run_id, metric_key, key_id, max_results, offset)

    def _search_runs(
        self,
        experiment_ids: list[str],
        filter_expr: Expr | None,
        view_type: ViewType,
        max_results: int,
        order_by: list[OrderKey],
        offset: int,
    ) -> PagedList[Run]:
        with self._engines.reader.begin() as conn:
            return search_runs(conn, experiment_ids, filter_expr, view_type, max_results, order_by, offset)

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
        with self._engines.writer.begin() as conn:
            return logged_models.create_logged_model(
                conn, experiment_id, name, model_type, source_run_id, params, tags, self._clock()
            )

    def _get_logged_model(self, model_id: str, allow_deleted: bool) -> LoggedModel:
        with self._engines.reader.begin() as conn:
            return logged_models.get_logged_model(conn, model_id, allow_deleted)

    def _finalize_logged_model(self, model_id: str, status: LoggedModelStatus) -> LoggedModel:
        with self._engines.writer.begin() as conn:
            return logged_models.finalize_logged_model(conn, model_id, status, self._clock())

    def _delete_logged_model(self, model_id: str) -> None:
        with self._engines.writer.begin() as conn:
            logged_models.delete_logged_model(conn, model_id, self._clock())

    def _set_logged_model_tags(self, model_id: str, tags: list[RunTag]) -> None:
        with self._engines.writer.begin() as conn:
            logged_models.set_logged_model_tags(conn, model_id, tags)

    def _delete_logged_model_tag(self, model_id: str, key: str) -> None:
        with self._engines.writer.begin() as conn:
            logged_models.delete_logged_model_tag(conn, model_id, key)

    def _log_logged_model_params(self, model_id: str, params: list[Param]) -> None:
        with self._engines.writer.begin() as conn:
            logged_models.log_logged_model_params(conn, model_id, params)

    def _search_logged_models(
        self,
        experiment_ids: list[str],
        filter_expr: Expr | None,
        max_results: int,
        order_by: list[OrderKey],
        offset: int,
    ) -> tuple[list[LoggedModel], bool]:
        with self._engines.reader.begin() as conn:
            return logged_models.search_logged_models(
                conn, experiment_ids, filter_expr, max_results, order_by, offset
            )

    def _log_outputs(self, run_id: str, models: list[LoggedModelOutput]) -> None:
        with self._engines.writer.begin() as conn:
            run_pk = runs.require_active_run(conn, run_id)
            logged_models.log_outputs(conn, run_pk, models)

    def _record_logged_model(self, run_id: str, summary: dict[str, Any]) -> None:
        with self._engines.writer.begin() as conn:
            run_pk = runs.require_active_run(conn, run_id)
            logged_models.append_log_model_history(conn, run_pk, summary)
