"""``keel models predict`` run as a user runs it: the installed ``keel`` script in a subprocess,
scoring files with a scikit-learn model logged to a keel store."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.linear_model import LogisticRegression

import keel
import keel.sklearn
from isolation import TRACKING_ENV_VARS, isolated_tracking

pytestmark = pytest.mark.filterwarnings("ignore::keel.models.trust.UntrustedModelWarning")

KEEL = Path(sys.executable).with_name("keel")
ROWS = 50
TIMEOUT_S = 120


@dataclass(frozen=True)
class Logged:
    store: Path
    uri: str
    features: pd.DataFrame
    expected: np.ndarray  # the model's predictions on the whole input at once


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Logged:
    rng = np.random.default_rng(11)
    features = pd.DataFrame(rng.normal(size=(ROWS, 3)), columns=["a", "b", "c"])
    labels = (features["a"] - features["c"] > 0).astype(int)
    estimator = LogisticRegression().fit(features, labels)
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        isolated_tracking(tmp_path_factory.mktemp("tracking"), monkeypatch) as store,
        keel.start_run() as run,
    ):
        keel.sklearn.log_model(estimator, name="model", input_example=features.head(3))
    return Logged(store, f"runs:/{run.info.run_id}/model", features, estimator.predict(features))


def _env(store: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in TRACKING_ENV_VARS}
    return {**env, "KEEL_TRACKING_URI": str(store), "COLUMNS": "120"}


def predict(logged: Logged, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KEEL), "models", "predict", "-m", logged.uri, *args],
        cwd=cwd,
        env=_env(logged.store),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, float_precision="round_trip")
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_json(path, orient="records", lines=path.suffix == ".jsonl")


# Each input and each output format once; every JSON layout is read in tests/models/test_batch.py.
FORMAT_CASES = [
    pytest.param("in.csv", lambda f, p: f.to_csv(p, index=False), [], "out.json", id="csv-to-json"),
    pytest.param("in.parquet", lambda f, p: f.to_parquet(p), [], "out.parquet", id="parquet-to-parquet"),
    pytest.param(
        "in.jsonl",
        lambda f, p: f.to_json(p, orient="records", lines=True, double_precision=15),
        [],
        "out.csv",
        id="jsonl-to-csv",
    ),
    pytest.param(
        "export.txt",
        lambda f, p: f.to_json(p, orient="split", index=False, double_precision=15),
        ["-t", "json"],
        "out.jsonl",
        id="split-json-named-by-content-type-to-jsonl",
    ),
]


@pytest.mark.parametrize(("input_name", "write", "flags", "output_name"), FORMAT_CASES)
def test_every_row_is_predicted_as_the_whole_input_would_be(
    logged: Logged, tmp_path: Path, input_name: str, write: Any, flags: list[str], output_name: str
) -> None:
    write(logged.features, tmp_path / input_name)

    done = predict(logged, "-i", input_name, "-o", output_name, "--chunk-size", "7", *flags, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == f"Wrote {ROWS} predictions to {output_name}"
    assert done.stdout == ""
    output = _read(tmp_path / output_name)
    assert list(output.columns) == ["prediction"]
    np.testing.assert_array_equal(output["prediction"].to_numpy(), logged.expected)
    if output_name.endswith(".parquet"):  # each chunk was written as it was predicted: a row group each
        meta = pq.ParquetFile(tmp_path / output_name).metadata
        assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [7] * 7 + [1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["-i", "nothing.csv", "-o", "out.csv"],
            "Input file 'nothing.csv' does not exist",
            id="missing-file",
        ),
        pytest.param(
            ["-i", "no\nsuch.csv", "-o", "out.csv"],
            "Input file 'no such.csv' does not exist",
            id="missing-file-with-a-line-break",
        ),
        pytest.param(
            ["-m", "runs:/0123456789abcdef/model", "-i", "in.csv", "-o", "out.csv"],
            "Run with id=0123456789abcdef not found",
            id="bad-uri",
        ),
        pytest.param(
            ["-i", "without-b.csv", "-o", "out.csv"],
            "The input column 'b' is required by the model signature but missing from the input data.",
            id="missing-column",
        ),
        pytest.param(
            ["-i", "in.csv", "-o", "out.xlsx"],
            "Cannot tell the format of 'out.xlsx' from its extension",
            id="bad-output",
        ),
        pytest.param(
            ["-i", "in.csv", "-o", "results/out.csv"],
            "Cannot write 'results/out.csv': directory 'results' does not exist",
            id="no-directory",
        ),
    ],
)
def test_errors_are_one_line_and_leave_the_output_alone(
    logged: Logged, tmp_path: Path, args: list[str], message: str
) -> None:
    logged.features.to_csv(tmp_path / "in.csv", index=False)
    logged.features.drop(columns=["b"]).to_csv(tmp_path / "without-b.csv", index=False)
    (tmp_path / "out.csv").write_text("earlier predictions\n")

    done = predict(logged, *args, cwd=tmp_path)

    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith(f"Error: {message}"), done.stderr
    assert [line for line in lines if line.startswith("Error")] == [lines[-1]]
    assert "Traceback" not in done.stderr
    assert (tmp_path / "out.csv").read_text() == "earlier predictions\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv", "without-b.csv"]


@pytest.mark.parametrize("progress", [True, False])
def test_a_progress_bar_shows_on_a_terminal_unless_turned_off(
    logged: Logged, tmp_path: Path, progress: bool
) -> None:
    logged.features.to_csv(tmp_path / "in.csv", index=False)
    flags = [] if progress else ["--no-progress"]

    terminal = _run_on_a_terminal(
        [str(KEEL), "models", "predict", "-m", logged.uri, "-i", "in.csv", "-o", "out.csv", *flags],
        cwd=tmp_path,
        env=_env(logged.store),
    )

    assert f"Wrote {ROWS} predictions to out.csv" in terminal
    assert ("Predicting" in terminal) is progress
    assert (f"{ROWS}/{ROWS}" in terminal) is progress  # rows done / rows in the file


def _run_on_a_terminal(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run ``command`` with stderr on a pseudo-terminal; what it wrote there."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=terminal
        )
    finally:
        os.close(terminal)
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(controller)
    assert process.wait(timeout=TIMEOUT_S) == 0
    return b"".join(chunks).decode("utf-8", "replace")
