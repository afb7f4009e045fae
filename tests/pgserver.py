"""A throwaway PostgreSQL server for the test suite: initdb into a temp dir, start, hand out databases.

Runs the PostgreSQL binaries as the ``postgres`` OS user when the tests run as root.
"""

from __future__ import annotations

import atexit
import glob
import importlib.util
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import TracebackType

    import psycopg

__all__ = ["PostgresServer", "find_postgres_bin_dir", "postgres_unavailable_reason"]

_REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")
_DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
_OS_USER_WHEN_ROOT = "postgres"
_DEFAULT_SUPERUSER = "keel"
_HOST = "127.0.0.1"
# A unix socket path must fit in sun_path (108 bytes incl. the NUL and the ".s.PGSQL.<port>" name).
_MAX_SOCKET_DIR_LEN = 80
_LOG_TAIL_CHARS = 6000


def _has_all_binaries(directory: Path) -> bool:
    return all(
        os.access(directory / name, os.X_OK) and (directory / name).is_file() for name in _REQUIRED_BINARIES
    )


def _version_key(path: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/<version>/bin -> sort by numeric version, newest first.
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)


def find_postgres_bin_dir() -> Path | None:
    """Return a directory holding ``initdb``, ``pg_ctl`` and ``postgres``, or None.

    Looks on PATH first, then under ``/usr/lib/postgresql/*/bin`` (newest version first).
    """
    initdb = shutil.which("initdb")
    if initdb is not None:
        on_path = Path(initdb).parent
        if _has_all_binaries(on_path):
            return on_path
        resolved = Path(initdb).resolve().parent
        if _has_all_binaries(resolved):
            return resolved
    candidates = sorted((Path(p) for p in glob.glob(_DEBIAN_BIN_GLOB)), key=_version_key, reverse=True)
    for candidate in candidates:
        if _has_all_binaries(candidate):
            return candidate
    return None


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _postgres_os_user() -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(_OS_USER_WHEN_ROOT)
    except KeyError:
        return None


def _find_runuser() -> str | None:
    # runuser lives in /usr/sbin, which is not always on a non-login PATH.
    return shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")


def postgres_unavailable_reason() -> str | None:
    """Say why a PostgreSQL server cannot be started here, or return None if it can."""
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed"
    if find_postgres_bin_dir() is None:
        return (
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH "
            f"or under {_DEBIAN_BIN_GLOB}"
        )
    if _running_as_root():
        if _postgres_os_user() is None:
            return f"running as root and there is no {_OS_USER_WHEN_ROOT!r} OS user to run initdb as"
        if _find_runuser() is None:
            return "running as root and `runuser` is not available to drop privileges for initdb"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, limit: int = _LOG_TAIL_CHARS) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"<could not read {path}: {exc}>"
    return text if len(text) <= limit else "…" + text[-limit:]


