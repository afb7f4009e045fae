"""Hyperparameter searches (``GridSearchCV``, ``RandomizedSearchCV``): the best params and score on the
search's run, ``cv_results.csv`` as its artifact, and one child run per candidate, as MLflow logs them.

Child runs hold the seed estimator's params overridden by the candidate's, and the candidate's
aggregate cross-validation results (``mean_test_score``, ``rank_test_score``, ``mean_fit_time`` …).
Only the ``max_tuning_runs`` best-ranked candidates get a run (all of them when it is ``None``).
"""

from __future__ import annotations

from numbers import Number
from typing import TYPE_CHECKING, Any

from keel.entities import DatasetInput, InputTag
from keel.flavors.autologging import runs
from keel.flavors.autologging.config import AUTOLOGGING_TAG
from keel.tracking import context, fluent
from keel.tracking.client import Client, now_ms

if TYPE_CHECKING:
    import pandas as pd

    from keel.entities import Dataset
    from keel.flavors.autologging.patching import Call

CV_RESULTS_FILE = "cv_results.csv"
# cv_results_ repeats each param in a param_<name> column and has per-split results: not logged.
_SKIPPED_PREFIXES = ("param", "split")


def is_search(estimator: Any) -> bool:
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

    return isinstance(estimator, GridSearchCV | RandomizedSearchCV)


def log_search_results(call: Call, search: Any, dataset: Dataset | None) -> None:
    """Best params and score, the results table and the child runs of a fitted search."""
    if hasattr(search, "best_params_"):
        with call.guard("log the best parameters"):
            runs.log_params(call.run_id, {f"best_{k}": v for k, v in search.best_params_.items()})
    if hasattr(search, "best_score_"):
        with call.guard("log the best cross-validation score"):
            runs.log_metrics(call.run_id, {"best_cv_score": search.best_score_})
    if not hasattr(search, "cv_results_"):
        return
    import pandas as pd

    results = pd.DataFrame.from_dict(search.cv_results_)
    with call.guard("log the search results as an artifact"):
        fluent.log_text(results.to_csv(index=False), CV_RESULTS_FILE, run_id=call.run_id)
    with call.guard("create child runs for the search's candidates"):
        _log_child_runs(call, search, _best_rows(results, call.config.option("max_tuning_runs")), dataset)


def _best_rows(results: pd.DataFrame, max_runs: int | None) -> pd.DataFrame:
    if max_runs is None:
        return results
    rank = "rank_test_score"
    if rank not in results.columns:  # a multi-metric search ranks each scorer: take the first
        rank = next(c for c in results.columns if str(c).startswith("rank_test_"))
    return results.nsmallest(max_runs, rank)


def _log_child_runs(call: Call, search: Any, rows: pd.DataFrame, dataset: Dataset | None) -> None:
    client = Client()
    parent = client.get_run(call.run_id)
    seed = search.estimator
    # Candidates list only the params that vary; the seed's params fill in the rest.
    base_params = seed.get_params(deep=not is_search(seed))
    tags = {
        **context.default_run_tags(),
        context.PARENT_RUN_ID_TAG: call.run_id,
        AUTOLOGGING_TAG: call.integration,
        "estimator_name": type(seed).__name__,
        "estimator_class": f"{type(seed).__module__}.{type(seed).__qualname__}",
    }
    inputs = []
    if dataset is not None:
        inputs = [DatasetInput(dataset, (InputTag("mlflow.data.context", runs.TRAINING_CONTEXT),))]
    end_time = now_ms()
    for _, row in rows.iterrows():
        child = client.create_run(parent.info.experiment_id, start_time=parent.info.start_time, tags=tags)
        child_id = child.info.run_id
        runs.log_params(child_id, {**base_params, **row.get("params", {})})
        metrics = {
            str(key): value
            for key, value in row.items()
            if not str(key).startswith(_SKIPPED_PREFIXES) and isinstance(value, Number)
        }
        runs.log_metrics(child_id, metrics)
        if inputs:
            client.log_inputs(child_id, inputs)
        client.set_terminated(child_id, end_time=end_time)
