"""``keel experiments`` and ``keel runs``: look at what was tracked from the shell."""

from __future__ import annotations

import click

TRACKING_URI = click.option("--tracking-uri", envvar="KEEL_TRACKING_URI", help="Defaults to ./keel-data.")


@click.group()
def experiments() -> None:
    """List and create experiments."""


@experiments.command("list")
@TRACKING_URI
@click.option("--filter", "filter_string", default=None, help="e.g. \"name LIKE 'prod-%'\"")
def list_experiments(tracking_uri: str | None, filter_string: str | None) -> None:
    """List active experiments."""
    from keel.tracking.client import Client

    client = Client(tracking_uri)
    for exp in client.search_experiments(filter_string=filter_string):
        click.echo(f"{exp.experiment_id}\t{exp.name}\t{exp.artifact_location}")


@experiments.command("create")
@TRACKING_URI
@click.argument("name")
def create_experiment(tracking_uri: str | None, name: str) -> None:
    """Create an experiment and print its id."""
    from keel.tracking.client import Client

    click.echo(Client(tracking_uri).create_experiment(name))


@click.group()
def runs() -> None:
    """Search runs."""


@runs.command("list")
@TRACKING_URI
@click.option("--experiment-id", "experiment_ids", multiple=True, default=("0",), show_default=True)
@click.option("--filter", "filter_string", default="", help="MLflow's grammar, plus OR, NOT and parentheses.")
@click.option("--order-by", multiple=True, help='e.g. "metrics.loss ASC"')
@click.option("--max-results", default=100, show_default=True)
def list_runs(
    tracking_uri: str | None,
    experiment_ids: tuple[str, ...],
    filter_string: str,
    order_by: tuple[str, ...],
    max_results: int,
) -> None:
    """List runs with their status and latest metrics."""
    from keel.tracking.client import Client

    found = Client(tracking_uri).search_runs(
        list(experiment_ids), filter_string, max_results=max_results, order_by=order_by
    )
    for run in found:
        metrics = " ".join(f"{k}={v:.4g}" for k, v in sorted(run.data.metrics.items()))
        click.echo(f"{run.info.run_id}\t{run.info.run_name}\t{run.info.status}\t{metrics}")
