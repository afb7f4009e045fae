"""``keel models``: predict with a model, and (with the registry) its lineage and history."""

from __future__ import annotations

import click

from keel.cli.predict import predict
from keel.cli.registry import history, lineage, register


@click.group()
def models() -> None:
    """Work with logged and registered models."""


models.add_command(predict)
models.add_command(register)
models.add_command(lineage)
models.add_command(history)
