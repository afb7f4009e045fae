"""Tabular files read and written in chunks of rows: CSV, JSON lines, JSON documents and Parquet.

Readers yield DataFrames of at most ``chunk_size`` rows; writers append DataFrames with the same
columns. Only a JSON document is read whole (JSON has no streaming parser in the standard library).
Parquet needs pyarrow, imported when a Parquet file is opened.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import IO, TYPE_CHECKING, Any

import orjson
import pandas as pd

from keel.errors import BadRequest, InvalidParameter, NotFound, Unsupported

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CSV, JSON, JSONL, PARQUET = "csv", "json", "jsonl", "parquet"
FORMATS = (CSV, JSON, JSONL, PARQUET)
EXTENSIONS = {
    ".csv": CSV,
    ".json": JSON,
    ".jsonl": JSONL,
    ".ndjson": JSONL,
    ".parquet": PARQUET,
    ".pq": PARQUET,
}
# The JSON documents MLflow's scoring server accepts, besides a plain list of records.
SPLIT_KEYS = ("dataframe_split",)
RECORDS_KEYS = ("dataframe_records",)
COUNT_BLOCK_SIZE = 1 << 20


def file_format(path: Path, explicit: str | None = None) -> str:
    """``explicit``, else the format the file's extension names."""
    if explicit is not None:
        if explicit not in FORMATS:
            raise InvalidParameter(f"Unknown format '{explicit}': use one of {list(FORMATS)}")
        return explicit
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise InvalidParameter(
            f"Cannot tell the format of '{path}' from its extension: use {', '.join(sorted(EXTENSIONS))}"
        )
    return found


class ChunkReader(ABC):
    """The rows of one file, ``chunk_size`` at a time."""

    def __init__(self, path: Path, chunk_size: int) -> None:
        if not path.is_file():
            raise NotFound(f"Input file '{path}' does not exist")
        self.path = path
        self.chunk_size = chunk_size

    @abstractmethod
    def __iter__(self) -> Iterator[pd.DataFrame]: ...

    def total_rows(self) -> int | None:
        """How many rows there are (an estimate for line-based formats), for progress reports."""
        return None

    def _invalid(self, exc: Exception) -> InvalidParameter:
        return InvalidParameter(f"Could not read '{self.path}': {' '.join(str(exc).split())}")


class CsvReader(ChunkReader):
    def __iter__(self) -> Iterator[pd.DataFrame]:
        try:
            # round_trip: the default parser may be a unit in the last place off; predictions need the data
            with pd.read_csv(self.path, chunksize=self.chunk_size, float_precision="round_trip") as chunks:
                yield from chunks
        except pd.errors.EmptyDataError:
            return
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise self._invalid(exc) from None

    def total_rows(self) -> int:
        return max(_count_lines(self.path) - 1, 0)  # the header; quoted line breaks make it an estimate


class JsonLinesReader(ChunkReader):
    """One JSON object per line (blank lines skipped)."""

    def __iter__(self) -> Iterator[pd.DataFrame]:
        records: list[Any] = []
        with self.path.open("rb") as stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise InvalidParameter(f"Could not read '{self.path}' line {number}: {exc}") from None
                if not isinstance(record, dict):
                    raise InvalidParameter(f"'{self.path}' line {number} is not a JSON object")
                records.append(record)
                if len(records) == self.chunk_size:
                    yield pd.DataFrame.from_records(records)
                    records = []
        if records:
            yield pd.DataFrame.from_records(records)

    def total_rows(self) -> int:
        return _count_lines(self.path)


class JsonDocumentReader(ChunkReader):
    """A JSON list of records, a ``{"columns", "data"}`` (split) object, or MLflow's
    ``{"dataframe_split": …}`` / ``{"dataframe_records": …}``; read whole, then chunked."""

    def __init__(self, path: Path, chunk_size: int) -> None:
        super().__init__(path, chunk_size)
        try:
            document = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise self._invalid(exc) from None
        self.frame = _document_frame(document, path)

    def __iter__(self) -> Iterator[pd.DataFrame]:
        for start in range(0, len(self.frame), self.chunk_size):
            yield self.frame.iloc[start : start + self.chunk_size]

    def total_rows(self) -> int:
        return len(self.frame)


class ParquetReader(ChunkReader):
    """Opens the file while it reads it, as the other readers do: to check it here, then per iteration."""

    def __init__(self, path: Path, chunk_size: int) -> None:
        super().__init__(path, chunk_size)
        pq, pa = _pyarrow()
        try:
            with pq.ParquetFile(path) as file:
                self.rows = int(file.metadata.num_rows)
        except pa.ArrowException as exc:
            raise self._invalid(exc) from None

    def __iter__(self) -> Iterator[pd.DataFrame]:
        pq, pa = _pyarrow()
        try:
            with pq.ParquetFile(self.path) as file:
                for batch in file.iter_batches(batch_size=self.chunk_size):
                    yield batch.to_pandas()
        except pa.ArrowException as exc:
            raise self._invalid(exc) from None

    def total_rows(self) -> int:
        return self.rows


