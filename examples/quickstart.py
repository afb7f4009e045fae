"""Quickstart: train a tiny model, track it with keel, and find the best run.

Run it with ``make run`` (or ``python examples/quickstart.py``). Data goes to
``./keel-data`` unless ``KEEL_TRACKING_URI`` says otherwise.
"""

from __future__ import annotations

import math
import random

import keel


def train(alpha: float, epochs: int, rng: random.Random) -> list[float]:
    """A stand-in for a training loop: a loss curve that decays at a rate set by ``alpha``."""
    floor = 0.05 + abs(alpha - 0.3) / 2
    return [floor + math.exp(-alpha * (epoch + 1)) + rng.uniform(0, 0.01) for epoch in range(epochs)]


def main() -> None:
    rng = random.Random(7)
    keel.set_experiment("quickstart")
    with keel.start_run(run_name="sweep") as sweep:
        for alpha in (0.1, 0.3, 0.5, 0.9):
            with keel.start_run(run_name=f"alpha={alpha}", nested=True):
                keel.log_params({"alpha": alpha, "epochs": 50})
                for epoch, loss in enumerate(train(alpha, 50, rng)):
                    keel.log_metric("loss", loss, step=epoch, synchronous=False)
                keel.log_metric("final_loss", loss)
                keel.log_dict({"alpha": alpha, "final_loss": loss}, "summary.json")
    best = keel.search_runs(
        filter_string=f"tags.`mlflow.parentRunId` = '{sweep.info.run_id}'",
        order_by=["metrics.final_loss ASC"],
        output_format="list",
    )[0]
    print(f"Tracked {len(best.data.params)} params and 50 steps for each of 4 runs.")
    print(f"Best run: {best.info.run_name} (final_loss={best.data.metrics['final_loss']:.4f})")
    print(f"Tracking data: {keel.get_tracking_uri()}")
    print(f"Artifacts:     {best.info.artifact_uri}")


if __name__ == "__main__":
    main()
