"""The spool: metric points a tracking server did not take yet, kept on disk until it does.

One process writes one spool per tracking server, in ``KEEL_SPOOL_DIR`` (default ``~/.keel/spool``),
and only while the server is failing; ``keel sync`` sends what finished processes left behind.

Format (version 1), two files per spool::

    <created-ms>-<pid>-<hex>.spool    JSON lines, append-only
        {"keel_spool": 1, "pid": 4242, "host": "gpu-7", "created": 1700000000000,
         "tracking_uri": "http://mlflow:5000"}                       <- header, the first line
        ["<run_id>", "<key>", <value>, <timestamp>, <step>]           <- one line per point, in order
    <same name>.offset                the byte offset of the first point not yet acknowledged by the
                                      server, as ASCII digits (missing or unreadable: just after the header)

``value`` is a JSON number, or ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` as MLflow's JSON writes them.
Points are appended a batch at a time with one ``write`` and one ``fsync``; a last line without
its newline is a write torn by a crash and is ignored. The offset file is replaced atomically
(temp file, then rename) after each batch the server acknowledged.

Sent once, in order: points are read from the committed offset in file order and the offset only
moves past a batch the server answered. A crash between the answer and the commit resends that
last batch; the server ignores a point identical in (key, value, timestamp, step) to one it already
has (MLflow does, and keel's stores insert-or-ignore on exactly those columns), so the resend adds
nothing. The writing process holds an exclusive ``flock`` on its spool for as long as it owns it:
a spool whose lock can be taken belongs to a finished process, whatever became of its pid (the pid
is kept for messages; where ``flock`` does not exist, only this process's own spools count as live).
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from keel.entities import Metric
from keel.entities.metric import decode_float, encode_float
from keel.errors import KeelError
from keel.store.tracking.retry import is_transient_error
from keel.store.tracking.validation import MAX_METRICS_PER_BATCH

try:
    import fcntl
except ImportError:  # Windows: liveness falls back to the pid
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from keel.store.tracking.base import TrackingStore

SPOOL_DIR_ENV = "KEEL_SPOOL_DIR"
FORMAT_VERSION = 1
SPOOL_SUFFIX = ".spool"
OFFSET_SUFFIX = ".offset"
_READ_CHUNK = 1 << 20


def default_spool_dir() -> Path:
    """``KEEL_SPOOL_DIR``, else ``~/.keel/spool``."""
    configured = os.environ.get(SPOOL_DIR_ENV)
    return Path(configured) if configured else Path.home() / ".keel" / "spool"


@dataclass(frozen=True, slots=True)
class SpooledPoint:
    run_id: str
    metric: Metric
    end: int
    """The byte offset just after this point's line: the offset to commit once it is sent."""


class Spool:
    """One spool file and its committed offset, held under an exclusive lock.

    ``create`` makes a new one for the running process; ``claim`` takes over one a finished
    process left. Either way the holder reads, sends and commits; only a creator appends.
    """

    def __init__(self, path: Path, fd: int, header: dict[str, Any], header_end: int) -> None:
        self.path = path
        self.header = header
        self._owner = os.getpid()
        self._fd = fd
        self._header_end = header_end
        self._committed = _read_offset(_offset_path(path), header_end)

    @property
    def tracking_uri(self) -> str:
        return str(self.header["tracking_uri"])

    @property
    def pid(self) -> int:
        return int(self.header["pid"])

    @classmethod
    def create(cls, directory: Path, tracking_uri: str) -> Spool:
        """A new, empty spool for this process, locked until ``close``."""
        directory.mkdir(parents=True, exist_ok=True)
        created = time.time_ns() // 1_000_000
        path = directory / f"{created}-{os.getpid()}-{uuid.uuid4().hex[:8]}{SPOOL_SUFFIX}"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        _lock(fd, blocking=True)
        header = {
            "keel_spool": FORMAT_VERSION,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "created": created,
            "tracking_uri": tracking_uri,
        }
        line = orjson.dumps(header) + b"\n"
        _write_all(fd, line)
        os.fsync(fd)
        _fsync_dir(directory)
        return cls(path, fd, header, len(line))

    @classmethod
    def claim(cls, path: Path) -> Spool | None:
        """The spool at ``path`` if its process has finished; None while it runs or once it is gone.

        Raises:
            KeelError: when the file is not a spool keel can read.
        """
        try:
            fd = os.open(path, os.O_RDWR | os.O_APPEND)
        except FileNotFoundError:
            return None
        try:
            if not _lock(fd, blocking=False) or os.fstat(fd).st_nlink == 0:
                os.close(fd)
                return None
            first = os.pread(fd, 4096, 0).split(b"\n", 1)[0]
            header = _parse_header(path, first)
            if fcntl is None and _is_live(header):
                os.close(fd)
                return None
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise
        return cls(path, fd, header, len(first) + 1)

    def append(self, points: Iterable[tuple[str, Metric]]) -> int:
        """Write points after the last ones, durably (one fsync); the number written."""
        lines = [
            orjson.dumps([run_id, m.key, encode_float(m.value), m.timestamp, m.step]) + b"\n"
            for run_id, m in points
        ]
        if lines:
            _write_all(self._fd, b"".join(lines))
            os.fsync(self._fd)
        return len(lines)

    def read(self, limit: int = MAX_METRICS_PER_BATCH) -> list[SpooledPoint]:
        """Up to ``limit`` points from the committed offset on, in order."""
        points: list[SpooledPoint] = []
        offset = self._committed
        while len(points) < limit:
            chunk = os.pread(self._fd, _READ_CHUNK, offset)
            complete = chunk[: chunk.rfind(b"\n") + 1]
            if not complete:
                return points  # the end, or a torn last line
            for line in complete.split(b"\n")[:-1]:
                offset += len(line) + 1
                run_id, key, value, timestamp, step = orjson.loads(line)
                points.append(SpooledPoint(run_id, Metric(key, decode_float(value), timestamp, step), offset))
                if len(points) == limit:
                    break
        return points

    def commit(self, offset: int) -> None:
        """Record that every point before byte ``offset`` was acknowledged by the server."""
        target = _offset_path(self.path)
        temp = target.with_name(target.name + ".tmp")
        temp.write_bytes(str(offset).encode("ascii"))
        # No fsync: an offset lost to a power cut only resends points the server de-duplicates.
        os.replace(temp, target)
        self._committed = offset

    def pending(self) -> int:
        """How many points are not acknowledged yet."""
        size = os.fstat(self._fd).st_size
        if size <= self._committed:
            return 0
        count, offset = 0, self._committed
        while offset < size:
            chunk = os.pread(self._fd, _READ_CHUNK, offset)
            complete = chunk[: chunk.rfind(b"\n") + 1]
            if not complete:
                break
            count += complete.count(b"\n")
            offset += len(complete)
        return count

    def close(self, *, remove: bool = False) -> None:
        """Release the lock; with ``remove``, delete the spool first (everything in it was sent).

        A forked child that inherited the spool only closes its copy: the file is its parent's.
        """
        if os.getpid() != self._owner:
            os.close(self._fd)
            return
        if remove:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            with contextlib.suppress(FileNotFoundError):
                _offset_path(self.path).unlink()
        os.close(self._fd)


