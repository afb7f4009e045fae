"""Batch prediction in process (``keel.models.batch``): chunked reading of every input layout,
incremental writing, and failures that leave no partial output. The CLI's own tests run
``keel models predict`` in a subprocess (tests/cli/test_models_predict.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow.parquet as pq
import pytest

import keel.pyfunc
from keel.errors import BadRequest, InvalidParameter, NotFound
from keel.models.batch import open_input, predict_file, predictions_frame

ROWS = 50


class Double(keel.pyfunc.PythonModel):
    """Twice column ``a``; fails on the row whose ``id`` is ``fail_on``, if any."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.fail_on = fail_on

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> Any:
        if self.fail_on is not None and (model_input["id"] == self.fail_on).any():
            raise ValueError(f"cannot score\nrow {self.fail_on}")
        return model_input["a"].to_numpy() * 2


class ChunkNamed(keel.pyfunc.PythonModel):
    """Names its output column after the chunk's first id: the columns change between chunks."""

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> Any:
        return pd.DataFrame({f"from_{model_input['id'].iloc[0]}": model_input["a"]})


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame({"id": np.arange(ROWS), "a": rng.normal(size=ROWS), "city": ["Oslo", "Lima"] * 25})


def _model(python_model: keel.pyfunc.PythonModel, path: Path) -> keel.pyfunc.PyFuncModel:
    keel.pyfunc.save_model(path, python_model=python_model)
    return keel.pyfunc.load_model(path)


def _read_all(path: Path, chunk_size: int = 7, content_type: str | None = None) -> pd.DataFrame:
    return pd.concat(list(open_input(path, chunk_size, content_type)), ignore_index=True)


