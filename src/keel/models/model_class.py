"""The ``model_class`` a flavor records: the ``module.Class`` of a trained model, checked before saving."""

from __future__ import annotations

from typing import Any

from keel.errors import InvalidParameter


def fitted_model_class(model: Any, accepted: type | tuple[type, ...], saves: str) -> str:
    """``module.Class`` of ``model``, as MLflow records it.

    Args:
        model: the object to save.
        accepted: the classes the flavor saves (a library's Booster and scikit-learn API base class).
        saves: what the flavor saves, for the refusal ("keel.xgboost saves an xgboost.Booster…").

    Raises:
        InvalidParameter: when ``model`` is not ``accepted``, or is a scikit-learn API model not fitted yet.
    """
    cls = type(model)
    if not isinstance(model, accepted):
        raise InvalidParameter(f"{saves}, not {cls.__module__}.{cls.__qualname__}")
    is_fitted = getattr(model, "__sklearn_is_fitted__", None)
    if is_fitted is not None and not is_fitted():
        raise InvalidParameter(f"The {cls.__name__} is not fitted: call fit before saving")
    return f"{cls.__module__}.{cls.__name__}"
