"""Datasets: describe a DataFrame or array once, log it as a run input, trace lineage through it."""

from keel.data.datasets import from_numpy, from_pandas

__all__ = ["from_numpy", "from_pandas"]
