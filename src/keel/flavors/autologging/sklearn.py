"""Autologging for scikit-learn: each ``fit`` (``fit_transform``, ``fit_predict``) of an estimator logs
its params, training metrics and the fitted model, as ``mlflow.sklearn.autolog`` does.

Every estimator class scikit-learn lists, plus ``Pipeline`` and the searches, is patched. Fits made
inside another fit (a pipeline's steps, a search's candidates) are not logged on their own; a search
logs its candidates as child runs instead (``keel.flavors.autologging.sklearn_search``), and
``cross_val_score`` and its kin log nothing.
"""

from __future__ import annotations

import importlib
import inspect
from typing import TYPE_CHECKING, Any

from keel.errors import InvalidParameter
from keel.flavors import sklearn as sklearn_flavor
from keel.flavors.autologging import imports, patching, runs
from keel.flavors.autologging.config import AutologConfig, clear_config, set_config
from keel.flavors.autologging.sklearn_metrics import SAMPLE_WEIGHT, training_metrics
from keel.flavors.autologging.sklearn_search import is_search, log_search_results
from keel.tracking import fluent

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping
    from types import ModuleType

    from keel.flavors.autologging.patching import Call
    from keel.models.log import ModelInfo

INTEGRATION = "sklearn"
FIT_METHODS = ("fit", "fit_transform", "fit_predict")
# The helpers through which cross_val_score, cross_validate, cross_val_predict, learning_curve,
# validation_curve, permutation_test_score and the searches fit clones: none of those fits is logged,
# even in a worker thread that does not see the search's own session. Patched where they are
# called from, they hold for functions the user imported before autolog was called.
UNLOGGED_HELPERS = {
    "sklearn.model_selection._validation": ("_fit_and_score", "_fit_and_predict"),
    "sklearn.model_selection._search": ("_fit_and_score",),
}


def autolog(
    *,
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    silent: bool = False,
    max_tuning_runs: int | None = 5,
    pos_label: Any = None,
    serialization_format: str = sklearn_flavor.SERIALIZATION_FORMAT_CLOUDPICKLE,
    extra_tags: Mapping[str, Any] | None = None,
) -> None:
    """Enable (or, with ``disable=True``, undo) autologging of scikit-learn estimators.

    Each ``fit`` logs, to the active run or to a run it starts and ends: the params
    (``get_params(deep=True)``; a search's own params), the tags ``estimator_name`` and
    ``estimator_class``, training metrics (``training_score``, ``training_accuracy_score`` …),
    the training data as a run input and the fitted model (``model``; a search also logs
    ``best_estimator``, ``best_*`` params, ``best_cv_score``, ``cv_results.csv`` and child runs).

    Args:
        log_input_examples: store the first training rows with the model.
        log_model_signatures: store the signature inferred from the training rows.
        log_models: log the fitted model.
        log_datasets: log the training data as a run input (context ``train``).
        disable: restore the original methods and stop logging.
        exclusive: log nothing into a run the user started.
        silent: no warnings about autologging's own failures.
        max_tuning_runs: child runs for the best N candidates of a search; ``None`` for all.
        pos_label: the positive class of binary metrics; weighted averages when ``None``.
        serialization_format: how models are saved (see ``keel.sklearn.save_model``).
        extra_tags: tags for the runs autologging starts.

    Example:
        >>> keel.sklearn.autolog()
        >>> LogisticRegression().fit(X, y)   # a run with params, metrics and the model
    """
    if disable:
        imports.cancel(INTEGRATION)
        patching.revert(INTEGRATION)
        clear_config(INTEGRATION)
        return
    if max_tuning_runs is not None and max_tuning_runs < 0:
        raise InvalidParameter(f"max_tuning_runs must be non-negative, got {max_tuning_runs}")
    options = {
        "max_tuning_runs": max_tuning_runs,
        "pos_label": pos_label,
        "serialization_format": serialization_format,
    }
    set_config(
        INTEGRATION,
        AutologConfig(
            log_models=log_models,
            log_input_examples=log_input_examples,
            log_model_signatures=log_model_signatures,
            log_datasets=log_datasets,
            exclusive=exclusive,
            silent=silent,
            extra_tags={k: str(v) for k, v in (extra_tags or {}).items()},
            options=options,
        ),
    )
    imports.when_imported("sklearn", INTEGRATION, _patch)


