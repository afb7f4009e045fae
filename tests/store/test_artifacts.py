"""Contract tests for artifact repositories: every backend stores, lists, streams and refuses alike.

Backends: ``local`` (a directory), ``s3`` (moto's S3 server over HTTP, as MinIO would be reached) and
``http`` (keel's client to a live keel server's artifact proxy, over a local destination).
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from keel.entities.file_info import FileInfo
from keel.errors import Conflict, InvalidParameter, NotFound, Unavailable, Unsupported
from keel.server.settings import ServerSettings
from keel.store.artifacts import (
    ArtifactRepository,
    LocalArtifactRepository,
    get_artifact_repository,
    local_path_from_uri,
    path_to_file_uri,
    validate_relative_path,
)
from keel.store.artifacts.base import MULTIPART_UNSUPPORTED, TEMP_PREFIX, UploadedPart
from keel.store.artifacts.http import HttpArtifactRepository
from keel.store.artifacts.registry import resolve_proxied_uri
from keel.store.artifacts.s3 import MIN_PART_SIZE, S3ArtifactRepository
from keel.store.tracking.retry import RetryPolicy
from liveserver import LiveServer
from s3server import S3Server

BIG = random.Random(0).randbytes(3 * 1024 * 1024 + 1)  # spans several 1 MiB chunks
PROXY = "/api/2.0/mlflow-artifacts/artifacts"
NO_WAIT = RetryPolicy(max_retries=2, backoff_factor=0, backoff_jitter=0)


@dataclass(frozen=True)
class Backend:
    """A repository under test, and what its storage really holds: every file or object by its path
    under the repository's root (``/``-prefixed when outside it), leftovers such as temp files and
    unfinished uploads included."""

    repo: ArtifactRepository
    stored: Callable[[], dict[str, bytes]]
    surroundings: Path | None = None
    """The local directory a path escaping the root would reach, if any."""


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server, with boto3 pointed at it while the module runs."""
    server = S3Server.shared()
    with pytest.MonkeyPatch.context() as patch:
        server.configure(patch)
        yield server