@dataclass
class SendReport:
    """What one pass over a spool did: points the server took, points it refused (per run, with the
    error) and, when it stopped early, the transient failure that stopped it."""

    sent: int = 0
    refused: list[tuple[str, int, KeelError]] = field(default_factory=list)
    stopped_by: BaseException | None = None


def send_spooled(
    spool: Spool,
    store: TrackingStore,
    batch_size: int = MAX_METRICS_PER_BATCH,
    report: SendReport | None = None,
) -> SendReport:
    """Send the spool's points to ``store`` in order, committing after each acknowledged batch.

    Stops at the first transient failure (the points stay, to be sent later). A point the server
    refuses for good (a 4xx, e.g. its run was deleted) is reported and skipped, never retried.
    """
    report = report or SendReport()
    while points := spool.read(batch_size):
        for run_id, items in groupby(points, key=lambda p: p.run_id):
            group = list(items)
            try:
                store.log_batch(run_id, metrics=[p.metric for p in group])
            except KeelError as exc:
                if is_transient_error(exc):
                    report.stopped_by = exc
                    return report
                report.refused.append((run_id, len(group), exc))
            except Exception as exc:  # not an answer from the server: keep the points for later
                report.stopped_by = exc
                return report
            else:
                report.sent += len(group)
            spool.commit(group[-1].end)
    return report


@dataclass
class SyncResult:
    """``keel sync`` for one spool file."""

    path: Path
    tracking_uri: str = ""
    pid: int = 0
    live: bool = False
    report: SendReport = field(default_factory=SendReport)
    left: int = 0


def sync_spools(
    directory: Path, store_for: Callable[[str], TrackingStore], tracking_uri: str | None = None
) -> list[SyncResult]:
    """Send the spools finished processes left in ``directory``, oldest first, each to its own
    tracking URI (or ``tracking_uri``); spools of running processes are skipped.

    Args:
        directory: the spool directory.
        store_for: opens the store for a tracking URI.
        tracking_uri: send everything here instead.
    """
    results: list[SyncResult] = []
    for path in sorted(directory.glob(f"*{SPOOL_SUFFIX}")) if directory.is_dir() else []:
        spool = Spool.claim(path)
        if spool is None:
            if path.exists():
                results.append(SyncResult(path, live=True, pid=_pid_from_name(path)))
            continue
        result = SyncResult(path, tracking_uri or spool.tracking_uri, spool.pid)
        try:
            send_spooled(spool, store_for(result.tracking_uri), report=result.report)
            result.left = spool.pending()
        finally:
            spool.close(remove=result.left == 0 and result.report.stopped_by is None)
        results.append(result)
    return results


def _offset_path(path: Path) -> Path:
    return path.with_suffix(OFFSET_SUFFIX)


def _read_offset(path: Path, header_end: int) -> int:
    try:
        offset = int(path.read_bytes().decode("ascii").strip())
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return header_end
    return max(offset, header_end)


def _parse_header(path: Path, line: bytes) -> dict[str, Any]:
    try:
        header = orjson.loads(line)
    except orjson.JSONDecodeError:
        header = None
    if not isinstance(header, dict) or header.get("keel_spool") != FORMAT_VERSION:
        raise KeelError(f"Not a keel spool (format {FORMAT_VERSION}): {path}")
    return header


def _lock(fd: int, *, blocking: bool) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _is_live(header: dict[str, Any]) -> bool:
    """Without ``flock`` only this process's own spools count as live: probing another pid is not
    safe everywhere (``os.kill`` terminates on Windows), and a spool sent twice at once only
    resends points the server de-duplicates."""
    return header.get("host") == socket.gethostname() and int(header["pid"]) == os.getpid()


def _pid_from_name(path: Path) -> int:
    parts = path.stem.split("-")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
