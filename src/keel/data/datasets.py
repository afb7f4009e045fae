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
    from collections.abc import Sequence

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
    return _frame_dataset(df.head(MAX_ROWS_HASHED), df.shape, source, name, targets)


def from_numpy(features: np.ndarray[Any, Any], source: str = "", name: str | None = None) -> Dataset:
    """Describe an array as a dataset input (digest over its first rows, dtype and shape)."""
    return _array_dataset(features[:MAX_ROWS_HASHED], features.shape, source, name)


def from_sparse(
    matrix: Any, source: str = "", name: str | None = None, columns: Sequence[str] | None = None
) -> Dataset:
    """Describe a scipy sparse matrix as its dense array would be described (the DataFrame of
    ``columns``, when given), making only the rows hashed dense."""
    import numpy as np
    import pandas as pd

    head = np.asarray(matrix.tocsr()[:MAX_ROWS_HASHED].toarray())  # tocsr: COO has no rows to slice
    shape = tuple(int(n) for n in matrix.shape)
    if columns:
        return _frame_dataset(pd.DataFrame(head, columns=list(columns)), shape, source, name)
    return _array_dataset(head, shape, source, name)


def _frame_dataset(
    head: pd.DataFrame, shape: tuple[int, ...], source: str, name: str | None, targets: str | None = None
) -> Dataset:
    import pandas as pd

    hasher = hashlib.md5(usedforsecurity=False)
    hasher.update(pd.util.hash_pandas_object(head, index=False).to_numpy().tobytes())
    hasher.update(f"{shape[0]}x{shape[1]}".encode())
    schema = [{"name": str(col), "type": str(dtype)} for col, dtype in head.dtypes.items()]
    profile = {"num_rows": int(shape[0]), "num_elements": int(shape[0] * shape[1])}
    if targets is not None:
        profile["targets"] = targets  # type: ignore[assignment]
    return Dataset(
        name=name or "dataset",
        digest=hasher.hexdigest()[:DIGEST_LENGTH],
        source_type=_source_type(source),
        source=orjson.dumps({"uri": source}).decode(),
        schema=orjson.dumps({"mlflow_colspec": schema}).decode(),
        profile=orjson.dumps(profile).decode(),
    )


def _array_dataset(
    head: np.ndarray[Any, Any], shape: tuple[int, ...], source: str, name: str | None
) -> Dataset:
    hasher = hashlib.md5(usedforsecurity=False)
    hasher.update(head.tobytes())
    hasher.update(f"{head.dtype}{shape}".encode())
    schema = {"mlflow_tensorspec": {"features": {"dtype": str(head.dtype), "shape": list(shape)}}}
    return Dataset(
        name=name or "dataset",
        digest=hasher.hexdigest()[:DIGEST_LENGTH],
        source_type=_source_type(source),
        source=orjson.dumps({"uri": source}).decode(),
        schema=orjson.dumps(schema).decode(),
        profile=orjson.dumps({"num_rows": int(shape[0]) if shape else 1}).decode(),
    )


def _source_type(source: str) -> str:
    return "local" if not source or "://" not in source else source.split("://", 1)[0]
