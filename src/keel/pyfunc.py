"""``keel.pyfunc``: the generic model interface, imported as ``import keel.pyfunc`` like ``mlflow.pyfunc``."""

from keel.models.pyfunc import PyFuncModel, PythonModel, PythonModelContext, load_model, log_model, save_model

__all__ = ["PyFuncModel", "PythonModel", "PythonModelContext", "load_model", "log_model", "save_model"]
