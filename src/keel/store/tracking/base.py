"""The tracking store interface: public methods validate, then hand over to the backend.

Backends (SQL, REST) implement the ``_``-prefixed methods and can assume valid input.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from keel.entities import (
    DatasetInput,
    Experiment,
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
from keel.errors import InvalidParameter, Unsupported
from keel.search import (
    OrderKey,
    parse_experiment_filter,
    parse_experiment_order_by,
    parse_run_filter,
    parse_run_order_by,
)
from keel.search.parser import parse_filter
from keel.search.targets import LOGGED_MODELS
from keel.search.validation import validate_filter, validate_order_by
from keel.store.pagination import decode_offset_token, decode_search_token, encode_search_token
from keel.store.tracking import validation as v
from keel.store.tracking.logged_model_rules import (
    LOG_MODEL_REQUIRED_FIELDS,
    LOGGED_MODELS_MAX_RESULTS_DEFAULT,
    MAX_MODEL_TYPE_LENGTH,
    normalise_order,
    order_key,
    validate_logged_model_name,
    validate_model_id,
    validate_model_params,
    validate_model_tags,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from keel.search.ast import Expr

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
        if run_name or tag_name:
            v.validate_run_name(run_name or tag_name)
        v.validate_length("user_id", v.validate_string("user_id", user_id or ""), v.MAX_USER_ID_LENGTH)
        if start_time is not None:
            v.validate_timestamp("start_time", start_time)
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
        if end_time is not None:
            v.validate_timestamp("end_time", end_time)
        if run_name is not None:
            v.validate_run_name(run_name)
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
        checked = v.validate_batch(metrics, params, tags)
        self._log_batch(v.validate_run_id(run_id), checked, params, tags)

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

    # Logged models

    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        model_type: str | None = None,
        source_run_id: str | None = None,
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> LoggedModel:
        """A new model, PENDING until finalized, with artifacts under ``<experiment>/models/<id>/artifacts``.

        ``name`` defaults to a random ``adjective-noun-NNN``; it may not contain ``/ : . % " '``.
        """
        experiment_id = v.validate_experiment_id(experiment_id)
        if name is not None:
            validate_logged_model_name(name)
        if model_type is not None:
            v.validate_length(
                "model_type", v.validate_string("model_type", model_type), MAX_MODEL_TYPE_LENGTH
            )
        if source_run_id is not None:
            v.validate_run_id(source_run_id)
        validate_model_params(params)
        validate_model_tags(tags)
        return self._create_logged_model(
            experiment_id, name, model_type, source_run_id, list(params), list(tags)
        )

    def get_logged_model(self, model_id: str, allow_deleted: bool = False) -> LoggedModel:
        """The model; a deleted one only with ``allow_deleted``. Raises NotFound."""
        return self._get_logged_model(validate_model_id(model_id), allow_deleted)

    def finalize_logged_model(self, model_id: str, status: LoggedModelStatus | int | str) -> LoggedModel:
        """Mark the upload done: ``LOGGED_MODEL_READY``, or ``LOGGED_MODEL_UPLOAD_FAILED``."""
        final = LoggedModelStatus.parse(status)
        if final not in (LoggedModelStatus.READY, LoggedModelStatus.UPLOAD_FAILED):
            raise InvalidParameter(
                f"A logged model is finalized as {LoggedModelStatus.READY} or "
                f"{LoggedModelStatus.UPLOAD_FAILED}, not {final}"
            )
        return self._finalize_logged_model(validate_model_id(model_id), final)

    def delete_logged_model(self, model_id: str) -> None:
        """Soft delete, as MLflow does: the model leaves searches and ``get`` without ``allow_deleted``."""
        self._delete_logged_model(validate_model_id(model_id))

    def set_logged_model_tags(self, model_id: str, tags: Sequence[RunTag]) -> None:
        validate_model_tags(tags)
        self._set_logged_model_tags(validate_model_id(model_id), list(tags))

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        v.validate_string("key", key)
        self._delete_logged_model_tag(validate_model_id(model_id), key)

    def log_logged_model_params(self, model_id: str, params: Sequence[Param]) -> None:
        """Add params; as for runs, a param once logged keeps its value."""
        validate_model_params(params)
        self._log_logged_model_params(validate_model_id(model_id), list(params))

    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        datasets: Sequence[Mapping[str, Any]] | None = None,
        max_results: int | None = None,
        order_by: Sequence[Mapping[str, Any]] | None = None,
        page_token: str | None = None,
    ) -> PagedList[LoggedModel]:
        """Active models of the experiments, newest first unless ``order_by`` says otherwise.

        Args:
            experiment_ids: where to search.
            filter_string: e.g. ``"name = 'model' AND source_run_id = '<run id>'"``; see ``LOGGED_MODELS``.
            datasets: MLflow scopes metric filters to these; keel links no metrics to models yet,
                so any dataset is rejected.
            max_results: page size, 100 when omitted.
            order_by: MLflow's ``[{"field_name": "creation_timestamp", "ascending": False}]``.
            page_token: from the previous page, for the same experiments, filter and order.
        """
        ids = [v.validate_experiment_id(e) for e in experiment_ids]
        size = max_results or LOGGED_MODELS_MAX_RESULTS_DEFAULT
        v.validate_max_results(size, v.MAX_RESULTS_SEARCH_RUNS)
        if datasets:
            raise InvalidParameter(
                "Searching logged models by dataset is not supported: keel links no metrics to logged models"
            )
        filter_text = filter_string if filter_string and filter_string.strip() else None
        filter_expr = (
            None if filter_text is None else validate_filter(parse_filter(filter_text), LOGGED_MODELS)
        )
        orders = [normalise_order(o, i) for i, o in enumerate(order_by or ())]
        keys = validate_order_by(map(order_key, orders), LOGGED_MODELS)
        token_fields = {"experiment_ids": ids, "filter_string": filter_text, "order_by": orders}
        offset = decode_search_token(page_token, token_fields)
        models, more = self._search_logged_models(ids, filter_expr, size, keys, offset)
        token = encode_search_token({**token_fields, "offset": offset + size}) if more else None
        return PagedList(models, token)

    def log_outputs(self, run_id: str, models: Sequence[LoggedModelOutput]) -> None:
        """Record that the run produced these models; the models must exist and the run be active."""
        for i, output in enumerate(models):
            validate_model_id(output.model_id, f"models[{i}].model_id")
            step = output.step
            if isinstance(step, bool) or not isinstance(step, int) or not -(2**63) <= step < 2**63:
                raise InvalidParameter(f"Invalid step {step!r} (models[{i}].step): expected a 64-bit integer")
        self._log_outputs(v.validate_run_id(run_id), list(models))

    def record_logged_model(self, run_id: str, model: Mapping[str, Any]) -> None:
        """Legacy ``log-model``: append the model's summary to the run tag ``mlflow.log-model.history``.

        ``model`` is the MLmodel as a dict; kept are ``run_id``, ``utc_time_created``, ``artifact_path``,
        ``model_uuid`` and the flavors without their ``config``, as MLflow keeps them.
        """
        if not isinstance(model, Mapping):
            raise InvalidParameter(
                f"Malformed model info: expected a JSON object, got {type(model).__name__}"
            )
        missing = sorted(LOG_MODEL_REQUIRED_FIELDS - set(model))
        if missing:
            raise InvalidParameter(f"Model json is missing mandatory fields: {missing}")
        flavors = model["flavors"]
        if not isinstance(flavors, Mapping):
            raise InvalidParameter(f"Model json 'flavors' must be an object, got {type(flavors).__name__}")
        summary: dict[str, Any] = {key: model[key] for key in ("run_id", "utc_time_created", "artifact_path")}
        summary["model_uuid"] = model.get("model_uuid") or uuid.uuid4().hex
        summary["flavors"] = {
            name: {k: c for k, c in conf.items() if k != "config"} if isinstance(conf, Mapping) else conf
            for name, conf in flavors.items()
        }
        self._record_logged_model(v.validate_run_id(run_id), summary)

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

    # Logged-model hooks. Not abstract (yet): a backend without them still opens, and says Unsupported.

    def _create_logged_model(
        self,
        experiment_id: str,
        name: str | None,
        model_type: str | None,
        source_run_id: str | None,
        params: list[Param],
        tags: list[RunTag],
    ) -> LoggedModel:
        raise self._no_logged_models()

    def _get_logged_model(self, model_id: str, allow_deleted: bool) -> LoggedModel:
        raise self._no_logged_models()

    def _finalize_logged_model(self, model_id: str, status: LoggedModelStatus) -> LoggedModel:
        raise self._no_logged_models()

    def _delete_logged_model(self, model_id: str) -> None:
        raise self._no_logged_models()

    def _set_logged_model_tags(self, model_id: str, tags: list[RunTag]) -> None:
        raise self._no_logged_models()

    def _delete_logged_model_tag(self, model_id: str, key: str) -> None:
        raise self._no_logged_models()

    def _log_logged_model_params(self, model_id: str, params: list[Param]) -> None:
        raise self._no_logged_models()

    def _search_logged_models(
        self,
        experiment_ids: list[str],
        filter_expr: Expr | None,
        max_results: int,
        order_by: list[OrderKey],
        offset: int,
    ) -> tuple[list[LoggedModel], bool]:
        """One page of models and whether more follow (the base class writes the page token)."""
        raise self._no_logged_models()

    def _log_outputs(self, run_id: str, models: list[LoggedModelOutput]) -> None:
        raise self._no_logged_models()

    def _record_logged_model(self, run_id: str, summary: dict[str, Any]) -> None:
        raise self._no_logged_models()

    def _no_logged_models(self) -> Unsupported:
        return Unsupported(f"{type(self).__name__} does not support logged models")

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""


RUN_NAME_TAG = v.RUN_NAME_TAG