def _patch(module: ModuleType) -> None:
    if patching.is_patched(INTEGRATION):
        return
    for cls in estimator_classes():
        for name in FIT_METHODS:
            # Inherited methods too (GridSearchCV's fit is BaseSearchCV's), but not descriptors
            # such as available_if, whose absence on an instance is meaningful.
            if inspect.isfunction(inspect.getattr_static(cls, name, None)):
                patching.patch_training(INTEGRATION, cls, name, _fit_hook)
    for module_name, names in UNLOGGED_HELPERS.items():
        helpers = importlib.import_module(module_name)
        for name in names:
            if hasattr(helpers, name):
                patching.patch_without_logging(INTEGRATION, helpers, name)


def estimator_classes() -> list[type]:
    """scikit-learn's estimators, plus the meta-estimators ``all_estimators`` leaves out."""
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.utils import all_estimators

    classes = {cls for _, cls in all_estimators()} | {GridSearchCV, RandomizedSearchCV, Pipeline}
    return sorted(classes, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def _fit_hook(call: Call) -> Generator[None, Any, None]:
    estimator, features, labels, weights = fit_arguments(call.args, call.kwargs)
    config = call.config
    search = is_search(estimator)
    with call.guard("log the estimator's parameters"):
        runs.log_params(call.run_id, estimator.get_params(deep=not search))
    with call.guard("tag the run with the estimator"):
        fluent.set_tags(estimator_tags(estimator), run_id=call.run_id)
    dataset = None
    if config.log_datasets:
        with call.guard("log the training dataset"):
            dataset = runs.log_dataset(call.run_id, features)
    example = None
    if config.log_models:
        with call.guard("keep an input example"):
            example = runs.example_rows(features)
    yield
    with call.guard("log training metrics"):
        pos_label = config.option("pos_label")
        runs.log_metrics(
            call.run_id, training_metrics(INTEGRATION, estimator, features, labels, weights, pos_label)
        )
    if config.log_models:
        with call.guard("log the model"):
            log_estimator(call, estimator, "model", example)
        if search and hasattr(estimator, "best_estimator_"):
            with call.guard("log the best estimator"):
                log_estimator(call, estimator.best_estimator_, "best_estimator", example)
    if search:
        log_search_results(call, estimator, dataset)


def fit_arguments(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[Any, Any, Any, Any]:
    """``(estimator, X, y, sample_weight)`` of a ``fit(self, X, y=None, sample_weight=None…)`` call."""
    estimator, *rest = args
    features = rest[0] if rest else kwargs.get("X")
    labels = rest[1] if len(rest) > 1 else kwargs.get("y", kwargs.get("Y"))
    weights = kwargs.get(SAMPLE_WEIGHT)
    if weights is None and len(rest) > 2:
        names = list(inspect.signature(type(estimator).fit).parameters)
        if names[3:4] == [SAMPLE_WEIGHT]:  # fit(self, X, y, sample_weight, …)
            weights = rest[2]
    return estimator, features, labels, weights


def estimator_tags(estimator: Any) -> dict[str, str]:
    cls = type(estimator)
    return {"estimator_name": cls.__name__, "estimator_class": f"{cls.__module__}.{cls.__qualname__}"}


def log_estimator(call: Call, estimator: Any, name: str, example: Any) -> ModelInfo:
    """Log a fitted estimator with the sklearn flavor, its example and signature as the options ask."""
    predict = getattr(estimator, "predict", None)
    input_example, signature = runs.example_and_signature(call, example, predict)
    return sklearn_flavor.log_model(
        estimator,
        name,
        serialization_format=call.config.option(
            "serialization_format", sklearn_flavor.SERIALIZATION_FORMAT_CLOUDPICKLE
        ),
        signature=signature,
        input_example=input_example if predict is not None else None,
    )
