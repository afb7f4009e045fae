"""Autologging for PyTorch Lightning: ``Trainer.fit`` (of ``lightning.pytorch`` and of
``pytorch_lightning``) logs hyperparameters, epoch metrics and the trained model, as
``mlflow.pytorch.autolog`` does.

Params: the module's ``hparams`` (``save_hyperparameters``), ``epochs``, the first optimizer's name
and settings, and any ``EarlyStopping``'s settings. Metrics: ``trainer.callback_metrics`` at the end
of each training epoch (validation results included), at step = epoch, written without blocking;
after early stopping, ``stopped_epoch``. Artifacts: the best checkpoint of the trainer's
``ModelCheckpoint`` under ``checkpoints/``; the trained module as ``model`` (``keel.pytorch``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from keel.flavors import pytorch as pytorch_flavor
from keel.flavors.autologging import imports, patching, runs
from keel.flavors.autologging.config import AutologConfig, clear_config, set_config
from keel.tracking import fluent

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping
    from types import ModuleType

    from keel.flavors.autologging.patching import Call

INTEGRATION = "pytorch"
PACKAGES = ("lightning.pytorch", "pytorch_lightning")
CHECKPOINT_DIR = "checkpoints"
EARLY_STOPPING_PARAMS = ("monitor", "mode", "patience", "min_delta")


def autolog(
    *,
    log_every_n_epoch: int = 1,
    log_models: bool = True,
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_datasets: bool = True,
    checkpoint: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    silent: bool = False,
    extra_tags: Mapping[str, Any] | None = None,
) -> None:
    """Enable (or, with ``disable=True``, undo) autologging of PyTorch Lightning's ``Trainer.fit``.

    Args:
        log_every_n_epoch: log epoch metrics every N epochs.
        log_models: log the trained ``LightningModule`` as ``model`` (pickle format).
        log_input_examples: accepted for ``keel.autolog``; Lightning batches have no fixed shape to
            take an example from, so none is logged.
        log_model_signatures: likewise accepted and unused.
        log_datasets: likewise accepted and unused (dataloaders are not datasets keel can describe).
        checkpoint: log the best checkpoint of the trainer's ``ModelCheckpoint`` under ``checkpoints/``.
        disable: restore ``Trainer.fit`` and stop logging.
        exclusive: log nothing into a run the user started.
        silent: no warnings about autologging's own failures.
        extra_tags: tags for the runs autologging starts.

    Example:
        >>> keel.pytorch.autolog()
        >>> Trainer(max_epochs=3).fit(model, train_loader, val_loader)
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
            options={"log_every_n_epoch": max(1, log_every_n_epoch), "checkpoint": checkpoint},
        ),
    )
    for package in PACKAGES:
        if imports.is_installed(package):
            imports.when_imported(package, INTEGRATION, _patch)


def _patch(package: ModuleType) -> None:
    trainer = package.Trainer
    if not patching.is_patched(INTEGRATION, trainer):
        patching.patch_training(INTEGRATION, trainer, "fit", _fit_hook)


def _fit_hook(call: Call) -> Generator[None, Any, None]:
    trainer, *rest = call.args
    module = rest[0] if rest else call.kwargs.get("model")
    package = _package_of(trainer)
    with call.guard("log hyperparameters"):
        hparams = dict(getattr(module, "hparams", None) or {})
        runs.log_params(call.run_id, {**hparams, "epochs": trainer.max_epochs})
    stoppers = [cb for cb in trainer.callbacks if isinstance(cb, package.callbacks.EarlyStopping)]
    with call.guard("log early stopping settings"):
        for stopper in stoppers:
            runs.log_params(call.run_id, {p: getattr(stopper, p) for p in EARLY_STOPPING_PARAMS})
    callback = _callback_class(package.Callback)(call, set(hparams))
    trainer.callbacks.append(callback)
    try:
        yield
    finally:
        trainer.callbacks.remove(callback)
    with call.guard("log epoch metrics"):
        runs.flush(call.run_id)
    for stopper in stoppers:
        if stopper.stopped_epoch:
            with call.guard("log early stopping results"):
                runs.log_metrics(call.run_id, {"stopped_epoch": stopper.stopped_epoch})
    if call.config.option("checkpoint", True):
        with call.guard("log the best checkpoint"):
            _log_checkpoint(call, trainer)
    if call.config.log_models:
        with call.guard("log the model"):
            pytorch_flavor.log_model(
                trainer.lightning_module,
                "model",
                serialization_format=pytorch_flavor.SERIALIZATION_FORMAT_PICKLE,
            )


def _package_of(trainer: Any) -> Any:
    name = "pytorch_lightning" if type(trainer).__module__.startswith("pytorch_lightning") else PACKAGES[0]
    return sys.modules[name]


def _log_checkpoint(call: Call, trainer: Any) -> None:
    saver = trainer.checkpoint_callback
    path = getattr(saver, "best_model_path", None)
    if path:
        fluent.log_artifact(path, CHECKPOINT_DIR, run_id=call.run_id)
        score = getattr(saver, "best_model_score", None)
        if score is not None:
            runs.log_metrics(call.run_id, {"best_model_score": _scalar(score)})


def _scalar(value: Any) -> Any:
    """A Python number from a one-element tensor; anything else unchanged (and then not logged)."""
    if hasattr(value, "numel") and value.numel() == 1:
        return value.item()
    return value


class EpochLogger:
    """The callback's behaviour; ``_callback_class`` mixes it into the package's ``Callback``."""

    def __init__(self, call: Call, hparam_names: set[str]) -> None:
        self.call = call
        self.hparam_names = hparam_names
        self.every = int(call.config.option("log_every_n_epoch", 1))

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        with self.call.guard("log optimizer settings"):
            if trainer.optimizers:
                optimizer = trainer.optimizers[0]
                params = {"optimizer_name": type(optimizer).__name__}
                # Settings the hparams already name (lr …) keep the hparams' value.
                defaults = getattr(optimizer, "defaults", {})
                params.update({k: v for k, v in defaults.items() if k not in self.hparam_names})
                runs.log_params(self.call.run_id, params)

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        if trainer.sanity_checking or (trainer.current_epoch + 1) % self.every:
            return
        with self.call.guard("log epoch metrics"):
            metrics = {k: _scalar(v) for k, v in trainer.callback_metrics.items()}
            runs.log_metrics(self.call.run_id, metrics, step=trainer.current_epoch, synchronous=False)


_classes: dict[type, type] = {}


def _callback_class(base: type) -> type:
    if base not in _classes:
        _classes[base] = type("AutologCallback", (EpochLogger, base), {"__module__": __name__})
    return _classes[base]
