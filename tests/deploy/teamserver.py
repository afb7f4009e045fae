"""``keel server --workers N`` as a team runs it: a subprocess in its own process group, polled on
/health until it answers, and the whole group stopped afterwards (datasette's wait_until_responds)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from liveserver import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from s3server import S3Server

WORKERS = 4
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 15
LOG_TAIL_CHARS = 4000
# Settings of the developer's shell that must reach neither the server nor the clients.
FOREIGN_ENV_PREFIXES = ("MLFLOW_", "KEEL_", "AWS_")


@dataclass(frozen=True)
class TeamServer:
    url: str
    pid: int
    log_path: Path

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:]


@dataclass(frozen=True)
class Deployment:
    """The server plus the bucket behind it, to look at the objects keel wrote."""

    server: TeamServer
    s3: S3Server
    bucket: str
    prefix: str

    @property
    def url(self) -> str:
        return self.server.url


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without MLflow, keel or AWS settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_ENV_PREFIXES)}
    env.update(extra)
    return env


@contextlib.contextmanager
def run_keel_server(
    directory: Path,
    *,
    backend_store_uri: str,
    artifacts_destination: str,
    workers: int,
    env: Mapping[str, str],
) -> Iterator[TeamServer]:
    """Start ``python -m keel server`` in ``directory``; yield once /health answers 200."""
    port = free_port()
    argv = [sys.executable, "-m", "keel", "server", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--backend-store-uri", backend_store_uri, "--artifacts-destination", artifacts_destination]
    argv += ["--workers", str(workers), "--log-level", "warning"]
    log_path = directory / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv, cwd=directory, env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = TeamServer(f"http://127.0.0.1:{port}", process.pid, log_path)
    try:
        wait_until_healthy(server, process)
        yield server
    finally:
        stop_process_group(process)


def wait_until_healthy(server: TeamServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"keel server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"keel server did not answer /health in {START_TIMEOUT_S}s:\n{server.log_tail()}")


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (supervisor and workers), SIGKILL whatever is left."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        process.wait()


def child_processes(pid: int) -> dict[int, str]:
    """Direct children of ``pid`` with their command lines, read from /proc (Linux)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process ended while we looked
            continue
        # Field 2, the command name, may hold spaces and parentheses: split after the last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children[int(entry.name)] = cmdline.strip()
    return children
