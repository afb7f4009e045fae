"""The spool file: its documented format, the committed offset, torn writes, and who may send it."""

from __future__ import annotations

import math
import os
from pathlib import Path

import orjson
from rest_servers import PinnedLiveServer, start_server

import keel
from keel.entities import Metric
from keel.errors import Unavailable
from keel.tracking.spool import Spool, send_spooled, sync_spools
from keel.tracking.stores import tracking_store_for

URI = "http://tracking.test"


def _points(n: int, run_id: str = "r1", key: str = "loss") -> list[tuple[str, Metric]]:
    return [(run_id, Metric(key, i / 10, 1_000 + i, i)) for i in range(n)]


def test_the_file_is_a_json_header_then_one_json_array_per_point(tmp_path: Path) -> None:
    spool = Spool.create(tmp_path, URI)
    spool.append([("r1", Metric("loss", 0.5, 10, 1)), ("r2", Metric("acc", math.nan, 11, 2))])
    spool.close()

    header, *lines = spool.path.read_bytes().splitlines()
    assert orjson.loads(header) == {
        "keel_spool": 1,
        "pid": os.getpid(),
        "host": spool.header["host"],
        "created": spool.header["created"],
        "tracking_uri": URI,
    }
    assert [orjson.loads(line) for line in lines] == [["r1", "loss", 0.5, 10, 1], ["r2", "acc", "NaN", 11, 2]]
    assert spool.path.name.endswith(f"-{os.getpid()}-{spool.path.stem.split('-')[2]}.spool")
    assert not spool.path.with_suffix(".offset").exists()  # nothing acknowledged yet


def test_read_starts_at_the_committed_offset_and_pending_counts_the_rest(tmp_path: Path) -> None:
    spool = Spool.create(tmp_path, URI)
    spool.append(_points(5))

    first = spool.read(limit=2)
    spool.commit(first[-1].end)

    assert [p.metric.step for p in first] == [0, 1]
    assert [p.metric.step for p in spool.read()] == [2, 3, 4]
    assert spool.pending() == 3
    assert spool.path.with_suffix(".offset").read_text() == str(first[-1].end)
    spool.close()


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    spool = Spool.create(tmp_path, URI)
    spool.append(_points(2))
    spool.close()
    with spool.path.open("ab") as file:
        file.write(b'["r1", "loss", 0.9, 12')  # a crash in the middle of an append

    claimed = Spool.claim(spool.path)

    assert claimed is not None
    assert [p.metric.step for p in claimed.read()] == [0, 1]
    assert claimed.pending() == 2
    claimed.close()


def test_a_spool_is_only_claimed_once_its_writer_let_go(tmp_path: Path) -> None:
    spool = Spool.create(tmp_path, URI)
    spool.append(_points(1))

    assert Spool.claim(spool.path) is None  # held by a live writer (this process)
    spool.close()
    claimed = Spool.claim(spool.path)
    assert claimed is not None
    assert claimed.pid == os.getpid()
    assert claimed.tracking_uri == URI
    claimed.close(remove=True)
    assert list(tmp_path.iterdir()) == []
    assert Spool.claim(spool.path) is None  # gone


def test_sending_stops_at_an_outage_and_resumes_where_it_stopped(
    spool_dir: Path, server: PinnedLiveServer, server_dir: Path
) -> None:
    client = keel.Client(server.url)
    run_id = client.create_run("0").info.run_id
    spool = Spool.create(spool_dir, server.url)
    spool.append(_points(2_500, run_id))
    server.stop()

    stopped = send_spooled(spool, client.store)

    assert (stopped.sent, stopped.refused) == (0, [])
    assert isinstance(stopped.stopped_by, Unavailable)
    assert spool.pending() == 2_500
    back = start_server(server_dir, server.port)
    try:
        resumed = send_spooled(spool, client.store)
        assert (resumed.sent, resumed.stopped_by) == (2_500, None)
        assert spool.pending() == 0
        assert [m.step for m in client.get_metric_history(run_id, "loss")] == list(range(2_500))
    finally:
        back.stop()
        spool.close(remove=True)


def test_a_batch_sent_twice_adds_no_points(spool_dir: Path, server: PinnedLiveServer) -> None:
    # A process that crashed after the server took a batch but before the offset moved resends it;
    # the server ignores points identical in key, value, timestamp and step.
    client = keel.Client(server.url)
    run_id = client.create_run("0").info.run_id
    spool = Spool.create(spool_dir, server.url)
    spool.append(_points(1_500, run_id))
    assert send_spooled(spool, client.store).sent == 1_500
    spool.close()
    spool.path.with_suffix(".offset").unlink()  # the commit was lost: everything is resent

    results = sync_spools(spool_dir, tracking_store_for)

    assert [r.report.sent for r in results] == [1_500]
    history = client.get_metric_history(run_id, "loss")
    assert [(m.step, m.timestamp, m.value) for m in history] == [(i, 1_000 + i, i / 10) for i in range(1_500)]
    assert list(spool_dir.iterdir()) == []


def test_a_point_the_server_refuses_is_reported_and_skipped(
    spool_dir: Path, server: PinnedLiveServer
) -> None:
    client = keel.Client(server.url)
    deleted = client.create_run("0").info.run_id
    kept = client.create_run("0").info.run_id
    client.delete_run(deleted)
    spool = Spool.create(spool_dir, server.url)
    spool.append(_points(3, deleted) + _points(4, kept))

    report = send_spooled(spool, client.store)

    assert report.sent == 4
    assert [(run_id, count) for run_id, count, _ in report.refused] == [(deleted, 3)]
    assert "must be in the 'active' state" in str(report.refused[0][2])
    assert spool.pending() == 0
    assert len(client.get_metric_history(kept, "loss")) == 4
    spool.close(remove=True)


def test_sync_skips_the_spool_of_a_live_process(spool_dir: Path, server: PinnedLiveServer) -> None:
    live = Spool.create(spool_dir, server.url)
    live.append(_points(3))

    results = sync_spools(spool_dir, tracking_store_for)

    assert [(r.live, r.pid) for r in results] == [(True, os.getpid())]
    assert live.pending() == 3
    live.close()