class PostgresServer:
    """A private PostgreSQL cluster in a temporary directory, listening on 127.0.0.1.

    Usage::

        with PostgresServer() as server:
            url = server.create_database("contract_1")  # postgresql+psycopg://keel@127.0.0.1:<port>/contract_1
    """

    def __init__(
        self,
        *,
        bin_dir: Path | None = None,
        superuser: str = _DEFAULT_SUPERUSER,
        base_dir: Path | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self._bin_dir_override = bin_dir
        self.superuser = superuser
        self._base_parent = base_dir
        self.startup_timeout = startup_timeout
        self._bin_dir: Path | None = None
        self._tmp: Path | None = None
        self._port: int | None = None
        self._as_user: pwd.struct_passwd | None = None
        self._started = False

    # -- paths and connection details -------------------------------------------------------------

    @property
    def base_dir(self) -> Path:
        """The temporary directory holding the data dir, socket dir and logs."""
        if self._tmp is None:
            raise RuntimeError("PostgresServer has not been started")
        return self._tmp

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir / "sock"

    @property
    def log_path(self) -> Path:
        """The server log (``pg_ctl -l``); initdb and pg_ctl output sit next to it."""
        return self.base_dir / "postgres.log"

    @property
    def host(self) -> str:
        return _HOST

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("PostgresServer has not been started")
        return self._port

    @property
    def running(self) -> bool:
        return self._started

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the admin database (``postgres``)."""
        return self.url_for("postgres")

    def url_for(self, dbname: str) -> str:
        """SQLAlchemy URL (psycopg 3 driver) for database ``dbname`` on this server."""
        user, db = quote(self.superuser, safe=""), quote(dbname, safe="")
        return f"postgresql+psycopg://{user}@{_HOST}:{self.port}/{db}"

    def conninfo(self, dbname: str = "postgres") -> str:
        """libpq conninfo string for ``psycopg.connect``."""
        import psycopg.conninfo

        return psycopg.conninfo.make_conninfo(
            host=_HOST, port=str(self.port), user=self.superuser, dbname=dbname, connect_timeout="5"
        )

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> Self:
        """initdb a fresh cluster and start it on a free port; return self once it accepts connections."""
        if self._started:
            return self
        reason = None if self._bin_dir_override is not None else postgres_unavailable_reason()
        if reason is not None:
            raise RuntimeError(f"cannot start PostgreSQL: {reason}")
        self._bin_dir = self._bin_dir_override or find_postgres_bin_dir()
        assert self._bin_dir is not None
        self._as_user = _postgres_os_user() if _running_as_root() else None
        self._make_dirs()
        atexit.register(self.stop)
        try:
            self._initdb()
            self._start_server()
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        self._started = True
        return self

    def stop(self) -> None:
        """Stop the server immediately and delete its directory. Safe to call more than once."""
        atexit.unregister(self.stop)
        self._started = False
        tmp, self._tmp = self._tmp, None
        if tmp is None:
            return
        data_dir = tmp / "data"
        if (data_dir / "postmaster.pid").exists():
            try:
                self._run(["pg_ctl", "stop", "-D", str(data_dir), "-m", "immediate", "-w", "-t", "30"], tmp)
            except (RuntimeError, subprocess.TimeoutExpired):
                self._kill_postmaster(data_dir)
        shutil.rmtree(tmp, ignore_errors=True)
        self._port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"port={self._port}" if self._started else "stopped"
        return f"<PostgresServer {state} base_dir={self._tmp}>"

    # -- databases --------------------------------------------------------------------------------

    def create_database(self, name: str) -> str:
        """Create database ``name`` (UTF8, from template0) and return its SQLAlchemy URL."""
        from psycopg import sql

        with self._admin_connection() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name))
            )
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists, terminating any sessions still connected to it."""
        from psycopg import sql

        with self._admin_connection() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def _admin_connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        import psycopg

        return psycopg.connect(self.conninfo(), autocommit=True)

    # -- internals --------------------------------------------------------------------------------

    def _make_dirs(self) -> None:
        parent = self._base_parent
        if parent is None and self._as_user is not None:
            # The postgres user must be able to traverse every parent; /tmp always allows that.
            parent = Path("/tmp")
        if parent is None and len(tempfile.gettempdir()) > _MAX_SOCKET_DIR_LEN - 30:
            parent = Path("/tmp")
        self._tmp = Path(tempfile.mkdtemp(prefix="keel-pg-", dir=parent))
        for sub in (self.data_dir, self.socket_dir):
            sub.mkdir(mode=0o700)
            sub.chmod(0o700)
        if self._as_user is not None:
            uid, gid = self._as_user.pw_uid, self._as_user.pw_gid
            for path in (self._tmp, self.data_dir, self.socket_dir):
                os.chown(path, uid, gid)

    def _command(self, argv: Sequence[str]) -> list[str]:
        assert self._bin_dir is not None
        cmd = [str(self._bin_dir / argv[0]), *argv[1:]]
        if self._as_user is not None:
            return [_find_runuser() or "runuser", "-u", self._as_user.pw_name, "--", *cmd]
        return cmd

    def _env(self) -> dict[str, str]:
        # Keep the caller's PG* settings (PGDATA, PGPORT, PGOPTIONS, …) away from our private cluster.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        env["LANG"] = "C"
        return env

    def _run(
        self, argv: Sequence[str], tmp: Path, *, log_name: str | None = None, timeout: float = 60.0
    ) -> None:
        """Run a PostgreSQL binary (as the postgres user when root), logging output to ``tmp/<log_name>``."""
        log_file = tmp / (log_name or f"{argv[0]}.log")
        with log_file.open("ab") as out:
            out.write(f"$ {shlex.join(argv)}\n".encode())
            out.flush()
            proc = subprocess.run(
                self._command(argv),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=tmp,
                env=self._env(),
                timeout=timeout,
                check=False,
            )
        if proc.returncode != 0:
            raise RuntimeError(
                f"`{shlex.join(argv)}` exited with status {proc.returncode}\n"
                f"--- {log_file} ---\n{_tail(log_file)}"
            )

    def _initdb(self) -> None:
        self._run(
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                self.superuser,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            self.base_dir,
        )

    def _server_options(self, port: int) -> str:
        return " ".join(
            [
                "-F",
                "-k",
                shlex.quote(str(self.socket_dir)),
                "-p",
                str(port),
                "-c listen_addresses=127.0.0.1",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
            ]
        )

    def _start_server(self, attempts: int = 3) -> None:
        last_error: RuntimeError | None = None
        for _ in range(attempts):
            port = _free_port()
            try:
                self._run(
                    [
                        "pg_ctl",
                        "start",
                        "-w",
                        "-t",
                        str(int(self.startup_timeout)),
                        "-D",
                        str(self.data_dir),
                        "-l",
                        str(self.log_path),
                        "-o",
                        self._server_options(port),
                    ],
                    self.base_dir,
                    timeout=self.startup_timeout + 10,
                )
            except RuntimeError as exc:
                # Another process may have grabbed the port between probing and binding: retry.
                log = _tail(self.log_path)
                last_error = RuntimeError(f"{exc}\n--- {self.log_path} ---\n{log}")
                if "could not bind" in log or "already in use" in log:
                    self._kill_postmaster(self.data_dir)
                    continue
                raise last_error from exc
            self._port = port
            return
        assert last_error is not None
        raise last_error

    def _wait_until_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                with psycopg.connect(self.conninfo(), autocommit=True) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"PostgreSQL on {_HOST}:{self._port} did not accept connections within "
                        f"{self.startup_timeout}s: {exc}\n--- {self.log_path} ---\n{_tail(self.log_path)}"
                    ) from exc
                time.sleep(0.05)

    def _kill_postmaster(self, data_dir: Path) -> None:
        """Last resort when pg_ctl cannot stop the server: signal the postmaster named in postmaster.pid.

        SIGQUIT is PostgreSQL's "immediate shutdown" (children are told to quit too); SIGKILL follows
        if the postmaster is still there after a few seconds.
        """
        try:
            pid = int((data_dir / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return
        for sig, grace in ((signal.SIGQUIT, 5.0), (signal.SIGKILL, 2.0)):
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                return
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.05)
