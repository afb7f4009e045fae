"""Server settings: where metadata and artifacts live, and the limits the server enforces."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keel.tracking.uris import DEFAULT_DATA_DIR

MLFLOW_ARTIFACTS_ROOT = "mlflow-artifacts:"
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class ServerSettings:
    backend_store_uri: str
    artifacts_destination: str
    serve_artifacts: bool = True
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @property
    def default_artifact_root(self) -> str:
        """Experiments made through the server keep artifacts behind the proxy (mlflow-artifacts:/<id>)."""
        return MLFLOW_ARTIFACTS_ROOT if self.serve_artifacts else self.artifacts_destination

    @classmethod
    def embedded(cls, data_dir: Path | None = None) -> ServerSettings:
        """SQLite and a local artifact folder under ``./keel-data`` (or ``data_dir``)."""
        root = (data_dir or Path.cwd() / DEFAULT_DATA_DIR).resolve()
        return cls(f"sqlite:///{root / 'keel.db'}", (root / "artifacts").as_uri())