@pytest.fixture(scope="module")
def keel_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A live keel server proxying a local artifact destination: its URL and that directory."""
    settings = ServerSettings.embedded(tmp_path_factory.mktemp("keel-server"))
    with LiveServer(settings) as server:
        yield server.url, local_path_from_uri(settings.artifacts_destination)


def files_under(top: Path) -> dict[str, bytes]:
    """Every file under ``top`` by its POSIX path relative to ``top``."""
    return {
        Path(folder, name).relative_to(top).as_posix(): Path(folder, name).read_bytes()
        for folder, _, names in os.walk(top)
        for name in names
    }


def _local_backend(request: pytest.FixtureRequest, directory: Path) -> Backend:
    root = directory / "root"
    return Backend(get_artifact_repository(path_to_file_uri(root)), lambda: files_under(root), directory)


def _s3_backend(request: pytest.FixtureRequest, directory: Path) -> Backend:
    s3: S3Server = request.getfixturevalue("s3_server")
    bucket, prefix = s3.create_bucket(), "artifacts/1/run"

    def stored() -> dict[str, bytes]:
        found = {_relative(key, prefix): data for key, data in s3.objects(bucket).items()}
        unfinished = s3.uploads_in_progress(bucket)
        return {**found, **{f"{_relative(key, prefix)} (unfinished upload)": b"" for key in unfinished}}

    return Backend(get_artifact_repository(f"s3://{bucket}/{prefix}"), stored)


def _http_backend(request: pytest.FixtureRequest, directory: Path) -> Backend:
    url, destination = request.getfixturevalue("keel_server")
    run = f"1/{uuid.uuid4().hex}"
    prefix = f"{run}/artifacts"
    # A 1 MiB chunk size sends BIG as a resumable upload; smaller files go in one PUT.
    repo = HttpArtifactRepository(f"{url}{PROXY}/{prefix}", chunk_size=1024 * 1024, retry=NO_WAIT)
    (destination / run).mkdir(parents=True)

    def stored() -> dict[str, bytes]:
        staged = {
            f"/{entry.name}/{name}": data
            for entry in destination.iterdir()
            if entry.name.startswith(TEMP_PREFIX)
            for name, data in (files_under(entry) if entry.is_dir() else {"": entry.read_bytes()}).items()
        }
        return {**files_under(destination / prefix), **staged}

    return Backend(repo, stored, destination / run)


def _relative(key: str, prefix: str) -> str:
    return key[len(prefix) + 1 :] if key.startswith(f"{prefix}/") else f"/{key}"


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Backend]] = {
    "local": _local_backend,
    "s3": _s3_backend,
    "http": _http_backend,
}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """An empty repository per backend, with a view of its storage."""
    return BACKENDS[request.param](request, tmp_path)


@pytest.fixture
def repo(backend: Backend) -> ArtifactRepository:
    return backend.repo


@pytest.fixture(scope="module", params=BACKENDS)
def populated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    """A repository per backend holding just ``a/kept.txt`` (and a file ``x`` beside its root, for a
    traversal to hit), shared by the hostile-path tests: they must write nothing."""
    backend = BACKENDS[request.param](request, tmp_path_factory.mktemp(f"populated-{request.param}"))
    backend.repo.write_bytes("a/kept.txt", b"kept")
    if backend.surroundings is not None:
        (backend.surroundings / "x").write_bytes(b"outside")
    return backend


def disk(top: Path) -> dict[str, bytes | str]:
    """Everything under ``top``: file contents, "dir" for directories, "-> target" for symlinks."""
    seen: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            path = Path(folder, name)
            key = path.relative_to(top).as_posix()
            if path.is_symlink():
                seen[key] = f"-> {os.readlink(path)}"
            elif path.is_dir():
                seen[key] = "dir"
            else:
                seen[key] = path.read_bytes()
    return seen


def artifacts(repo: ArtifactRepository, path: str = "") -> dict[str, bytes]:
    """Every file of ``repo`` under ``path``, read back through the API."""
    found: dict[str, bytes] = {}
    for info in repo.list_artifacts(path):
        if info.is_dir:
            found.update(artifacts(repo, info.path))
        else:
            with repo.open_read(info.path) as stream:
                found[info.path] = stream.read()
    return found


def make_tree(top: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        (top / name).write_bytes(data)
    return top


TREE = {"a.txt": b"alpha", "sub/b.bin": BIG, "sub/deeper/c.txt": b"", "sub/deeper/d.json": b"{}"}


class Unseekable(io.RawIOBase):
    """Bytes as a stream that can only be read forward, a few KiB at a time, like a socket."""

    def __init__(self, data: bytes, fail_after: int | None = None) -> None:
        self._data = memoryview(data)
        self._fail_after = fail_after
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._fail_after is not None and self._read >= self._fail_after:
            raise OSError("the source broke off")
        size = min(len(buffer), 64 * 1024, len(self._data) - self._read)
        buffer[:size] = self._data[self._read : self._read + size]
        self._read += size
        return size


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Whether ``check`` holds within ``timeout``: a server cleans up after a dropped request later."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# Logging


def test_log_artifact_keeps_its_basename(repo: ArtifactRepository, tmp_path: Path) -> None:
    local = make_tree(tmp_path / "src", {"model.pkl": b"weights"}) / "model.pkl"
    repo.log_artifact(local, "model/v1")
    repo.log_artifact(str(local))
    assert artifacts(repo) == {"model/v1/model.pkl": b"weights", "model.pkl": b"weights"}


def test_log_artifact_of_a_missing_file_is_not_found(repo: ArtifactRepository, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        repo.log_artifact(tmp_path / "nope.txt")
    assert artifacts(repo) == {}


def test_log_artifacts_copies_a_nested_tree(repo: ArtifactRepository, tmp_path: Path) -> None:
    local = make_tree(tmp_path / "src", TREE)
    repo.log_artifacts(local, "run")
    repo.log_artifacts(str(local))
    assert artifacts(repo) == {**{f"run/{k}": v for k, v in TREE.items()}, **TREE}


def test_log_artifacts_checks_every_name_first(repo: ArtifactRepository, tmp_path: Path) -> None:
    local = make_tree(tmp_path / "src", {"good.txt": b"ok", "%2e%2e": b"bad"})
    with pytest.raises(InvalidParameter):
        repo.log_artifacts(local)
    assert artifacts(repo) == {}


def test_writing_replaces_a_file_and_leaves_no_temp_files(backend: Backend) -> None:
    backend.repo.write_bytes("dir/f.txt", b"first")
    backend.repo.write_bytes("dir/f.txt", b"second")
    assert backend.repo.list_artifacts("dir") == [FileInfo("dir/f.txt", is_dir=False, file_size=6)]
    assert backend.stored() == {"dir/f.txt": b"second"}


def test_write_stream_takes_a_stream_that_cannot_seek(backend: Backend) -> None:
    backend.repo.write_stream("big.bin", io.BufferedReader(Unseekable(BIG)))  # type: ignore[arg-type]
    assert backend.stored() == {"big.bin": BIG}


def test_write_over_a_directory_or_below_a_file_is_refused(repo: ArtifactRepository) -> None:
    repo.write_bytes("dir/f.txt", b"x")
    with pytest.raises(InvalidParameter):
        repo.write_bytes("dir", b"y")
    with pytest.raises(InvalidParameter):
        repo.write_bytes("dir/f.txt/g.txt", b"z")
    with pytest.raises(InvalidParameter):
        repo.write_bytes("", b"root")
    assert artifacts(repo) == {"dir/f.txt": b"x"}


# Reading and listing


def test_write_bytes_then_open_read_streams_it_back(repo: ArtifactRepository) -> None:
    repo.write_bytes("big.bin", BIG)
    with repo.open_read("big.bin") as stream:
        chunks = iter(lambda: stream.read(64 * 1024), b"")
        assert b"".join(chunks) == BIG


def test_open_read_of_a_missing_file_or_a_directory_is_not_found(repo: ArtifactRepository) -> None:
    repo.write_bytes("dir/f.txt", b"x")
    for path in ("missing.txt", "dir", "dir/f.txt/child", "nodir/f.txt"):
        with pytest.raises(NotFound):
            repo.open_read(path)


def test_list_artifacts_gives_sorted_direct_children_relative_to_the_root(
    repo: ArtifactRepository, tmp_path: Path
) -> None:
    repo.log_artifacts(make_tree(tmp_path / "src", TREE))
    assert repo.list_artifacts() == [FileInfo("a.txt", False, 5), FileInfo("sub", True)]
    assert repo.list_artifacts("sub") == [
        FileInfo("sub/b.bin", False, len(BIG)),
        FileInfo("sub/deeper", True),
    ]
    assert repo.list_artifacts("sub/deeper/") == repo.list_artifacts("./sub//deeper")
    assert [info.path for info in repo.list_artifacts("sub/deeper")] == [
        "sub/deeper/c.txt",
        "sub/deeper/d.json",
    ]


def test_list_artifacts_of_a_missing_dir_or_a_file_is_empty(repo: ArtifactRepository) -> None:
    assert repo.list_artifacts() == []
    repo.write_bytes("f.txt", b"x")
    assert repo.list_artifacts("missing") == []
    assert repo.list_artifacts("f.txt") == []


# Download


def test_download_a_file(repo: ArtifactRepository, tmp_path: Path) -> None:
    repo.write_bytes("dir/big.bin", BIG)
    dst = tmp_path / "dst"
    dst.mkdir()
    local = repo.download_artifacts("dir/big.bin", dst)
    assert local == str(dst / "dir" / "big.bin")
    assert Path(local).read_bytes() == BIG
    assert disk(dst) == {"dir": "dir", "dir/big.bin": BIG}


def test_download_a_tree_byte_for_byte(repo: ArtifactRepository, tmp_path: Path) -> None:
    repo.log_artifacts(make_tree(tmp_path / "src", TREE), "run")
    dst = tmp_path / "dst"
    dst.mkdir()
    local = repo.download_artifacts("run", str(dst))
    assert local == str(dst / "run")
    assert disk(Path(local)) == disk(tmp_path / "src")


def test_download_everything_into_a_new_temp_dir(repo: ArtifactRepository, tmp_path: Path) -> None:
    repo.log_artifacts(make_tree(tmp_path / "src", TREE))
    local = Path(repo.download_artifacts(""))
    assert local.is_dir()
    assert not local.is_relative_to(tmp_path)
    assert disk(local) == disk(tmp_path / "src")


def test_download_of_a_missing_artifact_is_not_found_and_writes_nothing(
    repo: ArtifactRepository, tmp_path: Path
) -> None:
    dst = tmp_path / "dst"
    dst.mkdir()
    with pytest.raises(NotFound):
        repo.download_artifacts("nope/x.txt", dst)
    assert disk(dst) == {}


def test_download_into_a_missing_destination_is_refused(repo: ArtifactRepository, tmp_path: Path) -> None:
    repo.write_bytes("f.txt", b"x")
    with pytest.raises(InvalidParameter):
        repo.download_artifacts("f.txt", tmp_path / "missing")
    assert not (tmp_path / "missing").exists()


# Delete


def test_delete_a_file_a_directory_and_everything(repo: ArtifactRepository, tmp_path: Path) -> None:
    repo.log_artifacts(make_tree(tmp_path / "src", TREE))
    repo.delete_artifacts("sub/deeper/c.txt")
    assert set(artifacts(repo)) == {"a.txt", "sub/b.bin", "sub/deeper/d.json"}
    repo.delete_artifacts("sub")
    assert artifacts(repo) == {"a.txt": b"alpha"}
    repo.delete_artifacts("missing")
    repo.delete_artifacts()
    assert repo.list_artifacts() == []
    repo.write_bytes("again.txt", b"ok")
    assert artifacts(repo) == {"again.txt": b"ok"}


# Resumable uploads: chunks at the stored offset, committed at once

CHUNK = random.Random(1).randbytes(MIN_PART_SIZE)  # S3 takes no smaller chunk but the last
TAIL = b"the last chunk may be small"


def test_resumable_upload_commits_its_chunks_in_one_step(backend: Backend) -> None:
    repo = backend.repo
    repo.write_bytes("dir/model.bin", b"old")
    upload_id = repo.start_upload("dir/model.bin")
    assert repo.upload_offset("dir/model.bin", upload_id) == 0
    assert repo.append_upload("dir/model.bin", upload_id, 0, io.BytesIO(CHUNK)) == len(CHUNK)
    assert artifacts(repo) == {"dir/model.bin": b"old"}  # nothing shows before the commit
    end = repo.append_upload("dir/model.bin", upload_id, len(CHUNK), io.BytesIO(TAIL))
    assert end == repo.upload_offset("dir/model.bin", upload_id) == len(CHUNK) + len(TAIL)
    repo.commit_upload("dir/model.bin", upload_id, size=end)
    assert backend.stored() == {"dir/model.bin": CHUNK + TAIL}
    with pytest.raises(NotFound):
        repo.upload_offset("dir/model.bin", upload_id)


def test_resumable_upload_refuses_a_chunk_at_another_offset(backend: Backend) -> None:
    repo = backend.repo
    upload_id = repo.start_upload("f.bin")
    repo.append_upload("f.bin", upload_id, 0, io.BytesIO(CHUNK))
    for offset in (0, len(CHUNK) + 1):
        with pytest.raises(Conflict, match=str(len(CHUNK))):
            repo.append_upload("f.bin", upload_id, offset, io.BytesIO(TAIL))
    assert repo.upload_offset("f.bin", upload_id) == len(CHUNK)
    with pytest.raises(InvalidParameter, match="announced"):
        repo.commit_upload("f.bin", upload_id, size=len(CHUNK) + 1)
    repo.commit_upload("f.bin", upload_id)
    assert backend.stored() == {"f.bin": CHUNK}


def test_a_chunk_that_breaks_off_is_not_stored(backend: Backend) -> None:
    repo = backend.repo
    upload_id = repo.start_upload("f.bin")
    with pytest.raises(OSError, match="broke off"):
        repo.append_upload(
            "f.bin", upload_id, 0, io.BufferedReader(Unseekable(CHUNK, fail_after=len(CHUNK) // 2))
        )  # type: ignore[arg-type]
    assert repo.upload_offset("f.bin", upload_id) == 0
    assert repo.append_upload("f.bin", upload_id, 0, io.BytesIO(CHUNK)) == len(CHUNK)
    repo.commit_upload("f.bin", upload_id, size=len(CHUNK))
    assert eventually(lambda: backend.stored() == {"f.bin": CHUNK}), backend.stored().keys()


def test_an_aborted_upload_leaves_nothing(backend: Backend) -> None:
    repo = backend.repo
    upload_id = repo.start_upload("dir/f.bin")
    repo.append_upload("dir/f.bin", upload_id, 0, io.BytesIO(TAIL))
    repo.abort_upload("dir/f.bin", upload_id)
    repo.abort_upload("dir/f.bin", upload_id)
    with pytest.raises(NotFound):
        repo.append_upload("dir/f.bin", upload_id, 0, io.BytesIO(TAIL))
    assert backend.stored() == {}
    assert repo.list_artifacts() == []


@pytest.mark.parametrize("upload_id", ["0" * 32, "nope", "../../etc"])
def test_an_unknown_or_malformed_upload_id_is_refused(backend: Backend, upload_id: str) -> None:
    with pytest.raises((NotFound, InvalidParameter)):
        backend.repo.upload_offset("f.bin", upload_id)
    with pytest.raises((NotFound, InvalidParameter)):
        backend.repo.commit_upload("f.bin", upload_id)
    assert backend.stored() == {}


def test_an_upload_belongs_to_its_path(backend: Backend) -> None:
    upload_id = backend.repo.start_upload("a.bin")
    with pytest.raises(NotFound):
        backend.repo.upload_offset("b.bin", upload_id)
    backend.repo.abort_upload("a.bin", upload_id)


def test_an_upload_over_a_directory_is_refused(backend: Backend) -> None:
    backend.repo.write_bytes("dir/f.txt", b"x")

    def upload_over_the_directory() -> None:
        upload_id = backend.repo.start_upload("dir")
        backend.repo.commit_upload("dir", upload_id)

    with pytest.raises(InvalidParameter):
        upload_over_the_directory()
    assert artifacts(backend.repo) == {"dir/f.txt": b"x"}


# Presigned multipart uploads: an object store presigns part URLs; the others say MLflow's "unsupported"


def test_presigned_multipart_upload_or_mlflows_unsupported(backend: Backend) -> None:
    repo = backend.repo
    if not repo.supports_presigned_multipart:
        with pytest.raises(Unsupported, match=f"^{MULTIPART_UNSUPPORTED}"):
            repo.create_multipart_upload("big.bin", 2)
        assert backend.stored() == {}
        return
    upload = repo.create_multipart_upload("dir/big.bin", 2)
    assert [c.part_number for c in upload.credentials] == [1, 2]
    parts = []
    for credential, data in zip(upload.credentials, (CHUNK, TAIL), strict=True):
        answer = httpx.put(credential.url, content=data, headers=credential.headers)
        assert answer.status_code == 200, answer.text
        parts.append(UploadedPart(credential.part_number, answer.headers["ETag"]))
    assert artifacts(repo) == {}
    repo.complete_multipart_upload("dir/big.bin", upload.upload_id, parts)
    assert backend.stored() == {"dir/big.bin": CHUNK + TAIL}
    aborted = repo.create_multipart_upload("gone.bin", 1)
    repo.abort_multipart_upload("gone.bin", aborted.upload_id)
    assert backend.stored() == {"dir/big.bin": CHUNK + TAIL}


# Hostile paths: refused, and nothing changes inside or outside the root

HOSTILE = [
    "../x",
    "a/../../x",
    "..",
    "/etc/passwd",
    "%2e%2e/x",
    "%252e%252e/x",
    "a/%2E%2E/%2e%2e/x",
    "%2fetc/passwd",
    "C:\\x",
    "C:/x",
    "\\\\server\\share\\x",
    "//server/share/x",
    "a\\b",
    "a\x00b",
    "a/\x1fb",
    "a%00b",
]

Operation = Callable[[ArtifactRepository, str, Path], object]
OPERATIONS: dict[str, Operation] = {
    "write_bytes": lambda repo, path, work: repo.write_bytes(path, b"evil"),
    "log_artifact": lambda repo, path, work: repo.log_artifact(work / "upload.txt", path),
    "log_artifacts": lambda repo, path, work: repo.log_artifacts(work / "upload_dir", path),
    "open_read": lambda repo, path, work: repo.open_read(path).close(),
    "list_artifacts": lambda repo, path, work: repo.list_artifacts(path),
    "download_artifacts": lambda repo, path, work: repo.download_artifacts(path, work / "dst"),
    "delete_artifacts": lambda repo, path, work: repo.delete_artifacts(path),
}


def prepare_outside(tmp_path: Path) -> Path:
    """Files a traversal would hit, plus the upload sources and download target the operations use."""
    (tmp_path / "x").write_bytes(b"outside")
    work = make_tree(tmp_path / "work", {"upload.txt": b"up", "upload_dir/f.txt": b"up"})
    (work / "dst").mkdir()
    return work


@pytest.mark.parametrize("path", HOSTILE, ids=[ascii(p) for p in HOSTILE])
def test_hostile_path_is_refused_and_changes_nothing(populated: Backend, tmp_path: Path, path: str) -> None:
    work = prepare_outside(tmp_path)
    watched = [tmp_path] if populated.surroundings is None else [tmp_path, populated.surroundings]
    before = [disk(top) for top in watched]
    refused = []
    for name, operation in OPERATIONS.items():
        with contextlib.suppress(InvalidParameter):
            operation(populated.repo, path, work)
            continue
        refused.append(name)
    assert refused == list(OPERATIONS)
    assert [disk(top) for top in watched] == before
    assert populated.stored() == {"a/kept.txt": b"kept"}


@pytest.mark.parametrize("name", ["%2e%2e", "a\\b", ".keel-tmp-x"])
def test_log_artifact_refuses_a_hostile_or_reserved_basename(
    repo: ArtifactRepository, tmp_path: Path, name: str
) -> None:
    local = make_tree(tmp_path / "src", {name: b"x"}) / name
    with pytest.raises(InvalidParameter):
        repo.log_artifact(local)
    assert artifacts(repo) == {}


# Local backend: symlinks inside the root


@pytest.fixture
def linked(tmp_path: Path) -> LocalArtifactRepository:
    """A local repository whose root holds symlinks to a directory and a file outside it."""
    outside = make_tree(tmp_path / "outside", {"secret": b"secret"})
    root = make_tree(tmp_path / "root", {"kept.txt": b"kept", "inner/f.txt": b"inner"})
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "file-link").symlink_to(outside / "secret")
    (root / "inner-link").symlink_to(root / "inner", target_is_directory=True)
    return LocalArtifactRepository(str(root))


@pytest.mark.parametrize("operation", OPERATIONS.values(), ids=OPERATIONS.keys())
@pytest.mark.parametrize("path", ["link", "link/secret", "link/new.txt", "file-link"])
def test_symlink_out_of_the_root_is_refused_and_changes_nothing(
    linked: LocalArtifactRepository, tmp_path: Path, path: str, operation: Operation
) -> None:
    work = prepare_outside(tmp_path)
    before = disk(tmp_path)
    with pytest.raises(InvalidParameter):
        operation(linked, path, work)
    assert disk(tmp_path) == before


def test_symlinks_out_of_the_root_are_not_listed_or_downloaded(
    linked: LocalArtifactRepository, tmp_path: Path
) -> None:
    assert [info.path for info in linked.list_artifacts()] == ["inner", "inner-link", "kept.txt"]
    local = Path(linked.download_artifacts(""))
    assert disk(local) == {
        "inner": "dir",
        "inner/f.txt": b"inner",
        "inner-link": "dir",
        "inner-link/f.txt": b"inner",
        "kept.txt": b"kept",
    }


def test_delete_removes_links_not_targets(linked: LocalArtifactRepository, tmp_path: Path) -> None:
    linked.delete_artifacts("inner-link")
    assert (tmp_path / "root" / "inner" / "f.txt").read_bytes() == b"inner"
    linked.delete_artifacts()
    assert disk(tmp_path / "root") == {}
    assert disk(tmp_path / "outside") == {"secret": b"secret"}


# Paths, URIs, registry, FileInfo


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (None, ""),
        ("", ""),
        (".", ""),
        ("/".join(["a", "", ".", "b", ""]), "a/b"),
        ("./dir/", "dir"),
        ("...", "..."),
        ("100%.txt", "100%.txt"),
        ("%41b", "%41b"),
        ("model:v1/x", "model:v1/x"),
    ],
)
def test_validate_relative_path_normalises(path: str | None, expected: str) -> None:
    assert validate_relative_path(path) == expected


def test_uris_round_trip_and_choose_the_repository(tmp_path: Path) -> None:
    root = tmp_path / "with space"
    uri = path_to_file_uri(root)
    assert uri.startswith("file:///")
    assert "%20" in uri
    assert local_path_from_uri(uri) == root
    assert local_path_from_uri(str(root)) == root
    assert local_path_from_uri("file://localhost/srv/a") == Path("/srv/a")
    for artifact_uri in (uri, str(root)):
        repo = get_artifact_repository(artifact_uri)
        assert isinstance(repo, LocalArtifactRepository)
        assert repo.artifact_uri == artifact_uri


def test_a_file_uri_on_another_host_is_refused() -> None:
    with pytest.raises(InvalidParameter, match="remote host"):
        local_path_from_uri("file://fileserver/share/a")


def test_an_unknown_scheme_is_unsupported() -> None:
    with pytest.raises(Unsupported, match="'gs'"):
        get_artifact_repository("gs://bucket/path")


def test_file_info_speaks_mlflow_json() -> None:
    file = FileInfo("dir/a.txt", is_dir=False, file_size=5)
    folder = FileInfo("dir", is_dir=True)
    assert file.to_dict() == {"path": "dir/a.txt", "is_dir": False, "file_size": 5}
    assert folder.to_dict() == {"path": "dir", "is_dir": True}
    assert FileInfo.from_dict(file.to_dict()) == file
    assert FileInfo.from_dict(folder.to_dict()) == folder
    assert FileInfo.from_dict({"path": "b", "is_dir": False, "file_size": "7"}) == FileInfo("b", False, 7)


# Registry: schemes and the mlflow-artifacts alias


def test_the_registry_serves_s3_and_proxy_urls(s3_server: S3Server) -> None:
    repo = get_artifact_repository("s3://bucket/some/prefix")
    assert isinstance(repo, S3ArtifactRepository)
    assert (repo.bucket, repo.prefix) == ("bucket", "some/prefix")
    http = get_artifact_repository(f"https://keel.example.com/ml{PROXY}/1/abc/artifacts")
    assert isinstance(http, HttpArtifactRepository)
    assert (http.server_url, http.root) == ("https://keel.example.com/ml", "1/abc/artifacts")


@pytest.mark.parametrize(
    ("uri", "tracking_uri", "expected"),
    [
        ("mlflow-artifacts:/1/abc/artifacts", "http://keel:5000", f"http://keel:5000{PROXY}/1/abc/artifacts"),
        ("mlflow-artifacts:/", "https://keel.example.com/ml/", f"https://keel.example.com/ml{PROXY}"),
        ("mlflow-artifacts://other:8080/x", "https://keel:5000", f"https://other:8080{PROXY}/x"),
    ],
)
def test_mlflow_artifacts_uris_resolve_against_the_tracking_server(
    uri: str, tracking_uri: str, expected: str
) -> None:
    assert resolve_proxied_uri(uri, tracking_uri) == expected
    repo = get_artifact_repository(uri, tracking_uri=tracking_uri)
    assert isinstance(repo, HttpArtifactRepository)
    assert repo.artifact_uri == expected


def test_mlflow_artifacts_uris_fall_back_to_the_tracking_uri_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KEEL_TRACKING_URI", raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow:5000")
    assert resolve_proxied_uri("mlflow-artifacts:/1") == f"http://mlflow:5000{PROXY}/1"
    monkeypatch.setenv("KEEL_TRACKING_URI", "http://keel:5000")
    assert resolve_proxied_uri("mlflow-artifacts:/1") == f"http://keel:5000{PROXY}/1"


@pytest.mark.parametrize(
    "tracking_uri", ["postgresql://user:secret@db/keel", "sqlite:///keel.db", "/srv/keel", ""]
)
def test_mlflow_artifacts_uris_need_an_http_tracking_uri(
    monkeypatch: pytest.MonkeyPatch, tracking_uri: str
) -> None:
    monkeypatch.delenv("KEEL_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    with pytest.raises(InvalidParameter, match="tracking URI") as caught:
        get_artifact_repository("mlflow-artifacts:/1/abc", tracking_uri=tracking_uri)
    assert "secret" not in caught.value.message


@pytest.mark.parametrize(
    "uri",
    [
        "http://example.com/file.txt",
        f"http://example.com{PROXY}/../secret",
        f"http://example.com{PROXY}/%2e%2e/secret",
        f"http://example.com{PROXY}extra",
        "mlflow-artifacts://5000/x",
    ],
)
def test_http_uris_must_be_safe_proxy_urls(uri: str) -> None:
    with pytest.raises(InvalidParameter):
        get_artifact_repository(uri, tracking_uri="http://keel:5000")


# S3 backend: keys no artifact path could name, and failures translated


def test_s3_listings_skip_keys_no_artifact_path_could_name(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = s3_server.create_bucket()
    for key in (
        "r/ok.txt",
        "r/../x",
        "r/a/../../x",
        "r/a\\b",
        "r//abs",
        "r/./dot",
        "r/.keel-tmp-x",
        "r/sub/",
        "r/sub/f",
    ):
        s3_server.put(bucket, key, b"data")
    repo = get_artifact_repository(f"s3://{bucket}/r")
    assert repo.list_artifacts() == [FileInfo("a", True), FileInfo("ok.txt", False, 4), FileInfo("sub", True)]
    assert repo.list_artifacts("a") == []  # only "a/../../x" is under it
    assert repo.list_artifacts("sub") == [FileInfo("sub/f", False, 4)]
    dst = tmp_path / "dst"
    dst.mkdir()
    downloaded = disk(Path(repo.download_artifacts("", dst)))
    assert downloaded == {"a": "dir", "ok.txt": b"data", "sub": "dir", "sub/f": b"data"}
    assert not (tmp_path / "x").exists()


def test_s3_missing_bucket_is_not_found(s3_server: S3Server) -> None:
    repo = get_artifact_repository("s3://keel-no-such-bucket/r")
    with pytest.raises(NotFound, match="NoSuchBucket"):
        repo.write_bytes("f.txt", b"x")
    with pytest.raises(NotFound):
        repo.list_artifacts()


def test_s3_unreachable_endpoint_is_unavailable(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    closed = S3Server()  # a free port nobody listens on
    monkeypatch.setenv("MLFLOW_S3_ENDPOINT_URL", closed.endpoint_url)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    repo = get_artifact_repository("s3://bucket/r")
    for operation in (
        lambda: repo.write_bytes("f.txt", b"x"),
        lambda: repo.open_read("f.txt"),
        repo.list_artifacts,
    ):
        with pytest.raises(Unavailable):
            operation()


# HTTP backend: failures from the server come back as keel errors


def test_http_errors_come_back_as_keel_errors(keel_server: tuple[str, Path]) -> None:
    url, _ = keel_server
    repo = HttpArtifactRepository(f"{url}{PROXY}/{uuid.uuid4().hex}", retry=NO_WAIT)
    repo.write_bytes("f.txt", b"x")
    with pytest.raises(InvalidParameter, match="parent is a file"):
        repo.write_bytes("f.txt/g.txt", b"y")
    with pytest.raises(NotFound):
        repo.open_read("missing.txt")
    gone = HttpArtifactRepository(
        f"http://127.0.0.1:{S3Server().port}{PROXY}/x", retry=NO_WAIT, sleep=lambda _: None
    )
    with pytest.raises(Unavailable, match="ConnectError"):
        gone.list_artifacts()
