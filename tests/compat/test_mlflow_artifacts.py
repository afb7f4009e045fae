"""Artifacts through mlflow's client and keel's artifact proxy: what goes up comes back byte for byte."""

from __future__ import annotations

import json
import os
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient

pytestmark = pytest.mark.usefixtures("tracking_uri")


def write_tree(root: Path) -> dict[str, bytes]:
    """A small project folder: text, binary, a nested folder, a name with spaces, one 3 MiB file."""
    files = {
        "report.md": b"# results\n\naccuracy: 0.93\n",
        "weights.bin": os.urandom(4096),
        "plots/loss curve.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        "plots/deep/empty.txt": b"",
        "data/big.npy": os.urandom(3 * 1024 * 1024 + 17),
    }
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return files


def read_tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }


def test_logged_files_folders_dicts_and_text_download_byte_for_byte(
    tmp_path: Path, experiment_name: str
) -> None:
    source = tmp_path / "project"
    tree = write_tree(source)
    single = tmp_path / "config.yaml"
    single.write_bytes(b"seed: 42\nlabels: [cat, dog]\n")
    mlflow.set_experiment(experiment_name)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(single))
        mlflow.log_artifact(str(single), artifact_path="copies/v1")
        mlflow.log_artifacts(str(source), artifact_path="project")
        mlflow.log_dict({"classes": ["cat", "dog"], "threshold": 0.5}, "meta/classes.json")
        mlflow.log_text("précision ≥ 0.9\n", "notes/summary.txt")

    downloaded = Path(
        mlflow.artifacts.download_artifacts(run_id=run.info.run_id, dst_path=str(tmp_path / "dl"))
    )

    expected = {f"project/{name}": content for name, content in tree.items()}
    expected["config.yaml"] = single.read_bytes()
    expected["copies/v1/config.yaml"] = single.read_bytes()
    expected["notes/summary.txt"] = "précision ≥ 0.9\n".encode()
    got = read_tree(downloaded)
    assert json.loads(got.pop("meta/classes.json")) == {"classes": ["cat", "dog"], "threshold": 0.5}
    assert got.keys() == expected.keys()
    for name, content in expected.items():
        assert got[name] == content, name


def test_list_artifacts_shows_sizes_and_folders(tmp_path: Path, experiment_name: str) -> None:
    tree = write_tree(tmp_path / "project")
    mlflow.set_experiment(experiment_name)
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(tmp_path / "project"))
    client = MlflowClient()

    top = {(f.path, f.is_dir, f.file_size) for f in client.list_artifacts(run.info.run_id)}
    plots = {(f.path, f.is_dir, f.file_size) for f in client.list_artifacts(run.info.run_id, "plots")}

    assert top == {
        ("report.md", False, len(tree["report.md"])),
        ("weights.bin", False, 4096),
        ("plots", True, None),
        ("data", True, None),
    }
    assert plots == {
        ("plots/loss curve.svg", False, len(tree["plots/loss curve.svg"])),
        ("plots/deep", True, None),
    }
    assert client.list_artifacts(run.info.run_id, "nothing-here") == []


def test_download_one_file_and_one_folder(tmp_path: Path, experiment_name: str) -> None:
    tree = write_tree(tmp_path / "project")
    mlflow.set_experiment(experiment_name)
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(tmp_path / "project"))
    run_id = run.info.run_id

    one = Path(
        mlflow.artifacts.download_artifacts(
            run_id=run_id, artifact_path="data/big.npy", dst_path=str(tmp_path / "a")
        )
    )
    folder = Path(
        mlflow.artifacts.download_artifacts(
            run_id=run_id, artifact_path="plots", dst_path=str(tmp_path / "b")
        )
    )
    by_uri = Path(
        mlflow.artifacts.download_artifacts(f"runs:/{run_id}/report.md", dst_path=str(tmp_path / "c"))
    )

    assert one.read_bytes() == tree["data/big.npy"]
    assert read_tree(folder) == {"loss curve.svg": tree["plots/loss curve.svg"], "deep/empty.txt": b""}
    assert by_uri.read_bytes() == tree["report.md"]
    assert mlflow.artifacts.load_text(f"runs:/{run_id}/report.md") == tree["report.md"].decode()
