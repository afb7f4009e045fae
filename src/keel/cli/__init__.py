"""The ``keel`` command line: a click group whose families live in ``keel.cli.<family>``."""

from __future__ import annotations

import sys

import click

from keel.cli.models import models
from keel.cli.runs import experiments, runs
from keel.cli.server import server
from keel.cli.sync import sync
from keel.cli.webhooks import webhooks
from keel.errors import KeelError
from keel.version import __version__


@click.group()
@click.version_option(__version__, prog_name="keel")
def cli() -> None:
    """keel: experiment tracking, models and more, speaking MLflow's API."""


cli.add_command(experiments)
cli.add_command(models)
cli.add_command(runs)
cli.add_command(server)
cli.add_command(sync)
cli.add_command(webhooks)


def main() -> None:
    """Entry point: keel errors print as one line on stderr and exit 1 (usage errors exit 2)."""
    try:
        cli(standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeelError as exc:  # a message may quote input holding line breaks: still one line
        click.echo(f"Error: {' '.join(exc.message.split())}", err=True)
        sys.exit(1)
