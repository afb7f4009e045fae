"""The artifact proxy end to end: the real ``mlflow`` client and keel's own client against a live keel
server whose artifact destination is an S3 bucket (moto over HTTP) or a local directory."""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import time
import tracemalloc
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from mlflow import MlflowClient

from keel.errors import Unavailable
from keel.server.settings import ServerSettings
from keel.store.artifacts import local_path_from_uri
from keel.store.artifacts.base import MULTIPART_UNSUPPORTED, TEMP_PREFIX
from keel.store.artifacts.http import HttpArtifactRepository
from keel.store.artifacts.s3 import MIN_PART_SIZE, PART_SIZE
from keel.store.tracking.retry import RetryPolicy
from liveserver import LiveServer
from s3server import S3Server

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

MiB = 1024 * 1024
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
NO_WAIT = RetryPolicy(max_retries=3, backoff_factor=0, backoff_jitter=0)


@dataclass(frozen=True)
class Proxy:
    """A live keel server, and views of its artifact destination, whose keys start ``root/``."""

    url: str
    read: Callable[[str], dict[str, bytes]]
    """The files under a key prefix, by their path below it."""
    listing: Callable[[], dict[str, int]]
    """Every key in the destination, with its size."""
    leftovers: Callable[[], list[str]]
    """What an upload may leave behind: unfinished S3 uploads, local temp files."""
    bucket: str | None = None


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    server = S3Server.shared()
    with pytest.MonkeyPatch.context() as patch:
        server.configure(patch)
        yield server


