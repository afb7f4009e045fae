"""Artifacts logged through the fluent API and read back through ``Client``: files, text, dicts,
tables, images and figures, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

import keel
from keel.errors import InvalidParameter, NotFound
from keel.store.artifacts import local_path_from_uri


def _download(run_id: str, path: str, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    return Path(keel.Client().download_artifacts(run_id, path, dst))


def _listing(run_id: str, path: str | None = None) -> list[tuple[str, bool, int | None]]:
    return [(f.path, f.is_dir, f.file_size) for f in keel.Client().list_artifacts(run_id, path)]


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_log_artifact_round_trips_a_binary_file_byte_for_byte(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 1_000 + b"\x00\r\n"
    source = tmp_path / "weights.bin"
    source.write_bytes(payload)

    with keel.start_run() as run:
        keel.log_artifact(source)
        keel.log_artifact(source, artifact_path="checkpoints/epoch-1")

    assert _listing(run.info.run_id) == [
        ("checkpoints", True, None),
        ("weights.bin", False, len(payload)),
    ]
    assert _listing(run.info.run_id, "checkpoints/epoch-1") == [
        ("checkpoints/epoch-1/weights.bin", False, len(payload))
    ]
    downloaded = _download(run.info.run_id, "checkpoints/epoch-1/weights.bin", tmp_path / "out")
    assert downloaded == (tmp_path / "out" / "checkpoints" / "epoch-1" / "weights.bin").resolve()
    assert downloaded.read_bytes() == payload


def test_log_artifacts_copies_a_nested_directory_tree(tmp_path: Path) -> None:
    tree = {
        "model/MLmodel": b"flavors: {}\n",
        "model/data/weights.npy": np.arange(100, dtype=np.int64).tobytes(),
        "model/data/deep/er/notes.txt": "ünïcödé\n".encode(),
        "README.md": b"# model\n",
    }
    local = tmp_path / "export"
    for relative, data in tree.items():
        (local / relative).parent.mkdir(parents=True, exist_ok=True)
        (local / relative).write_bytes(data)

    with keel.start_run() as run:
        keel.log_artifacts(local, artifact_path="bundle")

    assert _listing(run.info.run_id) == [("bundle", True, None)]
    assert _listing(run.info.run_id, "bundle") == [
        ("bundle/README.md", False, len(tree["README.md"])),
        ("bundle/model", True, None),
    ]
    assert _listing(run.info.run_id, "bundle/model/data") == [
        ("bundle/model/data/deep", True, None),
        ("bundle/model/data/weights.npy", False, 800),
    ]
    downloaded = _download(run.info.run_id, "bundle", tmp_path / "out")
    assert {p.relative_to(downloaded).as_posix(): p.read_bytes() for p in _files_under(downloaded)} == tree


def test_download_of_everything_returns_the_whole_tree(tmp_path: Path) -> None:
    with keel.start_run() as run:
        keel.log_text("a", "one.txt")
        keel.log_text("b", "sub/two.txt")

    downloaded = _download(run.info.run_id, "", tmp_path / "all")

    assert {p.relative_to(downloaded).as_posix() for p in _files_under(downloaded)} == {
        "one.txt",
        "sub/two.txt",
    }


def test_listing_a_missing_directory_is_empty_and_downloading_a_missing_file_is_not_found(
    tmp_path: Path,
) -> None:
    with keel.start_run() as run:
        keel.log_text("x", "present.txt")

    assert _listing(run.info.run_id, "absent") == []
    with pytest.raises(NotFound):
        _download(run.info.run_id, "absent.txt", tmp_path / "out")


def test_log_artifact_of_a_missing_local_file_is_not_found(tmp_path: Path) -> None:
    with keel.start_run() as run, pytest.raises(NotFound):
        keel.log_artifact(tmp_path / "nope.bin")

    assert _listing(run.info.run_id) == []


def test_log_text_stores_utf8_text(tmp_path: Path) -> None:
    text = "line one\nlíne twö ✓\n"

    with keel.start_run() as run:
        keel.log_text(text, "notes/readme.txt")

    assert _download(run.info.run_id, "notes/readme.txt", tmp_path).read_text(encoding="utf-8") == text


def test_log_dict_writes_json_or_yaml_by_extension(tmp_path: Path) -> None:
    config = {"model": {"layers": [64, 32], "dropout": 0.1}, "name": "net", "tags": ["a", "b"], "ok": True}

    with keel.start_run() as run:
        keel.log_dict(config, "config.json")
        keel.log_dict(config, "config.yaml")
        keel.log_dict(config, "config.yml")
        keel.log_dict(config, "config.txt")

    rid = run.info.run_id
    assert json.loads(_download(rid, "config.json", tmp_path).read_text()) == config
    assert yaml.safe_load(_download(rid, "config.yaml", tmp_path).read_text()) == config
    assert yaml.safe_load(_download(rid, "config.yml", tmp_path).read_text()) == config
    assert json.loads(_download(rid, "config.txt", tmp_path).read_text()) == config  # JSON unless YAML


def test_log_dict_writes_non_string_keys_as_json_does(tmp_path: Path) -> None:
    # MLflow writes with json.dump, which turns int keys (class labels, epochs…) into strings.
    with keel.start_run() as run:
        keel.log_dict({0: "cat", 1: "dog"}, "labels.json")

    assert json.loads(_download(run.info.run_id, "labels.json", tmp_path).read_text()) == {
        "0": "cat",
        "1": "dog",
    }


def test_log_table_stores_mlflow_split_json_from_a_dict_or_a_dataframe(tmp_path: Path) -> None:
    table = {"inputs": ["What is keel?", "Why?"], "score": [0.5, 1.0], "n": [1, 2]}

    with keel.start_run() as run:
        keel.log_table(table, "eval/results.json")
        keel.log_table(pd.DataFrame(table), "eval/frame.json")

    expected = {"columns": ["inputs", "score", "n"], "data": [["What is keel?", 0.5, 1], ["Why?", 1.0, 2]]}
    for name in ("eval/results.json", "eval/frame.json"):
        assert json.loads(_download(run.info.run_id, name, tmp_path).read_text()) == expected
    read_back = pd.read_json(_download(run.info.run_id, "eval/results.json", tmp_path), orient="split")
    pd.testing.assert_frame_equal(read_back, pd.DataFrame(table))


def test_log_table_to_an_existing_file_appends_rows_as_mlflow_does(tmp_path: Path) -> None:
    with keel.start_run() as run:
        keel.log_table({"step": [1], "loss": [0.5]}, "progress.json")
        keel.log_table({"step": [2], "loss": [0.25]}, "progress.json")

    stored = json.loads(_download(run.info.run_id, "progress.json", tmp_path).read_text())
    assert stored == {"columns": ["step", "loss"], "data": [[1, 0.5], [2, 0.25]]}


def test_log_table_needs_a_json_file_name() -> None:
    with keel.start_run() as run, pytest.raises(InvalidParameter, match=r"\.json"):
        keel.log_table({"a": [1]}, "table.csv")

    assert _listing(run.info.run_id) == []


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image)


def test_log_image_of_uint8_arrays_reads_back_pixel_for_pixel(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, size=(12, 9, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, size=(5, 6, 4), dtype=np.uint8)
    gray = rng.integers(0, 256, size=(7, 4), dtype=np.uint8)

    with keel.start_run() as run:
        keel.log_image(rgb, "images/rgb.png")
        keel.log_image(rgba, "images/rgba.png")
        keel.log_image(gray, "images/gray.png")
        keel.log_image(gray[:, :, np.newaxis], "images/gray1.png")

    rid = run.info.run_id
    np.testing.assert_array_equal(_pixels(_download(rid, "images/rgb.png", tmp_path)), rgb)
    np.testing.assert_array_equal(_pixels(_download(rid, "images/rgba.png", tmp_path)), rgba)
    np.testing.assert_array_equal(_pixels(_download(rid, "images/gray.png", tmp_path)), gray)
    np.testing.assert_array_equal(_pixels(_download(rid, "images/gray1.png", tmp_path)), gray)


def test_log_image_of_a_float_array_maps_zero_to_one_onto_zero_to_255(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    levels = rng.integers(0, 256, size=(8, 10, 3))
    image = levels / 255.0  # floats in [0, 1] that land exactly on 8-bit levels

    with keel.start_run() as run:
        keel.log_image(image, "float.png")
        keel.log_image(np.array([[0.0, 1.0], [0.5, 0.25]], dtype=np.float32), "small.png")

    np.testing.assert_array_equal(_pixels(_download(run.info.run_id, "float.png", tmp_path)), levels)
    small = _pixels(_download(run.info.run_id, "small.png", tmp_path))
    np.testing.assert_allclose(small / 255, [[0.0, 1.0], [0.5, 0.25]], atol=0.5 / 255)


def test_log_image_of_a_pil_image_keeps_it(tmp_path: Path) -> None:
    original = Image.new("RGB", (3, 2), color=(10, 200, 30))

    with keel.start_run() as run:
        keel.log_image(original, "pil.png")

    np.testing.assert_array_equal(
        _pixels(_download(run.info.run_id, "pil.png", tmp_path)), np.asarray(original)
    )


def test_log_image_refuses_arrays_that_are_not_images() -> None:
    not_images = {
        "float above 1": np.array([[1.5, 0.0]]),
        "float below 0": np.array([[-0.1, 0.0]]),
        "int above 255": np.array([[256, 0]]),
        "two channels": np.zeros((2, 2, 2)),
        "one dimension": np.zeros(5),
    }

    with keel.start_run() as run:
        for what, array in not_images.items():
            with pytest.raises(InvalidParameter):
                keel.log_image(array, f"{what}.png")

    assert _listing(run.info.run_id) == []


def test_log_figure_saves_a_matplotlib_figure_as_a_png(tmp_path: Path) -> None:
    figure = Figure(figsize=(4, 3), dpi=50)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot([0, 1, 2], [2, 0, 1])

    with keel.start_run() as run:
        keel.log_figure(figure, "plots/curve.png")

    with Image.open(_download(run.info.run_id, "plots/curve.png", tmp_path)) as image:
        assert image.format == "PNG"
        assert image.size == (200, 150)


def test_log_figure_refuses_what_is_not_a_figure() -> None:
    with keel.start_run(), pytest.raises(InvalidParameter, match="figure"):
        keel.log_figure(object(), "plot.png")


HOSTILE_PATHS = ("../x", "../../x.txt", "a/../../x", "/etc/x", "..%2fx", "%2e%2e/x", "a\\..\\x", "x\x00y")


def test_a_hostile_artifact_file_is_refused_and_nothing_lands_outside_the_run(tmp_path: Path) -> None:
    local = tmp_path / "src" / "file.txt"
    local.parent.mkdir()
    local.write_text("payload")
    before = _files_under(tmp_path)

    with keel.start_run() as run:
        for hostile in HOSTILE_PATHS:
            with pytest.raises(InvalidParameter):
                keel.log_text("payload", hostile)
            with pytest.raises(InvalidParameter):
                keel.log_dict({"a": 1}, hostile)
            with pytest.raises(InvalidParameter):
                keel.log_artifact(local, artifact_path=hostile)
            with pytest.raises(InvalidParameter):
                keel.log_artifacts(local.parent, artifact_path=hostile)

    written = _files_under(tmp_path) - before
    assert {p.parent for p in written} == {tmp_path / "store"}  # the database files, nothing else
    assert _listing(run.info.run_id) == []


def test_get_artifact_uri_points_at_the_run_artifact_directory() -> None:
    with keel.start_run() as run:
        root = keel.get_artifact_uri()
        nested = keel.get_artifact_uri("models/model.pkl")
        keel.log_text("x", "models/model.pkl")

    assert root == keel.get_run(run.info.run_id).info.artifact_uri
    assert root.startswith("file://")
    assert run.info.run_id in root
    assert nested == f"{root}/models/model.pkl"
    assert local_path_from_uri(nested).read_text() == "x"
    assert keel.get_artifact_uri(run_id=run.info.run_id) == root


def test_artifacts_of_a_run_live_under_the_store_directory(store_dir: Path) -> None:
    with keel.start_run() as run:
        keel.log_text("x", "a.txt")

    artifact_dir = local_path_from_uri(keel.get_run(run.info.run_id).info.artifact_uri)
    assert artifact_dir.resolve().is_relative_to(store_dir.resolve())
    assert (artifact_dir / "a.txt").read_text() == "x"