def open_reader(path: Path, fmt: str, chunk_size: int) -> ChunkReader:
    """A reader for ``path`` in format ``fmt``; ``json`` means a JSON document or JSON lines,
    whichever the file holds."""
    if chunk_size < 1:
        raise InvalidParameter(f"chunk_size must be at least 1, got {chunk_size}")
    if fmt == CSV:
        return CsvReader(path, chunk_size)
    if fmt == PARQUET:
        return ParquetReader(path, chunk_size)
    if fmt == JSONL or (fmt == JSON and path.is_file() and _holds_json_lines(path)):
        return JsonLinesReader(path, chunk_size)
    return JsonDocumentReader(path, chunk_size)


def _holds_json_lines(path: Path) -> bool:
    """Whether a ``.json`` file is JSON lines: its first line is a whole object and more follows, or
    it is one object that is none of the document shapes."""
    with path.open("rb") as stream:
        first = b""
        for line in stream:
            if line.strip():
                first = line
                break
        try:
            record = orjson.loads(first)
        except orjson.JSONDecodeError:
            return False  # a document spread over lines
        if not isinstance(record, dict):
            return False
        if any(line.strip() for line in stream):
            return True
    return not ({"columns", "data"} <= record.keys() or any(k in record for k in SPLIT_KEYS + RECORDS_KEYS))


def _document_frame(document: Any, path: Path) -> pd.DataFrame:
    if isinstance(document, dict):
        for key in SPLIT_KEYS + RECORDS_KEYS:
            if key in document:
                document = document[key]
                break
    try:
        if isinstance(document, list):
            return pd.DataFrame.from_records(document)
        if isinstance(document, dict) and "data" in document:
            return pd.DataFrame(document["data"], columns=document.get("columns"))
    except (TypeError, ValueError) as exc:
        raise InvalidParameter(f"Could not read '{path}': {exc}") from None
    raise InvalidParameter(
        f'\'{path}\' is not a JSON list of records, a split object {{"columns": …, "data": …}}, or JSON lines'
    )


def _count_lines(path: Path) -> int:
    lines, last = 0, b"\n"
    with path.open("rb") as stream:
        while block := stream.read(COUNT_BLOCK_SIZE):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise Unsupported("Reading and writing Parquet needs pyarrow: pip install pyarrow") from None
    return pq, pa


class ChunkWriter(ABC):
    """Appends DataFrames with the same columns to one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.columns: list[str] | None = None

    def write(self, frame: pd.DataFrame) -> None:
        columns = [str(c) for c in frame.columns]
        first = self.columns is None
        if first:
            self.columns = columns
        elif columns != self.columns:
            raise BadRequest(f"The model returned columns {columns} after returning {self.columns}")
        self._write(frame, first)

    @abstractmethod
    def _write(self, frame: pd.DataFrame, first: bool) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


class CsvWriter(ChunkWriter):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.stream: IO[str] = path.open("w", encoding="utf-8", newline="")

    def _write(self, frame: pd.DataFrame, first: bool) -> None:
        frame.to_csv(self.stream, header=first, index=False, lineterminator="\n")

    def close(self) -> None:
        self.stream.close()


class JsonLinesWriter(ChunkWriter):
    """One JSON object per row. orjson writes floats exactly (pandas' to_json keeps 10 digits)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.stream: IO[bytes] = path.open("wb")

    def _write(self, frame: pd.DataFrame, first: bool) -> None:
        self.stream.write(b"".join(line + b"\n" for line in _json_records(frame)))

    def close(self) -> None:
        self.stream.close()


class JsonArrayWriter(JsonLinesWriter):
    """A JSON list of records, written a chunk at a time."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.stream.write(b"[")

    def _write(self, frame: pd.DataFrame, first: bool) -> None:
        self.stream.write((b"\n" if first else b",\n") + b",\n".join(_json_records(frame)))

    def close(self) -> None:
        self.stream.write(b"\n]\n")
        super().close()


def _json_records(frame: pd.DataFrame) -> list[bytes]:
    options = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    return [orjson.dumps(row, default=str, option=options) for row in frame.to_dict(orient="records")]


class ParquetWriter(ChunkWriter):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.pq, self.pa = _pyarrow()
        self.writer: Any = None
        self.schema: Any = None

    def _write(self, frame: pd.DataFrame, first: bool) -> None:
        table = self.pa.Table.from_pandas(frame, preserve_index=False)
        if self.writer is None:
            self.schema = table.schema
            self.writer = self.pq.ParquetWriter(self.path, self.schema)
        elif table.schema != self.schema:
            try:
                table = table.cast(self.schema)
            except (self.pa.ArrowInvalid, ValueError) as exc:
                raise BadRequest(f"The model's output changed type between chunks: {exc}") from None
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def open_writer(path: Path, fmt: str) -> ChunkWriter:
    """A writer of ``fmt`` into ``path`` (created or truncated)."""
    writers: dict[str, type[ChunkWriter]] = {
        CSV: CsvWriter,
        JSON: JsonArrayWriter,
        JSONL: JsonLinesWriter,
        PARQUET: ParquetWriter,
    }
    return writers[fmt](path)
