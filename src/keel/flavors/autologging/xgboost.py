"""Autologging for XGBoost: ``xgboost.train`` and the scikit-learn API (``XGBClassifier.fit`` …), as
``mlflow.xgboost.autolog`` logs them.

``train`` logs the booster params and its other arguments, per-iteration evaluation metrics of
``evals`` (``<name>-<metric>`` at step = iteration, written without blocking), the best iteration
after early stopping, ``feature_importance_<type>.json`` and the booster as ``model``. A scikit-learn
API ``fit`` runs the same ``train`` logging, then logs the estimator itself as ``model``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keel.data.datasets import from_sparse
from keel.flavors import xgboost as xgboost_flavor
from keel.flavors.autologging import boosting, imports, patching, runs
from keel.flavors.autologging.config import AutologConfig, clear_config, set_config

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping, Sequence
    from types import ModuleType

    from keel.entities import Dataset
    from keel.flavors.autologging.patching import Call

INTEGRATION = "xgboost"
SKLEARN_CLASSES = (
    "XGBModel",
    "XGBClassifier",
    "XGBRegressor",
    "XGBRanker",
    "XGBRFClassifier",
    "XGBRFRegressor",
)
# train's arguments that are data, functions or callbacks rather than settings
UNLOGGED = ("dtrain", "evals", "obj", "feval", "custom_metric", "evals_result", "xgb_model", "callbacks")


def autolog(
    *,
    importance_types: Sequence[str] | None = None,
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    silent: bool = False,
    model_format: str = xgboost_flavor.MODEL_FORMAT_UBJ,
    extra_tags: Mapping[str, Any] | None = None,
) -> None:
    """Enable (or, with ``disable=True``, undo) autologging of XGBoost training.

    Args:
        importance_types: the feature importance types logged (``get_score``); ``["weight"]`` by default.
        log_input_examples: store the first training rows with the model.
        log_model_signatures: store the signature inferred from the training rows.
        log_models: log the trained booster or estimator as ``model``.
        log_datasets: log the training data (context ``train``) and ``evals`` (``eval``) as run inputs.
        disable: restore the original functions and stop logging.
        exclusive: log nothing into a run the user started.
        silent: no warnings about autologging's own failures.
        model_format: ``"ubj"`` or ``"json"`` (see ``keel.xgboost.save_model``).
        extra_tags: tags for the runs autologging starts.

    Example:
        >>> keel.xgboost.autolog()
        >>> xgboost.train(params, dtrain, 20, evals=[(dvalid, "valid")])   # valid-logloss per step
    """
    if disable:
        imports.cancel(INTEGRATION)
        patching.revert(INTEGRATION)
        clear_config(INTEGRATION)
        return
    options = {"importance_types": list(importance_types or ["weight"]), "model_format": model_format}
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
    imports.when_imported("xgboost", INTEGRATION, _patch)


def _patch(module: ModuleType) -> None:
    if patching.is_patched(INTEGRATION):
        return
    import xgboost.sklearn
    import xgboost.training

    # The name train is bound in three modules; XGBModel.fit calls the one in xgboost.sklearn.
    for owner in (xgboost, xgboost.training, xgboost.sklearn):
        patching.patch_training(INTEGRATION, owner, "train", _train_hook)
    for name in SKLEARN_CLASSES:
        cls = getattr(xgboost.sklearn, name, None)
        if cls is not None and "fit" in vars(cls):
            patching.patch_training(INTEGRATION, cls, "fit", _fit_hook, allow_children=True)


def _train_hook(call: Call) -> Generator[None, Any, None]:
    import xgboost

    config = call.config
    bound = boosting.bind_arguments(xgboost.training.train, call)
    arguments = bound.arguments
    # Inside XGBModel.fit: the estimator is logged by fit, and its data is the user's, not a DMatrix.
    fit_state = call.parent.state if call.parent is not None else None
    with call.guard("log parameters"):
        runs.log_params(call.run_id, boosting.train_params(bound, "params", UNLOGGED))
    if config.log_datasets:
        _log_datasets(call, arguments, fit_state)
    example = None
    if config.log_models and fit_state is None:
        with call.guard("keep an input example"):
            example = _example_rows(arguments["dtrain"])
    recorder = boosting.EvalRecorder(INTEGRATION, call.run_id)
    boosting.add_callback(bound, call, _callback(recorder))
    booster = yield
    with call.guard("log evaluation metrics"):
        runs.flush(call.run_id)
    if arguments.get("early_stopping_rounds") and recorder.history:
        with call.guard("log the best iteration"):
            best = booster.best_iteration  # counted from 0
            recorder.log_best_iteration(best, best, len(recorder.history) - 1)
    boosting.log_feature_importance(
        call, config.option("importance_types", []), lambda kind: booster.get_score(importance_type=kind)
    )
    if config.log_models and fit_state is None:
        with call.guard("log the model"):
            _log_model(call, booster, example, lambda rows: booster.predict(xgboost.DMatrix(rows)))


def _fit_hook(call: Call) -> Generator[None, Any, None]:
    estimator, *rest = call.args
    features = rest[0] if rest else call.kwargs.get("X")
    call.session.state["features"] = features
    call.session.state["eval_set"] = call.kwargs.get("eval_set")
    example = None
    if call.config.log_models:
        with call.guard("keep an input example"):
            example = runs.example_rows(features)
    yield
    if call.config.log_models:
        with call.guard("log the model"):
            _log_model(call, estimator, example, estimator.predict)


def _log_datasets(call: Call, arguments: Mapping[str, Any], fit_state: dict[str, Any] | None) -> None:
    if fit_state is not None:
        train = fit_state.get("features")
        evals = {f"validation_{i}": pair[0] for i, pair in enumerate(fit_state.get("eval_set") or [])}
    else:
        train = _matrix_dataset(arguments["dtrain"])
        evals = {name: _matrix_dataset(matrix) for matrix, name in arguments.get("evals") or []}
    with call.guard("log the training dataset"):
        runs.log_dataset(call.run_id, train)
    boosting.log_eval_datasets(call, evals)


def _matrix_dataset(matrix: Any) -> Dataset:
    """A DMatrix's features described as their DataFrame (named columns) or array would be."""
    return from_sparse(matrix.get_data(), columns=matrix.feature_names)


def _example_rows(matrix: Any) -> Any:
    import pandas as pd

    data = matrix.get_data()[: runs.INPUT_EXAMPLE_ROWS].toarray()
    names = matrix.feature_names
    return pd.DataFrame(data, columns=names) if names else data


def _log_model(call: Call, model: Any, example: Any, predict: Any) -> None:
    input_example, signature = runs.example_and_signature(call, example, predict)
    xgboost_flavor.log_model(
        model,
        "model",
        model_format=call.config.option("model_format", xgboost_flavor.MODEL_FORMAT_UBJ),
        signature=signature,
        input_example=input_example,
    )


def _callback(recorder: boosting.EvalRecorder) -> Any:
    from xgboost.callback import TrainingCallback

    class EvalCallback(TrainingCallback):
        """Hands each iteration's evaluation results to the recorder; never stops training."""

        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            with patching.guarded(INTEGRATION, "record evaluation metrics"):
                recorder.record(epoch, _last_values(evals_log))
            return False

    return EvalCallback()


def _last_values(evals_log: Mapping[str, Mapping[str, Sequence[Any]]]) -> dict[str, float]:
    found = {}
    for data_name, metrics in evals_log.items():
        for metric_name, values in metrics.items():
            value = values[-1]
            found[f"{data_name}-{metric_name}"] = float(value[0] if isinstance(value, tuple) else value)
    return found