WRITERS = {
    "data.csv": lambda f, p: f.to_csv(p, index=False),
    "data.parquet": lambda f, p: f.to_parquet(p),
    "data.jsonl": lambda f, p: f.to_json(p, orient="records", lines=True),
    "records.json": lambda f, p: f.to_json(p, orient="records", indent=2),
    "one-line-records.json": lambda f, p: f.to_json(p, orient="records"),
    "lines.json": lambda f, p: f.to_json(p, orient="records", lines=True),
    "split.json": lambda f, p: p.write_bytes(
        orjson.dumps(orjson.loads(f.to_json(orient="split", index=False)))
    ),
    "dataframe_split.json": lambda f, p: p.write_text(
        '{"dataframe_split": ' + f.to_json(orient="split", index=False) + "}"
    ),
    "dataframe_records.json": lambda f, p: p.write_text(
        '{\n  "dataframe_records": ' + f.to_json(orient="records") + "\n}"
    ),
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_every_input_layout_reads_back_the_rows(frame: pd.DataFrame, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    WRITERS[name](frame, path)

    pd.testing.assert_frame_equal(_read_all(path), frame, check_dtype=False)
    assert open_input(path).total_rows() == ROWS


def _is_open(path: Path) -> bool:
    """Whether this process holds a file descriptor on ``path``."""
    target = path.resolve()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            if fd.readlink() == target:
                return True
        except OSError:  # the descriptor the listing itself used, closed by now
            continue
    return False


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="lists open files through /proc")
@pytest.mark.parametrize("name", ["data.csv", "data.parquet", "data.jsonl", "records.json"])
def test_an_input_is_open_only_while_it_is_read(frame: pd.DataFrame, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    WRITERS[name](frame, path)

    reader = open_input(path, 7)
    assert reader.total_rows() == ROWS
    assert not _is_open(path)
    assert sum(len(chunk) for chunk in reader) == ROWS
    assert not _is_open(path)
    chunks = iter(reader)
    next(chunks)
    chunks.close()  # a reader abandoned half-way
    assert not _is_open(path)


def test_content_type_overrides_the_extension(frame: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    frame.to_csv(path, index=False)

    with pytest.raises(InvalidParameter, match="Cannot tell the format"):
        open_input(path)
    pd.testing.assert_frame_equal(_read_all(path, content_type="csv"), frame)


@pytest.mark.parametrize("chunk_size", [1, 7, ROWS, 1000])
def test_chunks_cover_every_row_once_and_are_written_as_they_come(
    frame: pd.DataFrame, tmp_path: Path, chunk_size: int
) -> None:
    frame.to_csv(tmp_path / "in.csv", index=False)
    seen: list[int] = []

    rows = predict_file(
        _model(Double(), tmp_path / "model"),
        open_input(tmp_path / "in.csv", chunk_size),
        tmp_path / "out.parquet",
        on_chunk=seen.append,
    )

    expected_chunks = [chunk_size] * (ROWS // chunk_size) + ([ROWS % chunk_size] if ROWS % chunk_size else [])
    assert rows == ROWS
    assert seen == expected_chunks
    assert pq.ParquetFile(tmp_path / "out.parquet").metadata.num_row_groups == len(expected_chunks)
    np.testing.assert_array_equal(pd.read_parquet(tmp_path / "out.parquet")["prediction"], frame["a"] * 2)


@pytest.mark.parametrize("output", ["out.csv", "out.json", "out.jsonl", "out.parquet"])
def test_each_output_format_holds_one_prediction_per_row(
    frame: pd.DataFrame, tmp_path: Path, output: str
) -> None:
    frame.to_parquet(tmp_path / "in.parquet")

    predict_file(
        _model(Double(), tmp_path / "model"), open_input(tmp_path / "in.parquet", 7), tmp_path / output
    )

    written = _read_all(tmp_path / output)
    assert list(written.columns) == ["prediction"]
    np.testing.assert_array_equal(written["prediction"].to_numpy(), frame["a"].to_numpy() * 2)


def test_a_failing_chunk_leaves_no_output_and_an_existing_one_untouched(
    frame: pd.DataFrame, tmp_path: Path
) -> None:
    frame.to_csv(tmp_path / "in.csv", index=False)
    (tmp_path / "out.csv").write_text("previous results\n")

    with pytest.raises(BadRequest) as caught:
        predict_file(
            _model(Double(fail_on=30), tmp_path / "model"),
            open_input(tmp_path / "in.csv", 10),
            tmp_path / "out.csv",
        )

    assert caught.value.message == "The model failed to predict rows 30-39: ValueError: cannot score row 30"
    assert (tmp_path / "out.csv").read_text() == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "model", "out.csv"]


def test_output_columns_that_change_between_chunks_are_refused(frame: pd.DataFrame, tmp_path: Path) -> None:
    frame.to_csv(tmp_path / "in.csv", index=False)

    with pytest.raises(BadRequest, match=r"returned columns \['from_10'\] after returning \['from_0'\]"):
        predict_file(
            _model(ChunkNamed(), tmp_path / "model"), open_input(tmp_path / "in.csv", 10), tmp_path / "o.csv"
        )
    assert not (tmp_path / "o.csv").exists()


def test_prediction_shapes_become_columns() -> None:
    assert list(predictions_frame(np.zeros(3), 3).columns) == ["prediction"]
    assert list(predictions_frame(np.zeros((3, 2)), 3).columns) == ["prediction_0", "prediction_1"]
    assert list(predictions_frame(pd.Series([1, 2, 3], name="label"), 3).columns) == ["label"]
    assert list(predictions_frame(pd.DataFrame({"p": [1, 2, 3]}, index=[7, 8, 9]), 3).index) == [0, 1, 2]
    with pytest.raises(BadRequest, match="returned 2 predictions for 3 rows"):
        predictions_frame([1, 2], 3)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "id,a\n", "holds no rows"),
        ("bad.jsonl", '{"a": 1}\n{"a": \n', "line 2"),
        ("list.jsonl", "[1, 2]\n", "line 1 is not a JSON object"),
        ("scalar.json", "42", "is not a JSON list of records"),
        ("bad.parquet", "not parquet", "Could not read"),
        ("ragged.csv", "a,b\n1,2\n3,4,5\n", "Could not read"),
    ],
)
def test_unreadable_inputs_are_invalid(tmp_path: Path, name: str, content: str, message: str) -> None:
    (tmp_path / name).write_text(content)

    with pytest.raises(InvalidParameter, match=message):
        predict_file(_model(Double(), tmp_path / "model"), open_input(tmp_path / name), tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_a_missing_input_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        open_input(tmp_path / "nothing.csv")


def test_the_cli_offers_the_formats_and_default_the_library_has() -> None:
    from keel.cli import predict as cli
    from keel.models import batch, tabular_files

    assert cli.FORMATS == tabular_files.FORMATS
    assert cli.DEFAULT_CHUNK_SIZE == batch.DEFAULT_CHUNK_SIZE
