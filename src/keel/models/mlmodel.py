"""``Model``: the MLmodel file at the root of every model directory, read and written as MLflow 3.17 does.

Keys keel does not model itself (``resources``, ``env_vars``, ``prompts``, ``databricks_runtime``…)
are kept as they were read and written back unchanged.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from keel.errors import InvalidParameter, NotFound
from keel.models.signature import ModelSignature
from keel.version import __version__

if TYPE_CHECKING:
    import os

    from keel.models.params import ParamSchema
    from keel.models.schema import Schema

MLMODEL_FILE_NAME = "MLmodel"
PYFUNC_FLAVOR = "python_function"
KEEL_VERSION_KEY = "keel_version"
_TYPE_HINT_KEYS = ("is_signature_from_type_hint", "type_hint_from_example")
# libyaml's parser with PyYAML's safe constructors: the same mappings as ``yaml.safe_load``, about ten
# times faster (MLflow reads its other YAML files this way too); the pure-Python parser without libyaml.
_YAML_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def utc_now_text() -> str:
    """The creation time as MLflow writes it: naive UTC, ``str(datetime)``."""
    return str(dt.datetime.now(dt.UTC).replace(tzinfo=None))


class Model:
    """An MLmodel file: the flavors a model can be loaded as, where it came from, and its signature.

    Args:
        artifact_path: where the model was logged (MLflow 3: the logged model's artifact URI).
        run_id: the run that logged it.
        utc_time_created: defaults to now.
        flavors: flavor name -> its configuration.
        signature: input, output and params schemas.
        saved_input_example_info: where the input example is and how it is encoded.
        model_uuid: a random hex id (MLflow 3 logs use the model id).
        model_id: the logged model's id (``m-…``), None for a saved model.
        metadata: free-form user metadata.
        model_size_bytes: the size of the model's files.
        extra: any other MLmodel keys, written back as read.

    Example:
        >>> meta = Model.load("path/to/model")
        >>> meta.flavors["python_function"]["loader_module"]
        'mlflow.sklearn'
    """

    def __init__(
        self,
        artifact_path: str | None = None,
        run_id: str | None = None,
        utc_time_created: str | None = None,
        flavors: dict[str, dict[str, Any]] | None = None,
        signature: ModelSignature | None = None,
        saved_input_example_info: dict[str, Any] | None = None,
        model_uuid: str | None = None,
        model_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        model_size_bytes: int | None = None,
        mlflow_version: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.artifact_path = artifact_path
        self.run_id = run_id
        self.utc_time_created = utc_time_created or utc_now_text()
        self.flavors: dict[str, dict[str, Any]] = flavors if flavors is not None else {}
        self.signature = signature
        self.saved_input_example_info = saved_input_example_info
        self.model_uuid = model_uuid or uuid.uuid4().hex
        self.model_id = model_id
        self.metadata = metadata
        self.model_size_bytes = model_size_bytes
        self.mlflow_version = mlflow_version
        self.extra: dict[str, Any] = dict(extra or {})

    def add_flavor(self, name: str, **config: Any) -> Model:
        self.flavors[name] = config
        return self

    def get_input_schema(self) -> Schema | None:
        return self.signature.inputs if self.signature else None

    def get_output_schema(self) -> Schema | None:
        return self.signature.outputs if self.signature else None

    def get_params_schema(self) -> ParamSchema | None:
        return self.signature.params if self.signature else None

    @property
    def loader_module(self) -> str | None:
        conf = self.flavors.get(PYFUNC_FLAVOR)
        return None if conf is None else conf.get("loader_module")

    def to_dict(self) -> dict[str, Any]:
        """The MLmodel mapping, with MLflow's choices of which empty keys to write (``model_id: null``)."""
        out: dict[str, Any] = dict(self.extra)
        out.update(
            flavors=self.flavors,
            model_id=self.model_id,
            model_uuid=self.model_uuid,
            utc_time_created=self.utc_time_created,
        )
        out[KEEL_VERSION_KEY] = out.get(KEEL_VERSION_KEY) or __version__
        optional = {
            "artifact_path": self.artifact_path,
            "run_id": self.run_id,
            "saved_input_example_info": self.saved_input_example_info,
            "metadata": self.metadata,
            "model_size_bytes": self.model_size_bytes,
            "mlflow_version": self.mlflow_version,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        if self.signature is not None:
            out["signature"] = self.signature.to_dict()
            for key in _TYPE_HINT_KEYS:
                out.setdefault(key, False)
        return out

    def to_yaml(self) -> str:
        return str(yaml.safe_dump(self.to_dict(), default_flow_style=False))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the MLmodel file to ``path`` (a file path, or a directory to write ``MLmodel`` in)."""
        target = Path(path)
        if target.is_dir():
            target = target / MLMODEL_FILE_NAME
        target.write_text(self.to_yaml(), encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Model:
        data = dict(data)
        signature = data.pop("signature", None)
        flavors = data.pop("flavors", None)
        if not isinstance(flavors, dict):
            raise InvalidParameter("The MLmodel file has no 'flavors' mapping")
        size = data.pop("model_size_bytes", None)
        return cls(
            artifact_path=data.pop("artifact_path", None),
            run_id=data.pop("run_id", None),
            utc_time_created=_text(data.pop("utc_time_created", None)),
            flavors=flavors,
            signature=ModelSignature.from_dict(signature) if isinstance(signature, dict) else None,
            saved_input_example_info=data.pop("saved_input_example_info", None),
            model_uuid=data.pop("model_uuid", None),
            model_id=data.pop("model_id", None),
            metadata=data.pop("metadata", None),
            model_size_bytes=None if size is None else int(size),
            mlflow_version=data.pop("mlflow_version", None),
            extra=data,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Model:
        """Read a local MLmodel file, or the one in a local model directory.

        Raises:
            NotFound: when there is no MLmodel file there.
            InvalidParameter: when the file is not a YAML mapping with flavors.
        """
        target = Path(path)
        if target.is_dir():
            target = target / MLMODEL_FILE_NAME
        try:
            text = target.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(
                f'Could not find an "{MLMODEL_FILE_NAME}" configuration file at "{path}"'
            ) from None
        data = yaml.load(text, Loader=_YAML_SAFE_LOADER)
        if not isinstance(data, dict):
            raise InvalidParameter(f"'{target}' is not an MLmodel file: expected a YAML mapping")
        return cls.from_dict(data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Model) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Model flavors={sorted(self.flavors)} model_id={self.model_id} run_id={self.run_id}>"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
