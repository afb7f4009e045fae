"""A process that logs while the tracking server is down and exits: its points stay on disk, it says
so on stderr, and ``keel sync`` delivers them exactly once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rest_servers import FAST_RETRIES, PinnedLiveServer, child_env, start_server

import keel
from keel.tracking.spool import Spool

TIMEOUT_S = 60

LOG_AND_EXIT = """
import sys
import keel
client = keel.Client()
for step in range(3_000):
    client.log_metric(sys.argv[1], "loss", step / 3, timestamp=500 + step, step=step, synchronous=False)
"""


def _python(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        env=child_env(**FAST_RETRIES, **env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def _log_with_the_server_down(
    server: PinnedLiveServer, spool_dir: Path
) -> tuple[str, subprocess.CompletedProcess[str]]:
    run_id = keel.Client(server.url).create_run("0").info.run_id
    server.stop()
    done = _python("-c", LOG_AND_EXIT, run_id, KEEL_TRACKING_URI=server.url, KEEL_SPOOL_DIR=str(spool_dir))
    return run_id, done


def test_points_left_at_exit_are_reported_and_keel_sync_sends_them_once(
    server: PinnedLiveServer, server_dir: Path, spool_dir: Path
) -> None:
    run_id, done = _log_with_the_server_down(server, spool_dir)

    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if "keel sync" in line]
    assert len(notes) == 1
    assert notes[0].startswith(f"keel: 3000 metric points could not be sent to {server.url}")
    assert str(spool_dir) in notes[0]
    [spool] = spool_dir.glob("*.spool")

    back = start_server(server_dir, server.port)
    try:
        synced = _python("-m", "keel", "sync", "--spool-dir", str(spool_dir))
        again = _python("-m", "keel", "sync", "--spool-dir", str(spool_dir))

        assert synced.returncode == 0, synced.stderr
        assert f"{spool.name}: sent 3000 points to {server.url}" in synced.stdout
        assert "Sent 3000 points from 1 spool files; 0 refused, 0 left to send." in synced.stdout
        assert again.stdout.strip() == "Sent 0 points from 0 spool files; 0 refused, 0 left to send."
        history = keel.Client(back.url).get_metric_history(run_id, "loss")
        assert [(m.step, m.timestamp, m.value) for m in history] == [
            (s, 500 + s, s / 3) for s in range(3_000)
        ]
        assert list(spool_dir.iterdir()) == []
    finally:
        back.stop()


def test_keel_sync_can_send_to_another_tracking_uri(
    server: PinnedLiveServer, server_dir: Path, spool_dir: Path
) -> None:
    run_id, _ = _log_with_the_server_down(server, spool_dir)

    moved = start_server(server_dir)  # the same database, now on another port
    try:
        synced = _python("-m", "keel", "sync", "--spool-dir", str(spool_dir), "--tracking-uri", moved.url)

        assert synced.returncode == 0, synced.stderr
        assert len(keel.Client(moved.url).get_metric_history(run_id, "loss")) == 3_000
    finally:
        moved.stop()


def test_keel_sync_with_the_server_still_down_keeps_the_points_and_fails(
    server: PinnedLiveServer, spool_dir: Path
) -> None:
    _log_with_the_server_down(server, spool_dir)

    synced = _python("-m", "keel", "sync", "--spool-dir", str(spool_dir))

    assert synced.returncode == 1
    assert "3000 points left" in synced.stderr
    assert "Sent 0 points from 1 spool files; 0 refused, 3000 left to send." in synced.stdout
    assert len(list(spool_dir.glob("*.spool"))) == 1


def test_keel_sync_leaves_the_spool_of_a_running_process_alone(
    server: PinnedLiveServer, spool_dir: Path
) -> None:
    live = Spool.create(spool_dir, server.url)
    try:
        synced = _python("-m", "keel", "sync", "--spool-dir", str(spool_dir))

        assert synced.returncode == 0, synced.stderr
        assert "skipped, process" in synced.stdout
        assert live.path.exists()
    finally:
        live.close(remove=True)
