"""An S3 server for tests: moto's server mode in a subprocess on a free port, reached over real HTTP
through boto3, exactly as a MinIO would be.

A subprocess, not a thread: moto keeps objects in its own memory, which must not count against the
memory a test measures, and its request log stays out of the test's output. ``S3Server.shared()``
starts one for the whole test run (it takes seconds to start); tests keep apart by bucket.
"""

from __future__ import annotations

import atexit
import subprocess
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import httpx
from botocore.config import Config

from liveserver import free_port

if TYPE_CHECKING:
    import pytest

ACCESS_KEY = "keel-test-access-key"
SECRET_KEY = "keel-test-secret-key"
REGION = "us-east-1"


class S3Server:
    """``with S3Server() as s3: s3.create_bucket()`` — started and stopped around the block."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._client: Any = None

    _shared: S3Server | None = None

    @classmethod
    def shared(cls) -> S3Server:
        """The server of this test run, started on first use and stopped when the run ends."""
        if cls._shared is None:
            cls._shared = cls().start()
            atexit.register(cls._shared.stop)
        return cls._shared

    def start(self) -> S3Server:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{self.endpoint_url}/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def __enter__(self) -> S3Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def environment(self) -> dict[str, str]:
        """What a MinIO user sets: the endpoint and static credentials."""
        return {
            "MLFLOW_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
        }

    def configure(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Point boto3 at this server, and away from any AWS configuration of the machine."""
        for name, value in self.environment().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/keel-test-aws-config")
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/keel-test-aws-credentials")
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            monkeypatch.delenv(name, raising=False)

    @property
    def client(self) -> Any:
        """A boto3 client of its own, for a test to look at the bucket behind keel's back."""
        if self._client is None:
            self._client = boto3.session.Session().client(
                "s3",
                endpoint_url=self.endpoint_url,
                aws_access_key_id=ACCESS_KEY,
                aws_secret_access_key=SECRET_KEY,
                region_name=REGION,
                config=Config(request_checksum_calculation="when_required"),
            )
        return self._client

    def create_bucket(self) -> str:
        name = f"keel-{uuid.uuid4().hex[:20]}"
        self.client.create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str, prefix: str = "") -> dict[str, bytes]:
        """Every object under ``prefix``, keyed by what follows the prefix, with its bytes."""
        found: dict[str, bytes] = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", ()):
                body = self.client.get_object(Bucket=bucket, Key=obj["Key"])["Body"]
                found[obj["Key"][len(prefix) :]] = body.read()
        return found

    def sizes(self, bucket: str) -> dict[str, int]:
        """Every key in the bucket with its size, listed without reading any object."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return {obj["Key"]: obj["Size"] for page in pages for obj in page.get("Contents", ())}

    def uploads_in_progress(self, bucket: str, prefix: str = "") -> list[str]:
        """Keys with a multipart upload started and neither completed nor aborted."""
        answer = self.client.list_multipart_uploads(Bucket=bucket, Prefix=prefix)
        return sorted(upload["Key"][len(prefix) :] for upload in answer.get("Uploads", ()))

    def put(self, bucket: str, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=bucket, Key=key, Body=data)
