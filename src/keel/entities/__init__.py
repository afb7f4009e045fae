"""Plain data with MLflow JSON in and out: experiments, runs, metrics, params, tags, datasets, models."""

from keel.entities.dataset import Dataset, DatasetInput, InputTag
from keel.entities.experiment import Experiment
from keel.entities.lifecycle import LifecycleStage, RunStatus, ViewType
from keel.entities.logged_model import (
    LoggedModel,
    LoggedModelData,
    LoggedModelInfo,
    LoggedModelOutput,
    LoggedModelParameter,
    LoggedModelRegistration,
    LoggedModelStatus,
    LoggedModelTag,
)
from keel.entities.metric import ExperimentTag, Metric, Param, RunTag
from keel.entities.paged import PagedList
from keel.entities.registry import (
    ModelVersion,
    ModelVersionStage,
    ModelVersionStatus,
    RegisteredModel,
    RegisteredModelAlias,
    RegistryAction,
    RegistryEvent,
)
from keel.entities.run import Run, RunData, RunInfo, RunInputs, RunOutputs
from keel.entities.webhook import (
    DeliveryAttempt,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    WebhookStatus,
    WebhookTestResult,
)

__all__ = [
    "Dataset",
    "DatasetInput",
    "DeliveryAttempt",
    "DeliveryStatus",
    "Experiment",
    "ExperimentTag",
    "InputTag",
    "LifecycleStage",
    "LoggedModel",
    "LoggedModelData",
    "LoggedModelInfo",
    "LoggedModelOutput",
    "LoggedModelParameter",
    "LoggedModelRegistration",
    "LoggedModelStatus",
    "LoggedModelTag",
    "Metric",
    "ModelVersion",
    "ModelVersionStage",
    "ModelVersionStatus",
    "PagedList",
    "Param",
    "RegisteredModel",
    "RegisteredModelAlias",
    "RegistryAction",
    "RegistryEvent",
    "Run",
    "RunData",
    "RunInfo",
    "RunInputs",
    "RunOutputs",
    "RunStatus",
    "RunTag",
    "ViewType",
    "Webhook",
    "WebhookDelivery",
    "WebhookStatus",
    "WebhookTestResult",
]
