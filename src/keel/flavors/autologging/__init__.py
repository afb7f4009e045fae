"""Autologging: training calls of the ML libraries log their params, metrics and models by themselves.

``keel.autolog()`` enables every integration whose library is installed; each library is patched
when it is (or once it gets) imported, so enabling costs no import of torch or scikit-learn.
One integration alone: ``keel.flavors.autologging.<module>.autolog()``.

=========  ================================  ======================================
name       module                            patches
=========  ================================  ======================================
sklearn    ``autologging.sklearn``           ``fit`` of scikit-learn's estimators
xgboost    ``autologging.xgboost``           ``xgboost.train``, ``XGBModel.fit`` …
lightgbm   ``autologging.lightgbm``          ``lightgbm.train``, ``LGBMModel.fit`` …
pytorch    ``autologging.lightning``         ``Trainer.fit`` of Lightning
=========  ================================  ======================================
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from keel.flavors.autologging import imports, patching
from keel.flavors.autologging.config import AutologConfig, enabled_integrations, find_config

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["AutologConfig", "autolog", "enabled_integrations", "find_config"]

# integration -> (keel module, the libraries it patches: enabled when one is installed)
INTEGRATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sklearn": ("keel.flavors.autologging.sklearn", ("sklearn",)),
    "xgboost": ("keel.flavors.autologging.xgboost", ("xgboost",)),
    "lightgbm": ("keel.flavors.autologging.lightgbm", ("lightgbm",)),
    "pytorch": ("keel.flavors.autologging.lightning", ("lightning", "pytorch_lightning")),
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
    extra_tags: Mapping[str, Any] | None = None,
) -> None:
    """Enable (or disable) autologging for every supported library that is installed.

    An integration that cannot be enabled is skipped with a warning; the others still are.

    Args:
        log_input_examples: store the first training rows with each logged model.
        log_model_signatures: store the signature inferred from the training data.
        log_models: log trained models.
        log_datasets: log training and evaluation data as run inputs.
        disable: undo every integration's patches and stop logging.
        exclusive: log nothing into runs the user started.
        silent: no warnings about autologging's own failures.
        extra_tags: tags for the runs autologging starts.

    Example:
        >>> keel.autolog()
        >>> LogisticRegression().fit(X, y)    # logged to a new run
        >>> with keel.start_run():
        ...     xgboost.train(params, dtrain, evals=[(dvalid, "valid")])   # logged to this run
    """
    options = {
        "log_input_examples": log_input_examples,
        "log_model_signatures": log_model_signatures,
        "log_models": log_models,
        "log_datasets": log_datasets,
        "exclusive": exclusive,
        "silent": silent,
        "extra_tags": extra_tags,
    }
    for name, (module, libraries) in INTEGRATIONS.items():
        if disable:
            imports.cancel(name)
            if find_config(name) is not None or patching.is_patched(name):
                import_module(module).autolog(disable=True)
            continue
        if not any(imports.is_installed(library) for library in libraries):
            continue
        try:
            import_module(module).autolog(**options)
        except Exception as exc:
            patching.report(name, "be enabled", exc)
