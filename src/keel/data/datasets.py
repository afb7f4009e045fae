"""Dataset descriptions from pandas and numpy: name, content digest, source, schema and profile.

The digest follows MLflow's recipe in spirit (a hash of the first rows plus the shape),
truncated to 8 hex characters so it fits MLflow's 36-character digest field.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import orjson

from keel.entities import Dataset

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

MAX_ROWS_HASHED = 10_000
DIGEST_LENGTH = 8


def from_pandas(
    df: pd.DataFrame, source: str = "", name: str | None = None, targets: str | None = None
) -> Dataset:
    """Describe a DataFrame as a dataset input.

    Example:
        >>> dataset = keel.data.from_pandas(train_df, source="s3://bucket/train.parquet")
        >>> keel.log_input(dataset, context="training")
    """
    import pandas as pd

    trimmed = df.head(MAX_ROWS_HASHED)
    hasher = hashlib.md5(usedforsecurity=False)
    hasher.update(pd.util.hash_pandas_object(trimmed, index=False).to_numpy().tobytes())
    hasher.update(f"{df.shape[0]}x{df.shape[1]}".encode())
    schema = [{"name": str(col), "type": str(dtype)} for col, dtype in df.dtypes.items()]
    profile = {"num_rows": int(df.shape[0]), "num_elements": int(df.size)}
    if targets is not None:
        profile["targets"] = targets  # type: ignore[assignment]
    return Dataset(
        name=name or "dataset",
        digest=hasher.hexdigest()[:DIGEST_LENGTH],
        source_type="local" if not source or "://" not in source else source.split("://", 1)[0],
        source=orjson.dumps({"uri": source}).decode(),
        schema=orjson.dumps({"mlflow_colspec": schema}).decode(),
        profile=orjson.dumps(profile).decode(),
    )


def from_numpy(features: np.ndarray[Any, Any], source: str = "", name: str | None = None) -> Dataset:
    """Describe an array as a dataset input (digest over its first rows, dtype and shape)."""
    hasher = hashlib.md5(usedforsecurity=False)
    hasher.update(features[:MAX_ROWS_HASHED].tobytes())
    hasher.update(f"{features.dtype}{features.shape}".encode())
    schema = {
        "mlflow_tensorspec": {"features": {"dtype": str(features.dtype), "shape": list(features.shape)}}
    }
    return Dataset(
        name=name or "dataset",
        digest=hasher.hexdigest()[:DIGEST_LENGTH],
        source_type="local" if not source or "://" not in source else source.split("://", 1)[0],
        source=orjson.dumps({"uri": source}).decode(),
        schema=orjson.dumps(schema).decode(),
        profile=orjson.dumps({"num_rows": int(features.shape[0]) if features.ndim else 1}).decode(),
    )
