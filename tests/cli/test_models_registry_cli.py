"""``keel models register | lineage | history`` run as a user runs them: the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import keel
from isolation import isolated_tracking

KEEL = Path(sys.executable).parent / "keel"


def keel_cli(*args: str, uri: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KEEL_TRACKING_URI": uri, "KEEL_DISABLE_GIT_TAGS": "1"}
    return subprocess.run(
        [str(KEEL), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def tracked_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A run with a dataset input, a git commit tag and a model directory; returns (uri, run_id)."""
    import pandas as pd

    with isolated_tracking(tmp_path, monkeypatch) as directory:
        with keel.start_run(run_name="trainer") as run:
            frame = pd.DataFrame({"x": [1.0, 2.0]})
            keel.log_input(
                keel.data.from_pandas(frame, name="train", source="s3://data/train.csv"), "training"
            )
            keel.set_tag("mlflow.source.git.commit", "0123456789abcdef")
            keel.log_text("flavors: {}\n", "model/MLmodel")
        uri = keel.get_tracking_uri()
    assert directory.exists()
    return uri, run.info.run_id


def test_register_lineage_and_history(tracked_run: tuple[str, str]) -> None:
    uri, run_id = tracked_run
    registered = keel_cli("models", "register", f"runs:/{run_id}/model", "churn", "--tag", "team=ml", uri=uri)
    assert registered.returncode == 0, registered.stderr
    assert registered.stdout.split() == ["churn", "1"]

    text = keel_cli("models", "lineage", "models:/churn/1", uri=uri)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("dataset train")
    assert "(training)" in lines[0]
    assert f'run {run_id} "trainer"' in lines[1]
    assert "git 0123456789" in lines[1]
    assert "version churn v1" in lines[2]

    graph = json.loads(keel_cli("models", "lineage", "models:/churn/latest", "--json", uri=uri).stdout)
    assert {n["type"] for n in graph["nodes"]} == {"dataset", "run", "model_version"}
    assert {"from": f"run:{run_id}", "to": "model_version:churn/1", "relation": "registered_as"} in graph[
        "edges"
    ]

    history = keel_cli("models", "history", "churn", "--json", uri=uri)
    actions = [json.loads(line)["action"] for line in history.stdout.splitlines()]
    assert actions == ["registered_model.created", "model_version.created"]


def test_errors_are_one_line(tracked_run: tuple[str, str]) -> None:
    uri, _ = tracked_run
    missing = keel_cli("models", "lineage", "models:/ghost/1", uri=uri)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Error: Model Version (name=ghost, version=1) not found"
    unsafe = keel_cli("models", "register", "file:///etc", "churn", uri=uri)
    assert unsafe.returncode == 1
    assert "Invalid model version source" in unsafe.stderr
    bad_uri = keel_cli("models", "lineage", "runs:/abc/model", uri=uri)
    assert bad_uri.returncode == 2


def test_an_error_quoting_a_line_break_is_still_one_line(tmp_path: Path) -> None:
    missing = keel_cli("models", "lineage", "models:/no\nsuch/1", uri=str(tmp_path / "store"))
    assert missing.returncode == 1
    assert missing.stderr == "Error: Model Version (name=no such, version=1) not found\n"
