"""``keel models``: predict with a model, and (with the registry) its lineage and history."""

from __future__ import annotations

import click

from keel.cli.predict import predict


@click.group()
def models() -> None:
    """Work with logged and registered models."""


models.add_command(predict)
