"""``keel sync``: send the metric points that finished processes left in the spool."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.option(
    "--spool-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Defaults to KEEL_SPOOL_DIR, else ~/.keel/spool.",
)
@click.option(
    "--tracking-uri",
    default=None,
    help="Send everything here instead of to the server each spool was meant for.",
)
def sync(spool_dir: Path | None, tracking_uri: str | None) -> None:
    """Send spooled metric points, in order and once, then delete the spools that were sent.

    Spools of processes still running are skipped: they send their own points.

    Example: keel sync --spool-dir /scratch/keel-spool
    """
    from keel.tracking.spool import default_spool_dir, sync_spools
    from keel.tracking.stores import close_all, tracking_store_for
    from keel.tracking.uris import resolve_tracking_uri

    directory = spool_dir or default_spool_dir()
    target = resolve_tracking_uri(tracking_uri) if tracking_uri else None
    try:
        results = sync_spools(directory, tracking_store_for, target)
    finally:
        close_all()
    sent = refused = left = 0
    for result in results:
        if result.live:
            click.echo(f"{result.path.name}: skipped, process {result.pid} is still running")
            continue
        report = result.report
        sent += report.sent
        refused += sum(count for _, count, _ in report.refused)
        left += result.left
        click.echo(f"{result.path.name}: sent {report.sent} points to {result.tracking_uri}")
        for run_id, count, error in report.refused:
            click.echo(f"{result.path.name}: {count} points for run {run_id} refused: {error}", err=True)
        if result.left:
            click.echo(
                f"{result.path.name}: {result.left} points left, the server failed: {report.stopped_by}",
                err=True,
            )
    files = sum(1 for r in results if not r.live)
    click.echo(f"Sent {sent} points from {files} spool files; {refused} refused, {left} left to send.")
    if refused or left:
        sys.exit(1)
