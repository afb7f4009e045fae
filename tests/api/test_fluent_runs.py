"""The run lifecycle through the fluent API: start, end, nest, resume, and the tags captured at start."""

from __future__ import annotations

import getpass
import json
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import keel
from keel.entities import RunStatus
from keel.errors import InvalidParameter, RunNotFound

RunPython = Callable[..., "subprocess.CompletedProcess[str]"]


def test_start_run_makes_a_running_active_run_and_end_run_finishes_it() -> None:
    run = keel.start_run()

    assert keel.active_run() is not None
    assert keel.active_run().info.run_id == run.info.run_id
    stored = keel.get_run(run.info.run_id)
    assert stored.info.status == RunStatus.RUNNING
    assert stored.info.end_time is None
    assert stored.info.experiment_id == "0"

    keel.end_run()

    assert keel.active_run() is None
    ended = keel.get_run(run.info.run_id)
    assert ended.info.status == RunStatus.FINISHED
    assert ended.info.end_time is not None
    assert ended.info.end_time >= ended.info.start_time


def test_end_run_with_a_status_records_it() -> None:
    run = keel.start_run()

    keel.end_run("KILLED")

    assert keel.get_run(run.info.run_id).info.status == RunStatus.KILLED


def test_end_run_without_an_active_run_does_nothing() -> None:
    keel.end_run()

    assert keel.active_run() is None
    assert keel.search_runs(output_format="list") == []


def test_with_block_that_completes_finishes_the_run() -> None:
    with keel.start_run() as run:
        assert keel.active_run().info.run_id == run.info.run_id

    assert keel.active_run() is None
    assert keel.get_run(run.info.run_id).info.status == RunStatus.FINISHED


def test_with_block_that_raises_fails_the_run_and_lets_the_error_through() -> None:
    with pytest.raises(ValueError, match="boom"), keel.start_run() as run:
        raise ValueError("boom")

    assert keel.active_run() is None
    ended = keel.get_run(run.info.run_id)
    assert ended.info.status == RunStatus.FAILED
    assert ended.info.end_time is not None


def test_with_block_interrupted_by_keyboard_kills_the_run() -> None:
    with pytest.raises(KeyboardInterrupt), keel.start_run() as run:
        raise KeyboardInterrupt

    assert keel.active_run() is None
    assert keel.get_run(run.info.run_id).info.status == RunStatus.KILLED


def test_a_run_ended_inside_its_block_keeps_the_status_it_was_given() -> None:
    with keel.start_run() as run:
        keel.end_run("KILLED")
        assert keel.active_run() is None

    assert keel.get_run(run.info.run_id).info.status == RunStatus.KILLED


def test_each_thread_has_its_own_active_run() -> None:
    seen: list[object] = []

    with keel.start_run():
        worker = threading.Thread(target=lambda: seen.append(keel.active_run()))
        worker.start()
        worker.join()

    assert seen == [None]


def test_second_start_run_while_one_is_active_is_refused_with_a_clear_error() -> None:
    with keel.start_run() as first:
        with pytest.raises(InvalidParameter) as caught:
            keel.start_run()

        message = str(caught.value)
        assert first.info.run_id in message
        assert "already active" in message
        assert "nested=True" in message
        assert keel.active_run().info.run_id == first.info.run_id

    assert [r.info.run_id for r in keel.search_runs(output_format="list")] == [first.info.run_id]


def test_nested_run_carries_its_parent_id_and_runs_end_innermost_first() -> None:
    with keel.start_run() as parent:
        with keel.start_run(nested=True) as child:
            assert keel.active_run().info.run_id == child.info.run_id
            with keel.start_run(nested=True) as grandchild:
                pass
        assert keel.active_run().info.run_id == parent.info.run_id

    p, c, g = (keel.get_run(r.info.run_id) for r in (parent, child, grandchild))
    assert "mlflow.parentRunId" not in p.data.tags
    assert c.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert g.data.tags["mlflow.parentRunId"] == child.info.run_id
    assert {r.info.status for r in (p, c, g)} == {RunStatus.FINISHED}
    assert g.info.end_time <= c.info.end_time <= p.info.end_time


def test_leaving_a_parent_block_ends_the_runs_still_open_inside_it() -> None:
    parent = keel.start_run()
    child = keel.start_run(nested=True)

    with pytest.raises(RuntimeError), parent:
        raise RuntimeError("fails while the child is open")

    assert keel.active_run() is None
    assert keel.get_run(child.info.run_id).info.status == RunStatus.FAILED
    assert keel.get_run(parent.info.run_id).info.status == RunStatus.FAILED


def test_explicit_parent_run_id_is_recorded() -> None:
    with keel.start_run() as parent:
        pass

    with keel.start_run(parent_run_id=parent.info.run_id) as child:
        pass

    assert keel.get_run(child.info.run_id).data.tags["mlflow.parentRunId"] == parent.info.run_id


