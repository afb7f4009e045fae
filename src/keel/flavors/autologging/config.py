"""Per-integration autologging options: what ``autolog(...)`` was last called with, read at each fit.

An integration is enabled exactly while it has a configuration here; patched methods read it on every
call, so calling ``autolog`` again with other options takes effect without patching anew.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

AUTOLOGGING_TAG = "mlflow.autologging"
"""Set on the runs autologging starts, with the integration's name as value (as MLflow does)."""


@dataclass(frozen=True)
class AutologConfig:
    """The options every integration shares, plus its own ones in ``options``.

    Attributes:
        log_models: log the trained model.
        log_input_examples: store a few training rows with the model.
        log_model_signatures: infer and store the model's signature.
        log_datasets: record the training (and evaluation) data as run inputs.
        exclusive: when a run is already active (one the user started), log nothing into it.
        silent: log no warnings about autologging's own failures.
        extra_tags: tags set on the runs autologging starts.
        options: the integration's own options (``max_tuning_runs``, ``importance_types`` …).
    """

    log_models: bool = True
    log_input_examples: bool = False
    log_model_signatures: bool = True
    log_datasets: bool = True
    exclusive: bool = False
    silent: bool = False
    extra_tags: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


_lock = threading.Lock()
_configs: dict[str, AutologConfig] = {}


def set_config(integration: str, config: AutologConfig) -> None:
    with _lock:
        _configs[integration] = config


def find_config(integration: str) -> AutologConfig | None:
    """The integration's options, or ``None`` when it is disabled."""
    return _configs.get(integration)


def clear_config(integration: str) -> None:
    with _lock:
        _configs.pop(integration, None)


def enabled_integrations() -> list[str]:
    return sorted(_configs)
