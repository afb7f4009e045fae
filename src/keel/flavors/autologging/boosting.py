"""What the XGBoost and LightGBM integrations share: the params of a ``train`` call, per-iteration
evaluation metrics (logged without blocking, ``<data>-<metric>`` at step = iteration), metrics at the
best iteration after early stopping, and feature importance as JSON artifacts."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from keel.flavors.autologging import patching, runs

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence

    from keel.flavors.autologging.patching import Call


def bind_arguments(function: Callable[..., Any], call: Call) -> inspect.BoundArguments:
    """The call's arguments by name, defaults filled in (``function`` may be the patched one)."""
    bound = inspect.signature(function).bind(*call.args, **call.kwargs)
    bound.apply_defaults()
    return bound


def train_params(
    bound: inspect.BoundArguments, params_name: str, unlogged: Collection[str]
) -> dict[str, Any]:
    """The booster params, then the other arguments of ``train`` worth a param (``num_boost_round`` …)."""
    arguments = bound.arguments
    found = dict(arguments.get(params_name) or {})
    found.update({k: v for k, v in arguments.items() if k != params_name and k not in unlogged})
    return found


def add_callback(bound: inspect.BoundArguments, call: Call, callback: Any) -> None:
    """Append ``callback`` to the call's ``callbacks`` argument (a new list: the user's is left alone)."""
    bound.arguments["callbacks"] = [*(bound.arguments.get("callbacks") or []), callback]
    call.args, call.kwargs = bound.args, bound.kwargs


class EvalRecorder:
    """Evaluation results per iteration, logged as they come and kept for the best iteration."""

    def __init__(self, integration: str, run_id: str) -> None:
        self.integration = integration
        self.run_id = run_id
        self.history: list[dict[str, float]] = []

    def record(self, iteration: int, metrics: Mapping[str, float]) -> None:
        with patching.guarded(self.integration, "log evaluation metrics"):
            self.history.append(dict(metrics))
            runs.log_metrics(self.run_id, metrics, step=iteration, synchronous=False)

    def log_best_iteration(self, best_iteration: int, best_index: int, stopped_iteration: int) -> None:
        """After early stopping: ``stopped_iteration``, ``best_iteration`` (each library counts its
        own way, as in MLflow), and the best iteration's results again at the step after the last."""
        runs.flush(self.run_id)
        last_step = len(self.history)
        runs.log_metrics(
            self.run_id, {"stopped_iteration": stopped_iteration, "best_iteration": best_iteration}
        )
        if 0 <= best_index < len(self.history):
            runs.log_metrics(self.run_id, self.history[best_index], step=last_step)


def log_feature_importance(
    call: Call, importance_types: Sequence[str], compute: Callable[[str], Mapping[str, float]]
) -> None:
    """``feature_importance_<type>.json`` per importance type: ``{feature: importance}``."""
    for importance_type in importance_types:
        with call.guard(f"log the '{importance_type}' feature importance"):
            data = {str(k): float(v) for k, v in compute(importance_type).items()}
            runs.log_json(call.run_id, data, f"feature_importance_{importance_type}.json")


def log_eval_datasets(call: Call, datasets: Mapping[str, Any]) -> None:
    """Log each evaluation set (by name) as a run input with context ``eval``."""
    for name, data in datasets.items():
        with call.guard(f"log the evaluation dataset '{name}'"):
            runs.log_dataset(call.run_id, data, context=runs.EVALUATION_CONTEXT, name=name)
