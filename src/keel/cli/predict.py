"""``keel models predict``: predict every row of a file with a model, a chunk of rows at a time."""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING

import click

from keel.cli.runs import TRACKING_URI

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

# Kept in step with keel.models.tabular_files.FORMATS and keel.models.batch.DEFAULT_CHUNK_SIZE, which
# the CLI does not import until a command runs.
FORMATS = ("csv", "json", "jsonl", "parquet")
DEFAULT_CHUNK_SIZE = 10_000


@click.command("predict")
@click.option("-m", "--model-uri", required=True, help="runs:/<run_id>/<name>, models:/m-…, or a path.")
@click.option("-i", "--input-path", required=True, help="A .csv, .json, .jsonl or .parquet file.")
@click.option(
    "-o",
    "--output-path",
    required=True,
    help="Where the predictions go: .csv, .json (a list of records), .jsonl or .parquet.",
)
@click.option(
    "-t",
    "--content-type",
    type=click.Choice(FORMATS),
    default=None,
    help="The input's format  [default: the input file's extension]",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=DEFAULT_CHUNK_SIZE,
    show_default=True,
    help="Rows read and predicted at a time.",
)
@click.option("--no-progress", is_flag=True, help="No progress bar (shown on stderr when it is a terminal).")
@TRACKING_URI
def predict(
    model_uri: str,
    input_path: str,
    output_path: str,
    content_type: str | None,
    chunk_size: int,
    no_progress: bool,
    tracking_uri: str | None,
) -> None:
    """Predict every row of a file with a model; write one prediction per row to another file.

    The input is read in chunks (CSV, Parquet, JSON lines; a JSON document is read whole), so files
    larger than memory stream through. JSON input is a list of records, a split object
    {"columns": [...], "data": [...]}, or one JSON object per line.

    Example: keel models predict -m runs:/<run_id>/model -i scoring.parquet -o predictions.csv
    """
    from keel.models.batch import check_output, open_input, predict_file
    from keel.models.pyfunc import load_model
    from keel.tracking.uris import set_tracking_uri

    if tracking_uri:
        set_tracking_uri(tracking_uri)
    # Bad files fail before the model loads.
    reader = open_input(input_path, chunk_size, content_type)
    check_output(output_path)
    model = load_model(model_uri)
    show = not no_progress and sys.stderr.isatty()
    with _progress(reader.total_rows() if show else None) as advance:
        rows = predict_file(model, reader, output_path, on_chunk=advance)
    click.echo(f"Wrote {rows} predictions to {output_path}", err=True)


@contextlib.contextmanager
def _progress(total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr advanced by rows (rich's if it is installed, else click's); none
    when ``total`` is None."""
    if total is None:
        yield lambda rows: None
        return
    try:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    except ImportError:
        with click.progressbar(length=total, label="Predicting", file=sys.stderr) as bar:
            yield bar.update
        return
    columns = (TextColumn("Predicting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task("predict", total=total)
        yield lambda rows: progress.advance(task, rows)
