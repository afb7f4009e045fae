"""FileInfo: one entry of an artifact listing, in MLflow's JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FileInfo:
    """A file or directory under an artifact root; ``path`` is relative to that root, in POSIX form."""

    path: str
    is_dir: bool
    file_size: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "is_dir": self.is_dir}
        if self.file_size is not None and not self.is_dir:
            out["file_size"] = self.file_size
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileInfo:
        is_dir = bool(data.get("is_dir", False))
        size = data.get("file_size")
        # MLflow servers may send int64 fields as JSON strings.
        return cls(path=data["path"], is_dir=is_dir, file_size=None if size is None or is_dir else int(size))
