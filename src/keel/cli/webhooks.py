"""``keel webhooks``: register URLs for registry events, and look at (or re-send) their deliveries.

With an ``http(s)://`` tracking URI the commands call that keel server; with a database URI (or none:
``./keel-data``) they work on the database directly, and a keel server on it sends the deliveries.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import click

from keel.cli.runs import TRACKING_URI

if TYPE_CHECKING:
    from collections.abc import Iterator

    from keel.entities.webhook import WebhookDelivery
    from keel.store.registry.webhooks import WebhookStore


@contextlib.contextmanager
def open_webhook_store(tracking_uri: str | None) -> Iterator[WebhookStore]:
    """The webhooks of a server (REST) or of a database (SQL), closed afterwards."""
    from keel.tracking.uris import default_artifact_root, is_http_uri, resolve_tracking_uri

    uri = resolve_tracking_uri(tracking_uri)
    if is_http_uri(uri):
        from keel.store.registry.rest_webhooks import RestWebhookStore
        from keel.store.tracking.http_client import HttpClient

        rest = RestWebhookStore(HttpClient.open(uri))
        try:
            yield rest
        finally:
            rest.close()
        return
    from keel.store.registry.sql.webhooks import SqlWebhookStore
    from keel.store.tracking.sql import SqlTrackingStore

    tracking = SqlTrackingStore(uri, default_artifact_root(uri))
    try:
        yield SqlWebhookStore(tracking.engines)
    finally:
        tracking.close()


@click.group()
def webhooks() -> None:
    """Webhooks on registry events: a signed POST per event, retried until the receiver accepts it."""


@webhooks.command("create")
@TRACKING_URI
@click.option("--name", required=True, help="Lower-case letters, digits, '.', '_' and '-'.")
@click.option("--url", required=True, help="http(s) URL the events are POSTed to.")
@click.option(
    "--event",
    "events",
    multiple=True,
    required=True,
    help="e.g. model_version.created, model_version_alias.created, model_version.stage_changed.",
)
@click.option("--secret", envvar="KEEL_WEBHOOK_SECRET", default=None, help="Signs each delivery (HMAC).")
@click.option("--description", default=None)
@click.option("--disabled", is_flag=True, help="Create it paused: deliveries queue until it is enabled.")
def create_webhook(
    tracking_uri: str | None,
    name: str,
    url: str,
    events: tuple[str, ...],
    secret: str | None,
    description: str | None,
    disabled: bool,
) -> None:
    """Create a webhook and print its id.

    Example: keel webhooks create --name ci --url https://ci.example.com/hook
    --event model_version.created --event model_version_alias.created --secret "$HOOK_SECRET"
    """
    with open_webhook_store(tracking_uri) as store:
        webhook = store.create_webhook(
            name, url, events, description, secret, "DISABLED" if disabled else "ACTIVE"
        )
    click.echo(webhook.webhook_id)


@webhooks.command("list")
@TRACKING_URI
def list_webhooks(tracking_uri: str | None) -> None:
    """List webhooks, newest first: id, name, status, URL and events."""
    with open_webhook_store(tracking_uri) as store:
        token: str | None = None
        while True:
            page = store.list_webhooks(page_token=token)
            for hook in page:
                events = ",".join(e.value for e in hook.events)
                click.echo(f"{hook.webhook_id}\t{hook.name}\t{hook.status.value}\t{hook.url}\t{events}")
            token = page.token
            if not token:
                break


@webhooks.command("delete")
@TRACKING_URI
@click.argument("webhook_id")
def delete_webhook(tracking_uri: str | None, webhook_id: str) -> None:
    """Delete a webhook and its deliveries."""
    with open_webhook_store(tracking_uri) as store:
        store.delete_webhook(webhook_id)


def _describe(delivery: WebhookDelivery) -> str:
    event = delivery.event
    subject = event.name if event.version is None else f"{event.name}/{event.version}"
    if delivery.response_status is not None:
        result = f"HTTP {delivery.response_status}"
    else:
        result = delivery.error or "-"
    return (
        f"{delivery.delivery_id}\t{delivery.status.value}\t{delivery.attempts}\t{event.action}\t"
        f"{subject}\t{result}"
    )


@webhooks.command("deliveries")
@TRACKING_URI
@click.argument("webhook_id")
@click.option("--max-results", default=100, show_default=True, type=click.IntRange(1, 1000))
@click.option("--attempts", "show_attempts", is_flag=True, help="Also list each delivery's attempts.")
def list_deliveries(tracking_uri: str | None, webhook_id: str, max_results: int, show_attempts: bool) -> None:
    """List a webhook's deliveries, newest first: id, status, attempts, event, model, last result."""
    with open_webhook_store(tracking_uri) as store:
        page = store.list_deliveries(webhook_id, max_results=max_results)
    for delivery in page:
        click.echo(_describe(delivery))
        if show_attempts:
            for attempt in delivery.attempt_log:
                status = "-" if attempt.response_status is None else f"HTTP {attempt.response_status}"
                click.echo(f"  attempt {attempt.attempt}\t{status}\t{attempt.error or ''}".rstrip())


@webhooks.command("redeliver")
@TRACKING_URI
@click.argument("delivery_id")
def redeliver(tracking_uri: str | None, delivery_id: str) -> None:
    """Send a delivery's event again (as a new delivery, due now) and print the new delivery's id."""
    with open_webhook_store(tracking_uri) as store:
        click.echo(store.redeliver(delivery_id).delivery_id)
