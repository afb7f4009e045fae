"""Plain data with MLflow JSON in and out: experiments, runs, metrics, params, tags, datasets."""

from keel.entities.dataset import Dataset, DatasetInput, InputTag
from keel.entities.experiment import Experiment
from keel.entities.lifecycle import LifecycleStage, RunStatus, ViewType
from keel.entities.metric import ExperimentTag, Metric, Param, RunTag
from keel.entities.paged import PagedList
from keel.entities.run import Run, RunData, RunInfo, RunInputs

__all__ = [
    "Dataset",
    "DatasetInput",
    "Experiment",
    "ExperimentTag",
    "InputTag",
    "LifecycleStage",
    "Metric",
    "PagedList",
    "Param",
    "Run",
    "RunData",
    "RunInfo",
    "RunInputs",
    "RunStatus",
    "RunTag",
    "ViewType",
]
