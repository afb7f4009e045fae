"""Batch prediction over files: read the input a chunk of rows at a time, predict each chunk with
a pyfunc model, and append the predictions to the output as they come.

The output is written to a temporary file beside it and renamed when every chunk is done, so a
failure leaves no half-written output (and an existing output file untouched).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from keel.errors import BadRequest, InvalidParameter, KeelError
from keel.models.tabular_files import ChunkReader, file_format, open_reader, open_writer

if TYPE_CHECKING:
    from collections.abc import Callable

    from keel.models.pyfunc import PyFuncModel

DEFAULT_CHUNK_SIZE = 10_000
PREDICTION_COLUMN = "prediction"


def open_input(
    input_path: str | os.PathLike[str], chunk_size: int = DEFAULT_CHUNK_SIZE, content_type: str | None = None
) -> ChunkReader:
    """A chunked reader of the input: ``content_type`` (``csv``, ``json``, ``jsonl``, ``parquet``),
    else the format its extension names.

    Raises:
        NotFound: when the file does not exist.
        InvalidParameter: for an unknown format or a file that does not parse.
    """
    path = Path(input_path)
    return open_reader(path, file_format(path, content_type), chunk_size)


def check_output(output_path: str | os.PathLike[str]) -> str:
    """The output's format (from its extension), checked before any work is done.

    Raises:
        InvalidParameter: for an unknown extension or a directory that does not exist.
    """
    target = Path(output_path)
    fmt = file_format(target)
    if not target.parent.is_dir():
        raise InvalidParameter(f"Cannot write '{target}': directory '{target.parent}' does not exist")
    return fmt


def predict_file(
    model: PyFuncModel,
    reader: ChunkReader,
    output_path: str | os.PathLike[str],
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Predict every row ``reader`` yields and write the predictions to ``output_path``, in the
    format its extension names (a ``.json`` output is a list of records).

    Args:
        model: the loaded model.
        reader: the input, from ``open_input``.
        output_path: a ``.csv``, ``.json``, ``.jsonl`` or ``.parquet`` file; replaced if it exists.
        on_chunk: called with the number of rows after each chunk is written.

    Returns:
        The number of rows predicted.

    Raises:
        InvalidParameter: for an unknown output format, an empty input, input the model's
            signature rejects, or a file that cannot be read or written.
        BadRequest: when the model fails on a chunk or returns the wrong number of predictions.

    Example:
        >>> reader = open_input("scoring.parquet", chunk_size=50_000)
        >>> predict_file(keel.pyfunc.load_model("models:/m-…"), reader, "predictions.parquet")
    """
    target = Path(output_path)
    fmt = check_output(target)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    rows = 0
    try:
        writer = open_writer(partial, fmt)
        try:
            for chunk in reader:
                if chunk.empty:
                    continue
                predictions = _predict(model, chunk, rows)
                writer.write(predictions_frame(predictions, len(chunk), rows))
                rows += len(chunk)
                if on_chunk is not None:
                    on_chunk(len(chunk))
        finally:
            writer.close()
        if rows == 0:
            raise InvalidParameter(f"'{reader.path}' holds no rows to predict")
        partial.replace(target)
    except OSError as exc:  # a file that cannot be read or written: one line, naming the user's file
        name = target if exc.filename == str(partial) else exc.filename
        raise InvalidParameter(f"Cannot access '{name}': {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return rows


def _predict(model: PyFuncModel, chunk: pd.DataFrame, first_row: int) -> Any:
    try:
        return model.predict(chunk)
    except KeelError:
        raise
    except Exception as exc:  # the model's library raised: keel's error, in one line
        rows = f"rows {first_row}-{first_row + len(chunk) - 1}"
        message = " ".join(str(exc).split())
        raise BadRequest(f"The model failed to predict {rows}: {type(exc).__name__}: {message}") from exc


def predictions_frame(predictions: Any, rows: int, first_row: int = 0) -> pd.DataFrame:
    """Predictions as a DataFrame: a model's DataFrame as is, one value per row as a ``prediction``
    column, several as ``prediction_0``, ``prediction_1`` ….

    Raises:
        BadRequest: when there is not one prediction per input row.
    """
    if isinstance(predictions, pd.DataFrame):
        frame = predictions.reset_index(drop=True)
    elif isinstance(predictions, pd.Series):
        frame = predictions.reset_index(drop=True).to_frame(
            str(predictions.name) if predictions.name is not None else PREDICTION_COLUMN
        )
    elif isinstance(predictions, dict):
        frame = pd.DataFrame({str(k): np.asarray(v).tolist() for k, v in predictions.items()})
    else:
        values = np.asarray(predictions)
        if values.ndim == 1:
            frame = pd.DataFrame({PREDICTION_COLUMN: values})
        elif values.ndim == 2:
            frame = pd.DataFrame(values, columns=[f"{PREDICTION_COLUMN}_{i}" for i in range(values.shape[1])])
        else:
            raise BadRequest(
                f"The model returned predictions of shape {values.shape}: expected 1 or 2 dimensions"
            )
    if len(frame) != rows:
        raise BadRequest(
            f"The model returned {len(frame)} predictions for {rows} rows "
            f"(rows {first_row}-{first_row + rows - 1})"
        )
    frame.columns = [str(c) for c in frame.columns]
    return frame
