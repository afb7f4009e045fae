"""Autologging for LightGBM: ``lightgbm.train`` and the scikit-learn API (``LGBMClassifier.fit`` …), as
``mlflow.lightgbm.autolog`` logs them.

``train`` logs the params and its other arguments, per-iteration metrics of ``valid_sets``
(``<name>-<metric>`` at step = iteration, written without blocking), the best iteration after
early stopping, ``feature_importance_{split,gain}.json`` and the booster as ``model``. A
scikit-learn API ``fit`` runs the same ``train`` logging, then logs the estimator itself as ``model``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keel.flavors import lightgbm as lightgbm_flavor
from keel.flavors.autologging import boosting, imports, patching, runs
from keel.flavors.autologging.config import AutologConfig, clear_config, set_config

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Mapping, Sequence
    from types import ModuleType

    from keel.flavors.autologging.patching import Call

INTEGRATION = "lightgbm"
SKLEARN_CLASSES = ("LGBMModel", "LGBMClassifier", "LGBMRegressor", "LGBMRanker")
# train's arguments that are data, functions or callbacks rather than settings
UNLOGGED = ("train_set", "valid_sets", "valid_names", "feval", "init_model", "callbacks")


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
    extra_tags: Mapping[str, Any] | None = None,
) -> None:
    """Enable (or, with ``disable=True``, undo) autologging of LightGBM training.

    Args:
        importance_types: the feature importance types logged; ``["split", "gain"]`` by default.
        log_input_examples: store the first training rows with the model.
        log_model_signatures: store the signature inferred from the training rows.
        log_models: log the trained booster or estimator as ``model``.
        log_datasets: log the training data (context ``train``) and ``valid_sets`` (``eval``).
        disable: restore the original functions and stop logging.
        exclusive: log nothing into a run the user started.
        silent: no warnings about autologging's own failures.
        extra_tags: tags for the runs autologging starts.

    Example:
        >>> keel.lightgbm.autolog()
        >>> lightgbm.train(params, train_set, 20, valid_sets=[valid_set], valid_names=["valid"])
    """
    if disable:
        imports.cancel(INTEGRATION)
        patching.revert(INTEGRATION)
        clear_config(INTEGRATION)
        return
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
            options={"importance_types": list(importance_types or ["split", "gain"])},
        ),
    )
    imports.when_imported("lightgbm", INTEGRATION, _patch)


def _patch(module: ModuleType) -> None:
    if patching.is_patched(INTEGRATION):
        return
    import lightgbm.engine
    import lightgbm.sklearn

    # The name train is bound in three modules; LGBMModel.fit calls the one in lightgbm.sklearn.
    for owner in (lightgbm, lightgbm.engine, lightgbm.sklearn):
        patching.patch_training(INTEGRATION, owner, "train", _train_hook)
    for name in SKLEARN_CLASSES:
        cls = getattr(lightgbm.sklearn, name, None)
        if cls is not None and "fit" in vars(cls):
            patching.patch_training(INTEGRATION, cls, "fit", _fit_hook, allow_children=True)


def _train_hook(call: Call) -> Generator[None, Any, None]:
    import lightgbm

    config = call.config
    bound = boosting.bind_arguments(lightgbm.engine.train, call)
    arguments = bound.arguments
    # Inside LGBMModel.fit, the estimator is logged by fit.
    in_fit = call.parent is not None
    with call.guard("log parameters"):
        runs.log_params(call.run_id, boosting.train_params(bound, "params", UNLOGGED))
    if config.log_datasets:
        _log_datasets(call, arguments)
    example = None
    if config.log_models and not in_fit:
        with call.guard("keep an input example"):
            data = arguments["train_set"].data
            example = runs.example_rows(data) if hasattr(data, "shape") else None
    recorder = boosting.EvalRecorder(INTEGRATION, call.run_id)
    boosting.add_callback(bound, call, _callback(recorder))
    booster = yield
    with call.guard("log evaluation metrics"):
        runs.flush(call.run_id)
    if booster.best_iteration > 0 and recorder.history:  # early stopping ran
        with call.guard("log the best iteration"):
            best = booster.best_iteration  # counted from 1
            recorder.log_best_iteration(best, best - 1, len(recorder.history))
    boosting.log_feature_importance(
        call, config.option("importance_types", []), lambda kind: _importance(booster, kind)
    )
    if config.log_models and not in_fit:
        with call.guard("log the model"):
            _log_model(call, booster, example, booster.predict)


def _fit_hook(call: Call) -> Generator[None, Any, None]:
    estimator, *rest = call.args
    features = rest[0] if rest else call.kwargs.get("X")
    example = None
    if call.config.log_models:
        with call.guard("keep an input example"):
            example = runs.example_rows(features)
    yield
    if call.config.log_models:
        with call.guard("log the model"):
            _log_model(call, estimator, example, estimator.predict)


def _log_datasets(call: Call, arguments: Mapping[str, Any]) -> None:
    train = arguments["train_set"]
    with call.guard("log the training dataset"):
        runs.log_dataset(call.run_id, train.data)
    valid_sets = arguments.get("valid_sets") or []
    names = arguments.get("valid_names") or [f"valid_{i}" for i in range(len(valid_sets))]
    boosting.log_eval_datasets(
        call, {name: valid.data for name, valid in zip(names, valid_sets, strict=False) if valid is not train}
    )


def _importance(booster: Any, kind: str) -> dict[str, float]:
    values = booster.feature_importance(importance_type=kind).tolist()
    return dict(zip(booster.feature_name(), values, strict=True))


def _log_model(call: Call, model: Any, example: Any, predict: Callable[[Any], Any]) -> None:
    input_example, signature = runs.example_and_signature(call, example, predict)
    lightgbm_flavor.log_model(model, "model", signature=signature, input_example=input_example)


def _callback(recorder: boosting.EvalRecorder) -> Callable[[Any], None]:
    def record(env: Any) -> None:
        with patching.guarded(INTEGRATION, "record evaluation metrics"):
            results = env.evaluation_result_list or []
            recorder.record(env.iteration, {f"{item[0]}-{item[1]}": float(item[2]) for item in results})

    return record
