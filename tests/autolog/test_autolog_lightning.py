"""PyTorch Lightning autologging: ``Trainer.fit`` logs hyperparameters, epoch metrics, the best
checkpoint and a model that loads back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import lightning.pytorch as pl
import pytest
import torch
from autolog_lightning_modules import Regressor, loader
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

import keel
import keel.pytorch
from keel.flavors.autologging import lightning as lightning_autolog

# Warnings Lightning 2.6 gives about this tiny setup and about its own use of torch's pytree.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*LeafSpec.*is deprecated:FutureWarning"),
    pytest.mark.filterwarnings("ignore:.*does not have many workers:UserWarning"),
    pytest.mark.filterwarnings("ignore:.*is smaller than the logging interval:UserWarning"),
]


def trainer(tmp_path: Path, epochs: int = 2, **kwargs: object) -> pl.Trainer:
    return pl.Trainer(
        max_epochs=epochs,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tmp_path / "lightning",
        **kwargs,  # type: ignore[arg-type]
    )


def only_run() -> keel.Run:
    [run] = keel.search_runs(output_format="list")
    return run


def test_fit_logs_hparams_epoch_metrics_checkpoint_and_model(
    tmp_path: Path, autolog_warnings: Callable[[], list[str]]
) -> None:
    lightning_autolog.autolog()
    fitter = trainer(tmp_path, callbacks=[ModelCheckpoint(monitor="val_loss")])
    model = Regressor(lr=0.05, hidden=4)

    fitter.fit(model, loader(), loader())

    run = only_run()
    assert run.info.status == "FINISHED"
    assert run.data.tags["mlflow.autologging"] == "pytorch"
    params = run.data.params
    assert (params["lr"], params["hidden"], params["epochs"], params["optimizer_name"]) == (
        "0.05",
        "4",
        "2",
        "SGD",
    )
    client = keel.Client()
    for key in ("train_loss", "val_loss"):
        assert [m.step for m in client.get_metric_history(run.info.run_id, key)] == [0, 1]
    assert run.data.metrics["val_loss"] == pytest.approx(float(fitter.callback_metrics["val_loss"]))
    [checkpoint] = client.list_artifacts(run.info.run_id, "checkpoints")
    assert checkpoint.path.endswith(".ckpt")
    assert run.data.metrics["best_model_score"] == pytest.approx(
        float(fitter.checkpoint_callback.best_model_score)
    )
    assert not any(type(cb).__name__ == "AutologCallback" for cb in fitter.callbacks)  # removed after fit
    [output] = run.outputs.model_outputs
    loaded = keel.pytorch.load_model(f"models:/{output.model_id}")
    sample = torch.ones(2, 3)
    torch.testing.assert_close(loaded(sample), model(sample))
    assert autolog_warnings() == []


def test_early_stopping_settings_and_every_n_epochs(tmp_path: Path) -> None:
    lightning_autolog.autolog(log_models=False, checkpoint=False, log_every_n_epoch=2)
    stopper = EarlyStopping(monitor="val_loss", patience=5, mode="min")

    trainer(tmp_path, epochs=4, callbacks=[stopper], enable_checkpointing=False).fit(
        Regressor(), loader(), loader()
    )

    run = only_run()
    assert (run.data.params["monitor"], run.data.params["patience"], run.data.params["mode"]) == (
        "val_loss",
        "5",
        "min",
    )
    steps = [m.step for m in keel.Client().get_metric_history(run.info.run_id, "val_loss")]
    assert steps == [1, 3]
    assert run.outputs.model_outputs == ()
    assert keel.Client().list_artifacts(run.info.run_id) == []


def test_a_failing_fit_fails_the_run_and_removes_the_callback(tmp_path: Path) -> None:
    lightning_autolog.autolog()
    fitter = trainer(tmp_path)

    class Broken(Regressor):
        def training_step(self, batch: object, batch_idx: int) -> torch.Tensor:
            raise RuntimeError("diverged")

    with pytest.raises(RuntimeError, match="diverged"):
        fitter.fit(Broken(), loader(), loader())

    assert only_run().info.status == "FAILED"
    assert not any(type(cb).__name__ == "AutologCallback" for cb in fitter.callbacks)


def test_disable_restores_trainer_fit() -> None:
    fit = vars(pl.Trainer)["fit"]

    lightning_autolog.autolog()
    assert vars(pl.Trainer)["fit"] is not fit
    lightning_autolog.autolog(disable=True)

    assert vars(pl.Trainer)["fit"] is fit