def test_resuming_by_run_id_reopens_the_same_run() -> None:
    with keel.start_run(run_name="resumable") as first:
        keel.log_param("lr", 0.1)
        keel.log_metric("loss", 0.5, step=0)

    with keel.start_run(run_id=first.info.run_id) as resumed:
        assert resumed.info.run_id == first.info.run_id
        assert keel.get_run(first.info.run_id).info.status == RunStatus.RUNNING
        keel.log_metric("loss", 0.25, step=1)

    run = keel.get_run(first.info.run_id)
    assert run.info.status == RunStatus.FINISHED
    assert run.info.run_name == "resumable"
    assert run.data.params == {"lr": "0.1"}
    assert run.data.metrics == {"loss": 0.25}
    assert len(keel.search_runs(output_format="list")) == 1


def test_resuming_a_deleted_run_is_refused() -> None:
    with keel.start_run() as run:
        pass
    keel.delete_run(run.info.run_id)

    with pytest.raises(InvalidParameter, match="deleted"):
        keel.start_run(run_id=run.info.run_id)

    assert keel.active_run() is None


def test_resuming_an_unknown_run_raises_not_found() -> None:
    with pytest.raises(RunNotFound) as caught:
        keel.start_run(run_id="0" * 32)

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert keel.active_run() is None


def test_last_active_run_is_the_run_ended_most_recently() -> None:
    with keel.start_run() as first:
        assert keel.last_active_run().info.run_id == first.info.run_id
    with keel.start_run() as second:
        keel.log_metric("acc", 0.9)

    last = keel.last_active_run()

    assert keel.active_run() is None
    assert last.info.run_id == second.info.run_id
    assert last.info.status == RunStatus.FINISHED
    assert last.data.metrics == {"acc": 0.9}


def test_run_name_and_description_are_stored() -> None:
    with keel.start_run(run_name="baseline", description="first **try**") as run:
        pass

    stored = keel.get_run(run.info.run_id)
    assert stored.info.run_name == "baseline"
    assert stored.data.tags["mlflow.runName"] == "baseline"
    assert stored.data.tags["mlflow.note.content"] == "first **try**"


def test_a_run_started_without_a_name_gets_a_generated_one() -> None:
    with keel.start_run() as run:
        pass

    name = keel.get_run(run.info.run_id).info.run_name
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d+", name)
    assert keel.get_run(run.info.run_id).data.tags["mlflow.runName"] == name


def test_user_source_and_source_type_are_captured_at_start() -> None:
    with keel.start_run() as run:
        pass

    tags = keel.get_run(run.info.run_id).data.tags
    assert tags["mlflow.user"] == getpass.getuser()
    assert keel.get_run(run.info.run_id).info.user_id == getpass.getuser()
    # Under pytest the program that runs is pytest's entry point, as sys.argv[0] names it.
    assert tags["mlflow.source.name"] == str(Path(sys.argv[0]).resolve())
    assert tags["mlflow.source.type"] == "LOCAL"


def test_tags_given_to_start_run_override_the_captured_ones() -> None:
    with keel.start_run(tags={"mlflow.source.type": "JOB", "team": "vision", "epochs": 3}) as run:
        pass

    tags = keel.get_run(run.info.run_id).data.tags
    assert tags["mlflow.source.type"] == "JOB"
    assert tags["team"] == "vision"
    assert tags["epochs"] == "3"


SCRIPT_PRINTING_RUN_TAGS = """
import json
import keel

with keel.start_run() as run:
    pass
print(json.dumps(keel.get_run(run.info.run_id).data.tags))
"""


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Keel Test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout.strip()


def test_git_commit_branch_and_remote_are_captured_for_a_script_in_a_git_repo(
    tmp_path: Path, run_python: RunPython
) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    _git(repo, "init", "--quiet", "--initial-branch=train")
    _git(repo, "remote", "add", "origin", "https://example.com/team/project.git")
    script = repo / "train.py"
    script.write_text(SCRIPT_PRINTING_RUN_TAGS, encoding="utf-8")
    _git(repo, "add", "train.py")
    _git(repo, "commit", "--quiet", "-m", "training script")

    done = run_python(SCRIPT_PRINTING_RUN_TAGS, script=script)

    assert done.returncode == 0, done.stderr
    tags = json.loads(done.stdout)
    assert tags["mlflow.source.git.commit"] == _git(repo, "rev-parse", "HEAD")
    assert tags["mlflow.source.git.branch"] == "train"
    assert tags["mlflow.source.git.repoURL"] == "https://example.com/team/project.git"
    assert tags["mlflow.source.name"] == str(script.resolve())
    assert tags["mlflow.source.type"] == "LOCAL"


def test_no_git_tags_for_a_script_outside_any_git_repo(tmp_path: Path, run_python: RunPython) -> None:
    outside = tmp_path / "scratch"
    outside.mkdir()
    if subprocess.run(["git", "rev-parse"], cwd=outside, capture_output=True, check=False).returncode == 0:
        pytest.skip("tmp_path is inside a git work tree here")

    done = run_python(SCRIPT_PRINTING_RUN_TAGS, script=outside / "train.py")

    assert done.returncode == 0, done.stderr
    tags = json.loads(done.stdout)
    assert not [key for key in tags if key.startswith("mlflow.source.git")]
    assert tags["mlflow.source.name"] == str((outside / "train.py").resolve())
