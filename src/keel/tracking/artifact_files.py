"""Python objects turned into artifact file bytes: dicts, figures, images and tables.

The plotting and imaging libraries are optional and imported only when such an object is logged.
"""

from __future__ import annotations

import io
import posixpath
from typing import Any

import orjson

from keel.errors import InvalidParameter


def _extension(artifact_file: str) -> str:
    return posixpath.splitext(artifact_file)[1].lower().lstrip(".")


def dict_bytes(dictionary: Any, artifact_file: str) -> bytes:
    if _extension(artifact_file) in ("yaml", "yml"):
        import yaml

        text: str = yaml.safe_dump(dictionary, sort_keys=False, default_flow_style=False)
        return text.encode("utf-8")
    options = orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    return orjson.dumps(dictionary, default=str, option=options)


def figure_bytes(figure: Any, artifact_file: str) -> bytes:
    ext = _extension(artifact_file) or "png"
    module = type(figure).__module__
    buffer = io.BytesIO()
    if module.startswith("matplotlib"):
        figure.savefig(buffer, format=ext)
        return buffer.getvalue()
    if module.startswith("plotly"):
        if ext == "html":
            return str(figure.to_html()).encode("utf-8")
        return bytes(figure.to_image(format=ext))
    raise InvalidParameter(
        f"Unsupported figure type {type(figure).__name__}: expected a matplotlib or plotly figure"
    )


def image_bytes(image: Any, artifact_file: str) -> bytes:
    from PIL import Image

    if not isinstance(image, Image.Image):
        image = Image.fromarray(_to_uint8(image))
    buffer = io.BytesIO()
    image.save(buffer, format=(_extension(artifact_file) or "png").replace("jpg", "jpeg").upper())
    return buffer.getvalue()


def _to_uint8(array: Any) -> Any:
    import numpy as np

    array = np.asarray(array)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise InvalidParameter(f"Invalid image shape {array.shape}: expected HxW, HxWx1, HxWx3 or HxWx4")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if np.issubdtype(array.dtype, np.floating):
        if array.min() < 0 or array.max() > 1:
            raise InvalidParameter("Float images must have values in [0, 1]")
        return (array * 255).round().astype(np.uint8)
    if array.min() < 0 or array.max() > 255:
        raise InvalidParameter("Integer images must have values in [0, 255]")
    return array.astype(np.uint8)


def table_bytes(data: Any, artifact_file: str, existing: bytes | None = None) -> bytes:
    """A table as MLflow stores it: JSON ``{"columns": [...], "data": [[...], ...]}``, after the
    rows of ``existing`` (a table already stored there) when given."""
    if _extension(artifact_file) != "json":
        raise InvalidParameter(f"Table artifact file must end in .json, got '{artifact_file}'")
    import pandas as pd

    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    if existing:
        stored = orjson.loads(existing)
        previous = pd.DataFrame(stored.get("data", []), columns=stored.get("columns"))
        frame = pd.concat([previous, frame], ignore_index=True)
    return str(frame.to_json(orient="split", index=False, date_format="iso")).encode("utf-8")