@pytest.fixture(scope="module")
def s3_proxy(s3: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    bucket = s3.create_bucket()
    database = tmp_path_factory.mktemp("s3-proxy") / "keel.db"
    settings = ServerSettings(
        backend_store_uri=f"sqlite:///{database}", artifacts_destination=f"s3://{bucket}/root"
    )
    with LiveServer(settings) as server:
        yield Proxy(
            server.url,
            lambda prefix: s3.objects(bucket, f"{prefix}/"),
            lambda: s3.sizes(bucket),
            lambda: s3.uploads_in_progress(bucket),
            bucket,
        )


@pytest.fixture(scope="module")
def local_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    settings = ServerSettings.embedded(tmp_path_factory.mktemp("local-proxy"))
    destination = local_path_from_uri(settings.artifacts_destination)

    def read(prefix: str) -> dict[str, bytes]:
        top = destination / prefix.removeprefix("root/")
        return {p.relative_to(top).as_posix(): p.read_bytes() for p in top.rglob("*") if p.is_file()}

    def listing() -> dict[str, int]:
        return {
            f"root/{p.relative_to(destination).as_posix()}": p.stat().st_size for p in destination.rglob("*")
        }

    def leftovers() -> list[str]:
        return sorted(p.name for p in destination.rglob(f"{TEMP_PREFIX}*"))

    with LiveServer(settings) as server:
        yield Proxy(server.url, read, listing, leftovers)


@pytest.fixture(params=["s3", "local"])
def proxy(request: pytest.FixtureRequest) -> Proxy:
    return request.getfixturevalue(f"{request.param}_proxy")


def new_run(proxy: Proxy) -> tuple[MlflowClient, str, str]:
    """An MLflow client on the proxy, a fresh run, and where its artifacts sit in the destination."""
    client = MlflowClient(tracking_uri=proxy.url)
    run = client.create_run(client.create_experiment(f"e-{uuid.uuid4().hex}"))
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/")
    prefix = run.info.artifact_uri.removeprefix("mlflow-artifacts:/")
    return client, run.info.run_id, f"root/{prefix}"


def random_file(path: Path, size: int) -> str:
    """Write ``size`` random bytes in 1 MiB pieces and return their sha256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for start in range(0, size, MiB):
            piece = os.urandom(min(MiB, size - start))
            digest.update(piece)
            out.write(piece)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for piece in iter(lambda: stream.read(MiB), b""):
            digest.update(piece)
    return digest.hexdigest()


# The MLflow client, byte for byte


def test_mlflow_client_logs_lists_and_downloads_through_the_proxy(proxy: Proxy, tmp_path: Path) -> None:
    client, run_id, prefix = new_run(proxy)
    tree = {"model/MLmodel": b"flavors: {}\n", "model/data/w.bin": os.urandom(300_000), "notes.txt": b""}
    for name, data in tree.items():
        (tmp_path / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / name).write_bytes(data)
    (tmp_path / "single.csv").write_bytes(b"a,b\n1,2\n")
    client.log_artifact(run_id, str(tmp_path / "single.csv"))
    client.log_artifact(run_id, str(tmp_path / "single.csv"), "tables/v1")
    client.log_artifacts(run_id, str(tmp_path / "src"), "bundle")

    assert [(f.path, f.is_dir) for f in client.list_artifacts(run_id)] == [
        ("bundle", True),
        ("single.csv", False),
        ("tables", True),
    ]
    listing = client.list_artifacts(run_id, "bundle/model/data")
    assert [(f.path, f.file_size) for f in listing] == [("bundle/model/data/w.bin", 300_000)]
    assert client.list_artifacts(run_id, "single.csv") == []

    expected = {"single.csv": b"a,b\n1,2\n", "tables/v1/single.csv": b"a,b\n1,2\n"}
    expected |= {f"bundle/{name}": data for name, data in tree.items()}
    assert proxy.read(prefix) == expected
    local = Path(client.download_artifacts(run_id, "", str(tmp_path / "dst")))
    assert {
        p.relative_to(local).as_posix(): p.read_bytes() for p in local.rglob("*") if p.is_file()
    } == expected


def test_a_large_file_streams_through_the_proxy_in_bounded_memory(
    s3: S3Server, s3_proxy: Proxy, tmp_path: Path
) -> None:
    """64 MiB up and down through the server (in this process, in a thread) to S3, while Python's
    allocations never hold more than a few parts: neither the client nor the server reads it whole."""
    client, run_id, prefix = new_run(s3_proxy)
    size = 64 * MiB
    digest = random_file(tmp_path / "big.bin", size)
    tracemalloc.start()
    try:
        client.log_artifact(run_id, str(tmp_path / "big.bin"), "weights")
        downloaded = Path(client.download_artifacts(run_id, "weights/big.bin", str(tmp_path)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sha256_of(downloaded) == digest
    assert [(f.path, f.file_size) for f in client.list_artifacts(run_id, "weights")] == [
        ("weights/big.bin", size)
    ]
    assert peak < 48 * MiB, f"peak traced memory {peak / MiB:.1f} MiB for a {size // MiB} MiB file"
    etag = s3.client.head_object(Bucket=s3_proxy.bucket, Key=f"{prefix}/weights/big.bin")["ETag"]
    assert etag.endswith(f'-{size // PART_SIZE}"')  # the server passed it on part by part as it came
    assert s3_proxy.leftovers() == []


# MLflow's multipart uploads: presigned parts straight to S3, a single PUT elsewhere


@pytest.fixture
def mlflow_multipart(monkeypatch: pytest.MonkeyPatch) -> int:
    """MLflow's client set to upload files from 5 MiB on in 5 MiB parts; the chunk size."""
    monkeypatch.setenv("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", "true")
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", str(MIN_PART_SIZE))
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", str(MIN_PART_SIZE))
    return MIN_PART_SIZE


def test_mlflow_multipart_upload_puts_parts_straight_to_s3(
    s3: S3Server, s3_proxy: Proxy, tmp_path: Path, mlflow_multipart: int
) -> None:
    client, run_id, prefix = new_run(s3_proxy)
    data = os.urandom(2 * mlflow_multipart + 12345)
    (tmp_path / "big.bin").write_bytes(data)
    client.log_artifact(run_id, str(tmp_path / "big.bin"), "model")
    assert s3_proxy.read(prefix) == {"model/big.bin": data}
    etag = s3.client.head_object(Bucket=s3_proxy.bucket, Key=f"{prefix}/model/big.bin")["ETag"]
    assert etag.endswith('-3"')  # joined from the three presigned parts, not sent through keel
    assert s3_proxy.leftovers() == []


def test_mlflow_multipart_falls_back_to_one_put_for_a_local_destination(
    local_proxy: Proxy, tmp_path: Path, mlflow_multipart: int
) -> None:
    client, run_id, prefix = new_run(local_proxy)
    data = os.urandom(mlflow_multipart + 1)
    (tmp_path / "big.bin").write_bytes(data)
    client.log_artifact(run_id, str(tmp_path / "big.bin"))
    assert local_proxy.read(prefix) == {"big.bin": data}
    answer = httpx.post(
        f"{local_proxy.url}/api/2.0/mlflow-artifacts/mpu/create/{prefix.removeprefix('root/')}",
        json={"path": "/home/me/big.bin", "num_parts": 2},
    )
    assert answer.status_code == 501
    assert answer.json()["error_code"] == "NOT_IMPLEMENTED"
    assert answer.json()["message"].startswith(MULTIPART_UNSUPPORTED)


def test_mlflow_multipart_abort_and_bad_completion(s3_proxy: Proxy) -> None:
    base = f"{s3_proxy.url}/api/2.0/mlflow-artifacts/mpu"
    created = httpx.post(f"{base}/create/1/r/artifacts", json={"path": "C:\\data\\big.bin", "num_parts": 2})
    assert created.status_code == 200, created.text
    body = created.json()
    assert [c["part_number"] for c in body["credentials"]] == [1, 2]
    assert "/root/1/r/artifacts/big.bin?" in body["credentials"][0]["url"]
    bogus = {"path": "big.bin", "upload_id": body["upload_id"], "parts": [{"part_number": 1, "etag": '"x"'}]}
    assert httpx.post(f"{base}/complete/1/r/artifacts", json=bogus).status_code == 400
    abort = {"path": "big.bin", "upload_id": body["upload_id"]}
    assert httpx.post(f"{base}/abort/1/r/artifacts", json=abort).status_code == 200
    assert "root/1/r/artifacts/big.bin" not in s3_proxy.leftovers()
    assert not any(key.startswith("root/1/r/") for key in s3_proxy.listing())


# keel's resumable uploads: a dropped connection resumes where the server's copy ends


class FlakyTransport(httpx.BaseTransport):
    """The real network, except for chosen requests, keyed by method and count (from 1): ``"drop"``
    breaks the connection halfway through the body; ``"lose-answer"`` delivers it but loses the answer."""

    def __init__(self, failures: dict[tuple[str, int], str]) -> None:
        self._network = httpx.HTTPTransport()
        self._failures = failures
        self.log: list[tuple[str, int | None, str]] = []
        """(method, offset, what happened) of each request."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        offset = request.url.params.get("offset")
        count = 1 + sum(1 for method, _, _ in self.log if method == request.method)
        failure = self._failures.get((request.method, count))
        self.log.append((request.method, None if offset is None else int(offset), failure or "ok"))
        if failure == "drop":
            body = request.read()
            broken = httpx.Request(
                request.method, request.url, headers=request.headers, stream=_BreaksOff(body)
            )
            return self._network.handle_request(broken)
        response = self._network.handle_request(request)
        if failure == "lose-answer":
            response.read()
            response.close()
            raise httpx.ReadError("connection reset by peer")
        return response

    def close(self) -> None:
        self._network.close()


class _BreaksOff(httpx.SyncByteStream):
    def __init__(self, body: bytes) -> None:
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        yield self._body[: len(self._body) // 2]
        raise httpx.WriteError("connection reset by peer")


CHUNK = C = MIN_PART_SIZE  # an S3 destination takes no smaller chunk but the last


@pytest.mark.parametrize(
    ("failures", "expected"),
    [
        (  # the chunk is cut off: the server keeps nothing of it, and the client sends it again
            {("PATCH", 2): "drop"},
            [
                ("POST", None, "ok"),
                ("PATCH", 0, "ok"),
                ("PATCH", C, "drop"),
                ("GET", None, "ok"),
                ("PATCH", C, "ok"),
                ("PATCH", 2 * C, "ok"),
                ("PUT", None, "ok"),
            ],
        ),
        (  # the chunk arrived but the answer was lost: the client learns the offset and goes on
            {("PATCH", 2): "lose-answer"},
            [
                ("POST", None, "ok"),
                ("PATCH", 0, "ok"),
                ("PATCH", C, "lose-answer"),
                ("GET", None, "ok"),
                ("PATCH", 2 * C, "ok"),
                ("PUT", None, "ok"),
            ],
        ),
        (  # the commit went through but its answer was lost: the upload is gone, so it is done
            {("PUT", 1): "lose-answer"},
            [
                ("POST", None, "ok"),
                ("PATCH", 0, "ok"),
                ("PATCH", C, "ok"),
                ("PATCH", 2 * C, "ok"),
                ("PUT", None, "lose-answer"),
                ("GET", None, "ok"),
            ],
        ),
    ],
    ids=["chunk-cut-off", "chunk-answer-lost", "commit-answer-lost"],
)
def test_an_interrupted_upload_resumes_instead_of_restarting(
    proxy: Proxy,
    tmp_path: Path,
    failures: dict[tuple[str, int], str],
    expected: list[tuple[str, int | None, str]],
) -> None:
    _, _, prefix = new_run(proxy)
    data = os.urandom(2 * CHUNK + 4321)
    (tmp_path / "weights.bin").write_bytes(data)
    transport = FlakyTransport(failures)
    url = f"{proxy.url}{ARTIFACTS}/{prefix.removeprefix('root/')}"
    with HttpArtifactRepository(url, transport=transport, chunk_size=CHUNK, retry=NO_WAIT) as repo:
        repo.log_artifact(tmp_path / "weights.bin", "ckpt")
    assert proxy.read(prefix) == {"ckpt/weights.bin": data}
    assert transport.log == expected  # no chunk before the failure was sent twice
    assert proxy.leftovers() == []


def test_an_upload_that_keeps_failing_is_aborted(proxy: Proxy, tmp_path: Path) -> None:
    _, _, prefix = new_run(proxy)
    (tmp_path / "weights.bin").write_bytes(os.urandom(CHUNK + 1))
    transport = FlakyTransport({("PATCH", n): "drop" for n in range(2, 10)})
    url = f"{proxy.url}{ARTIFACTS}/{prefix.removeprefix('root/')}"
    with (
        HttpArtifactRepository(url, transport=transport, chunk_size=CHUNK, retry=NO_WAIT) as repo,
        pytest.raises(Unavailable, match="WriteError"),
    ):
        repo.log_artifact(tmp_path / "weights.bin")
    assert transport.log[-1][0] == "DELETE"
    assert proxy.read(prefix) == {}
    assert proxy.leftovers() == []


def test_a_plain_put_that_breaks_off_stores_nothing(proxy: Proxy) -> None:
    """A PUT announcing 20 MiB that stops after 12 (past S3's first part): no object, no unfinished
    upload, no temp file."""
    _, _, prefix = new_run(proxy)
    path = f"{ARTIFACTS}/{prefix.removeprefix('root/')}/cut.bin"
    host, port = proxy.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(f"PUT {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {20 * MiB}\r\n\r\n".encode())
        for _ in range(12):
            sock.sendall(os.urandom(MiB))
    assert eventually(lambda: proxy.leftovers() == [])
    assert proxy.read(prefix) == {}


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Whether ``check`` holds within ``timeout``: the server notices a dropped client on its own time."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# Retries: 429 and 5xx are tried again, after the server's Retry-After


class Overloaded(httpx.BaseTransport):
    """Answers the first ``count`` requests with ``status`` itself, then lets requests through."""

    def __init__(self, status: int, count: int) -> None:
        self._network = httpx.HTTPTransport()
        self._status = status
        self._left = count

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._left > 0:
            self._left -= 1
            body = {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "busy"}
            return httpx.Response(self._status, json=body, headers={"Retry-After": "2"})
        return self._network.handle_request(request)

    def close(self) -> None:
        self._network.close()


@pytest.mark.parametrize("status", [429, 502, 503])
def test_overload_is_retried_after_retry_after(local_proxy: Proxy, status: int) -> None:
    sleeps: list[float] = []
    url = f"{local_proxy.url}{ARTIFACTS}/retry/{status}"
    with HttpArtifactRepository(
        url, transport=Overloaded(status, 2), retry=NO_WAIT, sleep=sleeps.append
    ) as repo:
        repo.write_bytes("f.txt", b"made it")
        with repo.open_read("f.txt") as stream:
            assert stream.read() == b"made it"
    assert sleeps == [2.0, 2.0]


# Hostile paths: a 400 INVALID_PARAMETER_VALUE in MLflow's shape, and nothing written

HOSTILE = ["../x", "%2e%2e/x", "%252e%252e/x", "/etc/passwd", "a\\b", "a%00b", "a/../../x", "..%2fx"]
REQUESTS = [
    ("PUT", f"{ARTIFACTS}/{{}}"),
    ("GET", f"{ARTIFACTS}/{{}}"),
    ("DELETE", f"{ARTIFACTS}/{{}}"),
    ("GET", f"{ARTIFACTS}?path={{}}"),
    ("POST", "/api/2.0/mlflow-artifacts/uploads/{}"),
    ("PATCH", "/api/2.0/mlflow-artifacts/uploads/{}?upload_id=abc&offset=0"),
    ("PUT", "/api/2.0/mlflow-artifacts/uploads/{}?upload_id=abc"),
    ("POST", "/api/2.0/mlflow-artifacts/mpu/create/{}"),
    ("POST", "/ajax-api/2.0/mlflow-artifacts/mpu/complete/{}"),
]


def raw_request(url: str, method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None):
    """Send ``target`` byte for byte: httpx would resolve ``..`` before it left the client."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        answer = conn.getresponse()
        return answer.status, answer.getheader("Content-Type"), answer.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path", HOSTILE)
def test_hostile_paths_get_400_and_write_nothing(proxy: Proxy, path: str) -> None:
    before = proxy.listing()
    for method, template in REQUESTS:
        target = template.format(path)
        body = b'{"path": "x.bin", "num_parts": 1, "parts": []}' if "mpu" in target else b"evil"
        headers = {"Content-Type": "application/json"} if "mpu" in target else {}
        status, content_type, answer = raw_request(proxy.url, method, target, body, headers)
        assert (status, content_type) == (400, "application/json"), (method, target, answer)
        assert httpx.Response(status, content=answer).json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert proxy.listing() == before
    assert proxy.leftovers() == []


@pytest.mark.parametrize("name", ["..", "a\\..", "x\x00y", ".keel-tmp-x"])
def test_hostile_file_names_in_multipart_bodies_are_refused(s3_proxy: Proxy, name: str) -> None:
    before = s3_proxy.listing()
    answer = httpx.post(
        f"{s3_proxy.url}/api/2.0/mlflow-artifacts/mpu/create/1/r",
        json={"path": f"/tmp/{name}", "num_parts": 1},
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert s3_proxy.listing() == before
    assert s3_proxy.leftovers() == []
