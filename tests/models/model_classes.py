"""Custom models the tests save and load. They live in an importable module (not a test file), so
a pickled instance finds its class again, in this process or in MLflow's loader."""

from __future__ import annotations

from typing import Any

import mlflow.pyfunc
import pandas as pd

import keel


class Echo(keel.pyfunc.PythonModel):
    """Returns what it was given, and remembers the params, so a test sees what reached the model."""

    def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        self.last_params = params
        return model_input


class Scale(keel.pyfunc.PythonModel):
    """Multiplies column ``a`` by a factor read from an artifact and by the ``mult`` param."""

    def load_context(self, context: keel.pyfunc.PythonModelContext) -> None:
        with open(context.artifacts["factor"], encoding="utf-8") as stream:
            self.factor = float(stream.read())

    def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        mult = (params or {}).get("mult", 1.0)
        return pd.DataFrame({"scaled": model_input["a"] * self.factor * mult})


class NoContext(keel.pyfunc.PythonModel):
    """MLflow 2.20+ lets predict leave out the context argument."""

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        return [len(model_input)]


class MlflowDouble(mlflow.pyfunc.PythonModel):
    """An MLflow custom model (mlflow's base class), doubling its input."""

    # Without this, defining the class makes mlflow warn (past any filter) that predict lacks type hints.
    _skip_type_hint_validation = True

    def load_context(self, context: Any) -> None:
        self.loaded = True

    # No annotations: mlflow would infer a signature from them.
    def predict(self, context, model_input, params=None):
        return model_input * 2


class MlflowEcho(mlflow.pyfunc.PythonModel):
    """An MLflow custom model returning its input."""

    _skip_type_hint_validation = True

    def predict(self, context, model_input, params=None):
        return model_input


class MlflowUpper(mlflow.pyfunc.PythonModel):
    """An MLflow model whose signature MLflow infers from predict's type hints."""

    def predict(self, model_input: list[str], params: dict[str, Any] | None = None) -> list[str]:
        return [text.upper() for text in model_input]
