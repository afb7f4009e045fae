"""What happens when the program ends with a run still open: queued points are written, the run is ended.

Each test runs a real interpreter (``python -c``) tracking into the test's store, lets it exit, then
reads the store from this process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import keel
from keel.entities import RunStatus

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable

    RunPython = Callable[..., subprocess.CompletedProcess[str]]

QUEUE_AND_EXIT = """
import keel
run = keel.start_run()
print(run.info.run_id, flush=True)
for step in range(5_000):
    keel.log_metric("loss", 1 / (step + 1), step=step, synchronous=False)
"""

RAISE_IN_OPEN_RUN = """
import keel
run = keel.start_run()
print(run.info.run_id, flush=True)
for step in range(1_500):
    keel.log_metric("loss", float(step), step=step, synchronous=False)
raise RuntimeError("training diverged")
"""

FAIL_QUEUED_WRITE_AT_EXIT = """
import keel
run = keel.start_run()
print(run.info.run_id, flush=True)
keel.Client().delete_run(run.info.run_id)
for step in range(10):
    keel.log_metric("loss", 0.5, step=step, synchronous=False)
"""

CLIENT_QUEUE_AND_EXIT = """
import keel
client = keel.Client()
run_id = client.create_run("0").info.run_id
print(run_id, flush=True)
for step in range(2_500):
    client.log_metric(run_id, "acc", step / 2_500, step=step, synchronous=False)
"""


def test_points_queued_before_a_normal_exit_are_written_and_the_run_finished(run_python: RunPython) -> None:
    done = run_python(QUEUE_AND_EXIT)

    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()
    history = keel.Client().get_metric_history(run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(s, 1 / (s + 1)) for s in range(5_000)]
    run = keel.get_run(run_id)
    assert run.info.status == RunStatus.FINISHED
    assert run.info.end_time is not None
    assert done.stderr == ""


def test_an_uncaught_exception_fails_the_open_run_and_still_writes_its_points(run_python: RunPython) -> None:
    done = run_python(RAISE_IN_OPEN_RUN)

    assert done.returncode == 1
    assert "RuntimeError: training diverged" in done.stderr  # the traceback is still printed
    run_id = done.stdout.strip()
    run = keel.get_run(run_id)
    assert run.info.status == RunStatus.FAILED
    assert run.info.end_time is not None
    assert len(keel.Client().get_metric_history(run_id, "loss")) == 1_500


def test_a_queued_write_that_fails_at_exit_is_reported_on_stderr(run_python: RunPython) -> None:
    done = run_python(FAIL_QUEUED_WRITE_AT_EXIT)

    run_id = done.stdout.strip()
    assert "keel:" in done.stderr
    assert "could not be written" in done.stderr
    assert run_id in done.stderr
    assert keel.Client().get_metric_history(run_id, "loss") == []


def test_points_queued_through_the_client_are_written_at_exit(run_python: RunPython) -> None:
    done = run_python(CLIENT_QUEUE_AND_EXIT)

    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()
    assert len(keel.Client().get_metric_history(run_id, "acc")) == 2_500
    assert keel.get_run(run_id).info.status == RunStatus.RUNNING  # the Client never ends runs on its own
